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

const char *rasflow_addr_str(const struct rasflow_addr *a, char buf[RASFLOW_ADDR_STRLEN])
{
	if (rasflow_addr_is_v4(a))
		inet_ntop(AF_INET, a->b + 12, buf, RASFLOW_ADDR_STRLEN);
	else
		inet_ntop(AF_INET6, a->b, buf, RASFLOW_ADDR_STRLEN);
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
