/* prom.h - the Prometheus text format's histogram (exposition format
 * 0.0.4), for every histogram /metrics shows: one writer, one way of
 * counting. */
#ifndef MAILCONFD_PROM_H
#define MAILCONFD_PROM_H

#include <stdatomic.h>
#include <stddef.h>

#include "buf.h"

/* Counts one observation of us microseconds: counts[] has n + 1 slots
 * (the last is +Inf) for the n upper bounds bounds_s[] (seconds,
 * ascending). Lock-free. */
void prom_histogram_add(atomic_ulong *counts, const double *bounds_s, size_t n,
			atomic_ullong *sum_us, long long us);

/* Writes the histogram name with its HELP and TYPE lines; labels (may be
 * "" or NULL) go into every sample, e.g. source="x". */
void prom_histogram_render(struct buf *out, const char *name, const char *help,
			   const char *labels, const double *bounds_s,
			   atomic_ulong *counts, size_t n,
			   atomic_ullong *sum_us);

#endif
