/* test_request.c - the request target, query and Host header parsing. */
#include "check.h"
#include "escape.h"
#include "request.h"
#include "reply.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_unescape(void)
{
	char out[64];

	CHECK(request_unescape(out, sizeof(out), "a%40b", 5) == 3);
	CHECK_STR(out, "a@b");
	CHECK(request_unescape(out, sizeof(out), "a+b%2Bc", 7) == 5);
	CHECK_STR(out, "a+b+c"); /* '+' is never a space (SPEC §1) */
	CHECK(request_unescape(out, sizeof(out), "%zz", 3) < 0);
	CHECK(request_unescape(out, sizeof(out), "ab%4", 4) < 0);
	CHECK(request_unescape(out, sizeof(out), "ab%", 3) < 0);
	CHECK(request_unescape(out, sizeof(out), "a%00b", 5) < 0);
	CHECK(request_unescape(out, 4, "abcd", 4) < 0); /* does not fit */
}

static void test_query(void)
{
	char v[64];

	CHECK(request_query_get("a=1&EmailAddress=x%40y.org", "emailaddress", v,
				sizeof(v)) == 1);
	CHECK_STR(v, "x@y.org");
	CHECK(request_query_get("a=1&b=2", "emailaddress", v, sizeof(v)) == 0);
	CHECK(request_query_get("", "emailaddress", v, sizeof(v)) == 0);
	CHECK(request_query_get("emailaddressX=1", "emailaddress", v,
				sizeof(v)) == 0);
	CHECK(request_query_get("email=%G1", "email", v, sizeof(v)) == -1);
	CHECK(request_query_get("email", "email", v, sizeof(v)) == 1);
	CHECK_STR(v, "");
}

static void test_parse(void)
{
	struct request r;

	request_parse(&r, "GET",
		      "/mail/config-v1.1.xml?emailaddress=alice%40"
		      "Example.org",
		      "autoconfig.other.example");
	CHECK(r.method == METHOD_GET);
	CHECK_STR(r.path, "/mail/config-v1.1.xml");
	CHECK(r.has_addr && r.addr_ok);
	CHECK_STR(r.domain, "example.org"); /* the address wins */
	CHECK_STR(r.host, "autoconfig.other.example");

	request_parse(&r, "GET", "/mail/config-v1.1.xml",
		      "Autoconfig.Example.COM.:8080");
	CHECK(!r.has_addr);
	CHECK_STR(r.domain, "example.com");

	request_parse(&r, "HEAD", "/x", "autodiscover.example.net");
	CHECK(r.method == METHOD_HEAD);
	CHECK_STR(r.domain, "example.net");

	request_parse(&r, "GET", "/x", "autoconfig.");
	CHECK_STR(r.domain, "autoconfig");

	request_parse(&r, "GET", "/x", "[::1]:8080");
	CHECK_STR(r.domain, "");
	CHECK(r.host_literal && r.bad_host == NULL);
	request_parse(&r, "GET", "/x", NULL);
	CHECK_STR(r.domain, "");
	request_parse(&r, "GET", "/x", "127.0.0.1:8080");
	CHECK(r.host_literal && r.bad_host == NULL);
	request_parse(&r, "GET", "/x", "example.org:"); /* port = *DIGIT */
	CHECK_STR(r.domain, "example.org");
	CHECK(r.bad_host == NULL && !r.host_literal);
	request_parse(&r, "GET", "/x", "under_score.example");
	CHECK(r.bad_host == NULL); /* a reg-name, but no domain name */
	CHECK_STR(r.host, "");
}

/* RFC 9112 3.2: a Host that is not uri-host [":" port] is a 400. */
static void test_bad_host(void)
{
	static const char *const bad[] = {"example.org:99999",
					  "example.org:80:1",
					  "example.org:0",
					  "bad host",
					  "autoconfig.example.org/evil.test",
					  "",
					  "a@example.org",
					  "[::1",
					  "[]",
					  "[::1]x",
					  "ex\xc3\xa4mple.org",
					  "example.org:8o",
					  "\"example.org\"",
					  NULL};
	struct request r;
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		request_parse(&r, "GET", "/x", bad[i]);
		CHECK(r.bad_host != NULL);
		CHECK_STR(r.domain, "");
	}
	request_parse(&r, "GET", "/x", NULL);
	CHECK(r.bad_host == NULL);
	request_require_host(&r, 0, 0); /* HTTP/1.0 needs none */
	CHECK(r.bad_host == NULL);
	request_require_host(&r, 1, 0);
	CHECK(r.bad_host != NULL);
	request_parse(&r, "GET", "/x", "example.org");
	request_require_host(&r, 1, 2);
	CHECK(r.bad_host != NULL);
	request_parse(&r, "GET", "/x", "example.org");
	request_require_host(&r, 1, 1);
	CHECK(r.bad_host == NULL);
}

/* RFC 9112 3.2.2: the authority of an absolute-form target is the
 * host; the Host header is not used. */
static void test_absolute_form(void)
{
	struct request r;

	request_parse(&r, "GET",
		      "http://autoconfig.example.com/mail/config-v1.1.xml"
		      "?emailaddress=a@example.net",
		      "other.example");
	CHECK(r.absolute && r.bad_host == NULL);
	CHECK_STR(r.host, "autoconfig.example.com");
	CHECK_STR(r.path, "/mail/config-v1.1.xml");
	CHECK_STR(r.query, "emailaddress=a@example.net");
	CHECK_STR(r.target, "/mail/config-v1.1.xml?emailaddress=a@example.net");
	CHECK_STR(r.domain, "example.net");

	request_parse(&r, "GET", "HTTPS://Example.COM:443", "x.example");
	CHECK_STR(r.host, "example.com");
	CHECK_STR(r.path, "/");
	CHECK_STR(r.domain, "example.com");

	request_parse(&r, "GET", "http://autoconfig.example.com?lang=de", NULL);
	CHECK_STR(r.path, "/");
	CHECK(r.lang == LANG_DE);

	request_parse(&r, "GET", "http://user@example.com/", "example.com");
	CHECK(r.bad_host != NULL);
	request_parse(&r, "GET", "http://exa mple.com/", "example.com");
	CHECK(r.bad_host != NULL);
	request_parse(&r, "GET", "http:///x", "example.com");
	CHECK(r.bad_host != NULL);

	/* FairEmail sends the address unencoded. */
	request_parse(&r, "GET",
		      "/mail/config-v1.1.xml?emailaddress=bob@"
		      "example.org",
		      NULL);
	CHECK(r.addr_ok);
	CHECK_STR(r.addr.full, "bob@example.org");

	request_parse(&r, "GET", "/x?email=a@", "example.org");
	CHECK(r.has_addr && !r.addr_ok);
	request_parse(&r, "GET", "/x?email=", "example.org");
	CHECK(!r.has_addr);
	CHECK_STR(r.domain, "example.org");
	request_parse(&r, "GET", "/x?email=a%00b@example.org", "example.org");
	CHECK(r.has_addr && !r.addr_ok);

	request_parse(&r, "DELETE", "/a%2Fb", NULL);
	CHECK(r.method == METHOD_OTHER);
	CHECK_STR(r.path, "/a/b");
	request_parse(&r, "GET", "/a%zz", NULL);
	CHECK(!r.path_ok);
}

static void log_path_is(const char *uri, const char *want)
{
	char out[256];

	request_log_path(out, sizeof(out), uri);
	CHECK_STR(out, want);
}

/* The access log never holds an address, in any route's path. */
static void test_log_path(void)
{
	char small[8];

	log_path_is("/mail/config-v1.1.xml?emailaddress=a@b.example",
		    "/mail/config-v1.1.xml");
	log_path_is("/autodiscover/autodiscover.json/v1.0/secret.person@"
		    "example.org?Protocol=AutodiscoverV1",
		    "/autodiscover/autodiscover.json/v1.0/{address}");
	log_path_is("/autodiscover/autodiscover.json/v1.0/secret%40example.org",
		    "/autodiscover/autodiscover.json/v1.0/{address}");
	log_path_is("/x/a@b/y", "/x/{address}/y");
	log_path_is("/a@b", "/{address}");
	log_path_is("a@b", "{address}");
	log_path_is("/", "/");
	log_path_is("", "");
	log_path_is(NULL, "");
	log_path_is("/%4", "/%4");
	request_log_path(small, sizeof(small), "/abcdefghijk");
	CHECK_STR(small, "/abcdef");
}

/* RFC 9110 13.1.2: weak comparison, lists, "*". */
static void test_etag(void)
{
	const char *e = "\"abc\"";

	CHECK(request_etag_matches("\"abc\"", e));
	CHECK(request_etag_matches("W/\"abc\"", e));
	CHECK(request_etag_matches("\"x\", \"abc\"", e));
	CHECK(request_etag_matches(" \"x\" ,\t\"abc\" ", e));
	CHECK(request_etag_matches("*", e));
	CHECK(!request_etag_matches("\"abcd\"", e));
	CHECK(!request_etag_matches("\"ab\"", e));
	CHECK(!request_etag_matches("", e));
	CHECK(!request_etag_matches(",,,", e));
	CHECK(!request_etag_matches(NULL, e));
	CHECK(!request_etag_matches("\"abc\"", NULL));
}

/* The ETag of a body (reply_finish); out gets the header's value. */
static void etag_of(const char *body, size_t n, char out[32])
{
	struct reply r = {.status = 200, .cache = CACHE_PUBLIC};

	buf_append(&r.body, body, n);
	CHECK(reply_finish(&r, "0123456789abcdef") == 0);
	snprintf(out, 32, "%s", reply_get_header(&r, "ETag"));
	reply_free(&r);
}

/* The ETag is a word-wise digest of the bytes (issue 25): the same bytes
 * give the same ETag; one byte changed anywhere (each lane, the tail), or
 * one byte more or less, gives another. */
static void test_reply_etag(void)
{
	char body[200], e0[32], e1[32];
	size_t i, n, bad = 0;

	for (i = 0; i < sizeof(body); i++)
		body[i] = (char)('a' + i % 26);
	etag_of(body, sizeof(body), e0);
	CHECK(strncmp(e0, "\"01234567", 9) == 0 && strlen(e0) == 26);
	etag_of(body, sizeof(body), e1);
	CHECK_STR(e1, e0);
	for (i = 0; i < sizeof(body); i++) {
		body[i] ^= 1;
		etag_of(body, sizeof(body), e1);
		bad += strcmp(e0, e1) == 0;
		body[i] ^= 1;
	}
	for (n = 0; n < sizeof(body); n++) {
		etag_of(body, n, e1);
		bad += strcmp(e0, e1) == 0;
	}
	memset(body, 0, sizeof(body)); /* zeros: the length still counts */
	etag_of(body, 7, e0);
	etag_of(body, 8, e1);
	CHECK(strcmp(e0, e1) != 0);
	CHECK(bad == 0);
}

/* X-Forwarded-* and Forwarded (RFC 7239): the nearest proxy's value. */
static void test_forwarded(void)
{
	char out[64], tiny[4];

	request_last_item("evil.example, autoconfig.example.org", out,
			  sizeof(out));
	CHECK_STR(out, "autoconfig.example.org");
	request_last_item(" https ", out, sizeof(out));
	CHECK_STR(out, "https");
	request_last_item("\"quoted.example\"", out, sizeof(out));
	CHECK_STR(out, "quoted.example");
	request_last_item("toolong.example", tiny, sizeof(tiny));
	CHECK_STR(tiny, "");
	request_last_item("", out, sizeof(out));
	CHECK_STR(out, "");
	request_forwarded_param("for=1.2.3.4;host=evil.example, "
				"for=5.6.7.8;proto=https;host=\"a.example\"",
				"host", out, sizeof(out));
	CHECK_STR(out, "a.example");
	request_forwarded_param("for=5.6.7.8;PROTO=https", "proto", out,
				sizeof(out));
	CHECK_STR(out, "https");
	request_forwarded_param("for=5.6.7.8", "host", out, sizeof(out));
	CHECK_STR(out, "");
	request_forwarded_param(";;;", "host", out, sizeof(out));
	CHECK_STR(out, "");
	request_forwarded_param("hostx=a;host=b", "host", out, sizeof(out));
	CHECK_STR(out, "b");
}

/* ?lang= first, then Accept-Language by q-value (RFC 9110 12.5.4). */
static void test_language(void)
{
	struct request r;

	request_parse(&r, "GET", "/", "example.org");
	CHECK(r.lang == LANG_EN);
	request_set_language(&r, "fr-FR, de-DE;q=0.8, en;q=0.5");
	CHECK(r.lang == LANG_DE);
	request_set_language(&r, "de;q=0.3, en-GB;q=0.9");
	CHECK(r.lang == LANG_EN);
	request_set_language(&r, "DE_at");
	CHECK(r.lang == LANG_DE);
	request_set_language(&r, "deu, fr");
	CHECK(r.lang == LANG_EN);
	request_parse(&r, "GET", "/?lang=de", "example.org");
	request_set_language(&r, "en");
	CHECK(r.lang == LANG_DE);
}

/* escape_json() writes what jansson's json_dumps() writes inside the
 * quotes (the Thunderbird QR payload was jansson's before): every ASCII
 * byte alone, and strings mixing quotes, controls and UTF-8. */
static void test_escape_json(void)
{
	static const char *const mixed[] = {"a\"b\\c/d",
					    "tab\there\r\n",
					    "\x01\x1f\x7f end",
					    "Müller €",
					    "\xf0\x9f\x93\xa7 \xe2\x80\xa8",
					    "",
					    "\"\"\\\\"};
	char s[2] = {0, 0};
	size_t i;

	for (i = 1; i < 0x80 + sizeof(mixed) / sizeof(mixed[0]); i++) {
		const char *in = i < 0x80 ? s : mixed[i - 0x80];
		struct buf b = BUF_INIT;
		json_t *j;
		char *want;

		s[0] = (char)i;
		j = json_string(in);
		want = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
		buf_puts(&b, "\"");
		escape_json(&b, in);
		buf_puts(&b, "\"");
		CHECK(want != NULL && strcmp(b.data, want) == 0);
		if (want != NULL && strcmp(b.data, want) != 0)
			fprintf(stderr, "escape_json %zu: %s, jansson %s\n", i,
				b.data, want);
		free(want);
		json_decref(j);
		buf_free(&b);
	}
}

int main(void)
{
	test_escape_json();
	test_language();
	test_etag();
	test_reply_etag();
	test_forwarded();
	test_log_path();
	test_bad_host();
	test_absolute_form();
	test_unescape();
	test_query();
	test_parse();
	return check_done();
}
