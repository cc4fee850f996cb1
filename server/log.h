/* log.h - one line per event on stderr (journald adds the time).
 *
 * Each call writes a whole line with a single stdio call, so lines from
 * different threads never interleave. */
#ifndef MAILCONFD_LOG_H
#define MAILCONFD_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
