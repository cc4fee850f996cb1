/* admin_probe.h - GET /probe?domain= on the admin listener, off unless
 * --admin-probe: one probe at a time, on a thread of its own, so that
 * /healthz and /metrics never wait for one. The first GET starts it
 * (202, Retry-After); the next one after it has ended gets its report
 * (200, the JSON of --probe --json) and the one after starts anew. */
#ifndef MAILCONFD_ADMIN_PROBE_H
#define MAILCONFD_ADMIN_PROBE_H

#include "model.h"
#include "probe.h"
#include "reply.h"

struct admin_probe;

/* slot and o are borrowed and must outlive it. NULL when out of memory. */
struct admin_probe *admin_probe_new(struct model_slot *slot,
				    const struct probe_options *o);

/* The answer to /probe?domain=domain (NULL: no parameter) into r. */
void admin_probe_answer(struct admin_probe *p, const char *domain,
			struct reply *r);

/* Waits for a probe under way, then frees p. NULL-safe. */
void admin_probe_free(struct admin_probe *p);

#endif
