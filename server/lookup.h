/* lookup.h - login lookups (SPEC §7) without holding up the HTTP
 * threads: the cache answers first; a miss becomes a job for a small pool
 * of worker threads (each with its own connection to the login source),
 * while the request's connection is suspended. The request is resumed
 * when the worker answers or at the lookup's deadline, whichever comes
 * first; without an answer it gets the table's login pattern (or a stale
 * cache entry when there is one), exactly as an unknown address does. */
#ifndef MAILCONFD_LOOKUP_H
#define MAILCONFD_LOOKUP_H

#include <stddef.h>

#include "address.h"
#include "directory.h"
#include "request.h"

#define LOOKUP_LOGIN_MAX 512
#define LOOKUP_QUEUE_MAX 1024 /* waiting jobs; beyond: the pattern */

struct lookup_job; /* shared by the request and the pool */

/* Starts the workers and the deadline timer. NULL on failure. */
struct lookup_pool *lookup_pool_start(struct directory *d, unsigned workers);

/* Answers every waiting request (pattern) and stops the threads; later
 * requests get the pattern at once. Before the HTTP servers stop. */
void lookup_pool_quiesce(struct lookup_pool *p);

/* Frees the pool, after the HTTP servers stopped (jobs still held by
 * requests live on their own references). NULL-safe. */
void lookup_pool_free(struct lookup_pool *p);

/* The cache's answer for a on model m: LOGIN_FOUND (copied into login),
 * LOGIN_PATTERN, or LOGIN_PENDING with *job set (one reference, the
 * caller's): the caller suspends its connection, then lookup_submit(). */
enum login_outcome lookup_prepare(struct directory *d, struct model *m,
				  const struct address *a, char *login,
				  size_t n, struct lookup_job **job);

/* Queues the job; resume(cls) is called once, from another thread, when
 * it has an outcome (answer or deadline). */
void lookup_submit(struct directory *d, struct lookup_job *job,
		   void (*resume)(void *cls), void *cls);

/* After the resume: LOGIN_FOUND (copied into login) or LOGIN_PATTERN. */
enum login_outcome lookup_result(struct directory *d, struct lookup_job *job,
				 char *login, size_t n);

/* Drops the caller's reference. NULL-safe. */
void lookup_release(struct directory *d, struct lookup_job *job);

#endif
