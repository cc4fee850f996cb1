/* acme_key.c - P-256 keys, JWK, thumbprint and ES256 JWS (acme_key.h). */
#include "acme_key.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <string.h>

#include "state_file.h"

#define P256_BYTES 32
#define KEY_MAX	   16384

int b64url_append(struct buf *out, const void *p, size_t n)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
	    "wxyz0123456789-_";
	const unsigned char *s = p;
	char q[4];
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		q[0] = abc[s[i] >> 2];
		q[1] = abc[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		q[2] = abc[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
		q[3] = abc[s[i + 2] & 63];
		buf_append(out, q, 4);
	}
	if (n - i == 1) {
		q[0] = abc[s[i] >> 2];
		q[1] = abc[(s[i] & 3) << 4];
		buf_append(out, q, 2);
	} else if (n - i == 2) {
		q[0] = abc[s[i] >> 2];
		q[1] = abc[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		q[2] = abc[(s[i + 1] & 15) << 2];
		buf_append(out, q, 3);
	}
	return out->failed ? -1 : 0;
}

int acme_key_generate(gnutls_privkey_t *key, struct buf *pem)
{
	gnutls_x509_privkey_t x = NULL;
	gnutls_datum_t out = {NULL, 0};
	int rc = -1;

	*key = NULL;
	if (gnutls_privkey_init(key) < 0 ||
	    gnutls_privkey_generate2(
		*key, GNUTLS_PK_ECDSA,
		GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0, NULL,
		0) < 0 ||
	    gnutls_privkey_export_x509(*key, &x) < 0 ||
	    gnutls_x509_privkey_export2_pkcs8(x, GNUTLS_X509_FMT_PEM, NULL,
					      GNUTLS_PKCS_PLAIN, &out) < 0)
		goto out;
	rc = buf_append(pem, out.data, out.size);
out:
	gnutls_free(out.data);
	if (x != NULL)
		gnutls_x509_privkey_deinit(x);
	if (rc < 0 && *key != NULL) {
		gnutls_privkey_deinit(*key);
		*key = NULL;
	}
	return rc;
}

int acme_key_import(gnutls_privkey_t *key, const char *pem, size_t n)
{
	gnutls_datum_t d = acme_datum(pem, n);

	if (gnutls_privkey_init(key) < 0)
		return -1;
	if (gnutls_privkey_import_x509_raw(*key, &d, GNUTLS_X509_FMT_PEM, NULL,
					   0) < 0) {
		gnutls_privkey_deinit(*key);
		*key = NULL;
		return -1;
	}
	return 0;
}

int acme_key_load_or_make(gnutls_privkey_t *key, const char *path, char *why,
			  size_t n)
{
	struct buf pem = BUF_INIT; /* freed below: holds the key */
	int rc = -1;

	if (buf_read_file(&pem, path, KEY_MAX) == 0) {
		if ((rc = acme_key_import(key, pem.data, pem.len)) < 0)
			snprintf(why, n, "%s: not a private key", path);
	} else if (errno != ENOENT) {
		snprintf(why, n, "cannot read %s: %s", path, strerror(errno));
	} else if (acme_key_generate(key, &pem) < 0) {
		snprintf(why, n, "cannot make a key");
	} else if ((rc = state_file_write(path, pem.data, pem.len, 0600, why,
					  n)) < 0) {
		gnutls_privkey_deinit(*key);
		*key = NULL;
	}
	if (pem.data != NULL)
		memset(pem.data, 0, pem.len);
	buf_free(&pem);
	return rc;
}

/* Copies the big-endian integer v right-aligned into 32 bytes at out;
 * -1 if it does not fit (after a leading sign byte). */
static int fixed32(unsigned char *out, const gnutls_datum_t *v)
{
	const unsigned char *p = v->data;
	size_t n = v->size;

	while (n > P256_BYTES && *p == 0) {
		p++;
		n--;
	}
	if (n > P256_BYTES)
		return -1;
	memcpy(out + P256_BYTES - n, p, n);
	return 0;
}

/* Appends a coordinate as exactly 32 bytes, base64url. */
static int coordinate(struct buf *out, const gnutls_datum_t *v)
{
	unsigned char b[P256_BYTES] = {0};

	return fixed32(b, v) < 0 ? -1 : b64url_append(out, b, sizeof(b));
}

int acme_jwk(struct buf *out, gnutls_privkey_t key)
{
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t x = {NULL, 0}, y = {NULL, 0};
	gnutls_ecc_curve_t curve;
	int rc = -1;

	if (gnutls_pubkey_init(&pub) < 0 ||
	    gnutls_pubkey_import_privkey(pub, key, 0, 0) < 0 ||
	    gnutls_pubkey_export_ecc_raw2(pub, &curve, &x, &y,
					  GNUTLS_EXPORT_FLAG_NO_LZ) < 0 ||
	    curve != GNUTLS_ECC_CURVE_SECP256R1)
		goto out;
	buf_puts(out, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"");
	if (coordinate(out, &x) < 0)
		goto out;
	buf_puts(out, "\",\"y\":\"");
	if (coordinate(out, &y) < 0)
		goto out;
	rc = buf_puts(out, "\"}");
out:
	gnutls_free(x.data);
	gnutls_free(y.data);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	return rc;
}

int acme_thumbprint(char out[ACME_THUMBPRINT_LEN + 1], gnutls_privkey_t key)
{
	struct buf jwk = BUF_INIT, b64 = BUF_INIT; /* freed below */
	unsigned char digest[32];
	int rc = -1;

	if (acme_jwk(&jwk, key) == 0 &&
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, jwk.data, jwk.len, digest) ==
		0 &&
	    b64url_append(&b64, digest, sizeof(digest)) == 0 &&
	    b64.len == ACME_THUMBPRINT_LEN) {
		memcpy(out, b64.data, ACME_THUMBPRINT_LEN + 1);
		rc = 0;
	}
	buf_free(&jwk);
	buf_free(&b64);
	return rc;
}

/* Appends the ES256 signature of data as R||S (RFC 7518 §3.4), base64url:
 * GnuTLS gives DER, whose integers may be 31 to 33 bytes (SPEC §9.1). */
static int es256(struct buf *out, gnutls_privkey_t key, const struct buf *data)
{
	gnutls_datum_t in = acme_datum(data->data, data->len);
	gnutls_datum_t sig = {NULL, 0}, r = {NULL, 0}, s = {NULL, 0};
	unsigned char rs[2 * P256_BYTES] = {0};
	int rc = -1;

	if (gnutls_privkey_sign_data2(key, GNUTLS_SIGN_ECDSA_SHA256, 0, &in,
				      &sig) == 0 &&
	    gnutls_decode_rs_value(&sig, &r, &s) == 0 && fixed32(rs, &r) == 0 &&
	    fixed32(rs + P256_BYTES, &s) == 0)
		rc = b64url_append(out, rs, sizeof(rs));
	gnutls_free(sig.data);
	gnutls_free(r.data);
	gnutls_free(s.data);
	return rc;
}

/* Appends s as a JSON string (the URLs and nonces are ASCII; escapes
 * the two characters JSON needs escaped, to be safe). */
static void json_str(struct buf *out, const char *s)
{
	buf_append(out, "\"", 1);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_append(out, "\\", 1);
		if ((unsigned char)*s >= 0x20)
			buf_append(out, s, 1);
	}
	buf_append(out, "\"", 1);
}

int acme_jws(struct buf *out, gnutls_privkey_t key, const char *kid,
	     const char *nonce, const char *url, const char *payload)
{
	struct buf head = BUF_INIT;  /* freed below */
	struct buf input = BUF_INIT; /* freed below: protected.payload */
	int rc = -1;

	buf_puts(&head, "{\"alg\":\"ES256\",");
	if (kid != NULL) {
		buf_puts(&head, "\"kid\":");
		json_str(&head, kid);
	} else {
		buf_puts(&head, "\"jwk\":");
		if (acme_jwk(&head, key) < 0)
			goto out;
	}
	buf_puts(&head, ",\"nonce\":");
	json_str(&head, nonce);
	buf_puts(&head, ",\"url\":");
	json_str(&head, url);
	buf_puts(&head, "}");
	b64url_append(&input, head.data, head.len);
	buf_append(&input, ".", 1);
	b64url_append(&input, payload, strlen(payload));
	if (head.failed || input.failed)
		goto out;
	buf_puts(out, "{\"protected\":\"");
	buf_append(out, input.data,
		   (size_t)(strchr(input.data, '.') - input.data));
	buf_puts(out, "\",\"payload\":\"");
	buf_puts(out, strchr(input.data, '.') + 1);
	buf_puts(out, "\",\"signature\":\"");
	if (es256(out, key, &input) < 0)
		goto out;
	rc = buf_puts(out, "\"}");
out:
	buf_free(&head);
	buf_free(&input);
	return rc;
}
