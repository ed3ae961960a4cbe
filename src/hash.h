/* hash.h — the mixing steps of the flow table's and the analyzer's hashes.
 *
 * Header only, internal to rasflow-core. A multiply-and-rotate round per
 * 64-bit word, then Murmur3's finaliser, so that every input bit reaches
 * the low (bucket) bits. Not for anything an attacker must not steer
 * (the flow table takes a seed for that).
 */
#ifndef RASFLOW_HASH_H
#define RASFLOW_HASH_H

#include <stdint.h>

#define RASFLOW_HASH_K 0x9e3779b97f4a7c15ULL	/* 2^64 / golden ratio */

/* Fold one word into h. */
static inline uint64_t rasflow_hash_round(uint64_t h, uint64_t w)
{
	h = (h ^ w) * RASFLOW_HASH_K;
	return h << 31 | h >> 33;
}

/* Murmur3's 64-bit finaliser. */
static inline uint64_t rasflow_hash_final(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

#endif
