/* mobileconfig.c - Apple configuration profiles (SPEC §3).
 *
 * An XML plist written with libxml2 (DOCTYPE as Apple writes it), one
 * com.apple.mail.managed payload inside a Configuration. */
#include "mobileconfig.h"

#include <stdio.h>
#include <string.h>

#include "expand.h"
#include "strcopy.h"
#include "uuid.h"
#include "xmlout.h"

struct texts {
	const char *display; /* PayloadDisplayName: display + address */
	const char *before;  /* PayloadDescription: before, address, */
	const char *after;   /* " (IMAP)", after */
};

static const struct texts texts_en = {
    "E-mail account", "Sets up the e-mail account ",
    " on this device. The profile holds no password: you enter it while "
    "installing."};
static const struct texts texts_de = {
    "E-Mail-Konto", "Richtet das E-Mail-Konto ",
    " auf diesem Gerät ein. Das Profil enthält kein Passwort: Sie geben es "
    "bei der Installation ein."};

static const char *apple_auth(const struct endpoint *e)
{
	size_t i;

	for (i = 0; i < e->n_auth; i++) {
		if (e->auth[i] == AUTH_PASSWORD)
			return "EmailAuthPassword";
		if (e->auth[i] == AUTH_PASSWORD_ENCRYPTED)
			return "EmailAuthCRAMMD5";
	}
	return "EmailAuthPassword"; /* OAuth2 has no profile key */
}

/* The offered server of protocol p, implicit TLS first: a profile has
 * only a UseSSL flag, no STARTTLS setting. */
static const struct endpoint *pick(const struct endpoint *e, size_t n,
				   enum proto p)
{
	return endpoint_offered(e, n, (int)p, 1, NULL);
}

int mobileconfig_protocol(const struct account *a, enum profile_type type)
{
	const struct endpoint *first;
	int pop = type == PROFILE_POP3;

	if (type < 0) { /* the table's preference: the first offered */
		first = endpoint_offered(a->incoming, a->n_incoming, PROTO_ANY,
					 0, NULL);
		pop = first != NULL && first->proto == PROTO_POP3;
	}
	if (pick(a->incoming, a->n_incoming, pop ? PROTO_POP3 : PROTO_IMAP) ==
	    NULL)
		return -1;
	return pop;
}

static const struct endpoint *pick_incoming(const struct account *a,
					    enum profile_type type)
{
	int p = mobileconfig_protocol(a, type);

	if (p < 0)
		return NULL;
	return pick(a->incoming, a->n_incoming, p ? PROTO_POP3 : PROTO_IMAP);
}

static int key_string(xmlTextWriterPtr w, const char *key, const char *val)
{
	int rc = xmlout_element(w, "key", key);

	return rc < 0 ? -1 : xmlout_element(w, "string", val);
}

static int key_int(xmlTextWriterPtr w, const char *key, unsigned val)
{
	int rc = xmlout_element(w, "key", key);

	return rc < 0 ? -1 : xmlout_element_uint(w, "integer", val);
}

static int key_bool(xmlTextWriterPtr w, const char *key, int val)
{
	int rc = xmlout_element(w, "key", key);

	if (rc < 0)
		return -1;
	rc = xmlTextWriterStartElement(w, BAD_CAST(val ? "true" : "false"));
	return rc < 0 ? -1 : xmlTextWriterEndElement(w);
}

/* Writes the Incoming* or Outgoing* keys of one server. */
static int write_server(xmlTextWriterPtr w, const struct render_input *in,
			const char *side, const struct endpoint *e,
			struct buf *tmp)
{
	char key[64];
	int rc = 0;

	buf_reset(tmp);
	rc |= expand(tmp, e->host, in->domain, in->addr);
	snprintf(key, sizeof(key), "%sMailServerHostName", side);
	rc |= key_string(w, key, tmp->data);
	snprintf(key, sizeof(key), "%sMailServerPortNumber", side);
	rc |= key_int(w, key, e->port);
	snprintf(key, sizeof(key), "%sMailServerUseSSL", side);
	rc |= key_bool(w, key, e->security != SECURITY_NONE);
	buf_reset(tmp);
	rc |= expand_login(tmp, in);
	snprintf(key, sizeof(key), "%sMailServerUsername", side);
	rc |= key_string(w, key, tmp->data);
	snprintf(key, sizeof(key), "%sMailServerAuthentication", side);
	rc |= key_string(w, key, apple_auth(e));
	return rc < 0 ? -1 : 0;
}

#define ID_MAX 1040 /* an identifier with its suffix */

struct ids {
	char top_id[1024], mail_id[ID_MAX], caldav_id[ID_MAX],
	    carddav_id[ID_MAX];
	char top_uuid[UUID_STR_LEN + 1], mail_uuid[UUID_STR_LEN + 1];
	char caldav_uuid[UUID_STR_LEN + 1], carddav_uuid[UUID_STR_LEN + 1];
};

/* The UUIDv5 of "<address>/<what>" in the provider's name space, as the
 * mail payload's is made: stable, so a second download replaces. */
static int payload_uuid(const struct model *m, const char *address,
			const char *what, char out[UUID_STR_LEN + 1])
{
	const char *id = m->provider.id;
	uint8_t ns[16], u[16];
	char name[LOCALPART_MAX + DOMAIN_MAX + 16];

	snprintf(name, sizeof(name), "%s/%s", address, what);
	if (uuid_v5(ns, uuid_namespace_dns, id, strlen(id)) < 0 ||
	    uuid_v5(u, ns, name, strlen(name)) < 0)
		return -1;
	uuid_format(out, u);
	return 0;
}

int mobileconfig_uuids(const struct model *m, const char *address,
		       char out[2][UUID_STR_LEN + 1])
{
	const char *id = m->provider.id;
	uint8_t ns[16], u[16];
	char name[LOCALPART_MAX + DOMAIN_MAX + 16];

	if (uuid_v5(ns, uuid_namespace_dns, id, strlen(id)) < 0 ||
	    uuid_v5(u, ns, address, strlen(address)) < 0)
		return -1;
	uuid_format(out[0], u);
	str_cat(name, sizeof(name), str_copy(name, sizeof(name), address),
		"/mail");
	if (uuid_v5(u, ns, name, strlen(name)) < 0)
		return -1;
	uuid_format(out[1], u);
	return 0;
}

/* out = top[0..n) then suffix (out holds ID_MAX; n < sizeof(top_id)). */
static void suffixed(char out[ID_MAX], const char *top, size_t n,
		     const char *suffix)
{
	memcpy(out, top, n);
	out[n] = '\0';
	str_cat(out, ID_MAX, n, suffix);
}

/* PayloadIdentifier <prefix>.<address>; the UUIDs from the address. */
static int make_ids(struct ids *ids, const struct render_input *in,
		    const struct profile_options *opt)
{
	const struct provider *p = &in->model->provider;
	const char *prefix =
	    p->profile_id_prefix[0] ? p->profile_id_prefix : p->id;
	char u[2][UUID_STR_LEN + 1];
	size_t n;

	n = str_cat(ids->top_id, sizeof(ids->top_id),
		    str_copy(ids->top_id, sizeof(ids->top_id), prefix), ".");
	n = str_cat(ids->top_id, sizeof(ids->top_id), n, in->addr->full);
	if (n >= sizeof(ids->top_id)) /* cut, as snprintf() cut it */
		n = sizeof(ids->top_id) - 1;
	suffixed(ids->mail_id, ids->top_id, n, ".mail");
	suffixed(ids->caldav_id, ids->top_id, n, ".caldav");
	suffixed(ids->carddav_id, ids->top_id, n, ".carddav");
	if ((in->account->caldav != NULL &&
	     payload_uuid(in->model, in->addr->full, "caldav",
			  ids->caldav_uuid) < 0) ||
	    (in->account->carddav != NULL &&
	     payload_uuid(in->model, in->addr->full, "carddav",
			  ids->carddav_uuid) < 0))
		return -1;
	if (opt->uuids[0] != NULL) {
		snprintf(ids->top_uuid, sizeof(ids->top_uuid), "%s",
			 opt->uuids[0]);
		snprintf(ids->mail_uuid, sizeof(ids->mail_uuid), "%s",
			 opt->uuids[1]);
		return 0;
	}
	if (mobileconfig_uuids(in->model, in->addr->full, u) < 0)
		return -1;
	memcpy(ids->top_uuid, u[0], sizeof(u[0]));
	memcpy(ids->mail_uuid, u[1], sizeof(u[1]));
	return 0;
}

static int write_mail_payload(xmlTextWriterPtr w, const struct render_input *in,
			      const struct profile_options *opt,
			      const struct endpoint *inc,
			      const struct endpoint *out, const struct ids *ids,
			      struct buf *tmp)
{
	const struct provider *p = &in->model->provider;
	int rc = 0;

	rc |= xmlTextWriterStartElement(w, BAD_CAST "dict");
	buf_reset(tmp);
	buf_printf(tmp, "%s (%s)", p->short_name, in->addr->full);
	rc |= key_string(w, "EmailAccountDescription", tmp->data);
	if (opt->account_name != NULL)
		rc |= key_string(w, "EmailAccountName", opt->account_name);
	rc |= key_string(w, "EmailAccountType",
			 inc->proto == PROTO_POP3 ? "EmailTypePOP"
						  : "EmailTypeIMAP");
	rc |= key_string(w, "EmailAddress", in->addr->full);
	rc |= write_server(w, in, "Incoming", inc, tmp);
	if (inc->proto == PROTO_IMAP && in->account->imap_path_prefix[0])
		rc |= key_string(w, "IncomingMailServerIMAPPathPrefix",
				 in->account->imap_path_prefix);
	rc |= write_server(w, in, "Outgoing", out, tmp);
	rc |= key_bool(w, "OutgoingPasswordSameAsIncomingPassword", 1);
	rc |= key_string(w, "PayloadDisplayName", p->name);
	rc |= key_string(w, "PayloadIdentifier", ids->mail_id);
	rc |= key_string(w, "PayloadType", "com.apple.mail.managed");
	rc |= key_string(w, "PayloadUUID", ids->mail_uuid);
	rc |= key_int(w, "PayloadVersion", 1);
	rc |= xmlTextWriterEndElement(w);
	return rc < 0 ? -1 : 0;
}

/* What tells the DAV payloads apart (SPEC §8, Apple's schemas). */
struct dav_kind {
	const char *prefix; /* "CalDAV": the keys' prefix */
	const char *type;   /* PayloadType */
	const char *label;  /* in the account description */
};

static const struct dav_kind caldav_kind = {
    "CalDAV", "com.apple.caldav.account", "Calendar"};
static const struct dav_kind carddav_kind = {
    "CardDAV", "com.apple.carddav.account", "Contacts"};

static int dav_key_string(xmlTextWriterPtr w, const struct dav_kind *k,
			  const char *key, const char *val)
{
	char name[64];

	snprintf(name, sizeof(name), "%s%s", k->prefix, key);
	return key_string(w, name, val);
}

/* A com.apple.caldav.account or com.apple.carddav.account payload:
 * HostName, Port (<integer>), UseSSL, Username; PrincipalURL only when
 * the table gives one (a wrong one broke macOS). */
static int write_dav_payload(xmlTextWriterPtr w, const struct render_input *in,
			     const struct dav *d, const struct dav_kind *k,
			     const char *id, const char *uuid, struct buf *tmp)
{
	char key[64];
	int rc = 0;

	rc |= xmlTextWriterStartElement(w, BAD_CAST "dict");
	buf_reset(tmp);
	buf_printf(tmp, "%s %s (%s)", in->model->provider.short_name, k->label,
		   in->addr->full);
	rc |= dav_key_string(w, k, "AccountDescription", tmp->data);
	buf_reset(tmp);
	rc |= expand(tmp, d->host, in->domain, in->addr);
	rc |= dav_key_string(w, k, "HostName", tmp->data);
	snprintf(key, sizeof(key), "%sPort", k->prefix);
	rc |= key_int(w, key, d->port);
	if (d->principal_url != NULL) {
		buf_reset(tmp);
		rc |= expand(tmp, d->principal_url, in->domain, in->addr);
		rc |= dav_key_string(w, k, "PrincipalURL", tmp->data);
	}
	snprintf(key, sizeof(key), "%sUseSSL", k->prefix);
	rc |= key_bool(w, key, 1);
	buf_reset(tmp);
	rc |= expand_dav_login(tmp, d, in);
	rc |= dav_key_string(w, k, "Username", tmp->data);
	rc |= key_string(w, "PayloadDisplayName", in->model->provider.name);
	rc |= key_string(w, "PayloadIdentifier", id);
	rc |= key_string(w, "PayloadType", k->type);
	rc |= key_string(w, "PayloadUUID", uuid);
	rc |= key_int(w, "PayloadVersion", 1);
	rc |= xmlTextWriterEndElement(w);
	return rc < 0 ? -1 : 0;
}

static int write_top(xmlTextWriterPtr w, const struct render_input *in,
		     const struct profile_options *opt,
		     const struct endpoint *inc, const struct ids *ids,
		     struct buf *tmp)
{
	const struct provider *p = &in->model->provider;
	const struct texts *t = opt->lang == LANG_DE ? &texts_de : &texts_en;
	int rc = 0;

	buf_reset(tmp);
	buf_printf(tmp, "%s%s (%s)%s", t->before, in->addr->full,
		   inc->proto == PROTO_POP3 ? "POP3" : "IMAP", t->after);
	rc |= key_string(w, "PayloadDescription", tmp->data);
	buf_reset(tmp);
	buf_printf(tmp, "%s: %s", t->display, in->addr->full);
	rc |= key_string(w, "PayloadDisplayName", tmp->data);
	rc |= key_string(w, "PayloadIdentifier", ids->top_id);
	rc |= key_string(w, "PayloadOrganization",
			 p->organization[0] ? p->organization : p->name);
	rc |= key_bool(w, "PayloadRemovalDisallowed", 0);
	rc |= key_string(w, "PayloadType", "Configuration");
	rc |= key_string(w, "PayloadUUID", ids->top_uuid);
	rc |= key_int(w, "PayloadVersion", 1);
	return rc < 0 ? -1 : 0;
}

static int write_profile(xmlTextWriterPtr w, const struct render_input *in,
			 const struct profile_options *opt,
			 const struct endpoint *inc, const struct endpoint *out,
			 struct buf *tmp)
{
	struct ids ids;
	int rc = 0;

	if (make_ids(&ids, in, opt) < 0)
		return -1;
	/* On one line, as Apple writes it: libxml2 breaks it when indenting */
	rc |= xmlTextWriterSetIndent(w, 0);
	rc |= xmlTextWriterWriteDTD(
	    w, BAD_CAST "plist", BAD_CAST "-//Apple//DTD PLIST 1.0//EN",
	    BAD_CAST "http://www.apple.com/DTDs/PropertyList-1.0.dtd", NULL);
	rc |= xmlTextWriterWriteRaw(w, BAD_CAST "\n");
	rc |= xmlTextWriterSetIndent(w, 1);
	rc |= xmlTextWriterStartElement(w, BAD_CAST "plist");
	rc |=
	    xmlTextWriterWriteAttribute(w, BAD_CAST "version", BAD_CAST "1.0");
	rc |= xmlTextWriterStartElement(w, BAD_CAST "dict");
	rc |= xmlout_element(w, "key", "PayloadContent");
	rc |= xmlTextWriterStartElement(w, BAD_CAST "array");
	if (rc < 0 || write_mail_payload(w, in, opt, inc, out, &ids, tmp) < 0)
		return -1;
	if (in->account->caldav != NULL &&
	    write_dav_payload(w, in, in->account->caldav, &caldav_kind,
			      ids.caldav_id, ids.caldav_uuid, tmp) < 0)
		return -1;
	if (in->account->carddav != NULL &&
	    write_dav_payload(w, in, in->account->carddav, &carddav_kind,
			      ids.carddav_id, ids.carddav_uuid, tmp) < 0)
		return -1;
	rc |= xmlTextWriterEndElement(w);
	if (rc < 0 || write_top(w, in, opt, inc, &ids, tmp) < 0)
		return -1;
	return 0;
}

int mobileconfig_render(struct buf *out, const struct render_input *in,
			const struct profile_options *opt)
{
	const struct account *a = in->account;
	const struct endpoint *inc = pick_incoming(a, opt->type);
	const struct endpoint *smtp =
	    pick(a->outgoing, a->n_outgoing, PROTO_SMTP);
	struct buf tmp = BUF_INIT; /* scratch for filled templates; freed */
	xmlTextWriterPtr w;
	int rc;

	if (inc == NULL || smtp == NULL)
		return 1;
	if (in->addr == NULL)
		return -1;
	w = xmlout_new(out);
	if (w == NULL)
		return -1;
	rc = write_profile(w, in, opt, inc, smtp, &tmp);
	rc = xmlout_finish(w, rc);
	buf_free(&tmp);
	return rc;
}
