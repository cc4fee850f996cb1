/* probe_mail.h - the probe's dialogue with one mail server (SPEC §11.3):
 * connect, implicit TLS or STARTTLS exactly as the answer advertises,
 * the certificate for the advertised host, the greeting and the
 * capabilities (IMAP CAPABILITY, POP3 CAPA, SMTP EHLO), AUTH offered
 * after TLS and not before. It never logs in and never sends a
 * password. */
#ifndef MAILCONFD_PROBE_MAIL_H
#define MAILCONFD_PROBE_MAIL_H

#include "probe_ctx.h"
#include "probe_report.h"

/* The findings for endpoint e with its host expanded (host), as steps of
 * group "mail servers" in r. */
void probe_mail(struct probe_report *r, const struct probe_ctx *x,
		const struct endpoint *e, const char *host);

#endif
