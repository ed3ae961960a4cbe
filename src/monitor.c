/* monitor.c — live alerts: once per edge, a SYN timer, rolling missing
 * windows, and the alert and summary lines.
 *
 * Memory is bounded: the edge table (for once-per-edge) refuses new edges
 * beyond its cap and counts them, the SYN list is a fixed array, the missing
 * windows are one per (steady rule, site host), the host pairs seen one way
 * only at most MAX_SIDES. Per packet nothing happens here: only new flows,
 * flow events, DPI detections, flow ends and ticks.
 *
 * Host pairs seen one way only (docs/output.md "One-way captures") are
 * learnt as analyze learns them, from TCP connections that worked with
 * nothing captured the other way, and forgotten when a flow between them
 * ends with packets the other way; a datagram without a reply between them
 * is alerted as a warning that says so. Live, a flow that carried packets
 * the other way before the pair was learnt does not count against it.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasflow/err.h"
#include "rasflow/monitor.h"
#include "rasflow/report.h"
#include "rasflow/rules_emit.h"
#include "rasflow/site.h"

#define DEF_SYN_TIMEOUT 3
#define DEF_MAX_EDGES 65536
#define DEF_MAX_PENDING 4096
#define DEF_SCAN_MS 1000
#define DEF_WINDOW 60
#define MAX_SIDES 1024
#define HASH_SEED 0x9e3779b97f4a7c15ull
#define MSG_LEN 1024
#define LABEL_LEN (RASFLOW_ADDR_STRLEN + 300)
#define US 1000000ull

/* Edge flags: alerts raised (one bit per finding kind) and what was seen. */
enum {
	EF_OK = 1 << 4,			/* a flow of it worked */
	EF_UNEXPECTED = 1 << 5,		/* its policy is unexpected */
};

struct medge {
	struct rasflow_addr src, dst;
	uint16_t dport;
	uint8_t proto;
	uint8_t flags;			/* 1 << RASFLOW_FIND_* alerted, EF_* */
	uint32_t flows;			/* flows seen */
	uint32_t failures;		/* refused, unreachable, unanswered flows */
	uint32_t hnext;			/* hash chain: index + 1, 0 = end */
};

/* A SYN, or a first datagram of a rule that expects replies, being timed.
 * The flow's memory stays valid (flow.c never gives it back before the
 * table is freed); id tells whether it is still the same flow. */
struct pending {
	struct rasflow_flow *f;
	uint64_t id;
	rasflow_ts seen;
	uint32_t edge;
};

/* One missing window: a site host of a steady rule's source role, or the
 * whole role for multicast among equals (VRRP: one advertiser is enough). */
struct watch {
	struct rasflow_addr addr;	/* the host; unused when group */
	bool group;
	bool alerted;
	unsigned rule;
	rasflow_ts window;		/* microseconds */
	rasflow_ts start;		/* window counting began */
	rasflow_ts last_good, last_fail;
};

struct rasflow_monitor {
	struct rasflow_analysis *an;
	struct rasflow_monitor_opts o;
	struct rasflow_monitor_stats st;

	struct medge *edges;
	size_t nedges, edges_alloc;
	uint32_t *buckets;
	size_t nbuckets;		/* power of two */

	struct pending *pend;
	size_t npend;

	struct watch *watches;		/* host watches sorted by address, then group ones */
	size_t nwatches, nhostwatches;
	rasflow_ts next_scan;
	rasflow_ts now;			/* latest time seen */
	rasflow_ts started;		/* first time seen (0 = none yet) */

	struct rasflow_one_sided sides[MAX_SIDES];	/* the first nsides, in
							 * rasflow_one_sided_cmp order */
	size_t nsides;
};

void rasflow_monitor_default_opts(struct rasflow_monitor_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->syn_timeout = DEF_SYN_TIMEOUT;
	o->max_edges = DEF_MAX_EDGES;
	o->max_pending = DEF_MAX_PENDING;
	o->scan_ms = DEF_SCAN_MS;
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h ^ (h >> 29);
}

static size_t edge_hash(const struct rasflow_flow *f)
{
	uint8_t tail[3] = { f->proto, (uint8_t)(f->dport >> 8), (uint8_t)f->dport };
	uint64_t h = hash_bytes(HASH_SEED, f->src.b, 16);

	h = hash_bytes(h, f->dst.b, 16);
	return (size_t)hash_bytes(h, tail, sizeof(tail));
}

static int watch_cmp(const void *x, const void *y)
{
	const struct watch *a = x, *b = y;

	if (a->group != b->group)
		return a->group ? 1 : -1;
	return rasflow_addr_cmp(&a->addr, &b->addr);
}

/* Append a watch, growing the array. */
static int add_watch(struct watch **w, size_t *n, size_t *alloc, const struct watch *t)
{
	if (*n == *alloc) {
		size_t na = *alloc ? *alloc * 2 : 32;
		struct watch *p = realloc(*w, na * sizeof(*p));

		if (p == NULL)
			return RASFLOW_ENOMEM;
		*w = p;
		*alloc = na;
	}
	(*w)[(*n)++] = *t;
	return 0;
}

/* The missing windows of the analysis's current ruleset and site. */
static int build_watches(struct rasflow_monitor *m, rasflow_ts now)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(m->an);
	const struct rasflow_site *site = rasflow_analysis_site(m->an);
	struct watch *w = NULL;
	size_t n = 0, alloc = 0, nhost = 0;
	int err = 0;

	for (size_t ri = 0; site != NULL && ri < rs->nrules && err == 0; ri++) {
		const struct rasflow_rule *r = &rs->rules[ri];
		rasflow_roleset sbit, dbit;
		size_t ns = 0, nd = 0;
		struct watch t;

		if (r->traffic != RASFLOW_TRAFFIC_STEADY || r->src >= RASFLOW_MAX_ROLES ||
		    r->dst >= RASFLOW_MAX_ROLES || (rasflow_rule_feature_roles(rs, r) & ~rasflow_site_roles(site)))
			continue;
		sbit = (rasflow_roleset)1 << r->src;
		dbit = (rasflow_roleset)1 << r->dst;
		for (size_t i = 0; i < rasflow_site_count(site); i++) {
			const struct rasflow_site_entry *e = rasflow_site_entry(site, i);

			if (!rasflow_site_entry_is_host(e))
				continue;
			ns += (e->roles & sbit) != 0;
			nd += (e->roles & dbit) != 0;
		}
		if (ns == 0 || nd == 0 || (r->src == r->dst && ns < 2))
			continue;
		memset(&t, 0, sizeof(t));
		t.rule = (unsigned)ri;
		t.window = (rasflow_ts)(m->o.window ? m->o.window : r->window ? r->window :
						      DEF_WINDOW) * US;
		t.start = now;
		if (r->src == r->dst && (r->flags & RASFLOW_RF_MCAST)) {
			t.group = true;
			err = add_watch(&w, &n, &alloc, &t);
			continue;
		}
		for (size_t i = 0; i < rasflow_site_count(site) && err == 0; i++) {
			const struct rasflow_site_entry *e = rasflow_site_entry(site, i);

			if (!rasflow_site_entry_is_host(e) || !(e->roles & sbit) || e->standby)
				continue;
			t.addr = e->addr;
			err = add_watch(&w, &n, &alloc, &t);
		}
	}
	if (err) {
		free(w);
		return err;
	}
	if (n > 0)
		qsort(w, n, sizeof(*w), watch_cmp);
	for (size_t i = 0; i < n; i++)
		nhost += !w[i].group;
	free(m->watches);
	m->watches = w;
	m->nwatches = n;
	m->nhostwatches = nhost;
	return 0;
}

struct rasflow_monitor *rasflow_monitor_new(struct rasflow_analysis *an,
					    const struct rasflow_monitor_opts *o)
{
	struct rasflow_monitor *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->an = an;
	if (o != NULL)
		m->o = *o;
	else
		rasflow_monitor_default_opts(&m->o);
	if (m->o.syn_timeout == 0)
		m->o.syn_timeout = DEF_SYN_TIMEOUT;
	if (m->o.max_edges == 0)
		m->o.max_edges = DEF_MAX_EDGES;
	if (m->o.max_pending == 0)
		m->o.max_pending = DEF_MAX_PENDING;
	if (m->o.scan_ms == 0)
		m->o.scan_ms = DEF_SCAN_MS;
	m->nbuckets = 1024;
	m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
	m->pend = calloc(m->o.max_pending, sizeof(*m->pend));
	if (m->buckets == NULL || m->pend == NULL || build_watches(m, 0) < 0) {
		rasflow_monitor_free(m);
		return NULL;
	}
	return m;
}

void rasflow_monitor_free(struct rasflow_monitor *m)
{
	if (m == NULL)
		return;
	free(m->edges);
	free(m->buckets);
	free(m->pend);
	free(m->watches);
	free(m);
}

int rasflow_monitor_reload(struct rasflow_monitor *m, rasflow_ts now)
{
	int err = build_watches(m, now > m->now ? now : m->now);

	if (err == 0)
		m->st.reloads++;
	return err;
}

/* ---- host pairs seen one way only ---- */

/* Index of (from, to) in m->sides, or where it would go (*found false). */
static size_t side_at(const struct rasflow_monitor *m, const struct rasflow_addr *from,
		      const struct rasflow_addr *to, bool *found)
{
	const struct rasflow_one_sided key = { .from = *from, .to = *to };
	size_t lo = 0, hi = m->nsides;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = rasflow_one_sided_cmp(&m->sides[mid], &key);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* A connection that worked was captured from `from` to `to` only. Beyond
 * MAX_SIDES pairs, new ones are not learnt. */
static void side_add(struct rasflow_monitor *m, const struct rasflow_addr *from,
		     const struct rasflow_addr *to)
{
	bool found;
	size_t i = side_at(m, from, to, &found);

	if (found) {
		m->sides[i].flows++;
		return;
	}
	if (m->nsides == MAX_SIDES)
		return;
	memmove(&m->sides[i + 1], &m->sides[i], (m->nsides - i) * sizeof(m->sides[0]));
	m->sides[i].from = *from;
	m->sides[i].to = *to;
	m->sides[i].flows = 1;
	m->nsides++;
	m->st.one_sided = m->nsides;
}

/* Something came from `from` to `to`: the pair (to, from) is not one-way. */
static void side_drop(struct rasflow_monitor *m, const struct rasflow_addr *from,
		      const struct rasflow_addr *to)
{
	bool found;
	size_t i = side_at(m, to, from, &found);

	if (!found)
		return;
	memmove(&m->sides[i], &m->sides[i + 1], (m->nsides - i - 1) * sizeof(m->sides[0]));
	m->nsides--;
	m->st.one_sided = m->nsides;
}

static const struct rasflow_one_sided *side_find(const struct rasflow_monitor *m,
						 const struct rasflow_addr *from,
						 const struct rasflow_addr *to)
{
	bool found;
	size_t i = side_at(m, from, to, &found);

	return found ? &m->sides[i] : NULL;
}

/* What a finished flow says about the pairs. */
static void side_flow_end(struct rasflow_monitor *m, const struct rasflow_flow *f)
{
	int side = rasflow_analysis_flow_one_side(f);

	if (side == RASFLOW_DIR_REV)
		side_add(m, &f->dst, &f->src);	/* learnt at the end: no event says it */
	if (f->pkts[RASFLOW_DIR_REV] > 0)
		side_drop(m, &f->dst, &f->src);
	if (f->pkts[RASFLOW_DIR_FWD] > 0)
		side_drop(m, &f->src, &f->dst);
}

/* ---- the edge table ---- */

static bool same_edge(const struct medge *e, const struct rasflow_flow *f)
{
	return e->proto == f->proto && e->dport == f->dport &&
	       memcmp(e->src.b, f->src.b, 16) == 0 && memcmp(e->dst.b, f->dst.b, 16) == 0;
}

static struct medge *edge_find(const struct rasflow_monitor *m, const struct rasflow_flow *f)
{
	uint32_t i = m->buckets[edge_hash(f) & (m->nbuckets - 1)];

	for (; i != 0; i = m->edges[i - 1].hnext)
		if (same_edge(&m->edges[i - 1], f))
			return &m->edges[i - 1];
	return NULL;
}

static int rehash(struct rasflow_monitor *m)
{
	size_t n = m->nbuckets * 2;
	uint32_t *b = calloc(n, sizeof(*b));

	if (b == NULL)
		return RASFLOW_ENOMEM;
	for (size_t i = 0; i < m->nedges; i++) {
		struct rasflow_flow k;
		size_t h;

		memset(&k, 0, sizeof(k));
		k.src = m->edges[i].src;
		k.dst = m->edges[i].dst;
		k.proto = m->edges[i].proto;
		k.dport = m->edges[i].dport;
		h = edge_hash(&k) & (n - 1);
		m->edges[i].hnext = b[h];
		b[h] = (uint32_t)(i + 1);
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = n;
	return 0;
}

/* Find or remember f's edge; NULL when the table is full or memory ran out
 * (counted: that edge is not alerted). */
static struct medge *edge_get(struct rasflow_monitor *m, const struct rasflow_flow *f)
{
	struct medge *e = edge_find(m, f);
	size_t h;

	if (e != NULL)
		return e;
	if (m->nedges >= m->o.max_edges) {
		m->st.edges_refused++;
		return NULL;
	}
	if (m->nedges == m->edges_alloc) {
		size_t n = m->edges_alloc ? m->edges_alloc * 2 : 256;
		struct medge *p;

		if (n > m->o.max_edges)
			n = m->o.max_edges;
		p = realloc(m->edges, n * sizeof(*p));
		if (p == NULL) {
			m->st.edges_refused++;
			return NULL;
		}
		m->edges = p;
		m->edges_alloc = n;
	}
	if (m->nedges >= m->nbuckets && rehash(m) < 0) {
		m->st.edges_refused++;
		return NULL;
	}
	e = &m->edges[m->nedges];
	memset(e, 0, sizeof(*e));
	e->src = f->src;
	e->dst = f->dst;
	e->proto = f->proto;
	e->dport = f->dport;
	h = edge_hash(f) & (m->nbuckets - 1);
	e->hnext = m->buckets[h];
	m->buckets[h] = (uint32_t)(m->nedges + 1);
	m->nedges++;
	return e;
}

/* ---- messages ---- */

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 33;
}

/* "cb1 (10.20.0.10)" for a site host with a name, else the address. */
static const char *label(const struct rasflow_monitor *m, const struct rasflow_addr *a, char *buf,
			 size_t len)
{
	const struct rasflow_site *site = rasflow_analysis_site(m->an);
	const struct rasflow_site_entry *e = site ? rasflow_site_lookup(site, a) : NULL;
	char ab[RASFLOW_ADDR_STRLEN];

	rasflow_addr_str(a, ab);
	if (e != NULL && e->name != NULL && rasflow_site_entry_is_host(e))
		snprintf(buf, len, "%s (%s)", e->name, ab);
	else
		snprintf(buf, len, "%s", ab);
	return buf;
}

static void emit(struct rasflow_monitor *m, struct rasflow_alert *a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Format the message and hand the alert to the callback. */
static void emit(struct rasflow_monitor *m, struct rasflow_alert *a, const char *fmt, ...)
{
	char msg[MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	a->message = msg;
	m->st.alerts[a->kind]++;
	if (m->o.on_alert != NULL)
		m->o.on_alert(m->o.user, a);
}

/* An alert template for a flow's edge. */
static void edge_alert(struct rasflow_alert *a, const struct rasflow_flow *f,
		       enum rasflow_finding_kind kind, enum rasflow_severity sev, int rule,
		       rasflow_ts ts)
{
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->severity = sev;
	a->rule = rule;
	a->proto = f->proto;
	a->has_src = a->has_dst = true;
	a->src = f->src;
	a->dst = f->dst;
	a->dport = has_ports(f->proto) ? f->dport : -1;
	a->time = ts;
}

static rasflow_ts flow_first(const struct rasflow_flow *f)
{
	rasflow_ts t = 0;

	for (int d = 0; d < 2; d++)
		if (f->first[d] != 0 && (t == 0 || f->first[d] < t))
			t = f->first[d];
	if (t == 0)
		t = f->icmp_first;
	return t;
}

static rasflow_ts flow_last(const struct rasflow_flow *f)
{
	rasflow_ts t = f->last[0] > f->last[1] ? f->last[0] : f->last[1];

	return f->icmp_first > t ? f->icmp_first : t;
}

static void clock_at(struct rasflow_monitor *m, rasflow_ts ts)
{
	if (ts > m->now)
		m->now = ts;
	if (m->started == 0 && ts != 0) {
		m->started = ts;
		for (size_t i = 0; i < m->nwatches; i++)
			if (m->watches[i].start == 0)
				m->watches[i].start = ts;
	}
}

static void alert_unexpected(struct rasflow_monitor *m, const struct rasflow_flow *f,
			     const struct rasflow_peek *pk, rasflow_ts ts)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(m->an);
	char sl[LABEL_LEN], dl[LABEL_LEN], sr[256], dr[256], svc[RASFLOW_SERVICE_STRLEN];
	struct rasflow_alert a;

	edge_alert(&a, f, RASFLOW_FIND_UNEXPECTED,
		   pk->both_ras || pk->local_port ? RASFLOW_SEV_WARNING : RASFLOW_SEV_NOTICE,
		   pk->rule, ts);
	label(m, &f->src, sl, sizeof(sl));
	label(m, &f->dst, dl, sizeof(dl));
	/* "rdsh,rds"; "no role" for a site host without one, "not in the site" */
	rasflow_roles_str(rs, pk->src_roles, pk->src_known ? "no role" : "not in the site", sr,
			  sizeof(sr));
	rasflow_roles_str(rs, pk->dst_roles, pk->dst_known ? "no role" : "not in the site", dr,
			  sizeof(dr));
	rasflow_service_str(f->proto, has_ports(f->proto), f->dport, svc);
	if (pk->local_port)
		emit(m, &a, "%s [%s] → %s [%s] %s: %s is a loopback-only port (rule %s) and should never be seen on the wire — a service listens on a network interface instead of localhost, or something addresses it remotely",
		     sl, sr, dl, dr, svc, svc, rs->rules[pk->rule].id);
	else
		emit(m, &a, "%s [%s] → %s [%s] %s (%s): no rule of the matrix allows this — check whether the roles are right (--site) or what opened this connection",
		     sl, sr, dl, dr, svc,
		     pk->both_ras ? "between RAS components" : "on a RAS port");
}

/* A failed attempt on an expected edge: refused, unreachable, unanswered
 * (TCP) or one way (UDP, on a rule that expects replies). */
static void alert_failed(struct rasflow_monitor *m, const struct rasflow_flow *f,
			 const struct rasflow_peek *pk, enum rasflow_outcome o, rasflow_ts ts)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(m->an);
	const struct rasflow_rule *r = &rs->rules[pk->rule];
	const char *role = rs->roles[r->dst].id;
	char sl[LABEL_LEN], dl[LABEL_LEN], svc[RASFLOW_SERVICE_STRLEN], ab[RASFLOW_ADDR_STRLEN];
	bool v6 = !rasflow_addr_is_v4(&f->dst);
	const struct rasflow_one_sided *side;
	struct rasflow_alert a;

	edge_alert(&a, f, RASFLOW_FIND_FAILED, RASFLOW_SEV_ERROR, pk->rule, ts);
	label(m, &f->src, sl, sizeof(sl));
	label(m, &f->dst, dl, sizeof(dl));
	rasflow_service_str(f->proto, has_ports(f->proto), f->dport, svc);
	if (o == RASFLOW_OUT_REFUSED) {
		emit(m, &a, "%s → %s %s %s: SYN answered by RST: nothing listens on %s — the %s service is stopped or bound to another port",
		     sl, role, dl, svc, svc, role);
	} else if (o == RASFLOW_OUT_UNREACHABLE) {
		bool itself = rasflow_addr_cmp(&f->icmp_from, &f->dst) == 0;

		emit(m, &a, "%s → %s %s %s: %s %s answered ICMP %s (type %u code %u) — %s",
		     sl, role, dl, svc, itself ? "the target" : "router",
		     rasflow_addr_str(&f->icmp_from, ab),
		     rasflow_analysis_icmp_desc(v6, f->icmp_type, f->icmp_code), f->icmp_type,
		     f->icmp_code,
		     itself ? "it does not accept this traffic (stopped service or host firewall)" :
			      "a firewall or router between them rejects it");
	} else if (o == RASFLOW_OUT_ONEWAY && (side = side_find(m, &f->src, &f->dst)) != NULL) {
		a.severity = RASFLOW_SEV_WARNING;
		emit(m, &a, "%s → %s %s %s: %u datagram%s, no reply after %u s — but the capture holds only %s → %s traffic: %u TCP connection%s between them worked with nothing captured the other way (a one-way mirror or asymmetric routing), so the replies may have gone by unseen",
		     sl, role, dl, svc, f->pkts[RASFLOW_DIR_FWD],
		     f->pkts[RASFLOW_DIR_FWD] == 1 ? "" : "s", m->o.syn_timeout, sl, dl, side->flows,
		     side->flows == 1 ? "" : "s");
	} else if (o == RASFLOW_OUT_ONEWAY) {
		emit(m, &a, "%s → %s %s %s: %u datagram%s, no reply after %u s — a firewall between them drops the port, or the %s service is down",
		     sl, role, dl, svc, f->pkts[RASFLOW_DIR_FWD],
		     f->pkts[RASFLOW_DIR_FWD] == 1 ? "" : "s", m->o.syn_timeout, role);
	} else {
		emit(m, &a, "%s → %s %s %s: %u SYN%s, no answer after %u s — a firewall between them drops the port, or the %s service is down",
		     sl, role, dl, svc, f->syn, f->syn == 1 ? "" : "s", m->o.syn_timeout, role);
	}
}

/* Mark a failed flow on its edge; alert the first time. */
static void failed(struct rasflow_monitor *m, struct rasflow_flow *f, enum rasflow_outcome o,
		   rasflow_ts ts)
{
	struct rasflow_peek pk;
	struct medge *e;

	rasflow_analysis_peek(m->an, f, &pk);
	if (pk.policy != RASFLOW_POL_EXPECTED)
		return;
	e = edge_get(m, f);
	if (e == NULL)
		return;
	e->failures++;
	if (e->flags & (1u << RASFLOW_FIND_FAILED))
		return;
	e->flags |= 1u << RASFLOW_FIND_FAILED;
	alert_failed(m, f, &pk, o, ts);
}

void rasflow_monitor_flow_new(struct rasflow_monitor *m, struct rasflow_flow *f)
{
	rasflow_ts ts = flow_first(f);
	struct rasflow_peek pk;
	struct medge *e;

	clock_at(m, ts);
	m->st.flows++;
	rasflow_analysis_peek(m->an, f, &pk);
	if (pk.policy == RASFLOW_POL_IGNORED) {
		m->st.flows_ignored++;
		return;
	}
	e = edge_get(m, f);
	if (e == NULL)
		return;
	e->flows++;
	if (pk.policy == RASFLOW_POL_UNEXPECTED) {
		e->flags |= EF_UNEXPECTED;
		if (!(e->flags & (1u << RASFLOW_FIND_UNEXPECTED))) {
			e->flags |= 1u << RASFLOW_FIND_UNEXPECTED;
			alert_unexpected(m, f, &pk, ts);
		}
		return;
	}
	/* expected: time the SYN, or the datagram of a rule that expects a
	 * reply, unless the edge already failed */
	if (((f->proto == 6 && f->syn > 0 && f->dirsrc == RASFLOW_DIRSRC_SYN) ||
	     (f->proto == 17 && f->pkts[RASFLOW_DIR_REV] == 0 && !pk.dst_group && pk.rule >= 0 &&
	      !rasflow_analysis_outcome_good(RASFLOW_OUT_ONEWAY,
					     &rasflow_analysis_ruleset(m->an)->rules[pk.rule]))) &&
	    !(e->flags & (1u << RASFLOW_FIND_FAILED))) {
		if (m->npend < m->o.max_pending) {
			struct pending *p = &m->pend[m->npend++];

			p->f = f;
			p->id = f->id;
			p->seen = f->first[RASFLOW_DIR_FWD];
			p->edge = (uint32_t)(e - m->edges);
		} else {
			m->st.pending_refused++;
		}
	}
}

void rasflow_monitor_flow_event(struct rasflow_monitor *m, struct rasflow_flow *f, int event,
				rasflow_ts ts)
{
	clock_at(m, ts);
	switch (event) {
	case RASFLOW_EV_ESTABLISHED: {
		struct medge *e = edge_find(m, f);

		if (e != NULL)
			e->flags |= EF_OK;
		if (f->synack_unseen && f->pkts[RASFLOW_DIR_REV] == 0)
			side_add(m, &f->src, &f->dst);
		break;
	}
	case RASFLOW_EV_RST:
		if (f->proto == 6 && f->syn > 0 && !f->established && f->synack == 0 &&
		    !f->synack_unseen && f->rst[RASFLOW_DIR_REV] > 0)
			failed(m, f, RASFLOW_OUT_REFUSED, ts);
		break;
	case RASFLOW_EV_ICMP:
		if (rasflow_analysis_flow_outcome(f) == RASFLOW_OUT_UNREACHABLE)
			failed(m, f, RASFLOW_OUT_UNREACHABLE, ts);
		break;
	default:
		break;
	}
}

void rasflow_monitor_flow_app(struct rasflow_monitor *m, struct rasflow_flow *f,
			      const char *app, rasflow_ts ts)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(m->an);
	char sl[LABEL_LEN], dl[LABEL_LEN], svc[RASFLOW_SERVICE_STRLEN];
	struct rasflow_peek pk;
	struct rasflow_alert a;
	struct medge *e;
	const char *exp;

	clock_at(m, ts);
	if (app == NULL)
		return;
	rasflow_analysis_peek(m->an, f, &pk);
	if (pk.policy != RASFLOW_POL_EXPECTED ||
	    rasflow_analysis_peek_app_ok(m->an, &pk, f->proto, f->dport, app))
		return;
	e = edge_get(m, f);
	if (e == NULL || (e->flags & (1u << RASFLOW_FIND_MISMATCH)))
		return;
	e->flags |= 1u << RASFLOW_FIND_MISMATCH;
	exp = rasflow_rules_expected_app(rs, &rs->rules[pk.rule], f->proto, f->dport);
	edge_alert(&a, f, RASFLOW_FIND_MISMATCH, RASFLOW_SEV_WARNING, pk.rule, ts);
	label(m, &f->src, sl, sizeof(sl));
	label(m, &f->dst, dl, sizeof(dl));
	rasflow_service_str(f->proto, has_ports(f->proto), f->dport, svc);
	emit(m, &a, "%s → %s %s %s: nDPI identified %s, but rule %s expects %s — another service answers on this port, or traffic is tunnelled through it",
	     sl, rs->roles[rs->rules[pk.rule].dst].id, dl, svc, app, rs->rules[pk.rule].id,
	     exp ? exp : "?");
}

/* ---- missing windows ---- */

static bool rule_port(const struct rasflow_rule *r, const struct rasflow_flow *f)
{
	unsigned t = f->proto == 6 ? RASFLOW_T_TCP : f->proto == 17 ? RASFLOW_T_UDP : 0;

	if (r->transports & RASFLOW_T_IP)
		return f->proto == r->ipproto;
	if (!(r->transports & t))
		return false;
	for (size_t i = 0; i < r->nports; i++)
		if (f->dport >= r->ports[i].lo && f->dport <= r->ports[i].hi)
			return true;
	return false;
}

static rasflow_roleset roles_of(const struct rasflow_monitor *m, const struct rasflow_addr *a)
{
	const struct rasflow_site *site = rasflow_analysis_site(m->an);
	const struct rasflow_site_entry *e = site ? rasflow_site_lookup(site, a) : NULL;

	return e != NULL ? e->roles : 0;
}

/* Fold a flow into watch w whose host is at the `src` end (initiator) or not. */
static void watch_flow(struct rasflow_monitor *m, struct watch *w, const struct rasflow_flow *f,
		       bool src)
{
	const struct rasflow_rule *r = &rasflow_analysis_ruleset(m->an)->rules[w->rule];
	enum rasflow_outcome o;
	rasflow_ts last;

	if (!rule_port(r, f))
		return;
	if (src) {
		bool group = rasflow_addr_is_group(&f->dst) &&
			     (r->flags & (RASFLOW_RF_BCAST | RASFLOW_RF_MCAST));

		if (!group && !(roles_of(m, &f->dst) >> r->dst & 1))
			return;
	} else if (!(roles_of(m, &f->src) >> r->src & 1)) {
		return;
	}
	o = rasflow_analysis_flow_outcome(f);
	last = flow_last(f);
	if (rasflow_analysis_outcome_good(o, r)) {
		if (last > w->last_good)
			w->last_good = last;
	} else if (o == RASFLOW_OUT_REFUSED || o == RASFLOW_OUT_UNREACHABLE ||
		   (o == RASFLOW_OUT_UNANSWERED &&
		    m->now >= flow_first(f) + (rasflow_ts)m->o.syn_timeout * US)) {
		if (last > w->last_fail)
			w->last_fail = last;
	}
}

/* First host watch of address a, or NULL. */
static struct watch *watch_lookup(struct rasflow_monitor *m, const struct rasflow_addr *a)
{
	size_t lo = 0, hi = m->nhostwatches;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rasflow_addr_cmp(&m->watches[mid].addr, a) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->nhostwatches && rasflow_addr_cmp(&m->watches[lo].addr, a) == 0 ?
		       &m->watches[lo] : NULL;
}

static void note_flow(struct rasflow_monitor *m, const struct rasflow_flow *f)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(m->an);
	struct watch *end = m->watches + m->nhostwatches, *w;
	rasflow_roleset sr = 0;

	if (m->nwatches == 0 || (f->pkts[0] + f->pkts[1] == 0 && f->icmp_errors == 0))
		return;
	for (w = watch_lookup(m, &f->src); w != NULL && w < end &&
	     rasflow_addr_cmp(&w->addr, &f->src) == 0; w++)
		watch_flow(m, w, f, true);
	/* a link between equals may be opened by either end */
	for (w = watch_lookup(m, &f->dst); w != NULL && w < end &&
	     rasflow_addr_cmp(&w->addr, &f->dst) == 0; w++)
		if (rs->rules[w->rule].src == rs->rules[w->rule].dst)
			watch_flow(m, w, f, false);
	if (m->nhostwatches < m->nwatches)
		sr = roles_of(m, &f->src);
	for (w = end; w < m->watches + m->nwatches; w++)
		if (sr >> rs->rules[w->rule].src & 1)
			watch_flow(m, w, f, true);
}

static void scan_flow(void *user, struct rasflow_flow *f)
{
	note_flow(user, f);
}

static void alert_missing(struct rasflow_monitor *m, const struct watch *w)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(m->an);
	const struct rasflow_rule *r = &rs->rules[w->rule];
	struct rasflow_alert a;
	char hl[LABEL_LEN], ports[64] = "", tb[RASFLOW_TS_STRLEN], story[128];
	char pb[RASFLOW_PROTO_STRLEN];
	unsigned secs = (unsigned)(w->window / US);

	memset(&a, 0, sizeof(a));
	a.kind = RASFLOW_FIND_MISSING;
	a.severity = RASFLOW_SEV_ERROR;
	a.rule = (int)w->rule;
	a.proto = (r->transports & RASFLOW_T_IP) ? r->ipproto :
		  (r->transports & RASFLOW_T_TCP) ? 6 : 17;
	a.dport = r->nports ? r->ports[0].lo : -1;
	a.time = m->now;
	if (r->transports & RASFLOW_T_IP)
		snprintf(ports, sizeof(ports), "ip:%u", r->ipproto);
	else
		snprintf(ports, sizeof(ports), "%s/%d", rasflow_proto_str((uint8_t)a.proto, pb),
			 a.dport);
	if (w->last_good != 0)
		snprintf(story, sizeof(story), "its last such traffic was at %s",
			 rasflow_ts_rfc3339(w->last_good, false, tb));
	else
		snprintf(story, sizeof(story), "none was seen since monitoring began");
	if (w->group) {
		emit(m, &a, "no %s host sent %s traffic (%s) in the last %u s; %s — the appliances are down or the traffic is blocked or not mirrored here",
		     rs->roles[r->src].id, r->id, ports, secs, story);
		return;
	}
	a.has_src = true;
	a.src = w->addr;
	label(m, &w->addr, hl, sizeof(hl));
	if (r->src == r->dst)
		emit(m, &a, "%s had no %s traffic (%s) with another %s in the last %u s; %s — check the %s service on it and the path to its peers",
		     hl, r->id, ports, rs->roles[r->dst].id, secs, story, rs->roles[r->src].id);
	else
		emit(m, &a, "%s sent no %s traffic (%s) to any %s in the last %u s; %s — check the %s service on it and the firewall towards the %s",
		     hl, r->id, ports, rs->roles[r->dst].id, secs, story, rs->roles[r->src].id,
		     rs->roles[r->dst].id);
}

static void check_watches(struct rasflow_monitor *m, rasflow_ts now)
{
	for (size_t i = 0; i < m->nwatches; i++) {
		struct watch *w = &m->watches[i];

		if (w->start == 0 || now < w->start + w->window)
			continue;
		if (w->last_good != 0 && w->last_good + w->window > now) {
			w->alerted = false;	/* traffic is back: may alert again */
			continue;
		}
		if (w->last_fail != 0 && w->last_fail + w->window > now)
			continue;	/* its failed alert says more */
		if (!w->alerted) {
			w->alerted = true;
			alert_missing(m, w);
		}
	}
}

void rasflow_monitor_flow_end(struct rasflow_monitor *m, struct rasflow_flow *f,
			      enum rasflow_flow_end why)
{
	struct medge *e;

	if (why == RASFLOW_END_EOF)
		return;
	side_flow_end(m, f);
	note_flow(m, f);
	e = edge_find(m, f);
	if (e != NULL) {
		enum rasflow_outcome o = rasflow_analysis_flow_outcome(f);

		if (o == RASFLOW_OUT_ESTABLISHED || o == RASFLOW_OUT_BIDIRECTIONAL ||
		    o == RASFLOW_OUT_MIDSTREAM)
			e->flags |= EF_OK;
	}
}

/* Time out SYNs: drop answered and ended ones, alert the overdue. */
static void check_pending(struct rasflow_monitor *m, rasflow_ts now)
{
	rasflow_ts limit = (rasflow_ts)m->o.syn_timeout * US;
	size_t j = 0;

	for (size_t i = 0; i < m->npend; i++) {
		struct pending *p = &m->pend[i];
		struct rasflow_flow *f = p->f;

		if (f->id != p->id || f->synack > 0 || f->established || f->synack_unseen ||
		    f->pkts[RASFLOW_DIR_REV] ||
		    f->rst[RASFLOW_DIR_REV] || f->icmp_errors)
			continue;
		if (now >= p->seen + limit) {
			failed(m, f, f->proto == 6 ? RASFLOW_OUT_UNANSWERED : RASFLOW_OUT_ONEWAY, now);
			continue;
		}
		m->pend[j++] = *p;
	}
	m->npend = j;
}

void rasflow_monitor_tick(struct rasflow_monitor *m, struct rasflow_flowtab *ft, rasflow_ts now)
{
	clock_at(m, now);
	now = m->now;
	check_pending(m, now);
	if (m->nwatches == 0 || now < m->next_scan)
		return;
	m->next_scan = now + (rasflow_ts)m->o.scan_ms * 1000;
	if (ft != NULL)
		rasflow_flowtab_foreach(ft, scan_flow, m);
	check_watches(m, now);
}

const struct rasflow_monitor_stats *rasflow_monitor_stats(struct rasflow_monitor *m)
{
	struct rasflow_monitor_stats *s = &m->st;

	memset(s->verdicts, 0, sizeof(s->verdicts));
	for (size_t i = 0; i < m->nedges; i++) {
		uint8_t fl = m->edges[i].flags;

		if (fl & EF_UNEXPECTED)
			s->verdicts[RASFLOW_V_UNEXPECTED]++;
		else if (fl & (1u << RASFLOW_FIND_MISMATCH))
			s->verdicts[RASFLOW_V_MISMATCH]++;
		else if (fl & (1u << RASFLOW_FIND_FAILED))
			s->verdicts[RASFLOW_V_FAILED]++;
		else if (fl & EF_OK)
			s->verdicts[RASFLOW_V_OK]++;
	}
	s->edges = m->nedges;
	s->pending = m->npend;
	s->missing_active = 0;
	for (size_t i = 0; i < m->nwatches; i++)
		s->missing_active += m->watches[i].alerted;
	return s;
}

/* ---- output ---- */

/* msg with "→" and "—" made ASCII. */
static void ascii_msg(const char *msg, char *buf, size_t len)
{
	size_t j = 0;

	for (size_t i = 0; msg[i] != '\0' && j + 3 < len;) {
		if (strncmp(msg + i, "→", strlen("→")) == 0) {
			buf[j++] = '-';
			buf[j++] = '>';
			i += strlen("→");
		} else if (strncmp(msg + i, "—", strlen("—")) == 0) {
			buf[j++] = '-';
			i += strlen("—");
		} else {
			buf[j++] = msg[i++];
		}
	}
	buf[j] = '\0';
}

/* Set o[k] = v; false when v is NULL or setting failed. */
static bool put(json_t *o, const char *k, json_t *v)
{
	return v != NULL && json_object_set_new(o, k, v) == 0;
}

static json_t *jaddr(const struct rasflow_addr *a)
{
	char buf[RASFLOW_ADDR_STRLEN];

	return json_string(rasflow_addr_str(a, buf));
}

static int write_json(json_t *o, bool ok, FILE *out)
{
	int rc;

	if (!ok) {
		json_decref(o);
		return RASFLOW_ENOMEM;
	}
	rc = json_dumpf(o, out, JSON_COMPACT) != 0 || fputc('\n', out) == EOF ? RASFLOW_EIO : 0;
	json_decref(o);
	return rc;
}

int rasflow_monitor_write_alert(const struct rasflow_monitor *m, const struct rasflow_alert *a,
				bool jsonl, bool utf8, FILE *out)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(m->an);
	char tb[RASFLOW_TS_STRLEN], pb[RASFLOW_PROTO_STRLEN];
	const char *rule = a->rule >= 0 ? rs->rules[a->rule].id : NULL;

	rasflow_ts_rfc3339(a->time, true, tb);
	if (jsonl) {
		json_t *o = json_object();
		bool ok = o != NULL;

		ok = ok && put(o, "type", json_string("alert"));
		ok = ok && put(o, "time", json_string(tb));
		ok = ok && put(o, "kind", json_string(rasflow_finding_kind_name(a->kind)));
		ok = ok && put(o, "severity", json_string(rasflow_severity_name(a->severity)));
		ok = ok && put(o, "rule", rule ? json_string(rule) : json_null());
		ok = ok && put(o, "proto", a->proto >= 0 ?
				    json_string(rasflow_proto_str((uint8_t)a->proto, pb)) :
				    json_null());
		ok = ok && put(o, "src", a->has_src ? jaddr(&a->src) : json_null());
		ok = ok && put(o, "dst", a->has_dst ? jaddr(&a->dst) : json_null());
		ok = ok && put(o, "dport", a->dport >= 0 ? json_integer(a->dport) : json_null());
		ok = ok && put(o, "message", json_string(a->message));
		if (a->has_src && a->has_dst && a->proto >= 0) {
			char f[RASFLOW_DISPLAY_FILTER_LEN];

			ok = ok && put(o, "display_filter",
				       json_string(rasflow_report_display_filter(
					       f, sizeof(f), (uint8_t)a->proto, &a->src, &a->dst,
					       a->dport)));
		} else {
			ok = ok && put(o, "display_filter", json_null());
		}
		return write_json(o, ok, out);
	}

	char msg[MSG_LEN + 64];

	if (utf8)
		snprintf(msg, sizeof(msg), "%s", a->message);
	else
		ascii_msg(a->message, msg, sizeof(msg));
	if (fprintf(out, "%s %s %s%s%s: %s\n", tb, rasflow_finding_kind_name(a->kind),
		    rasflow_severity_name(a->severity), rule ? " " : "", rule ? rule : "", msg) < 0)
		return RASFLOW_EIO;
	return 0;
}

int rasflow_monitor_write_stats(struct rasflow_monitor *m, const struct rasflow_monitor_live *l,
				bool jsonl, FILE *out)
{
	const struct rasflow_monitor_stats *s = rasflow_monitor_stats(m);
	const struct rasflow_flowtab_stats *ft = l->flows;
	char tb[RASFLOW_TS_STRLEN];

	rasflow_ts_rfc3339(l->now, true, tb);
	if (jsonl) {
		json_t *o = json_object(), *v = json_object(), *a = json_object();
		bool ok = o != NULL && v != NULL && a != NULL;

		ok = ok && put(v, "ok", json_integer((json_int_t)s->verdicts[RASFLOW_V_OK]));
		ok = ok && put(v, "failed", json_integer((json_int_t)s->verdicts[RASFLOW_V_FAILED]));
		ok = ok && put(v, "unexpected",
			       json_integer((json_int_t)s->verdicts[RASFLOW_V_UNEXPECTED]));
		ok = ok && put(v, "mismatch",
			       json_integer((json_int_t)s->verdicts[RASFLOW_V_MISMATCH]));
		ok = ok && put(v, "missing", json_integer((json_int_t)s->missing_active));
		ok = ok && put(v, "ignored_flows", json_integer((json_int_t)s->flows_ignored));
		for (int k = 0; k < RASFLOW_FIND_COUNT && ok; k++)
			ok = put(a, rasflow_finding_kind_name((enum rasflow_finding_kind)k),
				 json_integer((json_int_t)s->alerts[k]));
		ok = ok && put(o, "type", json_string("stats"));
		ok = ok && put(o, "time", json_string(tb));
		ok = ok && put(o, "packets", json_integer((json_int_t)l->packets));
		ok = ok && put(o, "bytes", json_integer((json_int_t)l->bytes));
		ok = ok && put(o, "flows_active", json_integer((json_int_t)ft->active));
		ok = ok && put(o, "flows_created", json_integer((json_int_t)ft->created));
		ok = ok && put(o, "flows_max", json_integer((json_int_t)l->max_flows));
		ok = ok && put(o, "flows_evicted", json_integer((json_int_t)ft->evicted));
		ok = ok && put(o, "flows_expired", json_integer((json_int_t)ft->expired));
		ok = ok && put(o, "kernel_drops", l->has_drops ?
				    json_integer((json_int_t)l->dropped) : json_null());
		ok = ok && put(o, "interface_drops", l->has_drops ?
				    json_integer((json_int_t)l->ifdropped) : json_null());
		ok = ok && put(o, "one_way_pairs", json_integer((json_int_t)s->one_sided));
		ok = ok && put(o, "mirror_copies", json_integer((json_int_t)l->copies));
		ok = ok && put(o, "mirror_copies_dropped", json_boolean(l->copies_dropped));
		ok = ok && put(o, "edges", json_integer((json_int_t)s->edges));
		if (ok) {
			ok = put(o, "verdicts", v);
			v = NULL;
		}
		if (ok) {
			ok = put(o, "alerts", a);
			a = NULL;
		}
		ok = ok && put(o, "edges_refused", json_integer((json_int_t)s->edges_refused));
		ok = ok && put(o, "syn_pending", json_integer((json_int_t)s->pending));
		ok = ok && put(o, "reloads", json_integer((json_int_t)s->reloads));
		json_decref(v);
		json_decref(a);
		return write_json(o, ok, out);
	}

	char drops[160];
	int used;

	if (l->has_drops)
		used = snprintf(drops, sizeof(drops), "%llu dropped by the kernel, %llu by the interface",
				(unsigned long long)l->dropped, (unsigned long long)l->ifdropped);
	else
		used = snprintf(drops, sizeof(drops), "drop counters unavailable");
	if (l->copies && used > 0 && (size_t)used < sizeof(drops))
		used += snprintf(drops + used, sizeof(drops) - (size_t)used, ", %llu mirror copies%s",
				 (unsigned long long)l->copies, l->copies_dropped ? " dropped" : "");
	if (s->one_sided && used > 0 && (size_t)used < sizeof(drops))
		snprintf(drops + used, sizeof(drops) - (size_t)used,
			 ", %zu host pair%s seen one way only", s->one_sided,
			 s->one_sided == 1 ? "" : "s");
	if (fprintf(out,
		    "%s stats: %llu packets (%s)\n"
		    "  flows: %zu active of %zu, %llu created, %llu evicted, %llu expired\n"
		    "  edges: %zu ok, %zu failed, %zu unexpected, %zu mismatch; %zu missing;"
		    " %llu ignored flows\n"
		    "  alerts: %llu failed, %llu unexpected, %llu missing, %llu mismatch\n",
		    tb, (unsigned long long)l->packets, drops, ft->active, l->max_flows,
		    (unsigned long long)ft->created, (unsigned long long)ft->evicted,
		    (unsigned long long)ft->expired, s->verdicts[RASFLOW_V_OK],
		    s->verdicts[RASFLOW_V_FAILED], s->verdicts[RASFLOW_V_UNEXPECTED],
		    s->verdicts[RASFLOW_V_MISMATCH], s->missing_active,
		    (unsigned long long)s->flows_ignored,
		    (unsigned long long)s->alerts[RASFLOW_FIND_FAILED],
		    (unsigned long long)s->alerts[RASFLOW_FIND_UNEXPECTED],
		    (unsigned long long)s->alerts[RASFLOW_FIND_MISSING],
		    (unsigned long long)s->alerts[RASFLOW_FIND_MISMATCH]) < 0)
		return RASFLOW_EIO;
	return 0;
}
