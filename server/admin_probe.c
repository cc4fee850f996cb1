/* admin_probe.c - /probe on the admin listener (admin_probe.h). */
#include "admin_probe.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RETRY_AFTER "5"

/* Key: [L] guarded by lock; the rest immutable after admin_probe_new. */
struct admin_probe {
	struct model_slot *slot;       /* borrowed */
	const struct probe_options *o; /* borrowed */
	pthread_mutex_t lock;
	pthread_t thread;	     /* [L] joinable while started */
	int started, running;	     /* [L] */
	char domain[DOMAIN_MAX + 1]; /* [L] the domain of the last probe */
	struct buf report;	     /* [L] owned: its answer, once ended */
	int status;		     /* [L] its HTTP status */
};

struct admin_probe *admin_probe_new(struct model_slot *slot,
				    const struct probe_options *o)
{
	struct admin_probe *p = calloc(1, sizeof(*p)); /* the caller's */

	if (p == NULL)
		return NULL;
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p);
		return NULL;
	}
	p->slot = slot;
	p->o = o;
	return p;
}

/* The probe's thread: the report as JSON, or why it could not probe. */
static void *work(void *cls)
{
	struct admin_probe *p = cls;
	struct model *m = model_slot_acquire(p->slot); /* released below */
	struct probe_report r;
	struct buf out = BUF_INIT; /* handed to p */
	char domain[DOMAIN_MAX + 1], why[512];
	int rc;

	memset(&r, 0, sizeof(r));
	pthread_mutex_lock(&p->lock);
	memcpy(domain, p->domain, sizeof(domain));
	pthread_mutex_unlock(&p->lock);
	rc = probe_domain(&r, m, p->o, domain, why, sizeof(why));
	if (rc == 2)
		buf_printf(&out, "could not probe: %s\n", why);
	else
		probe_report_json(&r, &out);
	probe_report_free(&r);
	model_unref(m);
	pthread_mutex_lock(&p->lock);
	buf_free(&p->report);
	p->report = out;
	p->status = rc == 2 ? 503 : 200;
	p->running = 0;
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Starts a probe of domain; called with the lock held. */
static int start(struct admin_probe *p, const char *domain)
{
	if (p->started)
		pthread_join(p->thread, NULL); /* it has ended: !running */
	p->started = 0;
	snprintf(p->domain, sizeof(p->domain), "%s", domain);
	buf_free(&p->report);
	if (pthread_create(&p->thread, NULL, work, p) != 0)
		return -1;
	p->started = p->running = 1;
	return 0;
}

/* The ended probe's report, handed over to r; called with the lock. */
static void hand_over(struct admin_probe *p, struct reply *r)
{
	r->status = p->status;
	r->content_type =
	    p->status == 200 ? "application/json" : "text/plain; charset=utf-8";
	r->body = p->report;
	memset(&p->report, 0, sizeof(p->report));
	p->domain[0] = '\0'; /* the next GET probes anew */
}

void admin_probe_answer(struct admin_probe *p, const char *domain,
			struct reply *r)
{
	if (domain == NULL || domain[0] == '\0' ||
	    strlen(domain) > DOMAIN_MAX) {
		reply_text(r, 400, "Give ?domain=DOMAIN.");
		return;
	}
	pthread_mutex_lock(&p->lock);
	if (p->running && strcasecmp(p->domain, domain) != 0) {
		reply_text(r, 429, "Another domain's probe is running.");
		reply_header_static(r, "Retry-After", RETRY_AFTER);
	} else if (!p->running && p->report.data != NULL &&
		   strcasecmp(p->domain, domain) == 0) {
		hand_over(p, r);
	} else if (p->running || start(p, domain) == 0) {
		reply_text(r, 202, "The probe is running: ask again.");
		reply_header_static(r, "Retry-After", RETRY_AFTER);
	} else {
		reply_text(r, 503, "Could not start the probe.");
	}
	pthread_mutex_unlock(&p->lock);
}

void admin_probe_free(struct admin_probe *p)
{
	if (p == NULL)
		return;
	if (p->started)
		pthread_join(p->thread, NULL);
	buf_free(&p->report);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
