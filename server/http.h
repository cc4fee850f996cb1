/* http.h - the HTTP server: the only module that includes <microhttpd.h>.
 *
 * Routing, limits, request parsing and the access log; every answer comes
 * from dispatch() on the model that was current when the request began. */
#ifndef MAILCONFD_HTTP_H
#define MAILCONFD_HTTP_H

#include "server_limits.h"
#include "metrics.h"
#include "model.h"

struct acme;
struct directory_pool;
struct directory_state;

struct http; /* opaque; owned by main() */

enum access_log { ACCESS_LOG_OFF, ACCESS_LOG_PLAIN, ACCESS_LOG_JSON };

struct http_config {
	const char *listen; /* numeric IPv4 or IPv6 address */
	unsigned port;	    /* 0: any free port */
	unsigned threads;   /* size of the thread pool */
	struct limits limits;
	enum access_log access_log; /* to stderr */
	struct model_slot *slot;    /* borrowed; must outlive the server */
	struct metrics *metrics;    /* borrowed, may be NULL */
	int tls; /* HTTPS with the table's certificates (SNI) */
	const char *tls_priorities; /* GnuTLS priority string, with tls */
	unsigned https_port; /* plain listener: where HTTPS answers, or 0 */
	struct directory_state *directory; /* borrowed, may be NULL: the
					      sources' state */
	struct directory_pool *lookups;	   /* borrowed, may be NULL: logins */
	struct acme *acme;	   /* borrowed, may be NULL: built-in ACME (the
				      handshake's certificates, HTTP-01) */
	struct admin_probe *probe; /* borrowed, may be NULL: the admin
				      listener's /probe (--admin-probe) */
};

/* Binds and starts serving. Returns the server, or NULL with the reason
 * logged. */
struct http *http_start(const struct http_config *cfg);

/* Starts the operators' listener: GET /healthz (200 with the table's
 * version and domain count), GET /metrics (Prometheus text format) and,
 * with cfg->probe, GET /probe?domain= (admin_probe.h), nothing else. Only cfg's
 * listen, port, slot and metrics are used. */
struct http *http_start_admin(const struct http_config *cfg);

/* The port actually bound (useful with port 0). */
unsigned http_port(const struct http *h);

/* Stops accepting, waits for the threads, frees h. NULL-safe. */
void http_stop(struct http *h);

#endif
