/* settings.h - the settings table: a JSON file -> a validated model.
 *
 * The only file that reads the table with jansson. Every problem is
 * reported, one line each, as "FILE: /json/pointer: problem" (syntax
 * errors as "FILE:LINE:COL: message", domain list lines as
 * "LISTFILE:LINE: problem"); the load then fails once. */
#ifndef MAILCONFD_SETTINGS_H
#define MAILCONFD_SETTINGS_H

#include <stddef.h>

#include "buf.h"
#include "model.h"

/* Problems found by a load. Owner: the caller; settings_errors_free(). */
struct load_options; /* model_load.h */

struct settings_errors {
	struct buf text; /* one problem per line, each ending in '\n' */
	size_t count;	 /* every problem, also those past the listing cap */
	struct buf warnings; /* lines that do not fail the load */
};

#define SETTINGS_ERRORS_LISTED_MAX 1000

/* Loads the table in file (domain_files relative to its folder): the
 * first step of model_load(), which everyone else calls.
 * On success returns 0 and *out is a new model (one reference, the
 * caller's). On failure returns -1, *out is NULL and errs lists every
 * problem. errs must be zeroed by the caller before the first use. */
int settings_load(struct model **out, const char *file,
		  const struct load_options *lo, struct settings_errors *errs);

/* settings_load() on the text[0..len) of a table named file (for the
 * messages and relative paths); the fuzzer's entry. lo (may be NULL):
 * the key files read at start (keypair.h), and whether certificates and
 * keys are to be read at all (--dns reads none). */
int settings_load_text(struct model **out, const char *file, const char *text,
		       size_t len, const struct load_options *lo,
		       struct settings_errors *errs);

/* Adds one problem line (counted; listed up to the cap): every step of
 * building a model reports here (model_load.h). */
void settings_errors_add(struct settings_errors *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Adds one warning line: said, but the load does not fail for it. */
void settings_warn(struct settings_errors *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void settings_errors_free(struct settings_errors *errs);

#endif
