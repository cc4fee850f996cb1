/* strcopy.h - a bounded string copy for the answer path, where
 * snprintf(dst, n, "%s", src) costs some 550 instructions (callgrind) for
 * what a strlen and a memcpy do, and "%s.%s" as much again. */
#ifndef MAILCONFD_STRCOPY_H
#define MAILCONFD_STRCOPY_H

#include <stddef.h>
#include <string.h>

/* Copies what fits of src into dst[0..n) (n > 0), NUL-terminated; returns
 * strlen(src), as snprintf() would: n or more says it was cut. */
static inline size_t str_copy(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src), k = len < n ? len : n - 1;

	memcpy(dst, src, k);
	dst[k] = '\0';
	return len;
}

/* Appends src to dst, which holds at bytes: what fits of it in dst[0..n)
 * (n > 0), NUL-terminated; returns at + strlen(src), as snprintf() would
 * count (n or more says it was cut). */
static inline size_t str_cat(char *dst, size_t n, size_t at, const char *src)
{
	size_t len = strlen(src), k;

	if (at < n) {
		k = len < n - 1 - at ? len : n - 1 - at;
		memcpy(dst + at, src, k);
		dst[at + k] = '\0';
	}
	return at + len;
}

#endif
