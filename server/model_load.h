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

#include "load_options.h"
#include "settings_errors.h"

struct model;

/* Builds a model from o. On success returns 0 and *out is the new model
 * (one reference, the caller's). On failure returns -1, *out is NULL and
 * errs holds every problem found, one line each ("FILE: /pointer: why",
 * "--limit X: why", "DIR/setup.de.html: why", "--tls-cert F: why"). */
int model_load(struct model **out, const struct load_options *o,
	       struct settings_errors *errs);

#endif
