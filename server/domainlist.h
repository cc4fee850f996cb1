/* domainlist.h - a domain list file: one domain per line, '#' starts a
 * comment, blank lines are ignored (SPEC §0 "domain_files"). */
#ifndef MAILCONFD_DOMAINLIST_H
#define MAILCONFD_DOMAINLIST_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* Called once per bad line: path, 1-based line number, reason. */
typedef void (*domainlist_report_fn)(void *cls, const char *path, size_t line,
				     const char *why);

/* Called with each piece of the file as it is read (the table's digest). */
typedef void (*domainlist_seen_fn)(void *cls, const char *data, size_t len);

/* Adds every domain of the list file at path to m with the defaults
 * account; a domain already in m is left as it is. Bad lines are reported
 * and skipped. The file is read in pieces of 1 MiB, never whole (a list
 * of 1,000,000 domains is 24 MB, as much again as the model keeps of it).
 * Returns the number of bad lines, or -1 with errno set: cannot read,
 * larger than max bytes (EFBIG), out of memory (ENOMEM). */
long domainlist_read(struct model *m, const char *path, size_t max,
		     domainlist_report_fn report, domainlist_seen_fn seen,
		     void *cls);

#endif
