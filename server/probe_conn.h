/* probe_conn.h - one TCP connection of the probe, plain or TLS (GnuTLS),
 * with one deadline for all of it and bounded line reads: a hostile
 * server (endless greeting, a megabyte line, a handshake that never
 * completes) ends in an error by the deadline, never a hang. */
#ifndef MAILCONFD_PROBE_CONN_H
#define MAILCONFD_PROBE_CONN_H

#include <gnutls/gnutls.h>
#include <stddef.h>
#include <time.h>

#define PROBE_LINE_MAX 4096 /* a longer reply line is a finding */

/* What the certificate of a TLS peer says (SPEC §11.2). */
struct probe_cert {
	int valid;	  /* chain, name and dates all good */
	char why[320];	  /* when !valid: what is wrong, as GnuTLS says it */
	long days_left;	  /* until the leaf certificate expires */
	char issuer[160]; /* the leaf's issuer DN, for people */
	char pin[64];	  /* "sha256//" and the base64 SHA-256 of its public
			     key (curl's CURLOPT_PINNEDPUBLICKEY), or "" */
};

struct probe_conn {
	int fd;			     /* owned; -1 when closed */
	gnutls_session_t tls;	     /* owned; NULL until TLS */
	struct timespec deadline;    /* CLOCK_MONOTONIC: nothing goes past */
	char in[PROBE_LINE_MAX + 2]; /* read, not yet taken */
	size_t have;
};

/* Connects to addr (numeric) port with timeout_s for the whole
 * connection. Returns 0, or -1 with why (c is then closed). */
int probe_conn_open(struct probe_conn *c, const char *addr, unsigned port,
		    unsigned timeout_s, char *why, size_t n);

/* The TLS handshake as a client of host (SNI), trusting cred (borrowed),
 * then the certificate checked for host into *cert. Returns 0 when the
 * handshake completed (whatever the certificate), -1 with why. */
int probe_conn_tls(struct probe_conn *c, gnutls_certificate_credentials_t cred,
		   const char *host, struct probe_cert *cert, char *why,
		   size_t n);

/* Reads one line, CRLF or LF stripped, into line[0..n). Returns its
 * length, or -1 with why (closed, timeout, longer than PROBE_LINE_MAX). */
long probe_conn_line(struct probe_conn *c, char *line, size_t n, char *why,
		     size_t wn);

/* Sends s. Returns 0, or -1 with why. */
int probe_conn_send(struct probe_conn *c, const char *s, char *why, size_t n);

/* Bytes received and not yet read as lines. */
size_t probe_conn_pending(const struct probe_conn *c);

/* Drops what was received and not read (the plaintext a server sent
 * after its STARTTLS answer: an injection, SPEC §11.3). */
void probe_conn_discard(struct probe_conn *c);

void probe_conn_close(struct probe_conn *c);

#endif
