/* probe_records.h - the DNS records mailconfd --dns prints for a domain,
 * asked of the resolver one by one: missing, different or right. */
#ifndef MAILCONFD_PROBE_RECORDS_H
#define MAILCONFD_PROBE_RECORDS_H

#include "probe_ctx.h"
#include "probe_report.h"

/* One step of group "DNS" per record of dns_domain() for x's domain. */
void probe_records(struct probe_report *r, const struct probe_ctx *x);

#endif
