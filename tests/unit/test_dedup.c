/* test_dedup.c — a mirror's copies: what makes two frames one packet
 * (dedup.h), the window, and what the engine does with a copy in each mode.
 * Frames are commented byte arrays, decoded by the real decoder.
 */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <string.h>

#include "rasflow/decode.h"
#include "rasflow/dedup.h"
#include "rasflow/engine.h"

#define T0 1700000000000000ull

/* Ethernet / IPv4 / TCP SYN 10.20.1.21:50000 -> 10.20.0.10:20003. */
static const uint8_t syn4[] = {
	0x00, 0x15, 0x5d, 0x00, 0x00, 0x10, 0x00, 0x15, 0x5d, 0x00, 0x01, 0x21, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x28,		/* IPv4, IHL 5, TOS 0, total length 40 */
	0x12, 0x34, 0x40, 0x00,		/* id 0x1234, DF */
	0x80, 0x06, 0xab, 0xcd,		/* TTL 128, TCP, header checksum (not checked) */
	10, 20, 1, 21, 10, 20, 0, 10,
	0xc3, 0x50, 0x4e, 0x23,		/* ports 50000 -> 20003 */
	0x00, 0x00, 0x10, 0x00,		/* seq */
	0x00, 0x00, 0x00, 0x00,		/* ack */
	0x50, 0x02, 0xfa, 0xf0,		/* offset 5, SYN, window 64240 */
	0x11, 0x22, 0x00, 0x00,		/* checksum, urgent */
	0, 0, 0, 0, 0, 0,		/* Ethernet padding to 60 bytes */
};

/* Ethernet / IPv6 / TCP SYN fd00:20::21 -> fd00:20::10, port 20003. */
static const uint8_t syn6[] = {
	0x00, 0x15, 0x5d, 0x00, 0x00, 0x10, 0x00, 0x15, 0x5d, 0x00, 0x01, 0x21, 0x86, 0xdd,
	0x60, 0x00, 0x00, 0x00,		/* version 6, class 0, flow label 0 */
	0x00, 0x14, 0x06, 0x80,		/* payload 20, TCP, hop limit 128 */
	0xfd, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x21,
	0xfd, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	0xc3, 0x50, 0x4e, 0x23, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x50, 0x02, 0xfa, 0xf0, 0x33, 0x44, 0x00, 0x00,
};

/* Ethernet / IPv4 / ICMP echo request, 28 bytes of IP: shorter than a
 * signature's span. */
static const uint8_t ping4[] = {
	0x00, 0x15, 0x5d, 0x00, 0x00, 0x10, 0x00, 0x15, 0x5d, 0x00, 0x01, 0x21, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x1c, 0x00, 0x07, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00,
	10, 20, 1, 21, 10, 20, 0, 10,
	0x08, 0x00, 0xf7, 0xfe, 0x00, 0x01, 0x00, 0x01,	/* echo, id 1, seq 1 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* padding to 60 */
};

static uint64_t sig_of(int dlt, const uint8_t *b, size_t n)
{
	struct rasflow_dec_stats st;
	struct rasflow_pkt p;

	memset(&st, 0, sizeof(st));
	cr_assert_eq(rasflow_decode_frame(dlt, b, (uint32_t)n, &p, &st), RASFLOW_DEC_OK);
	return rasflow_dedup_sig(&p);
}

static uint64_t eth(const uint8_t *b, size_t n)
{
	return sig_of(DLT_EN10MB, b, n);
}

Test(dedup, a_routed_copy_is_the_same_packet)
{
	uint8_t c[sizeof(syn4)];

	memcpy(c, syn4, sizeof(c));
	memcpy(c, "\x00\x15\x5d\x00\x00\x99\x00\x15\x5d\x00\x00\x01", 12);	/* router's MACs */
	c[14 + 8] = 0x7f;		/* TTL 127 */
	c[14 + 10] = 0xac;		/* its header checksum */
	cr_assert_eq(eth(syn4, sizeof(syn4)), eth(c, sizeof(c)));
}

Test(dedup, a_tagged_or_unpadded_copy_is_the_same_packet)
{
	uint8_t tagged[sizeof(syn4) + 4];

	/* 802.1Q VLAN 20 between the MACs and the EtherType */
	memcpy(tagged, syn4, 12);
	memcpy(tagged + 12, "\x81\x00\x00\x14", 4);
	memcpy(tagged + 16, syn4 + 12, sizeof(syn4) - 12);
	cr_assert_eq(eth(syn4, sizeof(syn4)), eth(tagged, sizeof(tagged)));
	cr_assert_eq(eth(syn4, sizeof(syn4)), eth(syn4, 54), "padding is not the packet");
	cr_assert_eq(sig_of(DLT_RAW, syn4 + 14, 40), eth(syn4, sizeof(syn4)),
		     "nor is the link layer");
}

Test(dedup, what_a_retransmission_changes_is_seen)
{
	uint8_t c[sizeof(syn4)];

	memcpy(c, syn4, sizeof(c));
	c[14 + 5] = 0x35;		/* IPv4 id 0x1235: the stack sent it again */
	cr_assert_neq(eth(syn4, sizeof(syn4)), eth(c, sizeof(c)));
	memcpy(c, syn4, sizeof(c));
	c[14 + 1] = 0x01;		/* ECN bits set on the way: not the same bytes */
	cr_assert_neq(eth(syn4, sizeof(syn4)), eth(c, sizeof(c)));
	memcpy(c, syn4, sizeof(c));
	c[14 + 36] = 0x12;		/* TCP checksum: another payload or options */
	cr_assert_neq(eth(syn4, sizeof(syn4)), eth(c, sizeof(c)));
}

Test(dedup, ipv6_hop_limit_does_not_count_the_flow_label_does)
{
	uint8_t c[sizeof(syn6)];

	memcpy(c, syn6, sizeof(c));
	c[14 + 7] = 0x7f;
	cr_assert_eq(eth(syn6, sizeof(syn6)), eth(c, sizeof(c)));
	c[14 + 3] = 0x01;
	cr_assert_neq(eth(syn6, sizeof(syn6)), eth(c, sizeof(c)));
	c[14 + 3] = 0x00;
	c[14 + 40 + 16] = 0x34;		/* the TCP checksum, byte 56 of the packet */
	cr_assert_neq(eth(syn6, sizeof(syn6)), eth(c, sizeof(c)));
}

Test(dedup, a_packet_shorter_than_the_span)
{
	uint8_t c[sizeof(ping4)];

	memcpy(c, ping4, sizeof(c));
	c[14 + 8] = 0x3f;
	cr_assert_eq(eth(ping4, sizeof(ping4)), eth(c, sizeof(c)));
	c[14 + 27] = 0x02;		/* echo sequence 2 */
	cr_assert_neq(eth(ping4, sizeof(ping4)), eth(c, sizeof(c)));
}

/* ICMPv6 destination unreachable from the router fd00:20::1 to fd00:20::21,
 * quoting syn6 (its IPv6 header and TCP header) with source port `sport`.
 * The ICMPv6 checksum is the same for every quote: over a valid TCP
 * segment, what changes in it cancels out (its own checksum changes too). */
static size_t unreach6(uint8_t *f, uint16_t sport)
{
	static const uint8_t head[] = {
		0x00, 0x15, 0x5d, 0x00, 0x01, 0x21, 0x00, 0x15, 0x5d, 0x00, 0x00, 0x01, 0x86, 0xdd,
		0x60, 0x00, 0x00, 0x00, 0x00, 0x44, 0x3a, 0xff,	/* payload 68, ICMPv6 */
		0xfd, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0xfd, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x21,
		0x01, 0x01, 0x9d, 0x9b, 0, 0, 0, 0,	/* unreachable, prohibited */
	};

	memcpy(f, head, sizeof(head));
	memcpy(f + sizeof(head), syn6 + 14, sizeof(syn6) - 14);	/* the quote */
	f[sizeof(head) + 40] = (uint8_t)(sport >> 8);
	f[sizeof(head) + 41] = (uint8_t)sport;
	return sizeof(head) + sizeof(syn6) - 14;
}

Test(dedup, icmp_errors_quoting_other_ports_are_other_packets)
{
	uint8_t a[160], b[160];
	size_t na = unreach6(a, 50000), nb = unreach6(b, 50001);

	cr_assert_eq(na, nb);
	cr_assert_neq(eth(a, na), eth(b, nb));
	unreach6(b, 50000);
	b[14 + 7] = 0xfe;		/* the same error one hop later */
	cr_assert_eq(eth(a, na), eth(b, nb));
}

Test(dedup, copies_come_within_the_window_of_the_first)
{
	static struct rasflow_dedup d;
	uint64_t s = eth(syn4, sizeof(syn4));

	memset(&d, 0, sizeof(d));
	cr_assert(!rasflow_dedup_copy(&d, s, T0));
	cr_assert(rasflow_dedup_copy(&d, s, T0 + 20));
	cr_assert(rasflow_dedup_copy(&d, s, T0 + RASFLOW_DEDUP_WINDOW_US), "a third, at the edge");
	cr_assert(!rasflow_dedup_copy(&d, s, T0 + RASFLOW_DEDUP_WINDOW_US + 1),
		  "too late: an original of its own");
	cr_assert(rasflow_dedup_copy(&d, s, T0 + RASFLOW_DEDUP_WINDOW_US + 2));
	cr_assert(!rasflow_dedup_copy(&d, s ^ 1, T0 + RASFLOW_DEDUP_WINDOW_US + 3),
		  "another packet");
	cr_assert(!rasflow_dedup_copy(&d, s, T0 + RASFLOW_DEDUP_WINDOW_US + 4),
		  "its slot was taken in between: missed, never wrongly found");
}

static uint32_t syn_count;

static void on_end(void *user, struct rasflow_flow *f, enum rasflow_flow_end why)
{
	(void)user;
	(void)why;
	syn_count = f->syn;
}

/* The engine in a mode: the same SYN frame twice, 20 us apart. */
static void twice_syns(enum rasflow_copies mode, uint64_t *copies, uint32_t *syns)
{
	struct rasflow_flow_hooks h = { .on_end = on_end };
	struct rasflow_engine *e = rasflow_engine_new(NULL, &h);

	cr_assert_not_null(e);
	cr_assert_eq(rasflow_engine_copies(e, mode), 0);
	rasflow_engine_packet(e, DLT_EN10MB, T0, syn4, sizeof(syn4), sizeof(syn4));
	rasflow_engine_packet(e, DLT_EN10MB, T0 + 20, syn4, sizeof(syn4), sizeof(syn4));
	cr_assert_eq(e->st.packets, 2, "every frame is read and counted as read");
	cr_assert_eq(rasflow_flowtab_stats(e->ft)->created, 1);
	syn_count = 0;
	rasflow_engine_finish(e);
	*copies = e->st.copies;
	*syns = syn_count;
	rasflow_engine_free(e);
}

Test(dedup, the_engine_counts_or_drops_a_copy)
{
	uint64_t copies;
	uint32_t syns;

	twice_syns(RASFLOW_COPIES_IGNORE, &copies, &syns);
	cr_assert_eq(copies, 0);
	cr_assert_eq(syns, 2, "not looked for: a SYN and its retransmission");
	twice_syns(RASFLOW_COPIES_COUNT, &copies, &syns);
	cr_assert_eq(copies, 1);
	cr_assert_eq(syns, 2, "counted, still a packet of its own");
	twice_syns(RASFLOW_COPIES_DROP, &copies, &syns);
	cr_assert_eq(copies, 1);
	cr_assert_eq(syns, 1, "dropped: one SYN");
}
