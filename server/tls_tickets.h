/* tls_tickets.h - TLS session resumption for the HTTPS listener (RFC 8446
 * 2.2): a session ticket master key made when the listener starts, which
 * each connection's session gets before its handshake; GnuTLS encrypts
 * the tickets with keys it derives from it and rotates itself (every
 * ticket lifetime, gnutls_db_set_cache_expiration's default of 6 hours).
 * A client that comes back within that time resumes without a
 * certificate or a signature (issue 25). The key lives in memory only: a
 * restart makes old tickets worthless, and clients do a full handshake. */
#ifndef MAILCONFD_TLS_TICKETS_H
#define MAILCONFD_TLS_TICKETS_H

struct tls_tickets; /* opaque; owned by the listener; read-only once made */

/* A new random master key, or NULL (logged). */
struct tls_tickets *tls_tickets_new(void);

/* Lets session (a gnutls_session_t, server side, before its handshake)
 * issue and accept tickets under t. NULL t: nothing. Returns 0 or -1. */
int tls_tickets_enable(const struct tls_tickets *t, void *session);

/* Wipes and frees the key. NULL-safe. */
void tls_tickets_free(struct tls_tickets *t);

#endif
