/* autodiscover_request.c - the POX autodiscover request body (SPEC §2),
 * read by libxml2's SAX2 parser into the three texts an answer needs,
 * with no tree: building and freeing one was a third of the parse
 * (callgrind).
 *
 * What is read is what a tree would give: the root element Autodiscover,
 * its first child element Request, and in that the first child element
 * of each of AcceptableResponseSchema, EMailAddress and LegacyDN; of each,
 * its own text and CDATA (not its descendants'), entity references left
 * out, never expanded. Names are compared as local names, as before. */
#include "autodiscover_request.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <stddef.h>
#include <string.h>

#define REQUEST_TEXT_MAX 1024
#define NS_OUTLOOK_2006A_TAIL                                                  \
	"://schemas.microsoft.com/exchange/autodiscover/outlook/"              \
	"responseschema/2006a"
#define NS_MOBILESYNC_TAIL                                                     \
	"://schemas.microsoft.com/exchange/autodiscover/mobilesync/"           \
	"responseschema/2006"

enum field { F_SCHEMA, F_EMAIL, F_LEGACYDN, F_COUNT };

static const char *const field_names[F_COUNT] = {"AcceptableResponseSchema",
						 "EMailAddress", "LegacyDN"};

/* Where the parse is; one per request, on the caller's stack. */
struct request_read {
	int depth;	/* elements open */
	int root_ok;	/* the root element is Autodiscover */
	int in_request; /* the first Request under the root is open */
	int request_seen;
	int dtd;	       /* a DOCTYPE: refused */
	int field;	       /* the field open at depth 3, or -1 */
	int seen[F_COUNT];     /* the field's first element was met */
	size_t len[F_COUNT];   /* its text so far */
	int too_long[F_COUNT]; /* its text passed the limit */
	char text[F_COUNT][REQUEST_TEXT_MAX];
};

static int field_of(const char *name)
{
	int i;

	for (i = 0; i < F_COUNT; i++)
		if (strcmp(name, field_names[i]) == 0)
			return i;
	return -1;
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		     const xmlChar *uri, int nb_ns, const xmlChar **ns,
		     int nb_attrs, int nb_defaulted, const xmlChar **attrs)
{
	struct request_read *r = ((xmlParserCtxtPtr)ctx)->_private;
	/* a prefix bound to no namespace: libxml2's tree names the element
	 * "prefix:local", which is none of ours */
	const char *name =
	    prefix != NULL && uri == NULL ? "" : (const char *)localname;
	int f;

	(void)nb_ns, (void)ns, (void)nb_attrs, (void)nb_defaulted, (void)attrs;
	r->depth++;
	if (r->depth == 1)
		r->root_ok = strcmp(name, "Autodiscover") == 0;
	else if (r->depth == 2 && r->root_ok && !r->request_seen &&
		 strcmp(name, "Request") == 0)
		r->in_request = r->request_seen = 1;
	else if (r->depth == 3 && r->in_request && (f = field_of(name)) >= 0 &&
		 !r->seen[f]) {
		r->seen[f] = 1;
		r->field = f;
	}
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		   const xmlChar *uri)
{
	struct request_read *r = ((xmlParserCtxtPtr)ctx)->_private;

	(void)localname, (void)prefix, (void)uri;
	if (r->depth == 3)
		r->field = -1;
	else if (r->depth == 2)
		r->in_request = 0;
	r->depth--;
}

/* Text and CDATA: kept when it is the open field's own (depth 3). */
static void on_text(void *ctx, const xmlChar *ch, int n)
{
	struct request_read *r = ((xmlParserCtxtPtr)ctx)->_private;
	int f = r->field;

	if (f < 0 || r->depth != 3 || n <= 0 || r->too_long[f])
		return;
	if (r->len[f] + (size_t)n >= REQUEST_TEXT_MAX) {
		r->too_long[f] = 1;
		return;
	}
	memcpy(r->text[f] + r->len[f], ch, (size_t)n);
	r->len[f] += (size_t)n;
}

/* A DOCTYPE: the request is refused, and nothing more of it is read. */
static void on_dtd(void *ctx, const xmlChar *name, const xmlChar *external_id,
		   const xmlChar *system_id)
{
	xmlParserCtxtPtr c = ctx;

	(void)name, (void)external_id, (void)system_id;
	((struct request_read *)c->_private)->dtd = 1;
	xmlStopParser(c);
}

/* The field's text, trimmed of " \t\r\n"; NULL if absent or too long. */
static const char *field_text(struct request_read *r, int f)
{
	char *s = r->text[f];
	size_t len = r->len[f];

	if (!r->seen[f] || r->too_long[f])
		return NULL;
	while (len > 0 && strchr(" \t\r\n", s[len - 1]) != NULL)
		len--;
	s[len] = '\0';
	while (*s != '\0' && strchr(" \t\r\n", *s) != NULL)
		s++;
	return s;
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

/* The answer from what was read (autodiscover_request.h). */
static int judge(struct address *addr, struct request_read *r)
{
	const char *schema = field_text(r, F_SCHEMA), *email, *why = NULL;
	int mobilesync = 0;

	if (!r->request_seen)
		return AUTODISCOVER_INVALID_REQUEST;
	if (r->seen[F_SCHEMA] && schema == NULL)
		return AUTODISCOVER_BAD_SCHEMA;
	if (schema != NULL && !is_schema(schema, NS_OUTLOOK_2006A_TAIL)) {
		if (!is_schema(schema, NS_MOBILESYNC_TAIL))
			return AUTODISCOVER_BAD_SCHEMA;
		mobilesync = 1;
	}
	email = r->seen[F_EMAIL] ? field_text(r, F_EMAIL)
				 : field_text(r, F_LEGACYDN);
	if (email == NULL || address_parse(addr, email, &why) < 0)
		return AUTODISCOVER_INVALID_REQUEST;
	return mobilesync ? AUTODISCOVER_MOBILESYNC : 0;
}

/* The handlers: elements, text and CDATA, the DOCTYPE; nothing else (no
 * entity is ever looked up, no tree is built). */
static void sax_init(xmlSAXHandler *sax)
{
	memset(sax, 0, sizeof(*sax));
	sax->initialized = XML_SAX2_MAGIC;
	sax->startElementNs = on_start;
	sax->endElementNs = on_end;
	sax->characters = on_text;
	sax->cdataBlock = on_text;
	sax->internalSubset = on_dtd;
}

int autodiscover_parse(struct address *addr, const char *body, size_t len)
{
	xmlParserCtxtPtr c; /* freed below */
	struct request_read r;
	int rc = AUTODISCOVER_INVALID_REQUEST;

	if (body == NULL || len == 0 || len > (size_t)1 << 30)
		return rc;
	/* The body is copied into the context's input: libxml2 2.9.14
	 * read past the end of an unterminated buffer parsed in place. */
	c = xmlCreateMemoryParserCtxt(body, (int)len);
	if (c == NULL)
		return rc;
	sax_init(c->sax); /* the context's own, freed with it */
	memset(&r, 0, offsetof(struct request_read, text));
	r.field = -1;
	c->_private = &r;
	xmlCtxtUseOptions(c, XML_PARSE_NONET | XML_PARSE_NOERROR |
				 XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	xmlParseDocument(c);
	if (c->wellFormed && !r.dtd && r.root_ok)
		rc = judge(addr, &r);
	xmlFreeParserCtxt(c);
	return rc;
}
