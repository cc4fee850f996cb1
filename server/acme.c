/* acme.c - the ACME worker and what the listeners ask of it (acme.h).
 *
 * Thread key. struct acme: immutable after acme_start() but for the
 * members marked otherwise. The worker thread owns struct worker (the
 * client, the account key, the index, the cursor); the listeners' threads
 * only call acme_certificate(), acme_want(), acme_challenge() and the
 * render functions, which touch the cache (its own lock), the state
 * folder (files written whole) and the members guarded by lock. */
#include "acme.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme_client.h"
#include "acme_key.h"
#include "acme_state.h"
#include "cert_index.h"
#include "hash.h"
#include "log.h"
#include "prom.h"

#define WANTED_SLOTS 4096 /* names queued lately: no file written again */
#define WANTED_TTL_S 60
#define PASS_S	     30 /* the longest the worker sleeps */
#define ARI_PER_PASS 100
#define ARI_AGAIN_S  (6 * 3600)

struct worker {
	struct acme_client *client; /* owned, NULL until the CA answered */
	gnutls_privkey_t account;   /* owned */
	struct cert_index *index;   /* owned */
	size_t cursor;		    /* issue "all": the next domain entry */
	long long client_retry;	    /* when to try the CA again */
};

struct acme {
	struct model_slot *slot;  /* borrowed */
	struct acme_state *st;	  /* owned */
	struct cert_cache *cache; /* owned; its own lock */
	pthread_t thread;
	atomic_int stop;
	pthread_mutex_t lock;
	pthread_cond_t wake;		   /* guarded by lock: a new want */
	uint64_t wanted[WANTED_SLOTS];	   /* guarded by lock */
	long long wanted_at[WANTED_SLOTS]; /* guarded by lock */
	int woken;			   /* guarded by lock */
	char last_failure[600];		   /* guarded by lock */
	size_t queued, backing_off, certificates; /* guarded by lock: the
						     last pass's counts */
	atomic_ulong issued, failed, paced, renewed, bad_nonces;
	struct worker w; /* the worker thread's only */
};

static long long now_s(void)
{
	return (long long)time(NULL);
}

/* --- what the listeners ask ------------------------------------------ */

/* Queues order key unless it was queued in the last WANTED_TTL_S. */
static void want_order(struct acme *a, const char *key)
{
	uint64_t h = fnv1a(FNV1A_INIT, key, strlen(key));
	size_t i = h & (WANTED_SLOTS - 1);
	long long now = now_s();
	int fresh;

	pthread_mutex_lock(&a->lock);
	fresh = a->wanted[i] != h || now - a->wanted_at[i] >= WANTED_TTL_S;
	if (fresh) {
		a->wanted[i] = h;
		a->wanted_at[i] = now;
	}
	pthread_mutex_unlock(&a->lock);
	if (!fresh || acme_state_queued(a->st, key))
		return;
	if (acme_state_enqueue(a->st, key) == 0) {
		pthread_mutex_lock(&a->lock);
		a->woken = 1;
		pthread_cond_signal(&a->wake);
		pthread_mutex_unlock(&a->lock);
	}
}

struct cert_entry *acme_certificate(struct acme *a, const struct model *m,
				    const char *sni)
{
	struct cert_names o;
	struct cert_entry *e;

	if (sni == NULL || !model_cert_order(m, sni, &o))
		return NULL;
	e = cert_cache_get(a->cache, o.key, time(NULL));
	if (e != NULL && cert_info_covers(cert_entry_info(e), sni))
		return e;
	cert_entry_release(e); /* none, or one without this name yet */
	want_order(a, o.key);
	return NULL;
}

void acme_want(struct acme *a, const struct model *m, const char *host)
{
	cert_entry_release(acme_certificate(a, m, host));
}

int acme_challenge(struct acme *a, const char *token, struct buf *out)
{
	return acme_state_challenge_get(a->st, token, out);
}

/* --- the worker ------------------------------------------------------ */

static int publish(void *cls, const char *token, const char *keyauth)
{
	return acme_state_challenge_put(cls, token, keyauth);
}

static void withdraw(void *cls, const char *token)
{
	acme_state_challenge_del(cls, token);
}

/* The names key stands for in m: 1, or 0 when it is hosted no more. */
static int order_names(const struct model *m, const char *key,
		       struct cert_names *o)
{
	const struct account *acc;

	if (key[0] != '\0' && strcmp(key, m->provider.service_host) == 0)
		return model_cert_order(m, key, o);
	if ((acc = model_find_domain(m, key)) == NULL)
		return 0;
	model_cert_domain(acc, key, o);
	return o->n > 0;
}

/* o's names as the pointers acme_client and cert_index take. */
static void name_list(const struct cert_names *o,
		      const char *names[CERT_NAMES_MAX])
{
	size_t i;

	for (i = 0; i < o->n; i++)
		names[i] = o->names[i];
}

/* 1 if the index has a certificate for o that needs nothing now. */
static int have(struct acme *a, const struct cert_names *o, long long now)
{
	const char *names[CERT_NAMES_MAX];
	struct cert_index_entry *e = cert_index_get(a->w.index, o->key);

	name_list(o, names);
	return e != NULL && e->not_after > now && e->renew_at > now &&
	       e->names == cert_names_hash(names, o->n);
}

/* Re-reads key's file (a replica may have written it) into the index. */
static void reindex(struct acme *a, const char *key, unsigned divisor)
{
	struct cert_entry *e = cert_cache_get(a->cache, key, time(NULL));

	if (e != NULL)
		cert_index_put(a->w.index, key, cert_entry_info(e), divisor);
	cert_entry_release(e);
}

static int client_ready(struct acme *a, const struct acme_conf *c)
{
	struct acme_problem p;
	char why[512];
	long long now = now_s();

	if (a->w.client != NULL)
		return 1;
	if (now < a->w.client_retry)
		return 0;
	a->w.client_retry = now + 60;
	if (a->w.account == NULL &&
	    acme_key_load_or_make(&a->w.account, acme_state_account_key(a->st),
				  why, sizeof(why)) < 0) {
		log_error("acme: %s", why);
		return 0;
	}
	a->w.client = acme_client_new(c->directory, c->ca_file, a->w.account,
				      c->contact, &a->stop, &p);
	if (a->w.client == NULL) {
		log_error("acme: %s: %s", c->directory, p.why);
		pthread_mutex_lock(&a->lock);
		snprintf(a->last_failure, sizeof(a->last_failure), "%s: %s",
			 c->directory, p.why);
		pthread_mutex_unlock(&a->lock);
	}
	return a->w.client != NULL;
}

static void note_failure(struct acme *a, const char *key,
			 const struct acme_problem *p,
			 const struct acme_conf *c)
{
	struct acme_failure f;

	acme_state_failed(a->st, key, p->why, p->retry_soon, now_s(),
			  c->retry_s, &f);
	atomic_fetch_add(&a->failed, 1);
	log_warn("acme: %s: %s (failure %u; next try in %lld s)", key, p->why,
		 f.failures, f.next - now_s());
	pthread_mutex_lock(&a->lock);
	snprintf(a->last_failure, sizeof(a->last_failure), "%s: %s", key,
		 p->why);
	pthread_mutex_unlock(&a->lock);
}

/* Orders o's certificate (the caller holds o's lock). 0 or -1. */
static int obtain(struct acme *a, const struct cert_names *o,
		  const char *replaces, int renewal, const struct acme_conf *c)
{
	const struct acme_challenge_ops ops = {
	    .cls = a->st, .publish = publish, .withdraw = withdraw};
	const char *names[CERT_NAMES_MAX];
	struct buf key = BUF_INIT, chain = BUF_INIT; /* freed below */
	struct acme_problem p;
	int rc = -1;

	name_list(o, names);
	log_info("acme: ordering %s (%zu names%s%s%s)", o->key, o->n,
		 renewal ? ", a renewal" : "", replaces ? ", replaces " : "",
		 replaces ? replaces : "");
	if (acme_client_obtain(a->w.client, names, o->n, replaces, &ops, &key,
			       &chain, &p) < 0) {
		note_failure(a, o->key, &p, c);
	} else if (acme_state_cert_write(a->st, o->key, &key, &chain, p.why,
					 sizeof(p.why)) < 0) {
		p.retry_soon = 1;
		note_failure(a, o->key, &p, c);
	} else {
		acme_state_succeeded(a->st, o->key);
		cert_cache_forget(a->cache, o->key);
		reindex(a, o->key, c->renew_divisor);
		atomic_fetch_add(renewal ? &a->renewed : &a->issued, 1);
		log_info("acme: %s: certificate stored", o->key);
		rc = 0;
	}
	if (key.data != NULL)
		memset(key.data, 0, key.len);
	buf_free(&key);
	buf_free(&chain);
	return rc;
}

enum attempt { DONE, SKIPPED, PACED };

/* One order's turn: not hosted, already there, backing off, another
 * process on it, or over the pace: nothing; else ordered. */
static enum attempt attempt(struct acme *a, const struct model *m,
			    const char *key, int renewal)
{
	const struct acme_conf *c = m->acme;
	struct cert_index_entry *e;
	struct acme_failure f;
	struct cert_names o;
	long long now = now_s(), next;
	int fd;
	const char *replaces = NULL;

	if (!order_names(m, key, &o)) {
		acme_state_dequeue(a->st, key); /* never a name not hosted */
		return SKIPPED;
	}
	if (have(a, &o, now)) {
		acme_state_dequeue(a->st, key);
		return DONE;
	}
	if (acme_state_failure(a->st, key, &f) && f.next > now)
		return SKIPPED;
	if ((fd = acme_state_lock(a->st, key)) < 0)
		return SKIPPED;		   /* a replica orders it */
	reindex(a, key, c->renew_divisor); /* what the replica wrote */
	e = cert_index_get(a->w.index, key);
	if (have(a, &o, now)) {
		acme_state_dequeue(a->st, key);
	} else if (renewal && e != NULL && e->certid[0] &&
		   acme_client_renewal_info(a->w.client) != NULL) {
		replaces = e->certid; /* ARI: exempt from the limits */
		obtain(a, &o, replaces, 1, c);
	} else if (!acme_state_pace(a->st, c->orders_per_window, c->window_s,
				    now, &next)) {
		acme_state_unlock(fd);
		atomic_fetch_add(&a->paced, 1);
		return PACED;
	} else {
		obtain(a, &o, NULL, renewal, c);
	}
	acme_state_unlock(fd);
	return DONE;
}

struct queue_walk {
	struct acme *a;
	const struct model *m;
	enum attempt last;
	size_t n;
};

static void queued_one(void *cls, const char *key)
{
	struct queue_walk *q = cls;

	q->n++;
	if (q->last != PACED && !atomic_load(&q->a->stop))
		q->last = attempt(q->a, q->m, key, 0);
}

/* issue "all": the hosted domains in the directory's order, from the
 * cursor, until the pace says stop; then the service host. */
static enum attempt all_domains(struct acme *a, const struct model *m)
{
	const char *name;
	size_t tried = 0;
	enum attempt r = DONE;

	if (m->provider.service_host[0] != '\0' &&
	    attempt(a, m, m->provider.service_host, 0) == PACED)
		return PACED;
	while (tried++ < m->n_domains && !atomic_load(&a->stop)) {
		if (a->w.cursor >= m->n_domains)
			a->w.cursor = 0;
		name = m->names.data + m->domains[a->w.cursor].name_off;
		if ((r = attempt(a, m, name, 0)) == PACED)
			return PACED;
		a->w.cursor++;
	}
	return r;
}

/* Asks the CA's renewalInfo for up to ARI_PER_PASS certificates due for
 * it: renew_at becomes a random time in the suggested window (RFC 9773
 * §4.2; a window in the past means now), never after the backstop. */
static void ari_pass(struct acme *a, long long now)
{
	size_t i, asked = 0, n = cert_index_count(a->w.index);
	long long start, end, at;
	long retry;

	if (acme_client_renewal_info(a->w.client) == NULL)
		return;
	for (i = 0; i < n && asked < ARI_PER_PASS; i++) {
		struct cert_index_entry *e = cert_index_at(a->w.index, i);
		if (e->certid[0] == '\0' || e->ari_next > now)
			continue;
		asked++;
		if (acme_client_ari(a->w.client, e->certid, &start, &end,
				    &retry) < 0) {
			e->ari_next = now + ARI_AGAIN_S;
			continue;
		}
		at = start +
		     (end > start ? (long long)(random() % (end - start)) : 0);
		if (at < e->renew_at)
			e->renew_at = at;
		e->ari_next = now + (retry > 0 ? retry : ARI_AGAIN_S);
	}
}

/* The renewals due: index entries at or past renew_at. */
static enum attempt renewals(struct acme *a, const struct model *m,
			     long long now)
{
	size_t i, n = cert_index_count(a->w.index);
	char key[256];

	for (i = 0; i < n && !atomic_load(&a->stop); i++) {
		struct cert_index_entry *e = cert_index_at(a->w.index, i);
		if (e->renew_at > now)
			continue;
		snprintf(key, sizeof(key), "%s", e->key);
		if (attempt(a, m, key, 1) == PACED)
			return PACED;
	}
	return DONE;
}

struct count_walk {
	long long now;
	size_t backing_off;
};

static void count_failure(void *cls, const char *order,
			  const struct acme_failure *f)
{
	struct count_walk *w = cls;

	(void)order;
	w->backing_off += f->next > w->now;
}

static void count_queued(void *cls, const char *order)
{
	(void)order;
	++*(size_t *)cls;
}

/* The gauges /metrics and /healthz show, from the folder. */
static void count(struct acme *a)
{
	struct count_walk w = {.now = now_s(), .backing_off = 0};
	size_t queued = 0;

	acme_state_each_failure(a->st, count_failure, &w);
	acme_state_each_queued(a->st, count_queued, &queued);
	pthread_mutex_lock(&a->lock);
	a->queued = queued;
	a->backing_off = w.backing_off;
	a->certificates = cert_index_count(a->w.index);
	pthread_mutex_unlock(&a->lock);
}

/* One pass over what is due: renewals, the queue, every domain. */
static void pass(struct acme *a, const struct model *m)
{
	struct queue_walk q = {.a = a, .m = m, .last = DONE, .n = 0};
	int all = m->acme->issue_all == 1 ||
		  (m->acme->issue_all < 0 && m->n_domains <= ACME_ALL_MAX);
	long long now = now_s();

	if (!client_ready(a, m->acme))
		return;
	ari_pass(a, now);
	if (renewals(a, m, now) != PACED) {
		acme_state_each_queued(a->st, queued_one, &q);
		if (q.last != PACED && all)
			all_domains(a, m);
	}
	atomic_store(&a->bad_nonces, acme_client_bad_nonces(a->w.client));
}

static void sleep_until_woken(struct acme *a, long s)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += s;
	pthread_mutex_lock(&a->lock);
	while (!a->woken && !atomic_load(&a->stop))
		if (pthread_cond_timedwait(&a->wake, &a->lock, &until) != 0)
			break;
	a->woken = 0;
	pthread_mutex_unlock(&a->lock);
}

static void *work(void *cls)
{
	struct acme *a = cls;
	struct model *m = model_slot_acquire(a->slot); /* released below */
	struct timespec t0, t1;
	size_t n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = cert_index_scan(a->w.index, acme_state_certs_dir(a->st),
			    m->acme ? m->acme->renew_divisor : 3);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("acme: %zu certificates in the state folder (read in %.2f s)",
		 n,
		 (double)(t1.tv_sec - t0.tv_sec) +
		     (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	model_unref(m);
	while (!atomic_load(&a->stop)) {
		m = model_slot_acquire(a->slot);
		if (m->acme != NULL)
			pass(a, m);
		model_unref(m);
		count(a);
		sleep_until_woken(a, PASS_S);
	}
	return NULL;
}

/* Frees what the worker left and a itself; its thread has ended or never
 * began. */
static void acme_free(struct acme *a)
{
	acme_client_free(a->w.client);
	if (a->w.account != NULL)
		gnutls_privkey_deinit(a->w.account);
	cert_index_free(a->w.index);
	cert_cache_free(a->cache);
	acme_state_free(a->st);
	pthread_cond_destroy(&a->wake);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

struct acme *acme_start(struct model_slot *slot, const struct model *m)
{
	struct acme *a = calloc(1, sizeof(*a)); /* main()'s, acme_stop() */
	char why[512] = "out of memory";

	if (a == NULL)
		return NULL;
	a->slot = slot;
	atomic_init(&a->stop, 0);
	if (pthread_mutex_init(&a->lock, NULL) != 0 ||
	    pthread_cond_init(&a->wake, NULL) != 0) {
		free(a); /* neither holds anything on Linux even when made */
		return NULL;
	}
	if ((a->st = acme_state_open(m->state_dir, 1, why, sizeof(why))) ==
		NULL ||
	    (a->cache = cert_cache_new(acme_state_certs_dir(a->st),
				       m->acme->cache)) == NULL ||
	    (a->w.index = cert_index_new()) == NULL ||
	    pthread_create(&a->thread, NULL, work, a) != 0) {
		log_error("acme: cannot start: %s", why);
		acme_free(a);
		return NULL;
	}
	return a;
}

void acme_stop(struct acme *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	atomic_store(&a->stop, 1);
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	acme_free(a);
}

/* --- --check, /healthz and /metrics ------------------------------------ */

static void say_failure(void *cls, const char *order,
			const struct acme_failure *f)
{
	long long wait = f->next - now_s();

	(void)cls;
	if (wait > 0)
		log_warn("acme: %s backs off %lld s more (failure %u): %s",
			 order, wait, f->failures, f->why);
}

void acme_check(const struct model *m)
{
	char why[256];
	struct acme_state *st = acme_state_open(m->state_dir, 0, why,
						sizeof(why)); /* freed below */

	if (st == NULL)
		return;
	acme_state_each_failure(st, say_failure, NULL);
	acme_state_free(st);
}

void acme_render_health(struct buf *out, struct acme *a)
{
	pthread_mutex_lock(&a->lock);
	buf_printf(out, "acme certificates %zu, queued %zu, backing off %zu\n",
		   a->certificates, a->queued, a->backing_off);
	if (a->last_failure[0] != '\0')
		buf_printf(out, "acme last failure: %s\n", a->last_failure);
	pthread_mutex_unlock(&a->lock);
}

void acme_render_metrics(struct buf *out, struct acme *a)
{
	size_t held, queued, backing, certs;
	unsigned long hits, loads;

	cert_cache_counts(a->cache, &held, &hits, &loads);
	pthread_mutex_lock(&a->lock);
	queued = a->queued;
	backing = a->backing_off;
	certs = a->certificates;
	pthread_mutex_unlock(&a->lock);
	buf_printf(out,
		   "# HELP mailconfd_acme_orders_total Certificate orders by "
		   "result.\n# TYPE mailconfd_acme_orders_total counter\n"
		   "mailconfd_acme_orders_total{result=\"issued\"} %lu\n"
		   "mailconfd_acme_orders_total{result=\"renewed\"} %lu\n"
		   "mailconfd_acme_orders_total{result=\"failed\"} %lu\n"
		   "mailconfd_acme_orders_total{result=\"paced\"} %lu\n"
		   "# HELP mailconfd_acme_bad_nonces_total The CA's badNonce "
		   "answers, signed again.\n"
		   "# TYPE mailconfd_acme_bad_nonces_total counter\n"
		   "mailconfd_acme_bad_nonces_total %lu\n",
		   atomic_load(&a->issued), atomic_load(&a->renewed),
		   atomic_load(&a->failed), atomic_load(&a->paced),
		   atomic_load(&a->bad_nonces));
	buf_printf(out,
		   "# HELP mailconfd_acme_orders Orders by state now.\n"
		   "# TYPE mailconfd_acme_orders gauge\n"
		   "mailconfd_acme_orders{state=\"queued\"} %zu\n"
		   "mailconfd_acme_orders{state=\"backing_off\"} %zu\n"
		   "# HELP mailconfd_acme_certificates Certificates in the "
		   "state folder.\n# TYPE mailconfd_acme_certificates gauge\n"
		   "mailconfd_acme_certificates %zu\n",
		   queued, backing, certs);
	buf_printf(out,
		   "# HELP mailconfd_acme_cache_certificates Parsed "
		   "certificates held for handshakes.\n"
		   "# TYPE mailconfd_acme_cache_certificates gauge\n"
		   "mailconfd_acme_cache_certificates %zu\n"
		   "# HELP mailconfd_acme_cache_total Handshake lookups: hits, "
		   "file reads.\n# TYPE mailconfd_acme_cache_total counter\n"
		   "mailconfd_acme_cache_total{result=\"hit\"} %lu\n"
		   "mailconfd_acme_cache_total{result=\"read\"} %lu\n",
		   held, hits, loads);
}
