/* buf.h - a growable byte buffer.
 *
 * Owner: whoever declares the struct buf; buf_free() releases its memory.
 * The data is always NUL-terminated (not counted in len), so it can be
 * handed to C string functions when it holds text. */
#ifndef MAILCONFD_BUF_H
#define MAILCONFD_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* owned; NULL until the first append */
	size_t len;
	size_t cap;
	int failed; /* set once an allocation failed; later appends are no-ops
		     */
};

#define BUF_INIT                                                               \
	{                                                                      \
		NULL, 0, 0, 0                                                  \
	}

/* Appends n bytes. Returns 0, or -1 when out of memory (then b->failed). */
int buf_append(struct buf *b, const void *p, size_t n);

/* Makes room for n more bytes (and the NUL) without changing len: for a
 * caller that writes into data + len itself. Returns 0 or -1 (failed). */
int buf_grow_by(struct buf *b, size_t n);

/* Appends a NUL-terminated string. */
int buf_puts(struct buf *b, const char *s);

/* Appends printf-style formatted text. */
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Empties the buffer but keeps its memory for reuse. */
void buf_reset(struct buf *b);

/* Hands the data to the caller (who frees it with free()) and empties b.
 * Returns NULL if nothing was ever appended or an allocation failed. */
char *buf_steal(struct buf *b);

/* Appends the whole content of the file at path (at most max bytes).
 * Returns 0, or -1 with errno set (EFBIG when the file is larger). */
int buf_read_file(struct buf *b, const char *path, size_t max);

/* The same from fd's position to its end (fd stays open). */
int buf_read_fd(struct buf *b, int fd, size_t max);

/* Frees the data; b may be reused afterwards. NULL-safe. */
void buf_free(struct buf *b);

#endif
