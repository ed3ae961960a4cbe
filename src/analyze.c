/* analyze.c — the analysis object: host and edge tables, folding finished
 * flows into edges, and the order of the finish steps (infer.c, verdict.c,
 * missing.c do the thinking). Tables are bounded: beyond the cap new hosts
 * and edges are refused and counted, never evicted, so the result does not
 * depend on arrival order. This file does not print.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "analyze_int.h"
#include "hash.h"
#include "strbuf.h"
#include "vmarea.h"
#include "rasflow/err.h"

#define DEFAULT_MAX_HOSTS (1u << 18)
#define DEFAULT_MAX_EDGES (1u << 20)
#define HASH_SEED 0x9e3779b97f4a7c15ull
#define NAME_MAX_LEN 255
#define STRBLOCK_SIZE (64 * 1024)	/* bytes of the first block of result strings,
					 * header included */
#define STRBLOCK_MAX (8u << 20)		/* and of the largest */
#define TABLE_STEP (64 * 1024)		/* bytes a small host or edge table grows by */

void rasflow_analysis_default_opts(struct rasflow_analysis_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->fail_on = RASFLOW_FAIL_ON_DEFAULT;
	o->max_hosts = DEFAULT_MAX_HOSTS;
	o->max_edges = DEFAULT_MAX_EDGES;
}

static uint64_t host_hash(const struct rasflow_addr *a)
{
	uint64_t h = rasflow_hash_round(HASH_SEED, rasflow_addr_half(a, 0));

	return rasflow_hash_final(rasflow_hash_round(h, rasflow_addr_half(a, 1)));
}

static uint64_t edge_hash(const struct rasflow_addr *s, const struct rasflow_addr *d,
			  uint8_t proto, uint16_t port)
{
	uint64_t h = rasflow_hash_round(HASH_SEED, rasflow_addr_half(s, 0));

	h = rasflow_hash_round(h, rasflow_addr_half(s, 1));
	h = rasflow_hash_round(h, rasflow_addr_half(d, 0));
	h = rasflow_hash_round(h, rasflow_addr_half(d, 1));
	return rasflow_hash_final(rasflow_hash_round(h, (uint64_t)proto << 16 | port));
}

struct rasflow_analysis *rasflow_analysis_new(const struct rasflow_ruleset *rs,
					      const struct rasflow_site *site,
					      const struct rasflow_analysis_opts *o)
{
	struct rasflow_analysis *an = calloc(1, sizeof(*an));

	if (an == NULL)
		return NULL;
	an->rs = rs;
	an->site = site;
	if (o != NULL)
		an->o = *o;
	else
		rasflow_analysis_default_opts(&an->o);
	if (an->o.max_hosts == 0)
		an->o.max_hosts = DEFAULT_MAX_HOSTS;
	if (an->o.max_edges == 0)
		an->o.max_edges = DEFAULT_MAX_EDGES;
	an->nhslots = 1024;
	an->neslots = 1024;
	an->hslots = rasflow_vm_zalloc(an->nhslots, sizeof(*an->hslots));
	an->eslots = rasflow_vm_zalloc(an->neslots, sizeof(*an->eslots));
	an->rstat = calloc(rs->nrules ? rs->nrules : 1, sizeof(*an->rstat));
	if (an->hslots == NULL || an->eslots == NULL || an->rstat == NULL) {
		rasflow_analysis_free(an);
		return NULL;
	}

	/* Role classes used by inference and policy. */
	rasflow_roleset local_dst = 0, other_dst = 0;

	for (size_t i = 0; i < rs->nroles && i < RASFLOW_MAX_ROLES; i++) {
		rasflow_roleset bit = (rasflow_roleset)1 << i;

		an->all_roles |= bit;
		if (rs->roles[i].cls == RASFLOW_CLASS_EXTERNAL)
			an->ext_roles |= bit;
		if (rs->roles[i].cls == RASFLOW_CLASS_RAS)
			an->ras_roles |= bit;
		if (rs->roles[i].cls == RASFLOW_CLASS_INFRA)
			an->infra_roles |= bit;
	}
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rasflow_rule *r = &rs->rules[i];

		if (r->dst >= RASFLOW_MAX_ROLES)
			continue;
		if (r->flags & RASFLOW_RF_LOCAL)
			local_dst |= (rasflow_roleset)1 << r->dst;
		else
			other_dst |= (rasflow_roleset)1 << r->dst;
	}
	an->local_roles = local_dst & ~other_dst;
	an->noinfer_roles = an->local_roles | an->ext_roles;
	return an;
}

void rasflow_analysis_free(struct rasflow_analysis *an)
{
	if (an == NULL)
		return;
	for (size_t i = 0; i < an->nhosts; i++) {
		struct rasflow_host *h = &an->hosts[i];

		free(h->server_name);
		free(h->obs);
		for (size_t j = 0; j < h->nevidence; j++)
			free(h->evidence[j]);
	}
	/* edge apps and details and finding messages live in the blocks */
	while (an->strs != NULL) {
		struct rasflow_ana_strblock *b = an->strs;

		an->strs = b->next;
		free(b);
	}
	for (size_t i = 0; i < an->cap.nfiles; i++)
		free(an->cap.files[i]);
	for (size_t i = 0; i < an->cap.nwarnings; i++)
		free(an->cap.warnings[i]);
	free(an->cap.files);
	free(an->cap.warnings);
	rasflow_vm_free(&an->ha);
	rasflow_vm_zfree(an->hslots, an->nhslots, sizeof(*an->hslots));
	rasflow_vm_free(&an->ea);
	rasflow_vm_zfree(an->eslots, an->neslots, sizeof(*an->eslots));
	free(an->findings);
	free(an->sides);
	free(an->rstat);
	free(an);
}

/* Put index idx with hash h into the first free slot of its probe run. */
static void slot_put(struct rasflow_ana_slot *slots, size_t n, uint32_t h, uint32_t idx)
{
	size_t k = h & (n - 1);

	while (slots[k].idx != 0)
		k = (k + 1) & (n - 1);
	slots[k].hash = h;
	slots[k].idx = idx + 1;
}

/* Double an index when one more entry would fill it beyond half; the
 * entries themselves are not touched (the slots keep their hashes). */
static int slots_grow(struct rasflow_ana_slot **slots, size_t *n, size_t used)
{
	if ((used + 1) * 2 <= *n)
		return 0;

	size_t m = *n * 2;
	struct rasflow_ana_slot *s = rasflow_vm_zalloc(m, sizeof(*s));

	if (s == NULL)
		return RASFLOW_ENOMEM;
	for (size_t i = 0; i < *n; i++)
		if ((*slots)[i].idx != 0)
			slot_put(s, m, (*slots)[i].hash, (*slots)[i].idx - 1);
	rasflow_vm_zfree(*slots, *n, sizeof(**slots));
	*slots = s;
	*n = m;
	return 0;
}

/* Room for entry number `used` in a table of sz-byte entries (*alloc of
 * them usable) in area a, which never holds more than cap: 0 when there is,
 * 1 when the table is full (counted in *refused), RASFLOW_ENOMEM when the
 * kernel refuses memory. The first call reserves the cap's address space,
 * and each step of the area makes more entries usable: untouched pages cost
 * nothing and the table is never copied, where doubling would copy it and
 * touch about twice the memory (page faults are a good part of the cost of
 * folding flows). With the address space short the reservation is smaller
 * than the cap, and the table full sooner. */
static int table_room(struct rasflow_vmarea *a, size_t used, size_t *alloc, size_t sz,
		      size_t cap, uint64_t *refused)
{
	if (used < *alloc)
		return 0;
	if (used >= cap || used >= RASFLOW_NOHOST - 1)
		goto full;
	if (a->base == NULL) {
		bool huge = cap * sz >= 2 * RASFLOW_VM_CHUNK;

		if (!rasflow_vm_reserve(a, cap * sz, huge ? RASFLOW_VM_CHUNK : TABLE_STEP, huge))
			return RASFLOW_ENOMEM;
	}
	if (a->committed == a->reserved)
		goto full;
	if (!rasflow_vm_grow(a))
		return RASFLOW_ENOMEM;
	*alloc = a->committed / sz < cap ? a->committed / sz : cap;
	return 0;
full:
	(*refused)++;
	return 1;
}

/* Host index by address and its hash, or RASFLOW_NOHOST. */
static uint32_t host_lookup(const struct rasflow_analysis *an, const struct rasflow_addr *a,
			    uint32_t h)
{
	size_t mask = an->nhslots - 1;

	for (size_t k = h & mask; an->hslots[k].idx != 0; k = (k + 1) & mask) {
		const struct rasflow_ana_slot *s = &an->hslots[k];

		if (s->hash == h && rasflow_addr_eq(&an->hosts[s->idx - 1].addr, a))
			return s->idx - 1;
	}
	return RASFLOW_NOHOST;
}

uint32_t rasflow_ana_host_find(const struct rasflow_analysis *an, const struct rasflow_addr *a)
{
	return host_lookup(an, a, (uint32_t)host_hash(a));
}

/* Find or create the host a (of hash host_hash(a)); RASFLOW_NOHOST when the
 * table is full (counted) or on ENOMEM (*err set). */
static uint32_t host_get_h(struct rasflow_analysis *an, const struct rasflow_addr *a,
			   uint32_t hash, int *err)
{
	uint32_t i = host_lookup(an, a, hash);

	if (i != RASFLOW_NOHOST)
		return i;
	int room = table_room(&an->ha, an->nhosts, &an->hosts_alloc, sizeof(*an->hosts),
			      an->o.max_hosts, &an->st.hosts_refused);

	an->hosts = (struct rasflow_host *)an->ha.base;
	if (room != 0) {
		if (room < 0)
			*err = room;
		return RASFLOW_NOHOST;
	}
	if (slots_grow(&an->hslots, &an->nhslots, an->nhosts) < 0) {
		*err = RASFLOW_ENOMEM;
		return RASFLOW_NOHOST;
	}
	struct rasflow_host *h = &an->hosts[an->nhosts];

	memset(h, 0, sizeof(*h));
	h->addr = *a;
	if (an->site != NULL) {
		h->site = rasflow_site_lookup(an->site, a);
		h->site_host = h->site != NULL && rasflow_site_entry_is_host(h->site);
		if (h->site_host) {
			h->name = h->site->name;
			h->standby = h->site->standby;
		}
	}
	slot_put(an->hslots, an->nhslots, hash, (uint32_t)an->nhosts);
	return (uint32_t)an->nhosts++;
}

static uint32_t host_get(struct rasflow_analysis *an, const struct rasflow_addr *a, int *err)
{
	return host_get_h(an, a, (uint32_t)host_hash(a), err);
}

bool rasflow_ana_is_group(const struct rasflow_analysis *an, const struct rasflow_addr *a)
{
	if (rasflow_addr_is_group(a))
		return true;
	/* a directed broadcast has at least its two lowest bits set (prefixes
	 * of /30 or shorter): most addresses end there, before the lookup */
	if (an->site == NULL || !rasflow_addr_is_v4(a) || (a->b[15] & 3) != 3)
		return false;

	const struct rasflow_site_entry *e = rasflow_site_lookup(an->site, a);

	if (e == NULL || e->plen < 96 || e->plen > 126)
		return false;
	/* all host bits set? */
	for (unsigned bit = e->plen; bit < 128; bit++)
		if (!(a->b[bit / 8] & (0x80 >> (bit % 8))))
			return false;
	return true;
}

static bool proto_has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 33;
}

static uint32_t edge_find(const struct rasflow_analysis *an, const struct rasflow_addr *s,
			  const struct rasflow_addr *d, uint8_t proto, uint16_t port, uint32_t h)
{
	size_t mask = an->neslots - 1;

	for (size_t k = h & mask; an->eslots[k].idx != 0; k = (k + 1) & mask) {
		if (an->eslots[k].hash != h)
			continue;

		uint32_t i = an->eslots[k].idx - 1;
		const struct rasflow_edge *e = &an->edges[i];

		if (e->proto == proto && e->dport == port && rasflow_addr_eq(&e->src, s) &&
		    rasflow_addr_eq(&e->dst, d))
			return i;
	}
	return RASFLOW_NOHOST;
}

/* The edge of flow f (whose edge hash is hash), made if new; RASFLOW_NOHOST
 * when the table is full (counted) or on ENOMEM (*err set). */
static uint32_t edge_get(struct rasflow_analysis *an, const struct rasflow_flow *f, uint32_t hash,
			 int *err)
{
	uint16_t port = proto_has_ports(f->proto) ? f->dport : 0;
	uint32_t i = edge_find(an, &f->src, &f->dst, f->proto, port, hash);

	if (i != RASFLOW_NOHOST)
		return i;
	int room = table_room(&an->ea, an->nedges, &an->edges_alloc, sizeof(*an->edges),
			      an->o.max_edges, &an->st.edges_refused);

	an->edges = (struct rasflow_edge *)an->ea.base;
	if (room != 0) {
		if (room < 0)
			*err = room;
		return RASFLOW_NOHOST;
	}
	if (slots_grow(&an->eslots, &an->neslots, an->nedges) < 0) {
		*err = RASFLOW_ENOMEM;
		return RASFLOW_NOHOST;
	}
	struct rasflow_edge *e = &an->edges[an->nedges];

	memset(e, 0, sizeof(*e));
	e->src = f->src;
	e->dst = f->dst;
	e->proto = f->proto;
	e->has_port = proto_has_ports(f->proto);
	e->dport = port;
	e->src_host = e->dst_host = RASFLOW_NOHOST;
	e->rule = -1;
	slot_put(an->eslots, an->neslots, hash, (uint32_t)an->nedges);
	return (uint32_t)an->nedges++;
}

static rasflow_ts ts_min(rasflow_ts a, rasflow_ts b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

static rasflow_ts ts_max(rasflow_ts a, rasflow_ts b)
{
	return a > b ? a : b;
}

/* Remember that host h answered a service. A host keeps the
 * RASFLOW_HOST_OBS services it answered first, each with its earliest
 * answer: the same set whatever order the flows are folded in. */
static int add_obs(struct rasflow_host *h, const struct rasflow_obs *o)
{
	size_t latest = 0;

	for (size_t i = 0; i < h->nobs; i++) {
		struct rasflow_obs *x = &h->obs[i];

		if (x->proto == o->proto && x->port == o->port) {
			if (rasflow_ana_obs_before(o, x))
				*x = *o;
			return 0;
		}
		if (rasflow_ana_obs_before(&h->obs[latest], x))
			latest = i;
	}
	if (h->nobs >= RASFLOW_HOST_OBS) {
		if (rasflow_ana_obs_before(o, &h->obs[latest]))
			h->obs[latest] = *o;
		return 0;
	}
	if (h->obs == NULL) {
		h->obs = calloc(RASFLOW_HOST_OBS, sizeof(*h->obs));
		if (h->obs == NULL)
			return RASFLOW_ENOMEM;
	}
	h->obs[h->nobs++] = *o;
	return 0;
}

/* Record what a flow says about its two hosts. */
static int note_hosts(struct rasflow_analysis *an, const struct rasflow_ana_pending *p,
		      enum rasflow_outcome o, uint32_t *si, uint32_t *di)
{
	const struct rasflow_flow *f = &p->f;
	int err = 0;

	*si = host_get_h(an, &f->src, p->src_hash, &err);
	if (err)
		return err;
	if (*si != RASFLOW_NOHOST) {
		struct rasflow_host *h = &an->hosts[*si];

		h->flows++;
		h->pkts_sent += f->pkts[RASFLOW_DIR_FWD];
		h->bytes_sent += f->bytes[RASFLOW_DIR_FWD];
		h->pkts_rcvd += f->pkts[RASFLOW_DIR_REV];
		h->bytes_rcvd += f->bytes[RASFLOW_DIR_REV];
		if (f->pkts[RASFLOW_DIR_FWD]) {
			h->first_sent = ts_min(h->first_sent, f->first[RASFLOW_DIR_FWD]);
			h->last_sent = ts_max(h->last_sent, f->last[RASFLOW_DIR_FWD]);
		}
		h->first_seen = ts_min(h->first_seen, rasflow_flow_start(f));
		h->last_seen = ts_max(h->last_seen, ts_max(f->last[0], f->last[1]));
		if (f->proto == 112 && f->pkts[RASFLOW_DIR_FWD]) {
			rasflow_ts t = f->first[RASFLOW_DIR_FWD];

			if (!h->vrrp || t < h->vrrp_since ||
			    (t == h->vrrp_since && rasflow_addr_cmp(&f->dst, &h->vrrp_group) < 0)) {
				h->vrrp = true;
				h->vrrp_group = f->dst;
				h->vrrp_since = t;
			}
		}
	}
	*di = RASFLOW_NOHOST;
	if (rasflow_ana_is_group(an, &f->dst))
		return 0;
	*di = host_get_h(an, &f->dst, p->dst_hash, &err);
	if (err)
		return err;
	if (*di == RASFLOW_NOHOST)
		return 0;

	struct rasflow_host *h = &an->hosts[*di];

	h->flows++;
	h->pkts_sent += f->pkts[RASFLOW_DIR_REV];
	h->bytes_sent += f->bytes[RASFLOW_DIR_REV];
	h->pkts_rcvd += f->pkts[RASFLOW_DIR_FWD];
	h->bytes_rcvd += f->bytes[RASFLOW_DIR_FWD];
	if (f->pkts[RASFLOW_DIR_REV]) {
		h->first_sent = ts_min(h->first_sent, f->first[RASFLOW_DIR_REV]);
		h->last_sent = ts_max(h->last_sent, f->last[RASFLOW_DIR_REV]);
	}
	h->first_seen = ts_min(h->first_seen, rasflow_flow_start(f));
	h->last_seen = ts_max(h->last_seen, ts_max(f->last[0], f->last[1]));

	/* Listening evidence: the responder answered on its port. Flows whose
	 * direction is only a guess (midstream) do not count. */
	struct rasflow_obs ob = { .proto = f->proto, .port = f->dport, .peer = f->src,
				  .when = f->first[RASFLOW_DIR_REV] };

	if (f->proto == 6 && f->synack > 0 &&
	    (f->dirsrc == RASFLOW_DIRSRC_SYN || f->dirsrc == RASFLOW_DIRSRC_SYNACK)) {
		ob.how = f->established ? OBS_ESTABLISHED : OBS_SYNACK;
		return add_obs(h, &ob);
	}
	if (f->proto == 6 && f->synack_unseen && f->dirsrc == RASFLOW_DIRSRC_SYN) {
		ob.how = OBS_ACKED;
		ob.when = f->first[RASFLOW_DIR_FWD];
		return add_obs(h, &ob);
	}
	if (f->proto == 17 && o == RASFLOW_OUT_BIDIRECTIONAL) {
		ob.how = OBS_REPLY;
		return add_obs(h, &ob);
	}
	return 0;
}

/* Flows are folded in no particular order (flow.h), so of the values an
 * edge takes from one flow it keeps the earliest: these say whether flow f
 * (which started at `start`) comes before the one edge e has them from. */
static bool icmp_before(const struct rasflow_flow *f, const struct rasflow_edge *e)
{
	int c;

	if (f->icmp_first != e->icmp_first)
		return f->icmp_first < e->icmp_first;
	c = rasflow_addr_cmp(&f->icmp_from, &e->icmp_from);
	if (c != 0)
		return c < 0;
	return (f->icmp_type << 8 | f->icmp_code) < (e->icmp_type << 8 | e->icmp_code);
}

static bool app_before(const struct rasflow_flow *f, rasflow_ts start, const struct rasflow_edge *e)
{
	if (start != e->app_since)
		return start < e->app_since;
	if (f->app_master != e->app_master)
		return f->app_master < e->app_master;
	return f->app_proto < e->app_proto;
}

/* Fold one held-back flow into its hosts and edge. */
static int fold(struct rasflow_analysis *an, const struct rasflow_ana_pending *p)
{
	const struct rasflow_flow *f = &p->f;
	enum rasflow_outcome o = rasflow_ana_flow_outcome(f);
	uint32_t si, di;
	int err = note_hosts(an, p, o, &si, &di);

	if (err)
		return err;

	uint32_t ei = edge_get(an, f, p->edge_hash, &err);

	if (err)
		return err;
	if (ei == RASFLOW_NOHOST)
		return 0;

	struct rasflow_edge *e = &an->edges[ei];
	rasflow_ts first = ts_min(rasflow_flow_start(f), f->icmp_first);
	rasflow_ts last = ts_max(ts_max(f->last[0], f->last[1]), f->icmp_first);

	e->src_host = si;
	e->dst_host = di;
	e->dst_group = di == RASFLOW_NOHOST && rasflow_ana_is_group(an, &f->dst);
	e->flows++;
	e->nout[o]++;
	int side = rasflow_ana_flow_one_side(f);

	if (side >= 0)
		e->one_sided[side]++;
	for (int d = 0; d < 2; d++) {
		e->pkts[d] += f->pkts[d];
		e->bytes[d] += f->bytes[d];
	}
	e->first = ts_min(e->first, first);
	e->last = ts_max(e->last, last);
	e->first_try = ts_min(e->first_try, f->first[RASFLOW_DIR_FWD]);
	e->last_try = ts_max(e->last_try, f->last[RASFLOW_DIR_FWD]);
	if (o == RASFLOW_OUT_ESTABLISHED || o == RASFLOW_OUT_MIDSTREAM ||
	    o == RASFLOW_OUT_BIDIRECTIONAL)
		e->last_good = ts_max(e->last_good, last);
	if (o == RASFLOW_OUT_ONEWAY)
		e->last_oneway = ts_max(e->last_oneway, last);
	if (o == RASFLOW_OUT_UNANSWERED || o == RASFLOW_OUT_ONEWAY)
		e->first_noreply = ts_min(e->first_noreply, f->first[RASFLOW_DIR_FWD]);
	if (o == RASFLOW_OUT_UNANSWERED || o == RASFLOW_OUT_REFUSED ||
	    (o == RASFLOW_OUT_UNREACHABLE && f->proto == 6))
		e->syns += f->syn;
	if (f->icmp_errors) {
		if (e->icmp == 0 || icmp_before(f, e)) {
			e->icmp_type = f->icmp_type;
			e->icmp_code = f->icmp_code;
			e->icmp_from = f->icmp_from;
			e->icmp_first = f->icmp_first;
		}
		e->icmp += f->icmp_errors;
	}
	if (f->app_state > e->app_state ||
	    (f->app_state == e->app_state && f->app_state != 0 &&
	     app_before(f, first, e))) {
		e->app_master = f->app_master;
		e->app_proto = f->app_proto;
		e->app_state = f->app_state;
		e->app_since = first;
	}
	return 0;
}

/* The pending flow k places after the oldest. */
static struct rasflow_ana_pending *pending(struct rasflow_analysis *an, size_t k)
{
	return &an->pend[(an->pend_head + k) % RASFLOW_ANA_AHEAD];
}

/* Fold the oldest held-back flow. */
static int fold_oldest(struct rasflow_analysis *an)
{
	int err = fold(an, pending(an, 0));

	an->pend_head = (an->pend_head + 1) % RASFLOW_ANA_AHEAD;
	an->npend--;
	return err;
}

/* Fold every held-back flow; the first error. */
static int fold_all(struct rasflow_analysis *an)
{
	int err = 0;

	while (an->npend > 0) {
		int e = fold_oldest(an);

		if (err == 0)
			err = e;
	}
	return err;
}

/* Ask for the cache lines of [p, p + n), n > 0 (entries are not aligned). */
static void prefetch_range(const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)63, end = (uintptr_t)p + n;

	for (; a < end; a += 64)
		__builtin_prefetch((const void *)a, 1);
}

/* The first index slot a lookup of hash h reads, and the entry it names
 * (a hint: the entry may be another key's). */
static void prefetch_entry(const struct rasflow_ana_slot *slots, size_t n, uint32_t h,
			   const void *table, size_t sz, size_t bytes)
{
	const struct rasflow_ana_slot *s = &slots[h & (n - 1)];

	if (s->idx != 0 && s->hash == h)
		prefetch_range((const char *)table + (size_t)(s->idx - 1) * sz, bytes);
}

/*
 * Flows are held back RASFLOW_ANA_AHEAD flows before they are folded. On a
 * big analysis every host or edge a flow folds into, and the index slot that
 * finds it, is a cache miss: most of the time of folding (perf annotate). A
 * flow's index slots are fetched as it arrives and its host and edge entries
 * RASFLOW_ANA_NEAR flows before its turn, so both are in the cache by then.
 * The result does not depend on the order of folding (see icmp_before), so
 * the delay changes nothing but time; finish folds what is left first.
 */
int rasflow_analysis_flow(struct rasflow_analysis *an, const struct rasflow_flow *f)
{
	struct rasflow_ana_pending *p;
	uint16_t port;
	int err = 0;

	if (an->finished)
		return RASFLOW_EINVAL;
	if (f->pkts[0] + f->pkts[1] == 0 && f->icmp_errors == 0) {
		an->st.flows_empty++;
		return 0;
	}
	an->st.flows++;
	if (an->npend == RASFLOW_ANA_AHEAD)
		err = fold_oldest(an);
	p = pending(an, an->npend++);
	p->f = *f;
	port = proto_has_ports(f->proto) ? f->dport : 0;
	p->src_hash = (uint32_t)host_hash(&f->src);
	p->dst_hash = (uint32_t)host_hash(&f->dst);
	p->edge_hash = (uint32_t)edge_hash(&f->src, &f->dst, f->proto, port);
	__builtin_prefetch(&an->hslots[p->src_hash & (an->nhslots - 1)]);
	__builtin_prefetch(&an->hslots[p->dst_hash & (an->nhslots - 1)]);
	__builtin_prefetch(&an->eslots[p->edge_hash & (an->neslots - 1)]);
	if (an->npend > RASFLOW_ANA_NEAR) {
		const struct rasflow_ana_pending *q = pending(an, an->npend - 1 - RASFLOW_ANA_NEAR);

		prefetch_entry(an->hslots, an->nhslots, q->src_hash, an->hosts,
			       sizeof(*an->hosts), offsetof(struct rasflow_host, obs));
		prefetch_entry(an->hslots, an->nhslots, q->dst_hash, an->hosts,
			       sizeof(*an->hosts), offsetof(struct rasflow_host, obs));
		prefetch_entry(an->eslots, an->neslots, q->edge_hash, an->edges,
			       sizeof(*an->edges), offsetof(struct rasflow_edge, rule));
	}
	return err;
}

int rasflow_analysis_name(struct rasflow_analysis *an, const struct rasflow_addr *a,
			  const char *name, rasflow_ts since)
{
	int err = 0;

	if (an->finished)
		return RASFLOW_EINVAL;
	if (name == NULL || *name == '\0' || rasflow_ana_is_group(an, a))
		return 0;

	uint32_t i = host_get(an, a, &err);

	if (i == RASFLOW_NOHOST)
		return err;

	struct rasflow_host *h = &an->hosts[i];
	char *copy;

	if (h->server_name != NULL &&
	    (since > h->name_since ||
	     (since == h->name_since && strncmp(name, h->server_name, NAME_MAX_LEN) >= 0)))
		return 0;
	copy = strndup(name, NAME_MAX_LEN);
	if (copy == NULL)
		return RASFLOW_ENOMEM;
	if (h->server_name == NULL)
		an->st.names++;
	free(h->server_name);
	h->server_name = copy;
	h->name_since = since;
	return 0;
}

/* fmt formatted into n + 1 bytes that alloc(ctx, n + 1) gives; NULL when
 * vsnprintf or alloc fails. Most strings fit the stack buffer: they are
 * formatted once, then copied; longer ones are formatted again in place. */
__attribute__((format(printf, 1, 0)))
static char *vformat(const char *fmt, va_list ap, char *(*alloc)(void *ctx, size_t size),
		     void *ctx)
{
	char buf[1024];
	va_list ap2;

	va_copy(ap2, ap);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap2);

	va_end(ap2);
	if (n < 0)
		return NULL;

	char *s = alloc(ctx, (size_t)n + 1);

	if (s == NULL)
		return NULL;
	if ((size_t)n < sizeof(buf))
		memcpy(s, buf, (size_t)n + 1);
	else
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static char *heap_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

char *rasflow_ana_vfmt(const char *fmt, va_list ap)
{
	return vformat(fmt, ap, heap_alloc, NULL);
}

/* n bytes in the newest string block, or a new block when it has no room. */
static char *str_alloc(struct rasflow_analysis *an, size_t n)
{
	struct rasflow_ana_strblock *b = an->strs;

	if (b == NULL || b->size - b->used < n) {
		/* blocks double up to STRBLOCK_MAX: big analyses make few; the
		 * header counts, so that a block is whole huge pages (its last
		 * bytes would otherwise fault in a 2 MB page of their own) */
		size_t total = b == NULL ? STRBLOCK_SIZE :
			       b->size + sizeof(*b) < STRBLOCK_MAX ? (b->size + sizeof(*b)) * 2 :
								     STRBLOCK_MAX;
		size_t size;

		if (total >= RASFLOW_VM_BIG && total < RASFLOW_VM_CHUNK)
			total = RASFLOW_VM_CHUNK;	/* it takes a whole huge page */
		size = total - sizeof(*b);

		if (size < n)
			size = n;
		b = rasflow_vm_alloc(1, sizeof(*b) + size);
		if (b == NULL)
			return NULL;
		b->next = an->strs;
		b->used = 0;
		b->size = size;
		an->strs = b;
	}

	char *p = b->data + b->used;

	b->used += n;
	return p;
}

char *rasflow_ana_strndup(struct rasflow_analysis *an, const char *s, size_t len)
{
	char *p = str_alloc(an, len + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

int rasflow_ana_reserve_findings(struct rasflow_analysis *an, size_t more)
{
	if (an->findings_alloc - an->nfindings >= more)
		return 0;

	size_t n = an->nfindings + more;
	struct rasflow_finding *p;

	/* A big array is written once, in order: huge pages, not the 4 KiB
	 * ones realloc maps (127,164 findings: 2,200 page faults). */
	if (n > SIZE_MAX / sizeof(*p))
		return RASFLOW_ENOMEM;
	if (n * sizeof(*p) < RASFLOW_VM_BIG) {
		p = realloc(an->findings, n * sizeof(*p));
	} else {
		p = rasflow_vm_alloc(n, sizeof(*p));
		if (p != NULL && an->nfindings)
			memcpy(p, an->findings, an->nfindings * sizeof(*p));
		if (p != NULL)
			free(an->findings);
	}
	if (p == NULL)
		return RASFLOW_ENOMEM;
	an->findings = p;
	an->findings_alloc = n;
	return 0;
}

/* Room for one more finding; a full array doubles. */
static int findings_reserve(struct rasflow_analysis *an)
{
	if (an->nfindings < an->findings_alloc)
		return 0;
	return rasflow_ana_reserve_findings(an, an->findings_alloc ? an->findings_alloc : 64);
}

static char *block_alloc(void *an, size_t size)
{
	return str_alloc(an, size);
}

int rasflow_ana_add_finding(struct rasflow_analysis *an, const struct rasflow_finding *tmpl,
			    const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (findings_reserve(an) < 0)
		return RASFLOW_ENOMEM;
	va_start(ap, fmt);
	msg = vformat(fmt, ap, block_alloc, an);
	va_end(ap);
	if (msg == NULL)
		return RASFLOW_ENOMEM;
	an->findings[an->nfindings] = *tmpl;
	an->findings[an->nfindings].message = msg;
	an->nfindings++;
	return 0;
}

int rasflow_ana_add_finding_cat(struct rasflow_analysis *an, const struct rasflow_finding *tmpl,
				const char *const *parts, size_t n)
{
	size_t len[16], total = 0;

	if (n > sizeof(len) / sizeof(len[0]) || findings_reserve(an) < 0)
		return RASFLOW_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		len[i] = strlen(parts[i]);
		total += len[i];
	}

	char *msg = str_alloc(an, total + 1), *p = msg;

	if (msg == NULL)
		return RASFLOW_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		memcpy(p, parts[i], len[i]);
		p += len[i];
	}
	*p = '\0';
	an->findings[an->nfindings] = *tmpl;
	an->findings[an->nfindings].message = msg;
	an->nfindings++;
	return 0;
}

int rasflow_ana_evidence(struct rasflow_host *h, const char *fmt, ...)
{
	if (h->nevidence >= RASFLOW_HOST_EVIDENCE)
		return 0;

	va_list ap;

	va_start(ap, fmt);
	char *s = rasflow_ana_vfmt(fmt, ap);

	va_end(ap);
	if (s == NULL)
		return RASFLOW_ENOMEM;
	h->evidence[h->nevidence++] = s;
	return 0;
}

const char *rasflow_ana_host_label(const struct rasflow_analysis *an, const struct rasflow_addr *a,
				   uint32_t hi, char *buf, size_t len)
{
	const struct rasflow_host *h = hi != RASFLOW_NOHOST ? &an->hosts[hi] : NULL;
	const char *name = h != NULL ? (h->name != NULL ? h->name : h->server_name) : NULL;
	char ab[RASFLOW_ADDR_STRLEN];
	size_t alen = rasflow_addr_fmt(a, ab), used = 0;

	buf[0] = '\0';
	if (name != NULL) {
		rasflow_put_trunc(buf, len, &used, name, strlen(name));
		rasflow_put_trunc(buf, len, &used, " (", 2);
	}
	rasflow_put_trunc(buf, len, &used, ab, alen);
	if (name != NULL)
		rasflow_put_trunc(buf, len, &used, ")", 1);
	return buf;
}

const char *rasflow_ana_label(const struct rasflow_analysis *an, const struct rasflow_addr *a,
			      char *buf, size_t len)
{
	return rasflow_ana_host_label(an, a, rasflow_ana_host_find(an, a), buf, len);
}

/* Copy what the capture layer reported; the caller's strings are not kept. */
static int copy_capture(struct rasflow_analysis *an, const struct rasflow_capture_info *ci)
{
	struct rasflow_capture_summary *c = &an->cap;

	if (ci == NULL)
		return 0;
	c->packets = ci->packets;
	c->bytes = ci->bytes;
	c->decode_errors = ci->decode_errors;
	c->copies = ci->copies;
	c->copies_sought = ci->copies_sought;
	c->copies_dropped = ci->copies_dropped;
	c->start = ci->start;
	c->end = ci->end;
	if (ci->dec != NULL) {
		c->dec = *ci->dec;
		c->has_dec = true;
	}
	if (ci->flows != NULL) {
		c->flowtab = *ci->flows;
		c->has_flows = true;
	}
	if (ci->nfiles) {
		c->files = calloc(ci->nfiles, sizeof(*c->files));
		if (c->files == NULL)
			return RASFLOW_ENOMEM;
		for (; c->nfiles < ci->nfiles; c->nfiles++) {
			c->files[c->nfiles] = strdup(ci->files[c->nfiles]);
			if (c->files[c->nfiles] == NULL)
				return RASFLOW_ENOMEM;
		}
	}
	if (ci->nwarnings) {
		c->warnings = calloc(ci->nwarnings, sizeof(*c->warnings));
		if (c->warnings == NULL)
			return RASFLOW_ENOMEM;
		for (; c->nwarnings < ci->nwarnings; c->nwarnings++) {
			c->warnings[c->nwarnings] = strdup(ci->warnings[c->nwarnings]);
			if (c->warnings[c->nwarnings] == NULL)
				return RASFLOW_ENOMEM;
		}
	}
	return 0;
}

/* Rebuild the host hash index after the host array was compacted or sorted. */
static void reindex_hosts(struct rasflow_analysis *an)
{
	memset(an->hslots, 0, an->nhslots * sizeof(*an->hslots));
	for (size_t i = 0; i < an->nhosts; i++)
		slot_put(an->hslots, an->nhslots, (uint32_t)host_hash(&an->hosts[i].addr),
			 (uint32_t)i);
}

/* Drop hosts known only from a server name (a DNS answer for an address
 * that never took part in a flow); rebuild the index and the edges' links. */
static void drop_name_only_hosts(struct rasflow_analysis *an)
{
	size_t j = 0;

	for (size_t i = 0; i < an->nhosts; i++) {
		struct rasflow_host *h = &an->hosts[i];

		if (h->flows == 0 && !h->site_host) {
			free(h->server_name);
			free(h->obs);
			for (size_t k = 0; k < h->nevidence; k++)
				free(h->evidence[k]);
			continue;
		}
		an->hosts[j++] = *h;
	}
	if (j == an->nhosts)
		return;
	an->nhosts = j;
	reindex_hosts(an);
	for (size_t i = 0; i < an->nedges; i++) {
		struct rasflow_edge *e = &an->edges[i];

		e->src_host = rasflow_ana_host_find(an, &e->src);
		e->dst_host = e->dst_group ? RASFLOW_NOHOST : rasflow_ana_host_find(an, &e->dst);
	}
}

/* Site hosts are listed even when they never appeared in the capture. */
static int add_site_hosts(struct rasflow_analysis *an)
{
	if (an->site == NULL)
		return 0;
	for (size_t i = 0; i < rasflow_site_count(an->site); i++) {
		const struct rasflow_site_entry *se = rasflow_site_entry(an->site, i);
		int err = 0;

		if (rasflow_site_entry_is_host(se)) {
			host_get(an, &se->addr, &err);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Sort key of a host: the order of rasflow_addr_cmp. */
struct host_key {
	uint64_t hi, lo;		/* big-endian words of the address */
	uint32_t idx;			/* index before sorting */
};

static inline bool host_less(const struct host_key *a, const struct host_key *b)
{
	return a->hi != b->hi ? a->hi < b->hi : a->lo < b->lo;
}

/* Sort key of an edge: the order of rasflow_addr_cmp on the addresses,
 * then protocol and port. */
struct sort_key {
	uint64_t w[4];			/* big-endian words of the address(es) */
	uint32_t tail;			/* proto << 16 | port (edges) */
	uint32_t idx;			/* index before sorting */
};

static inline bool key_less(const struct sort_key *a, const struct sort_key *b)
{
	for (int i = 0; i < 4; i++)
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i];
	return a->tail < b->tail;
}

/* Sort key of an edge whose two ends are hosts, once the hosts are sorted:
 * their indexes are in address order, so (source index, destination index,
 * protocol and port) sorts as the addresses do, in 16 bytes instead of 40. */
struct rank_key {
	uint64_t hosts;			/* source host << 32 | destination host */
	uint32_t tail;			/* proto << 16 | port */
	uint32_t idx;			/* index before sorting */
};

_Static_assert(sizeof(struct sort_key) >= sizeof(struct host_key) &&
	       sizeof(struct sort_key) >= sizeof(struct rank_key), "sort_tables sizes its buffers so");

static inline bool rank_less(const struct rank_key *a, const struct rank_key *b)
{
	return a->hosts != b->hosts ? a->hosts < b->hosts : a->tail < b->tail;
}

/* Bottom-up merge sort of n keys of type T with tmp (n keys) as scratch;
 * returns whichever of the two holds the result. One body, three key types. */
#define MERGE_SORT(name, T, less)							\
	static T *name(T *k, T *tmp, size_t n)						\
	{										\
		for (size_t w = 1; w < n; w *= 2) {					\
			for (size_t lo = 0; lo < n; lo += 2 * w) {			\
				size_t mid = lo + w < n ? lo + w : n;			\
				size_t hi = lo + 2 * w < n ? lo + 2 * w : n;		\
				size_t i = lo, j = mid, o = lo;				\
											\
				while (i < mid && j < hi)				\
					tmp[o++] = less(&k[j], &k[i]) ? k[j++] : k[i++];	\
				while (i < mid)						\
					tmp[o++] = k[i++];				\
				while (j < hi)						\
					tmp[o++] = k[j++];				\
			}								\
											\
			T *t = k;							\
											\
			k = tmp;							\
			tmp = t;							\
		}									\
		return k;								\
	}

MERGE_SORT(sort_host_keys, struct host_key, host_less)
MERGE_SORT(sort_keys, struct sort_key, key_less)
MERGE_SORT(sort_rank_keys, struct rank_key, rank_less)

/* Rank keys in order when every edge has a host at both ends. The hosts
 * are sorted by now, so a counting pass over initiator indexes (start: one
 * counter per host, and one more) puts the keys in initiator order; each
 * initiator's run, a few edges as a rule, is then sorted on its own. The
 * result is in keys. */
static void sort_ranked(const struct rasflow_analysis *an, struct rank_key *keys,
			struct rank_key *tmp, uint32_t *start)
{
	size_t lo = 0;

	memset(start, 0, (an->nhosts + 1) * sizeof(*start));
	for (size_t i = 0; i < an->nedges; i++)
		start[an->edges[i].src_host + 1]++;
	for (size_t h = 0; h < an->nhosts; h++)
		start[h + 1] += start[h];
	for (size_t i = 0; i < an->nedges; i++) {
		const struct rasflow_edge *e = &an->edges[i];
		struct rank_key *k = &keys[start[e->src_host]++];

		k->hosts = (uint64_t)e->src_host << 32 | e->dst_host;
		k->tail = (uint32_t)e->proto << 16 | e->dport;
		k->idx = (uint32_t)i;
	}
	/* start[h] is now the end of host h's run */
	for (size_t h = 0; h < an->nhosts; h++) {
		size_t hi = start[h], n = hi - lo;

		if (n > 16) {
			struct rank_key *r = sort_rank_keys(keys + lo, tmp + lo, n);

			if (r != keys + lo)
				memcpy(keys + lo, r, n * sizeof(*r));
		} else {
			for (size_t i = lo + 1; i < hi; i++) {	/* insertion sort */
				struct rank_key x = keys[i];
				size_t j = i;

				for (; j > lo && rank_less(&x, &keys[j - 1]); j--)
					keys[j] = keys[j - 1];
				keys[j] = x;
			}
		}
		lo = hi;
	}
}

/* Put n elements of size sz in order: element order[i] goes to i. Follows
 * the permutation's cycles in place; order[] is used up. Each step reads an
 * element anywhere in the table (a cache miss on a big one), so the walk
 * asks for the element PERMUTE_AHEAD steps further along its cycle (the
 * cycle is known: order[] is small enough to stay in the cache). */
#define PERMUTE_AHEAD 8

static void permute(void *base, size_t sz, uint32_t *order, size_t n, void *spare)
{
	char *a = base;

	for (size_t i = 0; i < n; i++) {
		if (order[i] == i)
			continue;
		memcpy(spare, a + i * sz, sz);

		size_t j = i, ahead = i;

		for (int d = 0; d < PERMUTE_AHEAD && order[ahead] != i; d++) {
			ahead = order[ahead];
			prefetch_range(a + ahead * sz, sz);
		}
		while (order[j] != i) {
			size_t from = order[j];

			if (order[ahead] != i) {	/* the cycle goes on beyond ahead */
				ahead = order[ahead];
				prefetch_range(a + ahead * sz, sz);
			}
			memcpy(a + j * sz, a + from * sz, sz);
			order[j] = (uint32_t)j;
			j = from;
		}
		memcpy(a + j * sz, spare, sz);
		order[j] = (uint32_t)j;
	}
}

/* Sort hosts by address and edges by key; remap the edges' host indexes. */
static int sort_tables(struct rasflow_analysis *an)
{
	size_t n = an->nhosts > an->nedges ? an->nhosts : an->nedges;
	void *kb = NULL, *tb = NULL;	/* keys and scratch, of any of the three kinds */
	uint32_t *moved = NULL;		/* new index of each host by old index;
					 * then sort_ranked's counters */
	uint32_t *order = NULL;		/* old index of each element in key order */
	bool ranked = true;		/* every edge has a host at both ends */

	if (n > 0) {
		kb = rasflow_vm_alloc(n, sizeof(struct sort_key));
		tb = rasflow_vm_alloc(n, sizeof(struct sort_key));
		moved = malloc((an->nhosts + 1) * sizeof(*moved));
		order = malloc(n * sizeof(*order));
		if (kb == NULL || tb == NULL || moved == NULL || order == NULL) {
			free(kb);
			free(tb);
			free(moved);
			free(order);
			return RASFLOW_ENOMEM;
		}
	}
	if (an->nhosts > 0) {
		struct host_key *keys = kb, *k;
		struct rasflow_host spare;

		for (size_t i = 0; i < an->nhosts; i++) {
			keys[i].hi = rasflow_addr_half_be(&an->hosts[i].addr, 0);
			keys[i].lo = rasflow_addr_half_be(&an->hosts[i].addr, 1);
			keys[i].idx = (uint32_t)i;
		}
		k = sort_host_keys(keys, tb, an->nhosts);
		for (size_t i = 0; i < an->nhosts; i++) {
			moved[k[i].idx] = (uint32_t)i;
			order[i] = k[i].idx;
		}
		permute(an->hosts, sizeof(*an->hosts), order, an->nhosts, &spare);
		reindex_hosts(an);
	}
	/* An edge's host index is its host's (drop_name_only_hosts keeps them
	 * so), or none when the table was full as it was made: only those need
	 * a lookup, as a site host may have been added since. */
	for (size_t i = 0; i < an->nedges; i++) {
		struct rasflow_edge *e = &an->edges[i];

		e->src_host = e->src_host != RASFLOW_NOHOST ? moved[e->src_host] :
			      rasflow_ana_host_find(an, &e->src);
		if (e->dst_group)
			e->dst_host = RASFLOW_NOHOST;
		else
			e->dst_host = e->dst_host != RASFLOW_NOHOST ? moved[e->dst_host] :
				      rasflow_ana_host_find(an, &e->dst);
		ranked = ranked && e->src_host != RASFLOW_NOHOST && e->dst_host != RASFLOW_NOHOST;
	}
	if (an->nedges > 0 && ranked) {
		struct rank_key *keys = kb;

		sort_ranked(an, keys, tb, moved);	/* moved is free again */
		for (size_t i = 0; i < an->nedges; i++)
			order[i] = keys[i].idx;
	} else if (an->nedges > 0) {
		struct sort_key *keys = kb, *k;

		for (size_t i = 0; i < an->nedges; i++) {
			const struct rasflow_edge *e = &an->edges[i];

			keys[i].w[0] = rasflow_addr_half_be(&e->src, 0);
			keys[i].w[1] = rasflow_addr_half_be(&e->src, 1);
			keys[i].w[2] = rasflow_addr_half_be(&e->dst, 0);
			keys[i].w[3] = rasflow_addr_half_be(&e->dst, 1);
			keys[i].tail = (uint32_t)e->proto << 16 | e->dport;
			keys[i].idx = (uint32_t)i;
		}
		k = sort_keys(keys, tb, an->nedges);
		for (size_t i = 0; i < an->nedges; i++)
			order[i] = k[i].idx;
	}
	if (an->nedges > 0) {
		struct rasflow_edge spare;

		permute(an->edges, sizeof(*an->edges), order, an->nedges, &spare);
	}
	free(kb);
	free(tb);
	free(moved);
	free(order);
	/* hash chains are stale now; edges are not looked up after this */
	rasflow_vm_zfree(an->eslots, an->neslots, sizeof(*an->eslots));
	an->eslots = NULL;
	return 0;
}

static int cmp_finding(const void *x, const void *y)
{
	const struct rasflow_finding *a = x, *b = y;

	if (a->severity != b->severity)
		return a->severity < b->severity ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->has_src != b->has_src)
		return a->has_src ? -1 : 1;
	if (a->has_src) {
		int c = rasflow_addr_cmp(&a->src, &b->src);

		if (c)
			return c;
	}
	if (a->has_dst != b->has_dst)
		return a->has_dst ? -1 : 1;
	if (a->has_dst) {
		int c = rasflow_addr_cmp(&a->dst, &b->dst);

		if (c)
			return c;
	}
	if (a->edge != b->edge)
		return a->edge < b->edge ? -1 : 1;
	return (a->rule > b->rule) - (a->rule < b->rule);
}

/* Findings in cmp_finding order. Edge findings come in edge order, which
 * is already their order within a (severity, kind) group, so a stable
 * counting sort by group leaves only groups out of order (missing
 * findings) to sort; each group is checked, so the result is the same as
 * sorting the lot. Findings already in group order (a big capture's are
 * often all one group) are not moved. */
static int sort_findings(struct rasflow_analysis *an)
{
	enum { NGROUPS = 3 * RASFLOW_FIND_COUNT };	/* severities x kinds */
	/* group g is [begin[g], begin[g + 1]) once counted */
	size_t begin[NGROUPS + 1] = { 0 }, n = an->nfindings, last = 0;
	struct rasflow_finding *out = an->findings;
	bool grouped = true;

	if (n < 2)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct rasflow_finding *f = &an->findings[i];
		size_t g;

		if ((unsigned)f->severity >= 3 || (unsigned)f->kind >= RASFLOW_FIND_COUNT) {
			qsort(an->findings, n, sizeof(*an->findings), cmp_finding);
			return 0;
		}
		g = (size_t)f->severity * RASFLOW_FIND_COUNT + f->kind;
		begin[g + 1]++;
		grouped &= g >= last;
		last = g;
	}
	for (size_t g = 1; g <= NGROUPS; g++)
		begin[g] += begin[g - 1];
	if (!grouped) {
		size_t at[NGROUPS];

		memcpy(at, begin, sizeof(at));
		out = rasflow_vm_alloc(n, sizeof(*out));
		if (out == NULL)
			return RASFLOW_ENOMEM;
		for (size_t i = 0; i < n; i++) {
			const struct rasflow_finding *f = &an->findings[i];

			out[at[f->severity * RASFLOW_FIND_COUNT + f->kind]++] = *f;
		}
		free(an->findings);
		an->findings = out;
		an->findings_alloc = n;
	}
	for (size_t g = 0; g < NGROUPS; g++) {
		for (size_t i = begin[g] + 1; i < begin[g + 1]; i++) {
			if (cmp_finding(&out[i - 1], &out[i]) > 0) {
				qsort(out + begin[g], begin[g + 1] - begin[g], sizeof(*out), cmp_finding);
				break;
			}
		}
	}
	return 0;
}

/* Rule states once edges are classified and missing findings exist. */
static void rule_states(struct rasflow_analysis *an)
{
	const struct rasflow_ruleset *rs = an->rs;
	rasflow_roleset present = 0;

	for (size_t i = 0; i < an->nhosts; i++)
		present |= an->hosts[i].roles;
	for (size_t i = 0; i < an->nedges; i++) {
		const struct rasflow_edge *e = &an->edges[i];

		if (e->policy != RASFLOW_POL_EXPECTED || e->rule < 0)
			continue;

		struct rasflow_rule_status *st = &an->rstat[e->rule];

		st->edges++;
		if (e->verdict == RASFLOW_V_OK || e->verdict == RASFLOW_V_MISMATCH)
			st->ok++;
		else if (e->verdict == RASFLOW_V_FAILED)
			st->failed++;
		/* a broadcast / multicast rule is present through its edges */
		present |= e->dst_roles & ((rasflow_roleset)1 << rs->rules[e->rule].dst);
	}
	/* RS_MISSING marks the rules with a missing finding for the loop below */
	for (size_t i = 0; i < rs->nrules; i++)
		an->rstat[i].state = RASFLOW_RS_NA;
	for (size_t j = 0; j < an->nfindings; j++)
		if (an->findings[j].kind == RASFLOW_FIND_MISSING && an->findings[j].rule >= 0 &&
		    (size_t)an->findings[j].rule < rs->nrules)
			an->rstat[an->findings[j].rule].state = RASFLOW_RS_MISSING;
	for (size_t i = 0; i < rs->nrules; i++) {
		struct rasflow_rule_status *st = &an->rstat[i];
		const struct rasflow_rule *r = &rs->rules[i];

		if (st->state == RASFLOW_RS_MISSING)
			continue;
		if (st->ok)
			st->state = RASFLOW_RS_SEEN;
		else if (st->failed)
			st->state = RASFLOW_RS_FAILED;
		else if (r->src < RASFLOW_MAX_ROLES && r->dst < RASFLOW_MAX_ROLES &&
			 (present >> r->src & 1) && (present >> r->dst & 1) &&
			 !(rasflow_rule_feature_roles(rs, r) & ~present))
			st->state = RASFLOW_RS_UNUSED;
		else
			st->state = RASFLOW_RS_NA;
	}
}

int rasflow_analysis_finish(struct rasflow_analysis *an, const struct rasflow_capture_info *ci)
{
	int err;

	if (an->finished)
		return RASFLOW_EINVAL;
	if ((err = fold_all(an)) < 0)
		return err;
	an->finished = true;
	if ((err = copy_capture(an, ci)) < 0)
		return err;
	drop_name_only_hosts(an);
	if ((err = add_site_hosts(an)) < 0)
		return err;
	if ((err = rasflow_ana_infer(an)) < 0)
		return err;
	if ((err = rasflow_ana_classify(an)) < 0)
		return err;
	if ((err = sort_tables(an)) < 0)
		return err;
	if ((err = rasflow_ana_sides(an)) < 0)
		return err;
	if ((err = rasflow_ana_edge_findings(an)) < 0)
		return err;
	if ((err = rasflow_ana_missing(an)) < 0)
		return err;
	if ((err = sort_findings(an)) < 0)
		return err;
	rule_states(an);

	an->sum.edges = an->nedges;
	for (size_t i = 0; i < an->nedges; i++)
		an->sum.verdicts[an->edges[i].verdict]++;
	for (size_t i = 0; i < an->nfindings; i++)
		an->sum.findings[an->findings[i].kind]++;
	an->sum.missing = an->sum.findings[RASFLOW_FIND_MISSING];
	return 0;
}

const struct rasflow_ruleset *rasflow_analysis_ruleset(const struct rasflow_analysis *an)
{
	return an->rs;
}

const struct rasflow_analysis_opts *rasflow_analysis_opts(const struct rasflow_analysis *an)
{
	return &an->o;
}

const struct rasflow_host *rasflow_analysis_hosts(const struct rasflow_analysis *an, size_t *n)
{
	*n = an->nhosts;
	return an->hosts;
}

const struct rasflow_edge *rasflow_analysis_edges(const struct rasflow_analysis *an, size_t *n)
{
	*n = an->nedges;
	return an->edges;
}

const struct rasflow_finding *rasflow_analysis_findings(const struct rasflow_analysis *an,
							size_t *n)
{
	*n = an->nfindings;
	return an->findings;
}

const struct rasflow_rule_status *rasflow_analysis_rules(const struct rasflow_analysis *an)
{
	return an->rstat;
}

const struct rasflow_summary *rasflow_analysis_summary(const struct rasflow_analysis *an)
{
	return &an->sum;
}

const struct rasflow_analysis_stats *rasflow_analysis_stats(const struct rasflow_analysis *an)
{
	return &an->st;
}

const struct rasflow_capture_summary *rasflow_analysis_capture(const struct rasflow_analysis *an)
{
	return &an->cap;
}

const struct rasflow_host *rasflow_analysis_host(const struct rasflow_analysis *an,
						 const struct rasflow_addr *a)
{
	uint32_t i = rasflow_ana_host_find(an, a);

	return i == RASFLOW_NOHOST ? NULL : &an->hosts[i];
}

size_t rasflow_analysis_count(const struct rasflow_analysis *an, unsigned mask)
{
	size_t n = 0;

	for (size_t i = 0; i < an->nfindings; i++)
		n += (mask >> an->findings[i].kind) & 1;
	return n;
}

static const char *const kind_names[RASFLOW_FIND_COUNT] = {
	"failed", "unexpected", "missing", "mismatch",
};

int rasflow_analysis_parse_kinds(const char *s, unsigned *mask, size_t *bad)
{
	unsigned m = 0;
	const char *p = s;

	if (strcmp(s, "none") == 0 || *s == '\0') {
		*mask = 0;
		return 0;
	}
	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		int k = -1;

		for (int i = 0; i < RASFLOW_FIND_COUNT; i++)
			if (strlen(kind_names[i]) == n && strncasecmp(p, kind_names[i], n) == 0)
				k = i;
		if (n == 3 && strncasecmp(p, "all", 3) == 0) {
			m |= RASFLOW_FAIL_ON_DEFAULT;
			k = 0;
		} else if (k < 0) {
			if (bad != NULL)
				*bad = (size_t)(p - s);
			return RASFLOW_EINVAL;
		} else {
			m |= 1u << k;
		}
		p += n;
		if (*p == ',') {
			p++;
			if (*p == '\0') {
				if (bad != NULL)
					*bad = (size_t)(p - s);
				return RASFLOW_EINVAL;
			}
		}
	}
	*mask = m;
	return 0;
}

const char *rasflow_outcome_name(enum rasflow_outcome o)
{
	static const char *const n[RASFLOW_OUT_COUNT] = {
		"established", "refused", "unanswered", "unreachable",
		"oneway", "bidirectional", "midstream", "mixed",
	};

	return (unsigned)o < RASFLOW_OUT_COUNT ? n[o] : "?";
}

const char *rasflow_policy_name(enum rasflow_policy p)
{
	static const char *const n[] = { "expected", "unexpected", "ignored" };

	return (unsigned)p < 3 ? n[p] : "?";
}

const char *rasflow_verdict_name(enum rasflow_verdict v)
{
	static const char *const n[RASFLOW_V_COUNT] = {
		"ok", "failed", "unexpected", "mismatch", "ignored",
	};

	return (unsigned)v < RASFLOW_V_COUNT ? n[v] : "?";
}

const char *rasflow_finding_kind_name(enum rasflow_finding_kind k)
{
	return (unsigned)k < RASFLOW_FIND_COUNT ? kind_names[k] : "?";
}

const char *rasflow_severity_name(enum rasflow_severity s)
{
	static const char *const n[] = { "error", "warning", "notice" };

	return (unsigned)s < 3 ? n[s] : "?";
}

const char *rasflow_role_source_name(enum rasflow_role_source s)
{
	static const char *const n[] = { "unknown", "site", "inferred" };

	return (unsigned)s < 3 ? n[s] : "?";
}

const char *rasflow_rule_state_name(enum rasflow_rule_state s)
{
	static const char *const n[] = { "seen", "failed", "missing", "unused", "n/a" };

	return (unsigned)s < 5 ? n[s] : "?";
}

const char *rasflow_ts_rfc3339(rasflow_ts ts, bool micro, char buf[RASFLOW_TS_STRLEN])
{
	time_t secs = (time_t)(ts / 1000000);
	struct tm tm;

	if (gmtime_r(&secs, &tm) == NULL) {
		strcpy(buf, "1970-01-01T00:00:00Z");
		return buf;
	}
	unsigned y = (unsigned)(tm.tm_year + 1900) % 10000, mo = (unsigned)(tm.tm_mon + 1) % 100;
	unsigned d = (unsigned)tm.tm_mday % 100, h = (unsigned)tm.tm_hour % 100;
	unsigned mi = (unsigned)tm.tm_min % 100, s = (unsigned)tm.tm_sec % 100;

	if (micro)
		snprintf(buf, RASFLOW_TS_STRLEN, "%04u-%02u-%02uT%02u:%02u:%02u.%06uZ", y, mo, d, h,
			 mi, s, (unsigned)(ts % 1000000));
	else
		snprintf(buf, RASFLOW_TS_STRLEN, "%04u-%02u-%02uT%02u:%02u:%02uZ", y, mo, d, h, mi,
			 s);
	return buf;
}

const char *rasflow_proto_str(uint8_t proto, char buf[RASFLOW_PROTO_STRLEN])
{
	switch (proto) {
	case 6:
		return strcpy(buf, "tcp");
	case 17:
		return strcpy(buf, "udp");
	case 1:
		return strcpy(buf, "icmp");
	case 58:
		return strcpy(buf, "icmp6");
	default:
		snprintf(buf, RASFLOW_PROTO_STRLEN, "ip:%u", (unsigned)proto);
		return buf;
	}
}

/* No printf: the analyzer names the service of every finding's edge. */
const char *rasflow_service_str(uint8_t proto, bool has_port, uint16_t port,
				char buf[RASFLOW_SERVICE_STRLEN])
{
	char *p = buf + strlen(rasflow_proto_str(proto, buf));

	if (has_port) {
		*p++ = '/';
		p = rasflow_put_dec(p, port);
	}
	*p = '\0';
	return buf;
}
