/* reply.h - an answer, before http.c hands it to libmicrohttpd. */
#ifndef MAILCONFD_REPLY_H
#define MAILCONFD_REPLY_H

#include <stdint.h>

#include "buf.h"
#include "route.h"

#define REPLY_HEADERS_MAX 8

/* How caches may keep an answer (SPEC-free: RFC 9111). */
enum cache_policy {
	CACHE_NONE,    /* errors, POST answers: no-store */
	CACHE_PUBLIC,  /* the same for everyone asking this URL */
	CACHE_PRIVATE, /* for the one address in the URL (profiles, pages) */
};

struct reply {
	int status;
	enum cache_policy cache;
	enum route route;	  /* for the access log and metrics */
	const char *content_type; /* static string */
	struct buf body;	  /* owned */
	size_t n_headers;
	struct reply_header {
		const char *name;  /* static string */
		const char *value; /* owned when owned is 1, else static */
		int owned;
	} headers[REPLY_HEADERS_MAX];
	char etag[32];	    /* the ETag header's value (reply_finish) */
	uint64_t body_hash; /* a hash of what made the body, set by an
			       answer whose bytes were hashed when kept;
			       0: reply_finish() hashes the body */
	int pending; /* a login lookup is under way: nothing to send yet */
};

/* Sets a plain-text answer: status and one line of text. */
int reply_text(struct reply *r, int status, const char *text);

/* Adds a header (the value is copied). Returns 0 or -1. */
int reply_header(struct reply *r, const char *name, const char *value);

/* Adds a header whose value is a string literal (not copied, never
 * freed). Returns 0 or -1. */
int reply_header_static(struct reply *r, const char *name, const char *value);

/* Adds Cache-Control, and for a cacheable 200 an ETag made of the table's
 * version and a digest of the body (hash_bytes(), or body_hash when the
 * answer set it), so a reload changes it. Call once, after the body is
 * final. Returns 0 or -1. */
int reply_finish(struct reply *r, const char *version);

/* The value of header name (ASCII case-insensitive), or NULL. */
const char *reply_get_header(const struct reply *r, const char *name);

/* Frees what the reply owns. NULL-safe. */
void reply_free(struct reply *r);

#endif
