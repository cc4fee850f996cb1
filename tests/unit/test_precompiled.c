/* test_precompiled.c - the precompiled answers are byte for byte what the
 * libxml2 renderers write, and the kept setup pages filled in what the
 * templates render, for every domain of a table with overrides and for
 * addresses full of characters that need escaping. */
#include <stdlib.h>

#include "autoconfig.h"
#include "autodiscover.h"
#include "check.h"
#include "hash.h"
#include "precompiled.h"
#include "model_load.h"
#include "setup_fill.h"

/* Dot-strings, and quoted strings (RFC 5321) for what needs escaping. */
static const char *const locals[] = {"alice",
				     "Bob.Smith",
				     "a+tag",
				     "\"<x>\\\"&'\"",
				     "j\xc3\xb6rg",
				     "\"&amp;\"",
				     "\"a\\\"b\"",
				     "\"x>y\"",
				     "o'neil",
				     "\xe2\x82\xac",
				     "\"john doe\"",
				     "\"a@b\"",
				     "\"back\\\\slash\"",
				     "&amp;",
				     "{curly}|~"};

static int same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && a->len > 0 &&
	       memcmp(a->data, b->data, a->len) == 0;
}

/* The ETag's hash of every filled page and precompiled answer so far,
 * beside a hash of its bytes: two answers with other bytes must never
 * share the first (it stands for the bytes, which reply_finish() no
 * longer hashes). personal 0: a page that is the kept text alone, whose
 * hash is its bytes'. */
#define SEEN_MAX 65536
static struct {
	uint64_t etag, bytes;
} seen[SEEN_MAX];
static size_t n_seen;

static int etag_ok(uint64_t etag, const struct buf *page, int personal)
{
	uint64_t bytes = hash_bytes(page->data, page->len);
	size_t i;

	if (etag == 0) /* rendered whole: reply_finish() hashes the bytes */
		return 1;
	if (!personal) /* the page is the kept text: its own hash */
		return etag == bytes;
	for (i = 0; i < n_seen; i++)
		if (seen[i].etag == etag)
			return seen[i].bytes == bytes;
	if (n_seen < SEEN_MAX) {
		seen[n_seen].etag = etag;
		seen[n_seen++].bytes = bytes;
	}
	return 1;
}

/* The setup page filled in from the kept one (twice: made, then taken
 * from the cache) against the page rendered whole, in both languages,
 * with and without the address and a sender name; its ETag hash the same
 * both times, and never another page's. */
static int compare_pages(struct render_input *in)
{
	static const char *const names[] = {"", "J\xc3\xb6rg <\"&\">"};
	const struct address *addr = in->addr;
	struct buf a = BUF_INIT, b = BUF_INIT; /* freed below */
	uint64_t etag[2];
	int ok = 1, lang, personal, n, again;

	for (lang = 0; lang < LANG_COUNT; lang++)
		for (personal = 0; personal < 2; personal++)
			for (n = 0; n < 2; n++) {
				struct setup_options o = {(enum lang)lang, 0,
							  names[n]};
				in->addr = personal ? addr : NULL;
				buf_reset(&b);
				ok &= setup_page_render(&b, in, &o) == 0;
				for (again = 0; again < 2; again++) {
					buf_reset(&a);
					ok &=
					    setup_page_fill(&a, &etag[again],
							    in, &o) == 0 &&
					    same(&a, &b) &&
					    etag_ok(etag[again], &a, personal);
				}
				ok &= etag[0] == etag[1];
			}
	in->addr = addr;
	buf_free(&a);
	buf_free(&b);
	return ok;
}

static int compare(const struct model *m, const char *domain,
		   const struct address *addr)
{
	struct render_input in = {
	    m, model_find_domain(m, domain), domain, addr, NULL, 0, NULL};
	struct buf a = BUF_INIT, b = BUF_INIT;
	uint64_t h;
	int ok = 1, lang, pop;

	ok &= precompiled_autoconfig(&a, &h, &in) == 0 &&
	      autoconfig_render(&b, &in) == 0 && same(&a, &b) &&
	      etag_ok(h, &a, 1);
	buf_reset(&a);
	buf_reset(&b);
	in.addr = NULL; /* autoconfig without an address */
	ok &= precompiled_autoconfig(&a, &h, &in) == 0 &&
	      autoconfig_render(&b, &in) == 0 && same(&a, &b) &&
	      etag_ok(h, &a, 1);
	in.addr = addr;
	buf_reset(&a);
	buf_reset(&b);
	ok &= precompiled_autodiscover(&a, &h, &in) == 0 &&
	      autodiscover_render(&b, &in) == 0 && same(&a, &b) &&
	      etag_ok(h, &a, 1);
	for (lang = 0; lang < LANG_COUNT; lang++)
		for (pop = -1; pop < 2; pop++) {
			struct profile_options o = {(enum profile_type)pop,
						    (enum lang)lang,
						    NULL,
						    {NULL, NULL}};
			int r1, r2;
			buf_reset(&a);
			buf_reset(&b);
			r1 = precompiled_profile(&a, &h, &in, &o);
			r2 = mobileconfig_render(&b, &in, &o);
			ok &= r1 == r2 &&
			      (r1 != 0 || (same(&a, &b) && etag_ok(h, &a, 1)));
		}
	buf_free(&a);
	buf_free(&b);
	return ok & compare_pages(&in);
}

/* Every domain of the table at path, many addresses, every format:
 * returns how many were compared, and adds the identical ones to *equal. */
static int compare_table(const char *path, int *equal)
{
	struct settings_errors errs = {BUF_INIT, 0, BUF_INIT};
	struct load_options lo = {0};
	struct model *m = NULL;
	const char *why = NULL;
	struct address addr;
	char text[400];
	size_t d, l;
	int compared = 0;

	lo.config = path;
	lo.templates = TEMPLATES_DIR;
	CHECK(model_load(&m, &lo, &errs) == 0);
	if (m == NULL) {
		fputs(errs.text.data, stderr);
		settings_errors_free(&errs);
		return 0;
	}
	CHECK(m->defaults.sk_autoconfig != NULL);
	CHECK(m->pages != NULL);
	CHECK(m->setup_pages != NULL);
	for (d = 0; d < m->n_domains; d++) {
		const char *dom = m->names.data + m->domains[d].name_off;
		for (l = 0; l < sizeof(locals) / sizeof(locals[0]); l++) {
			snprintf(text, sizeof(text), "%s@%s", locals[l], dom);
			if (address_parse(&addr, text, &why) < 0)
				continue;
			compared++;
			*equal += compare(m, dom, &addr);
		}
	}
	model_unref(m);
	settings_errors_free(&errs);
	return compared;
}

int main(void)
{
	int compared, equal = 0;

	/* overrides, IDN, POP-only; and DAV services with their own login */
	compared =
	    compare_table(GOLDEN_DIR "/mobileconfig/settings.json", &equal);
	compared += compare_table(GOLDEN_DIR "/dav/settings.json", &equal);
	compared += compare_table(SHIPPED_TABLE, &equal);
	printf("%d addresses compared, %d identical in every format; %zu "
	       "answers with ETag hashes of their own\n",
	       compared, equal, n_seen);
	CHECK(compared >= 70 && equal == compared);
	CHECK(n_seen >= 400);
	return check_done();
}
