/* buf.c - a growable byte buffer. */
#include "buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

static int buf_grow(struct buf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	if (b->failed)
		return -1;
	if (need < b->len) { /* overflow */
		b->failed = 1;
		return -1;
	}
	while (cap < need + 1) {
		if (cap > ((size_t)-1) / 2) {
			b->failed = 1;
			return -1;
		}
		cap *= 2;
	}
	if (cap == b->cap)
		return 0;
	p = realloc(b->data, cap);
	if (p == NULL) {
		b->failed = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_grow_by(struct buf *b, size_t n)
{
	return buf_grow(b, b->len + n);
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, b->len + n) < 0)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || buf_grow(b, b->len + (size_t)n) < 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

char *buf_steal(struct buf *b)
{
	char *p = b->failed ? NULL : b->data;

	if (b->failed)
		free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
	return p;
}

void buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

int buf_read_fd(struct buf *b, int fd, size_t max)
{
	char chunk[65536];
	size_t total = 0;
	ssize_t n;

	if (buf_append(b, "", 0) < 0) { /* data is never NULL after this */
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (int)n; /* read() set errno (EISDIR, EIO...) */
		total += (size_t)n;
		if (total > max) {
			errno = EFBIG;
			return -1;
		}
		if (buf_append(b, chunk, (size_t)n) < 0) {
			errno = ENOMEM;
			return -1;
		}
	}
}

int buf_read_file(struct buf *b, const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc, saved; /* closed below */

	if (fd < 0)
		return -1;
	rc = buf_read_fd(b, fd, max);
	saved = errno; /* close() must not change what the read said */
	close(fd);
	errno = saved;
	return rc;
}
