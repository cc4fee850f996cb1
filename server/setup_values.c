/* setup_values.c - what a personal setup page shows of its address. */
#include "setup_values.h"

#include <string.h>

#include "escape.h"
#include "expand.h"
#include "model.h"
#include "qr.h"

#define QR_SCALE 4

void setup_base_url(struct buf *out, const struct render_input *in)
{
	const char *p;
	size_t n;

	expand(out, in->model->provider.setup_url, in->domain, NULL);
	p = out->data ? strstr(out->data, "://") : NULL;
	if (p != NULL && (p = strchr(p + 3, '/')) != NULL) {
		n = (size_t)(p - out->data);
		out->len = n;
		out->data[n] = '\0';
	}
}

void setup_profile_url(struct buf *out, const char *addr_url, enum lang lang)
{
	buf_printf(out, "/apple/mail.mobileconfig?email=%s&lang=%s", addr_url,
		   lang_code(lang));
}

/* The two QR codes: the profile link for the iPhone camera, Thunderbird
 * for Android's import (absent when the format cannot carry the address). */
static int make_qr_codes(struct page_bufs *b, const struct render_input *in,
			 enum lang lang, const char *display_name)
{
	struct bytecache *cache = in->model->qr_codes; /* the model's */
	struct buf url = BUF_INIT;		       /* freed below */
	int rc;

	setup_base_url(&url, in);
	setup_profile_url(&url, b->addr_url.data, lang);
	if (!url.failed &&
	    qr_svg_cached(cache, &b->qr_iphone, url.data, url.len, QR_SCALE,
			  &b->qr_iphone_hash) == 0)
		b->v.qr_iphone = b->qr_iphone.data;
	rc = url.failed ? -1 : 0;
	buf_free(&url);
	if (rc < 0 ||
	    qr_thunderbird_payload(&b->qr_payload, in, display_name) != 0)
		return rc;
	if (qr_svg_cached(cache, &b->qr_android, b->qr_payload.data,
			  b->qr_payload.len, QR_SCALE,
			  &b->qr_android_hash) == 0) {
		b->v.qr_android = b->qr_android.data;
		b->v.qr_payload = b->qr_payload.data;
	}
	return 0;
}

int setup_values_make(struct page_bufs *b, const struct render_input *in,
		      enum lang lang, const char *display_name)
{
	memset(b, 0, sizeof(*b));
	b->v.email = in->addr->full;
	if (expand_login(&b->login, in) < 0 ||
	    escape_url(&b->addr_url, in->addr->full) < 0 ||
	    make_qr_codes(b, in, lang, display_name) < 0)
		return -1;
	b->v.login = b->login.data ? b->login.data : "";
	b->v.addr_url = b->addr_url.data ? b->addr_url.data : "";
	return 0;
}

void setup_values_free(struct page_bufs *b)
{
	buf_free(&b->login);
	buf_free(&b->addr_url);
	buf_free(&b->qr_iphone);
	buf_free(&b->qr_android);
	buf_free(&b->qr_payload);
}
