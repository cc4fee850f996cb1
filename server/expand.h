/* expand.h - fills the placeholders of a settings template (SPEC §0):
 * %EMAILDOMAIN% always, %EMAILADDRESS% and %EMAILLOCALPART% when the
 * request carried an address (else they stay, for the client to fill). */
#ifndef MAILCONFD_EXPAND_H
#define MAILCONFD_EXPAND_H

#include "address.h"
#include "buf.h"

/* Appends tmpl to out with placeholders filled: domain is the hosted
 * domain (A-label), addr the request's address or NULL. The values are
 * not escaped: the caller's writer escapes for its format.
 * Returns 0 or -1 (out of memory). */
int expand(struct buf *out, const char *tmpl, const char *domain,
	   const struct address *addr);

struct dav;
struct render_input;

/* Appends the login of the request's account: the directory's answer
 * when there is one, else the account's pattern filled in. DAV services
 * with a login of their own use it (expand_dav_login). Returns 0 or -1. */
int expand_login(struct buf *out, const struct render_input *in);
int expand_dav_login(struct buf *out, const struct dav *d,
		     const struct render_input *in);

/* Appends the DAV service's URL, https://HOST[:PORT]PATH, for domain.
 * Returns 0 or -1. */
int expand_dav_url(struct buf *out, const struct dav *d, const char *domain);

#endif
