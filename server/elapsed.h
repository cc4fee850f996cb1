/* elapsed.h - how long since a moment on the monotonic clock: the access
 * log, /metrics and the load time measure it the same way. */
#ifndef MAILCONFD_ELAPSED_H
#define MAILCONFD_ELAPSED_H

#include <time.h>

/* *t = now (CLOCK_MONOTONIC). */
void elapsed_start(struct timespec *t);

/* Microseconds from t0 to now. */
long long elapsed_us(const struct timespec *t0);

/* Now on the monotonic clock, in milliseconds: the one clock of every
 * deadline (connections, lookups, refresh). */
long long elapsed_now_ms(void);

#endif
