/* autodiscover.c - Outlook / Windows Mail POX autodiscover answers (SPEC
 * §2); the request is read by autodiscover_request.c.
 *
 * Spec: [MS-OXDSCLI]; POX reference pages (protocol-pox, ssl-pox,
 * spa-pox, encryption-pox). Readers checked: Outlook, Thunderbird's
 * ExchangeAutoDiscover.sys.mjs, python3-exchangelib. */
#include "autodiscover.h"

#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

#include "expand.h"
#include "xmlout.h"

#define NS_RESPONSE                                                            \
	"http://schemas.microsoft.com/exchange/autodiscover/responseschema/"   \
	"2006"
#define NS_OUTLOOK_2006A                                                       \
	"http://schemas.microsoft.com/exchange/autodiscover/outlook/"          \
	"responseschema/2006a"
#define NS_MOBILESYNC                                                          \
	"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/"       \
	"responseschema/2006"
/* SPEC §2: tls -> SSL on + Encryption SSL (implicit TLS as "TLS" made
 * Outlook try STARTTLS on 993); starttls -> SSL on + Encryption TLS. */
static int write_security(xmlTextWriterPtr w, enum security s)
{
	static const char *const ssl[] = {"on", "on", "off"};
	static const char *const enc[] = {"SSL", "TLS", "None"};
	int rc = 0;

	rc |= xmlout_element(w, "SSL", ssl[s]);
	rc |= xmlout_element(w, "Encryption", enc[s]);
	return rc;
}

static int write_protocol(xmlTextWriterPtr w, const struct render_input *in,
			  const struct endpoint *e, struct buf *tmp)
{
	static const char *const types[] = {"IMAP", "POP3", "SMTP"};
	int rc = 0;

	rc |= xmlTextWriterStartElement(w, BAD_CAST "Protocol");
	rc |= xmlout_element(w, "Type", types[e->proto]);
	rc |= xmlout_element(w, "TTL", "1");
	buf_reset(tmp);
	rc |= expand(tmp, e->host, in->domain, in->addr);
	rc |= xmlout_element(w, "Server", tmp->data);
	rc |= xmlout_element_uint(w, "Port", e->port);
	buf_reset(tmp);
	rc |= expand_login(tmp, in);
	rc |= xmlout_element(w, "LoginName", tmp->data);
	rc |= xmlout_element(w, "DomainRequired", "off");
	rc |= xmlout_element(w, "SPA", "off"); /* absent means on (NTLM) */
	rc |= write_security(w, e->security);
	rc |= xmlout_element(w, "AuthRequired", "on");
	if (e->proto == PROTO_SMTP) {
		rc |= xmlout_element(w, "UsePOPAuth", "on");
		rc |= xmlout_element(w, "SMTPLast", "off");
	}
	rc |= xmlTextWriterEndElement(w);
	return rc < 0 ? -1 : 0;
}

/* A CalDAV or CardDAV Protocol entry: read by eM Client, ignored by
 * Outlook (SPEC §8); the Server is the service's URL. */
static int write_dav_protocol(xmlTextWriterPtr w, const struct render_input *in,
			      const char *type, const struct dav *d,
			      struct buf *tmp)
{
	int rc = 0;

	rc |= xmlTextWriterStartElement(w, BAD_CAST "Protocol");
	rc |= xmlout_element(w, "Type", type);
	buf_reset(tmp);
	rc |= expand_dav_url(tmp, d, in->domain);
	rc |= xmlout_element(w, "Server", tmp->data);
	rc |= xmlout_element_uint(w, "Port", d->port);
	buf_reset(tmp);
	rc |= expand_dav_login(tmp, d, in);
	rc |= xmlout_element(w, "LoginName", tmp->data);
	rc |= xmlout_element(w, "DomainRequired", "off");
	rc |= xmlout_element(w, "SPA", "off"); /* exchangelib: absent is on */
	rc |= xmlout_element(w, "SSL", "on");
	rc |= xmlTextWriterEndElement(w);
	return rc < 0 ? -1 : 0;
}

static int write_account(xmlTextWriterPtr w, const struct render_input *in,
			 struct buf *tmp)
{
	const struct account *a = in->account;
	const struct endpoint *e[3];
	size_t i;
	int rc = 0;

	e[0] =
	    endpoint_offered(a->incoming, a->n_incoming, PROTO_IMAP, 0, NULL);
	e[1] =
	    endpoint_offered(a->incoming, a->n_incoming, PROTO_POP3, 0, NULL);
	e[2] =
	    endpoint_offered(a->outgoing, a->n_outgoing, PROTO_SMTP, 0, NULL);
	rc |= xmlTextWriterStartElement(w, BAD_CAST "Account");
	rc |= xmlout_element(w, "AccountType", "email");
	rc |= xmlout_element(w, "Action", "settings");
	for (i = 0; i < 3 && rc >= 0; i++)
		if (e[i] != NULL)
			rc |= write_protocol(w, in, e[i], tmp);
	if (rc >= 0 && a->caldav != NULL)
		rc |= write_dav_protocol(w, in, "CalDAV", a->caldav, tmp);
	if (rc >= 0 && a->carddav != NULL)
		rc |= write_dav_protocol(w, in, "CardDAV", a->carddav, tmp);
	rc |= xmlTextWriterEndElement(w);
	return rc < 0 ? -1 : 0;
}

int autodiscover_render(struct buf *out, const struct render_input *in)
{
	struct buf tmp = BUF_INIT; /* scratch for filled templates; freed */
	xmlTextWriterPtr w = xmlout_new(out);
	int rc = 0;

	if (w == NULL || in->addr == NULL) {
		xmlout_finish(w, -1);
		return -1;
	}
	rc |= xmlTextWriterStartElementNS(w, NULL, BAD_CAST "Autodiscover",
					  BAD_CAST NS_RESPONSE);
	rc |= xmlTextWriterStartElementNS(w, NULL, BAD_CAST "Response",
					  BAD_CAST NS_OUTLOOK_2006A);
	rc |= xmlTextWriterStartElement(w, BAD_CAST "User");
	rc |= xmlout_element(w, "DisplayName", in->addr->full);
	rc |= xmlTextWriterEndElement(w);
	if (rc >= 0)
		rc = write_account(w, in, &tmp);
	rc = xmlout_finish(w, rc);
	buf_free(&tmp);
	return rc;
}

int autodiscover_render_mobilesync(struct buf *out,
				   const struct render_input *in)
{
	struct buf url = BUF_INIT; /* freed below */
	xmlTextWriterPtr w;
	int rc = 0;

	if (in->addr == NULL || in->account->activesync_url == NULL)
		return -1;
	rc |= expand(&url, in->account->activesync_url, in->domain, in->addr);
	w = xmlout_new(out);
	if (w == NULL || rc < 0) {
		xmlout_finish(w, -1);
		buf_free(&url);
		return -1;
	}
	rc |= xmlTextWriterStartElementNS(w, NULL, BAD_CAST "Autodiscover",
					  BAD_CAST NS_RESPONSE);
	rc |= xmlTextWriterStartElementNS(w, NULL, BAD_CAST "Response",
					  BAD_CAST NS_MOBILESYNC);
	rc |= xmlout_element(w, "Culture", "en:us");
	rc |= xmlTextWriterStartElement(w, BAD_CAST "User");
	rc |= xmlout_element(w, "DisplayName", in->addr->full);
	rc |= xmlout_element(w, "EMailAddress", in->addr->full);
	rc |= xmlTextWriterEndElement(w);
	rc |= xmlTextWriterStartElement(w, BAD_CAST "Action");
	rc |= xmlTextWriterStartElement(w, BAD_CAST "Settings");
	rc |= xmlTextWriterStartElement(w, BAD_CAST "Server");
	rc |= xmlout_element(w, "Type", "MobileSync");
	rc |= xmlout_element(w, "Url", url.data);
	rc |= xmlout_element(w, "Name", url.data);
	rc = xmlout_finish(w, rc);
	buf_free(&url);
	return rc;
}

static const char *error_message(int code)
{
	switch (code) {
	case AUTODISCOVER_BAD_SCHEMA:
		return "Provider is not available";
	case AUTODISCOVER_UNKNOWN_USER:
		return "The e-mail address cannot be found.";
	default:
		return "Invalid Request";
	}
}

int autodiscover_render_error(struct buf *out, int code, time_t now)
{
	xmlTextWriterPtr w = xmlout_new(out);
	char hms[16], id[24];
	struct tm tm;
	int rc = 0;

	if (w == NULL)
		return -1;
	gmtime_r(&now, &tm);
	snprintf(hms, sizeof(hms), "%02d:%02d:%02d", tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
	snprintf(id, sizeof(id), "%lu", (unsigned long)now % 4294967296ul);
	rc |= xmlTextWriterStartElementNS(w, NULL, BAD_CAST "Autodiscover",
					  BAD_CAST NS_RESPONSE);
	rc |= xmlTextWriterStartElement(w, BAD_CAST "Response");
	rc |= xmlTextWriterStartElement(w, BAD_CAST "Error");
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "Time", BAD_CAST hms);
	rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "Id", BAD_CAST id);
	rc |= xmlout_element_uint(w, "ErrorCode", (unsigned)code);
	rc |= xmlout_element(w, "Message", error_message(code));
	rc |= xmlTextWriterWriteElement(w, BAD_CAST "DebugData", BAD_CAST "");
	return xmlout_finish(w, rc);
}
