/* model_load.c - builds a model: table, overrides, pages, TLS pairs,
 * precompiled answers (model_load.h). */
#include "model_load.h"

#include "bytecache.h"
#include "directory_load.h"
#include "settings.h"
#include "server_limits.h"
#include "model.h"
#include "pages.h"
#include "precompiled.h"
#include "tls.h"

/* The --limit options over the table's server.limits. */
static void apply_limits(struct model *m, const struct load_options *o,
			 struct settings_errors *errs)
{
	const char *why = NULL;
	size_t i;

	for (i = 0; i < o->n_limit_opts; i++)
		if (limits_set_option(&m->limits, o->limit_opts[i], &why) < 0)
			settings_errors_add(errs, "--limit %s: %s",
					    o->limit_opts[i], why);
}

/* The setup page's templates: a broken one fails the load like a broken
 * table, so a reload keeps the old pages. */
static void load_pages(struct model *m, const struct load_options *o,
		       struct settings_errors *errs)
{
	char err[1024];

	if (o->templates == NULL)
		return;
	m->pages = pages_load(o->templates, err, sizeof(err));
	if (m->pages == NULL)
		settings_errors_add(errs, "%s", err);
}

/* The --tls-cert/--tls-key pairs join the table's server.tls. */
static void load_tls_pairs(struct model *m, const struct load_options *o,
			   struct settings_errors *errs)
{
	char why[512];
	size_t i;

	if (o->n_tls > 0 && m->tls == NULL &&
	    (m->tls = tls_store_new()) == NULL) {
		settings_errors_add(errs, "--tls-cert: out of memory");
		return;
	}
	for (i = 0; i < o->n_tls && !o->no_keys; i++)
		if (tls_store_add(m->tls, o->tls_cert[i], o->tls_key[i], o->now,
				  o->keep, why, sizeof(why)) < 0)
			settings_errors_add(errs, "--tls-cert %s: %s",
					    o->tls_cert[i], why);
}

/* The bounded caches of what is slow to make (issue 25): a signed
 * profile is a CMS signature, a QR code an encoding and a drawing. Each
 * entry holds its key and value: up to 64 KiB (a profile with a long
 * chain, a QR code of 2,953 bytes). */
#define CACHE_ENTRY_MAX 65536
/* A kept setup page: the template's text with the table's values, up to
 * four times the shipped page (26 kB with the CSS). */
#define PAGE_ENTRY_MAX (128 * 1024)

/* *c: a cache of n entries when wanted and n > 0 (else none). */
static void make_cache(struct bytecache **c, int wanted, long n,
		       size_t max_entry, struct settings_errors *errs,
		       const char *config)
{
	if (wanted && n > 0 &&
	    (*c = bytecache_new((size_t)n, max_entry)) == NULL)
		settings_errors_add(errs, "%s: out of memory (caches)", config);
}

static void make_caches(struct model *m, struct settings_errors *errs,
			const char *config)
{
	const struct limits *l = &m->limits;

	make_cache(&m->signed_profiles, m->signer != NULL,
		   l->signed_profile_cache, CACHE_ENTRY_MAX, errs, config);
	make_cache(&m->qr_codes, m->pages != NULL, l->qr_code_cache,
		   CACHE_ENTRY_MAX, errs, config);
	make_cache(&m->setup_pages, m->pages != NULL, l->setup_page_cache,
		   PAGE_ENTRY_MAX, errs, config);
}

int model_load(struct model **out, const struct load_options *o,
	       struct settings_errors *errs)
{
	struct model *m = NULL; /* handed to *out, or released */
	size_t before = errs->count;
	int rc = o->text != NULL ? settings_load_text(&m, o->config, o->text,
						      o->text_len, o, errs)
				 : settings_load(&m, o->config, o, errs);

	*out = NULL;
	if (rc < 0)
		return -1;
	directory_load(m, o, errs);
	if (errs->count == before && m->n_domains == 0)
		settings_errors_add(errs,
				    "%s: no domain is hosted: the table lists "
				    "none and the directory gave none",
				    o->config);
	if (o->check && errs->count == before)
		directory_check_logins(m, errs);
	apply_limits(m, o, errs);
	load_pages(m, o, errs);
	load_tls_pairs(m, o, errs);
	if (errs->count == before && precompiled_build(m) < 0)
		settings_errors_add(
		    errs, "%s: out of memory while precompiling answers",
		    o->config);
	if (errs->count == before)
		make_caches(m, errs, o->config);
	if (errs->count != before) { /* derived from what was recorded */
		model_unref(m);
		return -1;
	}
	*out = m;
	return 0;
}
