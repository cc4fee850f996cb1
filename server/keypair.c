/* keypair.c - a PEM certificate chain and its key, checked. */
#include "keypair.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

#define PEM_KEEP_MAX 4096 /* key files one table may name */

struct pem_keep {
	int sealed;
	size_t n;
	struct {
		char *path;	/* owned */
		struct buf pem; /* owned: the key file's bytes */
	} files[PEM_KEEP_MAX];
};

struct pem_keep *pem_keep_new(void)
{
	return calloc(1, sizeof(struct pem_keep)); /* pem_keep_free() */
}

void pem_keep_seal(struct pem_keep *k)
{
	if (k != NULL)
		k->sealed = 1;
}

void pem_keep_free(struct pem_keep *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->n; i++) {
		free(k->files[i].path);
		memset(k->files[i].pem.data, 0, k->files[i].pem.len);
		buf_free(&k->files[i].pem);
	}
	free(k);
}

static const struct buf *keep_find(const struct pem_keep *k, const char *path)
{
	size_t i;

	for (i = 0; k != NULL && i < k->n; i++)
		if (strcmp(k->files[i].path, path) == 0)
			return &k->files[i].pem;
	return NULL;
}

/* While recording: a copy of the key file's bytes. */
static void keep_add(struct pem_keep *k, const char *path,
		     const struct buf *pem)
{
	if (k == NULL || k->sealed || k->n == PEM_KEEP_MAX ||
	    keep_find(k, path) != NULL)
		return;
	if ((k->files[k->n].path = strdup(path)) == NULL)
		return;
	memset(&k->files[k->n].pem, 0, sizeof(k->files[k->n].pem));
	if (buf_append(&k->files[k->n].pem, pem->data, pem->len) < 0) {
		free(k->files[k->n].path);
		buf_free(&k->files[k->n].pem);
		return;
	}
	k->n++;
}

/* Reads a PEM file into pem (the caller frees it) and points d at it. */
static int read_pem(const char *path, struct buf *pem, gnutls_datum_t *d,
		    char *why, size_t n)
{
	int err;

	if (buf_read_file(pem, path, 1u << 20) < 0) {
		err = errno;
		snprintf(why, n, "cannot read %s: %s", path, strerror(err));
		errno = err;
		return -1;
	}
	d->data = (unsigned char *)pem->data;
	d->size = (unsigned)pem->len;
	return 0;
}

static int load_certs(struct keypair *s, const char *file, char *why, size_t n)
{
	struct buf pem = BUF_INIT; /* freed below */
	gnutls_datum_t d;
	int rc = -1;

	if (read_pem(file, &pem, &d, why, n) < 0)
		goto out;
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

/* The key file's bytes: read now, or, when the daemon may no longer
 * read it, as they were read at start. */
static int read_key(const char *file, struct pem_keep *keep, struct buf *pem,
		    gnutls_datum_t *d, char *why, size_t n)
{
	const struct buf *kept;

	if (read_pem(file, pem, d, why, n) == 0) {
		keep_add(keep, file, pem);
		return 0;
	}
	if (errno != EACCES || (kept = keep_find(keep, file)) == NULL)
		return -1;
	log_warn("%s: not readable any more: using the key read at start "
		 "(a new key takes a restart)",
		 file);
	buf_reset(pem);
	if (buf_append(pem, kept->data, kept->len) < 0)
		return -1;
	d->data = (unsigned char *)pem->data;
	d->size = (unsigned)pem->len;
	return 0;
}

static int load_key(struct keypair *s, const char *file, struct pem_keep *keep,
		    char *why, size_t n)
{
	struct buf pem = BUF_INIT; /* freed below, wiped */
	gnutls_datum_t d;
	int rc = -1;

	if (read_key(file, keep, &pem, &d, why, n) < 0)
		goto out;
	if (gnutls_privkey_init(&s->key) < 0 ||
	    gnutls_privkey_import_x509_raw(s->key, &d, GNUTLS_X509_FMT_PEM,
					   NULL, 0) < 0) {
		snprintf(why, n, "%s holds no usable PEM private key", file);
		goto out;
	}
	rc = 0;
out:
	if (pem.data != NULL)
		memset(pem.data, 0, pem.len);
	buf_free(&pem);
	return rc;
}

static int key_matches(struct keypair *s)
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

static int check_validity(struct keypair *s, const char *file, time_t now,
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

int keypair_load(struct keypair *kp, const char *cert_file,
		 const char *key_file, time_t now, struct pem_keep *keep,
		 char *why, size_t n)
{
	memset(kp, 0, sizeof(*kp));
	if (load_certs(kp, cert_file, why, n) < 0 ||
	    load_key(kp, key_file, keep, why, n) < 0 ||
	    check_validity(kp, cert_file, now, why, n) < 0)
		goto fail;
	if (!key_matches(kp)) {
		snprintf(why, n,
			 "the key in %s does not match the certificate in %s",
			 key_file, cert_file);
		goto fail;
	}
	return 0;
fail:
	keypair_clear(kp);
	return -1;
}

void keypair_clear(struct keypair *kp)
{
	unsigned i;

	if (kp == NULL)
		return;
	for (i = 0; i < kp->n_crts; i++)
		gnutls_x509_crt_deinit(kp->crts[i]);
	gnutls_free(kp->crts);
	if (kp->key != NULL)
		gnutls_privkey_deinit(kp->key);
	memset(kp, 0, sizeof(*kp));
}
