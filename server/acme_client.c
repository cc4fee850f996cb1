/* acme_client.c - the RFC 8555 flow (acme_client.h). */
#define _GNU_SOURCE /* timegm */
#include "acme_client.h"

#include <gnutls/x509.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme_http.h"
#include "acme_key.h"
#include "acme_state.h"

#define POST_TRIES 10 /* badNonce answers in a row before giving up */
#define POLL_MAX_S 90 /* how long an authorization or order may take */

struct acme_client {
	struct acme_http *http; /* owned */
	gnutls_privkey_t key;	/* borrowed: the account key */
	json_t *dir;		/* owned: the directory */
	char *kid;		/* owned: the account URL */
	char thumbprint[ACME_THUMBPRINT_LEN + 1];
	char nonce[ACME_NONCE_MAX]; /* the next one to use, or "" */
	const atomic_int *stop;	    /* borrowed */
	unsigned long bad_nonces;   /* answers signed again */
};

static const char *dir_url(const struct acme_client *c, const char *name)
{
	return json_string_value(json_object_get(c->dir, name));
}

/* Sleeps s seconds in steps, unless stop is set: 0, or -1 on stop. */
static int pause_s(const struct acme_client *c, long s)
{
	struct timespec step = {0, 100 * 1000 * 1000};
	long i;

	for (i = 0; i < s * 10; i++) {
		if (atomic_load(c->stop))
			return -1;
		nanosleep(&step, NULL);
	}
	return atomic_load(c->stop) ? -1 : 0;
}

/* The problem document of a, as "type: detail (HTTP status)". */
static void problem_of(const struct acme_answer *a, const char *what,
		       struct acme_problem *p)
{
	json_t *j = a->body.data ? json_loads(a->body.data, 0, NULL) : NULL;
	const char *type = json_string_value(json_object_get(j, "type"));
	const char *detail = json_string_value(json_object_get(j, "detail"));

	if (a->status == 0) {
		snprintf(p->why, sizeof(p->why), "%s: %s", what, a->error);
		p->retry_soon = 1;
	} else {
		snprintf(p->why, sizeof(p->why), "%s: %s: %s (HTTP %ld)", what,
			 type ? type : "no problem document",
			 detail ? detail : "", a->status);
		p->retry_soon =
		    type != NULL && (strstr(type, ":badNonce") != NULL ||
				     strstr(type, ":rateLimited") != NULL ||
				     strstr(type, ":serverInternal") != NULL);
	}
	json_decref(j);
}

static int is_bad_nonce(const struct acme_answer *a)
{
	return a->status == 400 && a->body.data != NULL &&
	       strstr(a->body.data, "urn:ietf:params:acme:error:badNonce") !=
		   NULL;
}

static int fresh_nonce(struct acme_client *c, struct acme_problem *p)
{
	struct acme_answer a = {.retry_after = -1};
	const char *url = dir_url(c, "newNonce");
	int rc = -1;

	if (url != NULL && acme_http_do(c->http, "HEAD", url, NULL, &a) == 0 &&
	    a.nonce[0] != '\0') {
		memcpy(c->nonce, a.nonce, sizeof(c->nonce));
		rc = 0;
	} else {
		problem_of(&a, "newNonce", p);
	}
	acme_answer_clear(&a);
	return rc;
}

/* A signed POST of payload ("" for POST-as-GET) to url, signing again
 * with the fresh nonce after a badNonce (RFC 8555 §6.5). The answer is
 * the caller's (acme_answer_clear). 0 when an HTTP answer came. */
static int post(struct acme_client *c, const char *url, const char *payload,
		struct acme_answer *a, struct acme_problem *p)
{
	struct buf jws = BUF_INIT; /* freed below */
	int tries, rc = -1;

	for (tries = 0; tries < POST_TRIES; tries++) {
		if (c->nonce[0] == '\0' && fresh_nonce(c, p) < 0)
			break;
		buf_reset(&jws);
		if (acme_jws(&jws, c->key, c->kid, c->nonce, url, payload) <
		    0) {
			snprintf(p->why, sizeof(p->why), "signing failed");
			break;
		}
		c->nonce[0] = '\0';
		if (acme_http_do(c->http, "POST", url, &jws, a) < 0) {
			problem_of(a, url, p);
			break;
		}
		memcpy(c->nonce, a->nonce, sizeof(c->nonce));
		if (!is_bad_nonce(a)) {
			rc = 0;
			break;
		}
		c->bad_nonces++;
	}
	if (tries == POST_TRIES)
		problem_of(a, url, p);
	buf_free(&jws);
	return rc;
}

/* POST-as-GET of url, its JSON answer in *out (the caller's). */
static int fetch_json(struct acme_client *c, const char *url, json_t **out,
		      long *retry_after, struct acme_problem *p)
{
	struct acme_answer a = {.retry_after = -1};
	int rc = -1;

	*out = NULL;
	if (post(c, url, "", &a, p) == 0) {
		if (a.status == 200 &&
		    (*out = json_loads(a.body.data ? a.body.data : "", 0,
				       NULL)) != NULL)
			rc = 0;
		else
			problem_of(&a, url, p);
	}
	if (retry_after != NULL)
		*retry_after = a.retry_after;
	acme_answer_clear(&a);
	return rc;
}

static int read_directory(struct acme_client *c, const char *url,
			  struct acme_problem *p)
{
	struct acme_answer a = {.retry_after = -1};
	int rc = -1;

	if (acme_http_do(c->http, "GET", url, NULL, &a) < 0 || a.status != 200)
		problem_of(&a, "the CA's directory", p);
	else if ((c->dir = json_loads(a.body.data, 0, NULL)) == NULL ||
		 dir_url(c, "newNonce") == NULL ||
		 dir_url(c, "newAccount") == NULL ||
		 dir_url(c, "newOrder") == NULL)
		snprintf(p->why, sizeof(p->why), "%s: not an ACME directory",
			 url);
	else
		rc = 0;
	acme_answer_clear(&a);
	return rc;
}

static int new_account(struct acme_client *c, const char *contact,
		       struct acme_problem *p)
{
	json_t *req = json_pack("{s:b}", "termsOfServiceAgreed", 1);
	struct acme_answer a = {.retry_after = -1};
	char *payload;
	int rc = -1;

	if (contact != NULL && contact[0] != '\0')
		json_object_set_new(req, "contact", json_pack("[s]", contact));
	payload = json_dumps(req, JSON_COMPACT); /* freed below */
	json_decref(req);
	if (payload != NULL &&
	    post(c, dir_url(c, "newAccount"), payload, &a, p) == 0) {
		if ((a.status == 200 || a.status == 201) && a.location[0])
			rc = (c->kid = strdup(a.location)) ? 0 : -1;
		else
			problem_of(&a, "newAccount", p);
	}
	free(payload);
	acme_answer_clear(&a);
	return rc;
}

struct acme_client *acme_client_new(const char *directory_url,
				    const char *ca_file, gnutls_privkey_t key,
				    const char *contact, const atomic_int *stop,
				    struct acme_problem *p)
{
	struct acme_client *c = calloc(1, sizeof(*c)); /* the caller's */

	memset(p, 0, sizeof(*p));
	if (c == NULL)
		return NULL;
	c->key = key;
	c->stop = stop;
	if ((c->http = acme_http_new(ca_file)) == NULL) {
		snprintf(p->why, sizeof(p->why), "libcurl failed to start");
	} else if (read_directory(c, directory_url, p) == 0 &&
		   acme_thumbprint(c->thumbprint, key) == 0 &&
		   new_account(c, contact, p) == 0) {
		return c;
	}
	p->retry_soon = 1;
	acme_client_free(c);
	return NULL;
}

void acme_client_free(struct acme_client *c)
{
	if (c == NULL)
		return;
	acme_http_free(c->http);
	json_decref(c->dir);
	free(c->kid);
	free(c);
}

unsigned long acme_client_bad_nonces(const struct acme_client *c)
{
	return c->bad_nonces;
}

const char *acme_client_renewal_info(const struct acme_client *c)
{
	return dir_url(c, "renewalInfo");
}

/* Polls the object at url until its status is not one of the waiting
 * ones; *out (the caller's) is the last answer. */
static int poll_status(struct acme_client *c, const char *url,
		       const char *wait1, const char *wait2, json_t **out,
		       struct acme_problem *p)
{
	long retry = -1, waited = 0;
	const char *st;
	char was[32];

	for (;;) {
		if (fetch_json(c, url, out, &retry, p) < 0)
			return -1;
		st = json_string_value(json_object_get(*out, "status"));
		if (st == NULL || (strcmp(st, wait1) != 0 &&
				   (wait2 == NULL || strcmp(st, wait2) != 0)))
			return 0;
		snprintf(was, sizeof(was), "%s", st); /* *out is freed next */
		json_decref(*out);
		*out = NULL;
		retry = retry < 1 ? 1 : retry > 10 ? 10 : retry;
		if ((waited += retry) > POLL_MAX_S || pause_s(c, retry) < 0) {
			snprintf(p->why, sizeof(p->why),
				 "%s: still %s after %d s", url, was,
				 POLL_MAX_S);
			p->retry_soon = 1;
			return -1;
		}
	}
}

/* The why of an authorization that did not become valid: its
 * challenge's error, if the CA gave one. */
static void authz_failed(const json_t *authz, struct acme_problem *p)
{
	const json_t *ch;
	size_t i;
	const char *ident = json_string_value(
	    json_object_get(json_object_get(authz, "identifier"), "value"));

	snprintf(p->why, sizeof(p->why), "the authorization of %s is %s",
		 ident ? ident : "?",
		 json_string_value(json_object_get(authz, "status")));
	json_array_foreach (json_object_get(authz, "challenges"), i, ch) {
		const json_t *e = json_object_get(ch, "error");
		if (e != NULL)
			snprintf(
			    p->why, sizeof(p->why), "%s: %s: %s",
			    ident ? ident : "?",
			    json_string_value(json_object_get(e, "type")),
			    json_string_value(json_object_get(e, "detail")));
	}
	p->retry_soon = 0;
}

/* The http-01 challenge of authz: its token and URL, or -1. */
static int http01(const json_t *authz, const char **token, const char **url)
{
	const json_t *ch;
	size_t i;

	json_array_foreach (json_object_get(authz, "challenges"), i, ch) {
		const char *type =
		    json_string_value(json_object_get(ch, "type"));
		if (type == NULL || strcmp(type, "http-01") != 0)
			continue;
		*token = json_string_value(json_object_get(ch, "token"));
		*url = json_string_value(json_object_get(ch, "url"));
		return *token && *url && acme_token_ok(*token) ? 0 : -1;
	}
	return -1;
}

/* Answers the http-01 challenge of authz and waits until the CA has
 * judged it: 0 valid, -1 otherwise (p says why). */
static int respond(struct acme_client *c, json_t *authz, const char *url,
		   const struct acme_challenge_ops *ops, struct acme_problem *p)
{
	struct acme_answer a = {.retry_after = -1};
	const char *token = NULL, *ch_url = NULL;
	struct buf keyauth = BUF_INIT; /* freed below */
	json_t *done = NULL;
	int rc = -1;

	if (http01(authz, &token, &ch_url) < 0) {
		snprintf(p->why, sizeof(p->why), "%s: no http-01 challenge",
			 url);
		return -1;
	}
	buf_printf(&keyauth, "%s.%s", token, c->thumbprint);
	if (keyauth.failed || ops->publish(ops->cls, token, keyauth.data) < 0) {
		snprintf(p->why, sizeof(p->why), "cannot keep a challenge");
		p->retry_soon = 1;
	} else if (post(c, ch_url, "{}", &a, p) == 0 && a.status != 200) {
		problem_of(&a, "the challenge", p);
	} else if (a.status == 200 &&
		   poll_status(c, url, "pending", "processing", &done, p) ==
		       0) {
		const char *st =
		    json_string_value(json_object_get(done, "status"));
		if (st != NULL && strcmp(st, "valid") == 0)
			rc = 0;
		else
			authz_failed(done, p);
	}
	if (token != NULL && keyauth.data != NULL)
		ops->withdraw(ops->cls, token);
	json_decref(done);
	buf_free(&keyauth);
	acme_answer_clear(&a);
	return rc;
}

static int authorize(struct acme_client *c, const json_t *order,
		     const struct acme_challenge_ops *ops,
		     struct acme_problem *p)
{
	const json_t *u;
	size_t i;
	int rc = 0;

	json_array_foreach (json_object_get(order, "authorizations"), i, u) {
		const char *url = json_string_value(u), *st;
		json_t *authz = NULL;
		if (url == NULL || fetch_json(c, url, &authz, NULL, p) < 0)
			return -1;
		st = json_string_value(json_object_get(authz, "status"));
		if (st == NULL || strcmp(st, "valid") != 0)
			rc = st != NULL && strcmp(st, "pending") == 0
				 ? respond(c, authz, url, ops, p)
				 : (authz_failed(authz, p), -1);
		json_decref(authz);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Sets the CSR's public key: key's. Returns 0 or -1. */
static int crq_set_key(gnutls_x509_crq_t crq, gnutls_privkey_t key)
{
	gnutls_pubkey_t pub;
	int rc;

	if (gnutls_pubkey_init(&pub) < 0)
		return -1;
	rc = gnutls_pubkey_import_privkey(pub, key, 0, 0) < 0 ||
		     gnutls_x509_crq_set_pubkey(crq, pub) < 0
		 ? -1
		 : 0;
	gnutls_pubkey_deinit(pub);
	return rc;
}

/* A CSR for names with key, as base64url DER, appended to out. */
static int make_csr(struct buf *out, gnutls_privkey_t key,
		    const char *const *names, size_t n)
{
	gnutls_x509_crq_t crq;
	gnutls_datum_t der = {NULL, 0};
	size_t i;
	int rc = -1;

	if (gnutls_x509_crq_init(&crq) < 0)
		return -1;
	if (gnutls_x509_crq_set_version(crq, 1) < 0 ||
	    gnutls_x509_crq_set_dn_by_oid(crq, GNUTLS_OID_X520_COMMON_NAME, 0,
					  names[0], strlen(names[0])) < 0 ||
	    crq_set_key(crq, key) < 0)
		goto out;
	for (i = 0; i < n; i++)
		if (gnutls_x509_crq_set_subject_alt_name(
			crq, GNUTLS_SAN_DNSNAME, names[i], strlen(names[i]),
			GNUTLS_FSAN_APPEND) < 0)
			goto out;
	if (gnutls_x509_crq_privkey_sign(crq, key, GNUTLS_DIG_SHA256, 0) == 0 &&
	    gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_DER, &der) == 0)
		rc = b64url_append(out, der.data, der.size);
	gnutls_free(der.data);
out:
	gnutls_x509_crq_deinit(crq);
	return rc;
}

/* newOrder for names: the order's JSON in *order and its URL in url. */
static int new_order(struct acme_client *c, const char *const *names, size_t n,
		     const char *replaces, json_t **order, char *url,
		     size_t url_n, struct acme_problem *p)
{
	json_t *ids = json_array(), *req;
	struct acme_answer a = {.retry_after = -1};
	char *payload;
	size_t i;
	int rc = -1;

	for (i = 0; i < n; i++)
		json_array_append_new(ids, json_pack("{s:s,s:s}", "type", "dns",
						     "value", names[i]));
	req = json_pack("{s:o}", "identifiers", ids);
	if (replaces != NULL)
		json_object_set_new(req, "replaces", json_string(replaces));
	payload = json_dumps(req, JSON_COMPACT); /* freed below */
	json_decref(req);
	*order = NULL;
	if (payload != NULL &&
	    post(c, dir_url(c, "newOrder"), payload, &a, p) == 0) {
		if (a.status == 201 && a.location[0] != '\0' &&
		    (*order = json_loads(a.body.data, 0, NULL)) != NULL) {
			snprintf(url, url_n, "%s", a.location);
			rc = 0;
		} else {
			problem_of(&a, "newOrder", p);
		}
	}
	free(payload);
	acme_answer_clear(&a);
	return rc;
}

/* Finalizes the ready order at url with a new key; *done is the valid
 * order (the caller's). */
static int finalize(struct acme_client *c, const json_t *order, const char *url,
		    const char *const *names, size_t n, struct buf *key_pem,
		    json_t **done, struct acme_problem *p)
{
	gnutls_privkey_t key = NULL;
	struct buf csr = BUF_INIT, payload = BUF_INIT; /* freed below */
	struct acme_answer a = {.retry_after = -1};
	const char *fin = json_string_value(json_object_get(order, "finalize"));
	int rc = -1;

	if (fin == NULL || acme_key_generate(&key, key_pem) < 0 ||
	    make_csr(&csr, key, names, n) < 0) {
		snprintf(p->why, sizeof(p->why), "cannot make the CSR");
		goto out;
	}
	buf_printf(&payload, "{\"csr\":\"%s\"}", csr.data);
	if (post(c, fin, payload.data, &a, p) < 0)
		goto out;
	if (a.status != 200) {
		problem_of(&a, "finalize", p);
		goto out;
	}
	rc = poll_status(c, url, "ready", "processing", done, p);
out:
	if (key != NULL)
		gnutls_privkey_deinit(key);
	buf_free(&csr);
	buf_free(&payload);
	acme_answer_clear(&a);
	return rc;
}

static int download(struct acme_client *c, const json_t *order,
		    struct buf *chain, struct acme_problem *p)
{
	const char *st = json_string_value(json_object_get(order, "status"));
	const char *url =
	    json_string_value(json_object_get(order, "certificate"));
	struct acme_answer a = {.retry_after = -1};
	int rc = -1;

	if (st == NULL || strcmp(st, "valid") != 0 || url == NULL) {
		snprintf(p->why, sizeof(p->why), "the order is %s",
			 st ? st : "without a status");
		return -1;
	}
	if (post(c, url, "", &a, p) == 0) {
		if (a.status == 200 && a.body.data != NULL &&
		    strstr(a.body.data, "-----BEGIN CERTIFICATE-----") != NULL)
			rc = buf_append(chain, a.body.data, a.body.len);
		else
			problem_of(&a, "the certificate", p);
	}
	acme_answer_clear(&a);
	return rc;
}

int acme_client_obtain(struct acme_client *c, const char *const *names,
		       size_t n, const char *replaces,
		       const struct acme_challenge_ops *ops,
		       struct buf *key_pem, struct buf *chain,
		       struct acme_problem *p)
{
	json_t *order = NULL, *ready = NULL, *done = NULL;
	char url[1024];
	int rc = -1;

	memset(p, 0, sizeof(*p));
	if (new_order(c, names, n, replaces, &order, url, sizeof(url), p) < 0)
		return -1;
	if (authorize(c, order, ops, p) == 0 &&
	    poll_status(c, url, "pending", NULL, &ready, p) == 0 &&
	    finalize(c, ready, url, names, n, key_pem, &done, p) == 0)
		rc = download(c, done, chain, p);
	json_decref(order);
	json_decref(ready);
	json_decref(done);
	return rc;
}

/* RFC 3339 "2026-12-03T10:00:00Z" (fraction, offset Z) as Unix time. */
static int rfc3339(const char *s, long long *t)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	*t = (long long)timegm(&tm);
	return 0;
}

int acme_client_ari(struct acme_client *c, const char *certid, long long *start,
		    long long *end, long *retry_after)
{
	struct acme_answer a = {.retry_after = -1};
	const char *base = acme_client_renewal_info(c);
	char url[2048];
	json_t *j = NULL, *w;
	int rc = -1;

	if (base == NULL)
		return -1;
	snprintf(url, sizeof(url), "%s%s%s", base,
		 base[strlen(base) - 1] == '/' ? "" : "/", certid);
	if (acme_http_do(c->http, "GET", url, NULL, &a) == 0 &&
	    a.status == 200 && (j = json_loads(a.body.data, 0, NULL)) != NULL) {
		w = json_object_get(j, "suggestedWindow");
		if (rfc3339(json_string_value(json_object_get(w, "start")),
			    start) == 0 &&
		    rfc3339(json_string_value(json_object_get(w, "end")),
			    end) == 0 &&
		    *start <= *end)
			rc = 0;
	}
	*retry_after = a.retry_after;
	json_decref(j);
	acme_answer_clear(&a);
	return rc;
}
