/* reply.c - an answer, before http.c hands it to libmicrohttpd. */
#include "reply.h"

#include <stdlib.h>
#include <string.h>

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
