/* probe_ctx.h - what the probe is told (its options) and what each of
 * its steps reads (the context of one domain's probe). */
#ifndef MAILCONFD_PROBE_CTX_H
#define MAILCONFD_PROBE_CTX_H

#include <gnutls/gnutls.h>
#include <time.h>

#include "model.h"

struct probe_dns;
struct probe_servers;

struct probe_options {
	const char *resolver; /* "ADDR[:PORT]", or NULL: resolv.conf */
	const char *ca_file;  /* PEM to trust, or NULL: the system's */
	const char *address;  /* --address, or NULL: info@<domain> */
	unsigned https_port;  /* where clients use 443 (tests: another) */
	unsigned http_port;   /* where clients use 80 */
	unsigned timeout_s;   /* each connection, each DNS question */
	unsigned warn_days;   /* a certificate expiring sooner is wrong */
	unsigned concurrency; /* a sweep's domains probed at once */
};

/* What every step of one domain's probe reads. Immutable but for dns,
 * which belongs to the one thread probing the domain. */
struct probe_ctx {
	const struct model *m;		       /* borrowed */
	const struct probe_options *o;	       /* borrowed */
	struct probe_dns *dns;		       /* borrowed; this thread's */
	gnutls_certificate_credentials_t cred; /* borrowed; shared */
	struct probe_servers *servers;	       /* borrowed; shared, locked */
	const char *domain;		       /* A-label */
	const struct account *a;
	const char *address; /* the address clients are asked about */
	time_t now;
};

#endif
