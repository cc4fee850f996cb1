/* probe_web.h - the HTTPS half of the probe: each client's lookups in the
 * client's own order (SPEC §11.1), the certificate of every name it
 * asks, and the bytes served against what this table renders. */
#ifndef MAILCONFD_PROBE_WEB_H
#define MAILCONFD_PROBE_WEB_H

#include "probe_ctx.h"
#include "probe_report.h"

/* The steps of Thunderbird, Thunderbird for Android / K-9, Outlook,
 * Apple, PACC and MTA-STS for x's domain, added to r. */
void probe_web(struct probe_report *r, const struct probe_ctx *x);

#endif
