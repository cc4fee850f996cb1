/* directory_load.h - the step of building a model that reads the
 * directory's domains (SPEC §7): each source read whole, or, when it is
 * down, its last good snapshot. */
#ifndef MAILCONFD_DIRECTORY_LOAD_H
#define MAILCONFD_DIRECTORY_LOAD_H

#include "load_options.h"
#include "settings_errors.h"

struct model;

/* Adds every source's domains to m (the table's own entries win) and
 * records per source what was read in m->directory->loaded. Rows that
 * are not usable (not a domain name, a duplicate, an unknown entry) are
 * skipped and reported as warnings, the first few each; a query the
 * server refuses, or an outage with no snapshot, is a problem. */
void directory_load(struct model *m, const struct load_options *o,
		    struct settings_errors *errs);

/* --check: runs the login query once (for postmaster@ the first hosted
 * domain) and says what it gave, or the problem. */
void directory_check_logins(const struct model *m,
			    struct settings_errors *errs);

#endif
