/* snapshot.c - a directory source's last good domain list (snapshot.h). */
#include "directory_snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "state_file.h"

#define HEADER	     "# mailconfd snapshot of source "
#define SNAPSHOT_MAX (1u << 30)

static char *path_of(const char *dir, const char *source, const char *ext)
{
	struct buf p = BUF_INIT; /* stolen */

	buf_printf(&p, "%s/%s.domains%s", dir, source, ext);
	return p.failed ? (buf_free(&p), NULL) : buf_steal(&p);
}

#define PIECE (1u << 20)

/* What a snapshot's lines are made from (fill_snapshot's cls). */
struct snapshot_range {
	const struct model *m;
	size_t first, count;
	const char **entries; /* owned: account i's entry name, [0] NULL */
	const char *source;
	long long now;
};

/* The table's domain of each account: the first domain listed with it
 * (the table's own domains come before any source's). */
static const char **entry_names(const struct model *m, size_t first)
{
	const char **e = calloc(m->n_overrides + 1, sizeof(*e)); /* caller's */
	size_t i;
	uint32_t a;

	for (i = 0; e != NULL && i < first; i++) {
		a = m->domains[i].account;
		if (a != 0 && a <= m->n_overrides && e[a] == NULL)
			e[a] = m->names.data + m->domains[i].name_off;
	}
	return e;
}

static int flush(int fd, struct buf *b)
{
	int rc = b->failed ? (errno = ENOMEM, -1)
			   : state_file_put(fd, b->data, b->len);

	buf_reset(b);
	return rc;
}

static int fill_snapshot(int fd, void *cls)
{
	const struct snapshot_range *r = cls;
	const struct domain_entry *d;
	struct buf b = BUF_INIT; /* one piece; freed below */
	const char *e;
	size_t i;
	int rc = 0;

	buf_printf(&b, HEADER "%s, written %lld\n", r->source, r->now);
	for (i = r->first; i < r->first + r->count && rc == 0; i++) {
		d = &r->m->domains[i];
		buf_puts(&b, r->m->names.data + d->name_off);
		e = d->account <= r->m->n_overrides ? r->entries[d->account]
						    : NULL;
		if (e != NULL) {
			buf_puts(&b, "\t");
			buf_puts(&b, e);
		}
		buf_puts(&b, "\n");
		if (b.len >= PIECE)
			rc = flush(fd, &b);
	}
	if (rc == 0)
		rc = flush(fd, &b);
	buf_free(&b);
	return rc;
}

int directory_snapshot_write(const char *state_dir, const char *source,
			     const struct model *m, size_t first, size_t count,
			     long long now, char *why, size_t n)
{
	char *dst = path_of(state_dir, source, ""); /* freed below */
	struct snapshot_range r = {m,	   first, count, entry_names(m, first),
				   source, now};
	int rc = -1;

	if (dst == NULL || r.entries == NULL)
		snprintf(why, n, "out of memory");
	else if (state_dir_make(state_dir, why, n) == 0)
		rc =
		    state_file_write_with(dst, 0640, fill_snapshot, &r, why, n);
	free(dst);
	free(r.entries);
	return rc;
}

/* One line "domain[\tentry]" to row(). */
static int read_line(char *line, source_row_fn row, void *cls)
{
	char *tab = strchr(line, '\t');

	if (tab != NULL) {
		*tab = '\0';
		return row(cls, line, strlen(line), tab + 1, strlen(tab + 1));
	}
	return row(cls, line, strlen(line), NULL, 0);
}

long directory_snapshot_read(const char *state_dir, const char *source,
			     source_row_fn row, void *cls, long long *when,
			     char *why, size_t n)
{
	char *path = path_of(state_dir, source, ""); /* freed below */
	struct buf text = BUF_INIT;		     /* freed below */
	char *p, *nl, *next;
	long rows = 0;

	*when = 0;
	if (path == NULL || buf_read_file(&text, path, SNAPSHOT_MAX) < 0) {
		snprintf(why, n, "no snapshot in %s: %s", path ? path : "?",
			 strerror(errno));
		rows = -1;
		goto out;
	}
	p = text.data;
	if (text.len < sizeof(HEADER) ||
	    strncmp(p, HEADER, sizeof(HEADER) - 1) != 0 ||
	    (nl = strchr(p, '\n')) == NULL) {
		snprintf(why, n, "%s is not a mailconfd snapshot", path);
		rows = -1;
		goto out;
	}
	*nl = '\0';
	if ((p = strstr(p, ", written ")) != NULL)
		*when = strtoll(p + 10, NULL, 10);
	for (p = nl + 1; *p; p = next) {
		nl = strchr(p, '\n');
		next = nl != NULL ? nl + 1 : p + strlen(p);
		if (nl != NULL)
			*nl = '\0';
		if (read_line(p, row, cls) < 0)
			break;
		rows++;
	}
out:
	free(path);
	buf_free(&text);
	return rows;
}

int directory_snapshot_check_dir(const char *state_dir, char *why, size_t n)
{
	struct buf parent = BUF_INIT; /* freed below */
	struct stat st;
	const char *slash;
	int rc = 0;

	if (stat(state_dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			snprintf(why, n, "%s is not a folder", state_dir);
			return -1;
		}
		if (access(state_dir, W_OK | X_OK) < 0) {
			snprintf(why, n, "cannot write in %s: %s", state_dir,
				 strerror(errno));
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT) {
		snprintf(why, n, "%s: %s", state_dir, strerror(errno));
		return -1;
	}
	/* missing: directory_snapshot_write() creates it, one level deep */
	slash = strrchr(state_dir, '/');
	buf_printf(&parent, "%.*s",
		   slash == NULL	? 1
		   : slash == state_dir ? 1
					: (int)(slash - state_dir),
		   slash == NULL ? "." : state_dir);
	if (parent.failed || access(parent.data, W_OK | X_OK) < 0) {
		snprintf(why, n, "%s is missing and cannot be created: %s: %s",
			 state_dir, parent.data ? parent.data : "",
			 strerror(parent.failed ? ENOMEM : errno));
		rc = -1;
	}
	buf_free(&parent);
	return rc;
}
