/* autoconfig.h - Thunderbird's clientConfig v1.1 (SPEC §1), read by
 * Thunderbird, Thunderbird for Android / K-9, FairEmail, Evolution, KMail. */
#ifndef MAILCONFD_AUTOCONFIG_H
#define MAILCONFD_AUTOCONFIG_H

#include "buf.h"
#include "render.h"

/* Appends the config document for in to out. Only advertised endpoints,
 * IMAP before POP3 (FairEmail reads no IMAP entry after a POP3 one),
 * hostnames filled in, the address as username when known.
 * Returns 0 or -1 (out of memory / writer error). */
int autoconfig_render(struct buf *out, const struct render_input *in);

#endif
