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

/* method ("GET", "POST") https://host<target> at addr:port (addr numeric),
 * trusting ca_file (NULL: the system's), with body (POST, may be NULL)
 * of content type ctype. No redirects are followed. Returns 0 when an
 * answer came, -1 with f->error. */
int probe_fetch(struct probe_fetch *f, const char *method, const char *host,
		const char *target, const char *addr, unsigned port,
		const char *ca_file, const char *body, const char *ctype,
		unsigned timeout_s);

void probe_fetch_clear(struct probe_fetch *f);

#endif
