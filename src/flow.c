/* flow.c — the bidirectional flow table: lookup, TCP state, ICMP folding, expiry.
 *
 * Flows live in one array and are found through a seeded, open-addressed
 * (linear probing) index keyed on the canonical (lower addr:port first)
 * tuple; each index slot holds the flow's full 32-bit hash beside its slot
 * number, so a probe never touches a flow whose hash differs (on a big table
 * every flow touched is a cache miss: see docs/performance.md). Every flow
 * also sits in one of five timeout-class queues kept in order of last
 * activity, so expiry and LRU eviction look only at queue heads. No
 * reassembly, no classification, no allocation per packet: the flow array's
 * address space is reserved for the cap at once and made usable a step at a
 * time as flows are created.
 *
 * Choices a reader of the results should know:
 * - The key is (addresses, ports, IP protocol); VLAN ids are not part of it,
 *   so one conversation mirrored on two VLANs counts once per copy seen.
 *   Nor is the tunnel a packet came in (decode.h): the same inner addresses
 *   in two VXLAN or Geneve segments or GTP-U tunnels are one conversation here.
 * - ICMP/ICMPv6 other than destination unreachable (echo, time exceeded...)
 *   are one flow per (address pair, protocol), ports 0, first sender initiates.
 *   Echo ids are ignored: pings between two hosts are one conversation.
 * - A pure SYN on a TCP flow that was closed (FIN both ways, or RST after the
 *   handshake) or that never saw a handshake packet starts a new flow (old one
 *   ends with RASFLOW_END_TIMEOUT, stats.tcp_reuse). Re-SYNs after a refusal
 *   or no answer stay in the attempt's flow.
 * - A flow made by an ICMP error adopts the orientation of its first SYN or
 *   SYN/ACK, if that is how its first real packet arrives.
 * - Packet time for idleness is clamped to never go back; first[]/last[] are
 *   the minimum and maximum of the raw timestamps seen.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rasflow/config.h"
#include "rasflow/flow.h"
#include "hash.h"
#include "vmarea.h"

/* The design budget is 256 bytes per flow including its share of the index
 * (at most 2 / 0.75 index slots of 8 bytes each, right after a doubling),
 * its qseq word and its share of the class queues (at most 2 entries of 8
 * bytes, plus QSLACK and the blocks' slack). */
_Static_assert(sizeof(struct rasflow_flow) <= 256 - 22 - 4 - 17, "struct rasflow_flow too big");
/* The array starts on a page: a whole number of cache lines per flow keeps
 * every flow's hot fields (flow.h) in its first two. */
_Static_assert(sizeof(struct rasflow_flow) % 64 == 0, "a flow is whole cache lines");
_Static_assert(offsetof(struct rasflow_flow, id) + 8 <= 128, "hot fields in two lines");

#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMP_ 1
#define IPPROTO_ICMPV6_ 58

/*
 * Timeout classes. A flow's class (kept in f->end_state) picks its timeout.
 * Each class has its own queue ordered by f->touched, which only grows (it
 * is the table's packet clock, clamped so it never goes back), and the class
 * timeout is a constant: so a queue head is the first of its class to
 * expire, a sweep pops expired heads and stops at the first live head of
 * each class, and the global LRU flow is the oldest of five heads.
 *
 * The queues are lazy: a touch appends (slot, sequence number) at the tail
 * of the flow's class queue and records the number in qseq[slot]; the
 * flow's earlier entry is not looked for, it just stops matching. Entries
 * that do not match are dropped when they reach the head, or all at once by
 * compact() when the queues hold twice the live flows (plus QSLACK). So a
 * touch writes only the queue's tail and one word of the dense qseq array,
 * where a linked list wrote two neighbouring flows anywhere in memory (67
 * instructions and two cache misses a packet; docs/performance.md). The
 * order is the same: exact LRU.
 */
enum tclass { TC_SYN, TC_EST, TC_CLOSING, TC_UDP, TC_OTHER, TC_COUNT };

/* Queue entries live in blocks of QBLOCK (8 KB with the link), taken from a
 * pool that only grows: the queues hold at most 2 * flows + QSLACK + 1
 * entries. compact() numbers the live entries afresh from 1, and also runs
 * when the numbers reach QSEQ_MAX, so 32 bits never wrap. New blocks come
 * from an area reserved for as many as the queues can hold (QBLOCKS_MAX),
 * in huge pages when big: malloc put them in 4 KiB heap pages, 1,100 page
 * faults on the stress capture. */
#define QBLOCK		1023
#define QSLACK		16384
#define QSEQ_MAX	(1U << 31)

struct qent {
	uint32_t slot, seq;
};

struct qblock {
	struct qblock *next;
	struct qent e[QBLOCK];
};

/* Blocks the queues can hold at once for max_flows flows: their entries,
 * plus a part-used head and tail block per queue. */
#define QBLOCKS_MAX(max_flows) \
	((2 * (size_t)(max_flows) + QSLACK + 2) / QBLOCK + 1 + 2 * TC_COUNT)

struct cq {
	struct qblock *head, *tail;		/* NULL when empty */
	uint32_t hpos, tpos;			/* first entry in head, end of entries in tail */
	uint32_t last;				/* sequence number of the latest entry */
};

/* One index slot: the flow's hash next to its slot number. */
struct ient {
	uint32_t hash;
	uint32_t slot;				/* 0 = empty */
};

/* The index doubles when more than 3/4 of it is in use; it never gets fuller
 * than 7/8 (a new flow is refused instead, which only happens when memory
 * for a bigger index cannot be had). */
#define IDX_GROW(n)	((n) / 4 * 3)
#define IDX_FULL(n)	((n) / 8 * 7)

/* The flow array (and qseq beside it): address space for max_flows flows
 * is reserved when the table is made, then made usable from its start one
 * step at a time, so a slot maps to its flow with one multiply. (Separately
 * allocated slabs, which this replaced, cost a dependent load per mapping:
 * the engine took 25 % longer on the stress capture; docs/performance.md.)
 * Big tables step by 2 MB-aligned chunks the kernel may back with
 * transparent huge pages: one page fault per 2 MB instead of per 4 KB
 * (faults are the main cost of creating flows on a VM); small ones by
 * RASFLOW_FLOW_SLAB flows. When the reservation or a step cannot be had,
 * the table works within what it has, evicting as at the cap. */
#define CHUNK		RASFLOW_VM_CHUNK
#define SLAB_BYTES	(RASFLOW_FLOW_SLAB * sizeof(struct rasflow_flow))

/* One remembered first fragment. */
struct frag_ent {
	struct rasflow_addr src, dst;
	uint32_t frag_id;
	uint8_t proto;
	uint8_t dir;				/* of the first fragment in its flow */
	uint64_t fid;				/* flow id then; stale when f->id differs */
	struct rasflow_flow *f;			/* in the flow array: always dereferenceable */
};

struct rasflow_flowtab {
	struct rasflow_flowtab_opts o;
	struct rasflow_flow_hooks h;
	struct ient *idx;			/* open-addressed index */
	size_t nidx;				/* its slots, a power of two */
	size_t max_idx;				/* growth stops here */
	struct cq q[TC_COUNT];			/* class queues */
	uint32_t *qseq;				/* per slot: its flow's live queue entry, 0 = none */
	uint32_t seq;				/* latest sequence number handed out */
	size_t qlen;				/* entries in all queues, live or not */
	struct qblock *qfree;			/* block pool */
	size_t qblocks;				/* blocks made, in qba */
	rasflow_ts tmo[TC_COUNT];		/* class timeouts in microseconds */
	struct rasflow_flow *flows;		/* slot s is flows[s - 1], in fa */
	struct rasflow_vmarea fa, qa, qba;	/* the flow array; qseq's; queue blocks */
	size_t allocated;			/* flow slots usable so far */
	size_t fresh;				/* slots 1..fresh have been handed out once */
	uint32_t free_list;			/* ended flows' slots, linked through free_next */
	uint64_t next_id;
	rasflow_ts now;				/* latest packet time seen */
	rasflow_ts next_sweep;
	struct rasflow_flowtab_stats st;
	struct frag_ent frag[RASFLOW_FRAG_CACHE];
};

_Static_assert((RASFLOW_FRAG_CACHE & (RASFLOW_FRAG_CACHE - 1)) == 0, "frag cache: power of two");
_Static_assert((RASFLOW_FLOW_MIN_BUCKETS & (RASFLOW_FLOW_MIN_BUCKETS - 1)) == 0,
	       "buckets: power of two");
_Static_assert(RASFLOW_FLOW_MIN_BUCKETS >= 16, "index: at least 16 slots");

enum { EVB_EST = 1 << RASFLOW_EV_ESTABLISHED, EVB_RST = 1 << RASFLOW_EV_RST,
       EVB_ICMP = 1 << RASFLOW_EV_ICMP, EVB_SYN_RETRY = 1 << RASFLOW_EV_SYN_RETRY };

static inline bool is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP_ || proto == IPPROTO_ICMPV6_;
}

/* The flow in slot s (s >= 1). */
static inline struct rasflow_flow *at(const struct rasflow_flowtab *t, uint32_t s)
{
	return t->flows + (s - 1);
}

static inline void prefetch_w(const void *p)
{
	__builtin_prefetch(p, 1, 3);
}

static inline void sat8(uint8_t *v)
{
	if (*v != UINT8_MAX)
		(*v)++;
}

/* Seeded hash of two addresses and one extra word, in the order given. */
static uint32_t hash_words(uint64_t seed, const struct rasflow_addr *a,
			   const struct rasflow_addr *b, uint64_t w)
{
	uint64_t h = seed ^ w;

	h = rasflow_hash_round(h, rasflow_addr_half(a, 0));
	h = rasflow_hash_round(h, rasflow_addr_half(a, 1));
	h = rasflow_hash_round(h, rasflow_addr_half(b, 0));
	h = rasflow_hash_round(h, rasflow_addr_half(b, 1));
	return (uint32_t)rasflow_hash_final(h);
}

/* A total order of addresses (-1, 0, 1) for the canonical tuple: any
 * order does, so the host's words as they are, the low half (where IPv4
 * addresses differ) first. */
static inline int addr_order(const struct rasflow_addr *a, const struct rasflow_addr *b)
{
	uint64_t x = rasflow_addr_half(a, 1), y = rasflow_addr_half(b, 1);

	if (x == y) {
		x = rasflow_addr_half(a, 0);
		y = rasflow_addr_half(b, 0);
	}
	return (x > y) - (x < y);
}

/* Hash of the canonical tuple: the lower (address, port) end goes first, so
 * both directions of a flow hash alike. */
static inline uint32_t hash_tuple(const struct rasflow_flowtab *t, uint8_t proto,
			   const struct rasflow_addr *a, uint16_t ap,
			   const struct rasflow_addr *b, uint16_t bp)
{
	int c = addr_order(a, b);

	if (c > 0 || (c == 0 && ap > bp))
		return hash_words(t->o.seed, b, a, (uint64_t)proto << 32 | (uint64_t)bp << 16 | ap);
	return hash_words(t->o.seed, a, b, (uint64_t)proto << 32 | (uint64_t)ap << 16 | bp);
}

/* Is f the flow of (proto, a:ap, b:bp), in either direction? */
static inline bool same_key(const struct rasflow_flow *f, uint8_t proto,
			    const struct rasflow_addr *a, uint16_t ap,
			    const struct rasflow_addr *b, uint16_t bp)
{
	if (f->proto != proto)
		return false;
	if (f->sport == ap && f->dport == bp && rasflow_addr_eq(&f->src, a) && rasflow_addr_eq(&f->dst, b))
		return true;
	return f->sport == bp && f->dport == ap && rasflow_addr_eq(&f->src, b) && rasflow_addr_eq(&f->dst, a);
}

/* Probe from the hash's home slot to the first empty one; only flows whose
 * full hash matches are looked at. */
static struct rasflow_flow *lookup(const struct rasflow_flowtab *t, uint32_t h, uint8_t proto,
				   const struct rasflow_addr *a, uint16_t ap,
				   const struct rasflow_addr *b, uint16_t bp)
{
	size_t mask = t->nidx - 1;

	for (size_t i = h & mask; t->idx[i].slot != 0; i = (i + 1) & mask) {
		struct rasflow_flow *f;

		if (t->idx[i].hash != h)
			continue;
		f = at(t, t->idx[i].slot);
		if (same_key(f, proto, a, ap, b, bp))
			return f;
	}
	return NULL;
}

/* lookup(), trying first the slot the hint's index probe found (slot 0:
 * none). That flow may have ended since, and its slot been reused or not:
 * only a live flow (id != 0) with the same key is taken, and the table
 * never holds two live flows with one key. (Its hash is not compared: it
 * lies outside the two hot lines, and the key decides anyway.) */
static struct rasflow_flow *lookup_hinted(const struct rasflow_flowtab *t, uint32_t slot,
					  uint32_t h, uint8_t proto,
					  const struct rasflow_addr *a, uint16_t ap,
					  const struct rasflow_addr *b, uint16_t bp)
{
	if (slot != 0 && slot <= t->fresh) {
		struct rasflow_flow *f = at(t, slot);

		if (f->id != 0 && same_key(f, proto, a, ap, b, bp))
			return f;
	}
	return lookup(t, h, proto, a, ap, b, bp);
}

static void idx_insert(struct ient *idx, size_t n, uint32_t h, uint32_t slot)
{
	size_t i = h & (n - 1);

	while (idx[i].slot != 0)
		i = (i + 1) & (n - 1);
	idx[i].hash = h;
	idx[i].slot = slot;
}

/* Remove f's slot and close the gap by shifting later entries of the probe
 * run back (Knuth's algorithm R): no tombstones, so probes stay short. */
static void idx_remove(struct rasflow_flowtab *t, const struct rasflow_flow *f)
{
	size_t mask = t->nidx - 1;
	size_t i = f->hash & mask, j;

	while (t->idx[i].slot != f->slot)
		i = (i + 1) & mask;
	for (j = (i + 1) & mask; t->idx[j].slot != 0; j = (j + 1) & mask) {
		size_t k = t->idx[j].hash & mask;	/* home of the entry at j */

		/* it may move to the hole at i unless its home lies in (i, j] */
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			t->idx[i] = t->idx[j];
			i = j;
		}
	}
	t->idx[i].hash = 0;
	t->idx[i].slot = 0;
}

static enum tclass tclass_of(const struct rasflow_flow *f)
{
	if (f->proto == IPPROTO_TCP_) {
		if (f->rst[0] || f->rst[1] || (f->fin[0] && f->fin[1]))
			return TC_CLOSING;
		if (f->established || f->midstream || f->data[0] || f->data[1] ||
		    f->synack_unseen)
			return TC_EST;
		return TC_SYN;
	}
	return f->proto == IPPROTO_UDP_ ? TC_UDP : TC_OTHER;
}

/* An empty block from the pool, or a new one; NULL when out of memory. */
static struct qblock *block_get(struct rasflow_flowtab *t)
{
	struct qblock *b = t->qfree;

	if (b) {
		t->qfree = b->next;
	} else {
		size_t had = t->qba.committed;

		while (t->qba.committed < (t->qblocks + 1) * sizeof(*b))
			if (!rasflow_vm_grow(&t->qba))
				return NULL;
		t->st.bytes += t->qba.committed - had;
		b = (struct qblock *)t->qba.base + t->qblocks++;
	}
	b->next = NULL;
	return b;
}

static void block_put(struct rasflow_flowtab *t, struct qblock *b)
{
	b->next = t->qfree;
	t->qfree = b;
}

/* Give queue q a new empty tail block; false when out of memory. */
__attribute__((noinline))
static bool q_grow(struct rasflow_flowtab *t, struct cq *q)
{
	struct qblock *b = block_get(t);

	if (!b)
		return false;
	if (q->tail)
		q->tail->next = b;
	else
		q->head = b, q->hpos = 0;
	q->tail = b;
	q->tpos = 0;
	return true;
}

/* Record a touch of the flow in slot s at the tail of queue c; false (and
 * nothing changed) when a block is needed and none can be had. */
static inline bool q_append(struct rasflow_flowtab *t, int c, uint32_t s)
{
	struct cq *q = &t->q[c];
	struct qent *e;

	if (__builtin_expect(!q->tail || q->tpos == QBLOCK, 0) && !q_grow(t, q))
		return false;
	e = &q->tail->e[q->tpos++];
	e->slot = s;
	e->seq = ++t->seq;
	q->last = t->seq;
	t->qseq[s] = t->seq;
	t->qlen++;
	return true;
}

/* Drop the head entry of queue c (which is not empty). */
static void q_pop(struct rasflow_flowtab *t, int c)
{
	struct cq *q = &t->q[c];
	struct qblock *b = q->head;

	q->hpos++;
	t->qlen--;
	if (b == q->tail) {
		if (q->hpos == q->tpos) {
			block_put(t, b);
			q->head = q->tail = NULL;
		}
	} else if (q->hpos == QBLOCK) {
		q->head = b->next;
		q->hpos = 0;
		block_put(t, b);
	}
}

/* The slot of the oldest flow of class c, dropping stale entries before it;
 * 0 when the class has no flow. */
static uint32_t q_front(struct rasflow_flowtab *t, int c)
{
	struct cq *q = &t->q[c];

	while (q->head) {
		const struct qent *e = &q->head->e[q->hpos];

		if (t->qseq[e->slot] == e->seq)
			return e->slot;
		q_pop(t, c);
	}
	return 0;
}

/* Drop every stale entry, keeping the order of the others, number them
 * afresh, and give the blocks that frees back to the pool. */
__attribute__((noinline))
static void compact(struct rasflow_flowtab *t)
{
	t->qlen = 0;
	t->seq = 0;
	for (int c = 0; c < TC_COUNT; c++) {
		struct cq *q = &t->q[c];
		struct qblock *rb = q->head, *wb = q->head, *b;
		uint32_t ri = q->hpos, wi = q->hpos;

		q->last = 0;
		if (!rb)
			continue;
		for (;;) {
			uint32_t end = rb == q->tail ? q->tpos : QBLOCK;

			for (; ri < end; ri++) {
				if (t->qseq[rb->e[ri].slot] != rb->e[ri].seq)
					continue;
				if (wi == QBLOCK) {	/* the reader is ahead: wb->next exists */
					wb = wb->next;
					wi = 0;
				}
				wb->e[wi].slot = rb->e[ri].slot;
				wb->e[wi].seq = ++t->seq;
				t->qseq[rb->e[ri].slot] = t->seq;
				q->last = t->seq;
				wi++;
				t->qlen++;
			}
			if (rb == q->tail)
				break;
			rb = rb->next;
			ri = 0;
		}
		for (b = wb->next; b;) {
			struct qblock *n = b->next;

			block_put(t, b);
			b = n;
		}
		wb->next = NULL;
		q->tail = wb;
		q->tpos = wi;
		if (wb == q->head && wi == q->hpos) {
			block_put(t, wb);
			q->head = q->tail = NULL;
		}
	}
}

/* After appends: keep the queues within their bound. */
static inline void q_bound(struct rasflow_flowtab *t)
{
	if (__builtin_expect(t->qlen > 2 * t->st.active + QSLACK || t->seq >= QSEQ_MAX, 0))
		compact(t);
}

/* Mark activity: the flow moves to the young end of its (maybe new) class.
 * Already there (the class's latest flow, class unchanged): only the time.
 * Without memory for a queue block the flow keeps its place and class. */
static inline void touch(struct rasflow_flowtab *t, struct rasflow_flow *f)
{
	uint8_t c = (uint8_t)tclass_of(f);

	f->touched = t->now;
	if (c == f->end_state && t->qseq[f->slot] == t->q[c].last)
		return;
	if (!q_append(t, c, f->slot))
		return;
	f->end_state = c;
	q_bound(t);
}

static bool timed_out(const struct rasflow_flowtab *t, const struct rasflow_flow *f,
		      rasflow_ts now)
{
	return f->touched + t->tmo[f->end_state] <= now;
}

/* End f for its queue and counters and tell the hooks; its index entry and
 * slot are the caller's (end_flow, or the flush, which clears all at once). */
static void retire(struct rasflow_flowtab *t, struct rasflow_flow *f, enum rasflow_flow_end why)
{
	t->qseq[f->slot] = 0;			/* its queue entry is stale now */
	t->st.active--;
	t->st.ended++;
	if (t->h.on_end)
		t->h.on_end(t->h.user, f, why);
	f->id = 0;
}

/* Take the flow out of the table, tell the hooks, recycle its memory. */
static void end_flow(struct rasflow_flowtab *t, struct rasflow_flow *f, enum rasflow_flow_end why)
{
	idx_remove(t, f);
	retire(t, f, why);
	f->free_next = t->free_list;
	t->free_list = f->slot;
}

/* The least recently touched flow of class c, or NULL. */
static struct rasflow_flow *class_head(struct rasflow_flowtab *t, int c)
{
	uint32_t s = q_front(t, c);

	return s ? at(t, s) : NULL;
}

/* The class whose head was touched earliest, the lower class on a tie;
 * -1 when all are empty. */
static int earliest(struct rasflow_flow *const head[TC_COUNT])
{
	int b = -1;

	for (int c = 0; c < TC_COUNT; c++)
		if (head[c] && (b < 0 || head[c]->touched < head[b]->touched))
			b = c;
	return b;
}

/* The least recently touched flow of all classes, or NULL when empty. */
static struct rasflow_flow *oldest(struct rasflow_flowtab *t)
{
	struct rasflow_flow *head[TC_COUNT];
	int b;

	for (int c = 0; c < TC_COUNT; c++)
		head[c] = class_head(t, c);
	b = earliest(head);
	return b < 0 ? NULL : head[b];
}

/* A zeroed index of n slots; big ones in huge-page chunks. */
static struct ient *idx_alloc(size_t n)
{
	return rasflow_vm_zalloc(n, sizeof(struct ient));
}

static void update_bytes(struct rasflow_flowtab *t)
{
	t->st.bytes = sizeof(*t) + t->nidx * sizeof(*t->idx) + t->fa.committed +
		      t->qa.committed + t->qba.committed;
	t->st.buckets = t->nidx;
}

/* Double the index. Entries carry their hash, so no flow is touched. */
static bool grow(struct rasflow_flowtab *t)
{
	size_t n = t->nidx * 2;
	struct ient *ni = idx_alloc(n);

	if (!ni)
		return false;
	for (size_t i = 0; i < t->nidx; i++)
		if (t->idx[i].slot != 0)
			idx_insert(ni, n, t->idx[i].hash, t->idx[i].slot);
	rasflow_vm_zfree(t->idx, t->nidx, sizeof(*t->idx));
	t->idx = ni;
	t->nidx = n;
	update_bytes(t);
	return true;
}

/* Make more flow slots usable: a step of the flow array, and qseq for it.
 * False when neither can grow. */
static bool add_step(struct rasflow_flowtab *t)
{
	size_t n, nq, before = t->allocated;

	if (!rasflow_vm_grow(&t->fa))
		return false;
	n = t->fa.committed / sizeof(struct rasflow_flow);
	if (n > t->o.max_flows)
		n = t->o.max_flows;
	while (t->qa.committed / sizeof(*t->qseq) < n + 1 && rasflow_vm_grow(&t->qa))
		;
	nq = t->qa.committed / sizeof(*t->qseq);
	t->allocated = nq > 0 && nq - 1 < n ? nq - 1 : n;
	update_bytes(t);
	return t->allocated > before;
}

/* A zeroed flow: from the free list, a slot never used, a new step of the
 * array, or by evicting the LRU flow when the cap is reached (or the array
 * cannot grow). */
static struct rasflow_flow *alloc_flow(struct rasflow_flowtab *t)
{
	struct rasflow_flow *f;
	uint32_t s;

	if (!t->free_list && t->fresh == t->allocated &&
	    (t->allocated >= t->o.max_flows || !add_step(t))) {
		struct rasflow_flow *victim = oldest(t);

		if (!victim) {
			t->st.nomem++;
			return NULL;
		}
		t->st.evicted++;
		end_flow(t, victim, RASFLOW_END_EVICTED);
	}
	if (t->free_list) {
		s = t->free_list;
		f = at(t, s);
		t->free_list = f->free_next;
	} else {
		s = (uint32_t)++t->fresh;
		f = at(t, s);
	}
	memset(f, 0, sizeof(*f));
	f->slot = s;
	return f;
}

/* Create a flow with the given identity (initiator first) and put it in the
 * index and in its class queue. */
static struct rasflow_flow *new_flow(struct rasflow_flowtab *t, uint32_t h, uint8_t proto,
				     const struct rasflow_addr *src, uint16_t sport,
				     const struct rasflow_addr *dst, uint16_t dport)
{
	struct rasflow_flow *f;

	if (t->st.active + 1 > IDX_GROW(t->nidx) && t->nidx < t->max_idx)
		grow(t);
	if (t->st.active + 1 > IDX_FULL(t->nidx)) {
		t->st.nomem++;
		return NULL;
	}
	f = alloc_flow(t);
	if (!f)
		return NULL;
	f->proto = proto;
	f->end_state = (uint8_t)tclass_of(f);
	if (!q_append(t, f->end_state, f->slot)) {
		f->free_next = t->free_list;	/* no memory for its queue entry */
		t->free_list = f->slot;
		t->st.nomem++;
		return NULL;
	}
	f->id = ++t->next_id;
	f->src = *src;
	f->dst = *dst;
	f->sport = sport;
	f->dport = dport;
	f->hash = h;
	idx_insert(t->idx, t->nidx, h, f->slot);
	f->touched = t->now;
	t->st.created++;
	if (++t->st.active > t->st.peak)
		t->st.peak = t->st.active;
	q_bound(t);
	return f;
}

static bool svc_port(const struct rasflow_flowtab *t, uint8_t proto, uint16_t port)
{
	return t->h.is_service_port && t->h.is_service_port(t->h.user, proto, port);
}

/* Does the sender of the first packet p initiate its flow? Sets how that was
 * decided and whether the TCP flow was picked up mid-stream. sp/dp are the
 * packet's ports as keyed (0 for ICMP). */
static bool sender_initiates(const struct rasflow_flowtab *t, const struct rasflow_pkt *p,
			     uint16_t sp, uint16_t dp, uint8_t *dirsrc, bool *midstream)
{
	bool s, d;

	*midstream = false;
	if (p->proto == IPPROTO_TCP_) {
		uint8_t sa = p->tcp_flags & (RASFLOW_TCP_SYN | RASFLOW_TCP_ACK);

		if (sa == RASFLOW_TCP_SYN) {
			*dirsrc = RASFLOW_DIRSRC_SYN;
			return true;
		}
		*midstream = true;
		if (sa == (RASFLOW_TCP_SYN | RASFLOW_TCP_ACK)) {
			*dirsrc = RASFLOW_DIRSRC_SYNACK;
			return false;
		}
		s = svc_port(t, p->proto, sp);
		d = svc_port(t, p->proto, dp);
		if (s != d) {
			*dirsrc = RASFLOW_DIRSRC_PORT;
			return d;
		}
		if (sp != dp) {
			*dirsrc = RASFLOW_DIRSRC_LOWPORT;
			return dp < sp;
		}
		*dirsrc = RASFLOW_DIRSRC_FIRST;
		return true;
	}
	if (sp != 0 || dp != 0) {
		s = svc_port(t, p->proto, sp);
		d = svc_port(t, p->proto, dp);
		if (s != d) {
			*dirsrc = RASFLOW_DIRSRC_PORT;
			return d;
		}
	}
	*dirsrc = RASFLOW_DIRSRC_FIRST;
	return true;
}

static void set_identity(struct rasflow_flow *f, const struct rasflow_pkt *p, uint16_t sp,
			 uint16_t dp, bool sender_init)
{
	if (sender_init) {
		f->src = p->src;
		f->dst = p->dst;
		f->sport = sp;
		f->dport = dp;
	} else {
		f->src = p->dst;
		f->dst = p->src;
		f->sport = dp;
		f->dport = sp;
	}
}

/* A pure SYN on an existing TCP flow: is it a new connection on the same
 * tuple rather than a retransmission? Yes when the old one was closed (FIN
 * both ways, or RST after it was established) or was only mid-stream
 * leftovers without any handshake packet. A refused attempt (RST before
 * established) keeps its re-SYNs, like an unanswered one. */
static bool tcp_new_attempt(const struct rasflow_flow *f)
{
	if (f->pkts[0] == 0 && f->pkts[1] == 0)
		return false;			/* made by an ICMP error: adopt */
	if (f->syn == 0 && f->synack == 0)
		return true;
	if (f->fin[0] && f->fin[1])
		return true;
	return (f->rst[0] || f->rst[1]) && f->established;
}

/* TCP state for one packet in direction dir; returns the events it raises. */
static unsigned tcp_update(struct rasflow_flow *f, const struct rasflow_pkt *p, int dir)
{
	uint8_t fl = p->tcp_flags;
	uint8_t sa = fl & (RASFLOW_TCP_SYN | RASFLOW_TCP_ACK);
	unsigned ev = 0;

	if (fl & RASFLOW_TCP_RST) {
		if (f->rst[dir] == 0)
			ev |= EVB_RST;
		sat8(&f->rst[dir]);
		if (!f->established)
			f->rst_before_est = true;
	}
	if (sa == RASFLOW_TCP_SYN) {
		if (dir == RASFLOW_DIR_FWD) {
			sat8(&f->syn);
			f->midstream = false;
			if (f->syn > 1 && !f->established)
				ev |= EVB_SYN_RETRY;
		}
	} else if (sa == (RASFLOW_TCP_SYN | RASFLOW_TCP_ACK)) {
		if (dir == RASFLOW_DIR_REV)
			sat8(&f->synack);
	} else if (sa == RASFLOW_TCP_ACK && !(fl & RASFLOW_TCP_RST) && dir == RASFLOW_DIR_FWD &&
		   !f->established && f->syn) {
		if (f->synack) {
			f->established = true;
			ev |= EVB_EST;
		} else if (!f->synack_unseen) {
			/* a stack ACKs only a SYN/ACK it received: the capture
			 * missed it (a one-way mirror, asymmetric routing) */
			f->synack_unseen = true;
			ev |= EVB_EST;
		}
	}
	if (fl & RASFLOW_TCP_FIN)
		sat8(&f->fin[dir]);
	return ev;
}

/* Per-direction counters shared by whole packets and later fragments. */
static void count(struct rasflow_flow *f, const struct rasflow_pkt *p, int dir, rasflow_ts ts)
{
	if (f->pkts[dir] != UINT32_MAX)
		f->pkts[dir]++;
	f->bytes[dir] += p->ip_len;
	if (f->pkts[dir] == 1) {
		f->first[dir] = ts;
		f->last[dir] = ts;
	} else {
		if (ts < f->first[dir])
			f->first[dir] = ts;
		if (ts > f->last[dir])
			f->last[dir] = ts;
	}
	if (p->payload_wire > 0)
		f->data[dir] = true;
}

__attribute__((noinline, cold))
static void fire(struct rasflow_flowtab *t, struct rasflow_flow *f, unsigned ev, rasflow_ts ts)
{
	if (!t->h.on_event)
		return;
	for (int e = RASFLOW_EV_ESTABLISHED; e <= RASFLOW_EV_SYN_RETRY; e++)
		if (ev & (1u << e))
			t->h.on_event(t->h.user, f, e, ts);
}

static struct frag_ent *frag_slot(struct rasflow_flowtab *t, const struct rasflow_pkt *p)
{
	uint32_t h = hash_words(t->o.seed, &p->src, &p->dst, (uint64_t)p->proto << 32 | p->frag_id);

	return &t->frag[h & (RASFLOW_FRAG_CACHE - 1)];
}

/* A later fragment: count it to the flow of its first fragment, if known. */
__attribute__((noinline, cold))
static struct rasflow_flow *later_fragment(struct rasflow_flowtab *t, const struct rasflow_pkt *p,
					   rasflow_ts ts)
{
	struct frag_ent *e = frag_slot(t, p);
	struct rasflow_flow *f = e->f;

	if (!f || f->id != e->fid || e->frag_id != p->frag_id || e->proto != p->proto ||
	    !rasflow_addr_eq(&e->src, &p->src) || !rasflow_addr_eq(&e->dst, &p->dst)) {
		t->st.frags_orphan++;
		return NULL;
	}
	count(f, p, e->dir, ts);
	f->frags_later++;
	touch(t, f);
	return f;
}

/* The hash of the flow an ICMP error quotes. */
__attribute__((noinline, cold))
static uint32_t quoted_hash(const struct rasflow_flowtab *t, const struct rasflow_quoted *q)
{
	uint16_t sp = is_icmp(q->proto) ? 0 : q->sport;
	uint16_t dp = is_icmp(q->proto) ? 0 : q->dport;

	return hash_tuple(t, q->proto, &q->src, sp, &q->dst, dp);
}

/* An ICMP destination unreachable: attach it to the flow it quotes, making
 * that flow (with no packets) when it is not in the table. */
__attribute__((noinline, cold))
static struct rasflow_flow *icmp_error(struct rasflow_flowtab *t, const struct rasflow_pkt *p,
				       rasflow_ts ts, const uint32_t *hash)
{
	const struct rasflow_quoted *q = &p->quoted;
	uint16_t sp = is_icmp(q->proto) ? 0 : q->sport;
	uint16_t dp = is_icmp(q->proto) ? 0 : q->dport;
	uint32_t h = hash ? *hash : quoted_hash(t, q);
	struct rasflow_flow *f = lookup(t, h, q->proto, &q->src, sp, &q->dst, dp);
	bool orphan = false;

	if (f && timed_out(t, f, t->now)) {
		t->st.expired++;
		end_flow(t, f, RASFLOW_END_TIMEOUT);
		f = NULL;
	}
	if (!f) {
		f = new_flow(t, h, q->proto, &q->src, sp, &q->dst, dp);
		if (!f)
			return NULL;
		f->dirsrc = RASFLOW_DIRSRC_ICMP;
		t->st.icmp_orphan++;
		orphan = true;
	} else {
		t->st.icmp_attached++;
	}
	if (f->icmp_errors == 0) {
		f->icmp_type = p->icmp_type;
		f->icmp_code = p->icmp_code;
		f->icmp_from = p->src;
		f->icmp_first = ts;
	}
	if (f->icmp_errors != UINT16_MAX)
		f->icmp_errors++;
	touch(t, f);
	if (orphan && t->h.on_new)
		t->h.on_new(t->h.user, f, p);
	if (f->icmp_errors == 1)
		fire(t, f, EVB_ICMP, ts);
	return f;
}

/* The packet clock passed the next sweep: expire. */
__attribute__((noinline))
static void sweep(struct rasflow_flowtab *t)
{
	rasflow_flowtab_expire(t, t->now);
	t->next_sweep = t->now + RASFLOW_FLOW_SWEEP_US;
}

/* The flow p found has timed out, or p is a pure SYN on a closed TCP
 * tuple: end it, so that p starts a new one. False when f stays (the
 * caller calls this only for a flow past its timeout or a SYN). */
__attribute__((noinline))
static bool replaced(struct rasflow_flowtab *t, struct rasflow_flow *f, const struct rasflow_pkt *p)
{
	if (timed_out(t, f, t->now)) {
		t->st.expired++;
		end_flow(t, f, RASFLOW_END_TIMEOUT);
		return true;
	}
	if (p->proto == IPPROTO_TCP_ &&
	    (p->tcp_flags & (RASFLOW_TCP_SYN | RASFLOW_TCP_ACK)) == RASFLOW_TCP_SYN &&
	    tcp_new_attempt(f)) {
		t->st.tcp_reuse++;
		end_flow(t, f, RASFLOW_END_TIMEOUT);
		return true;
	}
	return false;
}

/* A new flow for the first packet p of its conversation, oriented. */
__attribute__((noinline))
static struct rasflow_flow *first_packet(struct rasflow_flowtab *t, const struct rasflow_pkt *p,
					 uint32_t h, uint16_t sp, uint16_t dp)
{
	struct rasflow_flow *f;
	uint8_t dirsrc;
	bool mid;
	bool init = sender_initiates(t, p, sp, dp, &dirsrc, &mid);

	if (init)
		f = new_flow(t, h, p->proto, &p->src, sp, &p->dst, dp);
	else
		f = new_flow(t, h, p->proto, &p->dst, dp, &p->src, sp);
	if (!f)
		return NULL;
	f->dirsrc = dirsrc;
	f->midstream = mid;
	f->nvlan = p->nvlan;
	return f;
}

/* First packet of a TCP flow an ICMP error made: a SYN or SYN/ACK says
 * who initiated better than the quote did. */
__attribute__((noinline, cold))
static void adopt(struct rasflow_flow *f, const struct rasflow_pkt *p, uint16_t sp, uint16_t dp)
{
	uint8_t sa = p->tcp_flags & (RASFLOW_TCP_SYN | RASFLOW_TCP_ACK);

	if (sa == RASFLOW_TCP_SYN || sa == (RASFLOW_TCP_SYN | RASFLOW_TCP_ACK)) {
		set_identity(f, p, sp, dp, sa == RASFLOW_TCP_SYN);
		f->dirsrc = sa == RASFLOW_TCP_SYN ? RASFLOW_DIRSRC_SYN : RASFLOW_DIRSRC_SYNACK;
	}
	f->midstream = sa != RASFLOW_TCP_SYN;
	f->nvlan = p->nvlan;
}

/* A first fragment: remember its flow for the fragments after it. */
__attribute__((noinline, cold))
static void first_fragment(struct rasflow_flowtab *t, const struct rasflow_pkt *p,
			   struct rasflow_flow *f, int dir)
{
	struct frag_ent *e = frag_slot(t, p);

	e->src = p->src;
	e->dst = p->dst;
	e->frag_id = p->frag_id;
	e->proto = p->proto;
	e->dir = (uint8_t)dir;
	e->f = f;
	e->fid = f->id;
}

/* Order of hook calls for one packet: on_end of a flow it replaces (timed
 * out, reused tuple, evicted), on_new, on_packet (while want_pkts), then
 * on_event. Events fire once per cause: the first RST in each direction, the
 * first ICMP error, each SYN retransmission before establishment. hash, when
 * not NULL, is the hash of the tuple the packet looks up. The rare cases are
 * out-of-line functions so that the common one (a known flow) keeps few
 * registers. */
static inline struct rasflow_flow *packet(struct rasflow_flowtab *t, const struct rasflow_pkt *p,
					  rasflow_ts ts, const uint32_t *hash, uint32_t slot)
{
	struct rasflow_flow *f;
	uint16_t sp, dp;
	uint32_t h;
	bool isnew = false;
	unsigned ev = 0;
	int dir;

	if (ts > t->now)
		t->now = ts;
	if (__builtin_expect(t->now >= t->next_sweep, 0))
		sweep(t);
	if (p->frag == RASFLOW_FRAG_LATER)
		return later_fragment(t, p, ts);
	if (p->icmp_unreach && is_icmp(p->proto))
		return icmp_error(t, p, ts, hash);

	sp = is_icmp(p->proto) ? 0 : p->sport;
	dp = is_icmp(p->proto) ? 0 : p->dport;
	h = hash ? *hash : hash_tuple(t, p->proto, &p->src, sp, &p->dst, dp);
	f = lookup_hinted(t, slot, h, p->proto, &p->src, sp, &p->dst, dp);
	if (f && (timed_out(t, f, t->now) ||
		  (p->tcp_flags & (RASFLOW_TCP_SYN | RASFLOW_TCP_ACK)) == RASFLOW_TCP_SYN) &&
	    replaced(t, f, p))
		f = NULL;
	if (!f) {
		f = first_packet(t, p, h, sp, dp);
		if (!f)
			return NULL;
		isnew = true;
	} else if (f->pkts[0] == 0 && f->pkts[1] == 0 && p->proto == IPPROTO_TCP_) {
		adopt(f, p, sp, dp);
	}

	dir = (f->sport == sp && rasflow_addr_eq(&f->src, &p->src)) ? RASFLOW_DIR_FWD : RASFLOW_DIR_REV;
	count(f, p, dir, ts);
	if (p->proto == IPPROTO_TCP_)
		ev = tcp_update(f, p, dir);
	touch(t, f);
	if (p->frag == RASFLOW_FRAG_FIRST)
		first_fragment(t, p, f, dir);
	if (isnew && t->h.on_new)
		t->h.on_new(t->h.user, f, p);
	if (f->want_pkts && t->h.on_packet)
		t->h.on_packet(t->h.user, f, p, dir, ts);
	if (ev)
		fire(t, f, ev, ts);
	return f;
}

struct rasflow_flow *rasflow_flowtab_packet(struct rasflow_flowtab *t, const struct rasflow_pkt *p,
					    rasflow_ts ts)
{
	struct rasflow_flow_hint none = { .hashed = false };

	return rasflow_flowtab_packet_hinted(t, p, ts, &none);
}

struct rasflow_flow *rasflow_flowtab_packet_hinted(struct rasflow_flowtab *t,
						   const struct rasflow_pkt *p, rasflow_ts ts,
						   const struct rasflow_flow_hint *h)
{
	return packet(t, p, ts, h->hashed ? &h->hash : NULL, h->hashed ? h->slot : 0);
}

/* The hash of the tuple rasflow_flowtab_packet will look up for p (none
 * for a later fragment), and its index slot's line loading. */
void rasflow_flowtab_hint(const struct rasflow_flowtab *t, const struct rasflow_pkt *p,
			  struct rasflow_flow_hint *h)
{
	h->slot = 0;
	if (p->frag == RASFLOW_FRAG_LATER) {
		h->hash = 0;
		h->stage = 2;
		h->hashed = false;
		return;
	}
	if (p->icmp_unreach && is_icmp(p->proto)) {
		h->hash = quoted_hash(t, &p->quoted);
	} else {
		bool icmp = is_icmp(p->proto);

		h->hash = hash_tuple(t, p->proto, &p->src, icmp ? 0 : p->sport, &p->dst,
				     icmp ? 0 : p->dport);
	}
	__builtin_prefetch(&t->idx[h->hash & (t->nidx - 1)], 0, 3);
	h->stage = 1;
	h->hashed = true;
}

/* Find the flow by hash alone (the index line is loaded by now) and load
 * the two lines that hold its hot fields (flow.h) and its qseq word, which
 * touch() reads. */
void rasflow_flowtab_hint_step(const struct rasflow_flowtab *t, struct rasflow_flow_hint *h)
{
	size_t mask = t->nidx - 1;

	if (h->stage != 1)
		return;
	h->stage = 2;
	for (size_t i = h->hash & mask; t->idx[i].slot != 0; i = (i + 1) & mask) {
		if (t->idx[i].hash == h->hash) {
			const char *f = (const char *)at(t, t->idx[i].slot);

			h->slot = t->idx[i].slot;
			prefetch_w(f);
			prefetch_w(f + 64);
			prefetch_w(&t->qseq[h->slot]);
			return;
		}
	}
}

/* Pop expired heads of the class queues, earliest deadline first, so flows
 * end in the order their timeouts fell due. */
void rasflow_flowtab_expire(struct rasflow_flowtab *t, rasflow_ts now)
{
	for (;;) {
		struct rasflow_flow *best = NULL;
		rasflow_ts best_dl = 0;

		for (int c = 0; c < TC_COUNT; c++) {
			uint32_t s = q_front(t, c);
			struct rasflow_flow *f;
			rasflow_ts dl;

			if (s == 0)
				continue;
			f = at(t, s);
			dl = f->touched + t->tmo[c];
			if (dl <= now && (!best || dl < best_dl)) {
				best = f;
				best_dl = dl;
			}
		}
		if (!best)
			return;
		t->st.expired++;
		end_flow(t, best, RASFLOW_END_TIMEOUT);
	}
}

/* The flush has ended every flow in the first `end` bytes of the flow
 * array: give the CHUNKs wholly inside them, from chunk `done` on, back to
 * the kernel (what the hooks build meanwhile gets those pages, already in
 * use by the process, instead of fresh ones; flow slots there read as zero
 * again). Only big tables, whose array steps by CHUNKs. Returns the chunks
 * given back so far. */
static size_t release_below(struct rasflow_flowtab *t, size_t done, size_t end)
{
	if (!t->fa.huge)
		return done;
	if (end > t->fa.committed)
		end = t->fa.committed;
	for (; (done + 1) * CHUNK <= end; done++)
		madvise(t->fa.base + done * CHUNK, CHUNK, MADV_DONTNEED);
	return done;
}

/* Empty the class queues at once (every entry is stale: no flow is left).
 * The sequence numbers go on: a queue's `last` must not match the 0 in a
 * new flow's qseq word. */
static void q_clear(struct rasflow_flowtab *t)
{
	for (int c = 0; c < TC_COUNT; c++) {
		struct cq *q = &t->q[c];

		for (struct qblock *b = q->head, *n; b; b = n) {
			n = b->next;
			block_put(t, b);
		}
		q->head = q->tail = NULL;
		q->hpos = q->tpos = 0;
	}
	t->qlen = 0;
}

/* Ends flows in slot order: a walk of the flow array from its start, so the
 * memory of each chunk goes back to the kernel as soon as the walk has
 * passed it, and what the hooks build meanwhile (the analysis's edge table)
 * reuses it. Ending them least recently touched first instead ended the
 * last flow of the first chunk near the end, so nothing went back before
 * the hooks had built everything (docs/performance.md, "Seventh session").
 * The order is that of slots, not of time: hooks must not depend on it
 * (flow.h). As every flow goes, the index and the queues are cleared once
 * at the end, and the slots are handed out again from the first. */
void rasflow_flowtab_flush(struct rasflow_flowtab *t, enum rasflow_flow_end why)
{
	size_t released = 0;		/* chunks given back */

	for (size_t s = 1; s <= t->fresh; s++) {
		struct rasflow_flow *f = at(t, (uint32_t)s);

		if (f->id != 0) {	/* else free */
			if (why == RASFLOW_END_EVICTED)
				t->st.evicted++;
			else if (why == RASFLOW_END_TIMEOUT)
				t->st.expired++;
			retire(t, f, why);
		}
		released = release_below(t, released, s * sizeof(*f));
	}
	release_below(t, released, t->fa.committed);
	q_clear(t);
	memset(t->idx, 0, t->nidx * sizeof(*t->idx));
	t->free_list = 0;
	t->fresh = 0;
}

void rasflow_flowtab_default_opts(struct rasflow_flowtab_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_flows = RASFLOW_DEF_MAX_FLOWS;
	o->to.syn = RASFLOW_DEF_TO_SYN;
	o->to.established = RASFLOW_DEF_TO_ESTABLISHED;
	o->to.closing = RASFLOW_DEF_TO_CLOSING;
	o->to.udp = RASFLOW_DEF_TO_UDP;
	o->to.other = RASFLOW_DEF_TO_OTHER;
	o->seed = RASFLOW_DEF_FLOW_SEED;
}

void rasflow_flowtab_set_hooks(struct rasflow_flowtab *t, const struct rasflow_flow_hooks *h)
{
	if (h)
		t->h = *h;
	else
		memset(&t->h, 0, sizeof(t->h));
}

/* max_flows 0 means the default cap. */
struct rasflow_flowtab *rasflow_flowtab_new(const struct rasflow_flowtab_opts *o,
					    const struct rasflow_flow_hooks *hooks)
{
	struct rasflow_flowtab *t = calloc(1, sizeof(*t));
	size_t page;
	bool huge;

	if (!t)
		return NULL;
	if (o)
		t->o = *o;
	else
		rasflow_flowtab_default_opts(&t->o);
	if (t->o.max_flows == 0)
		t->o.max_flows = RASFLOW_DEF_MAX_FLOWS;
	if (t->o.max_flows > UINT32_MAX / 2)
		t->o.max_flows = UINT32_MAX / 2;	/* slot numbers are 32 bits */
	t->max_idx = RASFLOW_FLOW_MIN_BUCKETS;
	while (IDX_GROW(t->max_idx) < t->o.max_flows)
		t->max_idx *= 2;
	huge = t->o.max_flows * sizeof(struct rasflow_flow) >= 2 * CHUNK;
	page = (size_t)sysconf(_SC_PAGESIZE);
	t->nidx = RASFLOW_FLOW_MIN_BUCKETS;
	t->idx = idx_alloc(t->nidx);
	if (!t->idx ||
	    !rasflow_vm_reserve(&t->fa, t->o.max_flows * sizeof(struct rasflow_flow),
			huge ? CHUNK : (SLAB_BYTES + page - 1) / page * page, huge) ||
	    !rasflow_vm_reserve(&t->qa, (t->o.max_flows + 1) * sizeof(*t->qseq),
			huge ? CHUNK : page, huge) ||
	    !rasflow_vm_reserve(&t->qba, QBLOCKS_MAX(t->o.max_flows) * sizeof(struct qblock),
			huge ? CHUNK : page, huge)) {
		rasflow_vm_free(&t->fa);
		rasflow_vm_free(&t->qa);
		rasflow_vm_zfree(t->idx, t->nidx, sizeof(*t->idx));
		free(t);
		return NULL;
	}
	t->flows = (struct rasflow_flow *)t->fa.base;
	t->qseq = (uint32_t *)t->qa.base;
	t->tmo[TC_SYN] = (rasflow_ts)t->o.to.syn * 1000000;
	t->tmo[TC_EST] = (rasflow_ts)t->o.to.established * 1000000;
	t->tmo[TC_CLOSING] = (rasflow_ts)t->o.to.closing * 1000000;
	t->tmo[TC_UDP] = (rasflow_ts)t->o.to.udp * 1000000;
	t->tmo[TC_OTHER] = (rasflow_ts)t->o.to.other * 1000000;
	rasflow_flowtab_set_hooks(t, hooks);
	update_bytes(t);
	return t;
}

void rasflow_flowtab_free(struct rasflow_flowtab *t)
{
	if (!t)
		return;
	rasflow_vm_free(&t->fa);
	rasflow_vm_free(&t->qa);
	rasflow_vm_free(&t->qba);
	rasflow_vm_zfree(t->idx, t->nidx, sizeof(*t->idx));
	free(t);
}

const struct rasflow_flowtab_stats *rasflow_flowtab_stats(const struct rasflow_flowtab *t)
{
	return &t->st;
}

/* Walks the five class queues: every flow in the table once, in no useful
 * order. */
void rasflow_flowtab_foreach(struct rasflow_flowtab *t,
			     void (*fn)(void *user, struct rasflow_flow *f), void *user)
{
	for (int c = 0; c < TC_COUNT; c++) {
		const struct cq *q = &t->q[c];

		for (const struct qblock *b = q->head; b; b = b->next) {
			uint32_t i = b == q->head ? q->hpos : 0;
			uint32_t end = b == q->tail ? q->tpos : QBLOCK;

			for (; i < end; i++)
				if (t->qseq[b->e[i].slot] == b->e[i].seq)
					fn(user, at(t, b->e[i].slot));
		}
	}
}
