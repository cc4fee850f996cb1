/* directory_load.c - reads the directory's domains into a model
 * (directory_load.h). */
#include "directory_load.h"

#include "hash.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "address.h"
#include "elapsed.h"
#include "escape.h"
#include "model.h"
#include "directory_snapshot.h"
#include "directory_conf.h"
#include "sources/source.h"

#define ROW_PROBLEMS_LISTED 5

struct domain_reader {
	struct model *m;
	const struct source_conf *s;
	struct settings_errors *errs;
	const char *file;
	size_t row;	 /* 1-based number of the row being read */
	size_t added;	 /* domains added */
	size_t skipped;	 /* rows not usable */
	uint64_t digest; /* FNV-1a over the rows: part of the version */
};

/* Counts a row that is not used and says why (the first few). Returns 0:
 * reading goes on. */
static int skip(struct domain_reader *r, const char *value, size_t len,
		const char *why)
{
	char shown[80];
	char raw[64];

	if (r->skipped++ >= ROW_PROBLEMS_LISTED)
		return 0;
	if (value == NULL) {
		settings_warn(r->errs,
			      "%s: /directory/sources/%s/domains: row "
			      "%zu: %s (skipped)",
			      r->file, r->s->name, r->row, why);
		return 0;
	}
	snprintf(raw, sizeof(raw), "%.*s", (int)(len < 63 ? len : 63), value);
	escape_log(shown, sizeof(shown), raw, sizeof(raw));
	settings_warn(r->errs,
		      "%s: /directory/sources/%s/domains: row %zu: \"%s\": %s "
		      "(skipped)",
		      r->file, r->s->name, r->row, shown, why);
	return 0;
}

static void digest(struct domain_reader *r, const char *p, size_t n)
{
	r->digest = fnv1a(fnv1a(r->digest, p, n), "\xff", 1);
}

/* The account of the table's entry named e[0..n): 0 (defaults) or i+1;
 * -1 when the table has no such domain. */
static long entry_account(const struct model *m, const char *e, size_t n)
{
	char name[DOMAIN_MAX + 1];
	const char *why = NULL;
	const struct account *a;

	if (domain_normalize(name, e, n, &why) < 0 ||
	    (a = model_find_domain(m, name)) == NULL)
		return -1;
	return a == &m->defaults ? 0 : (long)(a - m->overrides) + 1;
}

static int row(void *cls, const char *d, size_t dlen, const char *e,
	       size_t elen)
{
	struct domain_reader *r = cls;
	char name[DOMAIN_MAX + 1];
	const char *why = NULL;
	long acc = 0;
	int rc;

	r->row++;
	if (d == NULL)
		return skip(r, NULL, 0, "the domain is NULL");
	if (memchr(d, '\0', dlen) != NULL ||
	    domain_normalize(name, d, dlen, &why) < 0)
		return skip(r, d, dlen, why ? why : "not a domain name");
	if (strchr(name, '.') == NULL) /* Postfixadmin's "ALL" (SPEC §7) */
		return skip(r, d, dlen, "not a domain name (one label)");
	if (e != NULL && (acc = entry_account(r->m, e, elen)) < 0)
		return skip(r, e, elen, "names no domain entry of the table");
	rc = model_add_domain(r->m, name, (uint32_t)acc);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return skip(r, d, dlen,
			    "listed before (by the table or a source)");
	r->added++;
	digest(r, name, strlen(name));
	if (acc != 0) /* the entry as the snapshot names it: its account */
		digest(r, (const char *)&acc, sizeof(acc));
	return 0;
}

/* Connects and reads the change stamp and the domains. Returns rows, or
 * a SOURCE_ outcome with why set. */
static long read_live(struct domain_reader *r, struct source_loaded *l,
		      char *why, size_t n)
{
	const struct source_conf *s = r->s;
	struct source_conn *conn;    /* closed below */
	struct buf stamp = BUF_INIT; /* freed below */
	int fail = SOURCE_DOWN;
	long rc;

	if ((conn = s->drv->open(s, &fail, why, n)) == NULL)
		return fail;
	if (s->changed_query != NULL) {
		rc = s->drv->changed(conn, s, &stamp, why, n);
		if (rc < 0) {
			s->drv->close(conn);
			buf_free(&stamp);
			return rc;
		}
		snprintf(l->stamp, sizeof(l->stamp), "%s",
			 stamp.data ? stamp.data : "");
	}
	rc = s->drv->domains(conn, s, row, r, why, n);
	s->drv->close(conn);
	buf_free(&stamp);
	return rc;
}

static void reset_rows(struct domain_reader *r)
{
	r->row = r->added = r->skipped = 0;
}

/* The directory is down: its snapshot instead. */
static void read_snapshot(struct domain_reader *r, struct source_loaded *l,
			  const char *state_dir, const char *down)
{
	char why[512];
	long long when;
	long rows;

	reset_rows(r);
	rows = directory_snapshot_read(state_dir, r->s->name, row, r, &when,
				       why, sizeof(why));
	if (rows < 0) {
		settings_errors_add(r->errs,
				    "%s: /directory/sources/%s: the directory "
				    "is down (%s) and there is no snapshot to "
				    "start from (%s)",
				    r->file, r->s->name, down, why);
		return;
	}
	l->from_snapshot = 1;
	l->snapshot_time = when;
	snprintf(l->why, sizeof(l->why), "%.*s", (int)sizeof(l->why) - 1, down);
	settings_warn(r->errs,
		      "%s: /directory/sources/%s: the directory is down (%s): "
		      "serving its snapshot of %lld (%zu domains)",
		      r->file, r->s->name, down, when, r->added);
}

static void load_source(struct model *m, size_t i, const struct load_options *o,
			struct settings_errors *errs, uint64_t *dig)
{
	struct directory_conf *d = m->directory;
	struct source_loaded *l = &d->loaded[i];
	struct domain_reader r = {.m = m,
				  .s = &d->sources[i],
				  .errs = errs,
				  .file = o->config,
				  .digest = *dig};
	size_t first = m->n_domains; /* the rows this source adds */
	struct timespec t0;
	char why[512];
	long rc;

	elapsed_start(&t0);
	rc = read_live(&r, l, why, sizeof(why));
	if (rc == SOURCE_BAD)
		settings_errors_add(errs,
				    "%s: /directory/sources/%s/domains: %s",
				    o->config, r.s->name, why);
	else if (rc == SOURCE_DENIED && o->check) /* the table is wrong */
		settings_errors_add(errs,
				    "%s: /directory/sources/%s: the server "
				    "refuses the table's credentials or "
				    "database: %s",
				    o->config, r.s->name, why);
	else if (rc == SOURCE_DOWN || rc == SOURCE_DENIED)
		read_snapshot(&r, l, d->state_dir, why);
	else if (!o->check &&
		 directory_snapshot_write(
		     d->state_dir, r.s->name, m, first, m->n_domains - first,
		     (long long)time(NULL), why, sizeof(why)) < 0)
		settings_warn(errs, "%s: /directory/sources/%s: %s", o->config,
			      r.s->name, why);
	if (r.skipped > ROW_PROBLEMS_LISTED)
		settings_warn(errs,
			      "%s: /directory/sources/%s/domains: ... and %zu "
			      "more rows skipped",
			      o->config, r.s->name,
			      r.skipped - ROW_PROBLEMS_LISTED);
	l->rows = (long)r.added;
	l->skipped = r.skipped;
	l->seconds = (double)elapsed_us(&t0) / 1e6;
	if (rc >= 0)
		settings_warn(errs,
			      "%s: /directory/sources/%s: %zu domains from %s "
			      "in %.3f s (%zu rows skipped)",
			      o->config, r.s->name, r.added,
			      source_backend(r.s->kind)->name, l->seconds,
			      r.skipped);
	*dig = r.digest;
}

static size_t n_domain_sources(const struct directory_conf *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->n_sources; i++)
		n += d->sources[i].domains_query != NULL;
	return n;
}

void directory_load(struct model *m, const struct load_options *o,
		    struct settings_errors *errs)
{
	struct directory_conf *d = m->directory;
	uint64_t dig = FNV1A_INIT;
	size_t i, n = 0;
	char why[512];

	if (d == NULL || !o->directory)
		return;
	if (o->check && n_domain_sources(d) > 0 &&
	    directory_snapshot_check_dir(d->state_dir, why, sizeof(why)) < 0)
		settings_errors_add(errs,
				    "%s: /directory/state_dir: %s (snapshots "
				    "keep the daemon serving when the "
				    "directory is down at a restart)",
				    o->config, why);
	for (i = 0; i < d->n_sources; i++)
		if (d->sources[i].domains_query != NULL) {
			load_source(m, i, o, errs, &dig);
			n++;
		}
	dig = fnv1a(dig, m->version, sizeof(m->version) - 1); /* and rows */
	if (n > 0)
		snprintf(m->version, sizeof(m->version), "%016llx",
			 (unsigned long long)dig);
}

/* --check: what in the login settings lets answers tell apart found
 * and unknown addresses, or trust a row that is not the asked one. */
static void check_login_settings(const struct model *m,
				 const struct source_conf *s,
				 struct settings_errors *errs)
{
	if (s->negative_ttl != s->cache_ttl)
		settings_warn(errs,
			      "%s: /directory/sources/%s/logins/negative_ttl: "
			      "%u s differs from cache_ttl (%u s): once the "
			      "shorter has passed, how fast an address is "
			      "answered tells whether it has a mailbox",
			      m->source, s->name, s->negative_ttl,
			      s->cache_ttl);
	if (s->kind == SOURCE_LDAP && s->logins_addr_attr == NULL)
		settings_warn(errs,
			      "%s: /directory/sources/%s/logins: no "
			      "\"address_attribute\": an entry the matching "
			      "rule finds for another spelling of the address "
			      "gives its login",
			      m->source, s->name);
}

void directory_check_logins(const struct model *m, struct settings_errors *errs)
{
	const struct directory_conf *d = m->directory;
	const struct source_conf *s;
	struct source_address a;
	struct source_conn *conn; /* closed below */
	struct buf login = BUF_INIT;
	char why[512];
	int rc, fail = SOURCE_DOWN;

	if (d == NULL || d->login_source < 0 || m->n_domains == 0)
		return;
	s = &d->sources[d->login_source];
	source_address(&a, "postmaster",
		       m->names.data + m->domains[0].name_off);
	check_login_settings(m, s, errs);
	if ((conn = s->drv->open(s, &fail, why, sizeof(why))) == NULL) {
		if (fail == SOURCE_DENIED) { /* the table is wrong */
			settings_errors_add(errs,
					    "%s: /directory/sources/%s: the "
					    "server refuses the table's "
					    "credentials or database: %s",
					    m->source, s->name, why);
			return;
		}
		/* down: the daemon answers with the pattern meanwhile */
		settings_warn(errs,
			      "%s: /directory/sources/%s: the login "
			      "source is down: %s",
			      m->source, s->name, why);
		return;
	}
	rc = s->drv->login(conn, s, a.values, &login, why, sizeof(why));
	s->drv->close(conn);
	if (rc == SOURCE_DOWN)
		settings_warn(errs, "%s: /directory/sources/%s/logins: %s",
			      m->source, s->name, why);
	else if (rc < 0)
		settings_errors_add(errs,
				    "%s: /directory/sources/%s/logins: %s",
				    m->source, s->name, why);
	else
		settings_warn(errs,
			      "%s: /directory/sources/%s/logins: the query "
			      "runs (%s: %s)",
			      m->source, s->name, a.full,
			      rc == 1 ? "found" : "not found");
	buf_free(&login);
}
