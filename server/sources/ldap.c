/* ldap.c - the LDAP source (OpenLDAP's libldap), source.h's interface.
 *
 * Domains come from a paged search (RFC 2696: slapd returns at most 500
 * entries per search by default); logins from a search whose filter gets
 * the address escaped per RFC 4515 (ldap_bv2escaped_filter_value), so `*`,
 * `(`, `)` and `\` are values, never filter syntax. Network and operation
 * timeouts are both set: without them a stopped server holds a search for
 * minutes (SPEC §7). TLS: an ldaps:// URL, or StartTLS when the table
 * asks for TLS on an ldap:// URL; the certificate is always verified. */
#include "source.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>

#define PAGE_SIZE 500

struct source_conn {
	LDAP *ld; /* owned */
};

static int outcome(int err)
{
	switch (err) {
	case LDAP_SERVER_DOWN:
	case LDAP_TIMEOUT:
	case LDAP_CONNECT_ERROR:
	case LDAP_UNAVAILABLE:
	case LDAP_BUSY:
	case LDAP_TIMELIMIT_EXCEEDED:
	case LDAP_NO_MEMORY:
		return SOURCE_DOWN;
	default:
		return SOURCE_BAD;
	}
}

static void timeval_ms(struct timeval *tv, unsigned ms)
{
	if (ms == 0)
		ms = 5000;
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (long)(ms % 1000) * 1000;
}

static int set_tls(LDAP *ld, const struct source_conf *c)
{
	int demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;

	if (ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) !=
		LDAP_OPT_SUCCESS ||
	    (c->tls_ca && ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE,
					  c->tls_ca) != LDAP_OPT_SUCCESS))
		return -1;
	return ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) ==
		       LDAP_OPT_SUCCESS
		   ? 0
		   : -1;
}

/* Connects and binds. Returns 0, SOURCE_DOWN, or SOURCE_DENIED when the
 * server refused the bind DN or its password. */
static int ld_connect(LDAP *ld, const struct source_conf *c, char *why,
		      size_t n)
{
	struct berval cred = {0, NULL};
	int rc;

	if (c->tls && strncmp(c->url, "ldaps://", 8) != 0 &&
	    (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
		snprintf(why, n, "StartTLS failed: %s", ldap_err2string(rc));
		return SOURCE_DOWN;
	}
	if (c->password != NULL) {
		cred.bv_val = c->password;
		cred.bv_len = strlen(c->password);
	}
	rc = ldap_sasl_bind_s(ld, c->bind_dn, LDAP_SASL_SIMPLE, &cred, NULL,
			      NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		snprintf(why, n, "cannot bind%s%s: %s",
			 c->bind_dn ? " as " : "", c->bind_dn ? c->bind_dn : "",
			 ldap_err2string(rc));
		return rc == LDAP_INVALID_CREDENTIALS ||
			       rc == LDAP_INAPPROPRIATE_AUTH ||
			       rc == LDAP_INSUFFICIENT_ACCESS
			   ? SOURCE_DENIED
			   : SOURCE_DOWN;
	}
	return 0;
}

static struct source_conn *ld_open(const struct source_conf *c, int *fail,
				   char *why, size_t n)
{
	struct source_conn *conn = calloc(1, sizeof(*conn)); /* close() */
	struct timeval net, op;
	int v3 = LDAP_VERSION3, rc, dummy;

	if (fail == NULL)
		fail = &dummy;
	*fail = SOURCE_DOWN;
	timeval_ms(&net, c->connect_timeout_ms);
	timeval_ms(&op, c->query_timeout_ms);
	if (conn == NULL) {
		snprintf(why, n, "out of memory");
		return NULL;
	}
	if ((rc = ldap_initialize(&conn->ld, c->url)) != LDAP_SUCCESS) {
		snprintf(why, n, "%s: %s", c->url, ldap_err2string(rc));
		free(conn);
		return NULL;
	}
	ldap_set_option(conn->ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(conn->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(conn->ld, LDAP_OPT_NETWORK_TIMEOUT, &net);
	ldap_set_option(conn->ld, LDAP_OPT_TIMEOUT, &op);
	if (c->tls && set_tls(conn->ld, c) < 0) {
		snprintf(why, n, "cannot set up TLS");
		ldap_unbind_ext_s(conn->ld, NULL, NULL);
		free(conn);
		return NULL;
	}
	if ((*fail = ld_connect(conn->ld, c, why, n)) < 0) {
		ldap_unbind_ext_s(conn->ld, NULL, NULL);
		free(conn);
		return NULL;
	}
	return conn;
}

/* Calls row() for each value of attr (with the entry's first value of
 * entry_attr) in the entries of res. Returns values, or -1 if stopped. */
static long domain_entries(LDAP *ld, LDAPMessage *res,
			   const struct source_conf *c, source_row_fn row,
			   void *cls)
{
	LDAPMessage *e;
	struct berval **vals, **acc;
	long count = 0;
	size_t i;

	for (e = ldap_first_entry(ld, res); e; e = ldap_next_entry(ld, e)) {
		vals = ldap_get_values_len(ld, e, c->domains_attr);
		acc = c->domains_account_attr
			  ? ldap_get_values_len(ld, e, c->domains_account_attr)
			  : NULL;
		if (vals == NULL && row(cls, NULL, 0, NULL, 0) < 0)
			count = -1;
		for (i = 0; vals && count >= 0 && vals[i]; i++, count++)
			if (row(cls, vals[i]->bv_val, vals[i]->bv_len,
				acc && acc[0] ? acc[0]->bv_val : NULL,
				acc && acc[0] ? acc[0]->bv_len : 0) < 0)
				count = -1;
		ldap_value_free_len(vals);
		ldap_value_free_len(acc);
		if (count < 0)
			break;
	}
	return count;
}

/* One page: searches with the cookie, replaces it by the next one (bv_len
 * 0 at the end). Returns values, or a SOURCE_ outcome. */
static long domain_page(struct source_conn *conn, const struct source_conf *c,
			struct berval *cookie, source_row_fn row, void *cls,
			char *why, size_t n)
{
	char *attrs[3] = {c->domains_attr, c->domains_account_attr, NULL};
	LDAPControl *page = NULL, *ctrls[2] = {NULL, NULL}, **rctrls = NULL,
		    *pc;
	LDAPMessage *res = NULL; /* freed below */
	struct timeval tv;
	int rc, err = LDAP_SUCCESS;
	long values;

	timeval_ms(&tv, c->query_timeout_ms);
	if (ldap_create_page_control(conn->ld, PAGE_SIZE, cookie, 0, &page) !=
	    LDAP_SUCCESS) {
		snprintf(why, n, "cannot page the search");
		return SOURCE_BAD;
	}
	ctrls[0] = page;
	rc = ldap_search_ext_s(conn->ld, c->domains_base, LDAP_SCOPE_SUBTREE,
			       c->domains_query, attrs, 0, ctrls, NULL, &tv, 0,
			       &res);
	ldap_control_free(page);
	if (rc == LDAP_SUCCESS)
		rc = ldap_parse_result(conn->ld, res, &err, NULL, NULL, NULL,
				       &rctrls, 0);
	if (rc != LDAP_SUCCESS || err != LDAP_SUCCESS) {
		rc = rc != LDAP_SUCCESS ? rc : err;
		snprintf(why, n, "domain search failed: %s",
			 ldap_err2string(rc));
		ldap_controls_free(rctrls);
		ldap_msgfree(res);
		return outcome(rc);
	}
	values = domain_entries(conn->ld, res, c, row, cls);
	ber_memfree(cookie->bv_val);
	cookie->bv_val = NULL;
	cookie->bv_len = 0;
	pc = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL);
	if (pc != NULL) {
		ber_int_t estimate;
		ldap_parse_pageresponse_control(conn->ld, pc, &estimate,
						cookie);
	}
	ldap_controls_free(rctrls);
	ldap_msgfree(res);
	return values < 0 ? SOURCE_BAD : values;
}

static long ld_domains(struct source_conn *conn, const struct source_conf *c,
		       source_row_fn row, void *cls, char *why, size_t n)
{
	struct berval cookie = {0, NULL}; /* freed below */
	long total = 0, got;

	do {
		got = domain_page(conn, c, &cookie, row, cls, why, n);
		if (got < 0)
			break;
		total += got;
	} while (cookie.bv_len > 0);
	ber_memfree(cookie.bv_val);
	return got < 0 ? got : total;
}

/* LDAP has no cheap change detector here: every refresh reads. */
static int ld_changed(struct source_conn *conn, const struct source_conf *c,
		      struct buf *stamp, char *why, size_t n)
{
	(void)conn;
	(void)c;
	(void)stamp;
	snprintf(why, n, "LDAP sources have no change query");
	return SOURCE_BAD;
}

/* value, escaped for a filter (RFC 4515). Returns 0 or -1. */
static int append_escaped(struct buf *out, const char *value)
{
	struct berval in = {strlen(value), (char *)(uintptr_t)value};
	struct berval esc = {0, NULL};

	if (ldap_bv2escaped_filter_value(&in, &esc) != 0)
		return -1;
	buf_append(out, esc.bv_val, esc.bv_len);
	ber_memfree(esc.bv_val);
	return 0;
}

int source_ldap_filter(struct buf *out, const char *tmpl,
		       const char *const values[SOURCE_PARAMS_MAX])
{
	const char *p = tmpl, *name;
	size_t i, len;

	while (*p) {
		for (i = 0; i < SOURCE_PARAMS_MAX; i++) {
			name = source_param_name((enum source_param)i);
			len = strlen(name);
			if (p[0] == '{' && strncmp(p + 1, name, len) == 0 &&
			    p[len + 1] == '}')
				break;
		}
		if (i == SOURCE_PARAMS_MAX) {
			len = strcspn(p + 1, "{") + 1;
			buf_append(out, p, len);
			p += len;
			continue;
		}
		if (append_escaped(out, values[i]) < 0)
			return -1;
		p += len + 2;
	}
	return out->failed ? -1 : 0;
}

/* Hands every value of the login attribute of every entry found to the
 * pick, with the entry's address attribute (when the table names one):
 * two different values, in one entry or two, are no answer. */
static void login_values(LDAP *ld, LDAPMessage *res,
			 const struct source_conf *c, struct source_pick *pick)
{
	LDAPMessage *e;
	struct berval **v, **keys;
	const char *key;
	size_t i, klen;

	for (e = ldap_first_entry(ld, res); e; e = ldap_next_entry(ld, e)) {
		v = ldap_get_values_len(ld, e, c->logins_attr);
		keys = c->logins_addr_attr
			   ? ldap_get_values_len(ld, e, c->logins_addr_attr)
			   : NULL;
		/* the entry counts if one of its addresses is the asked one;
		 * else it is another address's ("") */
		key = c->logins_addr_attr ? "" : NULL;
		klen = 0;
		for (i = 0; keys != NULL && keys[i] != NULL; i++)
			if (source_same_address(pick->asked, keys[i]->bv_val,
						keys[i]->bv_len)) {
				key = keys[i]->bv_val;
				klen = keys[i]->bv_len;
				break;
			}
		for (i = 0; v != NULL && v[i] != NULL; i++)
			source_pick_add(pick, v[i]->bv_val, v[i]->bv_len, key,
					klen);
		ldap_value_free_len(v);
		ldap_value_free_len(keys);
	}
}

static int ld_login(struct source_conn *conn, const struct source_conf *c,
		    const char *const values[SOURCE_PARAMS_MAX],
		    struct buf *out, char *why, size_t n)
{
	char *attrs[3] = {c->logins_attr, c->logins_addr_attr, NULL};
	struct source_pick pick;
	struct buf filter = BUF_INIT; /* freed below */
	LDAPMessage *res = NULL;      /* freed below */
	struct timeval tv;
	int rc;

	timeval_ms(&tv, c->query_timeout_ms);
	if (source_ldap_filter(&filter, c->logins_query, values) < 0) {
		buf_free(&filter);
		snprintf(why, n, "cannot build the filter");
		return SOURCE_BAD;
	}
	rc = ldap_search_ext_s(conn->ld, c->logins_base, LDAP_SCOPE_SUBTREE,
			       filter.data, attrs, 0, NULL, NULL, &tv, 2, &res);
	buf_free(&filter);
	if (rc == LDAP_SIZELIMIT_EXCEEDED || rc == LDAP_NO_SUCH_OBJECT) {
		ldap_msgfree(res); /* more than one entry, or no base */
		return 0;
	}
	if (rc != LDAP_SUCCESS) {
		snprintf(why, n, "login search failed: %s",
			 ldap_err2string(rc));
		ldap_msgfree(res);
		return outcome(rc);
	}
	source_pick_init(&pick, values[PARAM_ADDRESS], out);
	login_values(conn->ld, res, c, &pick);
	ldap_msgfree(res);
	return source_pick_result(&pick);
}

static void ld_close(struct source_conn *conn)
{
	if (conn == NULL)
		return;
	ldap_unbind_ext_s(conn->ld, NULL, NULL);
	free(conn);
}

const struct source_driver source_ldap = SOURCE_DRIVER_OPS(ld);
