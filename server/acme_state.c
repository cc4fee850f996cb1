/* acme_state.c - the ACME client's files in the state folder
 * (acme_state.h). */
#include "acme_state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state_file.h"

#define PATH_MAX_LEN  4096
#define ROOT_MAX      3072 /* the folders, so that any path below fits */
#define BACKOFF_CAP_S (3 * 86400)
#define TRANSIENT_S   60

struct acme_state {
	char root[ROOT_MAX];	/* <state_dir>/acme */
	char certs[ROOT_MAX];	/* <state_dir>/certificates */
	char key[PATH_MAX_LEN]; /* <root>/account.key */
};

/* <a>/<b> into out[n]; -1 if it does not fit. */
static int join(char *out, size_t n, const char *a, const char *b)
{
	return (size_t)snprintf(out, n, "%s/%s", a, b) < n ? 0 : -1;
}

int acme_state_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n < 256 && name[0] != '.' && name[0] != '-' &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-.") == n &&
	       strstr(name, "..") == NULL;
}

/* Makes the state folder, its acme/ and certificates/ and acme's own
 * folders. Returns 0 or -1 with why. */
static int make_folders(const struct acme_state *s, const char *state_dir,
			char *why, size_t n)
{
	static const char *const subs[] = {"queue", "failed", "challenges",
					   "locks"};
	char sub[PATH_MAX_LEN];
	size_t i;

	if (state_dir_make(state_dir, why, n) < 0 ||
	    state_dir_make(s->root, why, n) < 0 ||
	    state_dir_make(s->certs, why, n) < 0)
		return -1;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (join(sub, sizeof(sub), s->root, subs[i]) < 0 ||
		    state_dir_make(sub, why, n) < 0)
			return -1;
	return 0;
}

struct acme_state *acme_state_open(const char *state_dir, int make, char *why,
				   size_t n)
{
	struct acme_state *s = malloc(sizeof(*s)); /* the caller's */

	if (s == NULL)
		return NULL;
	if (join(s->root, sizeof(s->root), state_dir, "acme") < 0 ||
	    join(s->certs, sizeof(s->certs), state_dir, "certificates") < 0 ||
	    join(s->key, sizeof(s->key), s->root, "account.key") < 0) {
		snprintf(why, n, "%s: the path is too long", state_dir);
		free(s);
		return NULL;
	}
	if (make && make_folders(s, state_dir, why, n) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

void acme_state_free(struct acme_state *s)
{
	free(s);
}

const char *acme_state_certs_dir(const struct acme_state *s)
{
	return s->certs;
}

const char *acme_state_account_key(const struct acme_state *s)
{
	return s->key;
}

/* <root>/<sub>/<name> into out; -1 if the name is unsafe or too long. */
static int path_in(char *out, const struct acme_state *s, const char *sub,
		   const char *name)
{
	if (!acme_state_name_ok(name) && strcmp(name, ".pace") != 0)
		return -1;
	return (size_t)snprintf(out, PATH_MAX_LEN, "%s/%s/%s", s->root, sub,
				name) < PATH_MAX_LEN
		   ? 0
		   : -1;
}

int acme_state_enqueue(const struct acme_state *s, const char *order)
{
	char path[PATH_MAX_LEN];
	int fd;

	if (path_in(path, s, "queue", order) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

void acme_state_dequeue(const struct acme_state *s, const char *order)
{
	char path[PATH_MAX_LEN];

	if (path_in(path, s, "queue", order) == 0)
		unlink(path);
}

int acme_state_queued(const struct acme_state *s, const char *order)
{
	char path[PATH_MAX_LEN];

	return path_in(path, s, "queue", order) == 0 && access(path, F_OK) == 0;
}

/* Each safe name in <root>/<sub> to fn. */
static void each_name(const struct acme_state *s, const char *sub,
		      void (*fn)(void *cls, const char *name), void *cls)
{
	char path[PATH_MAX_LEN];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", s->root, sub);
	if ((d = opendir(path)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (acme_state_name_ok(e->d_name))
			fn(cls, e->d_name);
	closedir(d);
}

void acme_state_each_queued(const struct acme_state *s,
			    void (*fn)(void *cls, const char *order), void *cls)
{
	each_name(s, "queue", fn, cls);
}

int acme_state_failure(const struct acme_state *s, const char *order,
		       struct acme_failure *f)
{
	char path[PATH_MAX_LEN];
	json_t *j;

	memset(f, 0, sizeof(*f));
	if (path_in(path, s, "failed", order) < 0 ||
	    (j = json_load_file(path, 0, NULL)) == NULL)
		return 0;
	f->failures =
	    (unsigned)json_integer_value(json_object_get(j, "failures"));
	f->next = json_integer_value(json_object_get(j, "next"));
	snprintf(f->why, sizeof(f->why), "%s",
		 json_string_value(json_object_get(j, "why"))
		     ? json_string_value(json_object_get(j, "why"))
		     : "");
	json_decref(j);
	return 1;
}

int acme_state_failed(const struct acme_state *s, const char *order,
		      const char *why, int retry_soon, long long now,
		      unsigned retry_s, struct acme_failure *f)
{
	char path[PATH_MAX_LEN], err[256];
	long long wait = retry_s;
	unsigned i;
	char *text;
	json_t *j;
	int rc;

	acme_state_failure(s, order, f);
	if (!retry_soon)
		f->failures++;
	for (i = 1; i < f->failures && wait < BACKOFF_CAP_S; i++)
		wait *= 4;
	if (wait > BACKOFF_CAP_S)
		wait = BACKOFF_CAP_S;
	f->next = now + (retry_soon ? TRANSIENT_S : wait);
	snprintf(f->why, sizeof(f->why), "%s", why);
	if (path_in(path, s, "failed", order) < 0)
		return -1;
	j = json_pack("{s:i,s:I,s:s}", "failures", (int)f->failures, "next",
		      (json_int_t)f->next, "why", f->why);
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS); /* freed below */
	json_decref(j);
	rc = text ? state_file_write(path, text, strlen(text), 0640, err,
				     sizeof(err))
		  : -1;
	free(text);
	return rc;
}

void acme_state_succeeded(const struct acme_state *s, const char *order)
{
	char path[PATH_MAX_LEN];

	if (path_in(path, s, "failed", order) == 0)
		unlink(path);
	acme_state_dequeue(s, order);
}

struct failure_walk {
	const struct acme_state *s;
	void (*fn)(void *cls, const char *order, const struct acme_failure *f);
	void *cls;
};

static void one_failure(void *cls, const char *order)
{
	struct failure_walk *w = cls;
	struct acme_failure f;

	if (acme_state_failure(w->s, order, &f))
		w->fn(w->cls, order, &f);
}

void acme_state_each_failure(const struct acme_state *s,
			     void (*fn)(void *cls, const char *order,
					const struct acme_failure *f),
			     void *cls)
{
	struct failure_walk w = {.s = s, .fn = fn, .cls = cls};

	each_name(s, "failed", one_failure, &w);
}

int acme_state_lock(const struct acme_state *s, const char *name)
{
	char path[PATH_MAX_LEN];
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	int fd;

	if (path_in(path, s, "locks", name) < 0 ||
	    (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0)
		return -1;
	if (fcntl(fd, F_SETLK, &fl) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void acme_state_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the record lock */
}

/* The order times in text younger than window, into times (sorted as
 * written: oldest first). Returns how many. */
static size_t recent_times(const char *text, long long now, unsigned window,
			   long long *times, size_t max)
{
	size_t n = 0;
	long long t;
	char *end;

	while (text != NULL && *text != '\0' && n < max) {
		t = strtoll(text, &end, 10);
		if (end == text)
			break;
		if (t > now - (long long)window)
			times[n++] = t;
		text = *end ? end + 1 : end;
	}
	return n;
}

int acme_state_pace(const struct acme_state *s, unsigned limit, unsigned window,
		    long long now, long long *next)
{
	char path[PATH_MAX_LEN], err[256];
	struct buf text = BUF_INIT, out = BUF_INIT;	  /* freed below */
	long long *times = calloc(limit, sizeof(*times)); /* freed below */
	int fd = -1, rc = 0, tries;
	size_t n, i;

	for (tries = 0; tries < 50 && fd < 0; tries++)
		if ((fd = acme_state_lock(s, ".pace")) < 0)
			usleep(20000); /* another process is counting */
	snprintf(path, sizeof(path), "%s/pace", s->root);
	if (fd >= 0 && times != NULL) {
		buf_read_file(&text, path, 16u << 20);
		n = recent_times(text.data, now, window, times, limit);
		if (n >= limit) {
			*next = times[n - limit] + window;
		} else {
			for (i = 0; i < n; i++)
				buf_printf(&out, "%lld\n", times[i]);
			buf_printf(&out, "%lld\n", now);
			rc = !out.failed &&
			     state_file_write(path, out.data, out.len, 0640,
					      err, sizeof(err)) == 0;
			*next = now;
		}
	} else {
		*next = now + 1;
	}
	acme_state_unlock(fd);
	free(times);
	buf_free(&text);
	buf_free(&out);
	return rc;
}

int acme_state_challenge_put(const struct acme_state *s, const char *token,
			     const char *keyauth)
{
	char path[PATH_MAX_LEN], err[256];

	if (!acme_token_ok(token) ||
	    (size_t)snprintf(path, sizeof(path), "%s/challenges/%s", s->root,
			     token) >= sizeof(path))
		return -1;
	return state_file_write(path, keyauth, strlen(keyauth), 0644, err,
				sizeof(err));
}

void acme_state_challenge_del(const struct acme_state *s, const char *token)
{
	char path[PATH_MAX_LEN];

	snprintf(path, sizeof(path), "%s/challenges/%s", s->root, token);
	unlink(path);
}

int acme_token_ok(const char *token)
{
	size_t n = strlen(token);

	return n >= 16 && n <= 128 &&
	       strspn(token,
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789-_") == n;
}

int acme_state_challenge_get(const struct acme_state *s, const char *token,
			     struct buf *out)
{
	char path[PATH_MAX_LEN];

	if (!acme_token_ok(token)) /* no token of ours */
		return -1;
	snprintf(path, sizeof(path), "%s/challenges/%s", s->root, token);
	return buf_read_file(out, path, 1024);
}

int acme_state_cert_write(const struct acme_state *s, const char *order,
			  const struct buf *key_pem, const struct buf *chain,
			  char *why, size_t n)
{
	char path[PATH_MAX_LEN];
	struct buf all = BUF_INIT; /* freed below (wiped: a key) */
	int rc = -1;

	if (!acme_state_name_ok(order) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s.pem", s->certs,
			     order) >= sizeof(path)) {
		snprintf(why, n, "%s: not a name for a file", order);
		return -1;
	}
	buf_append(&all, key_pem->data, key_pem->len);
	buf_append(&all, chain->data, chain->len);
	if (!all.failed)
		rc = state_file_write(path, all.data, all.len, 0600, why, n);
	if (all.data != NULL)
		memset(all.data, 0, all.len);
	buf_free(&all);
	return rc;
}
