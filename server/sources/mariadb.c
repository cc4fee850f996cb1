/* mariadb.c - the MariaDB/MySQL source (libmariadb), source.h's
 * interface.
 *
 * Logins go through a prepared statement (mysql_stmt_*): the values are
 * bound, never text of the query. The client library's timeouts are whole
 * seconds: connect, read and write each get the source's timeout rounded
 * up (a request never waits that long: lookup.c answers at its own
 * deadline). Host "localhost" would mean the default unix socket to the
 * library, so the table names a socket or an address (SPEC §7). */
#include "source.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errmsg.h>
#include <mysql.h>

#define LOGIN_MAX 1024

struct source_conn {
	MYSQL *db;	      /* owned */
	MYSQL_STMT *login;    /* owned; prepared on first use */
	const char *prepared; /* the query it was prepared from */
};

static void say(char *why, size_t n, const char *what, MYSQL *db)
{
	snprintf(why, n, "%s: %s (%u)", what, mysql_error(db), mysql_errno(db));
}

/* Client errors (2000-2999: no server, lost, timed out) are outages;
 * server errors (a bad query, a character the column's charset cannot
 * hold, error 1267) are the query's. */
static int outcome(unsigned err)
{
	return err >= 2000 && err < 3000 ? SOURCE_DOWN : SOURCE_BAD;
}

/* Errors of connecting that mean the table's credentials (or database)
 * are wrong: access denied (1044, 1045, 1698), unknown database (1049). */
static int refused(unsigned err)
{
	return err == 1044 || err == 1045 || err == 1698 || err == 1049;
}

static unsigned seconds(unsigned ms)
{
	return ms == 0 ? 5 : (ms + 999) / 1000;
}

static struct source_conn *my_open(const struct source_conf *c, int *fail,
				   char *why, size_t n)
{
	struct source_conn *conn = calloc(1, sizeof(*conn)); /* close() */
	unsigned ct = seconds(c->connect_timeout_ms);
	unsigned qt = seconds(c->query_timeout_ms);
	my_bool yes = 1;

	if (fail != NULL)
		*fail = SOURCE_DOWN;
	if (conn == NULL || (conn->db = mysql_init(NULL)) == NULL) {
		snprintf(why, n, "out of memory");
		free(conn);
		return NULL;
	}
	mysql_options(conn->db, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_options(conn->db, MYSQL_OPT_READ_TIMEOUT, &qt);
	mysql_options(conn->db, MYSQL_OPT_WRITE_TIMEOUT, &qt);
	mysql_options(conn->db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (c->tls) {
		mysql_options(conn->db, MYSQL_OPT_SSL_ENFORCE, &yes);
		mysql_options(conn->db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes);
		if (c->tls_ca)
			mysql_options(conn->db, MYSQL_OPT_SSL_CA, c->tls_ca);
	}
	if (mysql_real_connect(
		conn->db, c->socket ? NULL : c->host, c->user, c->password,
		c->database, c->port ? c->port : 3306, c->socket, 0) == NULL) {
		say(why, n, "cannot connect", conn->db);
		if (fail != NULL && refused(mysql_errno(conn->db)))
			*fail = SOURCE_DENIED;
		mysql_close(conn->db);
		free(conn);
		return NULL;
	}
	return conn;
}

static long my_domains(struct source_conn *conn, const struct source_conf *c,
		       source_row_fn row, void *cls, char *why, size_t n)
{
	MYSQL_RES *res; /* freed below */
	MYSQL_ROW r;
	unsigned long *len;
	unsigned fields;
	long rows = 0;
	int stop = 0;

	if (mysql_query(conn->db, c->domains_query) != 0 ||
	    (res = mysql_use_result(conn->db)) == NULL) {
		say(why, n, "domain query failed", conn->db);
		return outcome(mysql_errno(conn->db));
	}
	fields = mysql_num_fields(res);
	if (fields < 1 || fields > 2) {
		snprintf(why, n,
			 "the domain query must give one or two columns (the "
			 "domain, the table's entry), not %u",
			 fields);
		mysql_free_result(res);
		return SOURCE_BAD;
	}
	while ((r = mysql_fetch_row(res)) != NULL) {
		len = mysql_fetch_lengths(res);
		if (!stop &&
		    row(cls, r[0], r[0] ? len[0] : 0, fields > 1 ? r[1] : NULL,
			fields > 1 && r[1] ? len[1] : 0) < 0)
			stop = 1; /* still fetch the rest off the wire */
		rows++;
	}
	if (mysql_errno(conn->db) != 0) {
		say(why, n, "reading the domains failed", conn->db);
		mysql_free_result(res);
		return outcome(mysql_errno(conn->db));
	}
	mysql_free_result(res);
	return stop ? SOURCE_BAD : rows;
}

static int my_changed(struct source_conn *conn, const struct source_conf *c,
		      struct buf *stamp, char *why, size_t n)
{
	MYSQL_RES *res; /* freed below */
	MYSQL_ROW r;
	unsigned i, fields;

	if (mysql_query(conn->db, c->changed_query) != 0 ||
	    (res = mysql_store_result(conn->db)) == NULL) {
		say(why, n, "change query failed", conn->db);
		return outcome(mysql_errno(conn->db));
	}
	fields = mysql_num_fields(res);
	if ((r = mysql_fetch_row(res)) != NULL)
		for (i = 0; i < fields; i++)
			buf_printf(stamp, "%s%s", i ? "," : "",
				   r[i] ? r[i] : "NULL");
	mysql_free_result(res);
	return 0;
}

static int prepare(struct source_conn *conn, const struct source_conf *c,
		   char *why, size_t n)
{
	if (conn->login != NULL && conn->prepared == c->logins_query)
		return 0;
	if (conn->login != NULL)
		mysql_stmt_close(conn->login);
	conn->prepared = NULL;
	if ((conn->login = mysql_stmt_init(conn->db)) == NULL) {
		say(why, n, "cannot prepare the login query", conn->db);
		return outcome(mysql_errno(conn->db));
	}
	if (mysql_stmt_prepare(conn->login, c->logins_query,
			       strlen(c->logins_query)) != 0) {
		snprintf(why, n, "cannot prepare the login query: %s (%u)",
			 mysql_stmt_error(conn->login),
			 mysql_stmt_errno(conn->login));
		return outcome(mysql_stmt_errno(conn->login));
	}
	if (mysql_stmt_param_count(conn->login) != c->n_params ||
	    mysql_stmt_field_count(conn->login) < 1 ||
	    mysql_stmt_field_count(conn->login) > 2) {
		snprintf(why, n,
			 "the login query has %lu parameters and %u columns; "
			 "the table lists %zu parameters and it must give one "
			 "or two columns (the login, the address it is for)",
			 mysql_stmt_param_count(conn->login),
			 mysql_stmt_field_count(conn->login), c->n_params);
		return SOURCE_BAD;
	}
	conn->prepared = c->logins_query;
	return 0;
}

static int stmt_fail(struct source_conn *conn, const char *what, char *why,
		     size_t n)
{
	unsigned err = mysql_stmt_errno(conn->login);

	snprintf(why, n, "%s: %s (%u)", what, mysql_stmt_error(conn->login),
		 err);
	mysql_stmt_free_result(conn->login);
	return outcome(err);
}

/* Binds a result column of the login query into buf[0..size). */
static void bind_column(MYSQL_BIND *b, char *buf, size_t size,
			unsigned long *len, my_bool *is_null, my_bool *error)
{
	memset(b, 0, sizeof(*b));
	b->buffer_type = MYSQL_TYPE_STRING;
	b->buffer = buf;
	b->buffer_length = size;
	b->length = len;
	b->is_null = is_null;
	b->error = error;
}

static int my_login(struct source_conn *conn, const struct source_conf *c,
		    const char *const values[SOURCE_PARAMS_MAX],
		    struct buf *out, char *why, size_t n)
{
	MYSQL_BIND in[SOURCE_PARAMS_MAX], res[2];
	unsigned long in_len[SOURCE_PARAMS_MAX], len[2] = {0, 0};
	char value[LOGIN_MAX], key[LOGIN_MAX];
	my_bool is_null[2] = {0, 0}, error[2] = {0, 0};
	struct source_pick pick;
	size_t i;
	int rc, keyed;

	if ((rc = prepare(conn, c, why, n)) != 0)
		return rc;
	keyed = mysql_stmt_field_count(conn->login) == 2;
	memset(in, 0, sizeof(in));
	for (i = 0; i < c->n_params; i++) {
		const char *v = values[c->params[i]];
		in_len[i] = strlen(v);
		in[i].buffer_type = MYSQL_TYPE_STRING;
		in[i].buffer = (void *)(uintptr_t)v;
		in[i].buffer_length = in_len[i];
		in[i].length = &in_len[i];
	}
	bind_column(&res[0], value, sizeof(value), &len[0], &is_null[0],
		    &error[0]);
	bind_column(&res[1], key, sizeof(key), &len[1], &is_null[1], &error[1]);
	if ((c->n_params > 0 && mysql_stmt_bind_param(conn->login, in)) ||
	    mysql_stmt_execute(conn->login) != 0)
		return stmt_fail(conn, "login query failed", why, n);
	if (mysql_stmt_bind_result(conn->login, res) != 0)
		return stmt_fail(conn, "login query failed", why, n);
	source_pick_init(&pick, values[PARAM_ADDRESS], out);
	while ((rc = mysql_stmt_fetch(conn->login)) == 0 ||
	       rc == MYSQL_DATA_TRUNCATED) {
		if (is_null[0] || rc == MYSQL_DATA_TRUNCATED)
			continue; /* no usable login on this row */
		source_pick_add(&pick, value, len[0],
				keyed ? (is_null[1] ? "" : key) : NULL,
				keyed && !is_null[1] ? len[1] : 0);
	}
	if (rc != MYSQL_NO_DATA) {
		source_pick_result(&pick);
		return stmt_fail(conn, "reading the login failed", why, n);
	}
	mysql_stmt_free_result(conn->login);
	return source_pick_result(&pick);
}

static void my_close(struct source_conn *conn)
{
	if (conn == NULL)
		return;
	if (conn->login != NULL)
		mysql_stmt_close(conn->login);
	mysql_close(conn->db);
	free(conn);
}

const struct source_driver source_mariadb = SOURCE_DRIVER_OPS(my);
