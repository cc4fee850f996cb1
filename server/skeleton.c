/* skeleton.c - precompiled answers: literal pieces and slots. */
#include "skeleton.h"

#include "hash.h"

#include "escape.h"

#include <stdlib.h>
#include <string.h>

struct piece {
	size_t off, len; /* literal text before the slot */
	int slot;	 /* -1 for the last piece */
};

struct skeleton {
	struct piece *pieces; /* owned */
	size_t n;
	uint64_t hash; /* hash_bytes() of the document with its sentinels */
	char text[];   /* the literal pieces, back to back */
};

static const char sentinels[SLOT_COUNT][4] = {"\xEE\x80\x80", "\xEE\x80\x81",
					      "\xEE\x80\x82", "\xEE\x80\x83",
					      "\xEE\x80\x84"};

const char *skeleton_sentinel(enum slot s)
{
	return sentinels[s];
}

/* The slot of a sentinel at p (3 bytes available), or -1. */
static int sentinel_at(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	if (u[0] != 0xEE || u[1] != 0x80 || u[2] < 0x80 ||
	    u[2] >= 0x80 + SLOT_COUNT)
		return -1;
	return u[2] - 0x80;
}

int skeleton_value_ok(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if (u[i] == 0xEE && u[i + 1] == 0x80)
			return 0;
	return 1;
}

struct skeleton *skeleton_build(const char *text, size_t len)
{
	/* returned or freed; the text lives at its end */
	struct skeleton *s = calloc(1, sizeof(*s) + len + 1);
	size_t i, start = 0, cap = 8;
	int slot;

	if (s == NULL || (s->pieces = malloc(cap * sizeof(*s->pieces))) == NULL)
		goto fail;
	memcpy(s->text, text, len);
	s->text[len] = '\0';
	s->hash = hash_bytes(text, len);
	for (i = 0; i <= len; i++) {
		slot = i + 3 <= len ? sentinel_at(text + i) : -1;
		if (slot < 0 && i < len)
			continue;
		if (s->n == cap) {
			struct piece *p =
			    realloc(s->pieces, 2 * cap * sizeof(*p));
			if (p == NULL)
				goto fail;
			s->pieces = p;
			cap *= 2;
		}
		s->pieces[s->n].off = start;
		s->pieces[s->n].len = i - start;
		s->pieces[s->n].slot = slot;
		s->n++;
		if (slot < 0)
			break;
		i += 2;
		start = i + 1;
	}
	return s;
fail:
	skeleton_free(s);
	return NULL;
}

uint64_t skeleton_hash(const struct skeleton *s,
		       const char *const values[SLOT_COUNT])
{
	uint64_t h[1 + SLOT_COUNT];
	size_t i;

	h[0] = s->hash;
	for (i = 0; i < SLOT_COUNT; i++)
		h[1 + i] =
		    values[i] ? hash_bytes(values[i], strlen(values[i])) : 0;
	return hash_bytes(h, sizeof(h));
}

int skeleton_fill(const struct skeleton *s, struct buf *out,
		  const char *const values[SLOT_COUNT])
{
	/* Each value is escaped once, where it first stands; later places
	 * copy those bytes (offsets: out may move when it grows). */
	size_t at[SLOT_COUNT], len[SLOT_COUNT], i, start;
	int done[SLOT_COUNT] = {0};
	const char *v;

	for (i = 0; i < s->n; i++) {
		const struct piece *p = &s->pieces[i];
		buf_append(out, s->text + p->off, p->len);
		if (p->slot < 0 || out->failed)
			continue;
		if (done[p->slot]) {
			start = out->len;
			if (buf_grow_by(out, len[p->slot]) == 0) {
				memcpy(out->data + start,
				       out->data + at[p->slot], len[p->slot]);
				out->len += len[p->slot];
				out->data[out->len] = '\0';
			}
			continue;
		}
		v = values[p->slot] ? values[p->slot] : "";
		at[p->slot] = out->len;
		escape_xml(out, v, strlen(v));
		len[p->slot] = out->len - at[p->slot];
		done[p->slot] = 1;
	}
	return out->failed ? -1 : 0;
}

void skeleton_free(struct skeleton *s)
{
	if (s == NULL)
		return;
	free(s->pieces);
	free(s);
}
