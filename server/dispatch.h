/* dispatch.h - the router: (model, request) -> reply.
 *
 * Picks the route by path (case-insensitive, SPEC §2), checks the method,
 * finds the hosted domain and calls the format's renderer. Pure: the clock
 * comes in as an argument. */
#ifndef MAILCONFD_DISPATCH_H
#define MAILCONFD_DISPATCH_H

#include <time.h>

#include "model.h"
#include "reply.h"
#include "request.h"

/* Fills out (zeroed by the caller) with the answer to r. Always sets a
 * status; returns 0, or -1 if rendering failed (out then holds a 500). */
int dispatch(struct reply *out, const struct model *m, const struct request *r,
	     time_t now);

#endif
