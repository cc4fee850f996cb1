/* domainlist.c - a domain list file: one domain per line. */
#include "domainlist.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "address.h"

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Trims the line [*s, *e) of its comment and surrounding blanks. */
static void line_trim(const char **s, const char **e)
{
	const char *hash = memchr(*s, '#', (size_t)(*e - *s));

	if (hash != NULL)
		*e = hash;
	while (*s < *e && is_blank(**s))
		(*s)++;
	while (*e > *s && is_blank((*e)[-1]))
		(*e)--;
}

/* Adds the domains of the whole lines data[0..len); *line counts them. */
static long parse_lines(struct model *m, const char *path, const char *data,
			size_t len, size_t *line, domainlist_report_fn report,
			void *cls)
{
	const char *p = data, *end = data + len;
	char name[DOMAIN_MAX + 1];
	const char *why = NULL;
	long bad = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *s = p, *e = nl ? nl : end;

		(*line)++;
		p = nl ? nl + 1 : end;
		line_trim(&s, &e);
		if (s == e)
			continue;
		if (domain_normalize(name, s, (size_t)(e - s), &why) < 0) {
			report(cls, path, *line, why);
			bad++;
			continue;
		}
		if (model_add_domain(m, name, 0) < 0) {
			errno = ENOMEM;
			return -1;
		}
	}
	return bad;
}

#define PIECE (1u << 20)

/* The length of b's whole lines: up to and with its last '\n'. */
static size_t whole_lines(const struct buf *b)
{
	size_t n = b->len;

	while (n > 0 && b->data[n - 1] != '\n')
		n--;
	return n;
}

/* Appends up to PIECE bytes of f to b: their number, 0 at the end, or -1. */
static long read_more(FILE *f, struct buf *b)
{
	size_t n;

	if (buf_grow_by(b, PIECE) < 0)
		return errno = ENOMEM, -1;
	n = fread(b->data + b->len, 1, PIECE, f);
	if (n == 0 && ferror(f))
		return -1;
	b->len += n;
	return (long)n;
}

long domainlist_read(struct model *m, const char *path, size_t max,
		     domainlist_report_fn report, domainlist_seen_fn seen,
		     void *cls)
{
	FILE *f = fopen(path, "r"); /* closed below */
	struct buf b = BUF_INIT;    /* a piece and a line; freed below */
	size_t total = 0, line = 0, whole;
	long bad = 0, r = 0, n;
	int saved;

	if (f == NULL)
		return -1;
	while ((n = read_more(f, &b)) > 0) {
		if ((total += (size_t)n) > max) {
			errno = EFBIG;
			n = -1;
			break;
		}
		seen(cls, b.data + b.len - n, (size_t)n);
		whole = whole_lines(&b);
		if ((r = parse_lines(m, path, b.data, whole, &line, report,
				     cls)) < 0)
			break;
		bad += r;
		memmove(b.data, b.data + whole, b.len - whole);
		b.len -= whole;
	}
	if (n < 0)
		r = -1;
	else if (n == 0) /* the end: a last line without '\n' */
		r = parse_lines(m, path, b.data, b.len, &line, report, cls);
	saved = errno;
	fclose(f);
	buf_free(&b);
	errno = saved;
	return r < 0 ? -1 : bad + r;
}
