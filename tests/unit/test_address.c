/* test_address.c - addresses and domain names from untrusted input. */
#include "address.h"
#include "check.h"

static const char *norm(const char *in)
{
	static char out[DOMAIN_MAX + 1];
	const char *why = NULL;

	if (domain_normalize(out, in, strlen(in), &why) < 0)
		return why;
	return out;
}

static int bad_domain(const char *in)
{
	char out[DOMAIN_MAX + 1];
	const char *why = NULL;

	return domain_normalize(out, in, strlen(in), &why) < 0 && why != NULL;
}

static void test_domains(void)
{
	char label64[80], long_name[300];

	CHECK_STR(norm("Example.ORG"), "example.org");
	CHECK_STR(norm("example.org."), "example.org");
	CHECK_STR(norm("müller.example"), "xn--mller-kva.example");
	CHECK_STR(norm("MÜLLER.example"), "xn--mller-kva.example");
	CHECK_STR(norm("xn--mller-kva.example"), "xn--mller-kva.example");
	CHECK_STR(norm("bücher.de"), "xn--bcher-kva.de");
	CHECK(bad_domain(""));
	CHECK(bad_domain("."));
	CHECK(bad_domain("a..b"));
	CHECK(bad_domain("-a.example"));
	CHECK(bad_domain("a-.example"));
	CHECK(bad_domain("a_b.example"));
	CHECK(bad_domain("exa mple.org"));
	CHECK(bad_domain("exa\tmple.org"));
	CHECK(bad_domain("example.org.."));
	CHECK(bad_domain("ex\xff.org"));
	CHECK(bad_domain("ex\xc0\x80.org")); /* overlong NUL */
	memset(label64, 'a', 64);
	memcpy(label64 + 64, ".org", 5);
	CHECK(bad_domain(label64));
	label64[1] = '.'; /* now labels of 1 and 62 */
	CHECK(!bad_domain(label64));
	memset(long_name, 'a', sizeof(long_name));
	for (size_t i = 50; i < 260; i += 50)
		long_name[i] = '.';
	long_name[260] = '\0'; /* 260 bytes: too long */
	CHECK(bad_domain(long_name));
}

static void test_addresses(void)
{
	struct address a;
	const char *why = NULL;
	char local[400];
	size_t i;
	/* each refused, with its reason where it is pinned */
	static const struct {
		const char *in, *why; /* why: NULL when any reason will do */
	} refused[] = {
	    {"a@", NULL},
	    {"@b.example", "empty local part"},
	    {"a@b@example.org", "address has more than one '@'"},
	    {"no-at-sign", NULL},
	    {"a,b@example.org", "the local part holds a character that is "
				"allowed only inside quotes (RFC 5321)"},
	    {"a(b)@example.org", NULL},
	    {"<x>@example.org", NULL},
	    {"a\"b@example.org", NULL},
	    {".alice@example.org", "the local part starts or ends with a dot"},
	    {"alice.@example.org", NULL},
	    {"al..ice@example.org", "the local part has two dots in a row"},
	    {"\"open@example.org", NULL},
	    {"\"a\"b\"@example.org", NULL},
	    {"\"\"@example.org", "empty local part"},
	    {"\"a\\\"@example.org", NULL},
	    {"\"a\tb\"@example.org", NULL},
	    {"\"a\\\x01\"@example.org", NULL},
	    {"\"a\"x@example.org", NULL},
	    {"a b@example.org", NULL},
	    {"a\x01@example.org", NULL},
	    {"a\x7f@example.org", NULL},
	    {"a\xff@example.org", "address is not valid UTF-8"},
	};

	CHECK(address_parse(&a, "Alice@Example.ORG", &why) == 0);
	CHECK_STR(a.full, "Alice@example.org");
	CHECK_STR(a.local, "Alice");
	CHECK_STR(a.domain, "example.org");
	CHECK(address_parse(&a, "jörg@müller.example", &why) == 0);
	CHECK_STR(a.full, "jörg@xn--mller-kva.example");
	CHECK(address_parse(&a, "\"<x>\\\"&'\"@example.org", &why) == 0);
	CHECK_STR(a.local, "\"<x>\\\"&'\"");
	CHECK(address_parse(&a, "a+tag@example.org", &why) == 0);
	CHECK_STR(a.local, "a+tag");
	CHECK(address_parse(&a, "\"john doe\"@example.org", &why) == 0);
	CHECK_STR(a.full, "\"john doe\"@example.org");
	CHECK(address_parse(&a, "\"a@b\"@Example.org", &why) == 0);
	CHECK_STR(a.local, "\"a@b\"");
	CHECK_STR(a.domain, "example.org");
	CHECK(address_parse(&a, "!#$%&'*+-/=?^_`{|}~@example.org", &why) == 0);
	CHECK(address_parse(&a, "first.last@example.org", &why) == 0);
	CHECK(address_parse(&a, "\"\\\\\"@example.org", &why) == 0);
	CHECK(address_parse(&a, "\"a.\\ b\"@example.org", &why) == 0);

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		CHECK(address_parse(&a, refused[i].in, &why) < 0);
		if (refused[i].why != NULL)
			CHECK_STR(why, refused[i].why);
	}
	memset(local, 'x', 300);
	memcpy(local + 300, "@example.org", 13);
	CHECK(address_parse(&a, local, &why) < 0);
	CHECK_STR(why, "local part longer than 64 bytes");
	memcpy(local + 64, "@example.org", 13);
	CHECK(address_parse(&a, local, &why) == 0);
}

static void test_to_unicode(void)
{
	char out[64], tiny[8];

	domain_to_unicode(out, sizeof(out), "xn--mller-kva.example");
	CHECK_STR(out, "m\xc3\xbcller.example");
	domain_to_unicode(out, sizeof(out), "example.org");
	CHECK_STR(out, "example.org");
	domain_to_unicode(out, sizeof(out), "xn--zz.example"); /* invalid */
	CHECK_STR(out, "xn--zz.example");
	domain_to_unicode(tiny, sizeof(tiny), "xn--mller-kva.example");
	CHECK_STR(tiny, "xn--mll"); /* cut, never overrun */
}

static void test_utf8(void)
{
	CHECK(utf8_valid("plain", 5));
	CHECK(utf8_valid("\xc3\xa4", 2));
	CHECK(utf8_valid("\xf0\x9f\x98\x80", 4));
	CHECK(!utf8_valid("\xc3", 1));		   /* truncated */
	CHECK(!utf8_valid("\xe0\x80\x80", 3));	   /* overlong */
	CHECK(!utf8_valid("\xed\xa0\x80", 3));	   /* surrogate */
	CHECK(!utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	CHECK(!utf8_valid("\xf5\x80\x80\x80", 4));
}

int main(void)
{
	test_to_unicode();
	test_domains();
	test_addresses();
	test_utf8();
	CHECK(hostname_valid("imap.example.org"));
	CHECK(!hostname_valid("Imap.example.org"));
	return check_done();
}
