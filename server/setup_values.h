/* setup_values.h - what a personal setup page shows of its address: the
 * address, the login, the address URL-escaped (for the links), the two QR
 * codes and the Android one's text. One place makes them, for the page
 * rendered whole (setup_page.c) and for a kept page filled in
 * (setup_fill.c), so both show the same. */
#ifndef MAILCONFD_SETUP_VALUES_H
#define MAILCONFD_SETUP_VALUES_H

#include <stdint.h>

#include "buf.h"
#include "lang.h"
#include "render.h"

/* Raw values (the template escapes them); NULL members are absent. */
struct page_values {
	const char *email;	/* the address */
	const char *login;	/* the login filled in */
	const char *addr_url;	/* the address, URL-escaped */
	const char *qr_iphone;	/* SVG of the absolute profile link */
	const char *qr_android; /* SVG of Thunderbird's import, or NULL */
	const char *qr_payload; /* that import's text, or NULL */
};

/* The values and the buffers that hold them (owned; setup_values_free). */
struct page_bufs {
	struct buf login, addr_url, qr_iphone, qr_android, qr_payload;
	struct page_values v;
	uint64_t qr_iphone_hash, qr_android_hash; /* hash_bytes() of each
						     SVG, from the cache */
};

/* Makes the values for in->addr (not NULL) in language lang, the QR codes
 * through in->model->qr_codes. Returns 0 or -1 (out of memory). */
int setup_values_make(struct page_bufs *b, const struct render_input *in,
		      enum lang lang, const char *display_name);

void setup_values_free(struct page_bufs *b);

/* https://autoconfig.example.org: provider.setup_url for in->domain, up to
 * its path. */
void setup_base_url(struct buf *out, const struct render_input *in);

/* Appends the profile link's path for the address (URL-escaped:
 * addr_url) in lang; after setup_base_url() it is the absolute link. */
void setup_profile_url(struct buf *out, const char *addr_url, enum lang lang);

#endif
