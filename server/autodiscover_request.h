/* autodiscover_request.h - the POX autodiscover request body (SPEC §2,
 * [MS-OXDSCLI]): the address it asks for, and its schema. */
#ifndef MAILCONFD_AUTODISCOVER_REQUEST_H
#define MAILCONFD_AUTODISCOVER_REQUEST_H

#include <stddef.h>

#include "address.h"

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

#endif
