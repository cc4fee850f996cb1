/* probe_servers.h - the mail servers' findings, shared by the domains of
 * a sweep: each (protocol, host, port, security) is talked to once, and
 * every domain that advertises it gets the same steps. */
#ifndef MAILCONFD_PROBE_SERVERS_H
#define MAILCONFD_PROBE_SERVERS_H

#include "probe_ctx.h"
#include "probe_report.h"

struct probe_servers *probe_servers_new(void);
void probe_servers_free(struct probe_servers *s);

/* How many servers were talked to; once no thread probes any more. */
size_t probe_servers_count(const struct probe_servers *s);

/* The steps of every server x's account advertises (its host filled for
 * x's domain), added to r: from the cache, or probed now. */
void probe_servers_check(struct probe_report *r, const struct probe_ctx *x);

#endif
