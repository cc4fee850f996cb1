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

/* Adds every domain of the text data[0..len) to m with the defaults
 * account; a domain already in m is left as it is. Bad lines are reported
 * and skipped. Returns the number of bad lines, or -1 if out of memory. */
long domainlist_parse(struct model *m, const char *path, const char *data,
		      size_t len, domainlist_report_fn report, void *cls);

#endif
