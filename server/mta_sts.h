/* mta_sts.h - the MTA-STS policy file (RFC 8461 §3.2, SPEC §10.2) and its
 * id, and the TLS-RPT record's value (RFC 8460 §3): pure functions of an
 * account and a domain. */
#ifndef MAILCONFD_MTA_STS_H
#define MAILCONFD_MTA_STS_H

#include "buf.h"
#include "model.h"

#define MTA_STS_ID_LEN 32

/* Appends the policy for domain (a->policy.sts must be set): version,
 * mode, one mx line per pattern (the MX hosts when the table gives no
 * patterns), max_age, each line ending in CRLF. Returns 0 or -1. */
int mta_sts_render(struct buf *out, const struct account *a,
		   const char *domain);

/* The policy's id for the _mta-sts record: the first 32 hex digits of
 * the SHA-256 of its bytes, so it changes exactly when they do. Returns
 * 0 or -1. */
int mta_sts_id(char id[MTA_STS_ID_LEN + 1], const struct account *a,
	       const char *domain);

#endif
