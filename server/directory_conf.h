/* directory_conf.h - what the table says of the directory (SPEC §7):
 * its sources in the table's order, which one gives logins, the state
 * folder, and what loading each source's domains gave. Built by
 * settings_directory.c and directory_load.c into the model, immutable
 * once the model is in service; the backends see only their own
 * source_conf (sources/source.h). */
#ifndef MAILCONFD_DIRECTORY_CONF_H
#define MAILCONFD_DIRECTORY_CONF_H

#include <stddef.h>

#include "sources/source.h"

/* The table's "directory": its sources in the table's order. */
struct directory_conf {
	char *state_dir;	     /* owned: where snapshots are written */
	struct source_conf *sources; /* owned array */
	size_t n_sources;
	int login_source; /* index of the source with logins, or -1 */
	/* What loading the domains gave, per source (directory_load.c). */
	struct source_loaded {
		long rows;	   /* domains added; -1: not loaded */
		size_t skipped;	   /* rows that were not usable */
		int from_snapshot; /* the directory was down: the snapshot */
		long long snapshot_time; /* when that snapshot was taken */
		double seconds;		 /* how long the load took */
		char stamp[128]; /* the change detector's answer, or "" */
		char why[256];	 /* from_snapshot: why the source was down */
	} * loaded;		 /* owned array, n_sources */
};

/* Frees a directory and what it owns. NULL-safe. */
void directory_conf_free(struct directory_conf *d);

#endif
