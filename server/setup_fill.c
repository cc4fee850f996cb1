/* setup_fill.c - the kept setup page, filled in per request. */
#include "setup_fill.h"

#include <string.h>

#include "bytecache.h"
#include "escape.h"
#include "hash.h"
#include "model.h"
#include "setup_values.h"

/* The page's own sentinels, U+E010 + slot: private-use characters that no
 * table value, address or template may hold (skeleton_value_ok()). */
enum page_slot {
	PS_EMAIL,
	PS_LOGIN,
	PS_ADDR_URL,
	PS_QR_IPHONE,
	PS_QR_ANDROID,
	PS_QR_PAYLOAD,
	PS_COUNT
};

static const char page_sentinels[PS_COUNT][4] = {
    "\xEE\x80\x90", "\xEE\x80\x91", "\xEE\x80\x92",
    "\xEE\x80\x93", "\xEE\x80\x94", "\xEE\x80\x95"};

/* Which values a page has decides its text: the bits of the key. */
static unsigned present(const struct page_values *v)
{
	return (v->qr_iphone != NULL) | (v->qr_android != NULL) << 1;
}

/* The cache key: language, which values are there, bad_address, domain. */
static void page_key(struct buf *key, const struct render_input *in,
		     const struct setup_options *opt,
		     const struct page_values *v)
{
	buf_printf(key, "%d:%u:%d:%d:%s", (int)opt->lang, v ? present(v) : 0u,
		   v != NULL, opt->bad_address, in->domain);
}

/* What a kept page is made from (render_kept's cls). */
struct page_job {
	const struct render_input *in;
	const struct setup_options *opt;
	const struct page_values *v; /* NULL: the page without an address */
};

/* Renders the page with a sentinel for each value the job's v has. */
static int render_kept(struct buf *out, void *cls)
{
	const struct page_job *j = cls;
	const struct page_values *v = j->v;
	struct page_values s; /* the sentinels, for what v has */

	if (v == NULL)
		return setup_page_render_values(out, j->in, j->opt, NULL);
	s.email = page_sentinels[PS_EMAIL];
	s.login = page_sentinels[PS_LOGIN];
	s.addr_url = page_sentinels[PS_ADDR_URL];
	s.qr_iphone = v->qr_iphone ? page_sentinels[PS_QR_IPHONE] : NULL;
	s.qr_android = v->qr_android ? page_sentinels[PS_QR_ANDROID] : NULL;
	s.qr_payload = v->qr_android ? page_sentinels[PS_QR_PAYLOAD] : NULL;
	return setup_page_render_values(out, j->in, j->opt, &s);
}

/* The slot of a sentinel at p (3 bytes available), or -1. */
static int slot_at(const unsigned char *p)
{
	if (p[1] != 0x80 || p[2] < 0x90 || p[2] >= 0x90 + PS_COUNT)
		return -1;
	return p[2] - 0x90;
}

/* Appends value slot of v as the template would have written it. */
static void put_value(struct buf *out, const struct page_values *v, int slot)
{
	const char *s[PS_COUNT] = {v->email,	 v->login,	v->addr_url,
				   v->qr_iphone, v->qr_android, v->qr_payload};
	const char *p = s[slot] ? s[slot] : "";

	if (slot == PS_QR_IPHONE || slot == PS_QR_ANDROID)
		buf_append(out, p, strlen(p)); /* {{{...}}}: as it is */
	else
		escape_html(out, p, strlen(p));
}

/* Copies text[0..n) to out with each sentinel replaced by its value. */
static int fill(struct buf *out, const char *text, size_t n,
		const struct page_values *v)
{
	const char *p = text, *end = text + n, *e;
	int slot;

	while ((e = memchr(p, 0xEE, (size_t)(end - p))) != NULL) {
		slot = end - e >= 3 ? slot_at((const unsigned char *)e) : -1;
		buf_append(out, p, (size_t)(e - p) + (slot < 0));
		if (slot >= 0)
			put_value(out, v, slot);
		p = e + (slot < 0 ? 1 : 3);
	}
	buf_append(out, p, (size_t)(end - p));
	return out->failed ? -1 : 0;
}

/* Appends the kept text for the key to text, or renders and keeps it;
 * *hash: hash_bytes() of that text. */
static int kept_text(struct buf *text, uint64_t *hash,
		     const struct render_input *in,
		     const struct setup_options *opt,
		     const struct page_values *v)
{
	struct page_job j = {in, opt, v};
	struct buf key = BUF_INIT; /* freed below */
	int rc;

	page_key(&key, in, opt, v);
	rc = key.failed ? -1
			: bytecache_fetch(in->model->setup_pages, key.data,
					  key.len, text, render_kept, &j, hash);
	buf_free(&key);
	return rc;
}

static uint64_t str_hash(const char *s)
{
	return s ? hash_bytes(s, strlen(s)) : 0;
}

/* The filled page's hash from what made it: the kept text's and each
 * value's, in slot order. fill() makes the page of these alone, so the
 * hash changes whenever its bytes do. The SVGs' hashes come from the
 * cache, which hashed them once. */
static uint64_t filled_hash(uint64_t kept, const struct page_bufs *b)
{
	const struct page_values *v = &b->v;
	uint64_t h[1 + PS_COUNT] = {kept,
				    str_hash(v->email),
				    str_hash(v->login),
				    str_hash(v->addr_url),
				    v->qr_iphone ? b->qr_iphone_hash : 0,
				    v->qr_android ? b->qr_android_hash : 0,
				    str_hash(v->qr_payload)};

	return hash_bytes(h, sizeof(h));
}

int setup_page_fill(struct buf *out, uint64_t *body_hash,
		    const struct render_input *in,
		    const struct setup_options *opt)
{
	const struct account *a = in->account;
	struct page_bufs b;	    /* freed below */
	struct buf text = BUF_INIT; /* freed below */
	uint64_t kept = 0;
	int rc;

	*body_hash = 0;
	if (in->model->setup_pages == NULL || in->login != NULL ||
	    a->caldav != NULL || a->carddav != NULL)
		return setup_page_render(out, in, opt);
	if (in->addr == NULL) /* nothing to fill in: the page is the text */
		return kept_text(out, body_hash, in, opt, NULL);
	rc = setup_values_make(&b, in, opt->lang, opt->display_name);
	if (rc == 0)
		rc = kept_text(&text, &kept, in, opt, &b.v);
	/* one allocation for the page: the text and the SVGs, which are
	 * most of it, and room for the short values */
	if (rc == 0)
		rc = buf_grow_by(out, text.len + b.qr_iphone.len +
					  b.qr_android.len + 1024);
	if (rc == 0)
		rc = fill(out, text.data, text.len, &b.v);
	if (rc == 0)
		*body_hash = filled_hash(kept, &b);
	setup_values_free(&b);
	buf_free(&text);
	return rc;
}
