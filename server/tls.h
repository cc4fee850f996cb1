/* tls.h - the HTTPS certificates, chosen per connection by SNI (one per
 * customer domain, or a wildcard). Loaded with the table (server.tls and
 * the --tls-cert/--tls-key options) and so re-read on every reload; a
 * broken or mismatched file fails the reload and the old ones stay. */
#ifndef MAILCONFD_TLS_H
#define MAILCONFD_TLS_H

#include <stddef.h>
#include <time.h>

struct tls_store; /* immutable once loaded; owned by the model */
struct pem_keep;  /* keypair.h */

/* GnuTLS's gnutls_pcert_st and the struct behind gnutls_privkey_t: named
 * here so that only the files that call GnuTLS include its headers. */
struct gnutls_pcert_st;
struct gnutls_privkey_st;

/* The default GnuTLS priority string: Mozilla's "intermediate" profile
 * (TLS 1.2 and 1.3, forward-secret AEAD suites only, X25519/P-256/P-384),
 * the server's order first. server.tls_priorities replaces it. */
#define TLS_PRIORITIES_DEFAULT                                                 \
	"SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:"           \
	"+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:"         \
	"-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:-GROUP-ALL:+GROUP-X25519:"            \
	"+GROUP-SECP256R1:+GROUP-SECP384R1:%SERVER_PRECEDENCE"

/* Checks that GnuTLS accepts the priority string s. Returns 0, or -1
 * with the reason (the part it stumbled on) in why[0..n). */
int tls_priorities_check(const char *s, char *why, size_t n);

struct tls_store *tls_store_new(void);

/* Adds a certificate (PEM chain) and its key. Its names are the DNS
 * subjectAltNames (else the CN), lower case; "*.example.org" covers one
 * label. Returns 0, or -1 with the reason in why[0..n). */
int tls_store_add(struct tls_store *s, const char *cert_file,
		  const char *key_file, time_t now, struct pem_keep *keep,
		  char *why, size_t n);

size_t tls_store_count(const struct tls_store *s);

/* The certificate for the SNI name (NULL or unknown: the first one):
 * exact name first, then a wildcard. The pointers live as long as the
 * store. Returns 1 when one is made out to the name, 0 for the first
 * one, or -1 if the store is empty. */
int tls_store_pick(const struct tls_store *s, const char *sni,
		   struct gnutls_pcert_st **pcert, unsigned *n,
		   struct gnutls_privkey_st **key);

void tls_store_free(struct tls_store *s);

#endif
