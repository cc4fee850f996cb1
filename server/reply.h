/* reply.h - an answer, before http.c hands it to libmicrohttpd. */
#ifndef MAILCONFD_REPLY_H
#define MAILCONFD_REPLY_H

#include "buf.h"

#define REPLY_HEADERS_MAX 4

struct reply {
	int status;
	const char *content_type; /* static string */
	struct buf body;	  /* owned */
	size_t n_headers;
	struct reply_header {
		const char *name; /* static string */
		char *value;	  /* owned */
	} headers[REPLY_HEADERS_MAX];
};

/* Sets a plain-text answer: status and one line of text. */
int reply_text(struct reply *r, int status, const char *text);

/* Adds a header (the value is copied). Returns 0 or -1. */
int reply_header(struct reply *r, const char *name, const char *value);

/* Frees what the reply owns. NULL-safe. */
void reply_free(struct reply *r);

#endif
