/* lookup.c - the login lookup workers and their deadline timer
 * (lookup.h). One mutex guards the queue, the waiting list and the jobs'
 * shared fields; nobody calls a driver or resumes a connection while
 * holding it. */
#include "lookup.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "elapsed.h"
#include "log.h"
#include "login_cache.h"
#include "model.h"
#include "sources/source.h"

#define BACKOFF_MAX_S 30

struct lookup_job {
	struct lookup_job *next;	  /* the work queue */
	struct lookup_job *wprev, *wnext; /* the waiting list */
	atomic_int refs;		  /* the request's and the pool's */
	atomic_int resumed; /* the request has its outcome (set last) */
	int outcome;	    /* LOGIN_FOUND or LOGIN_PATTERN, once resumed */
	int stale; /* a stale cache entry exists: stale_found, stale_login */
	int stale_found;
	char login[LOOKUP_LOGIN_MAX];
	char stale_login[LOOKUP_LOGIN_MAX];
	long long deadline_ms;
	struct model *model; /* one reference: the source's settings */
	struct source_address addr;
	void (*resume)(void *cls);
	void *cls;
};

struct lookup_pool {
	pthread_mutex_t lock;
	pthread_cond_t work, timer;
	struct lookup_job *head, *tail; /* queue of jobs not yet picked */
	size_t queued;
	struct lookup_job *waiting; /* requests waiting for an outcome */
	int stopping;
	long long down_until_ms; /* after an outage: answer from the cache */
	unsigned backoff_s;
	struct directory *dir; /* borrowed from main() */
	pthread_t timer_thread;
	unsigned n_workers;
	pthread_t workers[]; /* n_workers */
};

static long long now_ms(void)
{
	return source_deadline(0);
}

static void job_free(struct lookup_job *j)
{
	model_unref(j->model);
	free(j);
}

/* Drops a reference; returns the job to free or NULL. */
static struct lookup_job *unref_locked(struct lookup_job *j)
{
	return atomic_fetch_sub(&j->refs, 1) == 1 ? j : NULL;
}

static void waiting_unlink(struct lookup_pool *p, struct lookup_job *j)
{
	if (j->wprev)
		j->wprev->wnext = j->wnext;
	else if (p->waiting == j)
		p->waiting = j->wnext;
	if (j->wnext)
		j->wnext->wprev = j->wprev;
	j->wprev = j->wnext = NULL;
}

/* Under the lock: gives the waiting request its outcome (found: login;
 * else the stale entry or the pattern). Returns 1 if it was waiting (the
 * caller then resumes it, outside the lock). */
static int settle(struct lookup_pool *p, struct lookup_job *j, int found,
		  const char *login)
{
	if (j->resumed)
		return 0;
	waiting_unlink(p, j);
	if (found) {
		snprintf(j->login, sizeof(j->login), "%s", login);
		j->outcome = LOGIN_FOUND;
	} else if (j->stale && j->stale_found) {
		snprintf(j->login, sizeof(j->login), "%s", j->stale_login);
		j->outcome = LOGIN_FOUND;
	} else {
		j->outcome = LOGIN_PATTERN;
	}
	atomic_store(&j->resumed, 1); /* after the outcome: lookup_result() */
	return 1;
}

/* The directory answered (rc of the driver's login()). */
static void note_state(struct lookup_pool *p, const struct source_conf *s,
		       int rc, const char *why)
{
	int down = rc == SOURCE_DOWN, changed;

	pthread_mutex_lock(&p->lock);
	changed = down ? p->backoff_s == 0 : p->backoff_s != 0;
	if (down) {
		p->backoff_s = p->backoff_s == 0 ? 1
			       : p->backoff_s * 2 > BACKOFF_MAX_S
				   ? BACKOFF_MAX_S
				   : p->backoff_s * 2;
		p->down_until_ms = now_ms() + p->backoff_s * 1000ll;
	} else {
		p->backoff_s = 0;
		p->down_until_ms = 0;
	}
	pthread_mutex_unlock(&p->lock);
	if (changed || !down)
		directory_set_state(p->dir, s->name, !down, why);
}

struct worker_conn {
	struct source_conn *conn; /* owned */
	const struct source_driver *drv;
	uint64_t digest;
};

/* Runs one lookup on the worker's connection. */
static int run_lookup(struct worker_conn *w, const struct source_conf *s,
		      const struct source_address *a, struct buf *login,
		      char *why, size_t n)
{
	int rc;

	if (w->conn != NULL && w->digest != s->digest) {
		w->drv->close(w->conn); /* the table changed */
		w->conn = NULL;
	}
	if (w->conn == NULL) {
		w->conn = s->drv->open(s, why, n);
		w->drv = s->drv;
		w->digest = s->digest;
		if (w->conn == NULL)
			return SOURCE_DOWN;
	}
	rc = s->drv->login(w->conn, s, a->values, login, why, n);
	if (rc == SOURCE_DOWN) {
		w->drv->close(w->conn); /* in an unknown state */
		w->conn = NULL;
	}
	return rc;
}

static void record(struct lookup_pool *p, const struct source_conf *s,
		   const struct source_address *a, int rc, const char *login)
{
	struct lookup_stats *st = &p->dir->stats;
	long long now = now_ms();

	if (rc == 1) {
		atomic_fetch_add(&st->found, 1);
		login_cache_put(p->dir->cache, a->full, login,
				now + s->cache_ttl * 1000ll);
	} else if (rc == 0 || rc == SOURCE_BAD) {
		/* a character the column cannot hold is "no login", not an
		 * outage (SPEC §7) */
		atomic_fetch_add(rc == 0 ? &st->not_found : &st->errors, 1);
		login_cache_put(p->dir->cache, a->full, NULL,
				now + s->negative_ttl * 1000ll);
	} else {
		atomic_fetch_add(&st->errors, 1);
	}
}

static void work_one(struct lookup_pool *p, struct worker_conn *w,
		     struct lookup_job *j)
{
	const struct source_conf *s =
	    &j->model->directory->sources[j->model->directory->login_source];
	struct buf login = BUF_INIT; /* freed below */
	struct timespec t0;
	char why[512] = "";
	void (*resume)(void *) = NULL;
	void *cls = NULL;
	struct lookup_job *gone;
	int rc;

	elapsed_start(&t0);
	rc = run_lookup(w, s, &j->addr, &login, why, sizeof(why));
	directory_lookup_latency(p->dir, elapsed_us(&t0));
	record(p, s, &j->addr, rc, login.data);
	note_state(p, s, rc, why);
	pthread_mutex_lock(&p->lock);
	if (settle(p, j, rc == 1, login.data)) {
		resume = j->resume;
		cls = j->cls;
	}
	gone = unref_locked(j);
	pthread_mutex_unlock(&p->lock);
	if (resume != NULL)
		resume(cls);
	if (gone != NULL)
		job_free(gone);
	buf_free(&login);
}

static void *worker(void *arg)
{
	struct lookup_pool *p = arg;
	struct worker_conn w = {NULL, NULL, 0};
	struct lookup_job *j, *gone;

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
		if (j->resumed) { /* its deadline passed in the queue */
			gone = unref_locked(j);
			pthread_mutex_unlock(&p->lock);
			if (gone != NULL)
				job_free(gone);
			continue;
		}
		pthread_mutex_unlock(&p->lock);
		work_one(p, &w, j);
	}
	if (w.conn != NULL)
		w.drv->close(w.conn);
	return NULL;
}

/* Under the lock: the first waiting job past its deadline, or NULL with
 * *next set to the earliest deadline (0: none waiting). */
static struct lookup_job *expired(struct lookup_pool *p, long long now,
				  long long *next)
{
	struct lookup_job *j;

	*next = 0;
	for (j = p->waiting; j != NULL; j = j->wnext) {
		if (j->deadline_ms <= now)
			return j;
		if (*next == 0 || j->deadline_ms < *next)
			*next = j->deadline_ms;
	}
	return NULL;
}

static void *timer(void *arg)
{
	struct lookup_pool *p = arg;
	struct lookup_job *j;
	struct timespec ts;
	long long next;
	void (*resume)(void *);
	void *cls;

	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		j = expired(p, now_ms(), &next);
		if (j != NULL) {
			settle(p, j, 0, NULL);
			resume = j->resume;
			cls = j->cls;
			atomic_fetch_add(&p->dir->stats.timeouts, 1);
			pthread_mutex_unlock(&p->lock);
			resume(cls);
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

struct lookup_pool *lookup_pool_start(struct directory *d, unsigned workers)
{
	struct lookup_pool *p; /* the caller's: lookup_pool_stop() */
	pthread_condattr_t ca;
	unsigned i;

	p = calloc(1, sizeof(*p) + workers * sizeof(pthread_t));
	if (p == NULL)
		return NULL;
	p->dir = d;
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

void lookup_pool_quiesce(struct lookup_pool *p)
{
	struct lookup_job *j, *next, *gone;
	unsigned i;

	if (p == NULL || p->n_workers == 0)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	while ((j = p->waiting) != NULL) {
		settle(p, j, 0, NULL);
		pthread_mutex_unlock(&p->lock);
		j->resume(j->cls);
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
		gone = unref_locked(j);
		if (gone != NULL)
			job_free(gone);
	}
	p->head = p->tail = NULL;
	p->queued = 0;
}

void lookup_pool_free(struct lookup_pool *p)
{
	if (p == NULL)
		return;
	lookup_pool_quiesce(p);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->timer);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* The cache, or the stale entry / pattern when no lookup may run now. */
static enum login_outcome cached(int found, const char *login, char *out,
				 size_t n)
{
	if (!found)
		return LOGIN_PATTERN;
	if (out != login)
		snprintf(out, n, "%s", login);
	return LOGIN_FOUND;
}

enum login_outcome lookup_prepare(struct directory *d, struct model *m,
				  const struct address *a, char *login,
				  size_t n, struct lookup_job **job)
{
	struct lookup_pool *p = d->pool;
	const struct source_conf *s;
	struct source_address sa;
	struct lookup_job *j;
	long long now = now_ms();
	int st, found, busy;

	*job = NULL;
	if (p == NULL || m->directory == NULL || m->directory->login_source < 0)
		return LOGIN_PATTERN;
	s = &m->directory->sources[m->directory->login_source];
	if (source_address(&sa, a->local, a->domain) < 0)
		return LOGIN_PATTERN; /* never sent: no such login */
	st = login_cache_get(d->cache, sa.full, now, login, n, &found);
	if (st == LOGIN_CACHE_FRESH) {
		atomic_fetch_add(&d->stats.hits, 1);
		return cached(found, login, login, n);
	}
	pthread_mutex_lock(&p->lock);
	busy = p->stopping || p->down_until_ms > now ||
	       p->queued >= LOOKUP_QUEUE_MAX;
	if (!p->stopping && p->queued >= LOOKUP_QUEUE_MAX)
		atomic_fetch_add(&d->stats.overflow, 1);
	pthread_mutex_unlock(&p->lock);
	if (busy) { /* down, or too much waiting: what we have */
		atomic_fetch_add(st == LOGIN_CACHE_STALE ? &d->stats.stale
							 : &d->stats.misses,
				 1);
		return st == LOGIN_CACHE_STALE ? cached(found, login, login, n)
					       : LOGIN_PATTERN;
	}
	atomic_fetch_add(&d->stats.misses, 1);
	j = calloc(1, sizeof(*j)); /* the request's and the pool's */
	if (j == NULL)
		return LOGIN_PATTERN;
	atomic_init(&j->refs, 1);
	atomic_init(&j->resumed, 0);
	j->model = model_ref(m);
	j->addr = sa;
	/* values point into the struct: point them into the copy */
	source_address(&j->addr, sa.local, sa.values[PARAM_DOMAIN]);
	j->deadline_ms = now + s->lookup_timeout_ms;
	if (st == LOGIN_CACHE_STALE) {
		j->stale = 1;
		j->stale_found = found;
		if (found)
			snprintf(j->stale_login, sizeof(j->stale_login), "%s",
				 login);
	}
	*job = j;
	return LOGIN_PENDING;
}

void lookup_submit(struct directory *d, struct lookup_job *j,
		   void (*resume)(void *cls), void *cls)
{
	struct lookup_pool *p = d->pool;
	int now_resume = 0;

	pthread_mutex_lock(&p->lock);
	j->resume = resume;
	j->cls = cls;
	if (p->stopping) {
		settle(p, j, 0, NULL);
		now_resume = 1;
	} else {
		atomic_fetch_add(&j->refs, 1); /* the pool's */
		if (p->tail)
			p->tail->next = j;
		else
			p->head = j;
		p->tail = j;
		p->queued++;
		j->wnext = p->waiting;
		if (p->waiting)
			p->waiting->wprev = j;
		p->waiting = j;
		pthread_cond_signal(&p->work);
		pthread_cond_signal(&p->timer);
	}
	pthread_mutex_unlock(&p->lock);
	if (now_resume)
		resume(cls);
}

enum login_outcome lookup_result(struct directory *d, struct lookup_job *j,
				 char *login, size_t n)
{
	enum login_outcome o;

	(void)d;
	o = atomic_load(&j->resumed) ? (enum login_outcome)j->outcome
				     : LOGIN_PATTERN;
	if (o == LOGIN_FOUND)
		snprintf(login, n, "%s", j->login);
	return o;
}

void lookup_release(struct directory *d, struct lookup_job *j)
{
	struct lookup_job *gone;

	(void)d;
	if (j == NULL)
		return;
	gone = unref_locked(j);
	if (gone != NULL)
		job_free(gone);
}
