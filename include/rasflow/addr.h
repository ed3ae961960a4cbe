/* addr.h — one address type for IPv4 and IPv6.
 *
 * IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d) so that flow keys,
 * the site's prefix table and reports handle both families with one 16-byte
 * value and one comparison. Parsing and printing only; no lookups here.
 */
#ifndef RASFLOW_ADDR_H
#define RASFLOW_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct rasflow_addr {
	uint8_t b[16];		/* network byte order; IPv4 as ::ffff:a.b.c.d */
};

#define RASFLOW_ADDR_STRLEN 46	/* INET6_ADDRSTRLEN */

/* Fill from 4 raw IPv4 bytes / 16 raw IPv6 bytes (network order). Inline:
 * the decoder does it twice per frame. */
static inline void rasflow_addr_from_v4(struct rasflow_addr *a, const uint8_t v4[4])
{
	static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memcpy(a->b, v4_mapped, 12);
	memcpy(a->b + 12, v4, 4);
}

static inline void rasflow_addr_from_v6(struct rasflow_addr *a, const uint8_t v6[16])
{
	memcpy(a->b, v6, 16);
}

/* True when the address is IPv4-mapped, i.e. an IPv4 address. */
bool rasflow_addr_is_v4(const struct rasflow_addr *a);

/* Parse "10.1.2.3" or "fd00::1". Returns false on anything else. */
bool rasflow_addr_parse(const char *s, struct rasflow_addr *a);

/* Print in the family's usual text form, exactly as glibc's inet_ntop does
 * (RFC 5952 for IPv6), without its cost; returns buf. */
const char *rasflow_addr_str(const struct rasflow_addr *a, char buf[RASFLOW_ADDR_STRLEN]);

/* The same; returns the length written (without the NUL). */
size_t rasflow_addr_fmt(const struct rasflow_addr *a, char buf[RASFLOW_ADDR_STRLEN]);

/* -1, 0, 1 like memcmp. */
int rasflow_addr_cmp(const struct rasflow_addr *x, const struct rasflow_addr *y);

/* The address's 64-bit halves (i = 0: bytes 0-7, i = 1: bytes 8-15), for
 * the hash tables' hot paths: in host byte order for hashing and equality,
 * and big-endian (_be) so that comparing them in turn is memcmp's order. */
static inline uint64_t rasflow_addr_half(const struct rasflow_addr *a, int i)
{
	uint64_t v;

	memcpy(&v, a->b + 8 * i, sizeof(v));
	return v;
}

static inline uint64_t rasflow_addr_half_be(const struct rasflow_addr *a, int i)
{
	uint64_t v = rasflow_addr_half(a, i);

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* x == y, in two word compares. */
static inline bool rasflow_addr_eq(const struct rasflow_addr *x, const struct rasflow_addr *y)
{
	return ((rasflow_addr_half(x, 0) ^ rasflow_addr_half(y, 0)) |
		(rasflow_addr_half(x, 1) ^ rasflow_addr_half(y, 1))) == 0;
}

/* Private, loopback, link-local, ULA, multicast, broadcast or unspecified:
 * anything that cannot be an internet peer. */
bool rasflow_addr_is_private(const struct rasflow_addr *a);

/* Multicast (224/4, ff00::/8) or IPv4 limited broadcast 255.255.255.255. */
bool rasflow_addr_is_group(const struct rasflow_addr *a);

/* 127/8 or ::1. */
bool rasflow_addr_is_loopback(const struct rasflow_addr *a);

#endif
