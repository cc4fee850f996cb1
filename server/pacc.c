/* pacc.c - the PACC document and its digest (pacc.h). */
#include "pacc.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "expand.h"

/* Per protocol: its member name in each revision and the port of
 * implicit TLS, the only kind PACC has (there is no port member). */
static const struct {
	const char *member[2]; /* [PACC_02], [PACC_03] */
	unsigned port;
} protos[] = {[PROTO_IMAP] = {{"imap", "imap"}, 993},
	      [PROTO_POP3] = {{"pop3", "pop3"}, 995},
	      [PROTO_SMTP] = {{"smtp", "submit"}, 465}};

/* The servers of a's lists that clients are offered for proto. */
static const struct endpoint *first_offered(const struct account *a,
					    enum proto proto)
{
	return proto == PROTO_SMTP
		   ? endpoint_offered(a->outgoing, a->n_outgoing, proto, 1,
				      NULL)
		   : endpoint_offered(a->incoming, a->n_incoming, proto, 1,
				      NULL);
}

static int uses_oauth2(const struct endpoint *e)
{
	size_t i;

	for (i = 0; i < e->n_auth; i++)
		if (e->auth[i] == AUTH_OAUTH2)
			return 1;
	return 0;
}

const char *pacc_check(const struct model *m, const struct account *a)
{
	const struct endpoint *e;
	int p;

	if (strcmp(a->login, "%EMAILADDRESS%") != 0)
		return "PACC has no login: the login must be the address "
		       "(\"login\": \"%EMAILADDRESS%\")";
	if (strlen(m->provider.name) > 60 ||
	    strlen(m->provider.short_name) > 20)
		return "PACC allows a provider name of 60 and a short name of "
		       "20 characters at most";
	for (p = PROTO_IMAP; p <= PROTO_SMTP; p++) {
		if ((e = first_offered(a, (enum proto)p)) == NULL)
			continue;
		if (e->security != SECURITY_TLS)
			return "PACC knows implicit TLS only: a protocol is "
			       "offered with STARTTLS or without TLS";
		if (e->port != protos[p].port)
			return "PACC has no port: IMAP must be on 993, POP3 on "
			       "995, submission on 465";
		if (uses_oauth2(e))
			return "PACC's OAuth2 needs a public client's issuer, "
			       "which the table cannot name";
	}
	return NULL;
}

/* {"host": <the server's host for domain>} */
static json_t *host_object(const struct endpoint *e, const char *domain)
{
	struct buf h = BUF_INIT; /* freed below */
	json_t *o;

	expand(&h, e->host, domain, NULL);
	o = h.failed ? NULL : json_pack("{s:s}", "host", h.data);
	buf_free(&h);
	return o;
}

static int add_dav(json_t *protocols, const char *name, const struct dav *d,
		   const char *domain)
{
	struct buf url = BUF_INIT; /* freed below */
	int rc = 0;

	if (d == NULL)
		return 0;
	expand_dav_url(&url, d, domain);
	rc = url.failed
		 ? -1
		 : json_object_set_new(protocols, name,
				       json_pack("{s:s}", "url", url.data));
	buf_free(&url);
	return rc;
}

static json_t *protocols(const struct account *a, const char *domain,
			 enum pacc_revision rev)
{
	json_t *o = json_object();
	const struct endpoint *e;
	int p, rc = o == NULL ? -1 : 0;

	for (p = PROTO_IMAP; p <= PROTO_SMTP && rc == 0; p++)
		if ((e = first_offered(a, (enum proto)p)) != NULL)
			rc = json_object_set_new(o, protos[p].member[rev],
						 host_object(e, domain));
	if (rc == 0)
		rc = add_dav(o, "caldav", a->caldav, domain);
	if (rc == 0)
		rc = add_dav(o, "carddav", a->carddav, domain);
	if (rc < 0 || json_object_size(o) == 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *info(const struct model *m)
{
	const struct provider *p = &m->provider;
	json_t *o = json_pack("{s:{s:s, s:s}}", "provider", "name", p->name,
			      "shortName", p->short_name);

	if (o != NULL && p->support_url[0] != '\0')
		json_object_set_new(
		    o, "help",
		    json_pack("{s:s}", "documentation", p->support_url));
	return o;
}

int pacc_render(struct buf *out, const struct model *m, const struct account *a,
		const char *domain, enum pacc_revision rev)
{
	json_t *root;
	char *text = NULL; /* from jansson; freed below */
	int rc = -1;

	if (pacc_check(m, a) != NULL)
		return -1;
	root =
	    json_pack("{s:{s:b}, s:o*, s:o*}", "authentication", "password", 1,
		      "info", info(m), "protocols", protocols(a, domain, rev));
	if (root != NULL && json_object_get(root, "protocols") != NULL &&
	    (text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS)) != NULL)
		rc = buf_puts(out, text);
	free(text);
	json_decref(root);
	return rc;
}

int pacc_digest(char out[PACC_DIGEST_B64], const struct model *m,
		const struct account *a, const char *domain,
		enum pacc_revision rev)
{
	struct buf doc = BUF_INIT; /* freed below */
	unsigned char sha[32];
	gnutls_datum_t in = {sha, sizeof(sha)}, b64 = {NULL, 0};
	int rc = -1;

	if (pacc_render(&doc, m, a, domain, rev) == 0 &&
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, doc.data, doc.len, sha) == 0 &&
	    gnutls_base64_encode2(&in, &b64) == 0 &&
	    b64.size < PACC_DIGEST_B64) {
		memcpy(out, b64.data, b64.size);
		out[b64.size] = '\0';
		rc = 0;
	}
	gnutls_free(b64.data);
	buf_free(&doc);
	return rc;
}
