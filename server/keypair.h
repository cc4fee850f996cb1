/* keypair.h - a PEM certificate chain and its private key, checked: the
 * key matches the first certificate, which is valid now. Shared by the
 * profile signer and the HTTPS listener; re-read on every reload. */
#ifndef MAILCONFD_KEYPAIR_H
#define MAILCONFD_KEYPAIR_H

#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <stddef.h>
#include <time.h>

struct keypair {
	gnutls_x509_crt_t
	    *crts; /* owned: [0] the certificate, then its chain */
	unsigned n_crts;
	gnutls_privkey_t key; /* owned */
	time_t expires;
};

/* Loads cert_file (PEM, certificate first, then intermediates) and
 * key_file (PEM). Returns 0, or -1 with a reason in why[0..n) (unreadable,
 * no certificate, expired or not yet valid at now, key does not match);
 * kp is then cleared. */
int keypair_load(struct keypair *kp, const char *cert_file,
		 const char *key_file, time_t now, char *why, size_t n);

/* Frees what kp owns. NULL-safe. */
void keypair_clear(struct keypair *kp);

#endif
