/* tls_tickets.c - the session ticket master key of an HTTPS listener. */
#include "tls_tickets.h"

#include "log.h"

#include <gnutls/gnutls.h>
#include <stdlib.h>

struct tls_tickets {
	gnutls_datum_t key; /* owned (gnutls_malloc): the master key */
};

struct tls_tickets *tls_tickets_new(void)
{
	struct tls_tickets *t = calloc(1, sizeof(*t)); /* returned or freed */
	int rc;

	if (t == NULL)
		return NULL;
	rc = gnutls_session_ticket_key_generate(&t->key);
	if (rc < 0) {
		log_error("TLS session tickets: %s", gnutls_strerror(rc));
		free(t);
		return NULL;
	}
	return t;
}

int tls_tickets_enable(const struct tls_tickets *t, void *session)
{
	if (t == NULL || session == NULL)
		return 0;
	return gnutls_session_ticket_enable_server((gnutls_session_t)session,
						   &t->key) < 0
		   ? -1
		   : 0;
}

void tls_tickets_free(struct tls_tickets *t)
{
	if (t == NULL)
		return;
	gnutls_memset(t->key.data, 0, t->key.size);
	gnutls_free(t->key.data);
	free(t);
}
