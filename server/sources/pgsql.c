/* pgsql.c - the PostgreSQL source (libpq), source.h's interface.
 *
 * Every call runs against a deadline on the socket (poll), never in a
 * blocking libpq call: a server stopped with SIGSTOP still accepts TCP
 * connections and would hold a blocking call for ever (SPEC §7). Queries
 * go out with PQsendQueryParams: the values are parameters, never text of
 * the query. */
#include "source.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

struct source_conn {
	PGconn *pg; /* owned */
};

static void say(char *why, size_t n, const char *what, const char *detail)
{
	size_t len;

	snprintf(why, n, "%s%s%s", what, detail ? ": " : "",
		 detail ? detail : "");
	for (len = 0; why[len]; len++) /* one log line: libpq's messages */
		if (why[len] == '\n' || why[len] == '\t') /* have several */
			why[len] = ' ';
	while (len > 0 && why[len - 1] == ' ')
		why[--len] = '\0';
}

/* Waits until the socket is readable (or writable) or the deadline. */
static int wait_socket(PGconn *pg, int write, long long deadline)
{
	struct pollfd p = {PQsocket(pg), write ? POLLOUT : POLLIN, 0};
	int ms = source_ms_left(deadline);

	if (p.fd < 0 || ms == 0)
		return -1;
	return poll(&p, 1, ms) > 0 ? 0 : -1;
}

/* libpq's words when the server refused the table's role, password or
 * database (a failed connection has no SQLSTATE to read). */
static int refused(const char *msg)
{
	static const char *const words[] = {
	    "authentication failed", "no pg_hba.conf entry", "does not exist",
	    "password is required", "permission denied"};
	size_t i;

	for (i = 0; msg != NULL && i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(msg, words[i]) != NULL)
			return 1;
	return 0;
}

/* libpq's connection keywords for c; vals may point into port[]. */
static void conn_params(const struct source_conf *c, const char *keys[12],
			const char *vals[12], char port[16])
{
	size_t k = 0;

#define KV(key, val)                                                           \
	do {                                                                   \
		if ((val) != NULL) {                                           \
			keys[k] = (key);                                       \
			vals[k++] = (val);                                     \
		}                                                              \
	} while (0)
	snprintf(port, 16, "%u", c->port ? c->port : 5432);
	KV("host", c->socket ? c->socket : c->host);
	KV("port", port);
	KV("dbname", c->database);
	KV("user", c->user);
	KV("password", c->password);
	KV("sslmode", c->tls ? "verify-full" : "disable");
	KV("sslrootcert", c->tls ? (c->tls_ca ? c->tls_ca : "system") : NULL);
	KV("application_name", "mailconfd");
	KV("client_encoding", "UTF8");
	keys[k] = vals[k] = NULL;
#undef KV
}

/* The server's own limit too, in case we stop waiting first. */
static void set_statement_timeout(PGconn *pg, unsigned ms, long long deadline)
{
	char set[64];
	PGresult *r;

	snprintf(set, sizeof(set), "SET statement_timeout = %u",
		 ms ? ms : 5000);
	if (PQsendQuery(pg, set))
		while (PQisBusy(pg) && wait_socket(pg, 0, deadline) == 0 &&
		       PQconsumeInput(pg))
			;
	while (!PQisBusy(pg) && (r = PQgetResult(pg)) != NULL)
		PQclear(r);
}

/* Polls the connection up until deadline. Returns 0, or -1 with why. */
static int connect_poll(PGconn *pg, long long deadline, int *fail, char *why,
			size_t n)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	while (PQstatus(pg) != CONNECTION_BAD && st != PGRES_POLLING_OK &&
	       st != PGRES_POLLING_FAILED) {
		if (wait_socket(pg, st == PGRES_POLLING_WRITING, deadline) <
		    0) {
			say(why, n, "connection timed out", NULL);
			return -1;
		}
		st = PQconnectPoll(pg);
	}
	if (st == PGRES_POLLING_OK)
		return 0;
	say(why, n, "cannot connect", PQerrorMessage(pg));
	if (fail != NULL && refused(PQerrorMessage(pg)))
		*fail = SOURCE_DENIED;
	return -1;
}

static struct source_conn *pg_open(const struct source_conf *c, int *fail,
				   char *why, size_t n)
{
	const char *keys[12], *vals[12];
	char port[16];
	long long deadline = source_deadline(c->connect_timeout_ms);
	struct source_conn *conn = calloc(1, sizeof(*conn)); /* close() */

	if (fail != NULL)
		*fail = SOURCE_DOWN;
	conn_params(c, keys, vals, port);
	if (conn == NULL ||
	    (conn->pg = PQconnectStartParams(keys, vals, 0)) == NULL) {
		say(why, n, "out of memory", NULL);
		goto fail;
	}
	if (connect_poll(conn->pg, deadline, fail, why, n) < 0)
		goto fail;
	set_statement_timeout(conn->pg, c->query_timeout_ms, deadline);
	return conn;
fail:
	if (conn != NULL)
		PQfinish(conn->pg); /* NULL-safe */
	free(conn);
	return NULL;
}

static int sqlstate_is_outage(const PGresult *r)
{
	const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);

	/* 08: connection exception, 57: operator intervention (shutdown,
	 * statement timeout 57014), 53: insufficient resources. */
	return s == NULL || strncmp(s, "08", 2) == 0 ||
	       strncmp(s, "57", 2) == 0 || strncmp(s, "53", 2) == 0;
}

/* The next result, waiting on the socket at most until deadline. NULL at
 * the end of the results, or (*down set) when time is up or the
 * connection broke. */
static PGresult *next_result(PGconn *pg, long long deadline, int *down)
{
	while (PQisBusy(pg)) {
		if (wait_socket(pg, 0, deadline) < 0 || !PQconsumeInput(pg)) {
			*down = 1;
			return NULL;
		}
	}
	return PQgetResult(pg);
}

/* Runs sql with params; each result row goes to each(cls, r, i).
 * Returns rows, SOURCE_DOWN or SOURCE_BAD. */
static long run(struct source_conn *conn, const char *what, const char *sql,
		int nparams, const char *const *values, unsigned timeout_ms,
		int single, int (*each)(void *cls, PGresult *r, int row),
		void *cls, char *why, size_t n)
{
	long long deadline = source_deadline(timeout_ms);
	long rows = 0, rc = 0;
	int down = 0, i;
	PGresult *r;

	if (PQstatus(conn->pg) != CONNECTION_OK ||
	    !PQsendQueryParams(conn->pg, sql, nparams, NULL, values, NULL, NULL,
			       0)) {
		say(why, n, "cannot send the query", PQerrorMessage(conn->pg));
		return SOURCE_DOWN;
	}
	if (single)
		PQsetSingleRowMode(conn->pg);
	while ((r = next_result(conn->pg, deadline, &down)) != NULL) {
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_TUPLES_OK || st == PGRES_SINGLE_TUPLE) {
			for (i = 0; rc == 0 && i < PQntuples(r); i++, rows++)
				if (each(cls, r, i) < 0)
					rc = SOURCE_BAD;
		} else if (st != PGRES_COMMAND_OK && rc == 0) {
			say(why, n, what, PQresultErrorMessage(r));
			rc = sqlstate_is_outage(r) ? SOURCE_DOWN : SOURCE_BAD;
		}
		PQclear(r);
	}
	if (down) {
		say(why, n,
		    PQstatus(conn->pg) == CONNECTION_BAD ? "connection lost"
							 : "query timed out",
		    NULL);
		return SOURCE_DOWN; /* the connection is unusable now */
	}
	if (rc == 0 && PQstatus(conn->pg) != CONNECTION_OK) {
		say(why, n, "connection lost", PQerrorMessage(conn->pg));
		return SOURCE_DOWN;
	}
	return rc != 0 ? rc : rows;
}

struct domain_rows {
	source_row_fn row;
	void *cls;
	char *why;
	size_t n;
};

static int domain_row(void *cls, PGresult *r, int i)
{
	struct domain_rows *d = cls;
	int two = PQnfields(r) > 1 && !PQgetisnull(r, i, 1);

	if (PQnfields(r) < 1 || PQnfields(r) > 2) {
		say(d->why, d->n,
		    "the domain query must give one or two columns (the "
		    "domain, the table's entry)",
		    NULL);
		return -1;
	}
	return d->row(d->cls, PQgetisnull(r, i, 0) ? NULL : PQgetvalue(r, i, 0),
		      (size_t)PQgetlength(r, i, 0),
		      two ? PQgetvalue(r, i, 1) : NULL,
		      two ? (size_t)PQgetlength(r, i, 1) : 0);
}

static long pg_domains(struct source_conn *conn, const struct source_conf *c,
		       source_row_fn row, void *cls, char *why, size_t n)
{
	struct domain_rows d = {.row = row, .cls = cls, .why = why, .n = n};

	return run(conn, "domain query failed", c->domains_query, 0, NULL,
		   c->query_timeout_ms, 1, domain_row, &d, why, n);
}

static int stamp_row(void *cls, PGresult *r, int i)
{
	struct buf *stamp = cls;
	int f;

	for (f = 0; f < PQnfields(r); f++)
		buf_printf(stamp, "%s%s", f ? "," : "",
			   PQgetisnull(r, i, f) ? "NULL" : PQgetvalue(r, i, f));
	return 0;
}

static int pg_changed(struct source_conn *conn, const struct source_conf *c,
		      struct buf *stamp, char *why, size_t n)
{
	long rc = run(conn, "change query failed", c->changed_query, 0, NULL,
		      c->query_timeout_ms, 0, stamp_row, stamp, why, n);

	return rc < 0 ? (int)rc : 0;
}

/* Hands each row (login, and the address it is for) to the pick. */
static int login_row(void *cls, PGresult *r, int i)
{
	struct source_pick *pick = cls;
	int keyed = PQnfields(r) >= 2;

	if (PQnfields(r) < 1 || PQgetisnull(r, i, 0))
		return 0;
	source_pick_add(pick, PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0),
			keyed ? PQgetvalue(r, i, 1) : NULL,
			keyed ? (size_t)PQgetlength(r, i, 1) : 0);
	return 0;
}

static int pg_login(struct source_conn *conn, const struct source_conf *c,
		    const char *const values[SOURCE_PARAMS_MAX],
		    struct buf *out, char *why, size_t n)
{
	struct source_pick pick;
	const char *bound[SOURCE_PARAMS_MAX];
	size_t i;
	long rc;

	for (i = 0; i < c->n_params; i++)
		bound[i] = values[c->params[i]];
	source_pick_init(&pick, values[PARAM_ADDRESS], out);
	rc = run(conn, "login query failed", c->logins_query, (int)c->n_params,
		 bound, c->query_timeout_ms, 0, login_row, &pick, why, n);
	if (rc < 0) {
		source_pick_result(&pick);
		return (int)rc;
	}
	return source_pick_result(&pick);
}

static void pg_close(struct source_conn *conn)
{
	if (conn == NULL)
		return;
	PQfinish(conn->pg);
	free(conn);
}

const struct source_driver source_pgsql = SOURCE_DRIVER_OPS(pg);
