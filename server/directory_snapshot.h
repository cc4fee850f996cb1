/* snapshot.h - the last good domain list of a directory source, kept in
 * the state directory (STATE_DIR/SOURCE.domains), so a daemon that starts
 * while its directory is down still serves (SPEC §7). */
#ifndef MAILCONFD_DIRECTORY_SNAPSHOT_H
#define MAILCONFD_DIRECTORY_SNAPSHOT_H

#include <stddef.h>

#include "buf.h"
#include "sources/source.h"

struct model;

/* Writes the domains m->domains[first..first+count) (the rows one source
 * added, in their order) to STATE_DIR/SOURCE.domains atomically (a
 * temporary file, fsync, rename), creating STATE_DIR (not its parents)
 * when missing: a header line with the time now, then "domain[\tentry]"
 * per line, the entry being the table's domain whose settings it has.
 * Written from the model in pieces of 1 MiB: never a second copy of a
 * large list in memory. Returns 0, or -1 with why set. */
int directory_snapshot_write(const char *state_dir, const char *source,
			     const struct model *m, size_t first, size_t count,
			     long long now, char *why, size_t n);

/* --check: can snapshots be written in STATE_DIR (it is a folder we may
 * write, or one we may create)? Returns 0, or -1 with why set. */
int directory_snapshot_check_dir(const char *state_dir, char *why, size_t n);

/* Reads STATE_DIR/SOURCE.domains, calling row() per line, and sets *when
 * to the time it was written. Returns the rows, or -1 with why set (no
 * snapshot, unreadable, or not one of ours). */
long directory_snapshot_read(const char *state_dir, const char *source,
			     source_row_fn row, void *cls, long long *when,
			     char *why, size_t n);

#endif
