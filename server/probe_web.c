/* probe_web.c - the clients' HTTPS lookups (probe_web.h). Each URL is
 * asked as the client asks it, and what comes back is compared with what
 * dispatch() renders from this table for the same request. */
#include "probe_web.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dispatch.h"
#include "probe_conn.h"
#include "probe_dns.h"
#include "probe_http.h"
#include "probe_web_clients.h"

#define HOSTS_MAX 16

/* What one name's HTTPS endpoint showed: asked once per domain. */
struct host_seen {
	char host[256];
	char addr[64];
	int state;    /* 1 good, 0 unreachable, -1 certificate wrong */
	char pin[64]; /* with state 1: its public key (probe_cert.pin) */
	char why[400];
};

struct web {
	struct probe_report *r;
	const struct probe_ctx *x;
	struct host_seen seen[HOSTS_MAX];
	size_t n_seen;
};

/* Resolves host and checks its certificate, once. */
static const struct host_seen *host_check(struct web *w, const char *host)
{
	struct probe_conn c;
	struct probe_cert cert;
	struct host_seen *h;
	size_t i;

	for (i = 0; i < w->n_seen; i++)
		if (strcasecmp(w->seen[i].host, host) == 0)
			return &w->seen[i];
	h = &w->seen[w->n_seen < HOSTS_MAX ? w->n_seen++ : HOSTS_MAX - 1];
	memset(h, 0, sizeof(*h));
	snprintf(h->host, sizeof(h->host), "%s", host);
	if (probe_dns_address(w->x->dns, host, h->addr, sizeof(h->addr), h->why,
			      sizeof(h->why)) < 0 ||
	    probe_conn_open(&c, h->addr, w->x->o->https_port,
			    w->x->o->timeout_s, h->why, sizeof(h->why)) < 0)
		return h;
	if (probe_conn_tls(&c, w->x->cred, host, &cert, h->why,
			   sizeof(h->why)) == 0) {
		h->state = cert.valid ? 1 : -1;
		snprintf(h->pin, sizeof(h->pin), "%s", cert.pin);
		if (cert.valid && cert.pin[0] == '\0') {
			h->state = -1;
			snprintf(h->why, sizeof(h->why),
				 "%s: its public key could not be read", host);
		} else if (!cert.valid)
			snprintf(h->why, sizeof(h->why), "%s: %s", host,
				 cert.why);
		else if (cert.days_left < (long)w->x->o->warn_days) {
			h->state = -1;
			snprintf(h->why, sizeof(h->why),
				 "%s: the certificate expires in %ld days",
				 host, cert.days_left);
		}
	}
	probe_conn_close(&c);
	return h;
}

/* What dispatch() answers the same request. */
static void local_reply(const struct probe_ctx *x, const char *method,
			const char *host, const char *target, const char *body,
			struct reply *out)
{
	struct request req;

	memset(out, 0, sizeof(*out));
	request_parse(&req, method, target, host);
	request_set_language(&req, NULL);
	req.via_https = 1;
	req.https_port = 443;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	dispatch(out, x->m, &req, x->now);
}

/* The first line where a and b differ, counted from 1. */
static unsigned first_difference(const struct buf *a, const struct buf *b)
{
	size_t i, n = a->len < b->len ? a->len : b->len;
	unsigned line = 1;

	for (i = 0; i < n && a->data[i] == b->data[i]; i++)
		line += a->data[i] == '\n';
	return line;
}

/* Compares the fetched answer with the table's. */
static void judge_bytes(struct try *t, const struct probe_fetch *f,
			const struct reply *want)
{
	t->status = f->status;
	snprintf(t->ctype, sizeof(t->ctype), "%s", f->content_type);
	if (f->status < 200 || f->status > 299) {
		t->got = GOT_STATUS;
		snprintf(t->why, sizeof(t->why), "HTTP %ld (%s)", f->status,
			 f->content_type[0] ? f->content_type : "no type");
	} else if (want->status != f->status || want->body.len != f->body.len ||
		   (f->body.len > 0 &&
		    memcmp(want->body.data, f->body.data, f->body.len) != 0)) {
		t->got = GOT_DIFFERS;
		snprintf(t->why, sizeof(t->why),
			 "HTTP %ld, %zu bytes of %s, not the %zu this table "
			 "renders (first difference in line %u)",
			 f->status, f->body.len,
			 f->content_type[0] ? f->content_type : "no type",
			 want->body.len,
			 first_difference(&want->body, &f->body));
	} else {
		t->got = GOT_MATCH;
		snprintf(t->why, sizeof(t->why),
			 "HTTP %ld, %zu bytes of %s, "
			 "as this table renders them",
			 f->status, f->body.len, f->content_type);
	}
}

void probe_try(void *cls, struct try *t, const char *method, const char *host,
	       const char *target, const char *body, const char *ctype)
{
	struct web *w = cls;
	const struct host_seen *h = host_check(w, host);
	struct probe_target to = {.host = host,
				  .target = target,
				  .addr = h->addr,
				  .port = w->x->o->https_port,
				  .pin = h->pin,
				  .timeout_s = w->x->o->timeout_s};
	struct probe_fetch f;
	struct reply want;

	memset(t, 0, sizeof(*t));
	snprintf(t->url, sizeof(t->url), "%s https://%s%s", method, host,
		 target);
	if (h->state <= 0) {
		t->got = h->state == 0 ? GOT_NONE : GOT_CERT;
		snprintf(t->why, sizeof(t->why), "%s", h->why);
		return;
	}
	if (probe_fetch(&f, method, &to, body, ctype) < 0) {
		t->got = GOT_NONE;
		snprintf(t->why, sizeof(t->why), "%s", f.error);
	} else {
		local_reply(w->x, method, host, target, body, &want);
		judge_bytes(t, &f, &want);
		reply_free(&want);
		if (buf_append(&t->body, f.body.data ? f.body.data : "",
			       f.body.len) < 0)
			t->got = GOT_NONE;
	}
	probe_fetch_clear(&f);
}

void probe_web(struct probe_report *r, const struct probe_ctx *x)
{
	struct web w = {.r = r, .x = x};
	struct web_client c = {r, x, probe_try, &w};

	probe_clients_thunderbird(&c);
	probe_clients_android(&c);
	probe_clients_outlook(&c);
	probe_clients_apple(&c);
	probe_clients_pacc(&c);
	probe_clients_mta_sts(&c);
}
