/* probe_mail.c - one mail server's dialogue (probe_mail.h). Replies are
 * read line by line (PROBE_LINE_MAX each, REPLY_LINES_MAX lines), every
 * wait bounded by the connection's deadline (probe_conn.h). */
#include "probe_mail.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "probe_conn.h"
#include "probe_dns.h"

#define GROUP		"mail servers"
#define REPLY_LINES_MAX 200
#define CAPS_MAX	2048

/* One dialogue: the connection, what the server said, the findings. */
struct talk {
	struct probe_conn c;
	enum proto proto;
	const char *host;
	char line[PROBE_LINE_MAX + 1];
	char caps[CAPS_MAX]; /* the capabilities, upper case: a line each,
				each line after a '\n' */
	char why[400];
	struct probe_cert cert;
	int tls; /* TLS is up */
};

static void add_caps(struct talk *t, const char *words)
{
	size_t len = strlen(t->caps), i;

	snprintf(t->caps + len, sizeof(t->caps) - len, "\n%s", words);
	for (i = len; t->caps[i] != '\0'; i++)
		t->caps[i] = (char)toupper((unsigned char)t->caps[i]);
}

/* 1 if word (upper case) is among the capabilities, or a prefix of one
 * when it ends in '='. */
static int has_cap(const struct talk *t, const char *word)
{
	size_t n = strlen(word);
	const char *p = t->caps;

	while ((p = strstr(p, word)) != NULL) {
		if ((p[-1] == ' ' || p[-1] == '\n') &&
		    (word[n - 1] == '=' || p[n] == ' ' || p[n] == '\n' ||
		     p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

/* Reads a reply: SMTP "NNN-" lines up to "NNN ", an IMAP tagged line
 * (untagged ones before it kept as capabilities), a POP3 "+OK" (with
 * multi ending in "."). Returns 0 if the reply is positive, 1 if not,
 * -1 with t->why when reading failed. */
static int reply(struct talk *t, const char *tag, int multi)
{
	size_t k;

	for (k = 0; k < REPLY_LINES_MAX; k++) {
		if (probe_conn_line(&t->c, t->line, sizeof(t->line), t->why,
				    sizeof(t->why)) < 0)
			return -1;
		if (t->proto == PROTO_SMTP) {
			if (strlen(t->line) > 4 && k > 0)
				add_caps(t, t->line + 4);
			if (strlen(t->line) < 4 || t->line[3] != '-')
				return t->line[0] == '2' ? 0 : 1;
		} else if (t->proto == PROTO_IMAP) {
			if (strncasecmp(t->line, "* CAPABILITY ", 13) == 0)
				add_caps(t, t->line + 13);
			if (tag == NULL ||
			    strncmp(t->line, tag, strlen(tag)) == 0)
				return strncasecmp(t->line +
						       (tag ? strlen(tag) : 0),
						   tag ? "OK" : "* OK",
						   tag ? 2 : 4) == 0
					   ? 0
					   : 1;
		} else {
			if (k == 0 && strncmp(t->line, "+OK", 3) != 0)
				return 1;
			if (!multi || strcmp(t->line, ".") == 0)
				return 0;
			if (k > 0)
				add_caps(t, t->line);
		}
	}
	snprintf(t->why, sizeof(t->why), "a reply of more than %d lines",
		 REPLY_LINES_MAX);
	return -1;
}

/* The greeting; an IMAP one may carry [CAPABILITY ...]. Returns 0, or -1
 * with t->why. */
static int greeting(struct talk *t)
{
	static const char *const want[] = {"* OK", "+OK", "220"};
	const char *cap;
	int rc = reply(t, NULL, 0);

	if (rc > 0)
		snprintf(t->why, sizeof(t->why),
			 "the greeting is not \"%s ...\" but \"%.80s\"",
			 want[t->proto], t->line);
	else if (rc == 0 && t->proto == PROTO_IMAP &&
		 (cap = strstr(t->line, "[CAPABILITY ")) != NULL)
		add_caps(t, cap + 12);
	return rc == 0 ? 0 : -1;
}

/* Asks for the capabilities (anew: after TLS the old ones are void).
 * Returns 0, or -1 with t->why. */
static int capabilities(struct talk *t)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char cmd[96], ip[64] = "127.0.0.1";
	int rc;

	t->caps[0] = '\0';
	if (t->proto == PROTO_SMTP &&
	    getsockname(t->c.fd, (struct sockaddr *)&ss, &len) == 0 &&
	    ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip,
			  sizeof(ip));
	if (t->proto == PROTO_SMTP)
		snprintf(cmd, sizeof(cmd), "EHLO [%s]\r\n", ip);
	else
		snprintf(cmd, sizeof(cmd), "%s",
			 t->proto == PROTO_IMAP ? "a1 CAPABILITY\r\n"
						: "CAPA\r\n");
	if (probe_conn_send(&t->c, cmd, t->why, sizeof(t->why)) < 0)
		return -1;
	rc = reply(t, t->proto == PROTO_IMAP ? "a1 " : NULL, 1);
	if (rc > 0)
		snprintf(t->why, sizeof(t->why), "%s refused: \"%.80s\"",
			 t->proto == PROTO_SMTP ? "EHLO"
						: "the capability list",
			 t->line);
	return rc == 0 ? 0 : -1;
}

/* 1 if the capabilities let a client send a password now. */
static int auth_offered(const struct talk *t)
{
	if (t->proto == PROTO_IMAP)
		return has_cap(t, "AUTH=") && !has_cap(t, "LOGINDISABLED");
	if (t->proto == PROTO_POP3)
		return has_cap(t, "USER") || strstr(t->caps, "\nSASL ") != NULL;
	return has_cap(t, "AUTH");
}

/* The TLS handshake for t->host and the certificate's verdict. Returns 0,
 * or -1 with t->why. */
static int tls(struct talk *t, gnutls_certificate_credentials_t cred)
{
	if (probe_conn_tls(&t->c, cred, t->host, &t->cert, t->why,
			   sizeof(t->why)) < 0)
		return -1;
	t->tls = 1;
	return 0;
}

/* STARTTLS by the protocol's word; the plaintext a server sends after
 * its one reply line is an injection (SPEC §11.3). Returns 0, 1 (refused
 * or injected: t->why), -1 (t->why). */
static int starttls(struct talk *t, gnutls_certificate_credentials_t cred)
{
	static const char *const cmd[] = {"a2 STARTTLS\r\n", "STLS\r\n",
					  "STARTTLS\r\n"};
	int rc;

	if (probe_conn_send(&t->c, cmd[t->proto], t->why, sizeof(t->why)) < 0)
		return -1;
	rc = reply(t, t->proto == PROTO_IMAP ? "a2 " : NULL, 0);
	if (rc > 0)
		snprintf(t->why, sizeof(t->why), "STARTTLS refused: \"%.80s\"",
			 t->line);
	if (rc != 0)
		return rc;
	if (probe_conn_pending(&t->c) > 0) {
		probe_conn_discard(&t->c);
		snprintf(t->why, sizeof(t->why),
			 "plaintext after the STARTTLS answer (an injection "
			 "a client may take as TLS-protected)");
		return 1;
	}
	return tls(t, cred);
}

static void quit(struct talk *t)
{
	static const char *const cmd[] = {"a9 LOGOUT\r\n", "QUIT\r\n",
					  "QUIT\r\n"};
	char why[64];

	probe_conn_send(&t->c, cmd[t->proto], why, sizeof(why));
	probe_conn_close(&t->c);
}

struct mail_step {
	struct probe_report *r;
	char name[200];
};

static void step(struct mail_step *s, enum verdict v, const char *reason,
		 const char *fix)
{
	probe_report_add(s->r, GROUP, s->name, v, reason, fix);
}

/* The certificate's verdict as a step. Returns 1 if it is good. */
static int judge_cert(struct mail_step *s, const struct talk *t,
		      const struct probe_ctx *x)
{
	char text[480];

	if (!t->cert.valid) {
		snprintf(text, sizeof(text), "the certificate: %s",
			 t->cert.why);
		step(s, VERDICT_WRONG, text,
		     "install a certificate whose names include the host "
		     "the answer gives, from a CA clients trust, with its "
		     "intermediates");
		return 0;
	}
	if (t->cert.days_left < (long)x->o->warn_days) {
		snprintf(text, sizeof(text),
			 "the certificate expires in %ld days",
			 t->cert.days_left);
		step(s, VERDICT_WRONG, text, "renew it");
		return 0;
	}
	return 1;
}

/* On a port advertised with one TLS mode that failed: does the other
 * work? Returns a reason for people, or NULL. */
static const char *other_way(const struct probe_ctx *x, struct talk *t,
			     const char *addr, unsigned port,
			     enum security advertised)
{
	struct talk u = {.proto = t->proto, .host = t->host};
	const char *said = NULL;

	if (probe_conn_open(&u.c, addr, port, x->o->timeout_s, u.why,
			    sizeof(u.why)) < 0)
		return NULL;
	if (advertised == SECURITY_TLS && greeting(&u) == 0)
		said = "the port greets in plaintext (STARTTLS or none), the "
		       "answer says SSL/TLS";
	else if (advertised != SECURITY_TLS && tls(&u, x->cred) == 0)
		said = "the port speaks SSL/TLS from the start, the answer "
		       "says STARTTLS";
	probe_conn_close(&u.c);
	return said;
}

/* Up to the greeting, TLS as advertised. Returns 0, or -1 (reported). */
static int open_talk(struct mail_step *s, struct talk *t,
		     const struct probe_ctx *x, const struct endpoint *e,
		     const char *addr)
{
	const char *other;

	if (probe_conn_open(&t->c, addr, e->port, x->o->timeout_s, t->why,
			    sizeof(t->why)) < 0) {
		step(s, VERDICT_UNREACHABLE, t->why,
		     "open the port to clients, or correct the table's port");
		return -1;
	}
	if ((e->security == SECURITY_TLS && tls(t, x->cred) < 0) ||
	    greeting(t) < 0) {
		probe_conn_close(&t->c);
		other = other_way(x, t, addr, e->port, e->security);
		step(s, VERDICT_WRONG, other ? other : t->why,
		     other ? "make the table's security match the port "
			     "(or the server the table)"
			   : "check the server on this port");
		return -1;
	}
	return 0;
}

/* Before TLS on a STARTTLS port: STARTTLS offered, AUTH not. Returns 0
 * to go on, -1 (reported). */
static int before_tls(struct mail_step *s, struct talk *t,
		      const struct probe_ctx *x)
{
	static const char *const auth_fix[] = {
	    "Dovecot: disable_plaintext_auth = yes",
	    "Dovecot: disable_plaintext_auth = yes",
	    "Postfix: smtpd_tls_auth_only = yes"};

	if (capabilities(t) < 0) {
		step(s, VERDICT_WRONG, t->why, NULL);
		return -1;
	}
	if (auth_offered(t))
		step(s, VERDICT_WRONG,
		     "offers AUTH before TLS: a client may send its password "
		     "in plaintext (RFC 4954 §4, RFC 9051 §6.2.3)",
		     auth_fix[t->proto]);
	if (!has_cap(t, t->proto == PROTO_POP3 ? "STLS" : "STARTTLS")) {
		step(s, VERDICT_WRONG, "does not offer STARTTLS",
		     t->proto == PROTO_SMTP
			 ? "Postfix: smtpd_tls_security_level = encrypt on "
			   "this port, with a certificate"
			 : "enable TLS for this listener (Dovecot: ssl = yes)");
		return -1;
	}
	if (starttls(t, x->cred) != 0) {
		step(s, VERDICT_WRONG, t->why, NULL);
		return -1;
	}
	return 0;
}

/* After TLS: the protocol's capabilities and AUTH. */
static void after_tls(struct mail_step *s, struct talk *t)
{
	char text[480], *nl;

	if (capabilities(t) < 0) {
		step(s, VERDICT_WRONG, t->why, NULL);
		return;
	}
	if (t->proto == PROTO_IMAP && !has_cap(t, "IMAP4REV1") &&
	    !has_cap(t, "IMAP4REV2")) {
		step(s, VERDICT_WRONG,
		     "the capabilities name neither IMAP4rev1 "
		     "nor IMAP4rev2",
		     NULL);
		return;
	}
	if (!auth_offered(t)) {
		step(s, VERDICT_WRONG,
		     "no AUTH after TLS: clients cannot log in",
		     "enable SASL (Postfix: smtpd_sasl_auth_enable = yes)");
		return;
	}
	while ((nl = strchr(t->caps, '\n')) != NULL)
		*nl = ' ';
	snprintf(text, sizeof(text),
		 "TLS with a certificate for %s (%ld days left, by %s); "
		 "capabilities:%.200s",
		 t->host, t->cert.days_left, t->cert.issuer, t->caps);
	step(s, VERDICT_OK, text, NULL);
}

void probe_mail(struct probe_report *r, const struct probe_ctx *x,
		const struct endpoint *e, const char *host)
{
	static const char *const sec[] = {"SSL/TLS", "STARTTLS", "none"};
	struct mail_step s = {r, ""};
	struct talk t = {.proto = e->proto, .host = host};
	char addr[64];

	snprintf(s.name, sizeof(s.name), "%s %s:%u (%s)", proto_name(e->proto),
		 host, e->port, sec[e->security]);
	if (probe_dns_address(x->dns, host, addr, sizeof(addr), t.why,
			      sizeof(t.why)) < 0) {
		step(&s, VERDICT_UNREACHABLE, t.why,
		     "give the host an address record");
		return;
	}
	if (open_talk(&s, &t, x, e, addr) < 0)
		return;
	if (e->security == SECURITY_NONE)
		step(&s, VERDICT_WRONG,
		     "advertised without TLS: passwords travel in plaintext",
		     "advertise the SSL/TLS or STARTTLS port instead (RFC "
		     "8314)");
	else if ((e->security == SECURITY_TLS || before_tls(&s, &t, x) == 0) &&
		 judge_cert(&s, &t, x))
		after_tls(&s, &t);
	quit(&t);
}
