/* qr.c - QR codes as inline SVG, and the Thunderbird for Android payload. */
#include "qr.h"

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "bytecache.h"
#include "escape.h"
#include "expand.h"
#include "xmlout.h"

#define QUIET 4

/* Appends a small non-negative number: the path has thousands of them,
 * and printf was half the page's cost (measured with callgrind). */
static void put_uint(struct buf *b, unsigned v)
{
	char tmp[12];
	size_t n = sizeof(tmp);

	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	buf_append(b, tmp + n, sizeof(tmp) - n);
}

/* "M<x> <y>h<run>v1h-<run>z": one dark run of a row. */
static void put_run(struct buf *d, int x, int y, int run)
{
	buf_append(d, "M", 1);
	put_uint(d, (unsigned)x);
	buf_append(d, " ", 1);
	put_uint(d, (unsigned)y);
	buf_append(d, "h", 1);
	put_uint(d, (unsigned)run);
	buf_append(d, "v1h-", 4);
	put_uint(d, (unsigned)run);
	buf_append(d, "z", 1);
}

/* One <path> for all dark modules: a run per row segment. */
static int write_modules(xmlTextWriterPtr w, const QRcode *q)
{
	struct buf d = BUF_INIT; /* path data; freed below */
	int x, y, run, rc;

	for (y = 0; y < q->width; y++) {
		for (x = 0; x<q->width; x += run> 0 ? run : 1) {
			run = 0;
			while (x + run < q->width &&
			       (q->data[y * q->width + x + run] & 1))
				run++;
			if (run > 0)
				put_run(&d, x + QUIET, y + QUIET, run);
		}
	}
	rc = d.failed ? -1 : 0;
	rc |= xmlTextWriterStartElement(w, BAD_CAST "path");
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "d",
					  BAD_CAST(d.data ? d.data : ""));
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "fill", BAD_CAST "#000");
	rc |= xmlTextWriterEndElement(w);
	buf_free(&d);
	return rc < 0 ? -1 : 0;
}

static int write_svg(xmlTextWriterPtr w, const QRcode *q, unsigned scale)
{
	char box[32], size[16];
	int n = q->width + 2 * QUIET, rc = 0;

	snprintf(box, sizeof(box), "0 0 %d %d", n, n);
	snprintf(size, sizeof(size), "%u", (unsigned)n * scale);
	rc |= xmlTextWriterStartElement(w, BAD_CAST "svg");
	rc |= xmlTextWriterWriteAttribute(
	    w, BAD_CAST "xmlns", BAD_CAST "http://www.w3.org/2000/svg");
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "viewBox", BAD_CAST box);
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "width", BAD_CAST size);
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "height", BAD_CAST size);
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "shape-rendering",
					  BAD_CAST "crispEdges");
	rc |= xmlTextWriterStartElement(w, BAD_CAST "rect");
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "width", BAD_CAST "100%");
	rc |=
	    xmlTextWriterWriteAttribute(w, BAD_CAST "height", BAD_CAST "100%");
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "fill", BAD_CAST "#fff");
	rc |= xmlTextWriterEndElement(w);
	if (rc < 0 || write_modules(w, q) < 0)
		return -1;
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

int qr_svg(struct buf *out, const char *data, size_t len, unsigned scale)
{
	QRcode *q; /* from libqrencode; freed below */
	xmlTextWriterPtr w;
	int rc;

	if (len == 0 || len > 2900)
		return -1;
	q = QRcode_encodeData((int)len, (const unsigned char *)data, 0,
			      QR_ECLEVEL_L);
	if (q == NULL)
		return -1;
	w = xmlout_new_fragment(out);
	rc = w == NULL ? -1 : write_svg(w, q, scale);
	rc = xmlout_finish(w, rc);
	QRcode_free(q);
	return rc;
}

struct qr_job {
	const char *data;
	size_t len;
	unsigned scale;
};

static int draw(struct buf *out, void *cls)
{
	const struct qr_job *j = cls;

	return qr_svg(out, j->data, j->len, j->scale);
}

int qr_svg_cached(struct bytecache *c, struct buf *out, const char *data,
		  size_t len, unsigned scale, uint64_t *vhash)
{
	struct buf key = BUF_INIT; /* the scale, then the data; freed below */
	struct qr_job j = {data, len, scale};
	int rc;

	buf_printf(&key, "%u:", scale);
	buf_append(&key, data, len);
	rc = key.failed
		 ? -1
		 : bytecache_fetch(c, key.data, key.len, out, draw, &j, vhash);
	buf_free(&key);
	return rc;
}

/* The format's numbers (qr-code-format.md). */
static int tb_security(enum security s)
{
	static const int v[] = {3 /* Tls */, 2 /* AlwaysStartTls */,
				0 /* Plain */};
	return v[s];
}

static int tb_auth(const struct endpoint *e)
{
	static const int v[] = {1 /* PasswordCleartext */,
				2 /* PasswordEncrypted */, 6 /* OAuth2 */};
	return v[e->auth[0]];
}

/* A JSON string as json_dumps() writes it; -1 when s is not UTF-8 (as
 * json_string() refuses it). */
static int put_string(struct buf *out, const char *s)
{
	if (!utf8_valid(s, strlen(s)))
		return -1;
	buf_append(out, "\"", 1);
	escape_json(out, s);
	return buf_append(out, "\"", 1);
}

/* [protocol, host, port, security, auth, login] */
static int server(struct buf *out, const struct render_input *in,
		  const struct endpoint *e, unsigned proto, struct buf *tmp)
{
	int rc;

	buf_append(out, "[", 1);
	put_uint(out, proto);
	buf_append(out, ",", 1);
	buf_reset(tmp);
	expand(tmp, e->host, in->domain, in->addr);
	rc = put_string(out, tmp->data ? tmp->data : "");
	buf_append(out, ",", 1);
	put_uint(out, e->port);
	buf_append(out, ",", 1);
	put_uint(out, (unsigned)tb_security(e->security));
	buf_append(out, ",", 1);
	put_uint(out, (unsigned)tb_auth(e));
	buf_append(out, ",", 1);
	buf_reset(tmp);
	expand_login(tmp, in);
	if (tmp->data == NULL || rc < 0 || put_string(out, tmp->data) < 0)
		return -1; /* no login: json_string(NULL) refused it too */
	return buf_append(out, "]", 1);
}

/* RFC 5322 3.2.3 dot-atom of ASCII atext: what the format's reader
 * (Thunderbird for Android's address parser) takes as a local part. */
static int dot_atom(const char *s)
{
	static const char specials[] = "!#$%&'*+/=?^_`{|}~-";
	int prev_dot = 1;

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '.') {
			if (prev_dot)
				return 0;
			prev_dot = 1;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr(specials, ch)))
			return 0;
		prev_dot = 0;
	}
	return !prev_dot;
}

int qr_thunderbird_payload(struct buf *out, const struct render_input *in,
			   const char *display_name)
{
	const struct account *a = in->account;
	/* the table's preference: the first offered of each side */
	const struct endpoint *inc =
	    endpoint_offered(a->incoming, a->n_incoming, PROTO_ANY, 0, NULL);
	const struct endpoint *smtp =
	    endpoint_offered(a->outgoing, a->n_outgoing, PROTO_ANY, 0, NULL);
	struct buf tmp = BUF_INIT; /* scratch; freed below */
	size_t start = out->len;
	int rc;

	if (inc == NULL || smtp == NULL || in->addr == NULL ||
	    !dot_atom(in->addr->local))
		return 1;
	/* [1, [1, 1], incoming, [[outgoing, [address, display name]]]],
	 * compact, as jansson's json_dumps() wrote it before (an answer of
	 * ~300 bytes; through a jansson tree it was 30% of the page) */
	buf_puts(out, "[1,[1,1],");
	rc = server(out, in, inc, inc->proto == PROTO_POP3 ? 1 : 0, &tmp);
	buf_puts(out, ",[[");
	rc |= server(out, in, smtp, 0, &tmp);
	buf_puts(out, ",[");
	rc |= put_string(out, in->addr->full);
	buf_puts(out, ",");
	rc |= put_string(out, display_name);
	buf_puts(out, "]]]]");
	buf_free(&tmp);
	if (rc < 0 || out->failed) {
		out->len = start; /* nothing of it */
		if (out->data)
			out->data[start] = '\0';
		return -1;
	}
	return 0;
}
