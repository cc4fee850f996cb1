/* table_reader.h - reads the settings table's JSON a member at a time,
 * through a window on the file, so that a "domains" object of 1,000,000
 * entries is never one jansson tree nor one buffer (settings.c).
 *
 * The top level is read into a jansson object, every member but an object
 * at "domains", which is only read for its syntax and its place kept; a
 * second pass hands its entries, one at a time, to a callback. Syntax errors
 * are FILE:LINE:COLUMN with jansson's words, as json_loadb() would give them.
 * Internal to the settings module. */
#ifndef MAILCONFD_TABLE_READER_H
#define MAILCONFD_TABLE_READER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "settings_errors.h"

struct table_reader {
	int fd;		  /* the table, read in pieces; -1: text holds it all */
	const char *text; /* the window: buf, or the caller's whole text */
	char *buf;	  /* owned when fd >= 0: the window's bytes */
	size_t cap;	  /* buf's size */
	size_t start;	  /* text[start..end) is not read yet */
	size_t end;
	int eof;	  /* nothing follows text[end] */
	int failed;	  /* a read error was reported */
	uint64_t base;	  /* the file offset of text[0] */
	uint64_t max;	  /* longest table read (EFBIG beyond) */
	long line, col;	  /* where text[start] is: line, characters before */
	const char *file; /* for messages */
	struct settings_errors *errs;
	void (*digest)(void *cls, const char *p, size_t n); /* every byte */
	void *digest_cls;				    /* once, or NULL */
	int domains_seen;    /* the top level had an object at "domains" */
	uint64_t domains_at; /* its '{', as a file offset */
	long domains_line, domains_col;
	/* owned: the {} handed for each entry without settings */
	json_t *empty;
};

/* A reader on a file already open (fd, owned by the caller) or, with fd
 * -1, on text[0..len) (the caller's, kept until table_reader_free). window
 * is the first size of the file's window (grown as one member needs).
 * Returns 0, or -1 out of memory. */
int table_reader_init(struct table_reader *r, int fd, const char *text,
		      size_t len, size_t window, const char *file,
		      struct settings_errors *errs);
void table_reader_free(struct table_reader *r);

/* The table's top level (a new object, the caller's), or any other JSON
 * value it is, or NULL after a reported syntax or read error. */
json_t *table_read_top(struct table_reader *r);

/* Hands every entry of the "domains" object table_read_top() kept to fn,
 * in the file's order: its key and value (borrowed for the call). Returns
 * 0, or -1 after a reported syntax or read error (the entries before it
 * were handed). */
typedef void (*table_entry_fn)(void *cls, const char *key, json_t *value);
int table_read_domains(struct table_reader *r, table_entry_fn fn, void *cls);

#endif
