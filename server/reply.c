/* reply.c - an answer, before http.c hands it to libmicrohttpd. */
#include "reply.h"

#include "hash.h"

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

static int add(struct reply *r, const char *name, const char *value, int owned)
{
	if (r->n_headers == REPLY_HEADERS_MAX || value == NULL)
		return -1;
	r->headers[r->n_headers].name = name;
	r->headers[r->n_headers].value = value;
	r->headers[r->n_headers].owned = owned;
	r->n_headers++;
	return 0;
}

int reply_header(struct reply *r, const char *name, const char *value)
{
	char *v = strdup(value); /* the reply's, freed by reply_free() */

	if (add(r, name, v, 1) == 0)
		return 0;
	free(v);
	return -1;
}

int reply_header_static(struct reply *r, const char *name, const char *value)
{
	return add(r, name, value, 0);
}

void reply_free(struct reply *r)
{
	size_t i;

	if (r == NULL)
		return;
	buf_free(&r->body);
	for (i = 0; i < r->n_headers; i++)
		if (r->headers[i].owned)
			free((void *)(uintptr_t)r->headers[i].value);
	r->n_headers = 0;
}

/* "\"<8 characters of version><16 hex digits>\"" into out (32 bytes). */
static void format_etag(char out[32], const char *version, uint64_t h)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0, i;

	out[n++] = '"';
	for (i = 0; i < 8 && version[i] != '\0'; i++)
		out[n++] = version[i];
	for (i = 0; i < 16; i++)
		out[n++] = hex[(h >> (60 - 4 * i)) & 15];
	out[n++] = '"';
	out[n] = '\0';
}

int reply_finish(struct reply *r, const char *version)
{
	static const char *const policies[] = {
	    "no-store", "public, max-age=300", "private, max-age=300"};
	enum cache_policy p = r->status == 200 ? r->cache : CACHE_NONE;

	if (reply_header_static(r, "Cache-Control", policies[p]) < 0)
		return -1;
	if (p == CACHE_NONE)
		return 0;
	format_etag(r->etag, version,
		    r->body_hash ? r->body_hash
				 : hash_bytes(r->body.data ? r->body.data : "",
					      r->body.len));
	return reply_header_static(r, "ETag", r->etag);
}

const char *reply_get_header(const struct reply *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_headers; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}
