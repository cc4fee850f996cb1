/* state_file.h - the files the daemon keeps in its state folder
 * (directory snapshots, certificates, the ACME account and queue):
 * written whole or not at all, so a crash or a replica reading at the same
 * moment sees the old file or the new one, never half of one. */
#ifndef MAILCONFD_STATE_FILE_H
#define MAILCONFD_STATE_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Writes data[0..len) to path with mode: a temporary file beside it
 * (named for this process, so replicas sharing the folder never write the
 * same one), fsync, rename. Returns 0, or -1 with the reason in why[0..n)
 * and no temporary file left. */
int state_file_write(const char *path, const void *data, size_t len,
		     mode_t mode, char *why, size_t n);

/* The same, with the contents written by fill(fd, cls) (0, or -1 with
 * errno set), for a file too large to hold in memory first. */
int state_file_write_with(const char *path, mode_t mode,
			  int (*fill)(int fd, void *cls), void *cls, char *why,
			  size_t n);

/* Writes data[0..n) to fd whole (for fill()). Returns 0, or -1 with
 * errno set. */
int state_file_put(int fd, const void *data, size_t n);

/* Creates the folder path (one level, mode 0750) if it is missing.
 * Returns 0, or -1 with the reason in why[0..n). */
int state_dir_make(const char *path, char *why, size_t n);

#endif
