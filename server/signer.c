/* signer.c - CMS SignedData for Apple profiles, with GnuTLS
 * (gnutls_pkcs7_sign with EMBED_DATA | INCLUDE_CERT, the chain added with
 * gnutls_pkcs7_set_crt; SPEC §3). */
#include "signer.h"

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
	pthread_mutex_t lock;	 /* one signature at a time */
	gnutls_x509_crt_t *crts; /* owned: [0] signer, then intermediates */
	unsigned n_crts;
	gnutls_privkey_t key; /* owned */
	time_t expires;
};

static int read_datum(const char *path, struct buf *b, char *why, size_t n)
{
	if (buf_read_file(b, path, 1u << 20) < 0) {
		snprintf(why, n, "cannot read %s", path);
		return -1;
	}
	return 0;
}

static int load_certs(struct signer *s, const char *file, char *why, size_t n)
{
	struct buf pem = BUF_INIT; /* freed below */
	gnutls_datum_t d;
	int rc = -1;

	if (read_datum(file, &pem, why, n) < 0)
		goto out;
	d.data = (unsigned char *)pem.data;
	d.size = (unsigned)pem.len;
	if (gnutls_x509_crt_list_import2(&s->crts, &s->n_crts, &d,
					 GNUTLS_X509_FMT_PEM, 0) < 0 ||
	    s->n_crts == 0) {
		snprintf(why, n, "%s holds no PEM certificate", file);
		goto out;
	}
	rc = 0;
out:
	buf_free(&pem);
	return rc;
}

static int load_key(struct signer *s, const char *file, char *why, size_t n)
{
	struct buf pem = BUF_INIT; /* freed below */
	gnutls_datum_t d;
	int rc = -1;

	if (read_datum(file, &pem, why, n) < 0)
		goto out;
	d.data = (unsigned char *)pem.data;
	d.size = (unsigned)pem.len;
	if (gnutls_privkey_init(&s->key) < 0 ||
	    gnutls_privkey_import_x509_raw(s->key, &d, GNUTLS_X509_FMT_PEM,
					   NULL, 0) < 0) {
		snprintf(why, n, "%s holds no usable PEM private key", file);
		goto out;
	}
	rc = 0;
out:
	buf_free(&pem);
	return rc;
}

/* Does the private key belong to the signer certificate? */
static int key_matches(struct signer *s)
{
	unsigned char a[64], b[64];
	size_t na = sizeof(a), nb = sizeof(b);
	gnutls_pubkey_t pub = NULL; /* freed below */
	int ok = 0;

	if (gnutls_pubkey_init(&pub) == 0 &&
	    gnutls_pubkey_import_privkey(pub, s->key, 0, 0) == 0 &&
	    gnutls_pubkey_get_key_id(pub, 0, a, &na) == 0 &&
	    gnutls_x509_crt_get_key_id(s->crts[0], 0, b, &nb) == 0)
		ok = na == nb && memcmp(a, b, na) == 0;
	gnutls_pubkey_deinit(pub);
	return ok;
}

static int check_validity(struct signer *s, const char *file, time_t now,
			  char *why, size_t n)
{
	time_t start = gnutls_x509_crt_get_activation_time(s->crts[0]);
	char when[32];
	struct tm tm;

	s->expires = gnutls_x509_crt_get_expiration_time(s->crts[0]);
	if (s->expires != (time_t)-1 && s->expires < now) {
		gmtime_r(&s->expires, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		snprintf(why, n, "the certificate in %s expired on %s", file,
			 when);
		return -1;
	}
	if (start != (time_t)-1 && start > now) {
		snprintf(why, n, "the certificate in %s is not valid yet",
			 file);
		return -1;
	}
	return 0;
}

struct signer *signer_load(const char *cert_file, const char *key_file,
			   time_t now, char *why, size_t whysz)
{
	struct signer *s = calloc(1, sizeof(*s)); /* returned or freed */

	if (s == NULL) {
		snprintf(why, whysz, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	if (load_certs(s, cert_file, why, whysz) < 0 ||
	    load_key(s, key_file, why, whysz) < 0 ||
	    check_validity(s, cert_file, now, why, whysz) < 0)
		goto fail;
	if (!key_matches(s)) {
		snprintf(why, whysz,
			 "the key in %s does not match the "
			 "certificate in %s",
			 key_file, cert_file);
		goto fail;
	}
	return s;
fail:
	signer_free(s);
	return NULL;
}

static int sign_locked(struct signer *s, gnutls_pkcs7_t p7,
		       const gnutls_datum_t *data)
{
	unsigned i;

	if (gnutls_pkcs7_sign(
		p7, s->crts[0], s->key, data, NULL, NULL, GNUTLS_DIG_SHA256,
		GNUTLS_PKCS7_EMBED_DATA | GNUTLS_PKCS7_INCLUDE_CERT) < 0)
		return -1;
	for (i = 1; i < s->n_crts; i++)
		if (gnutls_pkcs7_set_crt(p7, s->crts[i]) < 0)
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
	return s->expires;
}

void signer_free(struct signer *s)
{
	unsigned i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_crts; i++)
		gnutls_x509_crt_deinit(s->crts[i]);
	gnutls_free(s->crts);
	if (s->key != NULL)
		gnutls_privkey_deinit(s->key);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
