/* probe.h - mailconfd --probe: walks what each client does for a hosted
 * domain (SPEC §11: DNS, the HTTPS lookups in each client's order, the
 * certificates, the mail servers' TLS and capabilities) and says per step
 * whether what we tell clients is true. It never logs in. */
#ifndef MAILCONFD_PROBE_H
#define MAILCONFD_PROBE_H

#include <stdio.h>
#include <time.h>

#include "probe_ctx.h"
#include "probe_report.h"

/* Probes domain (as typed) into r. Returns 0, or 2 when it could not
 * probe (not hosted, no resolver, no trust store) with why. */
int probe_domain(struct probe_report *r, const struct model *m,
		 const struct probe_options *o, const char *domain, char *why,
		 size_t n);

/* Probes every hosted domain, o->concurrency at a time, each mail server
 * (host, port, security) only once; writes one line per domain (JSON
 * with json, else a summary) to out as they finish and a total at the
 * end. Returns 0 all true, 1 some wrong, 2 could not probe. */
int probe_sweep(const struct model *m, const struct probe_options *o, int json,
		FILE *out);

#endif
