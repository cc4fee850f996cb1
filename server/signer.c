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
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* GnuTLS objects are not shared between threads, so each request thread
 * can take one of several copies of the key: signatures run in parallel
 * (bench/run measured one lock as the limit: 5,200 signed profiles/s). */
#define SIGNER_COPIES_MAX 16

struct signer_copy {
	pthread_mutex_t lock; /* one signature at a time with this copy */
	struct keypair kp;    /* owned */
};

struct signer {
	struct signer_copy copies[SIGNER_COPIES_MAX];
	unsigned n;
	atomic_uint next; /* where the next request starts looking */
};

static unsigned copies_wanted(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (cores < 1)
		return 1;
	return cores > SIGNER_COPIES_MAX ? SIGNER_COPIES_MAX : (unsigned)cores;
}

struct signer *signer_load(const char *cert_file, const char *key_file,
			   time_t now, struct pem_keep *keep, char *why,
			   size_t whysz)
{
	struct signer *s = calloc(1, sizeof(*s)); /* returned or freed */
	unsigned want = copies_wanted();

	if (s == NULL) {
		snprintf(why, whysz, "out of memory");
		return NULL;
	}
	for (s->n = 0; s->n < want; s->n++) {
		struct signer_copy *c = &s->copies[s->n];
		if (keypair_load(&c->kp, cert_file, key_file, now, keep, why,
				 whysz) < 0) {
			signer_free(s);
			return NULL;
		}
		pthread_mutex_init(&c->lock, NULL);
	}
	return s;
}

/* A free copy if there is one, else waits for one; returns it locked. */
static struct signer_copy *take_copy(struct signer *s)
{
	unsigned start = atomic_fetch_add(&s->next, 1), i;
	struct signer_copy *c;

	for (i = 0; i < s->n; i++) {
		c = &s->copies[(start + i) % s->n];
		if (pthread_mutex_trylock(&c->lock) == 0)
			return c;
	}
	c = &s->copies[start % s->n];
	pthread_mutex_lock(&c->lock);
	return c;
}

static int sign_locked(struct signer_copy *s, gnutls_pkcs7_t p7,
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
	struct signer_copy *copy;
	int rc = -1;

	if (gnutls_pkcs7_init(&p7) < 0)
		return -1;
	copy = take_copy(s);
	rc = sign_locked(copy, p7, &in);
	pthread_mutex_unlock(&copy->lock);
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
	return s->copies[0].kp.expires;
}

void signer_free(struct signer *s)
{
	unsigned i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		keypair_clear(&s->copies[i].kp);
		pthread_mutex_destroy(&s->copies[i].lock);
	}
	free(s);
}
