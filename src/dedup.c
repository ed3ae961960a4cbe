/* dedup.c — the signature of a packet among its mirror copies (dedup.h).
 *
 * The 64-bit words of the IP packet's first bytes (zeros past the captured
 * end), the per-hop bytes masked out, each times its own odd constant and
 * summed: independent multiplies, about 25 instructions for a TCP segment.
 * Not a cryptographic hash: a forged packet can be made to look like
 * another; by chance two packets share a signature about once in 2^64, and
 * would also have to come within a millisecond of each other.
 */
#include <string.h>

#include "rasflow/dedup.h"

/* Bytes of the IP packet a signature covers: the IPv4 or IPv6 header
 * without options and the first 20 bytes of what follows: a TCP header
 * without options (ports, sequence and acknowledgement numbers, flags,
 * window and the checksum, which covers the payload), or UDP's header
 * (its checksum too) and 12 bytes of payload; IP options, when there are
 * any, take the place of some of those. Every TCP segment has that much,
 * so the common path reads a fixed size in place. */
#define SIG4 40
#define SIG6 60
/* ICMP and ICMPv6: the header, the ICMP header and the quoted IP header and
 * 8 bytes of what it carried (the ports and TCP's sequence number). The
 * checksum is no help there: over a quoted, valid TCP or UDP header it is
 * the same whatever the ports, so errors quoting a burst of SYNs would
 * otherwise look alike. */
#define SIG_ICMP 96

/* Words of the packet as memcpy loads them, with the per-hop bytes cleared:
 * in the IPv4 header's second word the TTL (byte 8) and the header checksum
 * (10-11); in the IPv6 header's first word the hop limit (7). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define V4_KEEP1 0xffffffff0000ff00ull
#define V6_KEEP0 0x00ffffffffffffffull
#else
#define V4_KEEP1 0x00ff0000ffffffffull
#define V6_KEEP0 0xffffffffffffff00ull
#endif

/* Odd multipliers, one per word. */
static const uint64_t k[SIG_ICMP / 8] = {
	0xa0761d6478bd642full, 0xe7037ed1a0b428dbull, 0x8ebc6af09c88c6e3ull,
	0x589965cc75374cc3ull, 0x1d8e4e27c47d124full, 0x9e3779b97f4a7c15ull,
	0xbf58476d1ce4e5b9ull, 0x94d049bb133111ebull, 0xd6e8feb86659fd93ull,
	0xa0761d6478bd6431ull, 0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ull,
};

static uint64_t ld64(const uint8_t *b)
{
	uint64_t w;

	memcpy(&w, b, 8);
	return w;
}

static uint32_t ld32(const uint8_t *b)
{
	uint32_t w;

	memcpy(&w, b, 4);
	return w;
}

/* The sum of the words times their multipliers, mixed so that its top
 * bits (the table slot) depend on every word. A sum of products with odd
 * multipliers: packets that differ in one word always differ; two words'
 * differences cancel with a chance of 2^-64. */
static uint64_t finish(uint64_t h, uint32_t ip_len)
{
	h ^= ip_len;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

/* Bytes span of the packet, or a zero-padded copy when it is shorter. */
static const uint8_t *span_of(const struct rasflow_pkt *p, uint8_t *buf, uint32_t span)
{
	if (p->l3_caplen >= span)
		return p->l3;
	memset(buf, 0, span);
	memcpy(buf, p->l3, p->l3_caplen);
	return buf;
}

uint64_t rasflow_dedup_sig(const struct rasflow_pkt *p)
{
	uint8_t buf[SIG_ICMP];
	const uint8_t *b;
	uint64_t h;

	if (p->proto == 1 || p->proto == 58) {
		b = span_of(p, buf, SIG_ICMP);
		h = (ld64(b) & (p->ipver == 4 ? ~0ull : V6_KEEP0)) * k[0] +
		    (ld64(b + 8) & (p->ipver == 4 ? V4_KEEP1 : ~0ull)) * k[1];
		for (unsigned i = 2; i < SIG_ICMP / 8; i++)
			h += ld64(b + 8 * i) * k[i];
	} else if (p->ipver == 4) {
		b = span_of(p, buf, SIG4);
		h = ld64(b) * k[0] + (ld64(b + 8) & V4_KEEP1) * k[1] + ld64(b + 16) * k[2] +
		    ld64(b + 24) * k[3] + ld64(b + 32) * k[4];
	} else {
		b = span_of(p, buf, SIG6);
		h = (ld64(b) & V6_KEEP0) * k[0] + ld64(b + 8) * k[1] + ld64(b + 16) * k[2] +
		    ld64(b + 24) * k[3] + ld64(b + 32) * k[4] + ld64(b + 40) * k[5] +
		    ld64(b + 48) * k[6] + (uint64_t)ld32(b + 56) * k[7];
	}
	return finish(h, p->ip_len);
}
