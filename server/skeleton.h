/* skeleton.h - a precompiled answer: a document rendered once at load
 * time (by the format's libxml2 renderer, with sentinel values), split at
 * the places where request values go. Filling it in is the whole
 * per-request work: copy the literal pieces, escape the values.
 *
 * Sentinels are the private-use characters U+E000 + slot, which no table
 * value or request value can contain (settings and addresses are checked
 * for them: see skeleton_value_ok()). */
#ifndef MAILCONFD_SKELETON_H
#define MAILCONFD_SKELETON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum slot {
	SLOT_DOMAIN,  /* the hosted domain (A-label) */
	SLOT_LOGIN,   /* the filled-in login name */
	SLOT_ADDRESS, /* the address */
	SLOT_UUID1,   /* a profile's PayloadUUID */
	SLOT_UUID2,   /* its mail payload's PayloadUUID */
	SLOT_COUNT
};

/* The sentinel for slot s, as UTF-8 (3 bytes and a NUL). */
const char *skeleton_sentinel(enum slot s);

struct skeleton; /* immutable once built; owned by the account */

/* Splits the rendered document text[0..len) at its sentinels.
 * Returns the skeleton or NULL (out of memory). */
struct skeleton *skeleton_build(const char *text, size_t len);

/* Appends the document with every slot filled: values[s] (NUL-terminated)
 * escaped for XML text and attributes as libxml2 escapes them, so the
 * bytes equal a direct render. Returns 0 or -1. */
int skeleton_fill(const struct skeleton *s, struct buf *out,
		  const char *const values[SLOT_COUNT]);

/* A hash of what skeleton_fill(s, out, values) appends, made of the
 * document's hash (taken once, when it was built) and each value's: the
 * filled bytes are a function of those alone, so it changes whenever they
 * do, and the answer's ETag needs no hashing of its body. */
uint64_t skeleton_hash(const struct skeleton *s,
		       const char *const values[SLOT_COUNT]);

/* 1 if s[0..n) holds no sentinel character (U+E000..U+E03F), else 0:
 * the one check, for table values and addresses alike. */
int skeleton_value_ok(const char *s, size_t n);

void skeleton_free(struct skeleton *s);

#endif
