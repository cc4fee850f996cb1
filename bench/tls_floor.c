/* tls_floor.c - what a full TLS 1.3 handshake's public-key steps cost the
 * server in the library mailconfd's TLS is made of (GnuTLS on nettle):
 * one ECDSA P-256 signature (gnutls_privkey_sign_hash2, as the handshake's
 * CertificateVerify) and the X25519 key share (nettle's curve25519_mul_g
 * for the server's key, curve25519_mul for the shared secret), in µs,
 * each the median of 5 runs of 2000. bench/run builds it (cc, pkg-config
 * gnutls nettle hogweed) and sets it beside `openssl speed` for nginx's
 * library, to tell how many full handshakes a second the libraries leave
 * each server. Prints: sign_us mul_g_us mul_us. */
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <nettle/curve25519.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define RUNS 5
#define N    2000

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One run of N of step 0 (sign), 1 (mul_g) or 2 (mul): µs each. */
static double run(int step, gnutls_privkey_t key)
{
	unsigned char digest[32] = {1}, scalar[32] = {7}, point[32] = {9},
		      out[32];
	gnutls_datum_t d = {digest, sizeof(digest)}, sig;
	double t0 = now();
	int i;

	for (i = 0; i < N; i++) {
		if (step == 0) {
			if (gnutls_privkey_sign_hash2(
				key, GNUTLS_SIGN_ECDSA_SECP256R1_SHA256, 0, &d,
				&sig) < 0)
				exit(1);
			gnutls_free(sig.data);
		} else if (step == 1) {
			curve25519_mul_g(out, scalar);
		} else {
			curve25519_mul(out, scalar, point);
		}
		scalar[1] ^= out[0]; /* nothing to hoist out of the loop */
	}
	return (now() - t0) * 1e6 / N;
}

int main(void)
{
	gnutls_privkey_t key;
	double t[RUNS];
	int step, r;

	if (gnutls_global_init() < 0 || gnutls_privkey_init(&key) < 0 ||
	    gnutls_privkey_generate(
		key, GNUTLS_PK_ECDSA,
		GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0)
		return 1;
	for (step = 0; step < 3; step++) {
		for (r = 0; r < RUNS; r++)
			t[r] = run(step, key);
		qsort(t, RUNS, sizeof(t[0]), by_value);
		printf("%s%.1f", step ? " " : "", t[RUNS / 2]);
	}
	printf("\n");
	gnutls_privkey_deinit(key);
	return 0;
}
