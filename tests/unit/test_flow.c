/* test_flow.c — the flow table with hand-built packets (no decoder). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "rasflow/config.h"
#include "rasflow/flow.h"

#define SEC 1000000ULL
#define T0 (1700000000ULL * SEC)

enum { TCP = 6, UDP = 17, ICMP = 1, ICMP6 = 58 };
enum { S = RASFLOW_TCP_SYN, A = RASFLOW_TCP_ACK, F = RASFLOW_TCP_FIN, R = RASFLOW_TCP_RST,
       P = RASFLOW_TCP_PSH };

/* What the hooks saw. */
struct rec {
	int news, ends, pkts_seen;
	int ev[4];
	int why[3];			/* on_end count per reason */
	struct rasflow_flow last_end;	/* copy: the flow is freed after on_end */
	uint64_t end_ids[16];
	uint64_t end_order[64];		/* the first 64 ends' flow ids */
	uint64_t end_pkts;		/* packets of all ended flows, as on_end saw them */
	const uint16_t *svc;		/* service ports, 0-terminated */
	int want_first;			/* on_new sets want_pkts, cleared after this many */
};

static bool h_svc(void *u, uint8_t proto, uint16_t port)
{
	struct rec *r = u;

	(void)proto;
	for (const uint16_t *p = r->svc; p && *p; p++)
		if (*p == port)
			return true;
	return false;
}

static void h_new(void *u, struct rasflow_flow *f, const struct rasflow_pkt *p)
{
	struct rec *r = u;

	(void)p;
	r->news++;
	if (r->want_first)
		f->want_pkts = true;
}

static void h_packet(void *u, struct rasflow_flow *f, const struct rasflow_pkt *p, int dir,
		     rasflow_ts ts)
{
	struct rec *r = u;

	(void)p;
	(void)dir;
	(void)ts;
	if (++r->pkts_seen >= r->want_first)
		f->want_pkts = false;
}

static void h_event(void *u, struct rasflow_flow *f, int ev, rasflow_ts ts)
{
	struct rec *r = u;

	(void)f;
	(void)ts;
	cr_assert(ev >= 0 && ev < 4);
	r->ev[ev]++;
}

static void h_end(void *u, struct rasflow_flow *f, enum rasflow_flow_end why)
{
	struct rec *r = u;

	if (r->ends < 16)
		r->end_ids[r->ends] = f->id;
	if (r->ends < 64)
		r->end_order[r->ends] = f->id;
	r->ends++;
	r->why[why]++;
	r->end_pkts += f->pkts[0] + f->pkts[1];
	r->last_end = *f;
}

static struct rec rec;
static struct rasflow_flowtab *tab;

static void setup_with(const struct rasflow_flowtab_opts *o, const uint16_t *svc)
{
	struct rasflow_flow_hooks h = {
		.user = &rec, .is_service_port = h_svc, .on_new = h_new,
		.on_packet = h_packet, .on_event = h_event, .on_end = h_end,
	};
	struct rasflow_flowtab_opts def;

	/* Criterion runs the suite's .init before a test's own: replace its table */
	rasflow_flowtab_free(tab);
	memset(&rec, 0, sizeof(rec));
	rec.svc = svc;
	if (!o) {
		rasflow_flowtab_default_opts(&def);
		o = &def;
	}
	tab = rasflow_flowtab_new(o, &h);
	cr_assert_not_null(tab);
}

static void teardown(void)
{
	rasflow_flowtab_free(tab);
	tab = NULL;
}

static struct rasflow_addr ip(const char *s)
{
	struct rasflow_addr a;

	cr_assert(rasflow_addr_parse(s, &a), "bad test address %s", s);
	return a;
}

static struct rasflow_pkt mk(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			     uint8_t proto, uint8_t flags, uint32_t payload)
{
	struct rasflow_pkt p;

	memset(&p, 0, sizeof(p));
	p.src = ip(src);
	p.dst = ip(dst);
	p.ipver = rasflow_addr_is_v4(&p.src) ? 4 : 6;
	p.proto = proto;
	p.ttl = 64;
	p.sport = sport;
	p.dport = dport;
	p.tcp_flags = flags;
	p.ip_len = (proto == TCP ? 40 : 28) + payload;
	p.payload_wire = payload;
	p.payload_len = payload;
	return p;
}

static struct rasflow_flow *tcp(const char *src, uint16_t sport, const char *dst, uint16_t dport,
				uint8_t flags, uint32_t payload, rasflow_ts ts)
{
	struct rasflow_pkt p = mk(src, sport, dst, dport, TCP, flags, payload);

	return rasflow_flowtab_packet(tab, &p, ts);
}

static struct rasflow_flow *udp(const char *src, uint16_t sport, const char *dst, uint16_t dport,
				uint32_t payload, rasflow_ts ts)
{
	struct rasflow_pkt p = mk(src, sport, dst, dport, UDP, 0, payload);

	return rasflow_flowtab_packet(tab, &p, ts);
}

static const struct rasflow_flowtab_stats *st(void)
{
	return rasflow_flowtab_stats(tab);
}

static void assert_ends(const struct rasflow_flow *f, const char *src, uint16_t sport,
			const char *dst, uint16_t dport)
{
	struct rasflow_addr s = ip(src), d = ip(dst);

	cr_assert(rasflow_addr_cmp(&f->src, &s) == 0, "initiator address");
	cr_assert(rasflow_addr_cmp(&f->dst, &d) == 0, "responder address");
	cr_assert_eq(f->sport, sport);
	cr_assert_eq(f->dport, dport);
}

static void setup_default(void)
{
	setup_with(NULL, NULL);
}

static const uint16_t ras_svc[] = { 443, 3389, 20000, 20002, 389, 0 };

static void setup_svc(void)
{
	setup_with(NULL, ras_svc);
}

TestSuite(flow, .init = setup_svc, .fini = teardown);

Test(flow, struct_fits_budget)
{
	cr_assert_leq(sizeof(struct rasflow_flow), 256 - 8);
}

Test(flow, handshake_sets_direction_and_established)
{
	struct rasflow_flow *f;

	/* the SYN comes from port 443 to a high port: the SYN sender still initiates */
	f = tcp("10.0.0.1", 443, "10.0.0.2", 50000, S, 0, T0);
	cr_assert_not_null(f);
	tcp("10.0.0.2", 50000, "10.0.0.1", 443, S | A, 0, T0 + 1000);
	f = tcp("10.0.0.1", 443, "10.0.0.2", 50000, A, 0, T0 + 2000);
	assert_ends(f, "10.0.0.1", 443, "10.0.0.2", 50000);
	cr_assert_eq(f->dirsrc, RASFLOW_DIRSRC_SYN);
	cr_assert(!f->midstream);
	cr_assert(f->established);
	cr_assert_eq(f->syn, 1);
	cr_assert_eq(f->synack, 1);
	cr_assert_eq(f->pkts[RASFLOW_DIR_FWD], 2);
	cr_assert_eq(f->pkts[RASFLOW_DIR_REV], 1);
	cr_assert_eq(f->bytes[RASFLOW_DIR_FWD], 80);
	cr_assert_eq(f->first[RASFLOW_DIR_REV], T0 + 1000);
	cr_assert_eq(f->last[RASFLOW_DIR_FWD], T0 + 2000);
	cr_assert(!f->data[0] && !f->data[1]);
	cr_assert_eq(rec.ev[RASFLOW_EV_ESTABLISHED], 1);
	cr_assert_eq(rec.news, 1);
	cr_assert_eq(st()->created, 1);
	cr_assert_eq(st()->active, 1);
}

Test(flow, syn_retries_counted)
{
	struct rasflow_flow *f = NULL;

	for (int i = 0; i < 3; i++)
		f = tcp("10.0.0.1", 50001, "10.0.0.3", 20002, S, 0, T0 + (rasflow_ts)i * 3 * SEC);
	cr_assert_eq(f->syn, 3);
	cr_assert_eq(f->pkts[0], 3);
	cr_assert_eq(f->pkts[1], 0);
	cr_assert_eq(f->first[1], 0);
	cr_assert(!f->established);
	cr_assert_eq(rec.ev[RASFLOW_EV_SYN_RETRY], 2);
	cr_assert_eq(st()->created, 1);
}

Test(flow, refused_by_rst)
{
	struct rasflow_flow *f;

	tcp("10.0.0.4", 50002, "10.0.0.5", 20003, S, 0, T0);
	f = tcp("10.0.0.5", 20003, "10.0.0.4", 50002, R | A, 0, T0 + 500);
	assert_ends(f, "10.0.0.4", 50002, "10.0.0.5", 20003);
	cr_assert_eq(f->rst[RASFLOW_DIR_REV], 1);
	cr_assert_eq(f->rst[RASFLOW_DIR_FWD], 0);
	cr_assert(f->rst_before_est);
	cr_assert_eq(f->synack, 0);
	cr_assert(!f->established);
	cr_assert_eq(rec.ev[RASFLOW_EV_RST], 1);
	/* the client's re-SYN on the same port stays in the refused flow */
	f = tcp("10.0.0.4", 50002, "10.0.0.5", 20003, S, 0, T0 + SEC);
	cr_assert_eq(f->syn, 2);
	cr_assert_eq(st()->created, 1);
}

Test(flow, reset_after_data)
{
	struct rasflow_flow *f;

	tcp("10.0.0.1", 50003, "10.0.0.6", 3389, S, 0, T0);
	tcp("10.0.0.6", 3389, "10.0.0.1", 50003, S | A, 0, T0 + 1);
	tcp("10.0.0.1", 50003, "10.0.0.6", 3389, A, 0, T0 + 2);
	tcp("10.0.0.1", 50003, "10.0.0.6", 3389, A | P, 100, T0 + 3);
	tcp("10.0.0.6", 3389, "10.0.0.1", 50003, A | P, 200, T0 + 4);
	f = tcp("10.0.0.6", 3389, "10.0.0.1", 50003, R, 0, T0 + 5);
	cr_assert(f->established);
	cr_assert(f->data[0] && f->data[1]);
	cr_assert_eq(f->rst[1], 1);
	cr_assert(!f->rst_before_est);
	cr_assert_eq(f->bytes[0], 40 * 3 + 100);
	cr_assert_eq(f->bytes[1], 40 * 3 + 200);	/* SYN/ACK, data, RST */
	cr_assert_eq(rec.ev[RASFLOW_EV_RST], 1);
	cr_assert_eq(rec.ev[RASFLOW_EV_ESTABLISHED], 1);
}

Test(flow, fin_both_ways_then_port_reuse)
{
	struct rasflow_flow *f;
	uint64_t id;

	tcp("10.0.0.1", 50004, "10.0.0.7", 443, S, 0, T0);
	tcp("10.0.0.7", 443, "10.0.0.1", 50004, S | A, 0, T0 + 1);
	tcp("10.0.0.1", 50004, "10.0.0.7", 443, A, 0, T0 + 2);
	tcp("10.0.0.1", 50004, "10.0.0.7", 443, F | A, 0, T0 + 3);
	f = tcp("10.0.0.7", 443, "10.0.0.1", 50004, F | A, 0, T0 + 4);
	cr_assert_eq(f->fin[0], 1);
	cr_assert_eq(f->fin[1], 1);
	id = f->id;
	/* a new SYN on the closed tuple is a new connection */
	f = tcp("10.0.0.1", 50004, "10.0.0.7", 443, S, 0, T0 + 5 * SEC);
	cr_assert_neq(f->id, id);
	cr_assert_eq(f->pkts[0], 1);
	cr_assert_eq(rec.ends, 1);
	cr_assert_eq(rec.last_end.id, id);
	cr_assert_eq(rec.why[RASFLOW_END_TIMEOUT], 1);
	cr_assert_eq(st()->tcp_reuse, 1);
	cr_assert_eq(st()->created, 2);
}

Test(flow, midstream_by_service_port)
{
	/* first packet comes from the service port 3389: its end is the responder */
	struct rasflow_flow *f = tcp("10.0.0.6", 3389, "10.0.0.1", 2000, A, 10, T0);

	assert_ends(f, "10.0.0.1", 2000, "10.0.0.6", 3389);
	cr_assert_eq(f->dirsrc, RASFLOW_DIRSRC_PORT);
	cr_assert(f->midstream);
	cr_assert_eq(f->pkts[RASFLOW_DIR_REV], 1);
	cr_assert(f->data[RASFLOW_DIR_REV]);
}

Test(flow, midstream_by_synack)
{
	struct rasflow_flow *f = tcp("10.0.0.6", 40000, "10.0.0.1", 50, S | A, 0, T0);

	/* the SYN/ACK's receiver initiated, although it has the lower port */
	assert_ends(f, "10.0.0.1", 50, "10.0.0.6", 40000);
	cr_assert_eq(f->dirsrc, RASFLOW_DIRSRC_SYNACK);
	cr_assert(f->midstream);
	cr_assert_eq(f->synack, 1);
}

Test(flow, midstream_by_lower_port, .init = setup_default)
{
	/* no service ports known: 636 < 51000, so 636 is the responder */
	struct rasflow_flow *f = tcp("10.0.0.8", 636, "10.0.0.9", 51000, A | P, 50, T0);

	assert_ends(f, "10.0.0.9", 51000, "10.0.0.8", 636);
	cr_assert_eq(f->dirsrc, RASFLOW_DIRSRC_LOWPORT);
	cr_assert(f->midstream);
	f = tcp("10.0.0.9", 51000, "10.0.0.8", 636, A, 0, T0 + 1);
	cr_assert_eq(f->pkts[RASFLOW_DIR_FWD], 1);
	cr_assert_eq(f->pkts[RASFLOW_DIR_REV], 1);
}

Test(flow, midstream_both_service_ports_falls_to_lower_port)
{
	struct rasflow_flow *f = tcp("10.0.0.8", 3389, "10.0.0.9", 443, A, 0, T0);

	assert_ends(f, "10.0.0.8", 3389, "10.0.0.9", 443);
	cr_assert_eq(f->dirsrc, RASFLOW_DIRSRC_LOWPORT);
}

Test(flow, udp_first_sender)
{
	struct rasflow_flow *f = udp("10.0.0.1", 6000, "10.0.0.2", 7000, 20, T0);

	assert_ends(f, "10.0.0.1", 6000, "10.0.0.2", 7000);
	cr_assert_eq(f->dirsrc, RASFLOW_DIRSRC_FIRST);
	cr_assert(!f->midstream);
	f = udp("10.0.0.2", 7000, "10.0.0.1", 6000, 20, T0 + 1);
	cr_assert_eq(f->pkts[1], 1);
	cr_assert_eq(st()->created, 1);
}

Test(flow, udp_service_port_orients)
{
	/* the answer from the gateway-lookup port is seen first */
	struct rasflow_flow *f = udp("10.0.0.3", 20000, "10.0.0.1", 55000, 20, T0);

	assert_ends(f, "10.0.0.1", 55000, "10.0.0.3", 20000);
	cr_assert_eq(f->dirsrc, RASFLOW_DIRSRC_PORT);
	cr_assert_eq(f->pkts[RASFLOW_DIR_REV], 1);
	/* both ends service ports: first sender */
	f = udp("10.0.0.3", 20000, "10.0.0.1", 443, 20, T0);
	assert_ends(f, "10.0.0.3", 20000, "10.0.0.1", 443);
	cr_assert_eq(f->dirsrc, RASFLOW_DIRSRC_FIRST);
}

static struct rasflow_pkt icmp_unreach(const char *from, const char *to, const char *qs,
				       uint16_t qsp, const char *qd, uint16_t qdp, uint8_t qproto)
{
	struct rasflow_pkt p = mk(from, 0, to, 0, ICMP, 0, 36);

	p.icmp_type = 3;
	p.icmp_code = 3;
	p.icmp_unreach = true;
	p.quoted.src = ip(qs);
	p.quoted.dst = ip(qd);
	p.quoted.sport = qsp;
	p.quoted.dport = qdp;
	p.quoted.proto = qproto;
	return p;
}

Test(flow, icmp_error_attached_to_quoted_udp_flow)
{
	struct rasflow_flow *u = udp("10.0.0.1", 50000, "10.0.0.3", 20000, 30, T0);
	/* a firewall in between answers port unreachable to the sender */
	struct rasflow_pkt p = icmp_unreach("10.0.9.9", "10.0.0.1", "10.0.0.1", 50000, "10.0.0.3",
					    20000, UDP);
	struct rasflow_flow *f = rasflow_flowtab_packet(tab, &p, T0 + 700);
	struct rasflow_addr fw = ip("10.0.9.9");

	cr_assert_eq(f, u);
	cr_assert_eq(f->icmp_errors, 1);
	cr_assert_eq(f->icmp_type, 3);
	cr_assert_eq(f->icmp_code, 3);
	cr_assert(rasflow_addr_cmp(&f->icmp_from, &fw) == 0);
	cr_assert_eq(f->icmp_first, T0 + 700);
	cr_assert_eq(f->pkts[0], 1);
	cr_assert_eq(f->pkts[1], 0);
	cr_assert_eq(st()->icmp_attached, 1);
	cr_assert_eq(st()->icmp_orphan, 0);
	cr_assert_eq(st()->created, 1);
	cr_assert_eq(rec.ev[RASFLOW_EV_ICMP], 1);
	/* a second error counts, keeps the first one's details */
	p.icmp_code = 13;
	rasflow_flowtab_packet(tab, &p, T0 + 900);
	cr_assert_eq(f->icmp_errors, 2);
	cr_assert_eq(f->icmp_code, 3);
	cr_assert_eq(st()->icmp_attached, 2);
}

Test(flow, icmp_error_orphan_creates_quoted_flow)
{
	struct rasflow_pkt p = icmp_unreach("10.0.0.3", "10.0.0.1", "10.0.0.1", 50010, "10.0.0.3",
					    20000, UDP);
	struct rasflow_flow *f = rasflow_flowtab_packet(tab, &p, T0);

	cr_assert_not_null(f);
	assert_ends(f, "10.0.0.1", 50010, "10.0.0.3", 20000);
	cr_assert_eq(f->proto, UDP);
	cr_assert_eq(f->dirsrc, RASFLOW_DIRSRC_ICMP);
	cr_assert_eq(f->pkts[0] + f->pkts[1], 0);
	cr_assert_eq(f->icmp_errors, 1);
	cr_assert_eq(st()->icmp_orphan, 1);
	cr_assert_eq(st()->icmp_attached, 0);
	cr_assert_eq(st()->created, 1);
	cr_assert_eq(rec.news, 1);
	/* the quoted sender's retry now lands in that flow */
	cr_assert_eq(udp("10.0.0.1", 50010, "10.0.0.3", 20000, 30, T0 + SEC), f);
	cr_assert_eq(f->pkts[0], 1);
}

Test(flow, icmp_orphan_tcp_adopts_later_syn)
{
	/* the error quotes the server's SYN/ACK; then the client's SYN retry is seen */
	struct rasflow_pkt p = icmp_unreach("10.0.0.1", "10.0.0.3", "10.0.0.3", 443, "10.0.0.1",
					    50020, TCP);
	struct rasflow_flow *f = rasflow_flowtab_packet(tab, &p, T0);

	assert_ends(f, "10.0.0.3", 443, "10.0.0.1", 50020);
	f = tcp("10.0.0.1", 50020, "10.0.0.3", 443, S, 0, T0 + SEC);
	assert_ends(f, "10.0.0.1", 50020, "10.0.0.3", 443);
	cr_assert_eq(f->dirsrc, RASFLOW_DIRSRC_SYN);
	cr_assert_eq(f->syn, 1);
	cr_assert_eq(f->icmp_errors, 1);
	cr_assert_eq(st()->created, 1);
}

Test(flow, icmp_echo_is_one_flow_without_ports)
{
	struct rasflow_pkt q = mk("10.0.0.1", 0, "10.0.0.2", 0, ICMP, 0, 56);
	struct rasflow_pkt r = mk("10.0.0.2", 0, "10.0.0.1", 0, ICMP, 0, 56);
	struct rasflow_flow *f;

	q.icmp_type = 8;
	q.sport = 0x1234;		/* whatever a decoder puts here is not keyed */
	r.icmp_type = 0;
	rasflow_flowtab_packet(tab, &q, T0);
	f = rasflow_flowtab_packet(tab, &r, T0 + 1);
	cr_assert_eq(f->sport, 0);
	cr_assert_eq(f->dport, 0);
	cr_assert_eq(f->pkts[0], 1);
	cr_assert_eq(f->pkts[1], 1);
	cr_assert_eq(st()->created, 1);
}

Test(flow, later_fragment_attributed)
{
	struct rasflow_pkt first = mk("10.0.0.1", 50030, "10.0.0.3", 20000, UDP, 0, 1472);
	struct rasflow_pkt later = mk("10.0.0.1", 0, "10.0.0.3", 0, UDP, 0, 0);
	struct rasflow_pkt stray = later;
	struct rasflow_flow *f;

	first.frag = RASFLOW_FRAG_FIRST;
	first.frag_id = 4242;
	later.frag = RASFLOW_FRAG_LATER;
	later.frag_id = 4242;
	later.ip_len = 548;
	later.payload_wire = 528;
	stray.frag = RASFLOW_FRAG_LATER;
	stray.frag_id = 4243;
	f = rasflow_flowtab_packet(tab, &first, T0);
	cr_assert_eq(rasflow_flowtab_packet(tab, &later, T0 + 10), f);
	cr_assert_eq(f->pkts[0], 2);
	cr_assert_eq(f->bytes[0], 1500 + 548);
	cr_assert_eq(f->frags_later, 1);
	cr_assert_eq(f->last[0], T0 + 10);
	cr_assert_null(rasflow_flowtab_packet(tab, &stray, T0 + 20));
	cr_assert_eq(st()->frags_orphan, 1);
	cr_assert_eq(st()->created, 1);
}

Test(flow, later_fragment_of_ended_flow_is_orphan)
{
	struct rasflow_pkt first = mk("10.0.0.1", 50031, "10.0.0.3", 20000, UDP, 0, 1472);
	struct rasflow_pkt later = mk("10.0.0.1", 0, "10.0.0.3", 0, UDP, 0, 100);

	first.frag = RASFLOW_FRAG_FIRST;
	first.frag_id = 7;
	later.frag = RASFLOW_FRAG_LATER;
	later.frag_id = 7;
	rasflow_flowtab_packet(tab, &first, T0);
	rasflow_flowtab_flush(tab, RASFLOW_END_EOF);
	udp("10.0.0.5", 1, "10.0.0.6", 2, 0, T0 + 1);	/* reuses the freed flow's memory */
	cr_assert_null(rasflow_flowtab_packet(tab, &later, T0 + 2));
	cr_assert_eq(st()->frags_orphan, 1);
}

static void setup_short_timeouts(void)
{
	struct rasflow_flowtab_opts o;

	rasflow_flowtab_default_opts(&o);
	o.to.syn = 5;
	o.to.established = 100;
	o.to.closing = 2;
	o.to.udp = 10;
	o.to.other = 10;
	setup_with(&o, ras_svc);
}

/* A one-way view: only the initiator's packets. Its ACK after the SYN says
 * the SYN/ACK went by unseen; the flow times out as an established one. */
Test(flow, ack_after_syn_without_synack, .init = setup_short_timeouts)
{
	struct rasflow_flow *f;

	tcp("10.0.0.1", 50060, "10.0.0.2", 20003, S, 0, T0);
	f = tcp("10.0.0.1", 50060, "10.0.0.2", 20003, A, 0, T0 + 1000);
	cr_assert(f->synack_unseen);
	cr_assert(!f->established, "established means the SYN/ACK was seen");
	cr_assert_eq(f->synack, 0);
	cr_assert_eq(rec.ev[RASFLOW_EV_ESTABLISHED], 1);
	tcp("10.0.0.1", 50060, "10.0.0.2", 20003, A | P, 100, T0 + 2000);
	cr_assert_eq(rec.ev[RASFLOW_EV_ESTABLISHED], 1, "fired once");
	/* a SYN-only flow would go after 5 s; this one stays for 100 */
	udp("10.0.0.9", 1, "10.0.0.8", 2, 0, T0 + 20 * SEC);
	cr_assert_eq(rec.ends, 0);
}

Test(flow, syn_retries_and_own_rst_are_not_an_ack)
{
	struct rasflow_flow *f;

	tcp("10.0.0.1", 50061, "10.0.0.2", 20003, S, 0, T0);
	tcp("10.0.0.1", 50061, "10.0.0.2", 20003, S, 0, T0 + SEC);
	f = tcp("10.0.0.1", 50061, "10.0.0.2", 20003, R | A, 0, T0 + 2 * SEC);
	cr_assert(!f->synack_unseen);
	f = tcp("10.0.0.1", 50062, "10.0.0.2", 20003, A, 0, T0 + 3 * SEC);
	cr_assert(!f->synack_unseen, "an ACK without a SYN is mid-stream, not one-sided");
	cr_assert(f->midstream);
}

Test(flow, udp_timeout_then_new_flow, .init = setup_short_timeouts)
{
	struct rasflow_flow *f = udp("10.0.0.1", 50040, "10.0.0.3", 20000, 10, T0);
	uint64_t id = f->id;

	udp("10.0.0.9", 1000, "10.0.0.8", 2000, 10, T0 + 9 * SEC);
	cr_assert_eq(rec.ends, 0, "not idle for 10 s yet");
	udp("10.0.0.9", 1000, "10.0.0.8", 2000, 10, T0 + 10 * SEC);
	cr_assert_eq(rec.ends, 1);
	cr_assert_eq(rec.why[RASFLOW_END_TIMEOUT], 1);
	cr_assert_eq(rec.last_end.id, id);
	cr_assert_eq(rec.last_end.pkts[0], 1);
	cr_assert_eq(st()->expired, 1);
	f = udp("10.0.0.1", 50040, "10.0.0.3", 20000, 10, T0 + 11 * SEC);
	cr_assert_neq(f->id, id);
	cr_assert_eq(f->pkts[0], 1);
	cr_assert_eq(f->first[0], T0 + 11 * SEC);
	cr_assert_eq(st()->created, 3);
}

Test(flow, idle_flow_replaced_even_before_a_sweep, .init = setup_short_timeouts)
{
	struct rasflow_flow *f = udp("10.0.0.1", 50041, "10.0.0.3", 20000, 10, T0);
	uint64_t id = f->id;

	/* a sweep at 9.5 s finds nothing; the next is due at 10.5 s */
	udp("10.0.0.9", 1000, "10.0.0.8", 2000, 10, T0 + 9 * SEC + SEC / 2);
	cr_assert_eq(rec.ends, 0);
	f = udp("10.0.0.1", 50041, "10.0.0.3", 20000, 10, T0 + 10 * SEC + SEC / 5);
	cr_assert_eq(rec.ends, 1);
	cr_assert_eq(rec.last_end.id, id);
	cr_assert_neq(f->id, id);
	cr_assert_eq(st()->expired, 1);
}

Test(flow, timeouts_follow_state, .init = setup_short_timeouts)
{
	/* an established flow (100 s) outlives a SYN-only one (5 s) of the same age */
	tcp("10.0.0.1", 50050, "10.0.0.6", 3389, S, 0, T0);
	tcp("10.0.0.6", 3389, "10.0.0.1", 50050, S | A, 0, T0 + 1);
	tcp("10.0.0.1", 50050, "10.0.0.6", 3389, A, 0, T0 + 2);
	tcp("10.0.0.1", 50051, "10.0.0.6", 20002, S, 0, T0 + 3);
	tcp("10.0.0.1", 50052, "10.0.0.6", 20003, S, 0, T0 + 4);
	tcp("10.0.0.6", 20003, "10.0.0.1", 50052, R | A, 0, T0 + 5);	/* closing: 2 s */
	udp("10.0.0.9", 1, "10.0.0.8", 2, 0, T0 + 3 * SEC);
	cr_assert_eq(rec.ends, 1, "the refused flow after its closing timeout");
	cr_assert(rec.last_end.rst_before_est);
	udp("10.0.0.9", 1, "10.0.0.8", 2, 0, T0 + 6 * SEC);
	cr_assert_eq(rec.ends, 2, "then the unanswered SYN");
	cr_assert_eq(rec.last_end.dport, 20002);
	udp("10.0.0.9", 1, "10.0.0.8", 2, 0, T0 + 15 * SEC);
	cr_assert_eq(rec.ends, 2, "the established flow and the busy UDP flow stay");
	cr_assert_eq(st()->active, 2);
	rasflow_flowtab_expire(tab, T0 + 101 * SEC);
	cr_assert_eq(rec.ends, 4);
	cr_assert_eq(st()->expired, 4);
}

Test(flow, clock_going_back_is_harmless, .init = setup_short_timeouts)
{
	struct rasflow_flow *f = udp("10.0.0.1", 50060, "10.0.0.3", 20000, 10, T0 + 50 * SEC);

	udp("10.0.0.1", 50060, "10.0.0.3", 20000, 10, T0);
	cr_assert_eq(f->first[0], T0);
	cr_assert_eq(f->last[0], T0 + 50 * SEC);
	cr_assert_eq(f->pkts[0], 2);
	cr_assert_eq(rec.ends, 0, "a stale timestamp does not expire anything");
	/* idle time runs from the latest time seen */
	udp("10.0.0.9", 1, "10.0.0.8", 2, 0, T0 + 59 * SEC);
	cr_assert_eq(rec.ends, 0);
	udp("10.0.0.9", 1, "10.0.0.8", 2, 0, T0 + 60 * SEC);
	cr_assert_eq(rec.ends, 1);
}

static void setup_cap4(void)
{
	struct rasflow_flowtab_opts o;

	rasflow_flowtab_default_opts(&o);
	o.max_flows = 4;
	setup_with(&o, NULL);
}

Test(flow, eviction_at_cap, .init = setup_cap4)
{
	uint64_t ids[5];

	for (int i = 0; i < 4; i++)
		ids[i] = udp("10.0.0.1", (uint16_t)(1000 + i), "10.0.0.2", 53, 10, T0 + (rasflow_ts)i)->id;
	/* flow 0 is used again, so flow 1 is now the least recently used */
	udp("10.0.0.2", 53, "10.0.0.1", 1000, 10, T0 + 10);
	ids[4] = udp("10.0.0.1", 2000, "10.0.0.2", 53, 10, T0 + 11)->id;
	cr_assert_eq(rec.ends, 1);
	cr_assert_eq(rec.why[RASFLOW_END_EVICTED], 1);
	cr_assert_eq(rec.end_ids[0], ids[1]);
	cr_assert_eq(st()->evicted, 1);
	cr_assert_eq(st()->active, 4);
	cr_assert_eq(st()->peak, 4);
	cr_assert_neq(ids[4], ids[1]);
	/* flow 0 is still there */
	udp("10.0.0.1", 1000, "10.0.0.2", 53, 10, T0 + 12);
	cr_assert_eq(st()->created, 5);
}

static void count_flow(void *user, struct rasflow_flow *f)
{
	(void)f;
	(*(int *)user)++;
}

static void setup_cap100(void)
{
	struct rasflow_flowtab_opts o;

	rasflow_flowtab_default_opts(&o);
	o.max_flows = 100;
	setup_with(&o, NULL);
	rec.want_first = 0;
}

/* The class queues are lazy (flow.c): each touch appends an entry and old
 * ones are dropped in bulk every few thousand packets. Over many such
 * rounds, and across a change of class (TCP SYN -> established), the LRU
 * order, the walk and the memory bound must stay exact. */
Test(flow, lru_order_survives_many_touches, .init = setup_cap100)
{
	uint64_t id[100];
	size_t bytes;
	int n = 0;

	/* 50 UDP flows, then 50 TCP attempts that become established */
	for (int i = 0; i < 50; i++)
		id[i] = udp("10.0.0.1", (uint16_t)(1000 + i), "10.0.0.2", 53, 10, T0)->id;
	for (int i = 50; i < 100; i++) {
		id[i] = tcp("10.0.0.1", (uint16_t)(1000 + i), "10.0.0.2", 443, S, 0, T0)->id;
		tcp("10.0.0.2", 443, "10.0.0.1", (uint16_t)(1000 + i), S | A, 0, T0);
	}
	for (int i = 50; i < 100; i++)
		tcp("10.0.0.1", (uint16_t)(1000 + i), "10.0.0.2", 443, A, 0, T0 + 1);
	bytes = st()->bytes;
	/* the odd flows of each half, over and over, in order; the even ones
	 * never again */
	for (int r = 0; r < 1000; r++)
		for (int i = 1; i < 100; i += 2) {
			rasflow_ts ts = T0 + 2 + (rasflow_ts)(r * 100 + i);

			if (i < 50)
				udp("10.0.0.2", 53, "10.0.0.1", (uint16_t)(1000 + i), 10, ts);
			else
				tcp("10.0.0.2", 443, "10.0.0.1", (uint16_t)(1000 + i), A, 100, ts);
		}
	/* 50,000 touches; the queues keep at most 2 x 100 + 16384 entries,
	 * 8 KB blocks of 1023 (without compaction: 49 more blocks) */
	cr_assert_leq(st()->bytes - bytes, 18 * 8192, "queues grew by %zu bytes", st()->bytes - bytes);
	rasflow_flowtab_foreach(tab, count_flow, &n);
	cr_assert_eq(n, 100, "every flow walked once");
	cr_assert_eq(st()->active, 100);
	/* 60 new flows evict the 50 even ones, oldest first, then the first
	 * ten odd ones in the order of their last packets */
	for (int i = 0; i < 60; i++)
		udp("10.0.0.3", (uint16_t)(2000 + i), "10.0.0.2", 53, 10, T0 + 200000);
	cr_assert_eq(rec.why[RASFLOW_END_EVICTED], 60);
	for (int k = 0; k < 60; k++) {
		int want = k < 25 ? 2 * k : k < 50 ? 2 * k : 1 + 2 * (k - 50);

		cr_assert_eq(rec.end_order[k], id[want], "eviction %d: flow %d expected", k, want);
	}
}

/* Queue blocks come from an area reserved for the most the queues can hold
 * at once (flow.c, QBLOCKS_MAX). Many live flows, each touched over and
 * over, fill the queues with stale entries up to their bound before each
 * compaction. A block refused there would leave touches unrecorded (the
 * LRU order wrong) and then new flows without a queue entry (dropped).
 * 20,000 flows keep the area in 4 KiB steps, so its size is what the bound
 * says, not a whole 2 MB. */
Test(flow, queue_blocks_suffice_at_the_bound)
{
	struct rasflow_flowtab_opts o;
	struct rasflow_pkt p = mk("10.0.0.1", 0, "10.0.0.2", 53, UDP, 0, 10);
	enum { N = 20000, ROUNDS = 12 };
	rasflow_ts ts = T0;

	rasflow_flowtab_default_opts(&o);
	o.max_flows = N;
	setup_with(&o, NULL);
	rec.want_first = 0;
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < N; i++) {
			/* the last round touches them in reverse */
			p.sport = (uint16_t)(1024 + (r == ROUNDS - 1 ? N - 1 - i : i));
			cr_assert_not_null(rasflow_flowtab_packet(tab, &p, ts++),
					   "round %d flow %d: packet dropped", r, i);
		}
	cr_assert_eq(st()->nomem, 0);
	cr_assert_eq(st()->created, N);
	/* new flows evict the old ones in the order of their last touch */
	p = mk("10.0.0.3", 0, "10.0.0.2", 53, UDP, 0, 10);
	for (int i = 0; i < 64; i++) {
		p.sport = (uint16_t)(1024 + i);
		cr_assert_not_null(rasflow_flowtab_packet(tab, &p, ts++), "new flow %d dropped", i);
	}
	cr_assert_eq(rec.why[RASFLOW_END_EVICTED], 64);
	for (int k = 0; k < 64; k++)
		cr_assert_eq(rec.end_order[k], (uint64_t)(N - k), "eviction %d", k);
}

/* The flush walks the flow array: slot order, not the order of last
 * activity (flow 1 was touched last) nor of creation (flow 4 took the slot
 * flow 2 left). */
Test(flow, flush_eof_ends_everything_in_slot_order)
{
	struct rasflow_flow *f2;

	udp("10.0.0.1", 1, "10.0.0.2", 2, 0, T0);
	f2 = tcp("10.0.0.1", 3, "10.0.0.2", 443, S, 0, T0 + 1);
	udp("10.0.0.1", 5, "10.0.0.2", 6, 0, T0 + 2);
	tcp("10.0.0.2", 443, "10.0.0.1", 3, R | A, 0, T0 + 3);
	rasflow_flowtab_expire(tab, T0 + 3 + RASFLOW_DEF_TO_CLOSING * SEC + 1);
	cr_assert_eq(rec.ends, 1, "the refused flow timed out; the others are younger");
	cr_assert_eq(rec.end_ids[0], 2);
	cr_assert_eq(udp("10.0.0.1", 7, "10.0.0.2", 8, 0, T0 + 4 + RASFLOW_DEF_TO_CLOSING * SEC),
		     f2, "flow 4 takes flow 2's slot");
	udp("10.0.0.1", 1, "10.0.0.2", 2, 0, T0 + 5 + RASFLOW_DEF_TO_CLOSING * SEC);
	rasflow_flowtab_flush(tab, RASFLOW_END_EOF);
	cr_assert_eq(rec.ends, 4);
	cr_assert_eq(rec.why[RASFLOW_END_EOF], 3);
	cr_assert_eq(rec.end_ids[1], 1, "slot 1");
	cr_assert_eq(rec.end_ids[2], 4, "slot 2");
	cr_assert_eq(rec.end_ids[3], 3, "slot 3");
	cr_assert_eq(st()->active, 0);
	cr_assert_eq(st()->ended, 4);
	cr_assert_eq(st()->expired, 1);
	cr_assert_eq(st()->evicted, 0);
}

/* flush clears the index wholesale and hands slots out again from the
 * first: the table must work as new afterwards. */
Test(flow, table_works_after_flush)
{
	struct rasflow_flow *a, *b;

	for (int i = 0; i < 3000; i++)
		udp("10.0.0.1", (uint16_t)(1000 + i), "10.0.0.2", 53, 0, T0);
	rasflow_flowtab_flush(tab, RASFLOW_END_EOF);
	cr_assert_eq(rec.ends, 3000);
	a = udp("10.0.0.1", 1000, "10.0.0.2", 53, 0, T0 + 1);
	b = udp("10.0.0.1", 1001, "10.0.0.2", 53, 0, T0 + 1);
	cr_assert_neq(a, b);
	cr_assert_eq(a->pkts[0], 1, "a new flow, not the flushed one");
	cr_assert_eq(udp("10.0.0.2", 53, "10.0.0.1", 1000, 0, T0 + 2), a);
	cr_assert_eq(udp("10.0.0.2", 53, "10.0.0.1", 1001, 0, T0 + 2), b);
	/* a flushed tuple whose slot has not been handed out again */
	cr_assert_neq(udp("10.0.0.1", 3500, "10.0.0.2", 53, 0, T0 + 3)->id, 0);
	cr_assert_eq(udp("10.0.0.1", 2500, "10.0.0.2", 53, 0, T0 + 3)->pkts[0], 1);
	cr_assert_eq(st()->created, 3004);
	cr_assert_eq(st()->active, 4);
	/* the class queues were emptied too: expiry sees exactly these four */
	rasflow_flowtab_expire(tab, T0 + RASFLOW_DEF_TO_UDP * SEC);
	cr_assert_eq(rec.ends, 3000, "nothing is due yet");
	rasflow_flowtab_expire(tab, T0 + 3 + RASFLOW_DEF_TO_UDP * SEC);
	cr_assert_eq(rec.ends, 3004);
	cr_assert_eq(rec.why[RASFLOW_END_TIMEOUT], 4);
	cr_assert_eq(st()->active, 0);
	udp("10.0.0.1", 1000, "10.0.0.2", 53, 0, T0 + 10 + RASFLOW_DEF_TO_UDP * SEC);
	rasflow_flowtab_flush(tab, RASFLOW_END_EOF);
	cr_assert_eq(rec.ends, 3005);
	cr_assert_eq(st()->active, 0);
}

Test(flow, on_packet_while_wanted)
{
	rec.want_first = 2;
	tcp("10.0.0.1", 50070, "10.0.0.6", 443, S, 0, T0);
	tcp("10.0.0.6", 443, "10.0.0.1", 50070, S | A, 0, T0 + 1);
	tcp("10.0.0.1", 50070, "10.0.0.6", 443, A, 0, T0 + 2);
	cr_assert_eq(rec.pkts_seen, 2, "the first packet and one more, then cleared");
}

Test(flow, many_flows_grow_the_hash)
{
	char a[32];

	for (int i = 0; i < 5000; i++) {
		snprintf(a, sizeof(a), "10.1.%d.%d", i / 250, i % 250 + 1);
		udp(a, 40000, "10.0.0.2", 53, 10, T0 + (rasflow_ts)i);
	}
	for (int i = 0; i < 5000; i++) {
		struct rasflow_flow *f;

		snprintf(a, sizeof(a), "10.1.%d.%d", i / 250, i % 250 + 1);
		f = udp("10.0.0.2", 53, a, 40000, 10, T0 + 5000 + (rasflow_ts)i);
		cr_assert_eq(f->pkts[1], 1);
	}
	cr_assert_eq(st()->created, 5000);
	cr_assert_geq(st()->buckets, 4096);
	cr_assert_gt(st()->bytes, 5000 * sizeof(struct rasflow_flow));
}

/* The flow array's address space is reserved for the cap up front. With
 * the address space limited (ulimit -v) far below what a cap of 2^30 flows
 * needs, the table must still be made and keep its flows. Not under ASan,
 * whose allocator cannot live with the limit. */
#if !defined(__SANITIZE_ADDRESS__)
Test(flow, works_with_little_address_space)
{
	struct rasflow_flowtab_opts o;
	struct rlimit rl = { 1UL << 30, 1UL << 30 };	/* 1 GiB; 2^30 flows need 200 */
	char a[32];

	cr_assert_eq(setrlimit(RLIMIT_AS, &rl), 0);
	rasflow_flowtab_default_opts(&o);
	o.max_flows = 1U << 30;
	setup_with(&o, NULL);
	for (int i = 0; i < 5000; i++) {
		snprintf(a, sizeof(a), "10.1.%d.%d", i / 250, i % 250 + 1);
		udp(a, 40000, "10.0.0.2", 53, 10, T0 + (rasflow_ts)i);
	}
	cr_assert_eq(st()->created, 5000);
	cr_assert_eq(st()->active, 5000);
	cr_assert_eq(st()->evicted, 0);
}
#endif

static size_t resident_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *fp = fopen("/proc/self/statm", "r");

	cr_assert_not_null(fp);
	cr_assert_eq(fscanf(fp, "%lu %lu", &size, &resident), 2);
	fclose(fp);
	return resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* A flush empties the table: the flow array's memory goes back to the kernel
 * as it does, each 2 MB part once its last flow has ended (what the hooks
 * build meanwhile reuses those pages). Every flow is intact when on_end sees
 * it, and the table works afterwards. */
Test(flow, flush_gives_the_memory_back)
{
	struct rasflow_flowtab_opts o;
	size_t before, after;
	char a[32];

	rasflow_flowtab_default_opts(&o);
	o.max_flows = 1U << 20;
	setup_with(&o, NULL);
	for (int i = 0; i < 60000; i++) {	/* 60,000 flows of about 200 bytes */
		snprintf(a, sizeof(a), "10.%d.%d.%d", i / 62500, i / 250 % 250, i % 250 + 1);
		udp(a, 40000, "10.200.0.2", 53, 10, T0 + (rasflow_ts)i);
	}
	cr_assert_eq(st()->active, 60000);
	before = resident_bytes();
	rasflow_flowtab_flush(tab, RASFLOW_END_EOF);
	after = resident_bytes();
	cr_assert_eq(rec.ends, 60000);
	cr_assert_eq(rec.end_pkts, 60000, "every flow had its packet when on_end saw it");
	cr_assert_geq(before, after + ((size_t)8 << 20), "%zu bytes resident before, %zu after",
		      before, after);
	cr_assert_eq(udp("10.0.0.1", 40000, "10.200.0.2", 53, 10, T0 + 70000)->pkts[0], 1);
	cr_assert_eq(udp("10.0.0.1", 40000, "10.200.0.2", 53, 10, T0 + 70001)->pkts[0], 2);
	cr_assert_eq(st()->active, 1);
}

/* capture.c's read-ahead takes a hint (hash, index slot) when a packet is
 * read and uses it up to a dozen packets later: the flow the hint found may
 * have ended by then, its slot reused by another flow or left free. */
Test(flow, stale_hint_finds_the_right_flow)
{
	struct rasflow_pkt x = mk("10.0.0.1", 40000, "10.0.0.2", 53, UDP, 0, 10);
	struct rasflow_flow_hint h;
	struct rasflow_flow *a, *b, *f;
	uint32_t slot;

	a = udp("10.0.0.1", 40000, "10.0.0.2", 53, 10, T0);
	slot = a->slot;
	rasflow_flowtab_hint(tab, &x, &h);
	rasflow_flowtab_hint_step(tab, &h);
	rasflow_flowtab_hint_step(tab, &h);
	cr_assert_eq(h.slot, slot, "the hint found the flow");
	rasflow_flowtab_flush(tab, RASFLOW_END_EOF);
	b = udp("10.0.0.3", 40001, "10.0.0.4", 53, 10, T0 + 1);
	cr_assert_eq(b->slot, slot, "another flow took the freed slot");
	f = rasflow_flowtab_packet_hinted(tab, &x, T0 + 2, &h);
	cr_assert_not_null(f);
	cr_assert_neq(f, b);
	assert_ends(f, "10.0.0.1", 40000, "10.0.0.2", 53);
	cr_assert_eq(f->pkts[0], 1);
	cr_assert_eq(b->pkts[0], 1, "the slot's new flow is untouched");
	cr_assert_eq(st()->created, 3);

	/* the hinted flow ended and its slot is free */
	rasflow_flowtab_hint(tab, &x, &h);
	rasflow_flowtab_hint_step(tab, &h);
	rasflow_flowtab_hint_step(tab, &h);
	cr_assert_eq(h.slot, f->slot);
	rasflow_flowtab_flush(tab, RASFLOW_END_EOF);
	f = rasflow_flowtab_packet_hinted(tab, &x, T0 + 3, &h);
	cr_assert_not_null(f);
	cr_assert_eq(f->pkts[0], 1, "a new flow, not the freed one");
	cr_assert_eq(st()->created, 4);
	cr_assert_eq(st()->active, 1);
}

Test(flow, ipv6_flow)
{
	struct rasflow_flow *f;

	tcp("fd00::1", 50080, "fd00::2", 443, S, 0, T0);
	f = tcp("fd00::2", 443, "fd00::1", 50080, S | A, 0, T0 + 1);
	assert_ends(f, "fd00::1", 50080, "fd00::2", 443);
	cr_assert_eq(f->synack, 1);
}

Test(flow, start_is_the_first_packet_either_way)
{
	struct rasflow_flow f;

	memset(&f, 0, sizeof(f));
	cr_expect_eq(rasflow_flow_start(&f), 0, "made by an ICMP error: no packet");
	f.first[RASFLOW_DIR_REV] = T0 + 5;
	cr_expect_eq(rasflow_flow_start(&f), T0 + 5, "only the responder spoke");
	f.first[RASFLOW_DIR_FWD] = T0 + 7;
	cr_expect_eq(rasflow_flow_start(&f), T0 + 5, "the reply was captured first");
	f.first[RASFLOW_DIR_FWD] = T0 + 2;
	cr_expect_eq(rasflow_flow_start(&f), T0 + 2);
	f.first[RASFLOW_DIR_REV] = 0;
	cr_expect_eq(rasflow_flow_start(&f), T0 + 2, "one way");
}
