/* autodiscover.h - Outlook / Windows Mail POX autodiscover (SPEC §2,
 * [MS-OXDSCLI]): the answers; the request in autodiscover_request.h. */
#ifndef MAILCONFD_AUTODISCOVER_H
#define MAILCONFD_AUTODISCOVER_H

#include <stddef.h>
#include <time.h>

#include "autodiscover_request.h"
#include "buf.h"
#include "render.h"

/* Appends the settings answer for in (in->addr must be set): one Protocol
 * per type (IMAP, POP3, SMTP), the first advertised endpoint of each.
 * Returns 0 or -1. */
int autodiscover_render(struct buf *out, const struct render_input *in);

/* Appends the MobileSync answer ([MS-ASCMD] 4.2.4, SPEC §8) for in->addr:
 * the account's ActiveSync URL (in->account->activesync_url must be set).
 * Returns 0 or -1. */
int autodiscover_render_mobilesync(struct buf *out,
				   const struct render_input *in);

/* Appends an Error answer with code (600, 601, 500); Time and Id come
 * from now. Returns 0 or -1. */
int autodiscover_render_error(struct buf *out, int code, time_t now);

#endif
