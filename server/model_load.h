/* model_load.h - the one way a model comes to be: every step of building
 * it, in order, before anyone else sees it.
 *
 * The table (settings.c) → the directory's domains (directory_load.c)
 * → the --limit overrides → the setup page's
 * templates → the --tls-cert/--tls-key pairs → the precompiled answers.
 * Afterwards the model is never changed (model.h); a reload builds a new
 * one the same way. */
#ifndef MAILCONFD_MODEL_LOAD_H
#define MAILCONFD_MODEL_LOAD_H

#include <stddef.h>
#include <time.h>

#include "settings.h"

struct model;

struct load_options {
	const char *config;    /* the settings table's path */
	const char *text;      /* its text, or NULL to read config (fuzzers) */
	size_t text_len;       /* with text */
	const char *templates; /* the setup page's folder, or NULL: none */
	const char *const *limit_opts; /* --limit NAME=VALUE, n_limit_opts */
	size_t n_limit_opts;
	const char *const *tls_cert; /* --tls-cert/--tls-key pairs, n_tls */
	const char *const *tls_key;
	size_t n_tls;
	time_t now;    /* certificates must be valid at this time */
	int directory; /* 1: read the directory's sources (0: fuzzers and
			  golden runs never connect) */
	int check;     /* --check: also try the login query once, and
			  write no snapshot */
	struct pem_keep *keep; /* key files read at start (keypair.h), or
				  NULL */
	int no_keys;	       /* --dns: certificates and keys unread */
};

/* Builds a model from o. On success returns 0 and *out is the new model
 * (one reference, the caller's). On failure returns -1, *out is NULL and
 * errs holds every problem found, one line each ("FILE: /pointer: why",
 * "--limit X: why", "DIR/setup.de.html: why", "--tls-cert F: why"). */
int model_load(struct model **out, const struct load_options *o,
	       struct settings_errors *errs);

#endif
