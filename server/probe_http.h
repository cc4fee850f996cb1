/* probe_http.h - the probe's HTTPS requests (libcurl): to the address the
 * probe's own resolver found, the name kept for SNI, Host and the
 * certificate check (CURLOPT_CONNECT_TO, SPEC §11.4). */
#ifndef MAILCONFD_PROBE_HTTP_H
#define MAILCONFD_PROBE_HTTP_H

#include "buf.h"

#define PROBE_BODY_MAX (1u << 20) /* a larger body is cut: a finding */

struct probe_fetch {
	long status;		/* 0: no answer (error says why) */
	char content_type[128]; /* as sent, or "" */
	struct buf body;	/* owned (probe_fetch_clear) */
	char error[320];
};

/* Where and how to ask. */
struct probe_target {
	const char *host;   /* the name: SNI, Host, the URL's */
	const char *target; /* the path and query */
	const char *addr;   /* numeric: where host was resolved to */
	unsigned port;	    /* where 443 is */
	const char *pin;    /* the public key the caller's own check of the
			       certificate for host saw (probe_cert.pin): the
			       connection must show the same, and libcurl
			       loads no trust store (per connection, with
			       GnuTLS: 60-80 ms for the system's) */
	unsigned timeout_s;
};

/* method ("GET", "POST") https://host<target>, with body (POST, may be
 * NULL) of content type ctype. No redirects are followed. Returns 0 when
 * an answer came, -1 with f->error. */
int probe_fetch(struct probe_fetch *f, const char *method,
		const struct probe_target *to, const char *body,
		const char *ctype);

void probe_fetch_clear(struct probe_fetch *f);

#endif
