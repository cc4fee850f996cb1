/* render.h - what every renderer gets: the model, the hosted domain's
 * account, and what the request said. Renderers are pure functions of
 * this (no clock, randomness or I/O of their own). */
#ifndef MAILCONFD_RENDER_H
#define MAILCONFD_RENDER_H

#include <time.h>

#include "address.h"
#include "model.h"

struct render_input {
	const struct model *model;
	const struct account *account; /* the domain's account */
	const char *domain;	       /* hosted domain, A-label */
	const struct address *addr;    /* NULL when the request had none */
	const char *host;	       /* the name the client used, or NULL */
	time_t now;		       /* the request's clock */
	const char *login; /* the directory's login for addr (SPEC §7), or
			      NULL: the account's pattern */
};

#endif
