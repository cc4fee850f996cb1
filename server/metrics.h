/* metrics.h - counters for /metrics (Prometheus text format 0.0.4):
 * requests by route and status, a latency histogram, reloads, the loaded
 * table. Updated lock-free from the request threads; owned by main(). */
#ifndef MAILCONFD_METRICS_H
#define MAILCONFD_METRICS_H

#include <stdatomic.h>

#include "buf.h"
#include "model.h"
#include "route.h"

#define METRICS_STATUS	14 /* see metrics.c: statuses, and "other" */
#define METRICS_BUCKETS 12

struct metrics {
	atomic_ulong requests[ROUTE_COUNT][METRICS_STATUS];
	atomic_ulong latency[METRICS_BUCKETS + 1]; /* last: +Inf */
	atomic_ullong latency_sum_us;
	atomic_ulong reloads_ok, reloads_failed;
	atomic_ullong load_us;	      /* how long the table in service took */
	atomic_ulong closed_deadline; /* connections past their deadline */
	atomic_ulong closed_pressure; /* closed to make room (reaper.h) */
};

void metrics_init(struct metrics *m);

/* Counts one answered request. */
void metrics_request(struct metrics *m, enum route route, int status,
		     long long us);

/* Counts a reload (ok: 1 if the new table went into service). */
void metrics_reload(struct metrics *m, int ok);

/* Appends the text exposition; model is the table in service. */
int metrics_render(struct buf *out, struct metrics *m,
		   const struct model *model);

#endif
