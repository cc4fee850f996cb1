/* hash.h - the project's hashes, 64 bits: FNV-1a byte by byte (table
 * versions, the login cache, the lookups' in-flight map, settings
 * digests: short keys), and a word-wise hash for whole answers (ETags,
 * the caches of signed profiles and QR codes), which reads 8 bytes a step
 * in four independent lanes: FNV-1a over a 3 kB profile was a quarter of
 * the CPU of answering it (issue 25). */
#ifndef MAILCONFD_HASH_H
#define MAILCONFD_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FNV1A_INIT 14695981039346656037ull

/* Continues hash h over p[0..n). */
static inline uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

#define HASH_K1 0x9E3779B97F4A7C15ull
#define HASH_K2 0xC2B2AE3D27D4EB4Full

static inline uint64_t hash_rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* One 8-byte word into a lane. */
static inline uint64_t hash_round(uint64_t lane, uint64_t w)
{
	return hash_rotl(lane ^ (w * HASH_K2), 31) * HASH_K1;
}

/* The last avalanche (MurmurHash3's fmix64): every input bit moves
 * every output bit. */
static inline uint64_t hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xFF51AFD7ED558CCDull;
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ull;
	return h ^ (h >> 33);
}

static inline uint64_t hash_word_at(const unsigned char *b)
{
	uint64_t w;

	memcpy(&w, b, 8);
	return w;
}

/* The word-wise hash of p[0..n), its length included. */
static inline uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t l[4] = {HASH_K1, HASH_K2, ~HASH_K1, ~HASH_K2}, w = 0;
	size_t i = 0;

	for (; i + 32 <= n; i += 32) {
		l[0] = hash_round(l[0], hash_word_at(b + i));
		l[1] = hash_round(l[1], hash_word_at(b + i + 8));
		l[2] = hash_round(l[2], hash_word_at(b + i + 16));
		l[3] = hash_round(l[3], hash_word_at(b + i + 24));
	}
	for (; i + 8 <= n; i += 8)
		l[0] = hash_round(l[0], hash_word_at(b + i));
	if (i < n) {
		memcpy(&w, b + i, n - i);
		l[1] = hash_round(l[1], w);
	}
	w = hash_rotl(l[0], 1) + hash_rotl(l[1], 7) + hash_rotl(l[2], 12) +
	    hash_rotl(l[3], 18);
	return hash_mix(w ^ (uint64_t)n);
}

#endif
