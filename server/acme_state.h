/* acme_state.h - what the ACME client keeps in the state folder, the one
 * store that replicas share (docs/deployment.md, "Several replicas"):
 *
 *   certificates/<order>.pem   the key (first) and the chain, 0600
 *   acme/account.key           the account key, 0600
 *   acme/queue/<order>         an order asked for (empty file)
 *   acme/failed/<order>        its last failure: failures, next try, why
 *   acme/challenges/<token>    a key authorization in flight
 *   acme/locks/<order>, .pace  POSIX record locks (fcntl: they work on
 *                              NFS), held while one process orders
 *   acme/pace                  the times of the recent new orders
 *
 * <order> is a domain name (checked: letters, digits, '-', '.'), so it is
 * a safe file name. Every file is written whole (state_file.h). */
#ifndef MAILCONFD_ACME_STATE_H
#define MAILCONFD_ACME_STATE_H

#include <stddef.h>

#include "buf.h"

struct acme_state; /* opaque; immutable paths, owned by the ACME runtime */

/* The folders under state_dir, made if missing (make) or only named
 * (--check reads what is there). NULL with why. */
struct acme_state *acme_state_open(const char *state_dir, int make, char *why,
				   size_t n);
void acme_state_free(struct acme_state *s);

const char *acme_state_certs_dir(const struct acme_state *s);
const char *acme_state_account_key(const struct acme_state *s);

/* The queue: add (idempotent), drop, and each name in it to fn. */
int acme_state_enqueue(const struct acme_state *s, const char *order);
void acme_state_dequeue(const struct acme_state *s, const char *order);
int acme_state_queued(const struct acme_state *s, const char *order);
void acme_state_each_queued(const struct acme_state *s,
			    void (*fn)(void *cls, const char *order),
			    void *cls);

/* A failure: how many in a row, when to try next, what the CA said. */
struct acme_failure {
	unsigned failures;
	long long next; /* Unix time */
	char why[512];
};

/* Records a failure of order at now: a validation failure backs off
 * retry_s, then 4 times as long each time, up to 3 days; a transient one
 * (retry_soon) is tried again after a minute and does not count. */
int acme_state_failed(const struct acme_state *s, const char *order,
		      const char *why, int retry_soon, long long now,
		      unsigned retry_s, struct acme_failure *f);
/* order's last failure: 1 with *f, or 0 (none). */
int acme_state_failure(const struct acme_state *s, const char *order,
		       struct acme_failure *f);
void acme_state_succeeded(const struct acme_state *s, const char *order);
void acme_state_each_failure(const struct acme_state *s,
			     void (*fn)(void *cls, const char *order,
					const struct acme_failure *f),
			     void *cls);

/* Takes order's lock without waiting: the fd (acme_state_unlock), or -1
 * when another process holds it. */
int acme_state_lock(const struct acme_state *s, const char *name);
void acme_state_unlock(int fd);

/* One new order under the limit of limit per window seconds, counted over
 * every process sharing the folder: 1 (counted at now), or 0 with *next
 * the time one is free again. */
int acme_state_pace(const struct acme_state *s, unsigned limit, unsigned window,
		    long long now, long long *next);

/* The challenges in flight. */
int acme_state_challenge_put(const struct acme_state *s, const char *token,
			     const char *keyauth);
void acme_state_challenge_del(const struct acme_state *s, const char *token);
int acme_state_challenge_get(const struct acme_state *s, const char *token,
			     struct buf *out);

/* Writes certificates/<order>.pem (0600): key_pem, then chain. 0 or -1. */
int acme_state_cert_write(const struct acme_state *s, const char *order,
			  const struct buf *key_pem, const struct buf *chain,
			  char *why, size_t n);

/* 1 if token is an HTTP-01 token (RFC 8555 §8.3: base64url, 16-128
 * characters here), so safe as a file name. */
int acme_token_ok(const char *token);

/* 1 if name is safe as an order's file name. */
int acme_state_name_ok(const char *name);

#endif
