/* strcopy.h - a bounded string copy for the answer path, where
 * snprintf(dst, n, "%s", src) costs some 550 instructions (callgrind) for
 * what a strlen and a memcpy do. */
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

#endif
