/* acme_http.h - the HTTPS requests of the ACME client, on libcurl (its
 * GnuTLS build): one handle, used by one thread (the ACME worker's), so
 * connections to the CA are kept alive between requests. Bounded: 30 s a
 * request, 1 MiB an answer. */
#ifndef MAILCONFD_ACME_HTTP_H
#define MAILCONFD_ACME_HTTP_H

#include <stddef.h>

#include "buf.h"

#define ACME_NONCE_MAX 256

struct acme_http; /* opaque; owned by its acme_client */

/* What one request got back. The caller owns body (buf_free). */
struct acme_answer {
	long status;		    /* HTTP status; 0: no answer */
	struct buf body;	    /* at most 1 MiB */
	char location[1024];	    /* the Location header, or "" */
	char nonce[ACME_NONCE_MAX]; /* Replay-Nonce, or "" */
	char content_type[128];	    /* or "" */
	long retry_after;	    /* seconds, or -1 */
	char error[256];	    /* a transport error, when status 0 */
};

/* ca_file: PEM bundle to trust for the CA (NULL: the system's). */
struct acme_http *acme_http_new(const char *ca_file);
void acme_http_free(struct acme_http *h);

/* method "GET", "HEAD" or "POST" (body: application/jose+json). Fills
 * *a (cleared first). Returns 0 when an HTTP answer came, else -1 with
 * a->error set. */
int acme_http_do(struct acme_http *h, const char *method, const char *url,
		 const struct buf *body, struct acme_answer *a);

void acme_answer_clear(struct acme_answer *a);

#endif
