/* directory_lookup.c - the login lookup workers and their deadline timer
 * (directory_lookup.h). One mutex guards the queue, the pending list, the
 * in-flight map and the jobs' waiters; nobody calls a driver or the state
 * callback, or resumes a connection, while holding it.
 *
 * A job is one question to the directory. Requests that miss the cache
 * for an address already being asked wait on that job instead of asking
 * again (an expired popular entry would otherwise send one query per
 * waiting connection). */
#include "directory_lookup.h"

#include "hash.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "directory_cache.h"
#include "elapsed.h"
#include "log.h"
#include "model.h"
#include "prom.h"
#include "directory_conf.h"
#include "sources/source.h"
#include "strcopy.h"

#define MAP_BUCKETS 2048 /* in-flight jobs by address; a power of two */

static const double lookup_bounds_s[LOOKUP_BUCKETS] = {
    0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

/* Key, for this struct and the two below: [I] immutable after
 * creation, [a] atomic, [p] the pool's lock. */
struct waiter {
	struct waiter *next;	   /* [p] */
	void (*resume)(void *cls); /* [I] */
	void *cls;		   /* [I] */
};

struct lookup_job {
	struct lookup_job *next;	  /* [p] the work queue */
	struct lookup_job *pprev, *pnext; /* [p] the pending list */
	struct lookup_job *hnext;	  /* [p] the in-flight map's chain */
	atomic_int refs;		  /* [a] each request's, the pool's */
	atomic_int settled; /* [a] 1: outcome and login are final */
	int queued;	    /* [p] submitted to the pool once */
	int outcome;	    /* [p] LOGIN_FOUND or LOGIN_PATTERN; read without
			       the lock once settled is 1 */
	int stale; /* [I] a stale cache entry exists: stale_found, login */
	int stale_found;		    /* [I] */
	char login[LOOKUP_LOGIN_MAX];	    /* [p] as outcome */
	char stale_login[LOOKUP_LOGIN_MAX]; /* [I] */
	long long deadline_ms;		    /* [I] monotonic */
	uint64_t digest;	    /* [I] the login source's settings */
	struct model *model;	    /* [I] one reference: the settings */
	struct source_address addr; /* [I] */
	struct waiter *waiters;	    /* [p] owned list: requests to resume */
};

struct directory_pool {
	pthread_mutex_t lock;
	pthread_cond_t work, timer;	     /* [p] */
	struct lookup_job *head, *tail;	     /* [p] jobs not yet picked */
	size_t queued;			     /* [p] */
	struct lookup_job *pending;	     /* [p] jobs without an outcome */
	struct lookup_job *map[MAP_BUCKETS]; /* [p] pending jobs by address */
	int stopping;			     /* [p] */
	long long down_until_ms;     /* [p] after an outage: from the cache */
	unsigned backoff_s;	     /* [p] */
	unsigned timeouts_in_row;    /* [p] deadlines passed since the
					last answer: two mean down */
	long long refused_logged_ms; /* [p] note_refused() */
	unsigned long refused_unlogged; /* [p] refusals since that line */
	struct directory_cache *cache;	/* [I] borrowed; thread-safe */
	lookup_state_fn state;		/* [I] */
	void *state_cls;		/* [I] */
	struct lookup_stats stats;	/* [a] */
	pthread_t timer_thread;		/* [I] */
	unsigned n_workers;  /* [I] until quiesce, on main's thread */
	pthread_t workers[]; /* [I] n_workers */
};

#define REFUSED_LOG_MS 60000

static size_t bucket(const char *key)
{
	return (size_t)(fnv1a(FNV1A_INIT, key, strlen(key)) &
			(MAP_BUCKETS - 1));
}

static void job_free(struct lookup_job *j)
{
	model_unref(j->model);
	free(j);
}

/* Drops a reference; frees the job with the last. */
static void unref(struct lookup_job *j)
{
	if (atomic_fetch_sub(&j->refs, 1) == 1)
		job_free(j);
}

/* Under the lock: takes j off the pending list and the map. */
static void unlink_pending(struct directory_pool *p, struct lookup_job *j)
{
	struct lookup_job **link = &p->map[bucket(j->addr.full)];

	if (j->pprev)
		j->pprev->pnext = j->pnext;
	else if (p->pending == j)
		p->pending = j->pnext;
	if (j->pnext)
		j->pnext->pprev = j->pprev;
	j->pprev = j->pnext = NULL;
	while (*link != NULL && *link != j)
		link = &(*link)->hnext;
	if (*link == j)
		*link = j->hnext;
	j->hnext = NULL;
}

/* Under the lock: gives the job its outcome (found: login; else the
 * stale entry or the pattern) and hands back its waiters, whom the
 * caller resumes outside the lock (resume_waiters). NULL if it had one. */
static struct waiter *settle(struct directory_pool *p, struct lookup_job *j,
			     int found, const char *login)
{
	struct waiter *w;

	if (atomic_load(&j->settled))
		return NULL;
	unlink_pending(p, j);
	if (found) {
		str_copy(j->login, sizeof(j->login), login);
		j->outcome = LOGIN_FOUND;
	} else if (j->stale && j->stale_found) {
		str_copy(j->login, sizeof(j->login), j->stale_login);
		j->outcome = LOGIN_FOUND;
	} else {
		j->outcome = LOGIN_PATTERN;
	}
	atomic_store(&j->settled,
		     1); /* after the outcome: directory_lookup_result() */
	w = j->waiters;
	j->waiters = NULL;
	return w;
}

/* Resumes and frees the waiters settle() handed back, outside the lock. */
static void resume_waiters(struct waiter *w)
{
	struct waiter *next;

	for (; w != NULL; w = next) {
		next = w->next;
		w->resume(w->cls);
		free(w);
	}
}

/* The server refused a login query (SOURCE_BAD): not an outage, so the
 * state and last_success stay; logged at most once a minute (an address
 * a column's charset cannot hold does it for each such address). */
static void note_refused(struct directory_pool *p, const struct source_conf *s,
			 const char *why)
{
	long long now = elapsed_now_ms();
	unsigned long more = 0;
	int say;

	pthread_mutex_lock(&p->lock);
	p->timeouts_in_row = 0; /* an answer all the same */
	say = p->refused_logged_ms == 0 ||
	      now - p->refused_logged_ms >= REFUSED_LOG_MS;
	if (say) {
		more = p->refused_unlogged;
		p->refused_unlogged = 0;
		p->refused_logged_ms = now;
	} else {
		p->refused_unlogged++;
	}
	pthread_mutex_unlock(&p->lock);
	if (say)
		log_error("source %s: the server refused a login query: %s "
			  "(%lu more since the last such line); the table's "
			  "pattern was answered",
			  s->name, why, more);
}

/* The directory answered (rc of the driver's login()), or a lookup's
 * deadline passed without an answer (SOURCE_DOWN from the timer): down
 * at once, so /healthz says so and the next misses do not wait. */
static void note_state(struct directory_pool *p, const struct source_conf *s,
		       int rc, const char *why)
{
	int down = rc == SOURCE_DOWN, changed;

	if (rc == SOURCE_BAD) {
		note_refused(p, s, why);
		return;
	}
	pthread_mutex_lock(&p->lock);
	p->timeouts_in_row = 0; /* an answer, or the driver's own verdict */
	changed = down ? p->backoff_s == 0 : p->backoff_s != 0;
	if (down) {
		p->backoff_s = source_backoff(p->backoff_s, LOOKUP_RETRY_MAX_S);
		p->down_until_ms = elapsed_now_ms() + p->backoff_s * 1000LL;
	} else {
		p->backoff_s = 0;
		p->down_until_ms = 0;
	}
	pthread_mutex_unlock(&p->lock);
	if (changed || !down)
		p->state(s->name, !down, why, p->state_cls);
}

struct worker_conn {
	struct source_conn *conn; /* owned */
	const struct source_driver *drv;
	uint64_t digest;
};

/* Runs one lookup on the worker's connection. A connection opened before
 * that fails is opened again once: after a server restart every worker
 * holds a dead one, and that is no outage. */
static int run_lookup(struct worker_conn *w, const struct source_conf *s,
		      const struct source_address *a, struct buf *login,
		      char *why, size_t n)
{
	int rc, reused;

	if (w->conn != NULL && w->digest != s->digest) {
		w->drv->close(w->conn); /* the table changed */
		w->conn = NULL;
	}
	for (reused = w->conn != NULL;; reused = 0) {
		if (w->conn == NULL) {
			w->conn = s->drv->open(s, NULL, why, n);
			w->drv = s->drv;
			w->digest = s->digest;
			if (w->conn == NULL)
				return SOURCE_DOWN;
		}
		buf_reset(login);
		rc = s->drv->login(w->conn, s, a->values, login, why, n);
		if (rc != SOURCE_DOWN)
			return rc;
		w->drv->close(w->conn); /* in an unknown state */
		w->conn = NULL;
		if (!reused)
			return rc;
	}
}

/* Counts the driver's answer and caches it (found, not found, or a
 * value the column cannot hold: "no login"); an outage caches nothing. */
static void count_and_cache(struct directory_pool *p,
			    const struct source_conf *s,
			    const struct source_address *a, int rc,
			    const char *login)
{
	struct lookup_stats *st = &p->stats;
	long long now = elapsed_now_ms();

	if (rc == 1) {
		atomic_fetch_add(&st->found, 1);
		directory_cache_put(p->cache, a->full, s->digest, login,
				    now + s->cache_ttl * 1000ll);
	} else if (rc == 0 || rc == SOURCE_BAD) {
		/* a character the column cannot hold is "no login", not an
		 * outage (SPEC §7) */
		atomic_fetch_add(rc == 0 ? &st->not_found : &st->errors, 1);
		directory_cache_put(p->cache, a->full, s->digest, NULL,
				    now + s->negative_ttl * 1000ll);
	} else {
		atomic_fetch_add(&st->errors, 1);
	}
}

static void work_one(struct directory_pool *p, struct worker_conn *w,
		     struct lookup_job *j)
{
	const struct source_conf *s =
	    &j->model->directory->sources[j->model->directory->login_source];
	struct buf login = BUF_INIT; /* freed below */
	struct timespec t0;
	char why[512] = "";
	struct waiter *waiters;
	int rc;

	elapsed_start(&t0);
	rc = run_lookup(w, s, &j->addr, &login, why, sizeof(why));
	prom_histogram_add(p->stats.latency, lookup_bounds_s, LOOKUP_BUCKETS,
			   &p->stats.latency_sum_us, elapsed_us(&t0));
	if (rc == 1 && (login.len >= LOOKUP_LOGIN_MAX ||
			memchr(login.data, '\0', login.len) != NULL))
		rc = SOURCE_BAD; /* not a login we can hand on whole */
	count_and_cache(p, s, &j->addr, rc, login.data);
	note_state(p, s, rc, why);
	pthread_mutex_lock(&p->lock);
	waiters = settle(p, j, rc == 1, login.data);
	pthread_mutex_unlock(&p->lock);
	resume_waiters(waiters);
	unref(j); /* the pool's */
	buf_free(&login);
}

static void *worker(void *arg)
{
	struct directory_pool *p = arg;
	struct worker_conn w = {NULL, NULL, 0};
	struct lookup_job *j;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (!p->stopping && p->head == NULL)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stopping) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		j = p->head;
		p->head = j->next;
		if (p->head == NULL)
			p->tail = NULL;
		p->queued--;
		pthread_mutex_unlock(&p->lock);
		if (atomic_load(&j->settled)) /* its deadline passed queued */
			unref(j);
		else
			work_one(p, &w, j);
	}
	if (w.conn != NULL)
		w.drv->close(w.conn);
	return NULL;
}

/* Under the lock: the first pending job past its deadline, or NULL with
 * *next set to the earliest deadline (0: none pending). */
static struct lookup_job *expired(struct directory_pool *p, long long now,
				  long long *next)
{
	struct lookup_job *j;

	*next = 0;
	for (j = p->pending; j != NULL; j = j->pnext) {
		if (j->deadline_ms <= now)
			return j;
		if (*next == 0 || j->deadline_ms < *next)
			*next = j->deadline_ms;
	}
	return NULL;
}

static void *timer(void *arg)
{
	struct directory_pool *p = arg;
	struct lookup_job *j;
	struct waiter *waiters;
	struct timespec ts;
	long long next;

	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		j = expired(p, elapsed_now_ms(), &next);
		if (j != NULL) {
			const struct source_conf *s =
			    &j->model->directory
				 ->sources[j->model->directory->login_source];
			int second;
			waiters = settle(p, j, 0, NULL);
			atomic_fetch_add(&p->stats.timeouts, 1);
			atomic_fetch_add(&j->refs, 1); /* s is in its model */
			/* one slow answer (a cold connection) is no outage;
			 * two deadlines without any answer between are, and
			 * one more after a backoff is still one */
			second = ++p->timeouts_in_row >= 2 || p->backoff_s > 0;
			pthread_mutex_unlock(&p->lock);
			resume_waiters(waiters);
			if (second)
				note_state(p, s, SOURCE_DOWN,
					   "no answer within the lookup's "
					   "timeout_ms, twice");
			unref(j);
			pthread_mutex_lock(&p->lock);
		} else if (next == 0) {
			pthread_cond_wait(&p->timer, &p->lock);
		} else {
			ts.tv_sec = next / 1000;
			ts.tv_nsec = (next % 1000) * 1000000;
			pthread_cond_timedwait(&p->timer, &p->lock, &ts);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct directory_pool *directory_pool_start(struct directory_cache *cache,
					    unsigned workers,
					    lookup_state_fn state, void *cls)
{
	struct directory_pool *p; /* the caller's: directory_pool_free() */
	pthread_condattr_t ca;
	unsigned i;

	p = calloc(1, sizeof(*p) + workers * sizeof(pthread_t));
	if (p == NULL)
		return NULL;
	p->cache = cache;
	p->state = state;
	p->state_cls = cls;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->timer, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&p->work, NULL);
	if (pthread_create(&p->timer_thread, NULL, timer, p) != 0) {
		free(p);
		return NULL;
	}
	for (i = 0; i < workers; i++) {
		if (pthread_create(&p->workers[i], NULL, worker, p) != 0)
			break;
		p->n_workers++;
	}
	if (p->n_workers == 0) { /* the timer alone: stop it too */
		pthread_mutex_lock(&p->lock);
		p->stopping = 1;
		pthread_cond_broadcast(&p->timer);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->timer_thread, NULL);
		free(p);
		return NULL;
	}
	return p;
}

void directory_pool_quiesce(struct directory_pool *p)
{
	struct lookup_job *j, *next;
	struct waiter *waiters;
	unsigned i;

	if (p == NULL || p->n_workers == 0)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	while ((j = p->pending) != NULL) {
		waiters = settle(p, j, 0, NULL);
		pthread_mutex_unlock(&p->lock);
		resume_waiters(waiters);
		pthread_mutex_lock(&p->lock);
	}
	pthread_cond_broadcast(&p->work);
	pthread_cond_broadcast(&p->timer);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->n_workers; i++)
		pthread_join(p->workers[i], NULL);
	pthread_join(p->timer_thread, NULL);
	p->n_workers = 0;
	for (j = p->head; j != NULL; j = next) { /* never picked */
		next = j->next;
		unref(j);
	}
	p->head = p->tail = NULL;
	p->queued = 0;
}

void directory_pool_free(struct directory_pool *p)
{
	if (p == NULL)
		return;
	directory_pool_quiesce(p);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->timer);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* Under the lock: the pending job asking for key with the same settings,
 * or NULL. */
static struct lookup_job *in_flight(struct directory_pool *p, const char *key,
				    uint64_t digest)
{
	struct lookup_job *j = p->map[bucket(key)];

	while (j != NULL && (j->digest != digest || strcmp(j->addr.full, key)))
		j = j->hnext;
	return j;
}

/* A stale entry, or the pattern: what we have when no lookup may run. */
static enum login_outcome from_cache(struct directory_pool *p, int st,
				     int found)
{
	atomic_fetch_add(st == DIRECTORY_CACHE_STALE ? &p->stats.stale
						     : &p->stats.misses,
			 1);
	return st == DIRECTORY_CACHE_STALE && found ? LOGIN_FOUND
						    : LOGIN_PATTERN;
}

static struct lookup_job *new_job(struct model *m, const struct source_conf *s,
				  const struct source_address *sa, int st,
				  int found, const char *login, long long now)
{
	struct lookup_job *j = calloc(1, sizeof(*j)); /* refcounted */

	if (j == NULL)
		return NULL;
	atomic_init(&j->refs, 1); /* the request's */
	atomic_init(&j->settled, 0);
	j->model = model_ref(m);
	j->digest = s->digest;
	source_address(&j->addr, sa->local, sa->values[PARAM_DOMAIN]);
	j->deadline_ms = now + s->lookup_timeout_ms;
	if (st == DIRECTORY_CACHE_STALE) {
		j->stale = 1;
		j->stale_found = found;
		if (found)
			str_copy(j->stale_login, sizeof(j->stale_login), login);
	}
	return j;
}

enum login_outcome directory_lookup_prepare(struct directory_pool *p,
					    struct model *m,
					    const struct address *a,
					    char *login, size_t n,
					    struct lookup_job **job)
{
	const struct source_conf *s;
	struct source_address sa;
	struct lookup_job *j;
	long long now = elapsed_now_ms();
	int st, found, busy;

	*job = NULL;
	if (p == NULL || m->directory == NULL || m->directory->login_source < 0)
		return LOGIN_PATTERN;
	s = &m->directory->sources[m->directory->login_source];
	if (source_address(&sa, a->local, a->domain) < 0)
		return LOGIN_PATTERN; /* never sent: no such login */
	st = directory_cache_get(p->cache, sa.full, s->digest, now, login, n,
				 &found);
	if (st == DIRECTORY_CACHE_FRESH) /* counted by the cache */
		return found ? LOGIN_FOUND : LOGIN_PATTERN;
	pthread_mutex_lock(&p->lock);
	if ((j = in_flight(p, sa.full, s->digest)) != NULL) {
		atomic_fetch_add(&j->refs, 1); /* the request waits on it */
		pthread_mutex_unlock(&p->lock);
		atomic_fetch_add(&p->stats.coalesced, 1);
		*job = j;
		return LOGIN_PENDING;
	}
	busy = p->stopping || p->down_until_ms > now ||
	       p->queued >= LOOKUP_QUEUE_MAX;
	if (!p->stopping && p->queued >= LOOKUP_QUEUE_MAX)
		atomic_fetch_add(&p->stats.overflow, 1);
	pthread_mutex_unlock(&p->lock);
	if (busy) /* down, or too much waiting: what we have */
		return from_cache(p, st, found);
	atomic_fetch_add(&p->stats.misses, 1);
	j = new_job(m, s, &sa, st, found, login, now);
	if (j == NULL)
		return LOGIN_PATTERN;
	*job = j;
	return LOGIN_PENDING;
}

void directory_lookup_submit(struct directory_pool *p, struct lookup_job *j,
			     void (*resume)(void *cls), void *cls)
{
	struct waiter *w = malloc(sizeof(*w)); /* freed by resume_waiters() */
	struct lookup_job **head;

	pthread_mutex_lock(&p->lock);
	if (w == NULL || p->stopping || atomic_load(&j->settled)) {
		struct waiter *rest = settle(p, j, 0, NULL);
		pthread_mutex_unlock(&p->lock);
		resume_waiters(rest);
		free(w);
		resume(cls); /* it has its outcome */
		return;
	}
	w->resume = resume;
	w->cls = cls;
	w->next = j->waiters;
	j->waiters = w;
	if (!j->queued) {
		j->queued = 1;
		atomic_fetch_add(&j->refs, 1); /* the pool's */
		if (p->tail)
			p->tail->next = j;
		else
			p->head = j;
		p->tail = j;
		p->queued++;
		j->pnext = p->pending;
		if (p->pending)
			p->pending->pprev = j;
		p->pending = j;
		head = &p->map[bucket(j->addr.full)];
		j->hnext = *head;
		*head = j;
		pthread_cond_signal(&p->work);
		pthread_cond_signal(&p->timer);
	}
	pthread_mutex_unlock(&p->lock);
}

enum login_outcome directory_lookup_result(const struct lookup_job *j,
					   char *login, size_t n)
{
	enum login_outcome o;

	o = atomic_load(&j->settled) ? (enum login_outcome)j->outcome
				     : LOGIN_PATTERN;
	if (o == LOGIN_FOUND)
		str_copy(login, n, j->login);
	return o;
}

void directory_lookup_release(struct lookup_job *j)
{
	if (j != NULL)
		unref(j);
}

const struct lookup_stats *directory_pool_stats(const struct directory_pool *p)
{
	return &p->stats;
}

void directory_pool_render(struct buf *out, struct directory_pool *p,
			   const char *source)
{
	struct lookup_stats *st = &p->stats;
	const struct {
		const char *name;
		atomic_ulong *v;
	} counters[] = {
	    {"cache_misses", &st->misses}, {"cache_stale", &st->stale},
	    {"coalesced", &st->coalesced}, {"found", &st->found},
	    {"not_found", &st->not_found}, {"errors", &st->errors},
	    {"timeouts", &st->timeouts},   {"overflow", &st->overflow}};
	char labels[96];
	size_t i;

	buf_printf(out,
		   "# TYPE mailconfd_login_lookup_cache_hits_total counter\n"
		   "mailconfd_login_lookup_cache_hits_total{source=\"%s\"} "
		   "%lu\n",
		   source, directory_cache_hits(p->cache));
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		buf_printf(
		    out,
		    "# TYPE mailconfd_login_lookup_%s_total counter\n"
		    "mailconfd_login_lookup_%s_total{source=\"%s\"} %lu\n",
		    counters[i].name, counters[i].name, source,
		    atomic_load(counters[i].v));
	snprintf(labels, sizeof(labels), "source=\"%s\"", source);
	prom_histogram_render(out, "mailconfd_login_lookup_seconds",
			      "time the directory took to answer a login "
			      "lookup",
			      labels, lookup_bounds_s, st->latency,
			      LOOKUP_BUCKETS, &st->latency_sum_us);
	buf_printf(out,
		   "# TYPE mailconfd_login_cache_entries gauge\n"
		   "mailconfd_login_cache_entries{source=\"%s\"} %zu\n",
		   source, directory_cache_size(p->cache));
}
