/* test_addr.c — address printing against the C library's inet_ntop, the
 * form every report used before rasflow_addr_str wrote its own; parsing and
 * the v4-mapped representation.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "rasflow/addr.h"

/* What inet_ntop writes for the address as rasflow stores it. */
static void reference(const struct rasflow_addr *a, char *buf)
{
	if (rasflow_addr_is_v4(a))
		cr_assert_not_null(inet_ntop(AF_INET, a->b + 12, buf, INET6_ADDRSTRLEN));
	else
		cr_assert_not_null(inet_ntop(AF_INET6, a->b, buf, INET6_ADDRSTRLEN));
}

static void same_as_ntop(const struct rasflow_addr *a)
{
	char want[INET6_ADDRSTRLEN], got[RASFLOW_ADDR_STRLEN];
	size_t n;

	reference(a, want);
	n = rasflow_addr_fmt(a, got);
	cr_assert_str_eq(got, want);
	cr_assert_eq(n, strlen(want), "%s: length %zu", want, n);
	cr_assert_eq(rasflow_addr_str(a, got), got);
	cr_assert_str_eq(got, want);
}

static struct rasflow_addr A(const char *s)
{
	struct rasflow_addr a;

	cr_assert(rasflow_addr_parse(s, &a), "parse %s", s);
	return a;
}

/* Zero runs in every position, ties, the IPv4-compatible and mapped
 * forms, the longest strings, both ends. */
Test(addr, edge_cases_match_inet_ntop)
{
	static const char *const cases[] = {
		"0.0.0.0", "255.255.255.255", "10.20.0.1", "1.0.100.9", "100.10.1.0",
		"::", "::1", "1::", "::2:3", "1:0:0:2::3", "1::2:0:0:3", "1:0:0:2:0:0:3:4",
		"1:0:2:0:3:0:4:0", "0:1:0:1:0:1:0:1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::",
		"::2:3:4:5:6:7:8", "fe80::1", "fd00:20::10", "ff02::1:ff00:1", "2001:db8::ffff:0:1",
		"::1.2.3.4", "::0.1.2.3", "::255.255.255.255", "::ffff:0:1", "0:0:0:0:0:1:0:0",
		"::a:b", "::abcd", "abcd:ef01:2345:6789:abcd:ef01:2345:6789",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "1:0::", "0:0:1::", "100:1000:10:1::",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct rasflow_addr a = A(cases[i]);

		same_as_ntop(&a);
	}
}

/* Random addresses whose 16-bit groups are mostly zero, so that every
 * pattern of zero runs turns up; fixed seed. */
Test(addr, random_addresses_match_inet_ntop)
{
	srand(42);
	for (int n = 0; n < 200000; n++) {
		struct rasflow_addr a;

		for (int g = 0; g < 8; g++) {
			int r = rand();
			unsigned v = (r & 3) ? 0 : (unsigned)(r >> 2) & (((r >> 20) & 1) ? 0xffff : 0xf);

			a.b[2 * g] = (uint8_t)(v >> 8);
			a.b[2 * g + 1] = (uint8_t)v;
		}
		same_as_ntop(&a);
	}
}
