/* directory.h - the directory at run time (SPEC §7), owned by main():
 * each source's state (up, or down since when), the domain refresh
 * schedule with its change detector and backoff, the login cache and the
 * lookup pool (directory_lookup.h), and what /healthz and /metrics say of
 * them.
 *
 * The model holds what the table says of the sources (directory_conf.h)
 * and what a load read; this holds what outlives a model. */
#ifndef MAILCONFD_DIRECTORY_H
#define MAILCONFD_DIRECTORY_H

#include <pthread.h>
#include <stdint.h>

#include "buf.h"
#include "model.h"

#define DIRECTORY_SOURCES_MAX 16
#define REFRESH_RETRY_MAX_S                                                    \
	60 /* a refresh that found its source down                             \
	      is retried after at most this long */

struct directory_cache;
struct directory_pool;

/* One source's state. Key: [l] directory_state.lock, [M] main()'s
 * thread only (the refresh schedule). */
struct source_status {
	char name[64];		 /* [l] */
	int gives_domains;	 /* [l] */
	int up;			 /* [l] 1 ok, 0 down */
	long long since;	 /* [l] wall clock: when up last changed */
	long long last_success;	 /* [l] wall clock: the last load or lookup */
	long rows;		 /* [l] domains in service from it */
	int from_snapshot;	 /* [l] those came from its snapshot */
	double load_seconds;	 /* [l] the last read of its domains */
	char why[256];		 /* [l] why it is down */
	long long next_check_ms; /* [M] monotonic */
	unsigned backoff_s;	 /* [M] */
};

/* Key: [I] immutable between directory_start() and directory_free(),
 * [l] lock, [M] main()'s thread only. sources[] and n_sources are written
 * by main() under the lock (directory_adopt); main() may read them without
 * it, being their only writer (directory_tick). */
struct directory_state {
	pthread_mutex_t lock;
	struct source_status sources[DIRECTORY_SOURCES_MAX]; /* [l] */
	size_t n_sources;				     /* [l] */
	struct directory_cache *cache; /* [I] owned; thread-safe itself */
	uint64_t cache_digest;	       /* [M] the login settings it holds */
	char login_source[64];	       /* [l] its name, "" when none */
	struct directory_pool *pool;   /* [I] owned; thread-safe itself */
};

/* Sets d up with its cache and workers. Returns 0 or -1 (logged). */
int directory_start(struct directory_state *d, unsigned workers);

/* Stops the workers (every waiting request is answered with the table's
 * pattern). Before the HTTP servers stop. */
void directory_stop(struct directory_state *d);

/* Frees what d owns. After the HTTP servers stopped. */
void directory_free(struct directory_state *d);

/* Takes the state of a model that went into service (start, reload,
 * refresh): its sources, what each load read, the login settings (the
 * cache is emptied when they changed). Logs each change of state. */
void directory_adopt(struct directory_state *d, const struct model *m);

/* A source went up or down (the lookup pool, the refresh): logged once
 * per change, not per request. The pool's lookup_state_fn. */
void directory_set_state(const char *name, int up, const char *why, void *d);

/* main(): checks the sources whose refresh is due (their change
 * detector, or a full read when they have none). Returns 1 if the model
 * must be rebuilt; *wait_ms is set to the time until the next check
 * (-1: none). */
int directory_tick(struct directory_state *d, const struct model *m,
		   long long *wait_ms);

/* /healthz lines: one per source ("source NAME ok" or "source NAME stale
 * since T: why"). Returns 1 if every source is up. */
int directory_render_health(struct buf *out, struct directory_state *d);

/* /metrics: per source, and the lookups of the login source. */
void directory_render_metrics(struct buf *out, struct directory_state *d);

#endif
