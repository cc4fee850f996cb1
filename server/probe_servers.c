/* probe_servers.c - the mail servers' findings, once per server
 * (probe_servers.h). */
#include "probe_servers.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expand.h"
#include "probe_mail.h"

struct server_seen {
	char key[320];		   /* "imap host:port security" */
	int ready;		   /* 0 while one thread probes it */
	struct probe_report steps; /* owned */
};

/* Shared by a sweep's threads.
 * Key: [L] guarded by lock. */
struct probe_servers {
	pthread_mutex_t lock;
	pthread_cond_t ready;	/* [L] broadcast when an entry is ready */
	struct server_seen **v; /* [L] owned array of owned entries */
	size_t n, cap;		/* [L] */
};

struct probe_servers *probe_servers_new(void)
{
	struct probe_servers *s = calloc(1, sizeof(*s)); /* the caller's */

	if (s == NULL)
		return NULL;
	if (pthread_mutex_init(&s->lock, NULL) != 0 ||
	    pthread_cond_init(&s->ready, NULL) != 0) {
		free(s); /* neither holds anything on Linux even when made */
		return NULL;
	}
	return s;
}

void probe_servers_free(struct probe_servers *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		probe_report_free(&s->v[i]->steps);
		free(s->v[i]);
	}
	free(s->v);
	pthread_cond_destroy(&s->ready);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

size_t probe_servers_count(const struct probe_servers *s)
{
	return s->n; /* the threads that add have ended (probe_servers.h) */
}

/* The entry for key, made (not ready) if new; *mine is then 1. Called
 * with the lock held. NULL when out of memory. */
static struct server_seen *find_or_add(struct probe_servers *s, const char *key,
				       int *mine)
{
	struct server_seen **v, *e;
	size_t i, cap = s->cap ? s->cap * 2 : 16;

	*mine = 0;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i]->key, key) == 0)
			return s->v[i];
	if (s->n == s->cap) {
		if ((v = realloc(s->v, cap * sizeof(*v))) == NULL)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) /* s's */
		return NULL;
	snprintf(e->key, sizeof(e->key), "%s", key);
	s->v[s->n++] = e;
	*mine = 1;
	return e;
}

static void copy_steps(struct probe_report *r, const struct probe_report *from)
{
	const struct probe_step *p;
	size_t i;

	for (i = 0; i < from->n; i++) {
		p = &from->steps[i];
		probe_report_add(r, p->group, p->name, p->verdict, p->reason,
				 p->fix);
	}
}

/* One endpoint's steps into r, probing it unless another did. */
static void one(struct probe_report *r, const struct probe_ctx *x,
		const struct endpoint *e, const char *host)
{
	struct probe_servers *s = x->servers;
	struct server_seen *seen;
	char key[320];
	int mine;

	snprintf(key, sizeof(key), "%s %s:%u %d", proto_name(e->proto), host,
		 e->port, (int)e->security);
	pthread_mutex_lock(&s->lock);
	seen = find_or_add(s, key, &mine);
	while (seen != NULL && !mine && !seen->ready)
		pthread_cond_wait(&s->ready, &s->lock);
	pthread_mutex_unlock(&s->lock);
	if (seen == NULL) {
		r->failed = 1;
		return;
	}
	if (mine) {
		probe_mail(&seen->steps, x, e, host); /* ours until ready */
		pthread_mutex_lock(&s->lock);
		seen->ready = 1;
		pthread_cond_broadcast(&s->ready);
		pthread_mutex_unlock(&s->lock);
	}
	copy_steps(r, &seen->steps); /* ready: immutable now */
}

/* The advertised endpoints of list[0..n). */
static void each(struct probe_report *r, const struct probe_ctx *x,
		 const struct endpoint *list, size_t n)
{
	struct buf host = BUF_INIT; /* freed below */
	size_t i;

	for (i = 0; i < n; i++) {
		if (!list[i].advertise)
			continue;
		buf_reset(&host);
		if (expand(&host, list[i].host, x->domain, NULL) < 0) {
			r->failed = 1;
			break;
		}
		one(r, x, &list[i], host.data);
	}
	buf_free(&host);
}

void probe_servers_check(struct probe_report *r, const struct probe_ctx *x)
{
	each(r, x, x->a->incoming, x->a->n_incoming);
	each(r, x, x->a->outgoing, x->a->n_outgoing);
}
