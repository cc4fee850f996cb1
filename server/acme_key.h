/* acme_key.h - the ECDSA P-256 keys of ACME (SPEC §9.1): the account's,
 * which signs every request as a JWS (ES256), and each certificate's; the
 * JWK, its thumbprint (RFC 7638) and base64url (RFC 4648 §5, no padding).
 * Keys live in the state folder as unencrypted PKCS#8 PEM, mode 0600, and
 * are never logged. */
#ifndef MAILCONFD_ACME_KEY_H
#define MAILCONFD_ACME_KEY_H

#include <gnutls/abstract.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* GnuTLS's datum for read-only bytes (GnuTLS does not write through it). */
static inline gnutls_datum_t acme_datum(const void *p, size_t n)
{
	gnutls_datum_t d = {(unsigned char *)(uintptr_t)p, (unsigned)n};
	return d;
}

/* Appends base64url of p[0..n) without '=' to out. */
int b64url_append(struct buf *out, const void *p, size_t n);

/* A new P-256 key in *key (the caller's, gnutls_privkey_deinit), its
 * PEM appended to pem. Returns 0 or -1. */
int acme_key_generate(gnutls_privkey_t *key, struct buf *pem);

/* The key in the PEM text pem (the first PRIVATE KEY block). 0 or -1. */
int acme_key_import(gnutls_privkey_t *key, const char *pem, size_t n);

/* The account key at path, made (0600, atomically) when there is none.
 * Returns 0, or -1 with the reason in why[0..n). */
int acme_key_load_or_make(gnutls_privkey_t *key, const char *path, char *why,
			  size_t n);

/* Appends the public JWK of key, members sorted, no white space (the
 * form RFC 7638 hashes): {"crv":"P-256","kty":"EC","x":..,"y":..}. */
int acme_jwk(struct buf *out, gnutls_privkey_t key);

/* base64url of a SHA-256 digest: 43 characters. */
#define ACME_THUMBPRINT_LEN 43

/* Writes the JWK thumbprint, base64url(SHA-256(the JWK)), NUL-terminated.
 * Returns 0 or -1. */
int acme_thumbprint(char out[ACME_THUMBPRINT_LEN + 1], gnutls_privkey_t key);

/* Appends the flattened JSON JWS of payload (may be "" for POST-as-GET)
 * for url, signed ES256 with key: the protected header carries kid, or
 * the JWK when kid is NULL (newAccount). Returns 0 or -1. */
int acme_jws(struct buf *out, gnutls_privkey_t key, const char *kid,
	     const char *nonce, const char *url, const char *payload);

#endif
