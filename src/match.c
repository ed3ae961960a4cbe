/* match.c — classify (transport, port, source roles, destination roles)
 * against a ruleset without scanning its rule list.
 *
 * TCP and UDP each get a per-port table in compressed-row form: start[port]
 * .. start[port + 1] delimits the rule indexes naming that destination port
 * (ranges such as 49152-65535 are expanded, so a lookup is one slice). Other
 * IP protocols (VRRP = 112) get a per-protocol slice. A lookup filters the
 * short slice by role bitmasks. The index is built once after a parse.
 */
#include <stdlib.h>
#include <string.h>

#include "match_priv.h"

#define NPORTS 65536

/* One compressed-row table: the rule indexes for key k are
 * idx[start[k] .. start[k + 1]), in ascending rule order. */
struct csr {
	uint32_t *start;	/* nkeys + 1 entries */
	unsigned *idx;
};

struct rasflow_match_index {
	struct csr port[2];		/* [0] tcp, [1] udp; keyed by destination port */
	struct csr proto;		/* bare IP protocols; keyed by protocol number */
};

static void csr_free(struct csr *c)
{
	free(c->start);
	free(c->idx);
}

/* Fill one table (which: 0 tcp ports, 1 udp ports, 2 IP protocols). Two
 * passes over the rules: count per key, then place. */
static int csr_build(struct csr *c, const struct rasflow_ruleset *rs, size_t nkeys, int which)
{
	uint32_t total = 0;
	uint32_t *fill;

	c->start = calloc(nkeys + 1, sizeof(*c->start));
	if (c->start == NULL)
		return RASFLOW_ENOMEM;
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rasflow_rule *r = &rs->rules[i];

		if (which == 2) {
			if (r->transports & RASFLOW_T_IP)
				c->start[r->ipproto + 1]++;
			continue;
		}
		if (!(r->transports & (which == 0 ? RASFLOW_T_TCP : RASFLOW_T_UDP)))
			continue;
		for (size_t j = 0; j < r->nports; j++)
			for (uint32_t p = r->ports[j].lo; p <= r->ports[j].hi; p++)
				c->start[p + 1]++;
	}
	for (size_t k = 0; k < nkeys; k++) {
		total += c->start[k + 1];
		c->start[k + 1] = total;
	}
	c->idx = malloc((total ? total : 1) * sizeof(*c->idx));
	fill = malloc(nkeys * sizeof(*fill));
	if (c->idx == NULL || fill == NULL) {
		free(fill);
		return RASFLOW_ENOMEM;
	}
	memcpy(fill, c->start, nkeys * sizeof(*fill));
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rasflow_rule *r = &rs->rules[i];

		if (which == 2) {
			if (r->transports & RASFLOW_T_IP)
				c->idx[fill[r->ipproto]++] = (unsigned)i;
			continue;
		}
		if (!(r->transports & (which == 0 ? RASFLOW_T_TCP : RASFLOW_T_UDP)))
			continue;
		for (size_t j = 0; j < r->nports; j++)
			for (uint32_t p = r->ports[j].lo; p <= r->ports[j].hi; p++)
				c->idx[fill[p]++] = (unsigned)i;
	}
	free(fill);
	return 0;
}

int rasflow_match_build(struct rasflow_ruleset *rs)
{
	struct rasflow_match_index *ix = calloc(1, sizeof(*ix));

	if (ix == NULL)
		return RASFLOW_ENOMEM;
	if (csr_build(&ix->port[0], rs, NPORTS, 0) != 0 ||
	    csr_build(&ix->port[1], rs, NPORTS, 1) != 0 || csr_build(&ix->proto, rs, 256, 2) != 0) {
		rasflow_match_free(ix);
		return RASFLOW_ENOMEM;
	}
	rasflow_match_free(rs->index);
	rs->index = ix;
	return 0;
}

void rasflow_match_free(struct rasflow_match_index *ix)
{
	if (ix == NULL)
		return;
	csr_free(&ix->port[0]);
	csr_free(&ix->port[1]);
	csr_free(&ix->proto);
	free(ix);
}

/* The slice of rule indexes for (ipproto, port); false if there is none. */
static bool slice(const struct rasflow_ruleset *rs, uint8_t ipproto, uint16_t port,
		  const unsigned **v, size_t *n)
{
	const struct csr *c;
	size_t k;

	if (rs == NULL || rs->index == NULL)
		return false;
	if (ipproto == 6 || ipproto == 17) {
		c = &rs->index->port[ipproto == 6 ? 0 : 1];
		k = port;
	} else {
		c = &rs->index->proto;
		k = ipproto;
	}
	*v = c->idx + c->start[k];
	*n = c->start[k + 1] - c->start[k];
	return *n > 0;
}

size_t rasflow_rules_match(const struct rasflow_ruleset *rs, uint8_t ipproto, uint16_t port,
			   rasflow_roleset src, rasflow_roleset dst, unsigned *out, size_t max)
{
	const unsigned *v;
	size_t n, found = 0;

	if (!slice(rs, ipproto, port, &v, &n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct rasflow_rule *r = &rs->rules[v[i]];

		if (!(src & ((rasflow_roleset)1 << r->src)) || !(dst & ((rasflow_roleset)1 << r->dst)))
			continue;
		if (found < max)
			out[found] = v[i];
		found++;
	}
	return found;
}

rasflow_roleset rasflow_rules_listeners(const struct rasflow_ruleset *rs, uint8_t ipproto,
					uint16_t port)
{
	rasflow_roleset set = 0;
	const unsigned *v;
	size_t n;

	if (!slice(rs, ipproto, port, &v, &n))
		return 0;
	for (size_t i = 0; i < n; i++)
		set |= (rasflow_roleset)1 << rs->rules[v[i]].dst;
	return set;
}

bool rasflow_rules_known_port(const struct rasflow_ruleset *rs, uint8_t ipproto, uint16_t port)
{
	const unsigned *v;
	size_t n;

	return slice(rs, ipproto, port, &v, &n);
}
