/* directory.c - the directory at run time (directory.h). */
#include "directory.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "directory_cache.h"
#include "directory_lookup.h"
#include "elapsed.h"
#include "log.h"
#include "directory_conf.h"
#include "sources/source.h"

int directory_start(struct directory_state *d, unsigned workers)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	d->cache = directory_cache_new(0);
	d->pool = d->cache ? directory_pool_start(d->cache, workers,
						  directory_set_state, d)
			   : NULL;
	if (d->pool == NULL) {
		log_error("cannot start the login lookup threads");
		directory_cache_free(d->cache);
		d->cache = NULL;
		return -1;
	}
	return 0;
}

void directory_stop(struct directory_state *d)
{
	directory_pool_quiesce(d->pool);
}

void directory_free(struct directory_state *d)
{
	directory_pool_free(d->pool);
	directory_cache_free(d->cache);
	d->pool = NULL;
	d->cache = NULL;
	pthread_mutex_destroy(&d->lock);
}

static struct source_status *find(struct directory_state *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n_sources; i++)
		if (strcmp(d->sources[i].name, name) == 0)
			return &d->sources[i];
	return NULL;
}

/* Under the lock: sets the state, logs a change. */
static void status_set(struct source_status *s, int up, const char *why)
{
	long long now = (long long)time(NULL);

	if (up)
		s->last_success = now;
	if (s->up == up)
		return;
	s->up = up;
	s->since = now;
	snprintf(s->why, sizeof(s->why), "%.*s", (int)sizeof(s->why) - 1,
		 up ? "" : why);
	if (up)
		log_info("source %s: up again", s->name);
	else
		log_error("source %s: down (%s); serving what was loaded "
			  "before and the login cache",
			  s->name, why);
}

void directory_set_state(const char *name, int up, const char *why, void *cls)
{
	struct directory_state *d = cls;
	struct source_status *s;

	pthread_mutex_lock(&d->lock);
	if ((s = find(d, name)) != NULL)
		status_set(s, up, why);
	pthread_mutex_unlock(&d->lock);
}

/* The status of source i of the new model: carried over by name. */
static void adopt_source(struct directory_state *d, struct source_status *fresh,
			 const struct directory_conf *dc, size_t i)
{
	const struct source_conf *c = &dc->sources[i];
	const struct source_loaded *l = &dc->loaded[i];
	struct source_status *old = find(d, c->name);

	if (old != NULL)
		*fresh = *old;
	else {
		memset(fresh, 0, sizeof(*fresh));
		snprintf(fresh->name, sizeof(fresh->name), "%s", c->name);
		fresh->up = 1;
		fresh->since = (long long)time(NULL);
	}
	fresh->gives_domains = c->domains_query != NULL;
	if (!fresh->gives_domains || l->rows < 0)
		return;
	fresh->rows = l->rows;
	fresh->from_snapshot = l->from_snapshot;
	fresh->load_seconds = l->seconds;
	if (l->from_snapshot)
		status_set(fresh, 0, l->why);
	else
		status_set(fresh, 1, "");
	if (fresh->next_check_ms == 0 || !l->from_snapshot) {
		fresh->backoff_s = 0;
		fresh->next_check_ms =
		    c->refresh ? elapsed_now_ms() + c->refresh * 1000LL : 0;
	}
}

void directory_adopt(struct directory_state *d, const struct model *m)
{
	const struct directory_conf *dc = m->directory;
	struct source_status fresh[DIRECTORY_SOURCES_MAX];
	const struct source_conf *login = NULL;
	size_t i, n = dc ? dc->n_sources : 0;

	if (n > DIRECTORY_SOURCES_MAX)
		n = DIRECTORY_SOURCES_MAX;
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < n; i++)
		adopt_source(d, &fresh[i], dc, i);
	memcpy(d->sources, fresh, n * sizeof(fresh[0]));
	d->n_sources = n;
	if (dc != NULL && dc->login_source >= 0)
		login = &dc->sources[dc->login_source];
	snprintf(d->login_source, sizeof(d->login_source), "%s",
		 login ? login->name : "");
	pthread_mutex_unlock(&d->lock);
	if (d->cache != NULL &&
	    (login ? login->digest : 0) != d->cache_digest) {
		/* other login settings: the old answers are not theirs */
		if (directory_cache_reset(d->cache,
					  login ? login->cache_size : 0) < 0)
			log_error("login cache: out of memory; caching "
				  "nothing");
		d->cache_digest = login ? login->digest : 0;
	}
}

/* Checks one source: connects, and compares its change detector's answer
 * with the loaded stamp (no detector: a rebuild). Returns 1 to rebuild, 0
 * not, -1 down. */
static int check_source(const struct source_conf *c,
			const struct source_loaded *l, char *why, size_t n)
{
	struct source_conn *conn;
	struct buf stamp = BUF_INIT; /* freed below */
	int rc;

	if ((conn = c->drv->open(c, NULL, why, n)) == NULL)
		return -1; /* down: back off, whether it has a detector or not
			    */
	if (c->changed_query == NULL) {
		c->drv->close(conn); /* reachable: read it all */
		return 1;
	}
	rc = c->drv->changed(conn, c, &stamp, why, n);
	c->drv->close(conn);
	if (rc == 0)
		rc = l->from_snapshot ||
		     strcmp(stamp.data ? stamp.data : "", l->stamp) != 0;
	else if (rc == SOURCE_DOWN)
		rc = -1;
	else /* the server refused the detector: read it all */
		rc = 1;
	buf_free(&stamp);
	return rc;
}

static void schedule(struct source_status *s, const struct source_conf *c,
		     int down)
{
	if (down) {
		s->backoff_s = source_backoff(s->backoff_s,
					      c->refresh < REFRESH_RETRY_MAX_S
						  ? c->refresh
						  : REFRESH_RETRY_MAX_S);
		s->next_check_ms = elapsed_now_ms() + s->backoff_s * 1000LL;
	} else {
		s->backoff_s = 0;
		s->next_check_ms = elapsed_now_ms() + c->refresh * 1000LL;
	}
}

int directory_tick(struct directory_state *d, const struct model *m,
		   long long *wait_ms)
{
	const struct directory_conf *dc = m->directory;
	long long now = elapsed_now_ms(), next = -1;
	int rebuild = 0, rc;
	size_t i;
	char why[512];

	for (i = 0; dc != NULL && i < dc->n_sources && i < d->n_sources; i++) {
		const struct source_conf *c = &dc->sources[i];
		struct source_status *s = &d->sources[i];
		if (c->domains_query == NULL || c->refresh == 0)
			continue;
		if (s->next_check_ms <= now) {
			rc = check_source(c, &dc->loaded[i], why, sizeof(why));
			schedule(s, c, rc < 0);
			if (rc < 0)
				directory_set_state(c->name, 0, why, d);
			else if (!dc->loaded[i].from_snapshot)
				directory_set_state(c->name, 1, "", d);
			rebuild |= rc == 1;
		}
		if (next < 0 || s->next_check_ms < next)
			next = s->next_check_ms;
	}
	*wait_ms = next < 0 ? -1 : next > now ? next - now : 0;
	return rebuild;
}

int directory_render_health(struct buf *out, struct directory_state *d)
{
	size_t i;
	int all = 1;

	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->n_sources; i++) {
		const struct source_status *s = &d->sources[i];
		if (s->up)
			buf_printf(out, "source %s ok\n", s->name);
		else
			buf_printf(out, "source %s stale since %lld: %s\n",
				   s->name, s->since, s->why);
		all &= s->up;
	}
	pthread_mutex_unlock(&d->lock);
	return all;
}

static void render_sources(struct buf *out, struct directory_state *d)
{
	static const char *const names[] = {
	    "up", "last_success_timestamp_seconds", "domains",
	    "refresh_duration_seconds", "from_snapshot"};
	static const char *const help[] = {
	    "1 if the source answered its last query",
	    "when the source last answered (Unix time)",
	    "domains in service from the source",
	    "how long the last read of its domains took",
	    "1 if its domains come from the snapshot"};
	size_t k, i;

	for (k = 0; k < 5; k++) {
		buf_printf(out,
			   "# HELP mailconfd_source_%s %s\n"
			   "# TYPE mailconfd_source_%s gauge\n",
			   names[k], help[k], names[k]);
		for (i = 0; i < d->n_sources; i++) {
			const struct source_status *s = &d->sources[i];
			/* integers printed whole: a %g timestamp has six
			 * digits and lies by up to half an hour */
			long long v[5] = {s->up, s->last_success, s->rows, 0,
					  s->from_snapshot};
			buf_printf(out, "mailconfd_source_%s{source=\"%s\"} ",
				   names[k], s->name);
			if (k == 3)
				buf_printf(out, "%.6f\n", s->load_seconds);
			else
				buf_printf(out, "%lld\n", v[k]);
		}
	}
}

void directory_render_metrics(struct buf *out, struct directory_state *d)
{
	char src[sizeof(d->login_source)];

	pthread_mutex_lock(&d->lock);
	render_sources(out, d);
	memcpy(src, d->login_source, sizeof(src));
	pthread_mutex_unlock(&d->lock);
	if (src[0] != '\0')
		directory_pool_render(out, d->pool, src);
}
