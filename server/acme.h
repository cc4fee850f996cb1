/* acme.h - the built-in ACME client at run time (server.acme; SPEC §9;
 * docs/deployment.md, "Certificates"): one worker thread that orders,
 * from the table's CA, one certificate per hosted domain (its names from
 * model_cert_order) and one for provider.service_host, paced by the CA's
 * limit, backing off a domain that fails, renewing inside the CA's ARI
 * window or at 1/renew_divisor of the lifetime left; and what the
 * listeners ask of it: the certificate for a handshake's SNI name, the
 * HTTP-01 key authorizations, a name to queue, /healthz and /metrics.
 *
 * Owned by main() (acme_start .. acme_stop); the listeners borrow it. */
#ifndef MAILCONFD_ACME_H
#define MAILCONFD_ACME_H

#include <stddef.h>

#include "buf.h"
#include "cert_cache.h"
#include "model.h"

struct acme;

/* Starts the worker on the model in slot (borrowed; outlives the acme),
 * with the state folder and settings of m (the table at start; a reload
 * that changes server.acme is said to need a restart). NULL, logged, on
 * failure. */
struct acme *acme_start(struct model_slot *slot, const struct model *m);

/* Stops the worker (an order in flight is abandoned) and frees a. */
void acme_stop(struct acme *a);

/* The certificate for the handshake's SNI name under model m: one
 * reference for the connection (cert_entry_release when it closes), or
 * NULL when there is none yet, after queueing its order if name is one
 * (then the caller falls back to another certificate). Any thread. */
struct cert_entry *acme_certificate(struct acme *a, const struct model *m,
				    const char *sni);

/* A plain HTTP request for host: queues host's order when its
 * certificate is missing (the first request for a name, SPEC §9.7). */
void acme_want(struct acme *a, const struct model *m, const char *host);

/* The key authorization for an HTTP-01 token in flight (of this process
 * or a replica sharing the state folder): 0 with it in out, else -1. */
int acme_challenge(struct acme *a, const char *token, struct buf *out);

/* --check: a warning for each order that backs off, with the CA's
 * reason (read from m's state folder; nothing is written). */
void acme_check(const struct model *m);

/* /healthz lines and /metrics series. */
void acme_render_health(struct buf *out, struct acme *a);
void acme_render_metrics(struct buf *out, struct acme *a);

#endif
