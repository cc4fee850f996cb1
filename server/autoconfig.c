/* autoconfig.c - Thunderbird's clientConfig v1.1 (SPEC §1).
 *
 * Format: wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat.
 * Readers that reject the whole file for one bad entry (Thunderbird for
 * Android: socketType plain, placeholder ids) shaped what is left out. */
#include "autoconfig.h"

#include <string.h>

#include "expand.h"
#include "xmlout.h"

static const char *socket_type(enum security s)
{
	static const char *const names[] = {"SSL", "STARTTLS", "plain"};
	return names[s];
}

static const char *auth_method(enum auth a)
{
	static const char *const names[] = {"password-cleartext",
					    "password-encrypted", "OAuth2"};
	return names[a];
}

/* Writes one <incomingServer> or <outgoingServer>. */
static int write_server(xmlTextWriterPtr w, const struct render_input *in,
			const struct endpoint *e, struct buf *tmp)
{
	const char *elem =
	    e->proto == PROTO_SMTP ? "outgoingServer" : "incomingServer";
	int rc = 0;
	size_t i;

	rc |= xmlTextWriterStartElement(w, BAD_CAST elem);
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "type",
					  BAD_CAST proto_name(e->proto));
	buf_reset(tmp);
	rc |= expand(tmp, e->host, in->domain, in->addr);
	rc |= xmlout_element(w, "hostname", tmp->data);
	rc |= xmlout_element_uint(w, "port", e->port);
	rc |= xmlout_element(w, "socketType", socket_type(e->security));
	for (i = 0; i < e->n_auth; i++)
		rc |= xmlout_element(w, "authentication",
				     auth_method(e->auth[i]));
	buf_reset(tmp);
	rc |= expand_login(tmp, in);
	rc |= xmlout_element(w, "username", tmp->data);
	rc |= xmlTextWriterEndElement(w);
	return rc < 0 ? -1 : 0;
}

/* Writes the advertised endpoints of one protocol, in table order.
 * Cleartext ones never: RFC 8314, and Thunderbird for Android rejects the
 * whole document for a socketType plain. */
static int write_servers(xmlTextWriterPtr w, const struct render_input *in,
			 const struct endpoint *e, size_t n, enum proto p,
			 struct buf *tmp)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (e[i].proto != p || !e[i].advertise ||
		    e[i].security == SECURITY_NONE)
			continue;
		if (write_server(w, in, &e[i], tmp) < 0)
			return -1;
	}
	return 0;
}

static int write_documentation(xmlTextWriterPtr w,
			       const struct render_input *in, struct buf *tmp)
{
	int rc = 0;

	buf_reset(tmp);
	rc |= expand(tmp, in->model->provider.setup_url, in->domain, NULL);
	rc |= xmlTextWriterStartElement(w, BAD_CAST "documentation");
	rc |=
	    xmlTextWriterWriteAttribute(w, BAD_CAST "url", BAD_CAST tmp->data);
	rc |= xmlTextWriterStartElement(w, BAD_CAST "descr");
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "lang", BAD_CAST "en");
	rc |= xmlTextWriterWriteString(w, BAD_CAST "Mail setup instructions");
	rc |= xmlTextWriterEndElement(w);
	rc |= xmlTextWriterStartElement(w, BAD_CAST "descr");
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "lang", BAD_CAST "de");
	rc |= xmlTextWriterWriteString(w, BAD_CAST "E-Mail-Einrichtung");
	rc |= xmlTextWriterEndElement(w);
	rc |= xmlTextWriterEndElement(w);
	return rc < 0 ? -1 : 0;
}

static int write_provider(xmlTextWriterPtr w, const struct render_input *in,
			  struct buf *tmp)
{
	const struct account *a = in->account;
	const struct provider *p = &in->model->provider;
	int rc = 0;

	rc |= xmlTextWriterStartElement(w, BAD_CAST "emailProvider");
	rc |=
	    xmlTextWriterWriteAttribute(w, BAD_CAST "id", BAD_CAST in->domain);
	rc |= xmlout_element(w, "domain", in->domain);
	if (p->mx_domain[0] != '\0') {
		/* draft-ietf-mailmaint-autoconfig-06: this config serves any
		 * address whose MX is in the provider's domain; Thunderbird
		 * asks autoconfig.<that domain>?emailaddress= (SPEC §10.4) */
		rc |= xmlTextWriterStartElement(w, BAD_CAST "domain");
		rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "purpose",
						  BAD_CAST "mx");
		rc |= xmlTextWriterWriteString(w, BAD_CAST p->mx_domain);
		rc |= xmlTextWriterEndElement(w);
	}
	rc |= xmlout_element(w, "displayName", p->name);
	rc |= xmlout_element(w, "displayShortName", p->short_name);
	if (rc < 0)
		return -1;
	if (write_servers(w, in, a->incoming, a->n_incoming, PROTO_IMAP, tmp) <
		0 ||
	    write_servers(w, in, a->incoming, a->n_incoming, PROTO_POP3, tmp) <
		0 ||
	    write_servers(w, in, a->outgoing, a->n_outgoing, PROTO_SMTP, tmp) <
		0 ||
	    write_documentation(w, in, tmp) < 0)
		return -1;
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

int autoconfig_render(struct buf *out, const struct render_input *in)
{
	struct buf tmp = BUF_INIT; /* scratch for filled templates; freed */
	xmlTextWriterPtr w = xmlout_new(out);
	int rc = -1;

	if (w == NULL)
		goto out;
	if (xmlTextWriterStartElement(w, BAD_CAST "clientConfig") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "version", BAD_CAST "1.1") <
		0)
		goto out;
	rc = write_provider(w, in, &tmp);
out:
	rc = xmlout_finish(w, rc);
	buf_free(&tmp);
	return rc;
}
