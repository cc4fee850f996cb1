/* table_reader.c - the settings table's JSON, a member at a time, through
 * a window on the file (table_reader.h). jansson parses every value and
 * key but the plainest (a key of printable ASCII without escapes, an
 * empty object); this file only walks the two objects whose members it
 * takes one by one: the top level, and "domains", twice (its syntax, while
 * the top level is read; its entries, once the rest is known). */
#include "table_reader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY_FAST_MAX 256 /* keys read without jansson: shorter, plain */
#define PIECE_FLAGS  (JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK)

int table_reader_init(struct table_reader *r, int fd, const char *text,
		      size_t len, size_t window, const char *file,
		      struct settings_errors *errs)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->file = file;
	r->errs = errs;
	r->line = 1;
	r->max = UINT64_MAX;
	r->empty = json_object();
	if (fd < 0) {
		r->text = text;
		r->end = len;
		r->eof = 1;
	} else {
		r->cap = window > 0 ? window : 1;
		r->buf = malloc(r->cap);
		r->text = r->buf;
	}
	return r->empty != NULL && r->text != NULL ? 0 : -1;
}

void table_reader_free(struct table_reader *r)
{
	free(r->buf);
	json_decref(r->empty);
	r->buf = NULL;
	r->empty = NULL;
}

static void fail_at(struct table_reader *r, long line, long col,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void fail_at(struct table_reader *r, long line, long col,
		    const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	settings_errors_add(r->errs, "%s:%ld:%ld: %s", r->file, line, col, why);
}

/* More bytes into the window, keeping the unread ones. Returns 1, 0 at the
 * end of the table, -1 on a (reported) read error. */
static int fill(struct table_reader *r)
{
	ssize_t n;

	if (r->failed)
		return -1; /* said once */
	if (r->eof)
		return 0;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->base += r->start;
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) { /* one member fills the window: grow it */
		char *grown = realloc(r->buf, r->cap * 2);

		if (grown == NULL) {
			settings_errors_add(r->errs, "%s: out of memory",
					    r->file);
			r->failed = 1;
			return -1;
		}
		r->buf = grown;
		r->text = grown;
		r->cap *= 2;
	}
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
	if (n > 0 && r->base + r->end + (size_t)n > r->max)
		errno = EFBIG, n = -1;
	if (n < 0) {
		settings_errors_add(r->errs, "%s: cannot read: %s", r->file,
				    strerror(errno));
		r->failed = 1;
		return -1;
	}
	if (n > 0 && r->digest != NULL)
		r->digest(r->digest_cls, r->buf + r->end, (size_t)n);
	r->end += (size_t)n;
	r->eof = n == 0;
	return n > 0;
}

/* Moves past n bytes, counting lines and characters as jansson does. */
static void advance(struct table_reader *r, size_t n)
{
	const unsigned char *p = (const unsigned char *)r->text + r->start;
	const unsigned char *e = p + n, *nl;

	while ((nl = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		r->line++;
		r->col = 0;
		p = nl + 1;
	}
	for (; p < e; p++)
		r->col += (*p & 0xc0) != 0x80;
	r->start += n;
}

static int is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The next byte after white space, or -1 at the end (or a read error). */
static int peek(struct table_reader *r)
{
	for (;;) {
		size_t i = r->start;

		while (i < r->end && is_ws((unsigned char)r->text[i]))
			i++;
		advance(r, i - r->start);
		if (r->start < r->end)
			return (unsigned char)r->text[r->start];
		if (fill(r) <= 0)
			return -1;
	}
}

/* "WHAT expected near 'C'" at the byte peek() gave (c). */
static void expected(struct table_reader *r, int c, const char *what)
{
	if (r->failed)
		return; /* the read error said it */
	if (c < 0)
		fail_at(r, r->line, r->col, "%s expected near end of file",
			what);
	else
		fail_at(r, r->line, r->col + 1, "%s expected near '%c'", what,
			c);
}

/* One JSON value (or key) by jansson, growing the window while it fails.
 * A new reference, or NULL (reported). */
static json_t *value(struct table_reader *r, size_t flags)
{
	for (;;) {
		json_error_t e;
		json_t *v = json_loadb(r->text + r->start, r->end - r->start,
				       flags | PIECE_FLAGS, &e);

		if (v != NULL) {
			advance(r, (size_t)e.position);
			return v;
		}
		/* Cut off by the window's end, a value may look broken in
		 * any way ("invalid escape", "invalid token"): an error is
		 * final only with the whole rest of the table in view. */
		if (!r->eof) {
			if (fill(r) < 0)
				return NULL;
			continue;
		}
		fail_at(r, r->line + e.line - 1,
			e.line == 1 ? r->col + e.column : e.column, "%s",
			e.text);
		return NULL;
	}
}

/* The length of the plain key (no escape, printable ASCII) at text[start]
 * (its '"'), or 0 when jansson must read it. */
static size_t plain_key(struct table_reader *r)
{
	for (;;) {
		size_t i = r->start + 1;

		while (i < r->end && i - r->start <= KEY_FAST_MAX) {
			unsigned char b = (unsigned char)r->text[i];

			if (b == '"')
				return i - r->start - 1;
			if (b == '\\' || b < 0x20 || b >= 0x7f)
				return 0;
			i++;
		}
		if (i - r->start > KEY_FAST_MAX || fill(r) <= 0)
			return 0;
	}
}

/* The key at text[start] ('"' there): in local, or in *held (the
 * caller's to release). NULL after a reported error. */
static const char *read_key(struct table_reader *r, char *local, json_t **held)
{
	size_t n = plain_key(r);

	*held = NULL;
	if (n > 0) {
		memcpy(local, r->text + r->start + 1, n);
		local[n] = '\0';
		advance(r, n + 2);
		return local;
	}
	*held = value(r, 0);
	return *held != NULL ? json_string_value(*held) : NULL;
}

/* Past ':' after a key. */
static int colon(struct table_reader *r)
{
	int c = peek(r);

	if (c != ':') {
		expected(r, c, "':'");
		return -1;
	}
	advance(r, 1);
	return 0;
}

/* Past ',' (1) or '}' (0) after a member; -1 (reported) otherwise. */
static int next_member(struct table_reader *r)
{
	int c = peek(r);

	if (c == ',' || c == '}') {
		advance(r, 1);
		if (c == '}')
			return 0;
		c = peek(r);
		if (c == '"')
			return 1;
		expected(r, c, "string or '}'");
		return -1;
	}
	expected(r, c, "'}'");
	return -1;
}

static int walk_domains(struct table_reader *r, table_entry_fn fn, void *cls);

/* One member of the top level into root; an object at "domains" is read
 * for its syntax only, and its place kept. */
static int top_member(struct table_reader *r, json_t *root)
{
	char local[KEY_FAST_MAX + 1];
	json_t *held, *v;
	const char *key = read_key(r, local, &held);
	int rc = -1, domains;

	if (key == NULL)
		return -1;
	domains = strcmp(key, "domains") == 0;
	if ((domains && r->domains_seen) || json_object_get(root, key)) {
		fail_at(r, r->line, r->col,
			"duplicate object key near '\"%s\"'", key);
	} else if (colon(r) < 0) {
		; /* reported */
	} else if (domains && peek(r) == '{') {
		r->domains_seen = 1;
		r->domains_at = r->base + r->start;
		r->domains_line = r->line;
		r->domains_col = r->col;
		rc = walk_domains(r, NULL, NULL);
	} else if ((v = value(r, JSON_REJECT_DUPLICATES)) != NULL) {
		rc = json_object_set_new(root, key, v);
	}
	json_decref(held);
	return rc;
}

static int at_end(struct table_reader *r)
{
	int c = peek(r);

	if (c < 0)
		return r->eof ? 0 : -1;
	expected(r, c, "end of file");
	return -1;
}

json_t *table_read_top(struct table_reader *r)
{
	json_t *root;
	int c, more = 1;

	if (r->fd < 0 && r->digest != NULL)
		r->digest(r->digest_cls, r->text, r->end);
	c = peek(r);
	if (c != '{') { /* not an object: jansson reads (and names) it */
		root = c < 0 ? NULL : value(r, JSON_REJECT_DUPLICATES);
		if (c < 0 && r->eof)
			fail_at(r, r->line, r->col,
				"'[' or '{' expected near end of file");
	} else {
		advance(r, 1);
		root = json_object();
		c = peek(r);
		if (c == '}')
			advance(r, 1), more = 0;
		else if (c != '"')
			expected(r, c, "string or '}'"), more = -1;
		while (more == 1 && root != NULL)
			more = top_member(r, root) < 0 ? -1 : next_member(r);
		if (more < 0)
			json_decref(root), root = NULL;
	}
	if (root != NULL && at_end(r) < 0)
		json_decref(root), root = NULL;
	return root;
}

/* The value at text[start]: r->empty for a bare {}, else by jansson. */
static json_t *entry_value(struct table_reader *r)
{
	for (;;) {
		size_t i = r->start + 1;

		if (r->start < r->end && r->text[r->start] == '{') {
			while (i < r->end && is_ws((unsigned char)r->text[i]))
				i++;
			if (i == r->end && !r->eof) {
				if (fill(r) < 0)
					return NULL;
				continue;
			}
			if (i < r->end && r->text[i] == '}') {
				advance(r, i + 1 - r->start);
				return json_incref(r->empty);
			}
		}
		return value(r, JSON_REJECT_DUPLICATES);
	}
}

static int domain_entry(struct table_reader *r, table_entry_fn fn, void *cls)
{
	char local[KEY_FAST_MAX + 1];
	json_t *held, *v = NULL;
	const char *key = read_key(r, local, &held);
	int rc = -1;

	if (key != NULL && colon(r) == 0) {
		peek(r); /* past white space: entry_value() looks at the byte */
		v = entry_value(r);
	}
	if (v != NULL) {
		if (fn != NULL)
			fn(cls, key, v);
		rc = 0;
	}
	json_decref(v);
	json_decref(held);
	return rc;
}

/* Back to the '{' of "domains". */
static int rewind_to_domains(struct table_reader *r)
{
	r->digest = NULL; /* every byte was counted once already */
	r->line = r->domains_line;
	r->col = r->domains_col;
	if (r->fd < 0) {
		r->start = (size_t)r->domains_at;
		return 0;
	}
	if (lseek(r->fd, (off_t)r->domains_at, SEEK_SET) < 0) {
		settings_errors_add(r->errs, "%s: cannot read: %s", r->file,
				    strerror(errno));
		return -1;
	}
	r->base = r->domains_at;
	r->start = r->end = 0;
	r->eof = 0;
	return fill(r) > 0 ? 0 : -1;
}

/* The entries of the object at text[start] ('{') to fn, if not NULL. */
static int walk_domains(struct table_reader *r, table_entry_fn fn, void *cls)
{
	int c, more = 1;

	advance(r, 1);
	c = peek(r);
	if (c == '}') {
		advance(r, 1);
		return 0;
	}
	if (c != '"') {
		expected(r, c, "string or '}'");
		return -1;
	}
	while (more == 1)
		more = domain_entry(r, fn, cls) < 0 ? -1 : next_member(r);
	return more;
}

int table_read_domains(struct table_reader *r, table_entry_fn fn, void *cls)
{
	if (!r->domains_seen)
		return 0;
	return rewind_to_domains(r) < 0 ? -1 : walk_domains(r, fn, cls);
}
