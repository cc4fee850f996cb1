/* model.h - the loaded settings table as plain, immutable structs.
 *
 * model_load() builds a struct model (model_load.h: the table, the
 * directory's domains, the overrides, pages, certificates, precompiled
 * answers); after that nothing changes it.
 * A model is shared by the requests that started on it through a reference
 * count: the model slot holds one reference, every request one more. */
#ifndef MAILCONFD_MODEL_H
#define MAILCONFD_MODEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "buf.h"
#include "lang.h"
#include "server_limits.h"

/* The model only points at these; their modules own the details. */
struct cidr;
struct directory_conf;
struct pages;
struct signer;
struct bytecache;
struct skeleton;
struct tls_store;

enum proto { PROTO_IMAP, PROTO_POP3, PROTO_SMTP };
enum security { SECURITY_TLS, SECURITY_STARTTLS, SECURITY_NONE };
enum auth { AUTH_PASSWORD, AUTH_PASSWORD_ENCRYPTED, AUTH_OAUTH2 };

#define AUTH_MAX 3

struct endpoint {
	enum proto proto;
	char *host; /* owned; lower case, may hold %EMAILDOMAIN% */
	unsigned port;
	enum security security;
	enum auth auth[AUTH_MAX]; /* in order of preference */
	size_t n_auth;
	int advertise; /* 0: documented for people, never offered to clients */
};

/* A CalDAV or CardDAV service (SPEC §8): always HTTPS. */
struct dav {
	char *host;	     /* owned; lower case, may hold %EMAILDOMAIN% */
	unsigned port;	     /* 443 unless the table says otherwise */
	char *path;	     /* owned; starts with '/' (RFC 6764 TXT path=) */
	char *login;	     /* owned; NULL: the account's login */
	char *principal_url; /* owned; NULL unless the table gives one */
};

/* MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) for the domains of an
 * account (SPEC §10.2-10.3): off unless the table gives "mta_sts". */
enum sts_mode { STS_NONE, STS_TESTING, STS_ENFORCE };

struct mail_policy {
	char **mx; /* owned list: the MX hosts, may hold %EMAILDOMAIN% */
	size_t n_mx;
	int sts;	    /* 1: an MTA-STS policy is served */
	enum sts_mode mode; /* with sts */
	unsigned max_age;   /* seconds, with sts */
	char **sts_mx;	    /* owned list: the policy's mx patterns */
	size_t n_sts_mx;    /* 0: the MX hosts are the patterns */
	char **rua;	    /* owned list: TLS-RPT report URIs; none: no */
	size_t n_rua;	    /* _smtp._tls record */
};

/* The PACC revisions served (SPEC §10.1): -02 (Stalwart) names
 * submission "smtp", -03 (automx) "submit"; nothing else differs. */
enum pacc_revision { PACC_02, PACC_03 };

struct pacc_choice {
	int on;			     /* the document is served */
	enum pacc_revision revision; /* the one served */
	int also;		     /* --dns prints a second digest... */
	enum pacc_revision previous; /* ...of this one (a change-over) */
};

/* What a mail account on one domain needs: the table's "defaults", or a
 * domain's entry merged over them field by field. */
struct account {
	char *login;		   /* owned; may hold %EMAIL...% placeholders */
	char *imap_path_prefix;	   /* owned; "" for none */
	struct endpoint *incoming; /* owned array, preference order */
	size_t n_incoming;
	struct endpoint *outgoing; /* owned array, preference order */
	size_t n_outgoing;
	struct dav *caldav;   /* owned; NULL: none */
	struct dav *carddav;  /* owned; NULL: none */
	char *activesync_url; /* owned; NULL: no ActiveSync (SPEC §8) */
	int activesync_json;  /* autodiscover.json answers ActiveSync too */
	struct mail_policy policy; /* MX hosts, MTA-STS, TLS-RPT */
	struct pacc_choice pacc;   /* PACC, off unless the table says */
	/* Precompiled answers (skeleton.h), owned; built after loading. */
	struct skeleton *sk_autoconfig;
	struct skeleton *sk_autodiscover;
	struct skeleton *sk_profile[LANG_COUNT][2]; /* [lang][IMAP, POP3] */
};

struct provider {
	char *id;		 /* owned */
	char *name;		 /* owned */
	char *short_name;	 /* owned */
	char *organization;	 /* owned */
	char *support_url;	 /* owned; may be "" */
	char *profile_id_prefix; /* owned */
	char *setup_url;	 /* owned; may hold %EMAILDOMAIN% */
	char *service_host;	 /* owned; mailconfd's own name, or "" */
	char *mx_domain;	 /* owned; the MX hosts' domain (autoconfig -06
				    purpose="mx"), or "" */
};

/* The provider's texts, one row each: the key in the table, where it
 * goes, whether the table must give it, what it is otherwise, and how
 * settings checks it. The one list that parsing, defaults and freeing
 * follow. */
enum provider_check { PROVIDER_TEXT, PROVIDER_URL, PROVIDER_HOST };
struct provider_text {
	const char *key;
	size_t offset; /* of a char * (owned) in struct provider */
	int required;
	const char *fallback; /* when not required: the default */
	enum provider_check check;
};
#define PROVIDER_TEXTS 9
extern const struct provider_text provider_texts[PROVIDER_TEXTS];

/* The member of p that t describes. */
char **provider_text_slot(struct provider *p, const struct provider_text *t);

/* server.acme: certificates from an ACME CA for the names served
 * (acme.h). The numbers are checked by settings_acme.c. */
#define ACME_ALL_MAX 1000
struct acme_conf {
	char *directory; /* owned: the CA's directory URL */
	char *contact;	 /* owned: "mailto:...", or NULL */
	char *ca_file;	 /* owned: PEM to trust for the CA, or
			    NULL: the system's */
	int issue_all;	 /* 1: every hosted domain is queued, 0: on demand,
			    -1: all up to ACME_ALL_MAX domains */
	unsigned orders_per_window; /* new orders in any window_s */
	unsigned window_s;
	unsigned cache;		/* parsed certificates held */
	unsigned retry_s;	/* the first back-off after a failure */
	unsigned renew_divisor; /* renew at 1/renew_divisor of the
				   lifetime left (3) */
};

void acme_conf_free(struct acme_conf *a);

struct model {
	atomic_int refs;
	char *source;	  /* owned: the settings file's path */
	char version[17]; /* hex digest of everything loaded */
	struct provider provider;
	struct limits limits;
	int https_in_front; /* server.https_in_front: TLS is served before us */
	struct signer *signer; /* owned; NULL: profiles are not signed */
	/* The three caches are the model's only parts that change after the
	 * load; each guards itself (bytecache.h). Owned; NULL: none. */
	struct bytecache *signed_profiles; /* signed bytes by plist */
	struct bytecache *qr_codes;	   /* SVGs by scale and content */
	struct bytecache *setup_pages;	   /* by language and domain */
	struct pages *pages;   /* owned; NULL: no setup page (not loaded) */
	struct tls_store *tls; /* owned; NULL: no HTTPS certificate */
	char *tls_priorities;  /* owned: server.tls_priorities, or NULL for
				  TLS_PRIORITIES_DEFAULT; read at start */
	struct cidr *trusted;  /* owned: server.trusted_proxies */
	size_t n_trusted;
	struct directory_conf *directory; /* owned; NULL: the table alone */
	char *state_dir;	/* owned: server.state_dir, what the daemon
				   keeps (snapshots, certificates, ACME) */
	struct acme_conf *acme; /* owned; NULL: no built-in ACME */
	struct account defaults;
	struct account *overrides; /* owned array: per-domain accounts */
	size_t n_overrides;
	struct buf names; /* owned: every hosted domain, NUL-separated */
	struct domain_entry {
		uint32_t name_off; /* into names */
		uint32_t account;  /* 0: defaults, i+1: overrides[i] */
	} * domains;		   /* owned array */
	size_t n_domains, cap_domains;
	uint32_t *slots; /* owned hash table: index+1 into domains in the low
			    24 bits, a tag of the name's hash above; 0 empty */
	size_t n_slots;	 /* a power of two */
};

/* Returns a new empty model with one reference, or NULL (out of memory). */
struct model *model_new(void);

/* The most hosted domains one model holds (the slots' 24 index bits). */
#define MODEL_DOMAINS_MAX ((1u << 24) - 1)

/* Adds a hosted domain (an already normalized A-label) served with
 * account 0 (the defaults) or i+1 (overrides[i]).
 * Returns 0 when added, 1 when it was already there (unchanged), -1 when
 * out of memory or MODEL_DOMAINS_MAX are there. */
int model_add_domain(struct model *m, const char *name, uint32_t account);

#define PROTO_ANY (-1)

/* The first endpoint of e[0..n) offered to clients (advertise) with
 * protocol proto (or PROTO_ANY); with tls_first, the first with implicit
 * TLS if there is one; never skip. NULL if none. */
const struct endpoint *endpoint_offered(const struct endpoint *e, size_t n,
					int proto, int tls_first,
					const struct endpoint *skip);

/* Looks a normalized domain up. Returns its account, or NULL if the domain
 * is not hosted. The pointer lives as long as the model. */
const struct account *model_find_domain(const struct model *m,
					const char *name);

/* The account of the hosted domain that the host name (normalized, as in
 * struct request) serves: the domain itself or its "autoconfig." or
 * "autodiscover." name. NULL if none. When domain is not NULL, *domain is
 * set to the hosted domain (a pointer into host). */
const struct account *model_find_host(const struct model *m, const char *host,
				      const char **domain);

/* The account of host when it is mta-sts.<hosted domain> and that domain
 * has an MTA-STS policy, with *domain set to the domain; else NULL. */
const struct account *model_find_sts_host(const struct model *m,
					  const char *host,
					  const char **domain);

/* The account a domain entry's account index names (0: the defaults). */
const struct account *model_account(const struct model *m, uint32_t index);

/* The same for ua-auto-config.<hosted domain> with PACC on. */
const struct account *model_find_pacc_host(const struct model *m,
					   const char *host,
					   const char **domain);

/* The names of one certificate order (SPEC §9): for a hosted domain its
 * autoconfig. and autodiscover. names and the names of the documents it
 * has on (mta-sts., ua-auto-config.); for provider.service_host that name
 * and, with provider.mx_domain, autoconfig.<mx_domain> (the MX path).
 * key: the order's name (the domain, or the service host). */
#define CERT_NAMES_MAX 4
struct cert_names {
	char key[DOMAIN_MAX + 1];
	char names[CERT_NAMES_MAX][DOMAIN_MAX + 1];
	size_t n;
};

/* The order that covers host: 1 with *out filled, or 0 when host is no
 * name mailconfd orders a certificate for (the ask endpoint's rule). */
int model_cert_order(const struct model *m, const char *host,
		     struct cert_names *out);

/* The order of the hosted domain domain (its entry's account a). */
void model_cert_domain(const struct account *a, const char *domain,
		       struct cert_names *out);

/* 1 if host is a name mailconfd serves: model_find_host() finds it, or
 * it is provider.service_host. */
int model_serves_host(const struct model *m, const char *host);

/* Takes one more reference. */
struct model *model_ref(struct model *m);

/* Drops a reference; the last one frees the model. NULL-safe. */
void model_unref(struct model *m);

/* Frees what an account owns (not the struct itself). NULL-safe. */
void account_clear(struct account *a);

/* Frees what p owns (a list of strings each) and zeroes it. */
void policy_clear(struct mail_policy *p);

/* Frees n strings and their array. NULL-safe. */
void strings_free(char **v, size_t n);

/* Deep-copies src into dst (dst's old content is not freed).
 * Returns 0 or -1 (out of memory; dst is then cleared). */
int account_copy(struct account *dst, const struct account *src);

/* Frees a DAV service. NULL-safe. */
void dav_free(struct dav *d);

/* The current model, swapped atomically on reload. Owned by main(). */
struct model_slot {
	pthread_mutex_t lock;
	struct model *current; /* one reference held by the slot */
};

void model_slot_init(struct model_slot *s, struct model *m);

/* Returns the current model with a reference the caller must drop with
 * model_unref(). */
struct model *model_slot_acquire(struct model_slot *s);

/* Puts m (whose reference passes to the slot) in service; the old model
 * is released when its last request finishes. */
void model_slot_swap(struct model_slot *s, struct model *m);

void model_slot_destroy(struct model_slot *s);

const char *proto_name(enum proto p);
const char *security_name(enum security s);
const char *auth_name(enum auth a);

#endif
