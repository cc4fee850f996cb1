/* state_file.c - atomic files in the state folder (state_file.h). */
#include "state_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int state_file_put(int fd, const void *data, size_t n)
{
	const char *p = data;
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int state_file_write_with(const char *path, mode_t mode,
			  int (*fill)(int fd, void *cls), void *cls, char *why,
			  size_t n)
{
	char tmp[4096];
	int fd, rc = -1;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
			     (long)getpid()) >= sizeof(tmp)) {
		snprintf(why, n, "%s: path too long", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || fchmod(fd, mode) < 0 || fill(fd, cls) < 0 ||
	    fsync(fd) < 0) {
		snprintf(why, n, "cannot write %s: %s", tmp, strerror(errno));
	} else if (close(fd) < 0) {
		fd = -1;
		snprintf(why, n, "cannot write %s: %s", tmp, strerror(errno));
	} else {
		fd = -1;
		if (rename(tmp, path) < 0)
			snprintf(why, n, "cannot rename %s: %s", tmp,
				 strerror(errno));
		else
			rc = 0;
	}
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

struct bytes {
	const void *data;
	size_t len;
};

static int fill_bytes(int fd, void *cls)
{
	const struct bytes *b = cls;

	return state_file_put(fd, b->data, b->len);
}

int state_file_write(const char *path, const void *data, size_t len,
		     mode_t mode, char *why, size_t n)
{
	struct bytes b = {data, len};

	return state_file_write_with(path, mode, fill_bytes, &b, why, n);
}

int state_dir_make(const char *path, char *why, size_t n)
{
	if (mkdir(path, 0750) < 0 && errno != EEXIST) {
		snprintf(why, n, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
