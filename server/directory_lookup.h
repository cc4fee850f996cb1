/* directory_lookup.h - login lookups (SPEC §7) without holding up the
 * HTTP threads: the cache answers first; a miss becomes a job for a small
 * pool of worker threads (each with its own connection to the login
 * source), while the request's connection is suspended. The request is
 * resumed when the worker answers or at the lookup's deadline, whichever
 * comes first; without an answer it gets the table's login pattern (or a
 * stale cache entry when there is one), exactly as an unknown address
 * does.
 *
 * A layer of its own (STYLE: a layer does not reach back up): it gets the
 * cache and a callback for the source's state at start, owns its
 * counters and renders them, and its calls take the pool or the job. */
#ifndef MAILCONFD_DIRECTORY_LOOKUP_H
#define MAILCONFD_DIRECTORY_LOOKUP_H

#include <stdatomic.h>
#include <stddef.h>

#include "address.h"
#include "buf.h"
#include "model.h"
#include "request.h"

#define LOOKUP_LOGIN_MAX 512
#define LOOKUP_QUEUE_MAX 1024 /* waiting jobs; beyond: the pattern */
#define LOOKUP_BUCKETS	 12   /* latency histogram (directory_lookup.c) */
#define LOOKUP_RETRY_MAX_S                                                     \
	30 /* after an outage, misses answer without                           \
	      asking for at most this long at a time */

struct directory_cache;
struct directory_pool;
struct lookup_job; /* shared by the request and the pool */

/* What the pool counts (cache hits: the cache, directory_cache_hits()).
 * Key: [a] every member atomic. */
struct lookup_stats {
	atomic_ulong misses, stale, coalesced, found, not_found, errors,
	    timeouts, overflow;
	atomic_ulong latency[LOOKUP_BUCKETS + 1]; /* last: +Inf */
	atomic_ullong latency_sum_us;
};

/* The source's state changed (an outage, or an answer after one); called
 * from the pool's threads, never under the pool's lock. */
typedef void (*lookup_state_fn)(const char *source, int up, const char *why,
				void *cls);

/* Starts the workers and the deadline timer; cache is borrowed and must
 * outlive the pool. NULL on failure. */
struct directory_pool *directory_pool_start(struct directory_cache *cache,
					    unsigned workers,
					    lookup_state_fn state, void *cls);

/* Answers every waiting request (pattern) and stops the threads; later
 * requests get the pattern at once. Before the HTTP servers stop. */
void directory_pool_quiesce(struct directory_pool *p);

/* Frees the pool, after the HTTP servers stopped (jobs still held by
 * requests live on their own references). NULL-safe. */
void directory_pool_free(struct directory_pool *p);

/* The cache's answer for a on model m: LOGIN_FOUND (copied into login),
 * LOGIN_PATTERN, or LOGIN_PENDING with *job set (one reference, the
 * caller's): the caller suspends its connection, then
 * directory_lookup_submit(). */
enum login_outcome directory_lookup_prepare(struct directory_pool *p,
					    struct model *m,
					    const struct address *a,
					    char *login, size_t n,
					    struct lookup_job **job);

/* Queues the job; resume(cls) is called once, from another thread, when
 * it has an outcome (answer or deadline). */
void directory_lookup_submit(struct directory_pool *p, struct lookup_job *job,
			     void (*resume)(void *cls), void *cls);

/* After the resume: LOGIN_FOUND (copied into login) or LOGIN_PATTERN. */
enum login_outcome directory_lookup_result(const struct lookup_job *job,
					   char *login, size_t n);

/* Drops the caller's reference. NULL-safe. */
void directory_lookup_release(struct lookup_job *job);

/* The counters (for tests; read with atomic_load). */
const struct lookup_stats *directory_pool_stats(const struct directory_pool *p);

/* /metrics: the counters and the latency histogram, labelled with the
 * login source's name. */
void directory_pool_render(struct buf *out, struct directory_pool *p,
			   const char *source);

#endif
