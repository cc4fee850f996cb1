/* keypair.h - a PEM certificate chain and its private key, checked: the
 * key matches the first certificate, which is valid now. Shared by the
 * profile signer and the HTTPS listener; re-read on every reload. */
#ifndef MAILCONFD_KEYPAIR_H
#define MAILCONFD_KEYPAIR_H

#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <stddef.h>
#include <time.h>

/* The private keys read while the daemon could read them (at start, as
 * root, before --user drops privileges): a reload that can no longer
 * read a key file (EACCES) takes its bytes from here, so reloading the
 * table keeps working; a key that changed on disk (a renewal) needs a
 * restart. Recording until pem_keep_seal(), then only read. Owned by
 * main(); immutable once sealed; the main thread only. */
struct pem_keep;

struct pem_keep *pem_keep_new(void);
void pem_keep_seal(struct pem_keep *k);
void pem_keep_free(struct pem_keep *k);

struct keypair {
	gnutls_x509_crt_t
	    *crts; /* owned: [0] the certificate, then its chain */
	unsigned n_crts;
	gnutls_privkey_t key; /* owned */
	time_t expires;
};

/* Loads cert_file (PEM, certificate first, then intermediates) and
 * key_file (PEM), through keep (may be NULL). Returns 0, or -1 with a
 * reason in why[0..n) (unreadable, no certificate, expired or not yet
 * valid at now, key does not match); kp is then cleared. */
int keypair_load(struct keypair *kp, const char *cert_file,
		 const char *key_file, time_t now, struct pem_keep *keep,
		 char *why, size_t n);

/* Frees what kp owns. NULL-safe. */
void keypair_clear(struct keypair *kp);

#endif
