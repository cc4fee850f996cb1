/* probe_web_clients.h - what each client asks over HTTPS, in its order
 * (SPEC §11.1), and what the answers mean for it. The fetching is
 * probe_web.c's, handed in as fetch. */
#ifndef MAILCONFD_PROBE_WEB_CLIENTS_H
#define MAILCONFD_PROBE_WEB_CLIENTS_H

#include "probe_ctx.h"
#include "probe_report.h"

enum got {
	GOT_MATCH,   /* 2xx, the bytes this table renders */
	GOT_DIFFERS, /* 2xx, other bytes */
	GOT_STATUS,  /* an answer, not 2xx */
	GOT_NONE,    /* no answer: no address, no connection, timeout */
	GOT_CERT     /* the certificate is not valid for the name */
};

struct
try {
	enum got got;
	long status;
	char url[1200];	 /* "GET https://..." */
	char ctype[128]; /* the answer's content type */
	char why[480];	 /* for people */
	struct buf body; /* owned: the answer's body (try_clear) */
};

struct web_client {
	struct probe_report *r;
	const struct probe_ctx *x;
	/* Asks method https://host<target> (body of type ctype, or NULL)
	 * and fills *t. */
	void (*fetch)(void *cls, struct try *t, const char *method,
		      const char *host, const char *target, const char *body,
		      const char *ctype);
	void *cls;
};

void try_clear(struct try *t);

/* t as a step of group: its URL, its reason, fix unless ok or info. */
void probe_say(struct web_client *c, const char *group, const struct try *t,
	       enum verdict v, const char *fix);

/* t as a URL the client needs (host its name): the table's bytes are ok,
 * anything else wrong or unreachable, with the fix for what it was. */
void probe_required(struct web_client *c, const char *group,
		    const struct try *t, const char *host);

void probe_try(void *cls, struct try *t, const char *method, const char *host,
	       const char *target, const char *body, const char *ctype);

void probe_clients_thunderbird(struct web_client *c);
void probe_clients_android(struct web_client *c);
void probe_clients_outlook(struct web_client *c);
void probe_clients_apple(struct web_client *c);
void probe_clients_pacc(struct web_client *c);
void probe_clients_mta_sts(struct web_client *c);

#endif
