/* settings.c - the settings table: JSON -> validated, immutable model.
 *
 * The only file that includes <jansson.h> for the table. Every problem is
 * collected with its JSON pointer (RFC 6901); the load fails once at the
 * end, so an operator sees all of them in one run. */
#include "settings.h"

#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "domainlist.h"
#include "load_options.h"
#include "settings_account.h"
#include "settings_acme.h"
#include "settings_directory.h"
#include "settings_json.h"
#include "settings_policy.h"
#include "netaddr.h"
#include "signer.h"
#include "table_reader.h"
#include "tls.h"

#define SETTINGS_FILE_MAX (64u << 20)
#define DOMAIN_FILE_MAX	  (1u << 30)
#define TABLE_WINDOW	  (1u << 20) /* read a piece at a time */

static int parse_domain_entry(struct settings_json *c, const char *key,
			      json_t *v, int defaults_ok)
{
	char name[DOMAIN_MAX + 1];
	struct account *acc, *grown;
	const char *why = NULL;
	int rc;

	if (domain_normalize(name, key, strlen(key), &why) < 0) {
		settings_json_fail(c, why);
		return -1;
	}
	if (!json_is_object(v)) {
		settings_json_fail(
		    c, "must be an object (use {} for the defaults)");
		return -1;
	}
	if (json_object_size(v) == 0)
		return model_add_domain(c->m, name, 0) == 1 ? -2 : 0;
	if (!defaults_ok) { /* still check the entry's own fields */
		struct account scratch = {0};
		settings_account_parse(c, v, &scratch, 0);
		account_clear(&scratch);
		return -1;
	}
	grown =
	    realloc(c->m->overrides, (c->m->n_overrides + 1) * sizeof(*grown));
	if (grown == NULL)
		return -1;
	c->m->overrides = grown;
	acc = &grown[c->m->n_overrides];
	if (account_copy(acc, &c->m->defaults) < 0)
		return -1;
	c->m->n_overrides++;
	if (settings_account_parse(c, v, acc, 0) < 0 ||
	    settings_policy_check(c, &acc->policy, name) < 0 ||
	    settings_pacc_check(c, acc) < 0)
		return -1;
	rc = model_add_domain(c->m, name, (uint32_t)c->m->n_overrides);
	return rc == 1 ? -2 : rc;
}

/* Beyond this many entries of "domains" that only list a domain, --check
 * suggests a domain file. */
#define DOMAINS_OBJECT_LISTS 10000

struct domains_walk {
	struct settings_json *c;
	int defaults_ok;
	size_t empty; /* entries that are {} */
	int rc;
};

/* table_entry_fn: one entry of "domains". */
static void domain_member(void *cls, const char *key, json_t *v)
{
	struct domains_walk *w = cls;
	size_t old = settings_json_push(w->c, key);
	int r = parse_domain_entry(w->c, key, v, w->defaults_ok);

	if (r == -2)
		settings_json_fail(w->c,
				   "names a domain listed before (domains are "
				   "compared in lower case, as A-labels)");
	if (r < 0)
		w->rc = -1;
	w->empty += json_is_object(v) && json_object_size(v) == 0;
	settings_json_pop(w->c, old);
}

/* "domains": an object is read entry by entry from the table (the reader
 * kept its place); anything else the reader put in root. */
static int parse_domains(struct settings_json *c, json_t *root, int defaults_ok)
{
	struct domains_walk w = {c, defaults_ok, 0, 0};
	size_t top;

	if (json_object_get(root, "domains") != NULL) {
		settings_json_get_object(c, root, "domains", 0); /* says why */
		return -1;
	}
	top = settings_json_push(c, "domains");
	if (table_read_domains(c->reader, domain_member, &w) < 0)
		w.rc = -1;
	if (w.empty > DOMAINS_OBJECT_LISTS)
		settings_warn(c->errs,
			      "%s: /domains: %zu domains without settings of "
			      "their own: a domain file (\"domain_files\") "
			      "loads them in half the time (1,000,000: 0.28 s "
			      "against 0.58 s) and may hold 1 GiB, the table "
			      "64 MiB",
			      c->file, w.empty);
	settings_json_pop(c, top);
	return w.rc;
}

static void report_list_line(void *cls, const char *path, size_t line,
			     const char *why)
{
	struct settings_json *c = cls;

	settings_errors_add(c->errs, "%s:%zu: %s", path, line, why);
}

/* Loads one domain list; path relative to the settings file's folder. */
/* Each piece of a domain file joins the table's digest. */
static void digest_piece(void *cls, const char *data, size_t len)
{
	settings_json_digest(cls, data, len);
}

static int load_domain_file(struct settings_json *c, const char *name)
{
	char *path = settings_json_path(c, name); /* freed below */
	long bad;

	if (path == NULL)
		return -1;
	bad = domainlist_read(c->m, path, DOMAIN_FILE_MAX, report_list_line,
			      digest_piece, c);
	if (bad < 0)
		settings_errors_add(c->errs, "%s: %s: cannot read %s: %s",
				    c->file, c->ptr, path, strerror(errno));
	free(path);
	return bad == 0 ? 0 : -1;
}

static int parse_domain_files(struct settings_json *c, json_t *root)
{
	json_t *list = json_object_get(root, "domain_files"), *item;
	size_t top = settings_json_push(c, "domain_files"), i, old;
	int rc = 0;

	if (list != NULL && !json_is_array(list)) {
		settings_json_fail(c, "must be a list of file names");
		rc = -1;
	}
	json_array_foreach (list, i, item) {
		old = settings_json_push_index(c, i);
		if (!json_is_string(item)) {
			settings_json_fail(c, "must be a file name");
			rc = -1;
		} else if (load_domain_file(c, json_string_value(item)) < 0) {
			rc = -1;
		}
		settings_json_pop(c, old);
	}
	settings_json_pop(c, top);
	return rc;
}

static int check_url(struct settings_json *c, json_t *obj, const char *key,
		     char **url)
{
	size_t old;

	if (settings_json_get_string(c, obj, key, 0, url) <= 0 || **url == '\0')
		return 0;
	old = settings_json_push(c, key);
	if (strncmp(*url, "https://", 8) != 0 &&
	    strncmp(*url, "http://", 7) != 0) {
		settings_json_fail(c, "must start with https:// or http://");
		settings_json_pop(c, old);
		return -1;
	}
	settings_json_pop(c, old);
	return settings_json_check_placeholders(
	    c, *url, settings_json_host_placeholders);
}

/* A provider's host name at obj[key] (service_host: the name mailconfd
 * itself answers on, the target of the autoconfig./autodiscover. CNAMEs
 * and SRV records; mx_domain: its MX hosts' domain), as an A-label. */
static int check_provider_host(struct settings_json *c, json_t *obj,
			       const char *key, char **host)
{
	char norm[DOMAIN_MAX + 1];
	const char *why = NULL;
	size_t old;
	int rc = 0;

	if (settings_json_get_string(c, obj, key, 0, host) <= 0)
		return 0;
	old = settings_json_push(c, key);
	if (domain_normalize(norm, *host, strlen(*host), &why) < 0) {
		settings_json_fail(c, why);
		rc = -1;
	} else {
		char *s = strdup(norm); /* an A-label may be longer */
		if (s == NULL) {
			rc = -1;
		} else {
			free(*host);
			*host = s;
		}
	}
	settings_json_pop(c, old);
	return rc;
}

static int provider_defaults(struct provider *p)
{
	const struct provider_text *t;

	for (t = provider_texts; t < provider_texts + PROVIDER_TEXTS; t++)
		if (t->fallback != NULL &&
		    (*provider_text_slot(p, t) = strdup(t->fallback)) == NULL)
			return -1;
	return 0;
}

static int parse_provider_text(struct settings_json *c, json_t *obj,
			       const struct provider_text *t, char **slot)
{
	switch (t->check) {
	case PROVIDER_URL:
		return check_url(c, obj, t->key, slot);
	case PROVIDER_HOST:
		return check_provider_host(c, obj, t->key, slot);
	default:
		return settings_json_get_string(c, obj, t->key, t->required,
						slot) < 0
			   ? -1
			   : 0;
	}
}

static int parse_provider(struct settings_json *c, json_t *root)
{
	const char *keys[PROVIDER_TEXTS + 1] = {NULL};
	json_t *obj = settings_json_get_object(c, root, "provider", 1);
	struct provider *p = &c->m->provider;
	size_t top, i;
	int rc = 0;

	if (provider_defaults(p) < 0 || obj == NULL)
		return -1;
	for (i = 0; i < PROVIDER_TEXTS; i++)
		keys[i] = provider_texts[i].key;
	top = settings_json_push(c, "provider");
	settings_json_check_keys(c, obj, keys);
	for (i = 0; i < PROVIDER_TEXTS; i++)
		rc |= parse_provider_text(
			  c, obj, &provider_texts[i],
			  provider_text_slot(p, &provider_texts[i])) < 0;
	settings_json_pop(c, top);
	return rc ? -1 : 0;
}

static int parse_limits(struct settings_json *c, json_t *obj)
{
	const char *key, *why = NULL;
	json_t *v;
	size_t old;
	int rc = 0;

	json_object_foreach (obj, key, v) {
		old = settings_json_push(c, key);
		if (!json_is_integer(v)) {
			settings_json_fail(c, "must be a whole number");
			rc = -1;
		} else if (limits_set(&c->m->limits, key,
				      (long)json_integer_value(v), &why) < 0) {
			settings_json_fail(c, why);
			rc = -1;
		}
		settings_json_pop(c, old);
	}
	return rc;
}

/* {"certificate": PEM chain, "key": PEM key}: both paths, resolved
 * against the table's folder, into *cert and *key (the caller frees
 * them). Returns 0, or -1 with the problem reported. */
static int read_pem_pair(struct settings_json *c, json_t *obj, char **cert,
			 char **key)
{
	static const char *const keys[] = {"certificate", "key", NULL};
	char *cname = NULL, *kname = NULL; /* freed below */
	int rc = -1;

	*cert = *key = NULL;
	settings_json_check_keys(c, obj, keys);
	if (settings_json_get_string(c, obj, "certificate", 1, &cname) < 0 ||
	    settings_json_get_string(c, obj, "key", 1, &kname) < 0)
		goto out;
	*cert = settings_json_path(c, cname);
	*key = settings_json_path(c, kname);
	rc = *cert != NULL && *key != NULL ? 0 : -1;
out:
	free(cname);
	free(kname);
	return rc;
}

/* server.signing: read now, so a reload picks renewed certificates up
 * (SPEC §3). */
static int parse_signing(struct settings_json *c, json_t *server)
{
	json_t *obj = settings_json_get_object(c, server, "signing", 0);
	char *cert = NULL, *key = NULL, why[512];
	size_t top;
	int rc = -1;

	if (obj == NULL)
		return -1;
	top = settings_json_push(c, "signing");
	if (read_pem_pair(c, obj, &cert, &key) == 0 && c->no_keys) {
		rc = 0; /* --dns signs nothing */
	} else if (cert != NULL && key != NULL) {
		c->m->signer = signer_load(cert, key, time(NULL), c->keep, why,
					   sizeof(why));
		if (c->m->signer == NULL)
			settings_json_fail(c, why);
		else
			rc = 0;
	}
	settings_json_pop(c, top);
	free(cert);
	free(key);
	return rc;
}

/* server.trusted_proxies: the peers whose X-Forwarded-* and Forwarded
 * headers are believed (addresses or CIDR ranges). */
static int parse_trusted(struct settings_json *c, json_t *list)
{
	size_t top = settings_json_push(c, "trusted_proxies"), i, old;
	json_t *item;
	int rc = 0;

	if (!json_is_array(list)) {
		settings_json_fail(c, "must be a list of addresses or ranges");
		settings_json_pop(c, top);
		return -1;
	}
	c->m->trusted = calloc(json_array_size(list) + 1, sizeof(struct cidr));
	if (c->m->trusted == NULL)
		rc = -1;
	json_array_foreach (list, i, item) {
		old = settings_json_push_index(c, i);
		if (c->m->trusted != NULL &&
		    (!json_is_string(item) ||
		     cidr_parse(&c->m->trusted[c->m->n_trusted],
				json_string_value(item)) < 0)) {
			settings_json_fail(
			    c, "must be an IP address or a CIDR range "
			       "(\"10.0.0.0/8\", \"::1\")");
			rc = -1;
		} else if (c->m->trusted != NULL) {
			c->m->n_trusted++;
		}
		settings_json_pop(c, old);
	}
	settings_json_pop(c, top);
	return rc;
}

/* One server.tls entry: {"certificate": PEM chain, "key": PEM key}. */
static int parse_tls_entry(struct settings_json *c, json_t *item)
{
	char *cert = NULL, *key = NULL, why[512];
	int rc = -1;

	if (!json_is_object(item)) {
		settings_json_fail(
		    c, "must be {\"certificate\": ..., \"key\": ...}");
		return -1;
	}
	if (read_pem_pair(c, item, &cert, &key) == 0 && c->no_keys) {
		rc = 0; /* --dns: the names need no key */
	} else if (cert != NULL && key != NULL) {
		if (tls_store_add(c->m->tls, cert, key, time(NULL), c->keep,
				  why, sizeof(why)) < 0)
			settings_json_fail(c, why);
		else
			rc = 0;
	}
	free(cert);
	free(key);
	return rc;
}

/* server.tls: the HTTPS certificates, re-read on every reload. */
static int parse_tls(struct settings_json *c, json_t *server)
{
	json_t *list = json_object_get(server, "tls"), *item;
	size_t top = settings_json_push(c, "tls"), i, old;
	int rc = 0;

	if (!json_is_array(list)) {
		settings_json_fail(
		    c, "must be a list of {\"certificate\", \"key\"}");
		settings_json_pop(c, top);
		return -1;
	}
	if (c->m->tls == NULL && (c->m->tls = tls_store_new()) == NULL)
		rc = -1;
	json_array_foreach (list, i, item) {
		old = settings_json_push_index(c, i);
		if (rc == 0 || c->m->tls != NULL)
			rc |= parse_tls_entry(c, item);
		settings_json_pop(c, old);
	}
	settings_json_pop(c, top);
	return rc;
}

/* server.tls_priorities: a GnuTLS priority string in place of Mozilla's
 * "intermediate" profile (tls.h), checked by GnuTLS now. */
static int parse_tls_priorities(struct settings_json *c, json_t *server)
{
	char why[256];
	size_t old;
	int rc = 0;

	if (settings_json_get_string(c, server, "tls_priorities", 0,
				     &c->m->tls_priorities) <= 0)
		return 0;
	old = settings_json_push(c, "tls_priorities");
	if (tls_priorities_check(c->m->tls_priorities, why, sizeof(why)) < 0) {
		settings_json_fail(c, why);
		rc = -1;
	}
	settings_json_pop(c, old);
	return rc;
}

static int parse_server(struct settings_json *c, json_t *root)
{
	static const char *const keys[] = {
	    "limits", "https_in_front", "signing",
	    "tls",    "tls_priorities", "trusted_proxies",
	    "acme",   "state_dir",	NULL};
	json_t *obj = settings_json_get_object(c, root, "server", 0), *limits;
	size_t top, old;
	int rc = 0;

	if (obj == NULL)
		return json_object_get(root, "server") ? -1 : 0;
	top = settings_json_push(c, "server");
	settings_json_check_keys(c, obj, keys);
	if (settings_json_get_bool(c, obj, "https_in_front",
				   &c->m->https_in_front) < 0)
		rc = -1;
	if (json_object_get(obj, "signing") != NULL)
		rc |= parse_signing(c, obj);
	if (json_object_get(obj, "tls") != NULL)
		rc |= parse_tls(c, obj);
	rc |= parse_tls_priorities(c, obj);
	rc |= settings_acme_parse(c, obj);
	if (json_object_get(obj, "trusted_proxies") != NULL)
		rc |= parse_trusted(c, json_object_get(obj, "trusted_proxies"));
	limits = settings_json_get_object(c, obj, "limits", 0);
	if (limits != NULL) {
		old = settings_json_push(c, "limits");
		rc |= parse_limits(c, limits);
		settings_json_pop(c, old);
	} else if (json_object_get(obj, "limits") != NULL) {
		rc = -1;
	}
	settings_json_pop(c, top);
	return rc;
}

static int parse_root(struct settings_json *c, json_t *root)
{
	static const char *const keys[] = {
	    "provider",	 "defaults", "domains", "domain_files",
	    "directory", "server",   NULL};
	size_t problems_before = c->errs->count;
	int rc = 0, defaults_ok;

	if (!json_is_object(root)) {
		settings_json_fail(c, "the table must be a JSON object");
		return -1;
	}
	settings_json_check_keys(c, root, keys);
	rc |= parse_provider(c, root);
	defaults_ok = settings_account_defaults(c, root) == 0;
	rc |= !defaults_ok;
	rc |= parse_domains(c, root, defaults_ok);
	rc |= parse_domain_files(c, root);
	rc |= parse_server(c, root);
	rc |= settings_directory_parse(c, root, &c->m->directory);
	rc |= settings_state_dir(c, root);
	/* With a directory giving domains, model_load() checks this after
	 * reading it. */
	if (c->errs->count == problems_before && c->m->n_domains == 0 &&
	    !settings_directory_gives_domains(c->m->directory)) {
		settings_json_fail(
		    c, "no domain is hosted: list some in \"domains\" or "
		       "\"domain_files\"");
		rc = -1;
	}
	return rc ? -1 : 0;
}

static int ctx_init(struct settings_json *c, const char *file,
		    struct settings_errors *errs)
{
	char *copy = strdup(file); /* dirname() may modify it; freed below */

	memset(c, 0, sizeof(*c));
	c->file = file;
	c->errs = errs;
	c->digest = FNV1A_INIT;
	if (copy == NULL)
		return -1;
	c->dir = strdup(dirname(copy));
	free(copy);
	c->m = model_new();
	if (c->m != NULL)
		c->m->source = strdup(file);
	return c->dir && c->m && c->m->source ? 0 : -1;
}

/* The table through reader: the top level as a tree, "domains" entry by
 * entry (table_reader.h); *table_digest: FNV-1a over the table's bytes
 * alone (the model's version takes in its domain files too). */
static int load_from(struct model **out, const char *file,
		     struct table_reader *reader, const struct load_options *lo,
		     struct settings_errors *errs, uint64_t *table_digest)
{
	struct settings_json c;
	json_t *root = NULL; /* freed below */
	size_t problems_before = errs->count;
	int rc = -1;

	*out = NULL;
	if (ctx_init(&c, file, errs) < 0) {
		settings_errors_add(errs, "%s: out of memory", file);
		goto out;
	}
	c.keep = lo ? lo->keep : NULL;
	c.no_keys = lo ? lo->no_keys : 0;
	c.reader = reader;
	reader->digest = digest_piece;
	reader->digest_cls = &c;
	root = table_read_top(reader);
	*table_digest = c.digest; /* every byte of the table was read */
	if (root != NULL)
		parse_root(&c, root);
	/* Success is derived from what was recorded, never from return
	 * codes: a check that reports a problem and returns nothing (an
	 * unknown key) must fail the load all the same. */
	if (root == NULL || errs->count != problems_before)
		goto out;
	snprintf(c.m->version, sizeof(c.m->version), "%016llx",
		 (unsigned long long)c.digest);
	*out = c.m;
	c.m = NULL;
	rc = 0;
out:
	json_decref(root);
	model_unref(c.m);
	free(c.dir);
	return rc;
}

int settings_load_text(struct model **out, const char *file, const char *text,
		       size_t len, const struct load_options *lo,
		       struct settings_errors *errs)
{
	struct table_reader r;
	uint64_t digest;
	int rc = -1;

	*out = NULL;
	if (table_reader_init(&r, -1, text, len, 0, file, errs) == 0)
		rc = load_from(out, file, &r, lo, errs, &digest);
	else
		settings_errors_add(errs, "%s: out of memory", file);
	table_reader_free(&r);
	return rc;
}

/* The bytes of the table just loaded from fd into keep, for a model that
 * reads a directory; if they are not what was loaded (the file was written
 * over meanwhile), the model is loaded again from them. */
static int keep_text(struct model **out, int fd, uint64_t digest,
		     const char *file, const struct load_options *lo,
		     struct settings_errors *errs)
{
	if (lo == NULL || lo->keep_text == NULL || (*out)->directory == NULL)
		return 0;
	if (lseek(fd, 0, SEEK_SET) < 0 ||
	    buf_read_fd(lo->keep_text, fd, SETTINGS_FILE_MAX) < 0) {
		settings_errors_add(errs, "%s: cannot read: %s", file,
				    strerror(errno));
		model_unref(*out);
		*out = NULL;
		return -1;
	}
	if (fnv1a(FNV1A_INIT, lo->keep_text->data, lo->keep_text->len) ==
	    digest)
		return 0;
	model_unref(*out);
	return settings_load_text(out, file, lo->keep_text->data,
				  lo->keep_text->len, lo, errs);
}

int settings_load(struct model **out, const char *file,
		  const struct load_options *lo, struct settings_errors *errs)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC); /* closed below */
	struct table_reader r;
	uint64_t digest;
	int rc = -1;

	*out = NULL;
	if (fd < 0) {
		settings_errors_add(errs, "%s: cannot read: %s", file,
				    strerror(errno));
		return -1;
	}
	if (table_reader_init(&r, fd, NULL, 0, TABLE_WINDOW, file, errs) == 0) {
		r.max = SETTINGS_FILE_MAX;
		rc = load_from(out, file, &r, lo, errs, &digest);
		if (rc == 0)
			rc = keep_text(out, fd, digest, file, lo, errs);
	} else {
		settings_errors_add(errs, "%s: out of memory", file);
	}
	table_reader_free(&r);
	close(fd);
	return rc;
}
