/* settings_errors.h - what building a model found: problems (the load
 * fails once, listing them all) and warnings (said, the load goes on).
 * Every step of model_load() reports here. */
#ifndef MAILCONFD_SETTINGS_ERRORS_H
#define MAILCONFD_SETTINGS_ERRORS_H

#include <stddef.h>

#include "buf.h"

/* Problems found by a load. Owner: the caller; settings_errors_free(). */
struct settings_errors {
	struct buf text; /* one problem per line, each ending in '\n' */
	size_t count;	 /* every problem, also those past the listing cap */
	struct buf warnings; /* lines that do not fail the load */
};

#define SETTINGS_ERRORS_LISTED_MAX 1000

/* Adds one problem line (counted; listed up to the cap). */
void settings_errors_add(struct settings_errors *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Adds one warning line: said, but the load does not fail for it. */
void settings_warn(struct settings_errors *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void settings_errors_free(struct settings_errors *errs);

#endif
