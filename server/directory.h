/* directory.h - the directory at run time (SPEC §7), owned by main():
 * each source's state (up, or down since when), the domain refresh
 * schedule with its change detector and backoff, the login cache and the
 * lookup workers, and what /healthz and /metrics say of them.
 *
 * The model holds what the table says of the sources (sources/source.h)
 * and what a load read; this holds what outlives a model. */
#ifndef MAILCONFD_DIRECTORY_H
#define MAILCONFD_DIRECTORY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "buf.h"
#include "model.h"

#define DIRECTORY_SOURCES_MAX 16
#define LOOKUP_BUCKETS	      12

struct login_cache;
struct lookup_pool;

struct source_status {
	char name[64];
	int gives_domains;
	int up;			/* 1 ok, 0 down */
	long long since;	/* wall clock: when up last changed */
	long long last_success; /* wall clock: the last load or lookup */
	long rows;		/* domains in service from it */
	int from_snapshot;	/* those came from its snapshot */
	double load_seconds;	/* the last read of its domains */
	char why[256];		/* why it is down */
	/* The refresh schedule: main()'s thread only. */
	long long next_check_ms; /* monotonic */
	unsigned backoff_s;
};

struct lookup_stats {
	atomic_ulong hits, misses, stale, coalesced, found, not_found, errors,
	    timeouts, overflow;
	atomic_ulong latency[LOOKUP_BUCKETS + 1]; /* last: +Inf */
	atomic_ullong latency_sum_us;
};

struct directory {
	pthread_mutex_t lock; /* guards sources[] and n_sources */
	struct source_status sources[DIRECTORY_SOURCES_MAX];
	size_t n_sources;
	struct login_cache *cache; /* owned */
	uint64_t cache_digest;	   /* the login settings its answers are of */
	char login_source[64];	   /* its name, "" when none (under lock) */
	struct lookup_pool *pool;  /* owned */
	struct lookup_stats stats;
};

/* Sets d up with its cache and workers. Returns 0 or -1 (logged). */
int directory_start(struct directory *d, unsigned workers);

/* Stops the workers (every waiting request is answered with the table's
 * pattern). Before the HTTP servers stop. */
void directory_stop(struct directory *d);

/* Frees what d owns. After the HTTP servers stopped. */
void directory_free(struct directory *d);

/* Takes the state of a model that went into service (start, reload,
 * refresh): its sources, what each load read, the login settings (the
 * cache is emptied when they changed). Logs each change of state. */
void directory_adopt(struct directory *d, const struct model *m);

/* A source went up or down (the lookup workers, the refresh): logged
 * once per change, not per request. */
void directory_set_state(struct directory *d, const char *name, int up,
			 const char *why);

/* main(): checks the sources whose refresh is due (their change
 * detector, or a full read when they have none). Returns 1 if the model
 * must be rebuilt; *wait_ms is set to the time until the next check
 * (-1: none). */
int directory_tick(struct directory *d, const struct model *m,
		   long long *wait_ms);

/* /healthz lines: one per source ("source NAME ok" or "source NAME stale
 * since T: why"). Returns 1 if every source is up. */
int directory_render_health(struct buf *out, struct directory *d);

/* /metrics: per source and the lookups. */
void directory_render_metrics(struct buf *out, struct directory *d);

/* Counts a lookup's duration (the workers). */
void directory_lookup_latency(struct directory *d, long long us);

#endif
