/* test_request.c - the request target, query and Host header parsing. */
#include "check.h"
#include "request.h"

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
	request_parse(&r, "GET", "/x", NULL);
	CHECK_STR(r.domain, "");
	request_parse(&r, "GET", "/x", "example.org:99999");
	CHECK_STR(r.domain, "");
	request_parse(&r, "GET", "/x", "example.org:80:1");
	CHECK_STR(r.domain, "");
	request_parse(&r, "GET", "/x", "example.org:");
	CHECK_STR(r.domain, "");
	request_parse(&r, "GET", "/x", "bad host");
	CHECK_STR(r.domain, "");

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

int main(void)
{
	test_log_path();
	test_unescape();
	test_query();
	test_parse();
	return check_done();
}
