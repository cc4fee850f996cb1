/* tls.c - the HTTPS certificates, chosen per connection by SNI. */
#include "tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "keypair.h"

#define NAMES_MAX 64

struct tls_cert {
	struct keypair kp;	/* owned */
	gnutls_pcert_st *pcert; /* owned: kp's chain for the handshake */
	unsigned n_pcert;
	char *names[NAMES_MAX]; /* owned, lower case */
	size_t n_names;
};

struct tls_store {
	struct tls_cert *certs; /* owned array */
	size_t n;
};

struct tls_store *tls_store_new(void)
{
	return calloc(1, sizeof(struct tls_store));
}

size_t tls_store_count(const struct tls_store *s)
{
	return s ? s->n : 0;
}

static int add_name(struct tls_cert *c, const char *name, size_t len)
{
	char *s;
	size_t i;

	if (c->n_names == NAMES_MAX)
		return 0;
	s = malloc(len + 1);
	if (s == NULL)
		return -1;
	for (i = 0; i < len; i++)
		s[i] = (char)((name[i] >= 'A' && name[i] <= 'Z')
				  ? name[i] - 'A' + 'a'
				  : name[i]);
	s[len] = '\0';
	c->names[c->n_names++] = s;
	return 0;
}

/* The DNS subjectAltNames, else the CN. */
static int collect_names(struct tls_cert *c)
{
	char name[256];
	size_t len;
	unsigned i, critical;
	int type;

	for (i = 0;; i++) {
		len = sizeof(name);
		type = gnutls_x509_crt_get_subject_alt_name(
		    c->kp.crts[0], i, name, &len, &critical);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type == GNUTLS_SAN_DNSNAME && add_name(c, name, len) < 0)
			return -1;
		if (type < 0 && type != GNUTLS_E_SHORT_MEMORY_BUFFER)
			break;
	}
	len = sizeof(name);
	if (c->n_names == 0 && gnutls_x509_crt_get_dn_by_oid(
				   c->kp.crts[0], GNUTLS_OID_X520_COMMON_NAME,
				   0, 0, name, &len) == 0)
		return add_name(c, name, len);
	return 0;
}

static void cert_clear(struct tls_cert *c)
{
	unsigned i;

	for (i = 0; i < c->n_pcert; i++)
		gnutls_pcert_deinit(&c->pcert[i]);
	free(c->pcert);
	for (i = 0; i < c->n_names; i++)
		free(c->names[i]);
	keypair_clear(&c->kp);
}

static int cert_load(struct tls_cert *c, const char *cert_file,
		     const char *key_file, time_t now, struct pem_keep *keep,
		     char *why, size_t n)
{
	memset(c, 0, sizeof(*c));
	if (keypair_load(&c->kp, cert_file, key_file, now, keep, why, n) < 0)
		return -1;
	c->pcert = calloc(c->kp.n_crts, sizeof(*c->pcert));
	c->n_pcert = c->kp.n_crts;
	if (c->pcert == NULL ||
	    gnutls_pcert_import_x509_list(c->pcert, c->kp.crts, &c->n_pcert,
					  0) < 0 ||
	    collect_names(c) < 0) {
		snprintf(why, n, "%s: cannot prepare the certificate",
			 cert_file);
		c->n_pcert = 0;
		cert_clear(c);
		return -1;
	}
	return 0;
}

int tls_store_add(struct tls_store *s, const char *cert_file,
		  const char *key_file, time_t now, struct pem_keep *keep,
		  char *why, size_t n)
{
	struct tls_cert *grown = realloc(s->certs, (s->n + 1) * sizeof(*grown));

	if (grown == NULL) {
		snprintf(why, n, "out of memory");
		return -1;
	}
	s->certs = grown;
	if (cert_load(&s->certs[s->n], cert_file, key_file, now, keep, why, n) <
	    0)
		return -1;
	s->n++;
	return 0;
}

int tls_store_pick(const struct tls_store *s, const char *sni,
		   struct gnutls_pcert_st **pcert, unsigned *n,
		   struct gnutls_privkey_st **key)
{
	const struct tls_cert *best = NULL;
	size_t i, k;
	int pass, rc;

	if (s == NULL || s->n == 0)
		return -1;
	for (pass = 0; pass < 2 && best == NULL && sni != NULL; pass++)
		for (i = 0; i < s->n && best == NULL; i++)
			for (k = 0; k < s->certs[i].n_names; k++)
				if (pass == 0 ? strcasecmp(s->certs[i].names[k],
							   sni) == 0
					      : hostname_matches(
						    s->certs[i].names[k], sni))
					best = &s->certs[i];
	rc = best != NULL;
	if (best == NULL)
		best = &s->certs[0];
	*pcert = best->pcert;
	*n = best->n_pcert;
	*key = best->kp.key;
	return rc;
}

void tls_store_free(struct tls_store *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		cert_clear(&s->certs[i]);
	free(s->certs);
	free(s);
}

int tls_priorities_check(const char *s, char *why, size_t n)
{
	gnutls_priority_t p = NULL; /* freed below */
	const char *err = NULL;
	int rc = gnutls_priority_init(&p, s, &err);

	if (rc == GNUTLS_E_SUCCESS) {
		gnutls_priority_deinit(p);
		return 0;
	}
	if (err != NULL && rc == GNUTLS_E_INVALID_REQUEST)
		snprintf(why, n,
			 "GnuTLS does not take this priority string "
			 "(at \"%.40s\")",
			 err);
	else
		snprintf(why, n,
			 "GnuTLS does not take this priority string: %s",
			 gnutls_strerror(rc));
	return -1;
}
