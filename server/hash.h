/* hash.h - FNV-1a, 64 bits: the one hash of the project (table versions,
 * ETags, the login cache, the lookups' in-flight map, settings digests). */
#ifndef MAILCONFD_HASH_H
#define MAILCONFD_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A_INIT 14695981039346656037ull

/* Continues hash h over p[0..n). */
static inline uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

#endif
