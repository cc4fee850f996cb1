/* precompiled.h - the per-request path of the three machine formats:
 * fill the account's skeleton (rendered once at load by the format's own
 * renderer) with the request's values. The bytes equal a direct render;
 * tests/unit/test_precompiled.c checks that for many addresses. */
#ifndef MAILCONFD_PRECOMPILED_H
#define MAILCONFD_PRECOMPILED_H

#include <stdint.h>

#include "buf.h"
#include "mobileconfig.h"
#include "model.h"
#include "render.h"

/* Renders every account's skeletons (autoconfig, autodiscover, the
 * profiles per language and protocol). Returns 0 or -1 (out of memory or
 * a renderer failed). */
int precompiled_build(struct model *m);

/* As autoconfig_render(), autodiscover_render() and mobileconfig_render()
 * (same contracts), from the skeleton when there is one; *body_hash (if
 * body_hash is not NULL: an answer with an ETag) is then skeleton_hash()
 * of what was appended, and 0 when the answer was rendered whole. */
int precompiled_autoconfig(struct buf *out, uint64_t *body_hash,
			   const struct render_input *in);
int precompiled_autodiscover(struct buf *out, uint64_t *body_hash,
			     const struct render_input *in);
int precompiled_profile(struct buf *out, uint64_t *body_hash,
			const struct render_input *in,
			const struct profile_options *opt);

#endif
