/* addr.c — parse, print and classify IPv4/IPv6 addresses (IPv4-mapped). */
#include <arpa/inet.h>
#include <string.h>

#include "rasflow/addr.h"

bool rasflow_addr_is_v4(const struct rasflow_addr *a)
{
	/* ::ffff:0:0/96: ten zero bytes, then ff ff */
	return rasflow_addr_half_be(a, 0) == 0 && rasflow_addr_half_be(a, 1) >> 32 == 0xffff;
}

bool rasflow_addr_parse(const char *s, struct rasflow_addr *a)
{
	uint8_t buf[16];

	if (strchr(s, ':') == NULL) {
		if (inet_pton(AF_INET, s, buf) != 1)
			return false;
		rasflow_addr_from_v4(a, buf);
		return true;
	}
	if (inet_pton(AF_INET6, s, buf) != 1)
		return false;
	rasflow_addr_from_v6(a, buf);
	return true;
}

/* Dotted quad of the four bytes at b; returns the end. */
static char *put_v4(char *p, const uint8_t *b)
{
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];

		if (v >= 100) {
			*p++ = (char)('0' + v / 100);
			v %= 100;
			*p++ = (char)('0' + v / 10);
			v %= 10;
		} else if (v >= 10) {
			*p++ = (char)('0' + v / 10);
			v %= 10;
		}
		*p++ = (char)('0' + v);
		if (i < 3)
			*p++ = '.';
	}
	return p;
}

/* glibc's inet_ntop for IPv6, without its sprintf per group (which made
 * it cost about 3,000 instructions): the first longest run of two or more
 * zero groups becomes "::", groups are lowercase hex without leading
 * zeros, and ::a.b.c.d (the deprecated IPv4-compatible form, ::/96 minus
 * :: and ::1) ends in a dotted quad. ::ffff:0:0/96 never gets here. */
static char *put_v6(char *p, const uint8_t *b)
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8];
	int best = -1, blen = 0, cur = -1;

	for (int i = 0; i < 8; i++) {
		w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
		if (w[i] != 0) {
			cur = -1;
			continue;
		}
		if (cur < 0)
			cur = i;
		if (i - cur + 1 > blen) {
			best = cur;
			blen = i - cur + 1;
		}
	}
	if (blen < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + blen) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i != 0)
			*p++ = ':';
		if (i == 6 && best == 0 && blen == 6)
			return put_v4(p, b + 12);
		for (int sh = w[i] >= 0x1000 ? 12 : w[i] >= 0x100 ? 8 : w[i] >= 0x10 ? 4 : 0;
		     sh >= 0; sh -= 4)
			*p++ = hex[w[i] >> sh & 0xf];
	}
	if (best >= 0 && best + blen == 8)
		*p++ = ':';
	return p;
}

size_t rasflow_addr_fmt(const struct rasflow_addr *a, char buf[RASFLOW_ADDR_STRLEN])
{
	char *end = rasflow_addr_is_v4(a) ? put_v4(buf, a->b + 12) : put_v6(buf, a->b);

	*end = '\0';
	return (size_t)(end - buf);
}

const char *rasflow_addr_str(const struct rasflow_addr *a, char buf[RASFLOW_ADDR_STRLEN])
{
	rasflow_addr_fmt(a, buf);
	return buf;
}

int rasflow_addr_cmp(const struct rasflow_addr *x, const struct rasflow_addr *y)
{
	int c = memcmp(x->b, y->b, 16);

	return (c > 0) - (c < 0);
}

bool rasflow_addr_is_loopback(const struct rasflow_addr *a)
{
	static const uint8_t v6_lo[16] = { [15] = 1 };

	if (rasflow_addr_is_v4(a))
		return a->b[12] == 127;
	return memcmp(a->b, v6_lo, 16) == 0;
}

bool rasflow_addr_is_group(const struct rasflow_addr *a)
{
	if (rasflow_addr_is_v4(a))
		return (a->b[12] & 0xf0) == 0xe0 ||
		       (a->b[12] == 255 && a->b[13] == 255 && a->b[14] == 255 && a->b[15] == 255);
	return a->b[0] == 0xff;
}

bool rasflow_addr_is_private(const struct rasflow_addr *a)
{
	const uint8_t *b = a->b;

	if (rasflow_addr_is_group(a) || rasflow_addr_is_loopback(a))
		return true;
	if (rasflow_addr_is_v4(a)) {
		const uint8_t *v = b + 12;

		return v[0] == 0 || v[0] == 10 ||
		       (v[0] == 172 && (v[1] & 0xf0) == 16) ||
		       (v[0] == 192 && v[1] == 168) ||
		       (v[0] == 169 && v[1] == 254) ||
		       (v[0] == 100 && (v[1] & 0xc0) == 64);	/* CGNAT 100.64/10 */
	}
	for (int i = 0; i < 16 && b[i] == 0; i++)
		if (i == 15)
			return true;		/* :: */
	return (b[0] & 0xfe) == 0xfc ||		/* ULA fc00::/7 */
	       (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);	/* link-local fe80::/10 */
}
