/* signer.c - CMS SignedData for Apple profiles, with GnuTLS
 * (gnutls_pkcs7_sign with EMBED_DATA | INCLUDE_CERT, the chain added with
 * gnutls_pkcs7_set_crt; SPEC §3). */
#include "signer.h"

#include "keypair.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/pkcs7.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct signer {
	pthread_mutex_t lock; /* one signature at a time */
	struct keypair kp;    /* owned */
};

struct signer *signer_load(const char *cert_file, const char *key_file,
			   time_t now, char *why, size_t whysz)
{
	struct signer *s = calloc(1, sizeof(*s)); /* returned or freed */

	if (s == NULL) {
		snprintf(why, whysz, "out of memory");
		return NULL;
	}
	if (keypair_load(&s->kp, cert_file, key_file, now, why, whysz) < 0) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

static int sign_locked(struct signer *s, gnutls_pkcs7_t p7,
		       const gnutls_datum_t *data)
{
	unsigned i;

	if (gnutls_pkcs7_sign(p7, s->kp.crts[0], s->kp.key, data, NULL, NULL,
			      GNUTLS_DIG_SHA256,
			      GNUTLS_PKCS7_EMBED_DATA |
				  GNUTLS_PKCS7_INCLUDE_CERT) < 0)
		return -1;
	for (i = 1; i < s->kp.n_crts; i++)
		if (gnutls_pkcs7_set_crt(p7, s->kp.crts[i]) < 0)
			return -1;
	return 0;
}

int signer_sign(struct signer *s, struct buf *out, const char *data, size_t len)
{
	gnutls_pkcs7_t p7 = NULL; /* freed below */
	gnutls_datum_t in = {(unsigned char *)(uintptr_t)data, (unsigned)len};
	gnutls_datum_t der = {NULL, 0}; /* from GnuTLS; freed below */
	int rc = -1;

	if (gnutls_pkcs7_init(&p7) < 0)
		return -1;
	pthread_mutex_lock(&s->lock);
	rc = sign_locked(s, p7, &in);
	pthread_mutex_unlock(&s->lock);
	if (rc == 0 && gnutls_pkcs7_export2(p7, GNUTLS_X509_FMT_DER, &der) < 0)
		rc = -1;
	if (rc == 0)
		rc = buf_append(out, der.data, der.size);
	gnutls_free(der.data);
	gnutls_pkcs7_deinit(p7);
	return rc;
}

time_t signer_expires(const struct signer *s)
{
	return s->kp.expires;
}

void signer_free(struct signer *s)
{
	if (s == NULL)
		return;
	keypair_clear(&s->kp);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
