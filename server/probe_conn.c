/* probe_conn.c - the probe's connections (probe_conn.h). The socket is
 * non-blocking throughout; every wait is a poll() bounded by the
 * connection's deadline, TLS included (GnuTLS's E_AGAIN loops here). */
#include "probe_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Milliseconds left until c's deadline (0 when past). */
static int left_ms(const struct probe_conn *c)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(c->deadline.tv_sec - now.tv_sec) * 1000 +
	     (c->deadline.tv_nsec - now.tv_nsec) / 1000000;
	return ms <= 0 ? 0 : ms > 600000 ? 600000 : (int)ms;
}

/* Waits until c's socket is ready for events. Returns 0, or -1 at the
 * deadline. */
static int wait_for(struct probe_conn *c, short events)
{
	struct pollfd p = {c->fd, events, 0};
	int ms, r;

	do {
		ms = left_ms(c);
		r = ms > 0 ? poll(&p, 1, ms) : 0;
	} while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -1;
}

/* Connects c's socket to ai. Returns 0 or the errno. */
static int connect_wait(struct probe_conn *c, const struct addrinfo *ai)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	if (wait_for(c, POLLOUT) < 0)
		return ETIMEDOUT;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

int probe_conn_open(struct probe_conn *c, const char *addr, unsigned port,
		    unsigned timeout_s, char *why, size_t n)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL; /* freed below */
	char service[8];
	int err;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &c->deadline);
	c->deadline.tv_sec += timeout_s;
	snprintf(service, sizeof(service), "%u", port);
	if (getaddrinfo(addr, service, &hints, &ai) != 0) {
		snprintf(why, n, "%s: not an address", addr);
		return -1;
	}
	c->fd = socket(ai->ai_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	err = c->fd < 0 ? errno : connect_wait(c, ai);
	freeaddrinfo(ai);
	if (err != 0) {
		snprintf(why, n, "%s port %u: %s", addr, port, strerror(err));
		probe_conn_close(c);
		return -1;
	}
	return 0;
}

/* Runs op until it stops asking to wait. Returns its result, or
 * GNUTLS_E_TIMEDOUT at the deadline. */
static int tls_loop(struct probe_conn *c, int (*op)(gnutls_session_t))
{
	int r;

	while ((r = op(c->tls)) == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
		if (wait_for(c, gnutls_record_get_direction(c->tls)
				    ? POLLOUT
				    : POLLIN) < 0)
			return GNUTLS_E_TIMEDOUT;
	return r;
}

/* The pin of leaf's public key into out[0..n) (probe_cert.pin). */
static void key_pin(gnutls_x509_crt_t leaf, char *out, size_t n)
{
	gnutls_pubkey_t pub;
	gnutls_datum_t der = {NULL, 0}, b64 = {NULL, 0}, d;
	unsigned char sha[32];

	out[0] = '\0';
	if (gnutls_pubkey_init(&pub) < 0)
		return;
	d.data = sha;
	d.size = sizeof(sha);
	if (gnutls_pubkey_import_x509(pub, leaf, 0) == 0 &&
	    gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der) == 0 &&
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, sha) == 0 &&
	    gnutls_base64_encode2(&d, &b64) == 0)
		snprintf(out, n, "sha256//%.*s", (int)b64.size, b64.data);
	gnutls_free(der.data);
	gnutls_free(b64.data);
	gnutls_pubkey_deinit(pub);
}

/* What the peer's certificate says for host (after the handshake). */
static void check_cert(struct probe_conn *c, const char *host,
		       struct probe_cert *cert)
{
	const gnutls_datum_t *list;
	gnutls_datum_t text = {NULL, 0}, dn = {NULL, 0};
	gnutls_x509_crt_t leaf;
	unsigned n = 0, status = 0;

	memset(cert, 0, sizeof(*cert));
	if (gnutls_certificate_verify_peers3(c->tls, host, &status) < 0)
		status = GNUTLS_CERT_INVALID;
	cert->valid = status == 0;
	if (status != 0 && gnutls_certificate_verification_status_print(
			       status, GNUTLS_CRT_X509, &text, 0) == 0)
		snprintf(cert->why, sizeof(cert->why), "%s", text.data);
	gnutls_free(text.data);
	list = gnutls_certificate_get_peers(c->tls, &n);
	if (n == 0 || gnutls_x509_crt_init(&leaf) < 0)
		return;
	if (gnutls_x509_crt_import(leaf, &list[0], GNUTLS_X509_FMT_DER) == 0) {
		cert->days_left =
		    (long)((gnutls_x509_crt_get_expiration_time(leaf) -
			    time(NULL)) /
			   86400);
		if (gnutls_x509_crt_get_issuer_dn2(leaf, &dn) == 0)
			snprintf(cert->issuer, sizeof(cert->issuer), "%s",
				 dn.data);
		gnutls_free(dn.data);
		key_pin(leaf, cert->pin, sizeof(cert->pin));
	}
	gnutls_x509_crt_deinit(leaf);
}

int probe_conn_tls(struct probe_conn *c, gnutls_certificate_credentials_t cred,
		   const char *host, struct probe_cert *cert, char *why,
		   size_t n)
{
	int r;

	memset(cert, 0, sizeof(*cert));
	if (gnutls_init(&c->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0) {
		c->tls = NULL;
		snprintf(why, n, "out of memory");
		return -1;
	}
	if (gnutls_set_default_priority(c->tls) < 0 ||
	    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, cred) < 0 ||
	    gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, host,
				   strlen(host)) < 0) {
		snprintf(why, n, "TLS setup failed");
		return -1;
	}
	gnutls_transport_set_int(c->tls, c->fd);
	r = tls_loop(c, gnutls_handshake);
	if (r < 0) {
		snprintf(why, n, "TLS handshake with %s: %s", host,
			 r == GNUTLS_E_TIMEDOUT ? "did not complete in time"
						: gnutls_strerror(r));
		return -1;
	}
	check_cert(c, host, cert);
	return 0;
}

/* Reads more bytes into c->in. Returns 0, or -1 with why. */
static int fill(struct probe_conn *c, char *why, size_t n)
{
	size_t room = sizeof(c->in) - 1 - c->have;
	ssize_t r;

	for (;;) {
		if (c->tls != NULL)
			r = gnutls_record_recv(c->tls, c->in + c->have, room);
		else
			r = recv(c->fd, c->in + c->have, room, 0);
		if (r > 0) {
			c->have += (size_t)r;
			return 0;
		}
		if (r == 0) {
			snprintf(why, n, "the server closed the connection");
			return -1;
		}
		if (c->tls != NULL
			? r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED
			: errno != EAGAIN && errno != EINTR) {
			snprintf(why, n, "read: %s",
				 c->tls ? gnutls_strerror((int)r)
					: strerror(errno));
			return -1;
		}
		if (wait_for(c, POLLIN) < 0) {
			snprintf(why, n, "no answer in time");
			return -1;
		}
	}
}

long probe_conn_line(struct probe_conn *c, char *line, size_t n, char *why,
		     size_t wn)
{
	char *nl;
	size_t len;

	while ((nl = memchr(c->in, '\n', c->have)) == NULL) {
		if (c->have >= PROBE_LINE_MAX) {
			snprintf(why, wn, "a reply line longer than %d bytes",
				 PROBE_LINE_MAX);
			return -1;
		}
		if (fill(c, why, wn) < 0)
			return -1;
	}
	len = (size_t)(nl - c->in);
	if (len > 0 && c->in[len - 1] == '\r')
		len--;
	if (len >= n)
		len = n - 1;
	memcpy(line, c->in, len);
	line[len] = '\0';
	c->have -= (size_t)(nl + 1 - c->in);
	memmove(c->in, nl + 1, c->have);
	return (long)len;
}

int probe_conn_send(struct probe_conn *c, const char *s, char *why, size_t n)
{
	size_t len = strlen(s), done = 0;
	ssize_t r;

	while (done < len) {
		r = c->tls ? gnutls_record_send(c->tls, s + done, len - done)
			   : send(c->fd, s + done, len - done, MSG_NOSIGNAL);
		if (r > 0) {
			done += (size_t)r;
			continue;
		}
		if ((c->tls ? r != GNUTLS_E_AGAIN : errno != EAGAIN) ||
		    wait_for(c, POLLOUT) < 0) {
			snprintf(why, n, "could not send");
			return -1;
		}
	}
	return 0;
}

size_t probe_conn_pending(const struct probe_conn *c)
{
	return c->have;
}

void probe_conn_discard(struct probe_conn *c)
{
	c->have = 0;
}

void probe_conn_close(struct probe_conn *c)
{
	if (c->tls != NULL) {
		gnutls_bye(c->tls, GNUTLS_SHUT_WR);
		gnutls_deinit(c->tls);
		c->tls = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
