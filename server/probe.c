/* probe.c - one domain's probe, and the sweep over all (probe.h). */
#include "probe.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "elapsed.h"
#include "probe_dns.h"
#include "probe_records.h"
#include "probe_servers.h"
#include "probe_web.h"

/* What every domain of one run shares: immutable after probe_run_open,
 * but servers (locked inside) and the counters (atomic). */
struct probe_run {
	const struct model *m;
	const struct probe_options *o;
	gnutls_certificate_credentials_t cred; /* owned */
	struct probe_servers *servers;	       /* owned */
};

static int probe_run_open(struct probe_run *run, const struct model *m,
			  const struct probe_options *o, char *why, size_t n)
{
	int rc;

	memset(run, 0, sizeof(*run));
	run->m = m;
	run->o = o;
	if (gnutls_certificate_allocate_credentials(&run->cred) < 0 ||
	    (run->servers = probe_servers_new()) == NULL) {
		snprintf(why, n, "out of memory");
		return -1;
	}
	rc = o->ca_file ? gnutls_certificate_set_x509_trust_file(
			      run->cred, o->ca_file, GNUTLS_X509_FMT_PEM)
			: gnutls_certificate_set_x509_system_trust(run->cred);
	if (rc <= 0) {
		snprintf(why, n, "%s: no trusted certificates",
			 o->ca_file ? o->ca_file : "the system's trust store");
		return -1;
	}
	return 0;
}

static void probe_run_close(struct probe_run *run)
{
	if (run->cred != NULL)
		gnutls_certificate_free_credentials(run->cred);
	probe_servers_free(run->servers);
}

/* Every step for domain (normalized, hosted: a) with dns. */
static void probe_one(struct probe_report *r, const struct probe_run *run,
		      struct probe_dns *dns, const char *domain,
		      const struct account *a)
{
	char address[DOMAIN_MAX + 80];
	struct probe_ctx x = {.m = run->m,
			      .o = run->o,
			      .dns = dns,
			      .cred = run->cred,
			      .servers = run->servers,
			      .domain = domain,
			      .a = a,
			      .address = address,
			      .now = time(NULL)};

	snprintf(r->domain, sizeof(r->domain), "%s", domain);
	if (run->o->address != NULL)
		snprintf(address, sizeof(address), "%s", run->o->address);
	else
		snprintf(address, sizeof(address), "mailconfd-probe@%s",
			 domain);
	probe_records(r, &x);
	probe_web(r, &x);
	probe_servers_check(r, &x);
}

/* The hosted domain named by domain, normalized into name. */
static const struct account *hosted(const struct model *m, const char *domain,
				    char name[DOMAIN_MAX + 1], char *why,
				    size_t n)
{
	const char *bad = NULL;
	const struct account *a = NULL;

	if (domain_normalize(name, domain, strlen(domain), &bad) < 0)
		snprintf(why, n, "%s: %s", domain, bad);
	else if ((a = model_find_domain(m, name)) == NULL)
		snprintf(why, n, "%s: not hosted by %s", domain, m->source);
	return a;
}

/* 1 if the resolver answers for domain at all (else the probe could not
 * say anything true: exit 2). */
static int resolver_answers(struct probe_dns *dns, const char *domain,
			    char *why, size_t n)
{
	struct buf ans = BUF_INIT; /* freed below */
	enum dns_result r = probe_dns_ask(dns, domain, "SOA", &ans, why, n);

	buf_free(&ans);
	return r != DNS_FAILED;
}

/* 1 if address (may be NULL) is at domain. */
static int address_in(const char *address, const char *domain, char *why,
		      size_t n)
{
	const char *at = address ? strrchr(address, '@') : NULL;

	if (address == NULL || (at != NULL && strcasecmp(at + 1, domain) == 0))
		return 1;
	snprintf(why, n, "--address %s is not at %s", address, domain);
	return 0;
}

int probe_domain(struct probe_report *r, const struct model *m,
		 const struct probe_options *o, const char *domain, char *why,
		 size_t n)
{
	char name[DOMAIN_MAX + 1];
	const struct account *a = hosted(m, domain, name, why, n);
	struct probe_run run;
	struct probe_dns *dns = NULL;
	int rc = 2;

	if (a != NULL && probe_run_open(&run, m, o, why, n) == 0 &&
	    (dns = probe_dns_new(o->resolver, o->timeout_s, why, n)) != NULL &&
	    resolver_answers(dns, name, why, n) &&
	    address_in(o->address, name, why, n)) {
		probe_one(r, &run, dns, name, a);
		rc = 0;
	}
	probe_dns_free(dns);
	if (a != NULL)
		probe_run_close(&run);
	return rc;
}

/* A sweep: the domains handed out one by one to the threads.
 * Key: [A] atomic; [L] guarded by out_lock; the rest immutable. */
struct sweep {
	const struct probe_run *run;
	int json;
	FILE *out; /* [L] */
	pthread_mutex_t out_lock;
	atomic_size_t next;	/* [A] the next domain's index */
	atomic_size_t n_true;	/* [A] domains all true */
	atomic_size_t n_wrong;	/* [A] domains with something wrong */
	atomic_size_t n_failed; /* [A] threads without a resolver */
};

/* One domain's line: its JSON, or its summary and first failing step. */
static void sweep_line(struct sweep *s, const struct probe_report *r)
{
	struct buf line = BUF_INIT; /* freed below */
	const struct probe_step *f = NULL;
	size_t i;

	for (i = 0; i < r->n && f == NULL; i++)
		if (r->steps[i].verdict == VERDICT_WRONG ||
		    r->steps[i].verdict == VERDICT_UNREACHABLE)
			f = &r->steps[i];
	if (s->json)
		probe_report_json(r, &line);
	else if (f != NULL)
		buf_printf(&line, "%s: wrong: %s: %s: %s", r->domain, f->group,
			   f->name, f->reason);
	else
		buf_printf(&line, "%s: all true", r->domain);
	pthread_mutex_lock(&s->out_lock);
	fprintf(s->out, "%s\n", line.data ? line.data : "");
	fflush(s->out);
	pthread_mutex_unlock(&s->out_lock);
	buf_free(&line);
}

static void *sweep_worker(void *cls)
{
	struct sweep *s = cls;
	const struct model *m = s->run->m;
	char why[400];
	struct probe_dns *dns =
	    probe_dns_new(s->run->o->resolver, s->run->o->timeout_s, why,
			  sizeof(why)); /* freed below */
	struct probe_report r;
	size_t i;

	if (dns == NULL) {
		atomic_fetch_add(&s->n_failed, 1);
		return NULL;
	}
	while ((i = atomic_fetch_add(&s->next, 1)) < m->n_domains) {
		memset(&r, 0, sizeof(r));
		probe_one(&r, s->run, dns,
			  m->names.data + m->domains[i].name_off,
			  model_account(m, m->domains[i].account));
		atomic_fetch_add(
		    probe_report_status(&r) ? &s->n_wrong : &s->n_true, 1);
		sweep_line(s, &r);
		probe_report_free(&r);
	}
	probe_dns_free(dns);
	return NULL;
}

int probe_sweep(const struct model *m, const struct probe_options *o, int json,
		FILE *out)
{
	struct probe_run run;
	struct sweep s = {.run = &run, .json = json, .out = out};
	pthread_t t[64];
	size_t n = o->concurrency ? o->concurrency : 1, k = 0, i;
	struct timespec t0;
	char why[400];

	if (probe_run_open(&run, m, o, why, sizeof(why)) < 0) {
		fprintf(stderr, "mailconfd: --probe-all: %s\n", why);
		probe_run_close(&run);
		return 2;
	}
	pthread_mutex_init(&s.out_lock, NULL);
	elapsed_start(&t0);
	for (i = 0; i < n && i < 64; i++)
		k += pthread_create(&t[k], NULL, sweep_worker, &s) == 0;
	for (i = 0; i < k; i++)
		pthread_join(t[i], NULL);
	fprintf(json ? stderr : out,
		"swept %zu domains in %.2f s (%.1f domains/s, %zu mail servers "
		"talked to): %zu all true, %zu wrong\n",
		m->n_domains, (double)elapsed_us(&t0) / 1e6,
		(double)m->n_domains * 1e6 / (double)(elapsed_us(&t0) + 1),
		probe_servers_count(run.servers), atomic_load(&s.n_true),
		atomic_load(&s.n_wrong));
	pthread_mutex_destroy(&s.out_lock);
	probe_run_close(&run);
	return k == 0 || atomic_load(&s.n_failed) == k ? 2
	       : atomic_load(&s.n_wrong) > 0	       ? 1
						       : 0;
}
