/* pacc.h - the PACC document (draft-ietf-mailmaint-pacc, SPEC §10.1):
 * the JSON a client fetches from
 * https://ua-auto-config.<domain>/.well-known/user-agent-configuration.json,
 * pinned by a SHA-256 digest in the _ua-auto-config TXT record. Every
 * byte counts, so the bytes are jansson's compact dump with sorted keys:
 * the same account always gives the same bytes. */
#ifndef MAILCONFD_PACC_H
#define MAILCONFD_PACC_H

#include "buf.h"
#include "model.h"

#define PACC_DIGEST_B64 45 /* base64 of a SHA-256, padded, and a NUL */

/* Appends the document of revision rev for domain (its account a).
 * Returns 0, or -1 (out of memory, or the account has nothing PACC can
 * say: pacc_check() tells why). */
int pacc_render(struct buf *out, const struct model *m, const struct account *a,
		const char *domain, enum pacc_revision rev);

/* The digest for the TXT record: standard base64, '=' padded, of the
 * SHA-256 of the document's bytes. Returns 0 or -1. */
int pacc_digest(char out[PACC_DIGEST_B64], const struct model *m,
		const struct account *a, const char *domain,
		enum pacc_revision rev);

/* What PACC cannot express of account a, or NULL: a server offered on
 * another port than the implicit-TLS one (993, 995, 465), a protocol
 * offered with STARTTLS or without TLS only, a login that is not the
 * address, OAuth2 (PACC needs an issuer the table cannot name), a
 * provider name longer than 60 or a short name longer than 20. */
const char *pacc_check(const struct model *m, const struct account *a);

#endif
