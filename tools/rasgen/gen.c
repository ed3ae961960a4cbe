/* gen.c — turns rasgen scenario events into frames, built with libnet.
 *
 * libnet (initialised with LIBNET_NONE: build only, no device) builds the
 * TCP/UDP/ICMP/VRRP and IP headers with their checksums and the Ethernet or
 * 802.1Q header; frames are assembled with libnet_pblock_coalesce(). Linux
 * cooked v2 and raw-IP frames get their link header (or none) from here.
 * Sequence numbers, ports, IP ids and payload bytes derive from the seed and
 * the event index only. Writing the capture is out.c's job.
 */
#include <libnet.h>
#include <stdlib.h>
#include <string.h>

#include "rasgen.h"

#define MSS4 1460
#define MSS6 1440
#define WINDOW 64240
#define STEP_US 30		/* gap between back-to-back packets of one side */
#define V4_QUOTE_MAX 548	/* ICMP quotes keep the error within 576 bytes */
#define V6_QUOTE_MAX 1232	/* ICMPv6: within the 1280-byte minimum MTU */

struct gen {
	struct scn *s;
	libnet_t *l;
	struct rg_frames *out;
	uint64_t seq;		/* frames created so far */
	uint16_t *next_port;	/* per host: next ephemeral source port */
	uint16_t *ipid;		/* per host: next IPv4 identification */
	uint32_t mirror_seq;	/* link erspan: the next GRE sequence number */
	char *err;
	size_t errlen;
};

/* Where the IP header of a packet comes from and goes to. */
struct ipdesc {
	int64_t t;		/* offset from start */
	const struct rg_host *src, *dst;
	const uint8_t *daddr;	/* overrides dst's address (broadcast, multicast) */
	const uint8_t *smac, *dmac;
	uint8_t ttl;
	bool df;
	uint8_t proto;
};

/* One TCP connection in progress. */
struct conn {
	const struct rg_host *cli, *srv;
	uint16_t sport, dport;
	uint32_t c_nxt, s_nxt;	/* next sequence number each side sends */
	uint16_t mss;
};

static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* link erspan: Ethernet (14) + IPv4 (20) + GRE with a sequence number (8) +
 * ERSPAN type II header (8) before each mirrored frame */
#define ERSPAN_OUTER	(14 + 20 + 8 + 8)
#define ETHERTYPE_ERSPAN_2 0x88be

static int fail(struct gen *g, const char *what)
{
	snprintf(g->err, g->errlen, "%s: %s", what, libnet_geterror(g->l));
	return -1;
}

static size_t link_len(const struct rg_settings *set)
{
	switch (set->link) {
	case RG_LINK_ETH:
		return 14;
	case RG_LINK_VLAN:
		return 18;
	case RG_LINK_QINQ:
		return 22;
	case RG_LINK_SLL2:
		return 20;
	case RG_LINK_RAW:
		return 0;
	case RG_LINK_ERSPAN:
		return ERSPAN_OUTER + 14;
	}
	return 0;
}

/* The MAC a host's frames carry: its router's, for hosts behind one. */
static const uint8_t *l2mac(const struct gen *g, const struct rg_host *h)
{
	return h->via >= 0 ? g->s->hosts[h->via].mac : h->mac;
}

static int host_index(const struct gen *g, const struct rg_host *h)
{
	return (int)(h - g->s->hosts);
}

static uint16_t ephemeral(struct gen *g, const struct rg_host *h)
{
	int i = host_index(g, h);
	uint16_t p = g->next_port[i];

	g->next_port[i] = p == 65535 ? 49152 : (uint16_t)(p + 1);
	return p;
}

/* Linux cooked v2 header: packet type seen from the capturing host. */
static void sll2_header(const struct gen *g, const struct ipdesc *d, uint16_t ethertype,
			uint8_t *h)
{
	int cap = g->s->set.sll2_host;
	uint8_t type = 3;	/* PACKET_OTHERHOST: a mirror port */

	if (d->dmac[0] & 1)
		type = memcmp(d->dmac, mac_bcast, 6) == 0 ? 1 : 2;	/* broadcast, multicast */
	else if (cap >= 0 && d->src == &g->s->hosts[cap])
		type = 4;	/* PACKET_OUTGOING */
	else if (cap >= 0 && d->dst == &g->s->hosts[cap])
		type = 0;	/* PACKET_HOST */
	h[0] = (uint8_t)(ethertype >> 8);	/* protocol type */
	h[1] = (uint8_t)ethertype;
	h[2] = h[3] = 0;	/* reserved */
	h[4] = h[5] = h[6] = 0;	/* interface index 2 (eth0) */
	h[7] = 2;
	h[8] = 0;		/* ARPHRD_ETHER */
	h[9] = 1;
	h[10] = type;
	h[11] = 6;		/* link-layer address length */
	memcpy(h + 12, d->smac, 6);
	h[18] = h[19] = 0;
}

static int push_frame(struct gen *g, struct rg_frame *f)
{
	struct rg_frames *o = g->out;

	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 1024;
		struct rg_frame *n = realloc(o->f, cap * sizeof(*n));

		if (n == NULL)
			return -1;
		o->f = n;
		o->cap = cap;
	}
	o->f[o->n++] = *f;
	return (int)(o->n - 1);
}

/* link erspan: the Ethernet frame in *pkt (*n bytes) as the switch mirrors
 * it to the collector, in ERSPAN type II over GRE (session 1, the frame
 * padded to 60 bytes as it was on the wire). Replaces *pkt and *n. */
static int erspan_wrap(struct gen *g, uint8_t **pkt, uint32_t *n)
{
	const struct rg_settings *set = &g->s->set;
	const struct rg_host *sw = &g->s->hosts[set->erspan_src];
	const struct rg_host *col = &g->s->hosts[set->erspan_dst];
	uint32_t frame = *n < 60 && set->pad ? 60 : *n, len = 8 + frame, s4, d4, on = 0;
	uint32_t gre = libnet_getgre_length(GRE_SEQ);
	uint8_t *pl = calloc(1, len), *out = NULL;
	int rc = -1;

	if (pl == NULL) {
		snprintf(g->err, g->errlen, "out of memory");
		return -1;
	}
	pl[0] = 0x10;	/* version 1 (type II), VLAN 0 */
	pl[3] = 1;	/* COS 0, encapsulation 0, not truncated, session 1 */
	memcpy(pl + 8, *pkt, *n);	/* then reserved and index 0 */
	memcpy(&s4, sw->addr, 4);
	memcpy(&d4, col->addr, 4);
	if (libnet_build_gre(GRE_SEQ, ETHERTYPE_ERSPAN_2, 0, 0, 0, g->mirror_seq++,
			     (uint16_t)(gre + len), pl, len, g->l, 0) < 0)
		fail(g, "libnet_build_gre");
	else if (libnet_build_ipv4((uint16_t)(LIBNET_IPV4_H + gre + len), 0,
				   g->ipid[host_index(g, sw)]++, 0, 64, IPPROTO_GRE, 0, s4, d4,
				   NULL, 0, g->l, 0) < 0)
		fail(g, "libnet_build_ipv4");
	else if (libnet_build_ethernet(col->mac, sw->mac, ETHERTYPE_IP, NULL, 0, g->l, 0) < 0)
		fail(g, "libnet_build_ethernet");
	else if (libnet_pblock_coalesce(g->l, &out, &on) < 0)
		fail(g, "libnet_pblock_coalesce");
	else
		rc = 0;
	libnet_clear_packet(g->l);
	free(pl);
	if (rc == 0) {
		free(*pkt);
		*pkt = out;
		*n = on;
	}
	return rc;
}

/* Adds the IP and link headers to the L4 pblocks already built (l4len
 * bytes, or `raw` as the IP payload) and stores the frame. Returns its index. */
static int finish(struct gen *g, const struct ipdesc *d, uint32_t l4len, const uint8_t *raw)
{
	const struct rg_settings *set = &g->s->set;
	bool v6 = d->src->af == AF_INET6;
	uint16_t ethertype = v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IP;
	const uint8_t *daddr = d->daddr ? d->daddr : d->dst->addr;
	size_t ll = link_len(set);
	uint8_t *pkt = NULL;
	uint32_t n = 0, ip_len = 0;
	struct rg_frame f;
	int idx;

	if (v6) {
		struct libnet_in6_addr s6, d6;

		memcpy(&s6, d->src->addr, 16);
		memcpy(&d6, daddr, 16);
		if (libnet_build_ipv6(0, 0, (uint16_t)l4len, d->proto, d->ttl, s6, d6, raw,
				      raw ? l4len : 0, g->l, 0) < 0)
			return fail(g, "libnet_build_ipv6");
	} else {
		uint32_t s4, d4;
		int h = host_index(g, d->src);

		memcpy(&s4, d->src->addr, 4);
		memcpy(&d4, daddr, 4);
		if (libnet_build_ipv4((uint16_t)(LIBNET_IPV4_H + l4len), 0, g->ipid[h]++,
				      d->df ? 0x4000 : 0, d->ttl, d->proto, 0, s4, d4, raw,
				      raw ? l4len : 0, g->l, 0) < 0)
			return fail(g, "libnet_build_ipv4");
	}
	if (set->link == RG_LINK_ETH || set->link == RG_LINK_ERSPAN) {
		if (libnet_build_ethernet(d->dmac, d->smac, ethertype, NULL, 0, g->l, 0) < 0)
			return fail(g, "libnet_build_ethernet");
	} else if (set->link == RG_LINK_VLAN) {
		if (libnet_build_802_1q(d->dmac, d->smac, 0x8100, 0, 0, set->vlan_outer, ethertype,
					NULL, 0, g->l, 0) < 0)
			return fail(g, "libnet_build_802_1q");
	} else if (set->link == RG_LINK_QINQ) {
		/* libnet has no QinQ builder: the 802.1ad S-tag header carries
		 * the inner C-tag (TCI, EtherType) as its payload */
		uint8_t inner[4] = { (uint8_t)(set->vlan_inner >> 8), (uint8_t)set->vlan_inner,
				     (uint8_t)(ethertype >> 8), (uint8_t)ethertype };

		if (libnet_build_802_1q(d->dmac, d->smac, 0x88a8, 0, 0, set->vlan_outer, 0x8100,
					inner, 4, g->l, 0) < 0)
			return fail(g, "libnet_build_802_1q");
	}
	if (libnet_pblock_coalesce(g->l, &pkt, &n) < 0) {
		fail(g, "libnet_pblock_coalesce");
		libnet_clear_packet(g->l);
		return -1;
	}
	libnet_clear_packet(g->l);
	if (set->link == RG_LINK_ERSPAN) {
		ip_len = n - 14;
		if (erspan_wrap(g, &pkt, &n) < 0) {
			free(pkt);
			return -1;
		}
	}

	memset(&f, 0, sizeof(f));
	f.t_us = set->start_us + d->t;
	f.seq = g->seq++;
	f.from = host_index(g, d->src);
	f.to = host_index(g, d->dst);
	if (set->link == RG_LINK_SLL2 || set->link == RG_LINK_RAW) {
		f.len = (uint32_t)(ll + n);
		f.ip_off = (uint32_t)ll;
		f.ip_len = n;
	} else {
		f.len = n < 60 && set->pad ? 60 : n;
		f.ip_off = (uint32_t)ll;
		f.ip_len = set->link == RG_LINK_ERSPAN ? ip_len : (uint32_t)(n - ll);
	}
	f.data = calloc(1, f.len);
	if (f.data == NULL) {
		free(pkt);
		snprintf(g->err, g->errlen, "out of memory");
		return -1;
	}
	if (set->link == RG_LINK_SLL2) {
		sll2_header(g, d, ethertype, f.data);
		memcpy(f.data + ll, pkt, n);
	} else if (set->link == RG_LINK_RAW) {
		memcpy(f.data, pkt, n);
	} else {
		memcpy(f.data, pkt, n);	/* the tail stays zero: Ethernet padding */
	}
	free(pkt);	/* LIBNET_NONE: no alignment offset, a plain malloc */
	idx = push_frame(g, &f);
	if (idx < 0) {
		free(f.data);
		snprintf(g->err, g->errlen, "out of memory");
	}
	return idx;
}

/* Unicast IP description from host a to host b. */
static struct ipdesc unicast(const struct gen *g, int64_t t, const struct rg_host *a,
			     const struct rg_host *b, uint8_t proto)
{
	struct ipdesc d = {
		.t = t, .src = a, .dst = b, .smac = l2mac(g, a), .dmac = l2mac(g, b),
		.ttl = a->ttl, .df = proto == IPPROTO_TCP, .proto = proto,
	};

	return d;
}

static int tcp_seg(struct gen *g, struct conn *c, bool from_srv, int64_t t, uint8_t flags,
		   const uint8_t *data, uint32_t n)
{
	const struct rg_host *a = from_srv ? c->srv : c->cli, *b = from_srv ? c->cli : c->srv;
	struct ipdesc d = unicast(g, t, a, b, IPPROTO_TCP);
	uint32_t *nxt = from_srv ? &c->s_nxt : &c->c_nxt;
	uint32_t ack = (flags & TH_ACK) ? (from_srv ? c->c_nxt : c->s_nxt) : 0;
	uint32_t optlen = 0;

	if (flags & TH_SYN) {
		/* MSS, NOP, NOP, SACK permitted */
		uint8_t opt[8] = { 2, 4, (uint8_t)(c->mss >> 8), (uint8_t)c->mss, 1, 1, 4, 2 };

		optlen = sizeof(opt);
		if (libnet_build_tcp_options(opt, optlen, g->l, 0) < 0)
			return fail(g, "libnet_build_tcp_options");
	}
	if (libnet_build_tcp(from_srv ? c->dport : c->sport, from_srv ? c->sport : c->dport,
			     *nxt, ack, flags, (flags & TH_RST) ? 0 : WINDOW, 0, 0,
			     LIBNET_TCP_H + optlen + n, n ? data : NULL, n, g->l, 0) < 0)
		return fail(g, "libnet_build_tcp");
	*nxt += n + ((flags & TH_SYN) ? 1 : 0) + ((flags & TH_FIN) ? 1 : 0);
	return finish(g, &d, LIBNET_TCP_H + optlen + n, NULL) < 0 ? -1 : 0;
}

/* Sends one application message as MSS-sized segments; the receiver ACKs
 * every second full segment. Advances *t to the time of the last segment. */
static int tcp_message(struct gen *g, struct conn *c, const struct rg_msg *m, int64_t *t)
{
	for (size_t off = 0, nseg = 0; off < m->len; nseg++) {
		uint32_t n = (uint32_t)(m->len - off > c->mss ? c->mss : m->len - off);
		bool last = off + n == m->len;

		if (tcp_seg(g, c, m->from_server, *t, TH_ACK | (last ? TH_PUSH : 0), m->data + off,
			    n) < 0)
			return -1;
		off += n;
		if (!last && nseg % 2 == 1) {
			*t += STEP_US;
			if (tcp_seg(g, c, !m->from_server, *t, TH_ACK, NULL, 0) < 0)
				return -1;
		}
		if (!last)
			*t += STEP_US / 3;
	}
	return 0;
}

static int gen_tcp(struct gen *g, const struct rg_event *ev, size_t idx)
{
	const struct rg_settings *set = &g->s->set;
	struct conn c = {
		.cli = &g->s->hosts[ev->src],
		.srv = &g->s->hosts[ev->dst],
		.dport = ev->port,
	};
	int64_t t = ev->t_us, rtt = set->rtt_us;
	uint64_t key = rg_mix(set->seed ^ ((uint64_t)idx << 20));
	struct rg_msgs msgs;
	bool last_srv = false;
	int rc = -1;

	c.sport = ephemeral(g, c.cli);
	c.mss = c.cli->af == AF_INET6 ? MSS6 : MSS4;
	c.c_nxt = (uint32_t)rg_mix(key ^ 0x11);
	c.s_nxt = (uint32_t)rg_mix(key ^ 0x22);

	if (ev->outcome == RG_UNANSWERED) {
		/* Windows: SYN, then retransmissions after 1, 2 and 4 s */
		static const int64_t at[] = { 0, 1000000, 3000000, 7000000 };
		uint32_t isn = c.c_nxt;

		for (size_t i = 0; i < 4; i++) {
			c.c_nxt = isn;
			if (tcp_seg(g, &c, false, t + at[i], TH_SYN, NULL, 0) < 0)
				return -1;
		}
		return 0;
	}
	if (tcp_seg(g, &c, false, t, TH_SYN, NULL, 0) < 0)
		return -1;
	t += rtt;
	if (ev->outcome == RG_REFUSED) {
		c.s_nxt = 0;
		return tcp_seg(g, &c, true, t, TH_RST | TH_ACK, NULL, 0);
	}
	if (tcp_seg(g, &c, true, t, TH_SYN | TH_ACK, NULL, 0) < 0)
		return -1;
	t += STEP_US;
	if (tcp_seg(g, &c, false, t, TH_ACK, NULL, 0) < 0)
		return -1;

	if (rg_payload_build(g->s, ev, key, &msgs) < 0) {
		snprintf(g->err, g->errlen, "line %u: cannot build the payload", ev->line);
		return -1;
	}
	for (size_t i = 0; i < msgs.n; i++) {
		if (msgs.m[i].len == 0)
			continue;
		t += msgs.m[i].from_server != last_srv ? rtt : STEP_US;
		if (tcp_message(g, &c, &msgs.m[i], &t) < 0)
			goto out;
		last_srv = msgs.m[i].from_server;
	}
	if (ev->outcome == RG_RESET) {
		/* the responder aborts the connection */
		t += last_srv ? STEP_US : rtt;
		rc = tcp_seg(g, &c, true, t, TH_RST | TH_ACK, NULL, 0);
		goto out;
	}
	if (!last_srv) {
		t += rtt;	/* the server acknowledges the client's last data */
		if (tcp_seg(g, &c, true, t, TH_ACK, NULL, 0) < 0)
			goto out;
	}
	t += 5 * STEP_US;	/* the client closes */
	if (tcp_seg(g, &c, false, t, TH_FIN | TH_ACK, NULL, 0) < 0)
		goto out;
	t += rtt;
	if (tcp_seg(g, &c, true, t, TH_FIN | TH_ACK, NULL, 0) < 0)
		goto out;
	t += STEP_US;
	rc = tcp_seg(g, &c, false, t, TH_ACK, NULL, 0);
out:
	rg_msgs_free(&msgs);
	return rc;
}

static int udp_dgram(struct gen *g, const struct ipdesc *d, uint16_t sp, uint16_t dp,
		     const uint8_t *data, size_t n)
{
	if (libnet_build_udp(sp, dp, (uint16_t)(LIBNET_UDP_H + n), 0, n ? data : NULL,
			     (uint32_t)n, g->l, 0) < 0)
		return fail(g, "libnet_build_udp");
	return finish(g, d, (uint32_t)(LIBNET_UDP_H + n), NULL);
}

static int gen_udp(struct gen *g, const struct rg_event *ev, size_t idx)
{
	const struct rg_host *a = &g->s->hosts[ev->src];
	const struct rg_host *b = &g->s->hosts[ev->dst];
	uint64_t key = rg_mix(g->s->set.seed ^ ((uint64_t)idx << 20));
	uint16_t sp = ephemeral(g, a);
	int64_t t = ev->t_us;
	struct rg_msgs msgs;
	bool last_srv = false;
	int rc = 0;

	if (rg_payload_build(g->s, ev, key, &msgs) < 0) {
		snprintf(g->err, g->errlen, "line %u: cannot build the payload", ev->line);
		return -1;
	}
	for (size_t i = 0; i < msgs.n && rc >= 0; i++) {
		const struct rg_msg *m = &msgs.m[i];
		struct ipdesc d;

		if (m->from_server && ev->outcome == RG_NOREPLY)
			continue;
		if (i > 0)
			t += m->from_server != last_srv ? g->s->set.rtt_us : STEP_US;
		d = m->from_server ? unicast(g, t, b, a, IPPROTO_UDP) :
				     unicast(g, t, a, b, IPPROTO_UDP);
		rc = udp_dgram(g, &d, m->from_server ? ev->port : sp,
			       m->from_server ? sp : ev->port, m->data, m->len);
		last_srv = m->from_server;
	}
	rg_msgs_free(&msgs);
	return rc < 0 ? -1 : 0;
}

static int gen_bcast(struct gen *g, const struct rg_event *ev, size_t idx)
{
	const struct rg_host *a = &g->s->hosts[ev->src];
	static const uint8_t all[16] = { 255, 255, 255, 255 };
	uint64_t key = rg_mix(g->s->set.seed ^ ((uint64_t)idx << 20));
	struct ipdesc d = {
		.t = ev->t_us, .src = a, .dst = a, .daddr = all, .smac = l2mac(g, a),
		.dmac = mac_bcast, .ttl = a->ttl, .proto = IPPROTO_UDP,
	};
	struct rg_msgs msgs;
	int rc;

	if (rg_payload_build(g->s, ev, key, &msgs) < 0) {
		snprintf(g->err, g->errlen, "line %u: cannot build the payload", ev->line);
		return -1;
	}
	rc = udp_dgram(g, &d, ephemeral(g, a), ev->port, msgs.m[0].data, msgs.m[0].len);
	rg_msgs_free(&msgs);
	return rc < 0 ? -1 : 0;
}

/* The datagram or SYN, then an ICMP destination unreachable quoting it. */
static int gen_unreach(struct gen *g, const struct rg_event *ev, size_t idx)
{
	const struct rg_host *a = &g->s->hosts[ev->src];
	const struct rg_host *b = &g->s->hosts[ev->dst];
	const struct rg_host *r = ev->router >= 0 ? &g->s->hosts[ev->router] : b;
	bool v6 = a->af == AF_INET6;
	int64_t t = ev->t_us;
	uint64_t key = rg_mix(g->s->set.seed ^ ((uint64_t)idx << 20));
	int code = ev->code;
	uint8_t *quote;
	uint32_t qlen;
	struct ipdesc d;
	int fi;

	if (ev->l4 == IPPROTO_TCP) {
		struct conn c = { .cli = a, .srv = b, .dport = ev->port };

		c.sport = ephemeral(g, a);
		c.mss = v6 ? MSS6 : MSS4;
		c.c_nxt = (uint32_t)rg_mix(key ^ 0x11);
		if (tcp_seg(g, &c, false, t, TH_SYN, NULL, 0) < 0)
			return -1;
		fi = (int)g->out->n - 1;
	} else {
		struct rg_msgs msgs;

		if (rg_payload_build(g->s, ev, key, &msgs) < 0) {
			snprintf(g->err, g->errlen, "line %u: cannot build the payload", ev->line);
			return -1;
		}
		d = unicast(g, t, a, b, IPPROTO_UDP);
		fi = udp_dgram(g, &d, ephemeral(g, a), ev->port, msgs.m[0].data, msgs.m[0].len);
		rg_msgs_free(&msgs);
		if (fi < 0)
			return -1;
	}
	/* a router quotes the IP header + 8 bytes (RFC 792); hosts and IPv6
	 * quote as much as fits (RFC 1812, RFC 4443) */
	qlen = g->out->f[fi].ip_len;
	if (!v6 && ev->router >= 0 && qlen > 28)
		qlen = 28;
	if (qlen > (v6 ? V6_QUOTE_MAX : V4_QUOTE_MAX))
		qlen = v6 ? V6_QUOTE_MAX : V4_QUOTE_MAX;
	quote = malloc(qlen);
	if (quote == NULL) {
		snprintf(g->err, g->errlen, "out of memory");
		return -1;
	}
	memcpy(quote, g->out->f[fi].data + g->out->f[fi].ip_off, qlen);
	if (code < 0)
		code = v6 ? (ev->router >= 0 ? 1 : 4) : (ev->router >= 0 ? 13 : 3);
	t += ev->router >= 0 ? g->s->set.rtt_us / 2 : g->s->set.rtt_us;
	d = unicast(g, t, r, a, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (v6) {
		if (libnet_build_icmpv6_unreach(ICMP6_DST_UNREACH, (uint8_t)code, 0, quote, qlen,
						g->l, 0) < 0) {
			free(quote);
			return fail(g, "libnet_build_icmpv6_unreach");
		}
	} else if (libnet_build_icmpv4_unreach(ICMP_UNREACH, (uint8_t)code, 0, quote, qlen, g->l,
					       0) < 0) {
		free(quote);
		return fail(g, "libnet_build_icmpv4_unreach");
	}
	free(quote);
	return finish(g, &d, LIBNET_ICMPV4_UNREACH_H + qlen, NULL) < 0 ? -1 : 0;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n % 2)
		sum += (uint32_t)(p[n - 1] << 8);
	return sum;
}

/* A VRRP advertisement from the master, built by hand: libnet 1.1.6's
 * libnet_build_vrrp() swaps the version and type nibbles on little-endian
 * hosts (its bitfields are declared in the wrong order), and VRRPv3's
 * checksum covers a pseudo-header, which libnet does not know. */
static int gen_vrrp(struct gen *g, const struct rg_event *ev)
{
	const struct rg_host *a = &g->s->hosts[ev->src];
	bool v6 = a->af == AF_INET6;
	static const uint8_t grp4[16] = { 224, 0, 0, 18 };
	static const uint8_t grp6[16] = { 0xff, 0x02, [15] = 0x12 };
	static const uint8_t mc4[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x12 };
	static const uint8_t mc6[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x12 };
	uint8_t smac[6] = { 0x00, 0x00, 0x5e, 0x00, (uint8_t)(v6 ? 2 : 1), ev->vrid };
	size_t alen = v6 ? 16 : 4;
	const uint8_t *vip = ev->has_vip ? ev->vip : a->addr;
	struct ipdesc d = {
		.t = ev->t_us, .src = a, .dst = a, .daddr = v6 ? grp6 : grp4, .smac = smac,
		.dmac = v6 ? mc6 : mc4, .ttl = 255, .proto = 112,
	};
	uint8_t msg[8 + 16 + 8] = { 0 };
	size_t len = 8 + alen;
	uint32_t sum = 0;

	msg[1] = ev->vrid;
	msg[2] = ev->prio;
	msg[3] = 1;			/* count of addresses */
	memcpy(msg + 8, vip, alen);
	if (ev->vrrp_ver == 2) {
		/* RFC 3768: version 2, type 1; no authentication; interval in
		 * seconds; 8 bytes of authentication data follow the address */
		unsigned adv = ev->interval_cs / 100 ? ev->interval_cs / 100 : 1;

		msg[0] = 0x21;
		msg[4] = 0;		/* auth type: none */
		msg[5] = (uint8_t)adv;
		len += 8;
	} else {
		/* RFC 5798: version 3, type 1; 4 reserved bits + 12-bit
		 * interval in centiseconds; checksum with pseudo-header */
		msg[0] = 0x31;
		msg[4] = (uint8_t)(ev->interval_cs >> 8 & 0x0f);
		msg[5] = (uint8_t)ev->interval_cs;
		sum = csum_add(0, a->addr, alen);
		sum = csum_add(sum, d.daddr, alen);
		sum += 112 + (uint32_t)len;
	}
	sum = csum_fold(csum_add(sum, msg, len));
	msg[6] = (uint8_t)(sum >> 8);
	msg[7] = (uint8_t)sum;
	return finish(g, &d, (uint32_t)len, msg) < 0 ? -1 : 0;
}

static int cmp_frame(const void *x, const void *y)
{
	const struct rg_frame *a = x, *b = y;

	if (a->t_us != b->t_us)
		return a->t_us < b->t_us ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Leave out the frames of the "unseen" directions (built all the same, so
 * that sequence numbers, ports and IP ids do not depend on the setting). */
static void drop_unseen(const struct scn *s, struct rg_frames *fr)
{
	size_t j = 0;

	for (size_t i = 0; i < fr->n; i++) {
		bool drop = false;

		for (size_t k = 0; k < s->set.nunseen; k++)
			drop |= fr->f[i].from == s->set.unseen[k].from &&
				fr->f[i].to == s->set.unseen[k].to;
		if (drop)
			free(fr->f[i].data);
		else
			fr->f[j++] = fr->f[i];
	}
	fr->n = j;
}

int rg_generate(struct scn *s, struct rg_frames *out, char *err, size_t errlen)
{
	char eb[LIBNET_ERRBUF_SIZE];
	struct gen g = { .s = s, .out = out, .err = err, .errlen = errlen };
	int rc = -1;

	memset(out, 0, sizeof(*out));
	g.l = libnet_init(LIBNET_NONE, NULL, eb);
	if (g.l == NULL) {
		snprintf(err, errlen, "libnet_init: %s", eb);
		return -1;
	}
	g.next_port = calloc(s->nhosts + 1, sizeof(*g.next_port));
	g.ipid = calloc(s->nhosts + 1, sizeof(*g.ipid));
	if (g.next_port == NULL || g.ipid == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < s->nhosts; i++) {
		uint64_t h = 1469598103934665603ULL;

		for (const char *c = s->hosts[i].name; *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ULL;
		h = rg_mix(h ^ s->set.seed);
		g.next_port[i] = (uint16_t)(49152 + h % 8192);
		g.ipid[i] = (uint16_t)(h >> 32);
	}
	for (size_t i = 0; i < s->nev; i++) {
		const struct rg_event *ev = &s->ev[i];
		int r = 0;

		switch (ev->kind) {
		case RG_EV_TCP:
			r = gen_tcp(&g, ev, i);
			break;
		case RG_EV_UDP:
			r = gen_udp(&g, ev, i);
			break;
		case RG_EV_UNREACH:
			r = gen_unreach(&g, ev, i);
			break;
		case RG_EV_VRRP:
			r = gen_vrrp(&g, ev);
			break;
		case RG_EV_BCAST:
			r = gen_bcast(&g, ev, i);
			break;
		}
		if (r < 0)
			goto out;
	}
	drop_unseen(s, out);
	if (out->n)
		qsort(out->f, out->n, sizeof(out->f[0]), cmp_frame);
	rc = 0;
out:
	free(g.next_port);
	free(g.ipid);
	libnet_destroy(g.l);
	if (rc < 0)
		rg_frames_free(out);
	return rc;
}

void rg_frames_free(struct rg_frames *fr)
{
	for (size_t i = 0; i < fr->n; i++)
		free(fr->f[i].data);
	free(fr->f);
	memset(fr, 0, sizeof(*fr));
}
