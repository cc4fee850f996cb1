/* elapsed.c - time since a moment on the monotonic clock (elapsed.h). */
#include "elapsed.h"

void elapsed_start(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

long long elapsed_us(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long long)(t1.tv_sec - t0->tv_sec) * 1000000LL +
	       (t1.tv_nsec - t0->tv_nsec) / 1000;
}

long long elapsed_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}
