/* settings.h - the settings table: a JSON file -> a validated model.
 *
 * The only file that reads the table with jansson. Every problem is
 * reported, one line each, as "FILE: /json/pointer: problem" (syntax
 * errors as "FILE:LINE:COL: message", domain list lines as
 * "LISTFILE:LINE: problem"); the load then fails once. */
#ifndef MAILCONFD_SETTINGS_H
#define MAILCONFD_SETTINGS_H

#include <stddef.h>

#include "model.h"
#include "settings_errors.h"

struct load_options; /* load_options.h */

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

#endif
