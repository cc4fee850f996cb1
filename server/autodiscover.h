/* autodiscover.h - Outlook / Windows Mail POX autodiscover (SPEC §2,
 * [MS-OXDSCLI]): the request body and the answer. */
#ifndef MAILCONFD_AUTODISCOVER_H
#define MAILCONFD_AUTODISCOVER_H

#include <stddef.h>
#include <time.h>

#include "address.h"
#include "buf.h"
#include "render.h"

/* Autodiscover error codes (SPEC §2). */
#define AUTODISCOVER_INVALID_REQUEST 600
#define AUTODISCOVER_BAD_SCHEMA	     601
#define AUTODISCOVER_UNKNOWN_USER    500
/* Not an error: the request asks for the mobilesync schema (ActiveSync). */
#define AUTODISCOVER_MOBILESYNC 1

/* Parses a request body into addr. The body is untrusted: parsed with no
 * network, no entity expansion and no DTD (a document with one is
 * refused); elements matched by local name under either the http:// or
 * https:// spelling of the namespace. LegacyDN stands for the address when
 * there is no EMailAddress.
 * Returns 0 (the outlook schema, addr set), AUTODISCOVER_MOBILESYNC (the
 * mobilesync schema, addr set), or the error code to answer (600, 601). */
int autodiscover_parse(struct address *addr, const char *body, size_t len);

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
