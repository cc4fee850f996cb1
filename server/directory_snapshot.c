/* snapshot.c - a directory source's last good domain list (snapshot.h). */
#include "directory_snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state_file.h"

#define HEADER	     "# mailconfd snapshot of source "
#define SNAPSHOT_MAX (1u << 30)

void directory_snapshot_begin(struct buf *text, const char *source,
			      long long now)
{
	buf_printf(text, HEADER "%s, written %lld\n", source, now);
}

void directory_snapshot_add(struct buf *text, const char *domain, size_t dlen,
			    const char *entry, size_t elen)
{
	buf_append(text, domain, dlen);
	if (entry != NULL) {
		buf_append(text, "\t", 1);
		buf_append(text, entry, elen);
	}
	buf_append(text, "\n", 1);
}

static char *path_of(const char *dir, const char *source, const char *ext)
{
	struct buf p = BUF_INIT; /* stolen */

	buf_printf(&p, "%s/%s.domains%s", dir, source, ext);
	return p.failed ? (buf_free(&p), NULL) : buf_steal(&p);
}

int directory_snapshot_write(const char *state_dir, const char *source,
			     const struct buf *text, char *why, size_t n)
{
	char *dst = path_of(state_dir, source, ""); /* freed below */
	int rc = -1;

	if (dst == NULL || text->failed)
		snprintf(why, n, "out of memory");
	else if (state_dir_make(state_dir, why, n) == 0)
		rc = state_file_write(dst, text->data, text->len, 0640, why, n);
	free(dst);
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
