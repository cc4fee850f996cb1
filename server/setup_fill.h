/* setup_fill.h - the setup page per (domain, language), kept: rendered
 * once through the templates with sentinels where the address's values
 * go, kept in the model's bounded cache, and filled in per request (issue
 * 25: the template step and the QR codes were 30 times nginx's CPU per
 * answer). The bytes equal setup_page_render()'s; tests/unit/
 * test_precompiled.c checks that for many addresses and both languages. */
#ifndef MAILCONFD_SETUP_FILL_H
#define MAILCONFD_SETUP_FILL_H

#include <stdint.h>

#include "buf.h"
#include "render.h"
#include "setup_page.h"

/* As setup_page_render() (same contract), from the kept page when the
 * model keeps pages; a login from the directory and DAV services (whose
 * user names follow their own rules) are rendered whole. *body_hash is
 * then a hash of what made the page (the kept text's, hashed when kept,
 * and each value's), for the ETag, so that the page's bytes need no
 * hashing; 0 when the page was rendered whole. */
int setup_page_fill(struct buf *out, uint64_t *body_hash,
		    const struct render_input *in,
		    const struct setup_options *opt);

#endif
