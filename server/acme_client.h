/* acme_client.h - an RFC 8555 client (SPEC §9.1): account, order,
 * HTTP-01 authorizations, finalize with a CSR, download. One client per
 * worker thread; every call blocks (bounded by the CA's answers, 30 s a
 * request, and the poll limit). */
#ifndef MAILCONFD_ACME_CLIENT_H
#define MAILCONFD_ACME_CLIENT_H

#include <gnutls/abstract.h>
#include <stdatomic.h>
#include <stddef.h>

#include "buf.h"

struct acme_client; /* opaque; owned by the ACME worker */

/* Where the HTTP-01 key authorizations go while the CA validates: the
 * plain listener answers them (acme.h). */
struct acme_challenge_ops {
	void *cls;
	int (*publish)(void *cls, const char *token, const char *keyauth);
	void (*withdraw)(void *cls, const char *token);
};

/* What the CA said when an order failed: its problem type and detail,
 * and whether trying again soon may help (badNonce, rateLimited, a
 * transport error) or the domain should back off (a failed validation). */
struct acme_problem {
	char why[512];
	int retry_soon;
};

/* Reads the CA's directory and finds or makes the account of key
 * (borrowed; outlives the client), agreeing to the CA's terms. contact
 * ("mailto:...") may be NULL. stop (borrowed) ends waits when set.
 * Returns the client, or NULL with the reason in p. */
struct acme_client *acme_client_new(const char *directory_url,
				    const char *ca_file, gnutls_privkey_t key,
				    const char *contact, const atomic_int *stop,
				    struct acme_problem *p);

/* Orders one certificate for names[0..n) (DNS names, the first is the
 * subject): a new P-256 key, its PEM appended to key_pem, the chain (leaf
 * first) to chain. replaces: the ARI certID of the certificate this one
 * renews (RFC 9773 §5), or NULL. Returns 0, or -1 with p filled. */
int acme_client_obtain(struct acme_client *c, const char *const *names,
		       size_t n, const char *replaces,
		       const struct acme_challenge_ops *ops,
		       struct buf *key_pem, struct buf *chain,
		       struct acme_problem *p);

/* The directory's renewalInfo URL (RFC 9773 §3), or NULL without ARI. */
const char *acme_client_renewal_info(const struct acme_client *c);

/* GET renewalInfo/certid: the window's start and end (Unix time) and
 * how many seconds until asking again (-1: not said). 0 or -1. */
int acme_client_ari(struct acme_client *c, const char *certid, long long *start,
		    long long *end, long *retry_after);

/* How many badNonce answers were signed again (RFC 8555 §6.5). */
unsigned long acme_client_bad_nonces(const struct acme_client *c);

void acme_client_free(struct acme_client *c);

#endif
