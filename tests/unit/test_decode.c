/* test_decode.c — rasflow_decode_frame() on hand-built frames (every link
 * type, VLAN depth, IPv4 options, IPv6 extension headers, fragments, ICMP
 * quotes, truncation at each layer, malformed headers) and on the public
 * captures in $RASFLOW_SHARED/pcaps/public.
 *
 * Each frame is copied into a heap buffer of exactly caplen bytes, so ASan
 * reports any read past caplen. Truncation tests pass a shorter caplen.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <pcap/pcap.h>

#include "rasflow/decode.h"
#include "../pkt_same.h"

static uint8_t *buf;			/* the frame under test, exactly caplen bytes */
static struct rasflow_pkt pkt;
static struct rasflow_dec_stats st;

static void teardown(void)
{
	free(buf);
	buf = NULL;
}

TestSuite(decode, .fini = teardown);

/* Decode a + b (b may be NULL) cut to caplen bytes; stats start from zero. */
static enum rasflow_dec dec2(int dlt, const uint8_t *a, size_t na, const uint8_t *b, size_t nb,
			     size_t caplen)
{
	uint8_t tmp[2048];

	cr_assert_leq(na + nb, sizeof(tmp));
	memcpy(tmp, a, na);
	if (b != NULL)
		memcpy(tmp + na, b, nb);
	if (caplen > na + nb)
		caplen = na + nb;
	free(buf);
	buf = malloc(caplen ? caplen : 1);
	cr_assert_not_null(buf);
	memcpy(buf, tmp, caplen);
	memset(&st, 0, sizeof(st));
	memset(&pkt, 0xa5, sizeof(pkt));	/* stale garbage from a "previous packet" */
	return rasflow_decode_frame(dlt, buf, (uint32_t)caplen, &pkt, &st);
}

static enum rasflow_dec dec(int dlt, const uint8_t *a, size_t na)
{
	return dec2(dlt, a, na, NULL, 0, na);
}

/* Assert a non-OK result was counted exactly once, at layer l, with reason r. */
static void expect_fail(enum rasflow_dec got, enum rasflow_dec want, enum rasflow_layer l,
			enum rasflow_dec_reason r)
{
	uint64_t sum = 0, rsum = 0;

	cr_assert_eq(got, want, "result %s, want %s", rasflow_dec_result_name(got),
		     rasflow_dec_result_name(want));
	cr_assert_eq(st.frames, 1);
	for (int i = 0; i < RASFLOW_L_COUNT; i++)
		for (int j = 0; j < RASFLOW_DEC_COUNT; j++)
			sum += st.by[i][j];
	for (int i = 0; i < RASFLOW_R_COUNT; i++)
		rsum += st.reason[i];
	cr_assert_eq(sum, 1);
	cr_assert_eq(rsum, 1);
	cr_assert_eq(st.by[l][want], 1, "not counted at layer %s", rasflow_dec_layer_name(l));
	cr_assert_eq(st.reason[r], 1, "reason %s not counted", rasflow_dec_reason_name(r));
	cr_assert_eq(pkt.layer, l, "layer %s, want %s", rasflow_dec_layer_name(pkt.layer),
		     rasflow_dec_layer_name(l));
	cr_assert_eq(pkt.reason, r, "reason %s, want %s", rasflow_dec_reason_name(pkt.reason),
		     rasflow_dec_reason_name(r));
}

static void expect_ok(enum rasflow_dec got)
{
	cr_assert_eq(got, RASFLOW_DEC_OK, "result %s at %s (%s)", rasflow_dec_result_name(got),
		     rasflow_dec_layer_name(pkt.layer), rasflow_dec_reason_name(pkt.reason));
	cr_assert_eq(st.frames, 1);
	for (int i = 0; i < RASFLOW_L_COUNT; i++)
		for (int j = 0; j < RASFLOW_DEC_COUNT; j++)
			cr_assert_eq(st.by[i][j], 0);
	cr_assert_eq(pkt.reason, RASFLOW_R_NONE);
}

static void expect_addr(const struct rasflow_addr *a, const char *s)
{
	struct rasflow_addr want;
	char got[RASFLOW_ADDR_STRLEN];

	cr_assert(rasflow_addr_parse(s, &want));
	cr_assert_eq(rasflow_addr_cmp(a, &want), 0, "address %s, want %s",
		     rasflow_addr_str(a, got), s);
}

/* ---- building blocks ---------------------------------------------------- */

/* Ethernet II header, type IPv4. */
static const uint8_t eth_v4[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55,	/* dst MAC */
	0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,	/* src MAC */
	0x08, 0x00,				/* type IPv4 */
};

/* Ethernet II header, type IPv6. */
static const uint8_t eth_v6[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55,	/* dst MAC */
	0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,	/* src MAC */
	0x86, 0xdd,				/* type IPv6 */
};

/* IPv4 + TCP + 4 bytes of payload: 10.0.0.1:49152 -> 10.0.0.2:3389, PSH|ACK. */
static const uint8_t v4_tcp[] = {
	0x45, 0x00, 0x00, 0x2c,	/* v4, ihl 5, tos 0, total length 44 */
	0x12, 0x34, 0x40, 0x00,	/* id 0x1234, DF, offset 0 */
	0x40, 0x06, 0x00, 0x00,	/* ttl 64, proto TCP, checksum */
	0x0a, 0x00, 0x00, 0x01,	/* src 10.0.0.1 */
	0x0a, 0x00, 0x00, 0x02,	/* dst 10.0.0.2 */
	0xc0, 0x00, 0x0d, 0x3d,	/* sport 49152, dport 3389 */
	0x01, 0x02, 0x03, 0x04,	/* seq */
	0x05, 0x06, 0x07, 0x08,	/* ack */
	0x50, 0x18, 0xff, 0xff,	/* doff 5, flags PSH|ACK, window */
	0x00, 0x00, 0x00, 0x00,	/* checksum, urgent pointer */
	'a', 'b', 'c', 'd',	/* payload */
};

/* IPv6 + UDP + 4 bytes of payload: [2001:db8::1]:12345 -> [2001:db8::2]:53. */
static const uint8_t v6_udp[] = {
	0x60, 0x00, 0x00, 0x00,	/* v6, traffic class 0, flow label 0 */
	0x00, 0x0c, 0x11, 0x40,	/* payload length 12, next UDP, hop limit 64 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,	/* src 2001:db8::1 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,	/* dst 2001:db8::2 */
	0x30, 0x39, 0x00, 0x35,	/* sport 12345, dport 53 */
	0x00, 0x0c, 0x00, 0x00,	/* length 12, checksum */
	'w', 'x', 'y', 'z',	/* payload */
};

/* The IPv4/TCP fields every v4_tcp test checks. */
static void check_v4_tcp(const uint8_t *l3)
{
	cr_assert_eq(pkt.ipver, 4);
	expect_addr(&pkt.src, "10.0.0.1");
	expect_addr(&pkt.dst, "10.0.0.2");
	cr_assert_eq(pkt.proto, 6);
	cr_assert_eq(pkt.ttl, 64);
	cr_assert_eq(pkt.frag, RASFLOW_FRAG_NONE);
	cr_assert_eq(pkt.sport, 49152);
	cr_assert_eq(pkt.dport, 3389);
	cr_assert_eq(pkt.seq, 0x01020304u);
	cr_assert_eq(pkt.ack, 0x05060708u);
	cr_assert_eq(pkt.tcp_flags, RASFLOW_TCP_PSH | RASFLOW_TCP_ACK);
	cr_assert_eq(pkt.ip_len, 44);
	cr_assert_eq(pkt.l3, l3);
	cr_assert_eq(pkt.l3_caplen, 44);
	cr_assert_eq(pkt.payload, l3 + 40);
	cr_assert_eq(pkt.payload_len, 4);
	cr_assert_eq(pkt.payload_wire, 4);
	cr_assert_eq(memcmp(pkt.payload, "abcd", 4), 0);
	cr_assert_eq(pkt.icmp_unreach, false);
}

static void check_v6_udp(const uint8_t *l3)
{
	cr_assert_eq(pkt.ipver, 6);
	expect_addr(&pkt.src, "2001:db8::1");
	expect_addr(&pkt.dst, "2001:db8::2");
	cr_assert_eq(pkt.proto, 17);
	cr_assert_eq(pkt.ttl, 64);
	cr_assert_eq(pkt.sport, 12345);
	cr_assert_eq(pkt.dport, 53);
	cr_assert_eq(pkt.ip_len, 52);
	cr_assert_eq(pkt.l3, l3);
	cr_assert_eq(pkt.l3_caplen, 52);
	cr_assert_eq(pkt.payload_len, 4);
	cr_assert_eq(pkt.payload_wire, 4);
	cr_assert_eq(memcmp(pkt.payload, "wxyz", 4), 0);
}

/* ---- link types --------------------------------------------------------- */

Test(decode, ethernet_ipv4_tcp)
{
	expect_ok(dec2(DLT_EN10MB, eth_v4, sizeof(eth_v4), v4_tcp, sizeof(v4_tcp), 9999));
	check_v4_tcp(buf + 14);
	cr_assert_eq(pkt.nvlan, 0);
}

Test(decode, ethernet_ipv6_udp)
{
	expect_ok(dec2(DLT_EN10MB, eth_v6, sizeof(eth_v6), v6_udp, sizeof(v6_udp), 9999));
	check_v6_udp(buf + 14);
}

Test(decode, linux_sll)
{
	static const uint8_t sll[] = {
		0x00, 0x00,		/* packet type: to us */
		0x00, 0x01,		/* ARPHRD_ETHER */
		0x00, 0x06,		/* address length 6 */
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x00,	/* address, padded to 8 */
		0x08, 0x00,		/* protocol IPv4 */
	};

	expect_ok(dec2(DLT_LINUX_SLL, sll, sizeof(sll), v4_tcp, sizeof(v4_tcp), 9999));
	check_v4_tcp(buf + 16);
}

Test(decode, linux_sll2)
{
	static const uint8_t sll2[] = {
		0x86, 0xdd,		/* protocol IPv6 */
		0x00, 0x00,		/* reserved */
		0x00, 0x00, 0x00, 0x02,	/* interface index 2 */
		0x00, 0x01,		/* ARPHRD_ETHER */
		0x04,			/* packet type: outgoing */
		0x06,			/* address length 6 */
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x00,	/* address, padded to 8 */
	};

	expect_ok(dec2(DLT_LINUX_SLL2, sll2, sizeof(sll2), v6_udp, sizeof(v6_udp), 9999));
	check_v6_udp(buf + 20);
}

Test(decode, linux_sll2_with_vlan_tag)
{
	static const uint8_t sll2[] = {
		0x81, 0x00,		/* protocol 802.1Q: the tag was kept */
		0x00, 0x00,		/* reserved */
		0x00, 0x00, 0x00, 0x02,	/* interface index 2 */
		0x00, 0x01,		/* ARPHRD_ETHER */
		0x00,			/* packet type: to us */
		0x06,			/* address length 6 */
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x00,	/* address, padded to 8 */
		0x20, 0x07,		/* PCP 1, DEI 0, VID 7 */
		0x08, 0x00,		/* type IPv4 */
	};

	expect_ok(dec2(DLT_LINUX_SLL2, sll2, sizeof(sll2), v4_tcp, sizeof(v4_tcp), 9999));
	check_v4_tcp(buf + 24);
	cr_assert_eq(pkt.nvlan, 1);
	cr_assert_eq(pkt.vlan[0], 7);
}

Test(decode, raw_ipv4)
{
	expect_ok(dec(DLT_RAW, v4_tcp, sizeof(v4_tcp)));
	check_v4_tcp(buf);
	expect_ok(dec(101, v4_tcp, sizeof(v4_tcp)));	/* LINKTYPE_RAW, unmapped */
	check_v4_tcp(buf);
}

Test(decode, raw_ipv6)
{
	expect_ok(dec(DLT_RAW, v6_udp, sizeof(v6_udp)));
	check_v6_udp(buf);
}

Test(decode, dlt_ipv4_and_ipv6)
{
	expect_ok(dec(DLT_IPV4, v4_tcp, sizeof(v4_tcp)));
	check_v4_tcp(buf);
	expect_ok(dec(DLT_IPV6, v6_udp, sizeof(v6_udp)));
	check_v6_udp(buf);
}

Test(decode, dlt_ipv4_given_ipv6_is_version_mismatch)
{
	expect_fail(dec(DLT_IPV4, v6_udp, sizeof(v6_udp)), RASFLOW_DEC_MALFORMED, RASFLOW_L_IP,
		    RASFLOW_R_IP_VERSION);
}

Test(decode, null_little_endian)
{
	static const uint8_t null_le[] = {
		0x02, 0x00, 0x00, 0x00,	/* AF_INET (2), little-endian host */
	};

	expect_ok(dec2(DLT_NULL, null_le, sizeof(null_le), v4_tcp, sizeof(v4_tcp), 9999));
	check_v4_tcp(buf + 4);
}

Test(decode, null_big_endian)
{
	static const uint8_t null_be[] = {
		0x00, 0x00, 0x00, 0x02,	/* AF_INET (2), big-endian host */
	};

	expect_ok(dec2(DLT_NULL, null_be, sizeof(null_be), v4_tcp, sizeof(v4_tcp), 9999));
	check_v4_tcp(buf + 4);
}

Test(decode, null_ipv6_families)
{
	static const uint8_t fam[][4] = {
		{ 0x18, 0x00, 0x00, 0x00 },	/* AF_INET6 24 (NetBSD/OpenBSD), LE */
		{ 0x00, 0x00, 0x00, 0x1c },	/* AF_INET6 28 (FreeBSD), BE */
		{ 0x1e, 0x00, 0x00, 0x00 },	/* AF_INET6 30 (Darwin), LE */
	};

	for (size_t i = 0; i < 3; i++) {
		expect_ok(dec2(DLT_NULL, fam[i], 4, v6_udp, sizeof(v6_udp), 9999));
		check_v6_udp(buf + 4);
	}
}

Test(decode, null_unknown_family)
{
	static const uint8_t null_le[] = {
		0x07, 0x00, 0x00, 0x00,	/* family 7: not IP */
	};

	expect_fail(dec2(DLT_NULL, null_le, 4, v4_tcp, sizeof(v4_tcp), 9999),
		    RASFLOW_DEC_UNSUPPORTED, RASFLOW_L_LINK, RASFLOW_R_NOT_IP);
}

Test(decode, loop_network_order)
{
	static const uint8_t loop[] = {
		0x00, 0x00, 0x00, 0x02,	/* AF_INET, network order */
	};
	static const uint8_t loop_le[] = {
		0x02, 0x00, 0x00, 0x00,	/* AF_INET in host order: wrong for DLT_LOOP */
	};

	expect_ok(dec2(DLT_LOOP, loop, sizeof(loop), v4_tcp, sizeof(v4_tcp), 9999));
	check_v4_tcp(buf + 4);
	expect_fail(dec2(DLT_LOOP, loop_le, 4, v4_tcp, sizeof(v4_tcp), 9999),
		    RASFLOW_DEC_UNSUPPORTED, RASFLOW_L_LINK, RASFLOW_R_NOT_IP);
}

/* NFLOG TLV headers are in host byte order (libpcap converts them when the
 * file was written on the other order): built at run time. */
static size_t nflog_tlv(uint8_t *p, uint16_t len, uint16_t type)
{
	memcpy(p, &len, 2);
	memcpy(p + 2, &type, 2);
	return 4;
}

/* An NFLOG record: header, NFULA_PACKET_HDR (type 1), a 5-byte prefix
 * (type 10, padded to 8), then the payload TLV (type 9) holding l3; and,
 * when trail is set, a uid TLV (type 11) after it. Returns its length. */
static size_t nflog_record(uint8_t *r, uint8_t family, const uint8_t *l3, size_t l3len,
			   bool trail)
{
	size_t n = 0;

	r[n++] = family;			/* AF_INET 2 / AF_INET6 10 */
	r[n++] = 0;				/* version 0 */
	r[n++] = 0x00, r[n++] = 0x05;		/* resource id 5 (the nflog group) */
	n += nflog_tlv(r + n, 8, 1);		/* NFULA_PACKET_HDR: */
	r[n++] = family == 2 ? 0x08 : 0x86;	/* hw protocol (ethertype) */
	r[n++] = family == 2 ? 0x00 : 0xdd;
	r[n++] = 3, r[n++] = 0;			/* hook, pad */
	n += nflog_tlv(r + n, 9, 10);		/* NFULA_PREFIX "drop\0" + 3 pad */
	memcpy(r + n, "drop\0\0\0\0", 8);
	n += 8;
	n += nflog_tlv(r + n, (uint16_t)(4 + l3len), 9);	/* NFULA_PAYLOAD */
	memcpy(r + n, l3, l3len);
	n += l3len;
	while (n % 4)
		r[n++] = 0;
	if (trail) {
		n += nflog_tlv(r + n, 8, 11);	/* NFULA_UID */
		memset(r + n, 0, 4);
		n += 4;
	}
	return n;
}

Test(decode, nflog_ipv4_after_other_tlvs)
{
	uint8_t r[256];
	size_t n = nflog_record(r, 2, v4_tcp, sizeof(v4_tcp), false);

	expect_ok(dec(DLT_NFLOG, r, n));
	check_v4_tcp(buf + 28);		/* 4 header, 8 + 12 of TLVs, the payload TLV's 4 */
}

/* A TLV after the payload does not disturb it. */
Test(decode, nflog_ipv6_with_a_tlv_after)
{
	uint8_t r[256];
	size_t n = nflog_record(r, 10, v6_udp, sizeof(v6_udp), true);

	expect_ok(dec(DLT_NFLOG, r, n));
	check_v6_udp(buf + 28);		/* the same offset as above */
}

/* The snaplen cut the payload: as on any link, the IP layer reports it. */
Test(decode, nflog_payload_cut)
{
	uint8_t r[256];
	size_t n = nflog_record(r, 2, v4_tcp, sizeof(v4_tcp), false);

	expect_ok(dec2(DLT_NFLOG, r, n, NULL, 0, 28 + 40));	/* TCP header whole */
	cr_assert_eq(pkt.payload_len, 0);
	cr_assert_eq(pkt.payload_wire, 4);
	expect_fail(dec2(DLT_NFLOG, r, n, NULL, 0, 28 + 10), RASFLOW_DEC_TRUNC, RASFLOW_L_IP,
		    RASFLOW_R_IP_SHORT);
}

Test(decode, nflog_cut_before_the_payload)
{
	uint8_t r[256];
	size_t n = nflog_record(r, 2, v4_tcp, sizeof(v4_tcp), false);

	for (size_t cut = 0; cut < 28; cut++)
		expect_fail(dec2(DLT_NFLOG, r, n, NULL, 0, cut), RASFLOW_DEC_TRUNC, RASFLOW_L_LINK,
			    RASFLOW_R_LINK_SHORT);
}

Test(decode, nflog_without_payload_or_bad)
{
	uint8_t r[64];
	size_t n = 0;

	r[n++] = 2, r[n++] = 0, r[n++] = 0, r[n++] = 1;
	n += nflog_tlv(r + n, 8, 1);			/* NFULA_PACKET_HDR only */
	memset(r + n, 0, 4);
	n += 4;
	expect_fail(dec(DLT_NFLOG, r, n), RASFLOW_DEC_TRUNC, RASFLOW_L_LINK,
		    RASFLOW_R_LINK_SHORT);
	nflog_tlv(r + 4, 2, 1);				/* length below its own header */
	expect_fail(dec(DLT_NFLOG, r, n), RASFLOW_DEC_MALFORMED, RASFLOW_L_LINK,
		    RASFLOW_R_LINK_SHORT);
	nflog_tlv(r + 4, 0xfffe, 1);			/* runs past the record */
	expect_fail(dec(DLT_NFLOG, r, n), RASFLOW_DEC_TRUNC, RASFLOW_L_LINK,
		    RASFLOW_R_LINK_SHORT);
	r[0] = 7;					/* AF_BRIDGE */
	expect_fail(dec(DLT_NFLOG, r, n), RASFLOW_DEC_UNSUPPORTED, RASFLOW_L_LINK,
		    RASFLOW_R_NOT_IP);
}

/* A link header h (n bytes) before v4_tcp or v6_udp decodes, the IP layer
 * right after it. */
static void ok_v4(int dlt, const uint8_t *h, size_t n)
{
	expect_ok(dec2(dlt, h, n, v4_tcp, sizeof(v4_tcp), 9999));
	check_v4_tcp(buf + n);
}

static void ok_v6(int dlt, const uint8_t *h, size_t n)
{
	expect_ok(dec2(dlt, h, n, v6_udp, sizeof(v6_udp), 9999));
	check_v6_udp(buf + n);
}

Test(decode, ppp_with_and_without_hdlc_framing)
{
	static const uint8_t framed[] = {
		0xff, 0x03,		/* HDLC-like address and control */
		0x00, 0x21,		/* protocol IPv4 */
	};
	static const uint8_t bare_v6[] = {
		0x00, 0x57,		/* protocol IPv6, no address and control */
	};
	static const uint8_t compressed[] = {
		0x21,			/* protocol IPv4 in one byte (low bit set) */
	};
	static const uint8_t lcp[] = {
		0xff, 0x03, 0xc0, 0x21,	/* LCP: not IP */
	};

	ok_v4(DLT_PPP, framed, sizeof(framed));
	ok_v6(DLT_PPP, bare_v6, sizeof(bare_v6));
	ok_v4(DLT_PPP_SERIAL, compressed, sizeof(compressed));
	expect_fail(dec2(DLT_PPP, lcp, sizeof(lcp), v4_tcp, sizeof(v4_tcp), 9999),
		    RASFLOW_DEC_UNSUPPORTED, RASFLOW_L_LINK, RASFLOW_R_NOT_IP);
	expect_fail(dec2(DLT_PPP, framed, sizeof(framed), NULL, 0, 3), RASFLOW_DEC_TRUNC,
		    RASFLOW_L_LINK, RASFLOW_R_LINK_SHORT);
}

/* Cisco HDLC, alone or as a PPP_SERIAL frame starting 0x0f / 0x8f; its
 * protocol is an ethertype, so MPLS works as on Ethernet. */
Test(decode, cisco_hdlc)
{
	static const uint8_t chdlc[] = {
		0x0f, 0x00,		/* unicast address, control */
		0x08, 0x00,		/* ethertype IPv4 */
	};
	static const uint8_t chdlc_mpls[] = {
		0x8f, 0x00,		/* broadcast address, control */
		0x88, 0x47,		/* ethertype MPLS unicast */
		0x00, 0x01, 0x01, 0x40,	/* label 16, bottom of stack, TTL 64 */
	};

	ok_v4(DLT_C_HDLC, chdlc, sizeof(chdlc));
	ok_v4(DLT_PPP_SERIAL, chdlc, sizeof(chdlc));
	ok_v6(DLT_C_HDLC, chdlc_mpls, sizeof(chdlc_mpls));
	expect_fail(dec2(DLT_C_HDLC, chdlc, sizeof(chdlc), NULL, 0, 3), RASFLOW_DEC_TRUNC,
		    RASFLOW_L_LINK, RASFLOW_R_LINK_SHORT);
}

Test(decode, frame_relay)
{
	static const uint8_t fr_v4[] = {
		0x18, 0x41,		/* Q.922 address, DLCI 97; low bit ends it */
		0x03, 0xcc,		/* UI, NLPID IPv4 */
	};
	static const uint8_t fr_pad_v6[] = {
		0x18, 0x41,		/* Q.922 address */
		0x03, 0x00, 0x8e,	/* UI, pad, NLPID IPv6 */
	};
	static const uint8_t fr_snap[] = {
		0x18, 0x40, 0x01,	/* a 3-byte address */
		0x03, 0x00, 0x80,	/* UI, pad, NLPID SNAP */
		0x00, 0x00, 0x00,	/* OUI 00-00-00 */
		0x08, 0x00,		/* ethertype IPv4 */
	};
	static const uint8_t fr_not_ui[] = {
		0x18, 0x41, 0x08, 0xcc,	/* control 0x08: not UI */
	};
	static const uint8_t fr_long_address[] = {
		0x18, 0x40, 0x00, 0x00, 0x00, 0x03, 0xcc,	/* no end in 4 bytes */
	};

	ok_v4(DLT_FRELAY, fr_v4, sizeof(fr_v4));
	ok_v6(DLT_FRELAY, fr_pad_v6, sizeof(fr_pad_v6));
	ok_v4(DLT_FRELAY, fr_snap, sizeof(fr_snap));
	expect_fail(dec2(DLT_FRELAY, fr_not_ui, sizeof(fr_not_ui), v4_tcp, sizeof(v4_tcp), 9999),
		    RASFLOW_DEC_UNSUPPORTED, RASFLOW_L_LINK, RASFLOW_R_NOT_IP);
	expect_fail(dec2(DLT_FRELAY, fr_long_address, sizeof(fr_long_address), v4_tcp,
			 sizeof(v4_tcp), 9999),
		    RASFLOW_DEC_MALFORMED, RASFLOW_L_LINK, RASFLOW_R_LINK_SHORT);
	for (size_t cut = 0; cut < sizeof(fr_snap); cut++)	/* cut at every byte */
		expect_fail(dec2(DLT_FRELAY, fr_snap, sizeof(fr_snap), NULL, 0, cut),
			    RASFLOW_DEC_TRUNC, RASFLOW_L_LINK, RASFLOW_R_LINK_SHORT);
}

/* PPI: a header (here with one 4-byte field) and a frame of the link type
 * it names. */
Test(decode, ppi)
{
	uint8_t ppi[32] = {
		0x00, 0x00,		/* version 0, flags */
		0x0c, 0x00,		/* length 12, little-endian */
		0x01, 0x00, 0x00, 0x00,	/* link type 1 (Ethernet), little-endian */
		0xaa, 0xbb, 0xcc, 0xdd,	/* a field */
	};

	memcpy(ppi + 12, eth_v4, sizeof(eth_v4));
	expect_ok(dec2(DLT_PPI, ppi, 12 + sizeof(eth_v4), v4_tcp, sizeof(v4_tcp), 9999));
	check_v4_tcp(buf + 26);
	ppi[4] = 105;		/* 802.11 inside: not decoded */
	expect_fail(dec2(DLT_PPI, ppi, 12 + sizeof(eth_v4), v4_tcp, sizeof(v4_tcp), 9999),
		    RASFLOW_DEC_UNSUPPORTED, RASFLOW_L_LINK, RASFLOW_R_LINK_TYPE);
	ppi[4] = 192;		/* PPI inside PPI */
	expect_fail(dec2(DLT_PPI, ppi, 12 + sizeof(eth_v4), v4_tcp, sizeof(v4_tcp), 9999),
		    RASFLOW_DEC_UNSUPPORTED, RASFLOW_L_LINK, RASFLOW_R_LINK_TYPE);
	ppi[4] = 1;
	ppi[2] = 4;		/* length below its own 8 bytes */
	expect_fail(dec2(DLT_PPI, ppi, 12 + sizeof(eth_v4), v4_tcp, sizeof(v4_tcp), 9999),
		    RASFLOW_DEC_MALFORMED, RASFLOW_L_LINK, RASFLOW_R_LINK_SHORT);
	ppi[2] = 0xff;		/* fields past the frame */
	expect_fail(dec2(DLT_PPI, ppi, 12 + sizeof(eth_v4), v4_tcp, sizeof(v4_tcp), 9999),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_LINK, RASFLOW_R_LINK_SHORT);
}

Test(decode, unknown_dlt)
{
	expect_fail(dec(147 /* DLT_USER0 */, v4_tcp, sizeof(v4_tcp)), RASFLOW_DEC_UNSUPPORTED,
		    RASFLOW_L_LINK, RASFLOW_R_LINK_TYPE);
	cr_assert(!rasflow_decode_dlt_supported(147));
	cr_assert(rasflow_decode_dlt_supported(DLT_EN10MB));
	cr_assert(rasflow_decode_dlt_supported(DLT_LINUX_SLL2));
	cr_assert(rasflow_decode_dlt_supported(DLT_NULL));
	cr_assert(rasflow_decode_dlt_supported(101));
	cr_assert(rasflow_decode_dlt_supported(DLT_NFLOG));
	cr_assert(rasflow_decode_dlt_supported(DLT_PPP));
	cr_assert(rasflow_decode_dlt_supported(DLT_PPI));
	cr_assert(!rasflow_decode_dlt_supported(105));	/* 802.11 */
}

Test(decode, ethernet_arp_is_not_ip)
{
	static const uint8_t arp[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* dst broadcast */
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,	/* src MAC */
		0x08, 0x06,				/* type ARP */
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,	/* ARP request (rest cut) */
	};

	expect_fail(dec(DLT_EN10MB, arp, sizeof(arp)), RASFLOW_DEC_UNSUPPORTED, RASFLOW_L_LINK,
		    RASFLOW_R_NOT_IP);
	cr_assert_eq(pkt.ipver, 0);
}

/* ---- VLAN --------------------------------------------------------------- */

Test(decode, vlan_8021q)
{
	static const uint8_t eth[] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55,	/* dst MAC */
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,	/* src MAC */
		0x81, 0x00,				/* 802.1Q */
		0xa0, 0x64,				/* PCP 5, DEI 0, VID 100 */
		0x08, 0x00,				/* type IPv4 */
	};

	expect_ok(dec2(DLT_EN10MB, eth, sizeof(eth), v4_tcp, sizeof(v4_tcp), 9999));
	check_v4_tcp(buf + 18);
	cr_assert_eq(pkt.nvlan, 1);
	cr_assert_eq(pkt.vlan[0], 100);
}

Test(decode, vlan_qinq_two_tags)
{
	static const uint8_t eth[] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55,	/* dst MAC */
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,	/* src MAC */
		0x88, 0xa8,				/* 802.1ad S-tag */
		0x10, 0xc8,				/* DEI 1, VID 200 */
		0x81, 0x00,				/* 802.1Q C-tag */
		0x0f, 0xff,				/* VID 4095 */
		0x86, 0xdd,				/* type IPv6 */
	};

	expect_ok(dec2(DLT_EN10MB, eth, sizeof(eth), v6_udp, sizeof(v6_udp), 9999));
	check_v6_udp(buf + 22);
	cr_assert_eq(pkt.nvlan, 2);
	cr_assert_eq(pkt.vlan[0], 200);
	cr_assert_eq(pkt.vlan[1], 4095);
}

Test(decode, vlan_9100_outer)
{
	static const uint8_t eth[] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55,	/* dst MAC */
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,	/* src MAC */
		0x91, 0x00,				/* old QinQ TPID */
		0x00, 0x0a,				/* VID 10 */
		0x81, 0x00,				/* 802.1Q */
		0x00, 0x14,				/* VID 20 */
		0x08, 0x00,				/* type IPv4 */
	};

	expect_ok(dec2(DLT_EN10MB, eth, sizeof(eth), v4_tcp, sizeof(v4_tcp), 9999));
	cr_assert_eq(pkt.nvlan, 2);
	cr_assert_eq(pkt.vlan[0], 10);
	cr_assert_eq(pkt.vlan[1], 20);
}

Test(decode, vlan_three_tags_rejected)
{
	static const uint8_t eth[] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55,	/* dst MAC */
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,	/* src MAC */
		0x88, 0xa8, 0x00, 0x1e,			/* 802.1ad, VID 30 */
		0x81, 0x00, 0x00, 0x14,			/* 802.1Q, VID 20 */
		0x81, 0x00, 0x00, 0x0a,			/* 802.1Q, VID 10: one too many */
		0x08, 0x00,				/* type IPv4 */
	};

	expect_fail(dec2(DLT_EN10MB, eth, sizeof(eth), v4_tcp, sizeof(v4_tcp), 9999),
		    RASFLOW_DEC_UNSUPPORTED, RASFLOW_L_LINK, RASFLOW_R_VLAN_DEPTH);
	cr_assert_eq(pkt.nvlan, 2);
	cr_assert_eq(pkt.ipver, 0);
}

Test(decode, vlan_tag_cut)
{
	static const uint8_t eth[] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55,	/* dst MAC */
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,	/* src MAC */
		0x81, 0x00,				/* 802.1Q */
		0x00, 0x64,				/* VID 100; the inner type is cut */
	};

	expect_fail(dec(DLT_EN10MB, eth, sizeof(eth)), RASFLOW_DEC_TRUNC, RASFLOW_L_LINK,
		    RASFLOW_R_LINK_SHORT);
}

/* ---- truncation at each layer (same frame, shorter caplen) --------------- */

Test(decode, trunc_link)
{
	expect_fail(dec2(DLT_EN10MB, eth_v4, sizeof(eth_v4), v4_tcp, sizeof(v4_tcp), 13),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_LINK, RASFLOW_R_LINK_SHORT);
	expect_fail(dec2(DLT_LINUX_SLL2, eth_v4, sizeof(eth_v4), NULL, 0, 14),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_LINK, RASFLOW_R_LINK_SHORT);
	expect_fail(dec2(DLT_NULL, eth_v4, 3, NULL, 0, 3),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_LINK, RASFLOW_R_LINK_SHORT);
	expect_fail(dec2(DLT_EN10MB, eth_v4, 0, NULL, 0, 0),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_LINK, RASFLOW_R_LINK_SHORT);
}

Test(decode, trunc_ip)
{
	/* Ethernet + 10 bytes of IPv4 header */
	expect_fail(dec2(DLT_EN10MB, eth_v4, sizeof(eth_v4), v4_tcp, sizeof(v4_tcp), 24),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_IP, RASFLOW_R_IP_SHORT);
	cr_assert_eq(pkt.ipver, 0);
	/* Ethernet, no IP byte at all */
	expect_fail(dec2(DLT_EN10MB, eth_v4, sizeof(eth_v4), v4_tcp, sizeof(v4_tcp), 14),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_IP, RASFLOW_R_IP_SHORT);
	/* raw IPv6, 39 of 40 header bytes */
	expect_fail(dec2(DLT_RAW, v6_udp, sizeof(v6_udp), NULL, 0, 39),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_IP, RASFLOW_R_IP_SHORT);
	/* raw, empty */
	expect_fail(dec2(DLT_RAW, v6_udp, 0, NULL, 0, 0),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_IP, RASFLOW_R_IP_SHORT);
}

Test(decode, trunc_tcp)
{
	/* IPv4 header + 10 of 20 TCP bytes: hosts and protocol still known */
	expect_fail(dec2(DLT_EN10MB, eth_v4, sizeof(eth_v4), v4_tcp, sizeof(v4_tcp), 14 + 30),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_TRANSPORT, RASFLOW_R_L4_SHORT);
	cr_assert_eq(pkt.ipver, 4);
	expect_addr(&pkt.src, "10.0.0.1");
	expect_addr(&pkt.dst, "10.0.0.2");
	cr_assert_eq(pkt.proto, 6);
	cr_assert_eq(pkt.ip_len, 44);
	cr_assert_eq(pkt.l3_caplen, 30);
	cr_assert_eq(pkt.sport, 0);
	/* only the IPv4 header captured */
	expect_fail(dec2(DLT_RAW, v4_tcp, sizeof(v4_tcp), NULL, 0, 20),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_TRANSPORT, RASFLOW_R_L4_SHORT);
	cr_assert_eq(pkt.proto, 6);
}

Test(decode, tcp_header_whole_payload_cut_is_ok)
{
	/* snaplen ends right after the TCP header: OK, no captured payload */
	expect_ok(dec2(DLT_EN10MB, eth_v4, sizeof(eth_v4), v4_tcp, sizeof(v4_tcp), 14 + 40));
	cr_assert_eq(pkt.sport, 49152);
	cr_assert_eq(pkt.l3_caplen, 40);
	cr_assert_eq(pkt.ip_len, 44);
	cr_assert_eq(pkt.payload_len, 0);
	cr_assert_eq(pkt.payload_wire, 4);
}

Test(decode, tcp_options_cut_by_snaplen_is_ok)
{
	static const uint8_t syn[] = {
		0x45, 0x00, 0x00, 0x3c,	/* v4, ihl 5, total length 60 */
		0x00, 0x01, 0x40, 0x00,	/* id 1, DF */
		0x40, 0x06, 0x00, 0x00,	/* ttl 64, proto TCP, checksum */
		0x0a, 0x00, 0x00, 0x01,	/* src 10.0.0.1 */
		0x0a, 0x00, 0x00, 0x02,	/* dst 10.0.0.2 */
		0xc0, 0x01, 0x01, 0xbb,	/* sport 49153, dport 443 */
		0x00, 0x00, 0x00, 0x64,	/* seq 100 */
		0x00, 0x00, 0x00, 0x00,	/* ack 0 */
		0xa0, 0x02, 0xfa, 0xf0,	/* doff 10 (40 bytes), SYN, window */
		0x00, 0x00, 0x00, 0x00,	/* checksum, urgent pointer */
		0x02, 0x04, 0x05, 0xb4,	/* MSS 1460 */
		0x04, 0x02, 0x08, 0x0a,	/* SACK permitted, timestamps... */
		0x00, 0x00, 0x00, 0x01,	/* TSval */
		0x00, 0x00, 0x00, 0x00,	/* TSecr */
		0x01, 0x03, 0x03, 0x07,	/* NOP, window scale 7 */
	};

	/* Ethernet snaplen 64 keeps 50 of the 60 IP bytes */
	expect_ok(dec2(DLT_EN10MB, eth_v4, sizeof(eth_v4), syn, sizeof(syn), 64));
	cr_assert_eq(pkt.sport, 49153);
	cr_assert_eq(pkt.dport, 443);
	cr_assert_eq(pkt.tcp_flags, RASFLOW_TCP_SYN);
	cr_assert_eq(pkt.seq, 100);
	cr_assert_eq(pkt.payload_len, 0);
	cr_assert_eq(pkt.payload_wire, 0);
	cr_assert_eq(pkt.payload, buf + 64);
}

Test(decode, trunc_udp)
{
	/* IPv6 header + 6 of 8 UDP bytes */
	expect_fail(dec2(DLT_RAW, v6_udp, sizeof(v6_udp), NULL, 0, 46),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_TRANSPORT, RASFLOW_R_L4_SHORT);
	cr_assert_eq(pkt.ipver, 6);
	expect_addr(&pkt.src, "2001:db8::1");
	cr_assert_eq(pkt.proto, 17);
	/* UDP header whole, payload cut after 1 byte */
	expect_ok(dec2(DLT_RAW, v6_udp, sizeof(v6_udp), NULL, 0, 49));
	cr_assert_eq(pkt.payload_len, 1);
	cr_assert_eq(pkt.payload_wire, 4);
}

/* ---- IPv4 --------------------------------------------------------------- */

Test(decode, ipv4_options)
{
	static const uint8_t v4[] = {
		0x46, 0x00, 0x00, 0x24,	/* v4, ihl 6 (24 bytes), total length 36 */
		0x00, 0x07, 0x00, 0x00,	/* id 7, no flags */
		0x01, 0x11, 0x00, 0x00,	/* ttl 1, proto UDP, checksum */
		0xc0, 0xa8, 0x01, 0x0a,	/* src 192.168.1.10 */
		0xe0, 0x00, 0x00, 0x16,	/* dst 224.0.0.22 */
		0x94, 0x04, 0x00, 0x00,	/* option: router alert */
		0x00, 0x43, 0x00, 0x44,	/* sport 67, dport 68 */
		0x00, 0x0c, 0x00, 0x00,	/* length 12, checksum */
		0xde, 0xad, 0xbe, 0xef,	/* payload */
	};

	expect_ok(dec2(DLT_EN10MB, eth_v4, sizeof(eth_v4), v4, sizeof(v4), 9999));
	expect_addr(&pkt.src, "192.168.1.10");
	expect_addr(&pkt.dst, "224.0.0.22");
	cr_assert_eq(pkt.ttl, 1);
	cr_assert_eq(pkt.sport, 67);
	cr_assert_eq(pkt.dport, 68);
	cr_assert_eq(pkt.payload, buf + 14 + 32);
	cr_assert_eq(pkt.payload_len, 4);

	/* options cut by the snaplen: IP-layer truncation */
	expect_fail(dec2(DLT_EN10MB, eth_v4, sizeof(eth_v4), v4, sizeof(v4), 14 + 22),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_IP, RASFLOW_R_IP_SHORT);
}

Test(decode, ethernet_padding_is_not_payload)
{
	static const uint8_t v4[] = {
		0x45, 0x00, 0x00, 0x28,	/* v4, ihl 5, total length 40 */
		0x00, 0x02, 0x40, 0x00,	/* id 2, DF */
		0x40, 0x06, 0x00, 0x00,	/* ttl 64, proto TCP, checksum */
		0x0a, 0x00, 0x00, 0x02,	/* src 10.0.0.2 */
		0x0a, 0x00, 0x00, 0x01,	/* dst 10.0.0.1 */
		0x0d, 0x3d, 0xc0, 0x00,	/* sport 3389, dport 49152 */
		0x00, 0x00, 0x00, 0x01,	/* seq */
		0x00, 0x00, 0x00, 0x02,	/* ack */
		0x50, 0x10, 0x01, 0x00,	/* doff 5, ACK, window */
		0x00, 0x00, 0x00, 0x00,	/* checksum, urgent pointer */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* Ethernet padding to 60 bytes */
	};

	expect_ok(dec2(DLT_EN10MB, eth_v4, sizeof(eth_v4), v4, sizeof(v4), 9999));
	cr_assert_eq(14 + sizeof(v4), 60);
	cr_assert_eq(pkt.ip_len, 40);
	cr_assert_eq(pkt.l3_caplen, 40);
	cr_assert_eq(pkt.payload_len, 0);
	cr_assert_eq(pkt.payload_wire, 0);
	cr_assert_eq(pkt.tcp_flags, RASFLOW_TCP_ACK);
}

Test(decode, ipv4_tso_zero_total_length)
{
	static const uint8_t v4[] = {
		0x45, 0x00, 0x00, 0x00,	/* v4, ihl 5, total length 0 (TSO on the sender) */
		0x00, 0x03, 0x40, 0x00,	/* id 3, DF */
		0x40, 0x06, 0x00, 0x00,	/* ttl 64, proto TCP, checksum */
		0x0a, 0x00, 0x00, 0x01,	/* src 10.0.0.1 */
		0x0a, 0x00, 0x00, 0x02,	/* dst 10.0.0.2 */
		0xc0, 0x00, 0x0d, 0x3d,	/* sport 49152, dport 3389 */
		0x00, 0x00, 0x00, 0x01,	/* seq */
		0x00, 0x00, 0x00, 0x02,	/* ack */
		0x50, 0x18, 0x01, 0x00,	/* doff 5, PSH|ACK, window */
		0x00, 0x00, 0x00, 0x00,	/* checksum, urgent pointer */
		1, 2, 3, 4, 5, 6, 7, 8,	/* payload */
	};

	expect_ok(dec(DLT_RAW, v4, sizeof(v4)));
	cr_assert_eq(pkt.ip_len, 48);
	cr_assert_eq(pkt.payload_len, 8);
	cr_assert_eq(pkt.payload_wire, 8);
}

/* ---- malformed ---------------------------------------------------------- */

/* v4_tcp with one byte changed. */
static enum rasflow_dec dec_v4_tcp_patched(size_t off, uint8_t val)
{
	uint8_t v4[sizeof(v4_tcp)];

	memcpy(v4, v4_tcp, sizeof(v4));
	v4[off] = val;
	return dec(DLT_RAW, v4, sizeof(v4));
}

Test(decode, malformed_ihl_below_5)
{
	/* byte 0: v4, ihl 4 */
	expect_fail(dec_v4_tcp_patched(0, 0x44), RASFLOW_DEC_MALFORMED, RASFLOW_L_IP,
		    RASFLOW_R_IP_HLEN);
	cr_assert_eq(pkt.ipver, 0);
}

Test(decode, malformed_version_mismatch)
{
	/* ethertype IPv4 carrying an IPv6 header */
	expect_fail(dec2(DLT_EN10MB, eth_v4, sizeof(eth_v4), v6_udp, sizeof(v6_udp), 9999),
		    RASFLOW_DEC_MALFORMED, RASFLOW_L_IP, RASFLOW_R_IP_VERSION);
	/* ethertype IPv6 carrying an IPv4 header */
	expect_fail(dec2(DLT_EN10MB, eth_v6, sizeof(eth_v6), v4_tcp, sizeof(v4_tcp), 9999),
		    RASFLOW_DEC_MALFORMED, RASFLOW_L_IP, RASFLOW_R_IP_VERSION);
	/* raw link, version nibble 5 */
	expect_fail(dec_v4_tcp_patched(0, 0x55), RASFLOW_DEC_MALFORMED, RASFLOW_L_IP,
		    RASFLOW_R_IP_VERSION);
}

Test(decode, malformed_total_length_below_header)
{
	/* bytes 2-3: total length 19 < 20 */
	expect_fail(dec_v4_tcp_patched(3, 19), RASFLOW_DEC_MALFORMED, RASFLOW_L_IP,
		    RASFLOW_R_IP_TOTLEN);
	/* ihl 6 (24 bytes) but total length 20: header beyond the total length */
	{
		uint8_t v4[sizeof(v4_tcp)];

		memcpy(v4, v4_tcp, sizeof(v4));
		v4[0] = 0x46;	/* v4, ihl 6 */
		v4[3] = 20;	/* total length 20 */
		expect_fail(dec(DLT_RAW, v4, sizeof(v4)), RASFLOW_DEC_MALFORMED, RASFLOW_L_IP,
			    RASFLOW_R_IP_HLEN);
	}
}

Test(decode, malformed_tcp_doff)
{
	/* byte 32: doff 4 */
	expect_fail(dec_v4_tcp_patched(32, 0x40), RASFLOW_DEC_MALFORMED, RASFLOW_L_TRANSPORT,
		    RASFLOW_R_TCP_DOFF);
	cr_assert_eq(pkt.proto, 6);
	expect_addr(&pkt.src, "10.0.0.1");
	/* doff 15 (60 bytes) in a 24-byte segment */
	expect_fail(dec_v4_tcp_patched(32, 0xf0), RASFLOW_DEC_MALFORMED, RASFLOW_L_TRANSPORT,
		    RASFLOW_R_TCP_DOFF);
}

Test(decode, tcp_header_longer_than_packet_is_malformed)
{
	/* total length 30 says only 10 TCP bytes exist, and all are captured */
	static const uint8_t v4[] = {
		0x45, 0x00, 0x00, 0x1e,	/* v4, ihl 5, total length 30 */
		0x00, 0x01, 0x00, 0x00,	/* id 1 */
		0x40, 0x06, 0x00, 0x00,	/* ttl 64, proto TCP, checksum */
		0x0a, 0x00, 0x00, 0x01,	/* src 10.0.0.1 */
		0x0a, 0x00, 0x00, 0x02,	/* dst 10.0.0.2 */
		0xc0, 0x00, 0x0d, 0x3d,	/* sport 49152, dport 3389 */
		0x00, 0x00, 0x00, 0x01,	/* seq */
		0x00, 0x00,		/* ack, first half: the packet ends */
	};

	expect_fail(dec(DLT_RAW, v4, sizeof(v4)), RASFLOW_DEC_MALFORMED, RASFLOW_L_TRANSPORT,
		    RASFLOW_R_L4_SHORT);
}

Test(decode, malformed_udp_length)
{
	uint8_t v6[sizeof(v6_udp)];

	memcpy(v6, v6_udp, sizeof(v6));
	v6[45] = 7;	/* UDP length 7 < 8 */
	expect_fail(dec(DLT_RAW, v6, sizeof(v6)), RASFLOW_DEC_MALFORMED, RASFLOW_L_TRANSPORT,
		    RASFLOW_R_UDP_LEN);
	cr_assert_eq(pkt.proto, 17);
	v6[45] = 13;	/* UDP length 13 > 12 bytes of IP payload */
	expect_fail(dec(DLT_RAW, v6, sizeof(v6)), RASFLOW_DEC_MALFORMED, RASFLOW_L_TRANSPORT,
		    RASFLOW_R_UDP_LEN);
	v6[45] = 10;	/* UDP length 10 < IP payload: the UDP length rules */
	expect_ok(dec(DLT_RAW, v6, sizeof(v6)));
	cr_assert_eq(pkt.payload_len, 2);
	cr_assert_eq(pkt.payload_wire, 2);
}

/* ---- IPv6 extension headers and fragments -------------------------------- */

/* IPv6 with hop-by-hop, destination options and a fragment header, then TCP. */
static const uint8_t v6_ext_first[] = {
	0x60, 0x00, 0x00, 0x00,	/* v6 */
	0x00, 0x2c, 0x00, 0x3f,	/* payload length 44, next hop-by-hop, hop limit 63 */
	0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a,	/* src fd00::a */
	0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b,	/* dst fd00::b */
	0x3c, 0x00,		/* hop-by-hop: next dest opts, length 0 (8 bytes) */
	0x01, 0x04, 0x00, 0x00, 0x00, 0x00,	/* PadN 4 */
	0x2c, 0x00,		/* dest opts: next fragment, length 0 (8 bytes) */
	0x01, 0x04, 0x00, 0x00, 0x00, 0x00,	/* PadN 4 */
	0x06, 0x00,		/* fragment: next TCP, reserved */
	0x00, 0x01,		/* offset 0, M=1: first fragment */
	0x00, 0x00, 0xab, 0xcd,	/* identification 0xabcd */
	0xd4, 0x31, 0x01, 0xbb,	/* sport 54321, dport 443 */
	0x00, 0x00, 0x00, 0x01,	/* seq 1 */
	0x00, 0x00, 0x00, 0x00,	/* ack 0 */
	0x50, 0x02, 0x10, 0x00,	/* doff 5, SYN, window */
	0x00, 0x00, 0x00, 0x00,	/* checksum, urgent pointer */
};

Test(decode, ipv6_hbh_dstopts_fragment_first)
{
	expect_ok(dec2(DLT_EN10MB, eth_v6, sizeof(eth_v6), v6_ext_first, sizeof(v6_ext_first),
		       9999));
	cr_assert_eq(pkt.ipver, 6);
	expect_addr(&pkt.src, "fd00::a");
	expect_addr(&pkt.dst, "fd00::b");
	cr_assert_eq(pkt.ttl, 63);
	cr_assert_eq(pkt.proto, 6);
	cr_assert_eq(pkt.frag, RASFLOW_FRAG_FIRST);
	cr_assert_eq(pkt.frag_id, 0xabcd);
	cr_assert_eq(pkt.sport, 54321);
	cr_assert_eq(pkt.dport, 443);
	cr_assert_eq(pkt.tcp_flags, RASFLOW_TCP_SYN);
	cr_assert_eq(pkt.ip_len, 84);
	cr_assert_eq(pkt.payload_len, 0);
	cr_assert_eq(st.fragments_later, 0);
}

Test(decode, ipv6_ext_header_cut)
{
	/* capture ends inside the destination options header */
	expect_fail(dec2(DLT_RAW, v6_ext_first, sizeof(v6_ext_first), NULL, 0, 52),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_IP, RASFLOW_R_IP6_EXT);
	cr_assert_eq(pkt.ipver, 6);	/* the hosts are known even so */
	expect_addr(&pkt.dst, "fd00::b");
}

Test(decode, ipv6_ext_header_beyond_payload_length)
{
	uint8_t v6[56];

	memcpy(v6, v6_ext_first, sizeof(v6));
	v6[5] = 12;	/* payload length 12: dest opts runs past it; all captured */
	expect_fail(dec(DLT_RAW, v6, sizeof(v6)), RASFLOW_DEC_MALFORMED, RASFLOW_L_IP,
		    RASFLOW_R_IP6_EXT);
}

Test(decode, ipv6_fragment_later)
{
	static const uint8_t v6[] = {
		0x60, 0x00, 0x00, 0x00,	/* v6 */
		0x00, 0x10, 0x2c, 0x40,	/* payload length 16, next fragment, hop limit 64 */
		0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a,	/* src fd00::a */
		0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b,	/* dst fd00::b */
		0x11, 0x00,		/* fragment: next UDP, reserved */
		0x00, 0xb8,		/* offset 23 (184 bytes), M=0: last fragment */
		0x00, 0x00, 0xab, 0xcd,	/* identification 0xabcd */
		1, 2, 3, 4, 5, 6, 7, 8,	/* fragment data (not a UDP header) */
	};

	expect_ok(dec(DLT_RAW, v6, sizeof(v6)));
	cr_assert_eq(pkt.frag, RASFLOW_FRAG_LATER);
	cr_assert_eq(pkt.frag_id, 0xabcd);
	cr_assert_eq(pkt.proto, 17);
	cr_assert_eq(pkt.sport, 0);
	cr_assert_eq(pkt.dport, 0);
	cr_assert_eq(pkt.payload_len, 8);
	cr_assert_eq(pkt.payload_wire, 8);
	cr_assert_eq(st.fragments_later, 1);
}

Test(decode, ipv6_too_many_ext_headers)
{
	uint8_t v6[40 + 9 * 8 + 8];
	static const uint8_t hdr[] = {
		0x60, 0x00, 0x00, 0x00,	/* v6 */
		0x00, 0x50, 0x3c, 0x40,	/* payload length 80, next dest opts, hop limit 64 */
	};
	static const uint8_t dstopt[] = {
		0x3c, 0x00,		/* dest opts: next dest opts again, length 0 */
		0x01, 0x04, 0x00, 0x00, 0x00, 0x00,	/* PadN 4 */
	};

	memset(v6, 0, sizeof(v6));
	memcpy(v6, hdr, sizeof(hdr));	/* addresses :: -> :: */
	for (int i = 0; i < 10; i++)
		memcpy(v6 + 40 + 8 * i, dstopt, sizeof(dstopt));
	expect_fail(dec(DLT_RAW, v6, sizeof(v6)), RASFLOW_DEC_MALFORMED, RASFLOW_L_IP,
		    RASFLOW_R_IP6_EXT);
}

Test(decode, ipv6_esp_and_no_next_are_protocols)
{
	uint8_t v6[sizeof(v6_udp)];

	memcpy(v6, v6_udp, sizeof(v6));
	v6[6] = 50;	/* next header ESP */
	expect_ok(dec(DLT_RAW, v6, sizeof(v6)));
	cr_assert_eq(pkt.proto, 50);
	cr_assert_eq(pkt.sport, 0);
	cr_assert_eq(pkt.payload_len, 12);
	v6[6] = 59;	/* no next header */
	expect_ok(dec(DLT_RAW, v6, sizeof(v6)));
	cr_assert_eq(pkt.proto, 59);
}

Test(decode, ipv6_ah)
{
	static const uint8_t v6[] = {
		0x60, 0x00, 0x00, 0x00,	/* v6 */
		0x00, 0x20, 0x33, 0x40,	/* payload length 32, next AH, hop limit 64 */
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,	/* src */
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,	/* dst */
		0x11, 0x04, 0x00, 0x00,	/* AH: next UDP, length 4 ((4+2)*4 = 24 bytes) */
		0x00, 0x00, 0x01, 0x00,	/* SPI */
		0x00, 0x00, 0x00, 0x01,	/* sequence */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* ICV (12 bytes) */
		0x01, 0xf4, 0x01, 0xf4,	/* sport 500, dport 500 */
		0x00, 0x08, 0x00, 0x00,	/* length 8, checksum */
	};

	expect_ok(dec(DLT_RAW, v6, sizeof(v6)));
	cr_assert_eq(pkt.proto, 17);
	cr_assert_eq(pkt.sport, 500);
	cr_assert_eq(pkt.payload_len, 0);
}

/* ---- IPv4 fragments ------------------------------------------------------ */

Test(decode, ipv4_fragment_first)
{
	static const uint8_t v4[] = {
		0x45, 0x00, 0x00, 0x24,	/* v4, ihl 5, total length 36 */
		0x43, 0x21, 0x20, 0x00,	/* id 0x4321, MF, offset 0 */
		0x40, 0x11, 0x00, 0x00,	/* ttl 64, proto UDP, checksum */
		0x0a, 0x00, 0x00, 0x01,	/* src 10.0.0.1 */
		0x0a, 0x00, 0x00, 0x02,	/* dst 10.0.0.2 */
		0x00, 0x35, 0xd4, 0x31,	/* sport 53, dport 54321 */
		0x05, 0xc8, 0x00, 0x00,	/* length 1480: the whole datagram */
		1, 2, 3, 4, 5, 6, 7, 8,	/* first 8 data bytes */
	};

	expect_ok(dec(DLT_RAW, v4, sizeof(v4)));
	cr_assert_eq(pkt.frag, RASFLOW_FRAG_FIRST);
	cr_assert_eq(pkt.frag_id, 0x4321);
	cr_assert_eq(pkt.proto, 17);
	cr_assert_eq(pkt.sport, 53);
	cr_assert_eq(pkt.dport, 54321);
	cr_assert_eq(pkt.payload_len, 8);
	cr_assert_eq(pkt.payload_wire, 8);
	cr_assert_eq(st.fragments_later, 0);
}

Test(decode, ipv4_fragment_later)
{
	static const uint8_t v4[] = {
		0x45, 0x00, 0x00, 0x1c,	/* v4, ihl 5, total length 28 */
		0x43, 0x21, 0x00, 0xb9,	/* id 0x4321, no MF, offset 185 (1480 bytes) */
		0x40, 0x11, 0x00, 0x00,	/* ttl 64, proto UDP, checksum */
		0x0a, 0x00, 0x00, 0x01,	/* src 10.0.0.1 */
		0x0a, 0x00, 0x00, 0x02,	/* dst 10.0.0.2 */
		1, 2, 3, 4, 5, 6, 7, 8,	/* data (not a UDP header) */
	};

	expect_ok(dec(DLT_RAW, v4, sizeof(v4)));
	cr_assert_eq(pkt.frag, RASFLOW_FRAG_LATER);
	cr_assert_eq(pkt.frag_id, 0x4321);
	cr_assert_eq(pkt.proto, 17);
	cr_assert_eq(pkt.sport, 0);
	cr_assert_eq(pkt.dport, 0);
	cr_assert_eq(pkt.payload_len, 8);
	cr_assert_eq(st.fragments_later, 1);
	expect_addr(&pkt.src, "10.0.0.1");
}

Test(decode, ipv4_first_fragment_cuts_tcp_options)
{
	/* zeek-fragmented-syn.pcap frame 1: a SYN whose 40-byte TCP header
	 * continues in the next fragment */
	static const uint8_t v4[] = {
		0x45, 0x00, 0x00, 0x2c,	/* v4, ihl 5, total length 44 */
		0x00, 0x01, 0x20, 0x00,	/* id 1, MF, offset 0 */
		0x40, 0x06, 0x8e, 0xba,	/* ttl 64, proto TCP, checksum */
		0xc0, 0xa8, 0x01, 0x64,	/* src 192.168.1.100 */
		0x0a, 0x00, 0x00, 0x05,	/* dst 10.0.0.5 */
		0x30, 0x39, 0x00, 0x50,	/* sport 12345, dport 80 */
		0x00, 0x00, 0x03, 0xe8,	/* seq 1000 */
		0x00, 0x00, 0x00, 0x00,	/* ack 0 */
		0xa0, 0x02, 0x20, 0x00,	/* doff 10 (40 bytes), SYN, window */
		0xc5, 0x73, 0x00, 0x00,	/* checksum, urgent pointer */
		0x02, 0x04, 0x05, 0xb4,	/* MSS 1460; the fragment ends here */
	};

	expect_ok(dec(DLT_RAW, v4, sizeof(v4)));
	cr_assert_eq(pkt.frag, RASFLOW_FRAG_FIRST);
	cr_assert_eq(pkt.frag_id, 1);
	cr_assert_eq(pkt.sport, 12345);
	cr_assert_eq(pkt.dport, 80);
	cr_assert_eq(pkt.tcp_flags, RASFLOW_TCP_SYN);
	cr_assert_eq(pkt.seq, 1000);
	cr_assert_eq(pkt.payload_len, 0);
	cr_assert_eq(pkt.payload_wire, 0);

	/* the same doff in an unfragmented packet is malformed */
	{
		uint8_t nf[sizeof(v4)];

		memcpy(nf, v4, sizeof(nf));
		nf[6] = 0x00;	/* no MF */
		expect_fail(dec(DLT_RAW, nf, sizeof(nf)), RASFLOW_DEC_MALFORMED,
			    RASFLOW_L_TRANSPORT, RASFLOW_R_TCP_DOFF);
	}
}

/* ---- ICMP ---------------------------------------------------------------- */

/* 10.0.0.2 tells 10.0.0.1 that UDP port 53 is unreachable. */
static const uint8_t icmp4_port_unreach_udp[] = {
	0x45, 0x00, 0x00, 0x38,	/* v4, ihl 5, total length 56 */
	0x00, 0x09, 0x00, 0x00,	/* id 9 */
	0x40, 0x01, 0x00, 0x00,	/* ttl 64, proto ICMP, checksum */
	0x0a, 0x00, 0x00, 0x02,	/* src 10.0.0.2 */
	0x0a, 0x00, 0x00, 0x01,	/* dst 10.0.0.1 */
	0x03, 0x03, 0x00, 0x00,	/* type 3 unreachable, code 3 port, checksum */
	0x00, 0x00, 0x00, 0x00,	/* unused */
	0x45, 0x00, 0x00, 0x24,	/* quoted: v4, ihl 5, total length 36 */
	0x00, 0x08, 0x00, 0x00,	/*   id 8 */
	0x40, 0x11, 0x00, 0x00,	/*   ttl 64, proto UDP, checksum */
	0x0a, 0x00, 0x00, 0x01,	/*   src 10.0.0.1 */
	0x0a, 0x00, 0x00, 0x02,	/*   dst 10.0.0.2 */
	0xd4, 0x31, 0x00, 0x35,	/*   sport 54321, dport 53 */
	0x00, 0x10, 0x00, 0x00,	/*   length 16, checksum */
};

Test(decode, icmp4_port_unreachable_quoting_udp)
{
	expect_ok(dec2(DLT_EN10MB, eth_v4, sizeof(eth_v4), icmp4_port_unreach_udp,
		       sizeof(icmp4_port_unreach_udp), 9999));
	cr_assert_eq(pkt.proto, 1);
	cr_assert_eq(pkt.icmp_type, 3);
	cr_assert_eq(pkt.icmp_code, 3);
	cr_assert_eq(pkt.sport, 0);
	cr_assert(pkt.icmp_unreach);
	expect_addr(&pkt.quoted.src, "10.0.0.1");
	expect_addr(&pkt.quoted.dst, "10.0.0.2");
	cr_assert_eq(pkt.quoted.proto, 17);
	cr_assert_eq(pkt.quoted.sport, 54321);
	cr_assert_eq(pkt.quoted.dport, 53);
	cr_assert_eq(pkt.payload_len, 28);
}

Test(decode, icmp4_quote_truncated)
{
	/* quote cut inside the UDP ports */
	expect_fail(dec2(DLT_RAW, icmp4_port_unreach_udp, sizeof(icmp4_port_unreach_udp), NULL,
			 0, 20 + 8 + 20 + 2),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_QUOTED, RASFLOW_R_QUOTED_SHORT);
	cr_assert_not(pkt.icmp_unreach);
	cr_assert_eq(pkt.icmp_type, 3);
	expect_addr(&pkt.src, "10.0.0.2");
	cr_assert_eq(pkt.proto, 1);
	/* quote cut inside the quoted IP header */
	expect_fail(dec2(DLT_RAW, icmp4_port_unreach_udp, sizeof(icmp4_port_unreach_udp), NULL,
			 0, 20 + 8 + 10),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_QUOTED, RASFLOW_R_QUOTED_SHORT);
	/* ICMP header itself cut */
	expect_fail(dec2(DLT_RAW, icmp4_port_unreach_udp, sizeof(icmp4_port_unreach_udp), NULL,
			 0, 20 + 4),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_TRANSPORT, RASFLOW_R_L4_SHORT);
}

Test(decode, icmp4_host_unreachable_quoting_tcp)
{
	static const uint8_t v4[] = {
		0x45, 0x00, 0x00, 0x38,	/* v4, ihl 5, total length 56 */
		0x00, 0x0a, 0x00, 0x00,	/* id 10 */
		0xfe, 0x01, 0x00, 0x00,	/* ttl 254, proto ICMP, checksum */
		0xc0, 0xa8, 0x00, 0x01,	/* src 192.168.0.1 (a router) */
		0x0a, 0x00, 0x00, 0x01,	/* dst 10.0.0.1 */
		0x03, 0x01, 0x00, 0x00,	/* type 3 unreachable, code 1 host, checksum */
		0x00, 0x00, 0x00, 0x00,	/* unused */
		0x45, 0x00, 0x00, 0x3c,	/* quoted: v4, ihl 5, total length 60 */
		0x00, 0x01, 0x40, 0x00,	/*   id 1, DF */
		0x3f, 0x06, 0x00, 0x00,	/*   ttl 63, proto TCP, checksum */
		0x0a, 0x00, 0x00, 0x01,	/*   src 10.0.0.1 */
		0x0a, 0x00, 0x09, 0x09,	/*   dst 10.0.9.9 */
		0xc0, 0x02, 0x01, 0xbb,	/*   sport 49154, dport 443 */
		0x00, 0x00, 0x00, 0x64,	/*   seq 100; the quote ends after 8 bytes */
	};

	expect_ok(dec(DLT_RAW, v4, sizeof(v4)));
	cr_assert(pkt.icmp_unreach);
	cr_assert_eq(pkt.icmp_code, 1);
	expect_addr(&pkt.src, "192.168.0.1");
	expect_addr(&pkt.quoted.src, "10.0.0.1");
	expect_addr(&pkt.quoted.dst, "10.0.9.9");
	cr_assert_eq(pkt.quoted.proto, 6);
	cr_assert_eq(pkt.quoted.sport, 49154);
	cr_assert_eq(pkt.quoted.dport, 443);
}

Test(decode, icmp4_quote_wrong_version)
{
	uint8_t v4[sizeof(icmp4_port_unreach_udp)];

	memcpy(v4, icmp4_port_unreach_udp, sizeof(v4));
	v4[28] = 0x65;	/* quoted header claims version 6 */
	expect_fail(dec(DLT_RAW, v4, sizeof(v4)), RASFLOW_DEC_MALFORMED, RASFLOW_L_QUOTED,
		    RASFLOW_R_IP_VERSION);
}

Test(decode, icmp4_echo_is_not_unreachable)
{
	static const uint8_t v4[] = {
		0x45, 0x00, 0x00, 0x1c,	/* v4, ihl 5, total length 28 */
		0x00, 0x0b, 0x00, 0x00,	/* id 11 */
		0x40, 0x01, 0x00, 0x00,	/* ttl 64, proto ICMP, checksum */
		0x0a, 0x00, 0x00, 0x01,	/* src 10.0.0.1 */
		0x0a, 0x00, 0x00, 0x02,	/* dst 10.0.0.2 */
		0x08, 0x00, 0x00, 0x00,	/* type 8 echo request, code 0, checksum */
		0x12, 0x34, 0x00, 0x01,	/* identifier, sequence */
	};

	expect_ok(dec(DLT_RAW, v4, sizeof(v4)));
	cr_assert_eq(pkt.icmp_type, 8);
	cr_assert_not(pkt.icmp_unreach);
	cr_assert_eq(pkt.sport, 0);
}

/* ICMPv6 unreachable from fd00::2 to fd00::1 quoting a TCP or UDP packet. */
static const uint8_t icmp6_unreach[] = {
	0x60, 0x00, 0x00, 0x00,	/* v6 */
	0x00, 0x38, 0x3a, 0x40,	/* payload length 56, next ICMPv6, hop limit 64 */
	0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,	/* src fd00::2 */
	0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,	/* dst fd00::1 */
	0x01, 0x04, 0x00, 0x00,	/* type 1 unreachable, code 4 port, checksum */
	0x00, 0x00, 0x00, 0x00,	/* unused */
	0x60, 0x00, 0x00, 0x00,	/* quoted: v6 */
	0x00, 0x14, 0x06, 0x40,	/*   payload length 20, next TCP (patched to UDP), hlim 64 */
	0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,	/*   src fd00::1 */
	0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,	/*   dst fd00::2 */
	0xc3, 0x50, 0x00, 0x16,	/*   sport 50000, dport 22 */
	0x00, 0x00, 0x00, 0x01,	/*   TCP seq / UDP length+checksum */
};

Test(decode, icmp6_unreachable_quoting_tcp)
{
	expect_ok(dec2(DLT_EN10MB, eth_v6, sizeof(eth_v6), icmp6_unreach, sizeof(icmp6_unreach),
		       9999));
	cr_assert_eq(pkt.proto, 58);
	cr_assert_eq(pkt.icmp_type, 1);
	cr_assert_eq(pkt.icmp_code, 4);
	cr_assert(pkt.icmp_unreach);
	expect_addr(&pkt.quoted.src, "fd00::1");
	expect_addr(&pkt.quoted.dst, "fd00::2");
	cr_assert_eq(pkt.quoted.proto, 6);
	cr_assert_eq(pkt.quoted.sport, 50000);
	cr_assert_eq(pkt.quoted.dport, 22);
}

Test(decode, icmp6_unreachable_quoting_udp)
{
	uint8_t v6[sizeof(icmp6_unreach)];

	memcpy(v6, icmp6_unreach, sizeof(v6));
	v6[54] = 17;	/* quoted next header UDP */
	expect_ok(dec(DLT_RAW, v6, sizeof(v6)));
	cr_assert(pkt.icmp_unreach);
	cr_assert_eq(pkt.quoted.proto, 17);
	cr_assert_eq(pkt.quoted.sport, 50000);
	cr_assert_eq(pkt.quoted.dport, 22);
	/* the quote cut inside the quoted IPv6 header */
	expect_fail(dec2(DLT_RAW, v6, sizeof(v6), NULL, 0, 40 + 8 + 30), RASFLOW_DEC_TRUNC,
		    RASFLOW_L_QUOTED, RASFLOW_R_QUOTED_SHORT);
	cr_assert_eq(pkt.proto, 58);
}

/* ---- other protocols ------------------------------------------------------ */

Test(decode, vrrp)
{
	static const uint8_t v4[] = {
		0x45, 0xc0, 0x00, 0x20,	/* v4, ihl 5, tos 0xc0, total length 32 */
		0x00, 0x00, 0x00, 0x00,	/* id 0 */
		0xff, 0x70, 0x00, 0x00,	/* ttl 255, proto VRRP (112), checksum */
		0x0a, 0x00, 0x00, 0x03,	/* src 10.0.0.3 */
		0xe0, 0x00, 0x00, 0x12,	/* dst 224.0.0.18 */
		0x31, 0x01, 0x64, 0x01,	/* VRRPv3 advertisement, VRID 1, prio 100, 1 addr */
		0x00, 0x64, 0x00, 0x00,	/* max adver interval, checksum */
		0x0a, 0x00, 0x00, 0xfe,	/* virtual address 10.0.0.254 */
	};

	expect_ok(dec2(DLT_EN10MB, eth_v4, sizeof(eth_v4), v4, sizeof(v4), 9999));
	cr_assert_eq(pkt.proto, 112);
	cr_assert_eq(pkt.sport, 0);
	cr_assert_eq(pkt.dport, 0);
	cr_assert_eq(pkt.ttl, 255);
	cr_assert_eq(pkt.payload_len, 12);
	cr_assert_eq(pkt.payload_wire, 12);
}

Test(decode, names)
{
	cr_assert_str_eq(rasflow_dec_layer_name(RASFLOW_L_QUOTED), "quoted");
	cr_assert_str_eq(rasflow_dec_result_name(RASFLOW_DEC_TRUNC), "truncated");
	cr_assert_str_eq(rasflow_dec_reason_name(RASFLOW_R_VLAN_DEPTH), "vlan_depth");
	for (int i = 0; i < RASFLOW_R_COUNT; i++)
		cr_assert_not_null(rasflow_dec_reason_name((enum rasflow_dec_reason)i));
	cr_assert_str_eq(rasflow_dec_reason_name(RASFLOW_R_COUNT), "?");
}

Test(decode, stats_accumulate)
{
	struct rasflow_dec_stats s;
	struct rasflow_pkt p;

	memset(&s, 0, sizeof(s));
	for (int i = 0; i < 3; i++)
		cr_assert_eq(rasflow_decode_frame(DLT_RAW, v4_tcp, sizeof(v4_tcp), &p, &s),
			     RASFLOW_DEC_OK);
	cr_assert_eq(rasflow_decode_frame(DLT_RAW, v4_tcp, 10, &p, &s), RASFLOW_DEC_TRUNC);
	cr_assert_eq(s.frames, 4);
	cr_assert_eq(s.by[RASFLOW_L_IP][RASFLOW_DEC_TRUNC], 1);
	cr_assert_eq(s.reason[RASFLOW_R_IP_SHORT], 1);
}

/* ---- the public captures --------------------------------------------------- */

/* What a capture must decode to, packet by packet (index from 0). */
struct expect_pkt {
	enum rasflow_dec res;
	enum rasflow_dec_reason reason;
	uint8_t ipver, proto, nvlan;
	uint16_t vlan0, vlan1;
	uint16_t sport, dport;	/* checked when nonzero */
};

struct expect_file {
	const char *name;
	int dlt;
	unsigned npkts;
	struct expect_pkt p[12];	/* entries left all-zero repeat p[0] */
};

#define OK4(pr) { RASFLOW_DEC_OK, RASFLOW_R_NONE, 4, pr, 0, 0, 0, 0, 0 }
#define OK6(pr) { RASFLOW_DEC_OK, RASFLOW_R_NONE, 6, pr, 0, 0, 0, 0, 0 }

/* Checked by hand with tshark -r FILE -V. */
static const struct expect_file expected[] = {
	/* one IPv6/UDP DNS query 2001:db8::1:12345 -> 2620:fe::9:53 */
	{ "tcpdump-LINKTYPE_IPV6.pcap", DLT_IPV6, 1,
	  { { RASFLOW_DEC_OK, RASFLOW_R_NONE, 6, 17, 0, 0, 0, 12345, 53 } } },
	{ "tcpdump-LINKTYPE_RAW_ipv6.pcap", DLT_RAW, 1,
	  { { RASFLOW_DEC_OK, RASFLOW_R_NONE, 6, 17, 0, 0, 0, 12345, 53 } } },
	/* SLL2: 2 ICMP echo (v4), 2 ICMPv6 echo, ARP, RARP (0x8035) */
	{ "zeek-linux_dlt_sll2.pcap", DLT_LINUX_SLL2, 6,
	  { OK4(1), OK4(1), OK6(58), OK6(58),
	    { RASFLOW_DEC_UNSUPPORTED, RASFLOW_R_NOT_IP, 0, 0, 0, 0, 0, 0, 0 },
	    { RASFLOW_DEC_UNSUPPORTED, RASFLOW_R_NOT_IP, 0, 0, 0, 0, 0, 0, 0 } } },
	/* 802.1ad S-tag 1525 / 1535 + 802.1Q 30 / 40, ICMP echo request and reply */
	{ "arkime-dot1ad.pcap", DLT_EN10MB, 2,
	  { { RASFLOW_DEC_OK, RASFLOW_R_NONE, 4, 1, 2, 1525, 30, 0, 0 },
	    { RASFLOW_DEC_OK, RASFLOW_R_NONE, 4, 1, 2, 1535, 40, 0, 0 } } },
	/* 802.1ad 200 + 802.1Q 2001 carrying ARP: tags walked, then not IP */
	{ "tcpdump-802.1ad_QinQ.pcap", DLT_EN10MB, 2,
	  { { RASFLOW_DEC_UNSUPPORTED, RASFLOW_R_NOT_IP, 0, 0, 2, 200, 2001, 0, 0 },
	    { RASFLOW_DEC_UNSUPPORTED, RASFLOW_R_NOT_IP, 0, 0, 2, 200, 2001, 0, 0 } } },
	/* two 802.1Q tags 201 / 200, HTTP over TCP port 80 */
	{ "arkime-twovlan.pcap", DLT_EN10MB, 6,
	  { { RASFLOW_DEC_OK, RASFLOW_R_NONE, 4, 6, 2, 201, 200, 0, 0 } } },
	/* three 802.1Q tags 30 / 20 / 10 on every packet */
	{ "zeek-vlan-qinqinq.pcap", DLT_EN10MB, 14,
	  { { RASFLOW_DEC_UNSUPPORTED, RASFLOW_R_VLAN_DEPTH, 0, 0, 2, 30, 20, 0, 0 } } },
	/* a fragmented SYN: first fragment (ports), then the later one */
	{ "zeek-fragmented-syn.pcap", DLT_EN10MB, 2,
	  { { RASFLOW_DEC_OK, RASFLOW_R_NONE, 4, 6, 0, 0, 0, 12345, 80 },
	    { RASFLOW_DEC_OK, RASFLOW_R_NONE, 4, 6, 0, 0, 0, 0, 0 } } },
	/* BSD loopback, little-endian AF_INET, RDP on TCP 3389 */
	{ "ndpi-rdp.pcap", DLT_NULL, 20, { OK4(6) } },
};

/* Check one packet of an expected file. */
static void check_expected(const struct expect_file *e, unsigned i, enum rasflow_dec r,
			   const struct rasflow_pkt *p)
{
	const struct expect_pkt *x = &e->p[0];

	/* an all-zero entry (OK with no IP version) is shorthand for p[0] */
	if (i < 12 && !(e->p[i].res == RASFLOW_DEC_OK && e->p[i].ipver == 0))
		x = &e->p[i];
	cr_assert_eq(r, x->res, "%s #%u: %s (%s), want %s", e->name, i + 1,
		     rasflow_dec_result_name(r), rasflow_dec_reason_name(p->reason),
		     rasflow_dec_result_name(x->res));
	cr_assert_eq(p->reason, x->reason, "%s #%u", e->name, i + 1);
	cr_assert_eq(p->nvlan, x->nvlan, "%s #%u nvlan", e->name, i + 1);
	if (x->nvlan > 0)
		cr_assert_eq(p->vlan[0], x->vlan0, "%s #%u vlan0 %u", e->name, i + 1, p->vlan[0]);
	if (x->nvlan > 1)
		cr_assert_eq(p->vlan[1], x->vlan1, "%s #%u vlan1 %u", e->name, i + 1, p->vlan[1]);
	if (r != RASFLOW_DEC_OK)
		return;
	cr_assert_eq(p->ipver, x->ipver, "%s #%u ipver", e->name, i + 1);
	cr_assert_eq(p->proto, x->proto, "%s #%u proto", e->name, i + 1);
	if (x->sport)
		cr_assert_eq(p->sport, x->sport, "%s #%u", e->name, i + 1);
	if (x->dport)
		cr_assert_eq(p->dport, x->dport, "%s #%u", e->name, i + 1);
}

/* Directory of the public captures, or NULL when this clone lacks it. */
static const char *pcap_dir(char *out, size_t n)
{
	const char *shared = getenv("RASFLOW_SHARED");
	struct stat sb;

	if (shared == NULL)
		return NULL;
	snprintf(out, n, "%s/pcaps/public", shared);
	if (stat(out, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return NULL;
	return out;
}

/* The next capture file of directory d that libpcap opens (files named
 * *.pcap*, not nDPI's *.out); NULL at the end. Empty or unreadable files are
 * libpcap's business and skipped. path receives the file's path. */
static pcap_t *next_capture(DIR *d, const char *dir, char *path, size_t n, struct dirent **de)
{
	char errbuf[PCAP_ERRBUF_SIZE];

	while ((*de = readdir(d)) != NULL) {
		pcap_t *pc;

		if (strstr((*de)->d_name, ".pcap") == NULL || strstr((*de)->d_name, ".out") != NULL)
			continue;
		snprintf(path, n, "%s/%s", dir, (*de)->d_name);
		pc = pcap_open_offline(path, errbuf);
		if (pc != NULL)
			return pc;
	}
	return NULL;
}

Test(decode, public_captures)
{
	char dir[4096], path[4096 + 256];
	struct rasflow_dec_stats all;
	unsigned nfiles = 0, nexp = 0;
	uint64_t npkts = 0;
	struct dirent *de;
	pcap_t *pc;
	DIR *d;

	if (pcap_dir(dir, sizeof(dir)) == NULL)
		cr_skip_test("RASFLOW_SHARED/pcaps/public not present");
	d = opendir(dir);
	cr_assert_not_null(d);
	memset(&all, 0, sizeof(all));
	while ((pc = next_capture(d, dir, path, sizeof(path), &de)) != NULL) {
		const struct expect_file *e = NULL;
		struct pcap_pkthdr *h;
		const u_char *bytes;
		unsigned i = 0;
		int dlt;

		nfiles++;
		for (size_t k = 0; k < sizeof(expected) / sizeof(expected[0]); k++)
			if (strcmp(de->d_name, expected[k].name) == 0)
				e = &expected[k];
		dlt = pcap_datalink(pc);
		if (e != NULL)
			cr_assert_eq(dlt, e->dlt, "%s: DLT %d", e->name, dlt);
		while (pcap_next_ex(pc, &h, &bytes) == 1) {
			/* an exact-size copy, so ASan sees any read past caplen */
			uint8_t *copy = malloc(h->caplen ? h->caplen : 1);
			enum rasflow_dec r;

			cr_assert_not_null(copy);
			memcpy(copy, bytes, h->caplen);
			r = rasflow_decode_frame(dlt, copy, h->caplen, &pkt, &all);
			if (r == RASFLOW_DEC_OK && pkt.payload_len > 0)
				cr_assert(pkt.payload >= copy &&
					  pkt.payload + pkt.payload_len <= copy + h->caplen);
			if (r == RASFLOW_DEC_OK)
				cr_assert_leq(pkt.payload_len, pkt.payload_wire);
			if (e != NULL) {
				cr_assert_lt(i, e->npkts, "%s: more packets than expected", e->name);
				check_expected(e, i, r, &pkt);
			}
			free(copy);
			i++;
			npkts++;
		}
		if (e != NULL) {
			cr_assert_eq(i, e->npkts, "%s: %u packets", e->name, i);
			nexp++;
		}
		pcap_close(pc);
	}
	closedir(d);
	cr_assert_eq(nexp, sizeof(expected) / sizeof(expected[0]), "expected captures missing");
	cr_assert_eq(all.frames, npkts);
	fprintf(stderr, "# %u captures, %llu frames; not OK:", nfiles, (unsigned long long)npkts);
	for (int l = 0; l < RASFLOW_L_COUNT; l++)
		for (int r = 1; r < RASFLOW_DEC_COUNT; r++)
			if (all.by[l][r])
				fprintf(stderr, " %s/%s=%llu", rasflow_dec_layer_name(l),
					rasflow_dec_result_name(r),
					(unsigned long long)all.by[l][r]);
	fprintf(stderr, "\n");
}

/* Decode every frame of every capture in dir with rasflow_decode_frame and
 * with rasflow_decode_frame_general (no fast path), into packets prefilled
 * with different garbage, and require them to agree. Counts frames and those
 * the fast path can take (Ethernet with at most one VLAN tag, IPv4 or IPv6,
 * TCP/UDP, not a fragment). */
static void paths_agree_in(const char *dir, uint64_t *frames, uint64_t *fast)
{
	char path[4096 + 256];
	struct dirent *de;
	DIR *d = opendir(dir);
	pcap_t *pc;

	cr_assert_not_null(d, "%s", dir);
	while ((pc = next_capture(d, dir, path, sizeof(path), &de)) != NULL) {
		struct pcap_pkthdr *h;
		const u_char *bytes;
		uint64_t n = 0;
		int dlt;

		dlt = pcap_datalink(pc);
		while (pcap_next_ex(pc, &h, &bytes) == 1) {
			struct rasflow_dec_stats sa = { 0 }, sb = { 0 };
			struct rasflow_pkt a, b;
			enum rasflow_dec ra, rb;
			const char *diff;

			memset(&a, 0xa5, sizeof(a));
			memset(&b, 0x5a, sizeof(b));
			ra = rasflow_decode_frame(dlt, bytes, h->caplen, &a, &sa);
			rb = rasflow_decode_frame_general(dlt, bytes, h->caplen, &b, &sb);
			n++;
			diff = pkt_same(ra, &a, &sa, rb, &b, &sb);
			cr_assert_null(diff, "%s frame %llu: fast and general paths differ in %s",
				       path, (unsigned long long)n, diff);
			/* in the fast path's reach (less IPv6 with extension headers) */
			if (dlt == DLT_EN10MB && ra == RASFLOW_DEC_OK && a.nvlan <= 1 &&
			    a.frag == RASFLOW_FRAG_NONE && (a.proto == 6 || a.proto == 17))
				(*fast)++;
		}
		*frames += n;
		pcap_close(pc);
	}
	closedir(d);
}

Test(decode, fast_path_agrees_with_general_path)
{
	const char *src = getenv("RASFLOW_SRCDIR");
	char dir[4096];
	uint64_t frames = 0, fast = 0;

	cr_assert_not_null(src, "RASFLOW_SRCDIR not set");
	snprintf(dir, sizeof(dir), "%s/pcaps", src);
	paths_agree_in(dir, &frames, &fast);
	cr_assert_gt(fast, 100, "the committed captures exercise the fast path (%llu frames)",
		     (unsigned long long)fast);
	if (pcap_dir(dir, sizeof(dir)) != NULL)
		paths_agree_in(dir, &frames, &fast);
	fprintf(stderr, "# %llu frames agree, %llu of them fast-path\n",
		(unsigned long long)frames, (unsigned long long)fast);
}

/* ---- tunnels and PPPoE --------------------------------------------------- */

static struct rasflow_pkt outer;

/* Decode what the frame's packet carries into pkt (the outer one is kept in
 * `outer`), as the engine does. */
static enum rasflow_dec inner(void)
{
	outer = pkt;
	memset(&pkt, 0x5a, sizeof(pkt));
	return rasflow_decode_inner(&outer, &pkt, &st);
}

/* Append n bytes to the frame being built at f (length *len); b may be
 * NULL when n is 0. */
static void put(uint8_t *f, size_t *len, const void *b, size_t n)
{
	if (n == 0)
		return;
	memcpy(f + *len, b, n);
	*len += n;
}

/* An outer IPv4 header 192.0.2.1 -> 192.0.2.2, protocol proto, for a
 * payload of n bytes. */
static void put_outer4(uint8_t *f, size_t *len, uint8_t proto, size_t n)
{
	uint8_t h[20] = {
		0x45, 0x00, 0, 0,	/* v4, ihl 5, total length (below) */
		0x00, 0x01, 0x00, 0x00,	/* id 1, not a fragment */
		0x3f, 0, 0x00, 0x00,	/* ttl 63, protocol (below) */
		192, 0, 2, 1,		/* src */
		192, 0, 2, 2,		/* dst */
	};

	h[2] = (uint8_t)((20 + n) >> 8);
	h[3] = (uint8_t)(20 + n);
	h[9] = proto;
	put(f, len, h, sizeof(h));
}

/* A UDP header sport -> dport for a payload of n bytes. */
static void put_udp(uint8_t *f, size_t *len, uint16_t sport, uint16_t dport, size_t n)
{
	uint8_t h[8] = { (uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(dport >> 8),
			 (uint8_t)dport, (uint8_t)((8 + n) >> 8), (uint8_t)(8 + n), 0, 0 };

	put(f, len, h, sizeof(h));
}

/* Ethernet + outer IPv4 (proto) + encapsulation header + inner bytes;
 * decoded whole. Returns the offset of the inner bytes in buf. */
static size_t tunnel_frame(uint8_t proto, const uint8_t *encap, size_t nencap,
			   const uint8_t *in1, size_t n1, const uint8_t *in2, size_t n2)
{
	uint8_t f[512];
	size_t len = 0, at;

	put(f, &len, eth_v4, sizeof(eth_v4));
	put_outer4(f, &len, proto, nencap + n1 + n2);
	put(f, &len, encap, nencap);
	at = len;
	put(f, &len, in1, n1);
	if (in2 != NULL)
		put(f, &len, in2, n2);
	expect_ok(dec(DLT_EN10MB, f, len));
	return at;
}

/* tunnel_frame over UDP sport -> dport: the encapsulation is the UDP header
 * and hdr. */
static size_t udp_tunnel_frame(uint16_t sport, uint16_t dport, const uint8_t *hdr, size_t nhdr,
			       const uint8_t *in1, size_t n1, const uint8_t *in2, size_t n2)
{
	uint8_t encap[128];
	size_t n = 0;

	cr_assert_leq(nhdr, sizeof(encap) - 8);
	put_udp(encap, &n, sport, dport, nhdr + n1 + n2);
	put(encap, &n, hdr, nhdr);
	return tunnel_frame(17, encap, n, in1, n1, in2, n2);
}

/* The outer packet says it carries tunnel t of link type dlt from at on, and
 * the inner packet decodes OK, one level down, counted as tunnelled. */
static void expect_carries(enum rasflow_tunnel t, int dlt, size_t at)
{
	cr_assert_eq(pkt.tunnel, t, "tunnel %s, want %s", rasflow_tunnel_name(pkt.tunnel),
		     rasflow_tunnel_name(t));
	cr_assert_eq(pkt.inner_dlt, dlt);
	cr_assert_eq(pkt.inner, buf + at);
	cr_assert_eq(pkt.depth, 0);
	expect_ok(inner());
	cr_assert_eq(pkt.depth, 1);
	cr_assert_eq(st.tunneled, 1);
	cr_assert_eq(st.frames, 1, "an inner packet is not a frame");
}

Test(decode, ipv4_in_ipv4)
{
	size_t at = tunnel_frame(4, NULL, 0, v4_tcp, sizeof(v4_tcp), NULL, 0);

	cr_assert_eq(pkt.proto, 4);
	expect_addr(&pkt.src, "192.0.2.1");
	cr_assert_eq(pkt.inner_len, sizeof(v4_tcp));
	expect_carries(RASFLOW_TUN_IPIP, DLT_IPV4, at);
	check_v4_tcp(buf + at);
	cr_assert_eq(pkt.tunnel, RASFLOW_TUN_NONE);
}

Test(decode, ipv6_in_ipv4)
{
	size_t at = tunnel_frame(41, NULL, 0, v6_udp, sizeof(v6_udp), NULL, 0);

	expect_carries(RASFLOW_TUN_IPIP, DLT_IPV6, at);
	check_v6_udp(buf + at);
}

Test(decode, ipip_version_must_match_the_protocol)
{
	/* protocol 41 says IPv6, the carried header says 4 */
	size_t at = tunnel_frame(41, NULL, 0, v4_tcp, sizeof(v4_tcp), NULL, 0);

	cr_assert_eq(pkt.tunnel, RASFLOW_TUN_IPIP);
	cr_assert_eq(pkt.inner, buf + at);
	outer = pkt;
	cr_assert_eq(rasflow_decode_inner(&outer, &pkt, &st), RASFLOW_DEC_MALFORMED);
	cr_assert_eq(st.by[RASFLOW_L_IP][RASFLOW_DEC_MALFORMED], 1);
	cr_assert_eq(st.reason[RASFLOW_R_IP_VERSION], 1);
	cr_assert_eq(st.tunneled, 0);
	cr_assert_eq(st.frames, 1);
}

Test(decode, gre_ipv4_with_checksum_key_and_sequence)
{
	static const uint8_t gre[] = {
		0xb0, 0x00, 0x08, 0x00,	/* C, K, S; version 0; protocol IPv4 */
		0x12, 0x34, 0x00, 0x00,	/* checksum, reserved */
		0x00, 0x00, 0x00, 0x2a,	/* key 42 */
		0x00, 0x00, 0x00, 0x07,	/* sequence 7 */
	};
	size_t at = tunnel_frame(47, gre, sizeof(gre), v4_tcp, sizeof(v4_tcp), NULL, 0);

	cr_assert_eq(pkt.proto, 47);
	expect_carries(RASFLOW_TUN_GRE, DLT_IPV4, at);
	check_v4_tcp(buf + at);
}

Test(decode, gre_ethernet)
{
	static const uint8_t gre[] = { 0x00, 0x00, 0x65, 0x58 };	/* transparent bridging */
	size_t at = tunnel_frame(47, gre, sizeof(gre), eth_v6, sizeof(eth_v6), v6_udp,
				 sizeof(v6_udp));

	expect_carries(RASFLOW_TUN_GRE, DLT_EN10MB, at);
	check_v6_udp(buf + at + 14);
}

Test(decode, erspan_type_one_and_two)
{
	static const uint8_t type1[] = { 0x00, 0x00, 0x88, 0xbe };	/* no S: no header */
	static const uint8_t type2[] = {
		0x10, 0x00, 0x88, 0xbe,	/* S; ERSPAN */
		0x00, 0x00, 0x00, 0x01,	/* sequence */
		0x10, 0x64, 0x00, 0x05,	/* ERSPAN II: version 1, VLAN 100, session 5 */
		0x00, 0x00, 0x00, 0x00,	/* reserved, index */
	};
	size_t at = tunnel_frame(47, type1, sizeof(type1), eth_v4, sizeof(eth_v4), v4_tcp,
				 sizeof(v4_tcp));

	expect_carries(RASFLOW_TUN_ERSPAN, DLT_EN10MB, at);
	check_v4_tcp(buf + at + 14);

	at = tunnel_frame(47, type2, sizeof(type2), eth_v4, sizeof(eth_v4), v4_tcp,
			  sizeof(v4_tcp));
	cr_assert_eq(at, 14 + 20 + 16);
	expect_carries(RASFLOW_TUN_ERSPAN, DLT_EN10MB, at);
	check_v4_tcp(buf + at + 14);
}

Test(decode, erspan_type_three_with_platform_subheader)
{
	static const uint8_t type3[] = {
		0x10, 0x00, 0x22, 0xeb,	/* S; ERSPAN III */
		0x00, 0x00, 0x00, 0x01,	/* sequence */
		0x20, 0x64, 0x00, 0x05,	/* version 2, VLAN 100, session 5 */
		0x00, 0x00, 0x00, 0x00,	/* timestamp */
		0x00, 0x00, 0x00, 0x01,	/* SGT, P, frame type 0 (Ethernet), ..., O */
		0x00, 0x00, 0x00, 0x00,	/* platform-specific subheader (O) */
		0x00, 0x00, 0x00, 0x00,
	};
	size_t at = tunnel_frame(47, type3, sizeof(type3), eth_v4, sizeof(eth_v4), v4_tcp,
				 sizeof(v4_tcp));

	expect_carries(RASFLOW_TUN_ERSPAN, DLT_EN10MB, at);
	check_v4_tcp(buf + at + 14);
}

Test(decode, vxlan_bypasses_the_fast_path)
{
	static const uint8_t vx[] = { 0x08, 0, 0, 0, 0x00, 0x00, 0x2a, 0 };	/* I, VNI 42 */
	size_t at = udp_tunnel_frame(54321, 4789, vx, sizeof(vx), eth_v4, sizeof(eth_v4), v4_tcp,
				     sizeof(v4_tcp));

	cr_assert_eq(pkt.proto, 17);
	cr_assert_eq(pkt.dport, 4789);
	expect_carries(RASFLOW_TUN_VXLAN, DLT_EN10MB, at);
	check_v4_tcp(buf + at + 14);
}

/* A Geneve packet on UDP 6081: header, then options, then the frame. */
static size_t geneve_frame(const uint8_t *gen, size_t ngen, const uint8_t *in, size_t nin,
			   const uint8_t *in2, size_t nin2)
{
	size_t at = udp_tunnel_frame(33000, 6081, gen, ngen, in, nin, in2, nin2);

	cr_assert_eq(pkt.proto, 17);
	cr_assert_eq(pkt.dport, 6081);
	return at;
}

Test(decode, geneve_ethernet_with_options)
{
	static const uint8_t gen[] = {
		0x02, 0x00, 0x65, 0x58,	/* version 0, 2 option words; Ethernet */
		0x00, 0x10, 0x01, 0x00,	/* VNI 4097 */
		0x01, 0x08, 0x01, 0x01,	/* option: class 0x0108 (AWS), type 1, 1 word */
		0xde, 0xad, 0xbe, 0xef,	/* its data */
	};
	size_t at = geneve_frame(gen, sizeof(gen), eth_v4, sizeof(eth_v4), v4_tcp, sizeof(v4_tcp));

	cr_assert_eq(at, 14 + 20 + 8 + 16);
	expect_carries(RASFLOW_TUN_GENEVE, DLT_EN10MB, at);
	check_v4_tcp(buf + at + 14);
}

Test(decode, geneve_ip_without_options)
{
	static const uint8_t v4[] = { 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x2a, 0x00 };
	static const uint8_t v6[] = { 0x00, 0x00, 0x86, 0xdd, 0x00, 0x00, 0x2a, 0x00 };
	size_t at = geneve_frame(v4, sizeof(v4), v4_tcp, sizeof(v4_tcp), NULL, 0);

	expect_carries(RASFLOW_TUN_GENEVE, DLT_IPV4, at);
	check_v4_tcp(buf + at);
	memset(&st, 0, sizeof(st));
	at = geneve_frame(v6, sizeof(v6), v6_udp, sizeof(v6_udp), NULL, 0);
	expect_carries(RASFLOW_TUN_GENEVE, DLT_IPV6, at);
	check_v6_udp(buf + at);
}

/* Version 1, an unknown protocol type, and options longer than the packet
 * leave an ordinary UDP packet. */
Test(decode, geneve_that_does_not_parse)
{
	static const uint8_t ver1[] = { 0x40, 0x00, 0x65, 0x58, 0, 0, 0x2a, 0 };
	static const uint8_t arp[] = { 0x00, 0x00, 0x08, 0x06, 0, 0, 0x2a, 0 };
	static const uint8_t long_opts[] = { 0x3f, 0x00, 0x65, 0x58, 0, 0, 0x2a, 0 };

	geneve_frame(ver1, sizeof(ver1), eth_v4, sizeof(eth_v4), v4_tcp, sizeof(v4_tcp));
	cr_assert_eq(pkt.tunnel, RASFLOW_TUN_NONE);
	geneve_frame(arp, sizeof(arp), eth_v4, sizeof(eth_v4), v4_tcp, sizeof(v4_tcp));
	cr_assert_eq(pkt.tunnel, RASFLOW_TUN_NONE);
	/* 63 option words = 252 bytes, more than the 54 that follow */
	geneve_frame(long_opts, sizeof(long_opts), eth_v4, sizeof(eth_v4), v4_tcp, sizeof(v4_tcp));
	cr_assert_eq(pkt.tunnel, RASFLOW_TUN_NONE);
	cr_assert_null(pkt.inner);
}

Test(decode, gtpu_with_an_extension_header)
{
	static const uint8_t gtp[] = {
		0x34, 0xff, 0x00, 0x34,	/* version 1, PT, E; G-PDU; length */
		0x00, 0x00, 0x00, 0x01,	/* TEID */
		0x00, 0x00, 0x00, 0x85,	/* sequence, N-PDU, next: PDU session container */
		0x01, 0x00, 0x09, 0x00,	/* length 1 (4 bytes), content, next: none */
	};
	size_t at = udp_tunnel_frame(2152, 2152, gtp, sizeof(gtp), v4_tcp, sizeof(v4_tcp), NULL, 0);

	expect_carries(RASFLOW_TUN_GTPU, DLT_RAW, at);
	check_v4_tcp(buf + at);
}

/* Payloads that do not parse as their tunnel leave an ordinary packet. */
Test(decode, not_a_tunnel)
{
	static const uint8_t gre_v1[] = { 0x00, 0x01, 0x88, 0x0b };	/* PPTP's GRE */
	static const uint8_t gre_cut[] = { 0x20, 0x00, 0x08, 0x00, 0x00, 0x00 };	/* key cut */
	static const uint8_t gre_routing[] = { 0x40, 0x00, 0x08, 0x00 };
	static const uint8_t erspan2_bad_version[] = {
		0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1, 0x30, 0x64, 0, 5, 0, 0, 0, 0,
	};
	static const uint8_t text[] = "hello, not GTP";
	static const uint8_t vx_no_i[] = { 0x00, 0, 0, 0, 0, 0, 0x2a, 0 };

	tunnel_frame(47, gre_v1, sizeof(gre_v1), v4_tcp, sizeof(v4_tcp), NULL, 0);
	cr_assert_eq(pkt.tunnel, RASFLOW_TUN_NONE);
	cr_assert_null(pkt.inner);
	tunnel_frame(47, gre_routing, sizeof(gre_routing), v4_tcp, sizeof(v4_tcp), NULL, 0);
	cr_assert_eq(pkt.tunnel, RASFLOW_TUN_NONE);
	tunnel_frame(47, gre_cut, sizeof(gre_cut), NULL, 0, NULL, 0);
	cr_assert_eq(pkt.tunnel, RASFLOW_TUN_NONE);
	tunnel_frame(47, erspan2_bad_version, sizeof(erspan2_bad_version), eth_v4,
		     sizeof(eth_v4), v4_tcp, sizeof(v4_tcp));
	cr_assert_eq(pkt.tunnel, RASFLOW_TUN_NONE);
	/* GRE carrying nothing after its header */
	tunnel_frame(47, gre_routing + 0, 0, NULL, 0, NULL, 0);
	cr_assert_eq(pkt.tunnel, RASFLOW_TUN_NONE);

	udp_tunnel_frame(40000, 2152, text, sizeof(text), NULL, 0, NULL, 0);
	cr_assert_eq(pkt.dport, 2152);
	cr_assert_eq(pkt.tunnel, RASFLOW_TUN_NONE);
	cr_assert_eq(pkt.payload_len, sizeof(text));

	udp_tunnel_frame(40000, 4789, vx_no_i, sizeof(vx_no_i), v4_tcp, sizeof(v4_tcp), NULL, 0);
	cr_assert_eq(pkt.tunnel, RASFLOW_TUN_NONE);

	/* not a tunnel: rasflow_decode_inner decodes and counts nothing */
	outer = pkt;
	cr_assert_eq(rasflow_decode_inner(&outer, &pkt, &st), RASFLOW_DEC_UNSUPPORTED);
	cr_assert_eq(st.tunneled, 0);
	for (int i = 0; i < RASFLOW_R_COUNT; i++)
		cr_assert_eq(st.reason[i], 0);
}

Test(decode, a_fragment_carries_no_tunnel)
{
	uint8_t f[128];
	size_t len = 0;

	put(f, &len, eth_v4, sizeof(eth_v4));
	put_outer4(f, &len, 4, sizeof(v4_tcp));
	f[14 + 6] = 0x20;	/* MF: a first fragment */
	put(f, &len, v4_tcp, sizeof(v4_tcp));
	expect_ok(dec(DLT_EN10MB, f, len));
	cr_assert_eq(pkt.frag, RASFLOW_FRAG_FIRST);
	cr_assert_eq(pkt.tunnel, RASFLOW_TUN_NONE);
}

Test(decode, tunnels_nest_to_a_fixed_depth)
{
	uint8_t f[256];
	size_t len = 0;
	struct rasflow_pkt mid;

	/* IPv4 in IPv4 in IPv4 in IPv4: the frame's packet and two levels are
	 * decoded; the third level's packet says it carries nothing */
	put(f, &len, eth_v4, sizeof(eth_v4));
	put_outer4(f, &len, 4, 20 + 20 + sizeof(v4_tcp));
	put_outer4(f, &len, 4, 20 + sizeof(v4_tcp));
	put_outer4(f, &len, 4, sizeof(v4_tcp));
	put(f, &len, v4_tcp, sizeof(v4_tcp));
	expect_ok(dec(DLT_EN10MB, f, len));
	cr_assert_eq(pkt.tunnel, RASFLOW_TUN_IPIP);
	expect_ok(inner());
	cr_assert_eq(pkt.depth, 1);
	cr_assert_eq(pkt.tunnel, RASFLOW_TUN_IPIP);
	mid = pkt;
	expect_ok(rasflow_decode_inner(&mid, &pkt, &st));
	cr_assert_eq(pkt.depth, RASFLOW_TUNNEL_DEPTH);
	cr_assert_eq(pkt.proto, 4);
	cr_assert_eq(pkt.tunnel, RASFLOW_TUN_NONE);
	cr_assert_eq(st.tunneled, 2);
}

Test(decode, pppoe_session)
{
	static const uint8_t eth_pppoe[] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
		0x88, 0x64,		/* PPPoE session */
		0x11, 0x00,		/* version 1, type 1, code 0 */
		0x00, 0x2a, 0x00, 0x2e,	/* session 42, length 46 */
		0x00, 0x21,		/* PPP: IPv4 */
	};
	uint8_t lcp[sizeof(eth_pppoe)];

	expect_ok(dec2(DLT_EN10MB, eth_pppoe, sizeof(eth_pppoe), v4_tcp, sizeof(v4_tcp), 9999));
	check_v4_tcp(buf + sizeof(eth_pppoe));

	memcpy(lcp, eth_pppoe, sizeof(lcp));
	lcp[sizeof(lcp) - 2] = 0xc0;	/* PPP LCP (0xc021): not IP */
	expect_fail(dec2(DLT_EN10MB, lcp, sizeof(lcp), v4_tcp, sizeof(v4_tcp), 9999),
		    RASFLOW_DEC_UNSUPPORTED, RASFLOW_L_LINK, RASFLOW_R_NOT_IP);
	expect_fail(dec2(DLT_EN10MB, eth_pppoe, sizeof(eth_pppoe), NULL, 0, 14 + 7),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_LINK, RASFLOW_R_LINK_SHORT);
}

Test(decode, tunnel_names)
{
	cr_assert_str_eq(rasflow_tunnel_name(RASFLOW_TUN_ERSPAN), "erspan");
	cr_assert_str_eq(rasflow_tunnel_name(RASFLOW_TUN_GTPU), "gtp-u");
	cr_assert_str_eq(rasflow_tunnel_name(RASFLOW_TUN_COUNT), "?");
}

Test(decode, mpls_label_stacks)
{
	static const uint8_t eth_mpls[] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
		0x88, 0x47,		/* MPLS unicast */
		0x00, 0x01, 0x00, 0x40,	/* label 16, not bottom, TTL 64 */
		0x00, 0x01, 0x11, 0x40,	/* label 17, bottom of stack, TTL 64 */
	};
	static const uint8_t vlan_mpls[] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
		0x81, 0x00, 0x00, 0x64,	/* VLAN 100 */
		0x88, 0x47,
		0x00, 0x01, 0x01, 0x40,	/* label 16, bottom of stack */
	};
	uint8_t deep[14 + 4 * 9], pw[sizeof(eth_mpls) + 4];

	expect_ok(dec2(DLT_EN10MB, eth_mpls, sizeof(eth_mpls), v4_tcp, sizeof(v4_tcp), 9999));
	check_v4_tcp(buf + sizeof(eth_mpls));
	expect_ok(dec2(DLT_EN10MB, vlan_mpls, sizeof(vlan_mpls), v6_udp, sizeof(v6_udp), 9999));
	check_v6_udp(buf + sizeof(vlan_mpls));
	cr_assert_eq(pkt.nvlan, 1);

	/* cut inside the stack; cut right after it (the IP header is missing) */
	expect_fail(dec2(DLT_EN10MB, eth_mpls, sizeof(eth_mpls), v4_tcp, sizeof(v4_tcp), 20),
		    RASFLOW_DEC_TRUNC, RASFLOW_L_LINK, RASFLOW_R_LINK_SHORT);
	expect_fail(dec2(DLT_EN10MB, eth_mpls, sizeof(eth_mpls), v4_tcp, sizeof(v4_tcp),
			 sizeof(eth_mpls)), RASFLOW_DEC_TRUNC, RASFLOW_L_IP, RASFLOW_R_IP_SHORT);

	/* nine labels without a bottom of stack */
	memcpy(deep, eth_mpls, 14);
	for (int i = 0; i < 9; i++)
		memcpy(deep + 14 + 4 * i, eth_mpls + 14, 4);
	expect_fail(dec2(DLT_EN10MB, deep, sizeof(deep), v4_tcp, sizeof(v4_tcp), 9999),
		    RASFLOW_DEC_UNSUPPORTED, RASFLOW_L_LINK, RASFLOW_R_MPLS_DEPTH);

	/* a pseudowire control word (first nibble 0) then Ethernet: not IP */
	memcpy(pw, eth_mpls, sizeof(eth_mpls));
	memset(pw + sizeof(eth_mpls), 0, 4);
	expect_fail(dec2(DLT_EN10MB, pw, sizeof(pw), v4_tcp, sizeof(v4_tcp), 9999),
		    RASFLOW_DEC_UNSUPPORTED, RASFLOW_L_LINK, RASFLOW_R_NOT_IP);
}
