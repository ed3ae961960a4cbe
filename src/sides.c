/* sides.c — host pairs the capture saw one way only.
 *
 * A mirror port that copies one direction of a link, or routing that sends
 * replies around the capture point, shows connections that worked as if
 * nobody answered. TCP gives it away: a stack ACKs only a SYN/ACK it
 * received, and a server sends data only once the handshake is done. Such
 * flows are established (verdict.c); this step lists the host pairs where
 * every captured packet went one way although connections worked, so the
 * report can say the capture is one-sided and the findings can say that a
 * missing reply between those hosts may just not have been captured.
 *
 * Runs once at finish, after the edges are sorted; costs nothing when no
 * flow was one-sided. A pair with any packet the other way (a SYN/ACK the
 * capture dropped in an otherwise two-way capture) is not listed.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"

int rasflow_ana_flow_one_side(const struct rasflow_flow *f)
{
	if (f->proto != 6)
		return -1;
	if (f->synack_unseen && f->pkts[RASFLOW_DIR_REV] == 0)
		return RASFLOW_DIR_FWD;
	if (f->synack > 0 && f->data[RASFLOW_DIR_REV] && f->pkts[RASFLOW_DIR_FWD] == 0)
		return RASFLOW_DIR_REV;
	return -1;
}

int rasflow_one_sided_cmp(const void *a, const void *b)
{
	const struct rasflow_one_sided *x = a, *y = b;
	int c = rasflow_addr_cmp(&x->from, &y->from);

	return c != 0 ? c : rasflow_addr_cmp(&x->to, &y->to);
}

static struct rasflow_one_sided *find(struct rasflow_one_sided *v, size_t n,
				      const struct rasflow_addr *from, const struct rasflow_addr *to)
{
	struct rasflow_one_sided key = { .from = *from, .to = *to };

	return n ? bsearch(&key, v, n, sizeof(*v), rasflow_one_sided_cmp) : NULL;
}

/* Sort v and merge entries of the same pair; returns the new count. */
static size_t sort_merge(struct rasflow_one_sided *v, size_t n)
{
	size_t j = 0;

	qsort(v, n, sizeof(*v), rasflow_one_sided_cmp);
	for (size_t i = 0; i < n; i++) {
		if (j > 0 && rasflow_one_sided_cmp(&v[j - 1], &v[i]) == 0)
			v[j - 1].flows += v[i].flows;
		else
			v[j++] = v[i];
	}
	return j;
}

int rasflow_ana_sides(struct rasflow_analysis *an)
{
	struct rasflow_one_sided *v;
	size_t n = 0, j = 0;

	for (size_t i = 0; i < an->nedges; i++)
		n += (an->edges[i].one_sided[0] > 0) + (an->edges[i].one_sided[1] > 0);
	if (n == 0)
		return 0;
	v = malloc(n * sizeof(*v));
	if (v == NULL)
		return RASFLOW_ENOMEM;
	n = 0;
	for (size_t i = 0; i < an->nedges; i++) {
		const struct rasflow_edge *e = &an->edges[i];

		if (e->one_sided[RASFLOW_DIR_FWD] > 0)
			v[n++] = (struct rasflow_one_sided){ .from = e->src, .to = e->dst,
							     .flows = e->one_sided[RASFLOW_DIR_FWD] };
		if (e->one_sided[RASFLOW_DIR_REV] > 0)
			v[n++] = (struct rasflow_one_sided){ .from = e->dst, .to = e->src,
							     .flows = e->one_sided[RASFLOW_DIR_REV] };
	}
	n = sort_merge(v, n);

	/* a packet the other way on any edge between them: not a one-way view */
	for (size_t i = 0; i < an->nedges; i++) {
		const struct rasflow_edge *e = &an->edges[i];
		struct rasflow_one_sided *s;

		if (e->pkts[RASFLOW_DIR_REV] > 0 && (s = find(v, n, &e->src, &e->dst)) != NULL)
			s->flows = 0;
		if (e->pkts[RASFLOW_DIR_FWD] > 0 && (s = find(v, n, &e->dst, &e->src)) != NULL)
			s->flows = 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].flows == 0)
			continue;
		an->side_flows += v[i].flows;
		v[j++] = v[i];
	}
	if (j == 0) {
		free(v);
		return 0;
	}
	an->sides = v;
	an->nsides = j;
	return 0;
}

const struct rasflow_one_sided *rasflow_ana_side_find(const struct rasflow_analysis *an,
						      const struct rasflow_addr *from,
						      const struct rasflow_addr *to)
{
	return find(an->sides, an->nsides, from, to);
}

const struct rasflow_one_sided *rasflow_analysis_one_sided(const struct rasflow_analysis *an,
							   size_t *n, uint64_t *flows)
{
	*n = an->nsides;
	if (flows != NULL)
		*flows = an->side_flows;
	return an->sides;
}
