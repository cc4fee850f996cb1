/* test_directory.c - the directory's pieces without a server: the login
 * cache (fresh, stale, negative, eviction of the oldest, reset, readers
 * on threads while one writes), the
 * snapshot file (written atomically, read back, refused when foreign),
 * the address as the directory is asked for it, and the lookup pool with
 * a fake driver (answer, not found, deadline, outage -> stale entry). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "directory.h"
#include "directory_conf.h"
#include "directory_cache.h"
#include "directory_lookup.h"
#include "model.h"
#include "directory_snapshot.h"
#include "sources/source.h"

static void cache_cases(void)
{
	struct directory_cache *c = directory_cache_new(2);
	char login[64];
	int found = -1;

	CHECK(c != NULL);
	CHECK(directory_cache_get(c, "a@x.example", 7, 0, login, sizeof(login),
				  &found) == DIRECTORY_CACHE_MISS);
	CHECK(directory_cache_put(c, "a@x.example", 7, "alogin", 1000) == 0);
	CHECK(directory_cache_put(c, "b@x.example", 7, NULL, 1000) == 0);
	CHECK(directory_cache_get(c, "a@x.example", 7, 999, login,
				  sizeof(login),
				  &found) == DIRECTORY_CACHE_FRESH);
	CHECK(found == 1);
	CHECK_STR(login, "alogin");
	CHECK(directory_cache_get(c, "a@x.example", 7, 1000, login,
				  sizeof(login),
				  &found) == DIRECTORY_CACHE_STALE);
	CHECK(found == 1); /* the stale value is still there */
	CHECK(directory_cache_get(c, "b@x.example", 7, 10, login, sizeof(login),
				  &found) == DIRECTORY_CACHE_FRESH);
	CHECK(found == 0); /* negative */
	/* a third key evicts the oldest written (a) */
	CHECK(directory_cache_put(c, "c@x.example", 7, "clogin", 1000) == 0);
	CHECK(directory_cache_get(c, "a@x.example", 7, 0, login, sizeof(login),
				  &found) == DIRECTORY_CACHE_MISS);
	CHECK(directory_cache_get(c, "c@x.example", 7, 0, login, sizeof(login),
				  &found) == DIRECTORY_CACHE_FRESH);
	CHECK(directory_cache_size(c) == 2);
	/* rewriting a key keeps one entry */
	CHECK(directory_cache_put(c, "c@x.example", 7, "c2", 2000) == 0);
	CHECK(directory_cache_size(c) == 2);
	directory_cache_get(c, "c@x.example", 7, 0, login, sizeof(login),
			    &found);
	CHECK_STR(login, "c2");
	/* an entry made with other login settings is never given out */
	CHECK(directory_cache_get(c, "c@x.example", 8, 0, login, sizeof(login),
				  &found) == DIRECTORY_CACHE_MISS);
	CHECK(directory_cache_put(c, "c@x.example", 8, "c3", 2000) == 0);
	CHECK(directory_cache_get(c, "c@x.example", 7, 0, login, sizeof(login),
				  &found) == DIRECTORY_CACHE_MISS);
	CHECK(directory_cache_get(c, "c@x.example", 8, 0, login, sizeof(login),
				  &found) == DIRECTORY_CACHE_FRESH);
	CHECK_STR(login, "c3");
	/* a capacity that cannot be had: empty, with the old capacity */
	CHECK(directory_cache_reset(c, (size_t)UINT32_MAX) == -1);
	CHECK(directory_cache_put(c, "e@x.example", 7, "e", 1000) == 0);
	CHECK(directory_cache_size(c) == 1);
	CHECK(directory_cache_get(c, "c@x.example", 8, 0, login, sizeof(login),
				  &found) == DIRECTORY_CACHE_MISS);
	CHECK(directory_cache_reset(c, 0) == 0);
	CHECK(directory_cache_put(c, "d@x.example", 7, "d", 1000) == 0);
	CHECK(directory_cache_get(c, "d@x.example", 7, 0, login, sizeof(login),
				  &found) == DIRECTORY_CACHE_MISS);
	CHECK(directory_cache_reset(c, 1000) == 0);
	for (int i = 0; i < 5000; i++) { /* the ring wraps many times */
		char k[32];
		snprintf(k, sizeof(k), "u%d@x.example", i);
		directory_cache_put(c, k, 7, k, 10);
	}
	CHECK(directory_cache_size(c) == 1000);
	CHECK(directory_cache_get(c, "u4999@x.example", 7, 0, login,
				  sizeof(login),
				  &found) == DIRECTORY_CACHE_FRESH);
	CHECK(directory_cache_get(c, "u3999@x.example", 7, 0, login,
				  sizeof(login),
				  &found) == DIRECTORY_CACHE_MISS);
	/* FRESH answers above: a, b, c, c2, c3, u4999; a reset kept them */
	CHECK(directory_cache_hits(c) == 6);
	directory_cache_free(c);
}

/* Readers on several threads (each locks its CPU's stripe) while one
 * writes and resets: every login given is the one written for that key,
 * and the hits counted are the FRESH answers the readers saw. */
struct race {
	struct directory_cache *c;
	unsigned long fresh; /* this reader's own */
	int wrong;
};

static void *race_reader(void *cls)
{
	struct race *r = cls;
	char key[32], login[64], want[64];
	int i, found;

	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "r%d@x.example", i % 50);
		snprintf(want, sizeof(want), "login-%d", i % 50);
		if (directory_cache_get(r->c, key, 7, 0, login, sizeof(login),
					&found) == DIRECTORY_CACHE_FRESH) {
			r->fresh++;
			r->wrong += !found || strcmp(login, want) != 0;
		}
	}
	return NULL;
}

static void cache_race(void)
{
	struct race r[4] = {{0}};
	pthread_t t[4];
	char key[32], login[64];
	unsigned long fresh = 0;
	int i, wrong = 0;

	r[0].c = directory_cache_new(32); /* fewer than the keys: evictions */
	CHECK(r[0].c != NULL);
	if (r[0].c == NULL)
		return;
	for (i = 1; i < 4; i++)
		r[i].c = r[0].c;
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, race_reader, &r[i]);
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "r%d@x.example", i % 50);
		snprintf(login, sizeof(login), "login-%d", i % 50);
		directory_cache_put(r[0].c, key, 7, login, 1000);
		if (i % 5000 == 4999)
			directory_cache_reset(r[0].c, 32);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		fresh += r[i].fresh;
		wrong += r[i].wrong;
	}
	CHECK(wrong == 0);
	CHECK(directory_cache_hits(r[0].c) == fresh);
	directory_cache_free(r[0].c);
}

struct seen {
	char text[4096];
};

static int collect(void *cls, const char *d, size_t dlen, const char *e,
		   size_t elen)
{
	struct seen *s = cls;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof(s->text) - n, "%.*s|%.*s;", (int)dlen, d,
		 e ? (int)elen : 1, e ? e : "-");
	return 0;
}

static int count_row(void *cls, const char *d, size_t dlen, const char *e,
		     size_t elen)
{
	(void)d;
	(void)dlen;
	(void)e;
	(void)elen;
	++*(long *)cls;
	return 0;
}

/* A source's 100,000 domains: the snapshot is written in pieces and
 * reads back whole. */
static void snapshot_large(const char *dir)
{
	struct model *m = model_new();
	char name[64], why[256], path[512];
	long long when;
	long rows = 0;
	int i, added = 0;

	for (i = 0; m != NULL && i < 100000; i++) {
		snprintf(name, sizeof(name), "customer-%d.example", i);
		added += model_add_domain(m, name, 0) == 0;
	}
	CHECK(added == 100000);
	CHECK(m != NULL && directory_snapshot_write(dir, "big", m, 0, 100000, 1,
						    why, sizeof(why)) == 0);
	CHECK(directory_snapshot_read(dir, "big", count_row, &rows, &when, why,
				      sizeof(why)) == 100000 &&
	      rows == 100000);
	snprintf(path, sizeof(path), "%s/big.domains", dir);
	unlink(path);
	model_unref(m);
}

/* The model of a table with one domain entry (premium.example, account
 * 1) and a source that added kunde.example and b.example (with the
 * entry). */
static struct model *snapshot_model(void)
{
	struct model *m = model_new();

	if (m == NULL ||
	    (m->overrides = calloc(1, sizeof(*m->overrides))) == NULL)
		return m;
	m->n_overrides = 1;
	CHECK(model_add_domain(m, "premium.example", 1) == 0);
	CHECK(model_add_domain(m, "kunde.example", 0) == 0);
	CHECK(model_add_domain(m, "b.example", 1) == 0);
	return m;
}

static void snapshot_cases(void)
{
	char dir[] = "/tmp/mailconfd-snap-XXXXXX", why[256], path[512];
	struct model *m = snapshot_model();
	struct seen s = {""};
	long long when;
	FILE *f;

	CHECK(m != NULL && m->n_overrides == 1);
	CHECK(mkdtemp(dir) != NULL);
	CHECK(directory_snapshot_read(dir, "panel", collect, &s, &when, why,
				      sizeof(why)) == -1);
	CHECK(strstr(why, "no snapshot") != NULL);
	CHECK(directory_snapshot_write(dir, "panel", m, 1, 2, 1700000000, why,
				       sizeof(why)) == 0);
	CHECK(directory_snapshot_read(dir, "panel", collect, &s, &when, why,
				      sizeof(why)) == 2);
	CHECK(when == 1700000000);
	CHECK_STR(s.text, "kunde.example|-;b.example|premium.example;");
	snprintf(path, sizeof(path), "%s/panel.domains.tmp", dir);
	CHECK(access(path, F_OK) != 0); /* renamed, not left */
	snprintf(path, sizeof(path), "%s/other.domains", dir);
	f = fopen(path, "w");
	fputs("kunde.example\n", f);
	fclose(f);
	CHECK(directory_snapshot_read(dir, "other", collect, &s, &when, why,
				      sizeof(why)) == -1);
	CHECK(strstr(why, "not a mailconfd snapshot") != NULL);
	unlink(path);
	snprintf(path, sizeof(path), "%s/panel.domains", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/state", dir); /* created if missing */
	CHECK(directory_snapshot_write(path, "panel", m, 1, 2, 1700000000, why,
				       sizeof(why)) == 0);
	CHECK(directory_snapshot_read(path, "panel", collect, &s, &when, why,
				      sizeof(why)) == 2);
	snprintf(path, sizeof(path), "%s/state/panel.domains", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/state", dir);
	rmdir(path);
	snapshot_large(dir);
	rmdir(dir);
	model_unref(m);
}

static void address_cases(void)
{
	struct source_address a;

	CHECK(source_address(&a, "Alice.Smith", "kunde.example") == 0);
	CHECK_STR(a.values[PARAM_ADDRESS], "alice.smith@kunde.example");
	CHECK_STR(a.values[PARAM_LOCALPART], "alice.smith");
	CHECK_STR(a.values[PARAM_DOMAIN], "kunde.example");
	CHECK(source_address(&a, "J\xc3\x96RG", "x.example") == 0);
	CHECK_STR(a.full, "j\xc3\x96rg@x.example"); /* ASCII only */
	CHECK(source_address(&a, "a\tb", "x.example") == -1);
	CHECK(source_address(&a, "", "x.example") == -1);
}

/* A fake login source: "slow@" sleeps past the deadline, "down@" is an
 * outage, "alice@" is found, anything else not found. */
static struct source_conn *fake_open(const struct source_conf *c, int *fail,
				     char *why, size_t n)
{
	(void)c;
	(void)fail;
	(void)why;
	(void)n;
	return (struct source_conn *)(uintptr_t)1;
}

static int fake_login(struct source_conn *conn, const struct source_conf *c,
		      const char *const values[SOURCE_PARAMS_MAX],
		      struct buf *out, char *why, size_t n)
{
	(void)conn;
	(void)c;
	if (strncmp(values[PARAM_ADDRESS], "slow", 4) == 0)
		usleep(600000);
	if (strncmp(values[PARAM_ADDRESS], "inflight@", 9) == 0) {
		usleep(50000); /* the table is reloaded meanwhile */
		return buf_puts(out, "old-settings-login") == 0 ? 1
								: SOURCE_BAD;
	}
	if (strncmp(values[PARAM_ADDRESS], "popular@", 8) == 0) {
		usleep(30000);
		return buf_puts(out, "popular-login") == 0 ? 1 : SOURCE_BAD;
	}
	if (strncmp(values[PARAM_ADDRESS], "down@", 5) == 0) {
		snprintf(why, n, "fake outage");
		return SOURCE_DOWN;
	}
	if (strncmp(values[PARAM_ADDRESS], "long@", 5) == 0) {
		for (int i = 0; i < LOOKUP_LOGIN_MAX; i++)
			buf_puts(out, "x");
		return 1;
	}
	if (strncmp(values[PARAM_ADDRESS], "alice@", 6) == 0)
		return buf_puts(out, "alice-login") == 0 ? 1 : SOURCE_BAD;
	return 0;
}

static void fake_close(struct source_conn *conn)
{
	(void)conn;
}

static const struct source_driver fake = {
    .open = fake_open, .login = fake_login, .close = fake_close};

struct waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int resumed;
};

static void on_resume(void *cls)
{
	struct waiter *w = cls;

	pthread_mutex_lock(&w->lock);
	w->resumed++;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/* Asks for local@kunde.example the way http.c does; returns the outcome
 * and the login. */
static enum login_outcome ask(struct directory_state *d, struct model *m,
			      const char *local, char *login, size_t n)
{
	struct address a;
	struct lookup_job *job = NULL;
	struct waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			   0};
	enum login_outcome o;

	memset(&a, 0, sizeof(a));
	snprintf(a.local, sizeof(a.local), "%s", local);
	snprintf(a.domain, sizeof(a.domain), "kunde.example");
	o = directory_lookup_prepare(d->pool, m, &a, login, n, &job);
	if (o != LOGIN_PENDING)
		return o;
	directory_lookup_submit(d->pool, job, on_resume, &w);
	pthread_mutex_lock(&w.lock);
	while (w.resumed == 0)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	o = directory_lookup_result(job, login, n);
	directory_lookup_release(job);
	CHECK(w.resumed == 1); /* exactly once */
	return o;
}

/* Three requests for an address being asked: one query, three answers. */
static void coalesce_cases(struct directory_state *d, struct model *m)
{
	struct waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			   0};
	struct lookup_job *jobs[3];
	struct address a;
	char login[LOOKUP_LOGIN_MAX];
	unsigned long found =
	    atomic_load(&directory_pool_stats(d->pool)->found);
	int i;

	memset(&a, 0, sizeof(a));
	snprintf(a.local, sizeof(a.local), "popular");
	snprintf(a.domain, sizeof(a.domain), "kunde.example");
	for (i = 0; i < 3; i++) {
		CHECK(directory_lookup_prepare(d->pool, m, &a, login,
					       sizeof(login),
					       &jobs[i]) == LOGIN_PENDING);
		directory_lookup_submit(d->pool, jobs[i], on_resume, &w);
	}
	CHECK(jobs[0] == jobs[1] && jobs[1] == jobs[2]);
	pthread_mutex_lock(&w.lock);
	while (w.resumed < 3)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	for (i = 0; i < 3; i++) {
		CHECK(directory_lookup_result(jobs[i], login, sizeof(login)) ==
		      LOGIN_FOUND);
		CHECK_STR(login, "popular-login");
		directory_lookup_release(jobs[i]);
	}
	CHECK(atomic_load(&directory_pool_stats(d->pool)->found) == found + 1);
	CHECK(atomic_load(&directory_pool_stats(d->pool)->coalesced) == 2);
}

/* Waits up to ms for the source's state to be up (1) or down (0). */
static int source_up(struct directory_state *d, int want, int ms)
{
	int up;

	for (;;) {
		pthread_mutex_lock(&d->lock);
		up = d->sources[0].up;
		pthread_mutex_unlock(&d->lock);
		if (up == want || ms <= 0)
			return up == want;
		usleep(10000);
		ms -= 10;
	}
}

/* Gives m a directory of one source, the login source, named "fake"
 * with the query "-" (the rest as in like, or zero); the model owns it. */
static struct source_conf *one_source(struct model *m,
				      const struct source_conf *like)
{
	struct source_conf *s;

	m->directory = calloc(1, sizeof(*m->directory));
	m->directory->sources = calloc(1, sizeof(*s));
	m->directory->n_sources = 1;
	m->directory->loaded = calloc(1, sizeof(*m->directory->loaded));
	m->directory->login_source = 0;
	s = &m->directory->sources[0];
	if (like != NULL)
		*s = *like;
	s->name = strdup("fake");
	s->logins_query = strdup("-");
	return s;
}

/* The login settings change while a lookup is in flight: its answer,
 * made with the old settings, is never served under the new ones. */
static void inflight_cases(struct directory_state *d, struct model *m)
{
	struct waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			   0};
	struct model *m2 = model_new();
	struct source_conf *s2;
	struct lookup_job *job = NULL;
	struct address a;
	char login[LOOKUP_LOGIN_MAX];

	m->directory->sources[0].cache_ttl = 60; /* the old answer lives */
	memset(&a, 0, sizeof(a));
	snprintf(a.local, sizeof(a.local), "inflight");
	snprintf(a.domain, sizeof(a.domain), "kunde.example");
	CHECK(directory_lookup_prepare(d->pool, m, &a, login, sizeof(login),
				       &job) == LOGIN_PENDING);
	directory_lookup_submit(d->pool, job, on_resume, &w);
	/* the reload: the same source with other settings (digest 43) */
	s2 = one_source(m2, &m->directory->sources[0]);
	s2->digest = 43;
	s2->cache_ttl = 60;
	directory_adopt(d, m2);
	pthread_mutex_lock(&w.lock);
	while (w.resumed == 0)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	directory_lookup_release(job);
	usleep(20000); /* the worker has recorded its answer */
	/* under the new settings the old answer is not in the cache: a
	 * lookup runs (a miss), it does not come back as a hit */
	unsigned long hits = directory_cache_hits(d->cache);
	unsigned long misses =
	    atomic_load(&directory_pool_stats(d->pool)->misses);
	job = NULL;
	CHECK(directory_lookup_prepare(d->pool, m2, &a, login, sizeof(login),
				       &job) == LOGIN_PENDING);
	CHECK(directory_cache_hits(d->cache) == hits);
	CHECK(atomic_load(&directory_pool_stats(d->pool)->misses) ==
	      misses + 1);
	directory_lookup_release(job);
	directory_adopt(d, m); /* back to the first settings */
	m->directory->sources[0].cache_ttl = 0;
	model_unref(m2);
}

static void pool_cases(void)
{
	struct model *m = model_new();
	struct directory_state d;
	char login[LOOKUP_LOGIN_MAX];
	struct source_conf *s;

	s = one_source(m, NULL);
	s->drv = &fake;
	s->lookup_timeout_ms = 100;
	s->cache_ttl = 0; /* every answer expires at once: stale next time */
	s->negative_ttl = 60;
	s->cache_size = 100;
	s->digest = 42;
	CHECK(directory_start(&d, 2) == 0);
	directory_adopt(&d, m);
	CHECK(ask(&d, m, "alice", login, sizeof(login)) == LOGIN_FOUND);
	CHECK_STR(login, "alice-login");
	CHECK(ask(&d, m, "bob", login, sizeof(login)) == LOGIN_PATTERN);
	/* a login too long to hand on whole is no login, never a cut one */
	CHECK(ask(&d, m, "long", login, sizeof(login)) == LOGIN_PATTERN);
	/* negative entry: answered from the cache, no lookup */
	CHECK(ask(&d, m, "bob", login, sizeof(login)) == LOGIN_PATTERN);
	CHECK(directory_cache_hits(d.cache) == 1);
	coalesce_cases(&d, m);
	inflight_cases(&d, m);
	/* past the deadline: the pattern, not a wait; one slow answer is no
	 * outage, a second deadline without an answer is (health), so the
	 * next misses do not wait either */
	CHECK(ask(&d, m, "slow", login, sizeof(login)) == LOGIN_PATTERN);
	CHECK(atomic_load(&directory_pool_stats(d.pool)->timeouts) == 1);
	usleep(20000); /* the timer has noted it */
	CHECK(source_up(&d, 1, 0));
	CHECK(ask(&d, m, "slow2", login, sizeof(login)) == LOGIN_PATTERN);
	CHECK(atomic_load(&directory_pool_stats(d.pool)->timeouts) == 2);
	CHECK(source_up(&d, 0, 200));
	CHECK(ask(&d, m, "slow3", login, sizeof(login)) == LOGIN_PATTERN);
	CHECK(atomic_load(&directory_pool_stats(d.pool)->timeouts) ==
	      2);		       /* no wait: not asked */
	CHECK(source_up(&d, 1, 2000)); /* the slow answers come: up again */
	usleep(100000);		       /* and both workers are free */
	/* alice's entry (the reloads emptied the cache; ttl 0: it expires
	 * at once); the directory down: the stale one */
	CHECK(ask(&d, m, "alice", login, sizeof(login)) == LOGIN_FOUND);
	CHECK(ask(&d, m, "down", login, sizeof(login)) == LOGIN_PATTERN);
	CHECK(ask(&d, m, "alice", login, sizeof(login)) == LOGIN_FOUND);
	CHECK_STR(login, "alice-login");
	CHECK(atomic_load(&directory_pool_stats(d.pool)->stale) ==
	      1); /* within the backoff */
	directory_stop(&d);
	CHECK(ask(&d, m, "carol", login, sizeof(login)) == LOGIN_PATTERN);
	directory_free(&d);
	model_unref(m);
}

int main(void)
{
	cache_cases();
	cache_race();
	snapshot_cases();
	address_cases();
	pool_cases();
	return check_done();
}
