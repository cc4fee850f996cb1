/* signer.h - CMS SignedData for Apple profiles (SPEC §3), with GnuTLS.
 *
 * A signer is loaded with the table (and so re-read on every reload: the
 * certificates renew every 90 days) and is immutable afterwards; signing
 * is serialized inside (GnuTLS objects are not shared across threads). */
#ifndef MAILCONFD_SIGNER_H
#define MAILCONFD_SIGNER_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

struct signer; /* opaque; owned by the model */

/* Loads the PEM certificate file (the signer's certificate first, then
 * any intermediates, as in a fullchain.pem) and the PEM private key.
 * Checks that the key matches the certificate and that the certificate is
 * valid at now. Returns the signer, or NULL with a reason (written into
 * why[0..whysz)). */
struct pem_keep; /* keypair.h */

/* keep: key files read at start (may be NULL; keypair.h). */
struct signer *signer_load(const char *cert_file, const char *key_file,
			   time_t now, struct pem_keep *keep, char *why,
			   size_t whysz);

/* Appends to out a DER CMS SignedData with data[0..len) embedded
 * unchanged, the signer's certificate and the intermediates included,
 * digest SHA-256. Returns 0 or -1. */
int signer_sign(struct signer *s, struct buf *out, const char *data,
		size_t len);

/* The signer certificate's expiry time. */
time_t signer_expires(const struct signer *s);

void signer_free(struct signer *s);

#endif
