/* test_autodiscover_request.c - the SAX reader of the POX request body
 * (autodiscover_request.c) against the tree reader it replaced, kept here
 * as the reference: the same answer code and the same address for every
 * text of the fuzz corpus (up to 2 KiB), every prefix of it, every byte of
 * it changed to one of a few that matter to XML, and hand-made cases (a second
 * Request, nested fields, text split by comments and CDATA, references,
 * a DOCTYPE, texts at the length limit). */
#include <dirent.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autodiscover_request.h"
#include "buf.h"
#include "check.h"

/* The reference: the tree reader of autodiscover.c before the SAX one,
 * unchanged but for its names. */
#define REQUEST_TEXT_MAX 1024
#define NS_OUTLOOK_2006A                                                       \
	"http://schemas.microsoft.com/exchange/autodiscover/outlook/"          \
	"responseschema/2006a"
#define NS_MOBILESYNC                                                          \
	"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/"       \
	"responseschema/2006"

/* The first child element of n with this local name, or NULL. */
static xmlNodePtr child(xmlNodePtr n, const char *name)
{
	for (n = n ? n->children : NULL; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

/* The element's own text (text and CDATA children only: entity references
 * are never expanded), trimmed, into out. Returns 0, or -1 if too long. */
static int text_of(xmlNodePtr n, char *out, size_t outsz)
{
	size_t len = 0, k, start = 0;

	out[0] = '\0';
	for (n = n ? n->children : NULL; n != NULL; n = n->next) {
		if (n->type != XML_TEXT_NODE &&
		    n->type != XML_CDATA_SECTION_NODE)
			continue;
		k = strlen((const char *)n->content);
		if (len + k >= outsz)
			return -1;
		memcpy(out + len, n->content, k + 1);
		len += k;
	}
	while (len > 0 && strchr(" \t\r\n", out[len - 1]) != NULL)
		out[--len] = '\0';
	while (out[start] != '\0' && strchr(" \t\r\n", out[start]) != NULL)
		start++;
	memmove(out, out + start, len - start + 1);
	return 0;
}

/* Is s the response schema tail ("://schemas..."), in its http:// or
 * https:// spelling? */
static int is_schema(const char *s, const char *tail)
{
	if (strncmp(s, "https", 5) == 0)
		s += 5;
	else if (strncmp(s, "http", 4) == 0)
		s += 4;
	else
		return 0;
	return strcmp(s, tail) == 0;
}

static int ref_request(struct address *addr, xmlNodePtr req)
{
	char text[REQUEST_TEXT_MAX];
	const char *why = NULL;
	xmlNodePtr schema = child(req, "AcceptableResponseSchema");
	xmlNodePtr email = child(req, "EMailAddress");

	int mobilesync = 0;

	if (schema != NULL && text_of(schema, text, sizeof(text)) < 0)
		return AUTODISCOVER_BAD_SCHEMA;
	if (schema != NULL && !is_schema(text, NS_OUTLOOK_2006A + 4)) {
		if (!is_schema(text, NS_MOBILESYNC + 4))
			return AUTODISCOVER_BAD_SCHEMA;
		mobilesync = 1;
	}
	if (email == NULL)
		email = child(req, "LegacyDN");
	if (email == NULL || text_of(email, text, sizeof(text)) < 0)
		return AUTODISCOVER_INVALID_REQUEST;
	if (address_parse(addr, text, &why) < 0)
		return AUTODISCOVER_INVALID_REQUEST;
	return mobilesync ? AUTODISCOVER_MOBILESYNC : 0;
}

/* The body as a document, or NULL if it is not well-formed. No
 * XML_PARSE_NOENT, no DTDLOAD: entities stay references. No document URI
 * (libxml2 would parse one per request). The body is copied: parsing a
 * static, unterminated buffer in place read past its end under the
 * fuzzer (libxml2 2.9.14), so the copy stays. */
static xmlDocPtr read_body(const char *body, size_t len)
{
	return xmlReadMemory(body, (int)len, NULL, NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR |
				 XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
}

static int ref_parse(struct address *addr, const char *body, size_t len)
{
	xmlDocPtr doc = NULL; /* freed below */
	xmlNodePtr root;
	int rc = AUTODISCOVER_INVALID_REQUEST;

	if (body == NULL || len == 0 || len > (size_t)1 << 30)
		return rc;
	doc = read_body(body, len);
	if (doc == NULL || doc->intSubset != NULL) /* a DTD: refuse */
		goto out;
	root = xmlDocGetRootElement(doc);
	if (root == NULL || strcmp((const char *)root->name, "Autodiscover"))
		goto out;
	rc = ref_request(addr, child(root, "Request"));
out:
	xmlFreeDoc(doc);
	return rc;
}

static size_t compared, differed;

static void compare(const char *what, const char *body, size_t len)
{
	struct address a, b;
	int ra, rb;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	rb = ref_parse(&b, body, len);
	ra = autodiscover_parse(&a, body, len);
	compared++;
	if (ra == rb && (ra > 1 || strcmp(a.full, b.full) == 0))
		return;
	if (differed++ < 10)
		fprintf(stderr,
			"%s (%zu bytes): sax %d '%s', tree %d '%s'\n%.*s\n",
			what, len, ra, a.full, rb, b.full, (int)len, body);
	CHECK(0);
}

/* The text, its prefixes, and each byte changed to each of subst. */
static void variants(const char *what, const char *body, size_t len)
{
	static const char subst[] = "<>/&;\"!]a\0";
	char *copy = malloc(len ? len : 1);
	size_t i, k;

	if (copy == NULL)
		return;
	compare(what, body, len);
	for (i = 1; i < len; i++)
		compare(what, body, i);
	for (i = 0; i < len; i++)
		for (k = 0; k < sizeof(subst) - 1; k++) {
			memcpy(copy, body, len);
			copy[i] = subst[k];
			compare(what, copy, len);
		}
	free(copy);
}

#define REQ_HEAD                                                               \
	"<?xml version=\"1.0\"?><Autodiscover xmlns=\"http://schemas."         \
	"microsoft.com/exchange/autodiscover/outlook/requestschema/2006\">"
#define SCHEMA_OK                                                              \
	"<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/"     \
	"autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>"

static const char *const cases[] = {
    REQ_HEAD "<Request><EMailAddress>a@b.example</EMailAddress>" SCHEMA_OK
	     "</Request></Autodiscover>",
    REQ_HEAD "<Request><EMailAddress> a@<!-- x -->b.example\n</EMailAddress>"
	     "</Request><Request><EMailAddress>c@d.example</EMailAddress>"
	     "</Request></Autodiscover>",
    REQ_HEAD "<Other><Request><EMailAddress>c@d.example</EMailAddress>"
	     "</Request></Other><Request><LegacyDN>e@f.example</LegacyDN>"
	     "</Request></Autodiscover>",
    REQ_HEAD
    "<Request><EMailAddress>a<x>zz</x>@b.example</EMailAddress>"
    "<EMailAddress>c@d.example</EMailAddress></Request></Autodiscover>",
    REQ_HEAD "<Request><EMailAddress><![CDATA[a@]]>b&#46;example&amp;"
	     "</EMailAddress></Request></Autodiscover>",
    REQ_HEAD "<Request><EMailAddress>a@b.example&ent;</EMailAddress>"
	     "</Request></Autodiscover>",
    "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY e \"a@b.example\">]>"
    "<Autodiscover><Request><EMailAddress>&e;</EMailAddress></Request>"
    "</Autodiscover>",
    REQ_HEAD "<Request><EMailAddress></EMailAddress><LegacyDN>e@f.example"
	     "</LegacyDN></Request></Autodiscover>",
    REQ_HEAD "<Request><AcceptableResponseSchema>https://schemas.microsoft."
	     "com/exchange/autodiscover/mobilesync/responseschema/2006"
	     "</AcceptableResponseSchema><EMailAddress>a@b.example"
	     "</EMailAddress></Request></Autodiscover>",
    REQ_HEAD
    "<Request><AcceptableResponseSchema>x</AcceptableResponseSchema>"
    "<EMailAddress>a@b.example</EMailAddress></Request></Autodiscover>",
    "<p:Autodiscover xmlns:p=\"urn:x\"><p:Request><q:EMailAddress "
    "xmlns:q=\"urn:y\">a@b.example</q:EMailAddress></p:Request>"
    "</p:Autodiscover>",
    "<Autodiscover><Request><EMailAddress>a@b.example</EMailAddress>"
    "</Request></Autodiscover><!-- after -->\n",
    "<autodiscover><Request><EMailAddress>a@b.example</EMailAddress>"
    "</Request></autodiscover>",
};

/* A field text of n bytes around the limit (1024 with the NUL). */
static void long_texts(void)
{
	struct buf b = BUF_INIT;
	size_t n, i;

	for (n = 1018; n <= 1030; n++) {
		buf_reset(&b);
		buf_puts(&b, REQ_HEAD "<Request><EMailAddress>  ");
		for (i = 0; i < n - 14; i++)
			buf_puts(&b, "a");
		buf_puts(
		    &b, "@b.example\n</EMailAddress></Request></Autodiscover>");
		compare("long", b.data, b.len);
	}
	buf_free(&b);
}

static void corpus(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct buf path = BUF_INIT, text = BUF_INIT;
	size_t files = 0;

	CHECK(d != NULL);
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir, e->d_name);
		buf_reset(&text);
		if (buf_read_file(&text, path.data, 1 << 20) < 0 ||
		    text.len > 2048)
			continue;
		variants(e->d_name, text.data ? text.data : "", text.len);
		files++;
	}
	if (d != NULL)
		closedir(d);
	CHECK(files > 100);
	buf_free(&path);
	buf_free(&text);
}

int main(void)
{
	size_t i;

	xmlInitParser();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		variants("case", cases[i], strlen(cases[i]));
	long_texts();
	corpus(CORPUS_DIR);
	printf("%zu bodies compared, %zu differed\n", compared, differed);
	CHECK(compared > 100000 && differed == 0);
	return check_done();
}
