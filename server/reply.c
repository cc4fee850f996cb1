/* reply.c - an answer, before http.c hands it to libmicrohttpd. */
#include "reply.h"

#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int reply_text(struct reply *r, int status, const char *text)
{
	r->status = status;
	r->content_type = "text/plain; charset=utf-8";
	buf_reset(&r->body);
	buf_puts(&r->body, text);
	buf_puts(&r->body, "\n");
	return r->body.failed ? -1 : 0;
}

int reply_header(struct reply *r, const char *name, const char *value)
{
	char *v;

	if (r->n_headers == REPLY_HEADERS_MAX)
		return -1;
	v = strdup(value);
	if (v == NULL)
		return -1;
	r->headers[r->n_headers].name = name;
	r->headers[r->n_headers].value = v;
	r->n_headers++;
	return 0;
}

void reply_free(struct reply *r)
{
	size_t i;

	if (r == NULL)
		return;
	buf_free(&r->body);
	for (i = 0; i < r->n_headers; i++)
		free(r->headers[i].value);
	r->n_headers = 0;
}

static uint64_t fnv64(const char *p, size_t n)
{
	uint64_t h = 14695981039346656037ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h;
}

int reply_finish(struct reply *r, const char *version)
{
	static const char *const policies[] = {
	    "no-store", "public, max-age=300", "private, max-age=300"};
	char etag[64];
	enum cache_policy p = r->status == 200 ? r->cache : CACHE_NONE;

	if (reply_header(r, "Cache-Control", policies[p]) < 0)
		return -1;
	if (p == CACHE_NONE)
		return 0;
	snprintf(etag, sizeof(etag), "\"%.8s%016llx\"", version,
		 (unsigned long long)fnv64(r->body.data ? r->body.data : "",
					   r->body.len));
	return reply_header(r, "ETag", etag);
}

const char *reply_get_header(const struct reply *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_headers; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}
