/* setup_page.c - the human setup page: builds the values (a jansson tree)
 * and renders the language's template with them. The page text lives in
 * templates/; everything from the request or the table is escaped by the
 * template step. */
#include "setup_page.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "escape.h"
#include "expand.h"
#include "pages.h"
#include "setup_values.h"
#include "template.h"

/* Sets obj[key] to a string that is taken over (json_string copies). */
static void set_str(json_t *obj, const char *key, const char *s)
{
	json_object_set_new(obj, key, json_string(s ? s : ""));
}

static json_t *endpoint_json(const struct render_input *in,
			     const struct endpoint *e)
{
	struct buf host = BUF_INIT; /* freed below */
	json_t *o;

	expand(&host, e->host, in->domain, NULL);
	o = json_pack("{s:s, s:i, s:b, s:b, s:b, s:b, s:b, s:b, s:b}", "host",
		      host.data ? host.data : "", "port", (int)e->port, "tls",
		      e->security == SECURITY_TLS, "starttls",
		      e->security == SECURITY_STARTTLS, "plain",
		      e->security == SECURITY_NONE, "recommended", e->advertise,
		      "is_imap", e->proto == PROTO_IMAP, "is_pop3",
		      e->proto == PROTO_POP3, "is_smtp",
		      e->proto == PROTO_SMTP);
	buf_free(&host);
	return o;
}

/* Offered servers in table order, then the legacy ones. */
static json_t *endpoint_list(const struct render_input *in,
			     const struct endpoint *e, size_t n)
{
	json_t *list = json_array();
	int pass;
	size_t i;

	for (pass = 1; pass >= 0; pass--)
		for (i = 0; i < n; i++)
			if (e[i].advertise == pass)
				json_array_append_new(list,
						      endpoint_json(in, &e[i]));
	return list;
}

/* The first offered server of protocol p, implicit TLS first, not skip
 * (for "or port 587"). */
static const struct endpoint *offered(const struct endpoint *e, size_t n,
				      enum proto p, const struct endpoint *skip)
{
	return endpoint_offered(e, n, (int)p, 1, skip);
}

static void set_endpoint(json_t *ctx, const char *key,
			 const struct render_input *in,
			 const struct endpoint *e)
{
	if (e != NULL)
		json_object_set_new(ctx, key, endpoint_json(in, e));
}

static int has_legacy(const struct endpoint *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!e[i].advertise)
			return 1;
	return 0;
}

static void add_servers(json_t *ctx, const struct render_input *in)
{
	const struct account *a = in->account;
	const struct endpoint *smtp;

	json_object_set_new(ctx, "incoming",
			    endpoint_list(in, a->incoming, a->n_incoming));
	json_object_set_new(ctx, "outgoing",
			    endpoint_list(in, a->outgoing, a->n_outgoing));
	set_endpoint(ctx, "imap", in,
		     offered(a->incoming, a->n_incoming, PROTO_IMAP, NULL));
	set_endpoint(ctx, "pop3", in,
		     offered(a->incoming, a->n_incoming, PROTO_POP3, NULL));
	smtp = offered(a->outgoing, a->n_outgoing, PROTO_SMTP, NULL);
	set_endpoint(ctx, "smtp", in, smtp);
	set_endpoint(ctx, "smtp_alt", in,
		     offered(a->outgoing, a->n_outgoing, PROTO_SMTP, smtp));
	set_str(ctx, "imap_path_prefix", a->imap_path_prefix);
	json_object_set_new(
	    ctx, "has_legacy",
	    json_boolean(has_legacy(a->incoming, a->n_incoming) ||
			 has_legacy(a->outgoing, a->n_outgoing)));
}

/* One DAV service for the page: its URL, host, port and user name. */
static json_t *dav_values(const struct render_input *in, const struct dav *d)
{
	struct buf v = BUF_INIT; /* freed below */
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	expand_dav_url(&v, d, in->domain);
	set_str(o, "url", v.data);
	buf_reset(&v);
	expand(&v, d->host, in->domain, NULL);
	set_str(o, "host", v.data);
	json_object_set_new(o, "port", json_integer(d->port));
	buf_reset(&v);
	expand_dav_login(&v, d, in);
	set_str(o, "login", v.data);
	buf_free(&v);
	return o;
}

/* "Calendar and contacts" (SPEC §8), when the domain has either. */
static void add_dav(json_t *ctx, const struct render_input *in)
{
	const struct account *a = in->account;

	if (a->caldav == NULL && a->carddav == NULL)
		return;
	json_object_set_new(ctx, "has_dav", json_true());
	if (a->caldav != NULL)
		json_object_set_new(ctx, "caldav", dav_values(in, a->caldav));
	if (a->carddav != NULL)
		json_object_set_new(ctx, "carddav", dav_values(in, a->carddav));
}

static void add_login(json_t *ctx, const struct render_input *in,
		      const struct page_values *pv)
{
	const char *login = in->account->login;
	struct buf v = BUF_INIT; /* freed below */
	int is_address = strcmp(login, "%EMAILADDRESS%") == 0;
	int is_local = strcmp(login, "%EMAILLOCALPART%") == 0;

	if (pv == NULL)
		expand_login(&v, in);
	set_str(ctx, "login", pv ? pv->login : v.data);
	if (in->login != NULL) { /* the directory's answer: what it is */
		is_address = in->addr && strcmp(in->login, in->addr->full) == 0;
		is_local = in->addr && strcmp(in->login, in->addr->local) == 0;
	}
	json_object_set_new(ctx, "login_is_address", json_boolean(is_address));
	json_object_set_new(ctx, "login_is_localpart", json_boolean(is_local));
	buf_free(&v);
}

/* The links: the profile (from the root and absolute), this page's own
 * link, the other language. */
static void add_links(json_t *ctx, const struct render_input *in, enum lang l,
		      const struct page_values *pv)
{
	struct buf base = BUF_INIT, u = BUF_INIT; /* freed below */
	enum lang other = l == LANG_DE ? LANG_EN : LANG_DE;

	if (pv != NULL) {
		setup_profile_url(&u, pv->addr_url, l);
		set_str(ctx, "profile_url", u.data);
		setup_base_url(&base, in);
		buf_reset(&u);
		buf_printf(&u, "%s", base.data);
		setup_profile_url(&u, pv->addr_url, l);
		set_str(ctx, "profile_url_abs", u.data);
		buf_reset(&u);
		buf_printf(&u, "%s/setup?email=%s", base.data, pv->addr_url);
		set_str(ctx, "setup_link", u.data);
		buf_reset(&u);
		buf_printf(&u, "?email=%s&lang=%s", pv->addr_url,
			   lang_code(other));
	} else {
		buf_printf(&u, "?lang=%s", lang_code(other));
	}
	set_str(ctx, "switch_url", u.data);
	buf_free(&base);
	buf_free(&u);
}

/* What the personal page shows of the address. */
static void add_personal(json_t *ctx, const struct page_values *pv)
{
	set_str(ctx, "email", pv->email);
	json_object_set_new(ctx, "personal", json_true());
	if (pv->qr_iphone != NULL)
		set_str(ctx, "qr_iphone", pv->qr_iphone);
	if (pv->qr_android != NULL) {
		set_str(ctx, "qr_android", pv->qr_android);
		set_str(ctx, "qr_android_payload", pv->qr_payload);
	}
}

static void add_provider(json_t *ctx, const struct provider *p)
{
	json_object_set_new(ctx, "provider",
			    json_pack("{s:s, s:s, s:s, s:s}", "name", p->name,
				      "short_name", p->short_name,
				      "organization", p->organization,
				      "support_url", p->support_url));
}

static void add_identity(json_t *ctx, const struct render_input *in)
{
	const struct provider *p = &in->model->provider;
	char shown[DOMAIN_INPUT_MAX + 1];
	struct buf dns = BUF_INIT; /* freed below */

	set_str(ctx, "domain", in->domain);
	domain_to_unicode(shown, sizeof(shown), in->domain);
	set_str(ctx, "domain_display", shown);
	add_provider(ctx, p);
	if (p->service_host[0] &&
	    dns_domain(&dns, in->model, in->domain, in->account) == 0)
		set_str(ctx, "dns", dns.data);
	buf_free(&dns);
}

static json_t *context(const struct render_input *in,
		       const struct setup_options *opt,
		       const struct page_values *pv)
{
	json_t *ctx = json_object();

	if (ctx == NULL)
		return NULL;
	set_str(ctx, "lang", lang_code(opt->lang));
	set_str(ctx, "css", in->model->pages->css);
	json_object_set_new(ctx, "bad_address", json_boolean(opt->bad_address));
	add_identity(ctx, in);
	add_servers(ctx, in);
	add_login(ctx, in, pv);
	add_dav(ctx, in);
	add_links(ctx, in, opt->lang, pv);
	if (pv != NULL)
		add_personal(ctx, pv);
	return ctx;
}

int setup_page_render_values(struct buf *out, const struct render_input *in,
			     const struct setup_options *opt,
			     const struct page_values *pv)
{
	const struct pages *p = in->model->pages;
	json_t *ctx; /* owned; freed below */
	int rc;

	if (p == NULL)
		return -1;
	ctx = context(in, opt, pv);
	if (ctx == NULL)
		return -1;
	rc = template_render(p->setup[opt->lang], ctx, out);
	json_decref(ctx);
	return rc;
}

int setup_page_render(struct buf *out, const struct render_input *in,
		      const struct setup_options *opt)
{
	struct page_bufs b; /* freed below */
	int rc;

	if (in->addr == NULL)
		return setup_page_render_values(out, in, opt, NULL);
	rc = setup_values_make(&b, in, opt->lang, opt->display_name);
	if (rc == 0)
		rc = setup_page_render_values(out, in, opt, &b.v);
	setup_values_free(&b);
	return rc;
}

int setup_page_render_index(struct buf *out, const struct model *m,
			    const struct setup_options *opt)
{
	json_t *ctx; /* owned; freed below */
	int rc;

	if (m->pages == NULL || (ctx = json_object()) == NULL)
		return -1;
	set_str(ctx, "lang", lang_code(opt->lang));
	set_str(ctx, "css", m->pages->css);
	json_object_set_new(ctx, "bad_address", json_boolean(opt->bad_address));
	add_provider(ctx, &m->provider);
	rc = template_render(m->pages->index[opt->lang], ctx, out);
	json_decref(ctx);
	return rc;
}

int setup_page_render_error(struct buf *out, const struct model *m, int status,
			    enum page_error what)
{
	static const char *const sections[] = {
	    [PAGE_ERROR_NO_ADDRESS] = "no_address",
	    [PAGE_ERROR_BAD_ADDRESS] = "bad_address",
	    [PAGE_ERROR_NOT_HOSTED] = "not_hosted",
	    [PAGE_ERROR_NO_SERVER_TYPE] = "no_server_type"};
	json_t *ctx; /* owned; freed below */
	int rc;

	if (m->pages == NULL || (ctx = json_pack("{s:i, s:b}", "status", status,
						 sections[what], 1)) == NULL)
		return -1;
	rc = template_render(m->pages->error, ctx, out);
	json_decref(ctx);
	return rc;
}
