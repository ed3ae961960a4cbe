/* bench_site.c — time site-file parsing and longest-prefix lookups.
 *
 * Usage: bench_site [ENTRIES [LOOKUPS]]   (defaults 5000 and 2000000)
 * Generates a site text of IPv4 hosts, /24 and /20 networks and IPv6 hosts
 * and /64s, parses it, then looks up pseudo-random addresses, some listed,
 * some not. Uses a two-role ruleset built in place, not the matrix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rasflow/site.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64: reproducible pseudo-random addresses. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(int argc, char **argv)
{
	static struct rasflow_role roles[] = {
		{ .id = "broker", .name = "broker" },
		{ .id = "client", .name = "client" },
	};
	struct rasflow_ruleset rs = { .name = "bench", .roles = roles, .nroles = 2 };
	struct rasflow_errlist errs = { .n = 0 };
	long n = argc > 1 ? atol(argv[1]) : 5000;
	long m = argc > 2 ? atol(argv[2]) : 2000000;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	struct rasflow_site *site;
	size_t o = 0, found = 0;
	char *text;
	double t0, t1, t2;

	if (n < 1 || n > 1000000 || m < 1) {
		fprintf(stderr, "usage: bench_site [ENTRIES (1-1000000) [LOOKUPS]]\n");
		return 2;
	}
	text = malloc((size_t)n * 64);
	if (text == NULL)
		return 1;
	/* Six kinds in turn; j numbers the entries of one kind, so none repeats. */
	for (long i = 0; i < n; i++) {
		unsigned j = (unsigned)(i / 6), k = 2 * j + (unsigned)(i % 6);

		switch (i % 6) {
		case 0:
		case 1:
			o += (size_t)sprintf(text + o, "10.%u.%u.%u broker h%ld\n",
					     k >> 16 & 255, k >> 8 & 255, k & 255, i);
			break;
		case 2:
			o += (size_t)sprintf(text + o, "%u.%u.%u.0/24 client\n",
					     11 + (j >> 16), j >> 8 & 255, j & 255);
			break;
		case 3:
			o += (size_t)sprintf(text + o, "%u.%u.%u.0/20 client\n",
					     64 + (j >> 12), j >> 4 & 255, (j & 15) << 4);
			break;
		case 4:
			o += (size_t)sprintf(text + o, "fd00:%x::%x broker\n", j >> 16, j & 0xffff);
			break;
		default:
			o += (size_t)sprintf(text + o, "fd01:%x:%x::/64 client\n", j >> 16,
					     j & 0xffff);
			break;
		}
	}

	t0 = now();
	site = rasflow_site_parse_buf("bench.site", text, o, &rs, &errs);
	t1 = now();
	if (site == NULL) {
		rasflow_err_print(&errs, stderr);
		free(text);
		return 1;
	}
	/* Targets: an IPv4 host slot (listed for about a third of them, else
	 * maybe inside a /24 or /20) or an address in fd00:J::/32 or fd01:J::/64. */
	for (long i = 0; i < m; i++) {
		uint64_t r = next(&seed);
		unsigned a = (unsigned)(r % (uint64_t)n);
		struct rasflow_addr addr;

		if (r >> 63) {
			/* 10: hosts, 11: /24s, 64: /20s */
			static const uint8_t first[4] = { 10, 10, 11, 64 };
			uint8_t v4[4] = { first[r >> 60 & 3], (uint8_t)(a >> 16), (uint8_t)(a >> 8),
					  (uint8_t)a };

			rasflow_addr_from_v4(&addr, v4);
		} else {
			memset(addr.b, 0, 16);
			addr.b[0] = 0xfd;
			addr.b[1] = (uint8_t)(r >> 62 & 1);
			addr.b[2] = (uint8_t)(a >> 24);
			addr.b[3] = (uint8_t)(a >> 16);
			if (addr.b[1]) {
				addr.b[4] = (uint8_t)(a >> 8);
				addr.b[5] = (uint8_t)a;
				addr.b[15] = (uint8_t)(r >> 8);
			} else {
				addr.b[14] = (uint8_t)(a >> 8);
				addr.b[15] = (uint8_t)a;
			}
		}
		found += rasflow_site_lookup(site, &addr) != NULL;
	}
	t2 = now();
	printf("entries %zu, parse %.3f ms, %ld lookups in %.3f s: %.1f ns each, %zu found\n",
	       rasflow_site_count(site), (t1 - t0) * 1e3, m, t2 - t1, (t2 - t1) * 1e9 / (double)m,
	       found);
	rasflow_site_free(site);
	free(text);
	return 0;
}
