/* source.h - the provider's directory (SPEC §7): what the table says of
 * each source, and the one small interface every backend (MariaDB/MySQL,
 * PostgreSQL, LDAP) implements, one file each in this folder.
 *
 * A source gives two things: the hosted domains, read whole into a model
 * (directory_load.c), and per address the login (lookup.c). Values reach
 * SQL only as bound parameters and LDAP filters only escaped (RFC 4515). */
#ifndef MAILCONFD_SOURCE_H
#define MAILCONFD_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "../buf.h"

enum source_kind { SOURCE_MARIADB, SOURCE_PGSQL, SOURCE_LDAP };
#define SOURCE_KINDS 3

/* What a login query's parameters (or filter placeholders) stand for. */
enum source_param { PARAM_ADDRESS, PARAM_LOCALPART, PARAM_DOMAIN };
#define SOURCE_PARAMS_MAX 3

/* Their names, as the table writes them ("address"; LDAP filters put
 * them in braces). */
const char *source_param_name(enum source_param p);

/* Everything is owned by the struct (source_conf_clear()). */
struct source_conf {
	char *name; /* the key under directory.sources */
	enum source_kind kind;
	const struct source_driver *drv;
	/* The connection. SQL: host+port or socket, database, user. LDAP:
	 * url, bind_dn (NULL: anonymous). */
	char *host;
	unsigned port; /* 0: the driver's default */
	char *socket;
	char *database;
	char *user;
	char *url;
	char *bind_dn;
	char *password; /* from password_file, read at load; never logged */
	int tls;	/* 1: encrypted and verified, or no connection */
	char *tls_ca;	/* CA file for tls, NULL: the system's */
	unsigned connect_timeout_ms;
	unsigned query_timeout_ms;
	/* Domains: SQL query (column 1 the domain, optional column 2 the
	 * table's domain entry to use), or LDAP base + filter + attributes. */
	char *domains_query; /* NULL: this source gives no domains */
	char *domains_base;
	char *domains_attr;
	char *domains_account_attr; /* LDAP: optional */
	char *changed_query;	    /* SQL change detector, or NULL */
	unsigned refresh;	    /* seconds between checks, 0: never */
	/* Logins: SQL with bound parameters, or LDAP base + filter with
	 * {address}/{localpart}/{domain} + attribute. */
	char *logins_query; /* NULL: this source gives no logins */
	char *logins_base;
	char *logins_attr;
	char *logins_addr_attr; /* LDAP: the attribute that must hold the
				   asked address (address_attribute) */
	enum source_param params[SOURCE_PARAMS_MAX]; /* SQL: in order */
	size_t n_params;
	unsigned lookup_timeout_ms; /* the request waits this long at most */
	unsigned cache_ttl, negative_ttl; /* seconds */
	unsigned cache_size;		  /* entries */
	uint64_t digest; /* of everything above: connections opened with
			    other settings are reopened */
};

/* Outcomes of a driver call (besides rows counts and found/not found). */
#define SOURCE_DOWN (-1) /* no connection, lost, or timed out: an outage */
#define SOURCE_BAD  (-2) /* the server refused the query: not an outage */
#define SOURCE_DENIED                                                          \
	(-3) /* the server refused our credentials (or the database): the      \
		table is wrong, not the network */

struct source_conn; /* a driver's connection; opaque */

/* A row of the domain query: the domain and the entry name (NULL when
 * the query gives none), with their lengths. Returns 0, or -1 to stop. */
typedef int (*source_row_fn)(void *cls, const char *domain, size_t dlen,
			     const char *entry, size_t elen);

struct source_driver {
	/* Connects. Returns the connection, or NULL with why set and *fail
	 * (when not NULL) SOURCE_DOWN or SOURCE_DENIED. */
	struct source_conn *(*open)(const struct source_conf *c, int *fail,
				    char *why, size_t n);
	/* Runs the domain query, calling row() for each row. Returns the
	 * number of rows, SOURCE_DOWN or SOURCE_BAD (why set). */
	long (*domains)(struct source_conn *conn, const struct source_conf *c,
			source_row_fn row, void *cls, char *why, size_t n);
	/* Runs the change detector: its first row, joined, into stamp.
	 * Returns 0, SOURCE_DOWN or SOURCE_BAD. */
	int (*changed)(struct source_conn *conn, const struct source_conf *c,
		       struct buf *stamp, char *why, size_t n);
	/* The login for the address: values[] holds the normalized address,
	 * its local part and its domain (enum source_param order); SQL binds
	 * those c->params names, LDAP escapes them into its filter. Every
	 * answer goes through source_pick (below). Returns 1 found (appended
	 * to out), 0 not found (or more than one different answer),
	 * SOURCE_DOWN, SOURCE_BAD. */
	int (*login)(struct source_conn *conn, const struct source_conf *c,
		     const char *const values[SOURCE_PARAMS_MAX],
		     struct buf *out, char *why, size_t n);
	void (*close)(struct source_conn *conn);
};

/* A driver's operations, named by its prefix: my_open, my_domains, ... */
#define SOURCE_DRIVER_OPS(p)                                                   \
	{                                                                      \
		.open = p##_open, .domains = p##_domains,                      \
		.changed = p##_changed, .login = p##_login, .close = p##_close \
	}

/* Every backend mailconfd knows: one list for the table's "driver"
 * names, the kinds and the messages (as OpenSMTPD's table_backend). drv
 * is NULL where this build left the backend out. */
struct source_backend {
	const char *name; /* as in the table's "driver" */
	enum source_kind kind;
	const struct source_driver *drv;
};

/* The backend of kind k (k < SOURCE_KINDS). */
const struct source_backend *source_backend(enum source_kind k);

/* The backend called name, or NULL. */
const struct source_backend *source_backend_find(const char *name);

/* Frees what c owns. NULL-safe. */
void source_conf_clear(struct source_conf *c);

#ifdef MAILCONFD_WITH_LDAP
/* ldap.c: the login filter tmpl with {address}, {localpart}, {domain}
 * replaced by the values, each escaped (RFC 4515), appended to out.
 * Returns 0 or -1. Its own function so that it can be fuzzed. */
int source_ldap_filter(struct buf *out, const char *tmpl,
		       const char *const values[SOURCE_PARAMS_MAX]);
#endif

/* An address as the directory is asked for it: ASCII letters of the
 * local part in lower case (the panels store addresses so, and MariaDB's
 * collations would match either), the domain an A-label. values[] point
 * into the struct, in enum source_param order. */
struct source_address {
	char full[64 + 1 + 253 + 1];
	char local[64 + 1];
	const char *values[SOURCE_PARAMS_MAX];
};

/* Fills out from a parsed address's local part and domain. Returns 0,
 * or -1 when it does not fit or holds a NUL or control byte (then the
 * directory is not asked). */
int source_address(struct source_address *out, const char *local,
		   const char *domain);

/* One login answer from the rows (or LDAP values) a lookup gave: what
 * every driver hands its rows to, so the rules are one. A row counts
 * only if its address column (SQL: the query's second column; LDAP:
 * address_attribute) is the asked address, letter for letter but for
 * ASCII case: a collation or matching rule that folds accents, case or
 * trailing spaces may return another address's row. Two different
 * logins (two rows, or two values of the attribute) are no answer. */
struct source_pick {
	const char *asked; /* the normalized address */
	struct buf *out;   /* the login is appended here */
	size_t start;	   /* out's length before */
	int found;	   /* 0 none, 1 one, 2 ambiguous */
	size_t foreign;	   /* rows skipped: for another address */
};

void source_pick_init(struct source_pick *p, const char *asked,
		      struct buf *out);

/* key[0..klen) is the asked address, ASCII letters in any case. */
int source_same_address(const char *asked, const char *key, size_t klen);

/* One candidate: login[0..llen) (empty or NULL: none), and the row's
 * address key[0..klen), or key NULL when the source gives none. */
void source_pick_add(struct source_pick *p, const char *login, size_t llen,
		     const char *key, size_t klen);

/* 1 with the login in out, or 0 (none, or ambiguous: out as before). */
int source_pick_result(struct source_pick *p);

/* The drivers' deadlines: now + ms, and what is left of a deadline in ms
 * (0 when passed). Monotonic clock (elapsed_now_ms()), milliseconds. */
long long source_deadline(unsigned ms);
int source_ms_left(long long deadline);

/* The next wait after another failure: 1 s, then doubled, at most cap_s
 * (the lookups' and the refresh's caps are theirs to name). */
unsigned source_backoff(unsigned prev_s, unsigned cap_s);

#endif
