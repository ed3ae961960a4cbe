/* flow.h — the bidirectional flow table with TCP state.
 *
 * A flow is keyed on (address, port) pairs in canonical order plus the IP
 * protocol; each packet gets a direction bit. The table has a seeded hash,
 * power-of-two buckets, a hard cap with LRU eviction, and per-protocol,
 * per-state timeouts measured in packet time (so offline runs reproduce).
 * Results leave only through the hooks; the fast path neither allocates per
 * packet nor logs. This module does not classify flows or know about roles.
 */
#ifndef RASFLOW_FLOW_H
#define RASFLOW_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rasflow/addr.h"
#include "rasflow/decode.h"

/* Directions are relative to the initiator. */
enum { RASFLOW_DIR_FWD = 0, RASFLOW_DIR_REV = 1 };

/* How the initiator was chosen. */
enum rasflow_dirsrc {
	RASFLOW_DIRSRC_SYN,		/* it sent the SYN */
	RASFLOW_DIRSRC_SYNACK,		/* only the SYN/ACK was seen: its receiver initiated */
	RASFLOW_DIRSRC_PORT,		/* the other end uses a port the matrix says a role listens on */
	RASFLOW_DIRSRC_LOWPORT,		/* the other end has the lower port */
	RASFLOW_DIRSRC_FIRST,		/* first sender (UDP and other IP protocols) */
	RASFLOW_DIRSRC_ICMP,		/* known only from an ICMP error quoting it */
};

enum rasflow_flow_end {
	RASFLOW_END_TIMEOUT,		/* idle past its timeout, or closed and drained */
	RASFLOW_END_EVICTED,		/* pushed out by the --max-flows cap */
	RASFLOW_END_EOF,		/* still open when the capture ended */
};

/* Timestamps are microseconds since the epoch, from packet headers. */
typedef uint64_t rasflow_ts;

struct rasflow_flow {
	/* Laid out hottest first for the per-packet path (lookup compares the
	 * identity, every packet updates the counters and the TCP state): all
	 * of it lies in the first 128 bytes (up to id). A flow is 192 bytes and
	 * the table's array starts on a page, so those are two cache lines. */

	/* identity, as initiator -> responder */
	struct rasflow_addr src, dst;	/* initiator, responder */
	uint16_t sport, dport;		/* 0 for protocols without ports */
	uint8_t proto;			/* IP protocol */
	uint8_t dirsrc;			/* enum rasflow_dirsrc */
	uint8_t nvlan;			/* VLAN tags on the first packet */
	uint8_t end_state;		/* internal state for timeouts */

	/* per direction, [RASFLOW_DIR_FWD] = initiator -> responder */
	uint32_t pkts[2];

	/* table bookkeeping: not for users */
	rasflow_ts touched;		/* latest packet time (never going back) it was touched */

	uint64_t bytes[2];		/* IP bytes on the wire */
	rasflow_ts first[2], last[2];	/* 0 when that direction saw nothing */

	/* TCP */
	uint8_t syn;			/* SYNs from the initiator (1 + retransmissions), saturating */
	uint8_t synack;			/* SYN/ACKs from the responder, saturating */
	uint8_t rst[2];			/* RSTs per direction, saturating */
	uint8_t fin[2];			/* FINs per direction, saturating */
	bool established;		/* SYN, SYN/ACK and the initiator's ACK all seen */
	bool midstream;			/* no SYN seen: the capture began after the handshake */
	bool rst_before_est;		/* a RST arrived before the handshake completed */
	bool data[2];			/* payload seen in that direction */
	bool want_pkts;			/* on_packet is called while set */
	uint32_t slot;			/* table bookkeeping: its own slot number, from 1 */

	uint64_t id;			/* serial number in creation order, from 1; 0 once freed */
	union {				/* table bookkeeping: not for users */
		uint32_t hash;		/* while in use */
		uint32_t free_next;	/* while free: the next free slot */
	};
	uint32_t frags_later;		/* non-first fragments attributed to this flow */
	void *dpi;			/* DPI state, owned by the DPI module; NULL when done */
	uint32_t user;			/* free for the hooks' owner */

	/* application protocol (filled by the DPI module through the hooks) */
	uint16_t app_master, app_proto;	/* nDPI ids; 0 = unknown */
	uint64_t app_risk;		/* nDPI risk bits of the flow (dpi.c) */
	uint8_t app_state;		/* 0 none, 1 guessed by port, 2 detected */

	/* ICMP / ICMPv6 destination unreachable quoting this flow */
	uint8_t icmp_type, icmp_code;	/* of the first one */
	/* TCP, kept in a hole of the cold line (set at most once a flow): the
	 * initiator ACKed after its SYN while no SYN/ACK was captured, so the
	 * handshake completed on a path the capture does not see */
	bool synack_unseen;
	uint16_t icmp_errors;		/* saturating */
	rasflow_ts icmp_first;
	struct rasflow_addr icmp_from;	/* who sent the first one (target or a router) */
};

/* Time of the flow's first packet, either way; 0 when it has none (a flow
 * made by an ICMP error). */
static inline rasflow_ts rasflow_flow_start(const struct rasflow_flow *f)
{
	rasflow_ts a = f->first[0], b = f->first[1];

	return a == 0 || (b != 0 && b < a) ? b : a;
}

/* Callbacks; any may be NULL. `user` is passed back unchanged. */
struct rasflow_flow_hooks {
	void *user;
	/* Is (proto, port) a port some role listens on? Used to orient flows
	 * whose handshake was not captured. */
	bool (*is_service_port)(void *user, uint8_t proto, uint16_t port);
	/* A flow was created by this packet (already counted). For a flow made
	 * by an ICMP error (dirsrc ICMP, no packets yet) p is that ICMP packet. */
	void (*on_new)(void *user, struct rasflow_flow *f, const struct rasflow_pkt *p);
	/* A packet of a flow with want_pkts set; dir is RASFLOW_DIR_*. */
	void (*on_packet)(void *user, struct rasflow_flow *f, const struct rasflow_pkt *p,
			  int dir, rasflow_ts ts);
	/* Something an operator would want to hear about at once: the handshake
	 * completed (or the initiator ACKed a SYN/ACK the capture missed:
	 * synack_unseen), a RST, an ICMP error, a SYN retransmission. Fired once per
	 * cause: the first RST in each direction, the first ICMP error, every
	 * SYN retransmission before the handshake completes. */
	void (*on_event)(void *user, struct rasflow_flow *f, int event, rasflow_ts ts);
	/* The flow leaves the table; it is freed right after. Flows end in
	 * time order (TCP close, timeout, eviction), except at a flush. */
	void (*on_end)(void *user, struct rasflow_flow *f, enum rasflow_flow_end why);
};

enum { RASFLOW_EV_ESTABLISHED, RASFLOW_EV_RST, RASFLOW_EV_ICMP, RASFLOW_EV_SYN_RETRY };

/* Timeouts in seconds of packet time. */
struct rasflow_timeouts {
	uint32_t syn;		/* handshake not completed */
	uint32_t established;	/* TCP established, idle */
	uint32_t closing;	/* after FIN both ways or RST */
	uint32_t udp;
	uint32_t other;		/* ICMP and other IP protocols */
};

struct rasflow_flowtab_opts {
	size_t max_flows;		/* hard cap; LRU eviction beyond it */
	struct rasflow_timeouts to;
	uint64_t seed;			/* hash seed */
};

struct rasflow_flowtab_stats {
	uint64_t created, ended, evicted, expired;
	uint64_t icmp_attached;		/* ICMP errors matched to a flow */
	uint64_t icmp_orphan;		/* ICMP errors that created the flow they quote */
	uint64_t frags_orphan;		/* later fragments with no flow to attribute */
	uint64_t tcp_reuse;		/* flows ended because a new SYN reused their closed tuple */
	uint64_t nomem;			/* packets dropped: no memory for a new flow */
	size_t active, peak, buckets;
	size_t bytes;			/* memory held by the table and its flows */
};

struct rasflow_flowtab;

void rasflow_flowtab_default_opts(struct rasflow_flowtab_opts *o);
struct rasflow_flowtab *rasflow_flowtab_new(const struct rasflow_flowtab_opts *o,
					    const struct rasflow_flow_hooks *hooks);
/* Frees remaining flows without calling on_end (flush first for that). */
void rasflow_flowtab_free(struct rasflow_flowtab *t);

/* Account one decoded packet: find or create its flow, update state, attach
 * ICMP errors to the flow they quote, run due expiry. Returns the flow, or
 * NULL when the packet belongs to none. wirelen is the frame's length. */
struct rasflow_flow *rasflow_flowtab_packet(struct rasflow_flowtab *t, const struct rasflow_pkt *p,
					    rasflow_ts ts);

/* Read-ahead for a packet that will reach rasflow_flowtab_packet a few
 * packets later: rasflow_flowtab_hint starts loading its index slot, each
 * rasflow_flowtab_hint_step the next thing the packet will touch (its flow).
 * Only cache hints: the table is not changed, and a stale hint costs
 * nothing but the wasted load. */
struct rasflow_flow_hint {
	uint32_t hash;			/* of the tuple the packet looks up, when hashed */
	uint32_t slot;			/* flow found in the index, 0 = none yet */
	uint8_t stage;			/* next step to take; 2 = nothing left */
	bool hashed;			/* hash is valid */
};

void rasflow_flowtab_hint(const struct rasflow_flowtab *t, const struct rasflow_pkt *p,
			  struct rasflow_flow_hint *h);
void rasflow_flowtab_hint_step(const struct rasflow_flowtab *t, struct rasflow_flow_hint *h);

/* rasflow_flowtab_packet for a packet whose hint h was made by this table:
 * the same, minus computing the hash again. */
struct rasflow_flow *rasflow_flowtab_packet_hinted(struct rasflow_flowtab *t,
						   const struct rasflow_pkt *p, rasflow_ts ts,
						   const struct rasflow_flow_hint *h);

/* End every flow idle past its timeout at packet time `now`. */
void rasflow_flowtab_expire(struct rasflow_flowtab *t, rasflow_ts now);

/* End all flows with the given reason (end of capture: RASFLOW_END_EOF),
 * in slot order, which is neither creation nor time order: on_end must not
 * depend on it (the analysis keeps its "first" attributes by packet time).
 * A big table's flow memory goes back to the kernel as it empties, so what
 * on_end builds reuses it; the table stays usable. */
void rasflow_flowtab_flush(struct rasflow_flowtab *t, enum rasflow_flow_end why);

/* Replace the hooks (monitor's SIGHUP reload keeps the flows). */
void rasflow_flowtab_set_hooks(struct rasflow_flowtab *t, const struct rasflow_flow_hooks *h);

/* Call fn for every flow in the table (monitor: open flows count as traffic).
 * fn must not add, end or touch flows. */
void rasflow_flowtab_foreach(struct rasflow_flowtab *t,
			     void (*fn)(void *user, struct rasflow_flow *f), void *user);

const struct rasflow_flowtab_stats *rasflow_flowtab_stats(const struct rasflow_flowtab *t);

#endif
