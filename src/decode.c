/* decode.c — link layer to transport header of one captured frame.
 *
 * One pass, no allocation, no logging. Each header is taken whole from a
 * bounds-checked cursor (cur_take) and its fields are read from that checked
 * span with be16()/be32(); packet bytes are never cast to structs. Entering
 * IP clamps the cursor to the IP length. No reassembly, no checksums, no flows.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <pcap/dlt.h>

#include "rasflow/decode.h"

/* libpcap maps LINKTYPE_RAW (101, the value written in savefiles) to DLT_RAW;
 * a caller passing a file's link type unmapped gets the same treatment. */
#define LINKTYPE_RAW	101

#define MAX_VLAN	2	/* tags walked; a third is UNSUPPORTED (Suricata's cap) */
#define MAX_IP6_EXT	8	/* extension headers walked before giving up */
#define MAX_MPLS	8	/* MPLS labels walked before giving up */

enum {
	ETH_IPV4 = 0x0800,
	ETH_IPV6 = 0x86dd,
	ETH_8021Q = 0x8100,
	ETH_8021AD = 0x88a8,
	ETH_QINQ_OLD = 0x9100,	/* pre-standard QinQ */
	ETH_MPLS = 0x8847,
	ETH_MPLS_MCAST = 0x8848,
	ETH_PPPOE_SESSION = 0x8864,
	ETH_TEB = 0x6558,	/* transparent Ethernet bridging: Ethernet in GRE */
	ETH_ERSPAN_2 = 0x88be,	/* ERSPAN types I and II, as a GRE protocol type */
	ETH_ERSPAN_3 = 0x22eb,	/* ERSPAN type III */
};

/* PPP protocol numbers (RFC 1332, RFC 5072). */
enum { PPP_IPV4 = 0x0021, PPP_IPV6 = 0x0057 };

/* UDP ports of the tunnels decoded (IANA). */
enum { UDP_GTPU = 2152, UDP_VXLAN = 4789, UDP_GENEVE = 6081 };

#define MAX_GTP_EXT	8	/* GTP-U extension headers walked before giving up */

/* BSD address families seen in DLT_NULL / DLT_LOOP headers. */
enum {
	BSD_AF_INET = 2,
	BSD_AF_INET6_BSD = 24,	/* NetBSD, OpenBSD, BSD/OS */
	BSD_AF_INET6_FREEBSD = 28,
	BSD_AF_INET6_DARWIN = 30,
};

/* IP protocol numbers (IANA). */
enum {
	IPP_HOPOPTS = 0,
	IPP_ICMP = 1,
	IPP_IPIP = 4,
	IPP_TCP = 6,
	IPP_UDP = 17,
	IPP_IPV6 = 41,
	IPP_ROUTING = 43,
	IPP_FRAGMENT = 44,
	IPP_GRE = 47,
	IPP_ESP = 50,
	IPP_AH = 51,
	IPP_ICMPV6 = 58,
	IPP_NONE = 59,
	IPP_DSTOPTS = 60,
};

struct cur {
	const uint8_t *p;	/* next unread byte */
	size_t left;		/* readable bytes from p; never more than caplen */
};

/* Take n bytes: *out points at them and the cursor moves past them.
 * On failure the cursor is untouched. */
static inline bool cur_take(struct cur *c, size_t n, const uint8_t **out)
{
	if (c->left < n)
		return false;
	*out = c->p;
	c->p += n;
	c->left -= n;
	return true;
}

/* Big-endian loads from a span cur_take() already checked. */
static inline uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* What one IP header (outer or quoted) said. */
struct ipinfo {
	const uint8_t *l3;		/* header start */
	const uint8_t *src, *dst;	/* 4 or 16 bytes; src NULL until the fixed header checked */
	uint32_t ip_len;		/* length per the header (on the wire) */
	uint32_t l3_caplen;		/* captured bytes from l3 (clamped for the outer header) */
	uint32_t frag_id;
	uint8_t ver, proto, ttl, frag;
};

/* Count a non-OK result and note where it arose; returns d. */
static enum rasflow_dec fail(struct rasflow_pkt *pkt, struct rasflow_dec_stats *st,
			     enum rasflow_layer l, enum rasflow_dec d, enum rasflow_dec_reason r)
{
	st->by[l][d]++;
	st->reason[r]++;
	pkt->layer = (uint8_t)l;
	pkt->reason = (uint8_t)r;
	return d;
}

/*
 * Link layer.
 *
 * Ethernet II (RFC 894; IEEE 802.3):
 *   +-----------------+-----------------+-----------+
 *   | dst MAC (6)     | src MAC (6)     | type (2)  |
 *   +-----------------+-----------------+-----------+
 * 802.1Q / 802.1ad tag, inserted before the type (IEEE 802.1Q):
 *   | TPID 0x8100/0x88a8/0x9100 (2) | PCP:3 DEI:1 VID:12 (2) | type (2) |
 *
 * Linux cooked v1, DLT_LINUX_SLL (16 bytes):
 *   | pkttype (2) | ARPHRD (2) | addr len (2) | addr (8) | protocol (2) |
 * Linux cooked v2, DLT_LINUX_SLL2 (20 bytes):
 *   | protocol (2) | reserved (2) | ifindex (4) | ARPHRD (2) | pkttype (1) |
 *   | addr len (1) | addr (8) |
 * The protocol is an ethertype; 0x8100 there means the VLAN tag was kept.
 *
 * MPLS label stack (RFC 3032), ethertype 0x8847 / 0x8848, after any VLAN tags:
 *   | label:20 TC:3 S:1 | TTL (1) |  per label, S set on the last
 * The stack does not say what it carries: the IP version nibble decides (4 or
 * 6; anything else, such as a pseudowire control word, is not IP).
 *
 * PPPoE session stage (RFC 2516), ethertype 0x8864, after any VLAN tags:
 *   | ver:4 type:4 = 0x11 | code = 0 | session id (2) | length (2) |
 *   | PPP protocol (2): 0x0021 IPv4, 0x0057 IPv6 |
 *
 * BSD loopback: DLT_NULL has a 4-byte address family in the capturing host's
 * byte order (so both are accepted), DLT_LOOP the same in network order.
 * AF_INET is 2; AF_INET6 is 24, 28 or 30 depending on the BSD.
 *
 * PPP, DLT_PPP and DLT_PPP_SERIAL (RFC 1661/1662): an optional HDLC-like
 * address and control (0xff 0x03), then the protocol, one byte when its low
 * bit is set (protocol field compression), else two: 0x21 IPv4, 0x57 IPv6.
 * A DLT_PPP_SERIAL frame starting 0x0f or 0x8f is Cisco HDLC instead.
 *
 * Cisco HDLC, DLT_C_HDLC:
 *   | address 0x0f / 0x8f (1) | control 0 (1) | ethertype (2) |
 *
 * Frame Relay, DLT_FRELAY (RFC 2427): a Q.922 address of 2 to 4 bytes (the
 * low bit set on the last), control 0x03, an optional 0x00 pad, then the
 * NLPID: 0xcc IPv4, 0x8e IPv6, or 0x80 SNAP (OUI 00-00-00, then an ethertype).
 *
 * PPI, DLT_PPI (per-packet information):
 *   | version (1) | flags (1) | length (2, LE) | link type (4, LE) | fields |
 * then a frame of that link type (one level: not PPI again).
 *
 * Linux netfilter log, DLT_NFLOG (what `tcpdump -i nflog:N` writes):
 *   | family (1): AF_INET 2, AF_INET6 10 | version (1) | resource id (2) |
 * then TLVs, each padded to a multiple of 4 bytes:
 *   | length (2), header included | type (2) | value (length - 4) |
 * Length and type are in the writing host's byte order, which libpcap
 * turns into the reader's when they differ. Type 9 (NFULA_PAYLOAD) holds
 * the packet from its IP header; the others (prefix, marks, timestamps,
 * uid...) are skipped, before or after it.
 */

/* Walk VLAN tags from ethertype et and pick the IP version. */
static enum rasflow_dec ethertype(struct cur *c, uint16_t et, unsigned *ver,
				  struct rasflow_pkt *pkt, struct rasflow_dec_stats *st)
{
	const uint8_t *h;

	while (et == ETH_8021Q || et == ETH_8021AD || et == ETH_QINQ_OLD) {
		if (pkt->nvlan == MAX_VLAN)
			return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_UNSUPPORTED,
				    RASFLOW_R_VLAN_DEPTH);
		if (!cur_take(c, 4, &h))
			return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_TRUNC,
				    RASFLOW_R_LINK_SHORT);
		pkt->vlan[pkt->nvlan++] = be16(h) & 0x0fff;
		et = be16(h + 2);
	}
	if (et == ETH_MPLS || et == ETH_MPLS_MCAST) {
		unsigned n = 0;

		do {
			if (n++ == MAX_MPLS)
				return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_UNSUPPORTED,
					    RASFLOW_R_MPLS_DEPTH);
			if (!cur_take(c, 4, &h))
				return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_TRUNC,
					    RASFLOW_R_LINK_SHORT);
		} while (!(h[2] & 1));
		if (c->left > 0 && c->p[0] >> 4 == 6)
			et = ETH_IPV6;
		else if (c->left == 0 || c->p[0] >> 4 == 4)
			et = ETH_IPV4;	/* nothing left: ip4_hdr says it is cut */
		else
			et = 0;
	}
	if (et == ETH_PPPOE_SESSION) {
		if (!cur_take(c, 8, &h))
			return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_TRUNC,
				    RASFLOW_R_LINK_SHORT);
		et = 0;
		if (h[0] == 0x11 && h[1] == 0 && be16(h + 6) == PPP_IPV4)
			et = ETH_IPV4;
		else if (h[0] == 0x11 && h[1] == 0 && be16(h + 6) == PPP_IPV6)
			et = ETH_IPV6;
	}
	if (et == ETH_IPV4)
		*ver = 4;
	else if (et == ETH_IPV6)
		*ver = 6;
	else
		return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_UNSUPPORTED, RASFLOW_R_NOT_IP);
	return RASFLOW_DEC_OK;
}

/* Map a BSD loopback address family to an IP version (0: not IP). */
static unsigned bsd_family(uint32_t fam)
{
	switch (fam) {
	case BSD_AF_INET:
		return 4;
	case BSD_AF_INET6_BSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		return 6;
	default:
		return 0;
	}
}

#define NFULA_PAYLOAD 9

/* Narrow the cursor to an NFLOG record's payload TLV. */
static enum rasflow_dec nflog(struct cur *c, unsigned *ver, struct rasflow_pkt *pkt,
			      struct rasflow_dec_stats *st)
{
	const uint8_t *h;

	if (!cur_take(c, 4, &h))
		return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_TRUNC, RASFLOW_R_LINK_SHORT);
	*ver = h[0] == 2 ? 4 : h[0] == 10 ? 6 : 0;
	if (*ver == 0)
		return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_UNSUPPORTED, RASFLOW_R_NOT_IP);
	while (c->left >= 4) {
		uint16_t len, type;

		memcpy(&len, c->p, 2);		/* host byte order */
		memcpy(&type, c->p + 2, 2);
		if (len < 4)
			return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_MALFORMED,
				    RASFLOW_R_LINK_SHORT);
		if (type == NFULA_PAYLOAD) {	/* cut by the snaplen: the IP layer says */
			c->p += 4;
			c->left = len - 4u < c->left - 4 ? len - 4u : c->left - 4;
			return RASFLOW_DEC_OK;
		}
		size_t step = ((size_t)len + 3) & ~(size_t)3;

		if (step >= c->left)
			break;
		c->p += step;
		c->left -= step;
	}
	/* cut before its payload, or a record without one (copy range 0) */
	return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_TRUNC, RASFLOW_R_LINK_SHORT);
}

/* A PPP protocol field (compressed or not) to an IP version, 0 if not IP;
 * false when the frame ends first. */
static bool ppp_proto(struct cur *c, unsigned *ver)
{
	const uint8_t *h;
	uint16_t proto;

	if (c->left >= 1 && (c->p[0] & 1)) {
		cur_take(c, 1, &h);
		proto = h[0];
	} else if (cur_take(c, 2, &h)) {
		proto = be16(h);
	} else {
		return false;
	}
	*ver = proto == PPP_IPV4 ? 4 : proto == PPP_IPV6 ? 6 : 0;
	return true;
}

/* Frame Relay: the Q.922 address, UI control and NLPID; an ethertype for
 * SNAP (*et), or the IP version. */
static enum rasflow_dec frelay(struct cur *c, unsigned *ver, uint16_t *et,
			       struct rasflow_pkt *pkt, struct rasflow_dec_stats *st)
{
	const uint8_t *h;
	unsigned n = 0;
	uint8_t nlpid;

	do {
		if (n++ == 4)
			return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_MALFORMED,
				    RASFLOW_R_LINK_SHORT);
		if (!cur_take(c, 1, &h))
			goto cut;
	} while (!(h[0] & 1));
	if (!cur_take(c, 2, &h))
		goto cut;
	if (h[0] != 0x03)
		return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_UNSUPPORTED, RASFLOW_R_NOT_IP);
	nlpid = h[1];
	if (nlpid == 0x00) {			/* pad: the NLPID follows */
		if (!cur_take(c, 1, &h))
			goto cut;
		nlpid = h[0];
	}
	*et = 0;
	*ver = nlpid == 0xcc ? 4 : nlpid == 0x8e ? 6 : 0;
	if (nlpid == 0x80) {
		if (!cur_take(c, 5, &h))
			goto cut;
		if (h[0] == 0 && h[1] == 0 && h[2] == 0)
			*et = be16(h + 3);
	}
	if (*ver == 0 && *et == 0)
		return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_UNSUPPORTED, RASFLOW_R_NOT_IP);
	return RASFLOW_DEC_OK;
cut:
	return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_TRUNC, RASFLOW_R_LINK_SHORT);
}

/* Consume the link header (and VLAN tags) and say which IP version follows. */
static enum rasflow_dec link_hdr(int dlt, struct cur *c, unsigned *ver,
				 struct rasflow_pkt *pkt, struct rasflow_dec_stats *st)
{
	const uint8_t *h;
	uint32_t fam;
	uint16_t et;

	switch (dlt) {
	case DLT_EN10MB:
		if (!cur_take(c, 14, &h))
			goto short_link;
		et = be16(h + 12);
		break;
	case DLT_LINUX_SLL:
		if (!cur_take(c, 16, &h))
			goto short_link;
		et = be16(h + 14);
		break;
	case DLT_LINUX_SLL2:
		if (!cur_take(c, 20, &h))
			goto short_link;
		et = be16(h);
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (!cur_take(c, 4, &h))
			goto short_link;
		fam = be32(h);
		if (dlt == DLT_NULL && fam > 0xffff)	/* written little-endian */
			fam = (uint32_t)h[3] << 24 | (uint32_t)h[2] << 16 |
			      (uint32_t)h[1] << 8 | h[0];
		*ver = bsd_family(fam);
		if (*ver == 0)
			return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_UNSUPPORTED,
				    RASFLOW_R_NOT_IP);
		return RASFLOW_DEC_OK;
	case DLT_RAW:
	case LINKTYPE_RAW:
		/* the version nibble decides; ip4_hdr() reports anything but 6 or 4 */
		*ver = (c->left > 0 && c->p[0] >> 4 == 6) ? 6 : 4;
		return RASFLOW_DEC_OK;
	case DLT_IPV4:
		*ver = 4;
		return RASFLOW_DEC_OK;
	case DLT_IPV6:
		*ver = 6;
		return RASFLOW_DEC_OK;
	case DLT_NFLOG:
		return nflog(c, ver, pkt, st);
	case DLT_PPP_SERIAL:
		if (c->left > 0 && (c->p[0] == 0x0f || c->p[0] == 0x8f))
			goto chdlc;
		/* fall through */
	case DLT_PPP:
		if (c->left >= 2 && c->p[0] == 0xff && c->p[1] == 0x03)
			cur_take(c, 2, &h);
		if (!ppp_proto(c, ver))
			goto short_link;
		if (*ver == 0)
			return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_UNSUPPORTED,
				    RASFLOW_R_NOT_IP);
		return RASFLOW_DEC_OK;
	case DLT_C_HDLC:
	chdlc:
		if (!cur_take(c, 4, &h))
			goto short_link;
		et = be16(h + 2);
		break;
	case DLT_FRELAY: {
		enum rasflow_dec r = frelay(c, ver, &et, pkt, st);

		if (r != RASFLOW_DEC_OK || et == 0)
			return r;
		break;
	}
	case DLT_PPI: {
		uint32_t len, inner;

		if (!cur_take(c, 8, &h))
			goto short_link;
		len = (uint32_t)h[3] << 8 | h[2];
		inner = (uint32_t)h[7] << 24 | (uint32_t)h[6] << 16 | (uint32_t)h[5] << 8 | h[4];
		if (len < 8)
			return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_MALFORMED,
				    RASFLOW_R_LINK_SHORT);
		if (!cur_take(c, len - 8, &h))
			goto short_link;
		if (inner == DLT_PPI || inner > INT32_MAX)
			return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_UNSUPPORTED,
				    RASFLOW_R_LINK_TYPE);
		return link_hdr((int)inner, c, ver, pkt, st);
	}
	default:
		return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_UNSUPPORTED, RASFLOW_R_LINK_TYPE);
	}
	return ethertype(c, et, ver, pkt, st);

short_link:
	return fail(pkt, st, RASFLOW_L_LINK, RASFLOW_DEC_TRUNC, RASFLOW_R_LINK_SHORT);
}

/*
 * IPv4, RFC 791:
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   |         Identification        |Flags|      Fragment Offset    |
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   |                       Source Address                          |
 *   |                    Destination Address                        |
 *   |                    Options (IHL > 5)                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Flags: reserved, DF 0x4000, MF 0x2000; offset in 8-byte units.
 * A total length of 0 is what TCP segmentation offload leaves in captures
 * taken on the sender; like Zeek we then take the captured length.
 *
 * A quoted header (inside an ICMP error) is not clamped or length-checked:
 * its total length describes the original packet, not the quote.
 */
static enum rasflow_dec ip4_hdr(struct cur *c, struct ipinfo *ii, bool quoted,
				struct rasflow_pkt *pkt, struct rasflow_dec_stats *st)
{
	enum rasflow_layer l = quoted ? RASFLOW_L_QUOTED : RASFLOW_L_IP;
	enum rasflow_dec_reason shortr = quoted ? RASFLOW_R_QUOTED_SHORT : RASFLOW_R_IP_SHORT;
	const uint8_t *h = c->p;
	uint32_t cap = (uint32_t)c->left, hlen, tot, l3cap;
	uint16_t fo;

	if (cap == 0)
		return fail(pkt, st, l, RASFLOW_DEC_TRUNC, shortr);
	if (h[0] >> 4 != 4)
		return fail(pkt, st, l, RASFLOW_DEC_MALFORMED, RASFLOW_R_IP_VERSION);
	if (cap < 20)
		return fail(pkt, st, l, RASFLOW_DEC_TRUNC, shortr);
	hlen = (uint32_t)(h[0] & 0x0f) * 4;
	if (hlen < 20)
		return fail(pkt, st, l, RASFLOW_DEC_MALFORMED, RASFLOW_R_IP_HLEN);
	tot = be16(h + 2);
	if (quoted) {
		l3cap = cap;
	} else {
		if (tot == 0)
			tot = cap;
		else if (tot < 20)
			return fail(pkt, st, l, RASFLOW_DEC_MALFORMED, RASFLOW_R_IP_TOTLEN);
		else if (tot < hlen)
			return fail(pkt, st, l, RASFLOW_DEC_MALFORMED, RASFLOW_R_IP_HLEN);
		l3cap = min32(cap, tot);
	}
	ii->ver = 4;
	ii->l3 = h;
	ii->src = h + 12;
	ii->dst = h + 16;
	ii->ttl = h[8];
	ii->proto = h[9];
	ii->ip_len = tot;
	ii->l3_caplen = l3cap;
	fo = be16(h + 6);
	ii->frag_id = be16(h + 4);
	if (fo & 0x1fff)
		ii->frag = RASFLOW_FRAG_LATER;
	else if (fo & 0x2000)
		ii->frag = RASFLOW_FRAG_FIRST;
	else
		ii->frag = RASFLOW_FRAG_NONE;
	if (hlen > l3cap)	/* options cut by the snaplen (hlen <= tot was checked) */
		return fail(pkt, st, l, RASFLOW_DEC_TRUNC, shortr);
	c->p = h + hlen;
	c->left = l3cap - hlen;
	return RASFLOW_DEC_OK;
}

/*
 * IPv6, RFC 8200:
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version| Traffic Class |           Flow Label                  |
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   |                    Source Address (16)                        |
 *   |                  Destination Address (16)                     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Extension headers walked: hop-by-hop (0), routing (43), destination
 * options (60): | next (1) | len in 8-byte units, not counting the first (1) |;
 * AH (51, RFC 4302): | next (1) | len in 4-byte units minus 2 (1) | ...;
 * fragment (44): | next (1) | res (1) | offset:13 res:2 M:1 (2) | id (4) |.
 * ESP (50) and no-next-header (59) end the walk and are the protocol.
 * Payload length 0 behind a hop-by-hop header is a jumbogram (RFC 2675):
 * the rest of the capture is taken.
 */
static enum rasflow_dec ip6_hdr(struct cur *c, struct ipinfo *ii, bool quoted,
				struct rasflow_pkt *pkt, struct rasflow_dec_stats *st)
{
	enum rasflow_layer l = quoted ? RASFLOW_L_QUOTED : RASFLOW_L_IP;
	enum rasflow_dec_reason shortr = quoted ? RASFLOW_R_QUOTED_SHORT : RASFLOW_R_IP_SHORT;
	const uint8_t *h = c->p;
	uint32_t cap = (uint32_t)c->left, plen, l3cap, len;
	uint8_t nh;
	uint16_t fo;

	if (cap == 0)
		return fail(pkt, st, l, RASFLOW_DEC_TRUNC, shortr);
	if (h[0] >> 4 != 6)
		return fail(pkt, st, l, RASFLOW_DEC_MALFORMED, RASFLOW_R_IP_VERSION);
	if (cap < 40)
		return fail(pkt, st, l, RASFLOW_DEC_TRUNC, shortr);
	plen = be16(h + 4);
	nh = h[6];
	ii->ver = 6;
	ii->l3 = h;
	ii->src = h + 8;
	ii->dst = h + 24;
	ii->ttl = h[7];
	ii->proto = 0;
	ii->frag = RASFLOW_FRAG_NONE;
	ii->frag_id = 0;
	ii->ip_len = 40 + plen;
	if (plen == 0 && nh == IPP_HOPOPTS && !quoted)
		ii->ip_len = cap;
	l3cap = quoted ? cap : min32(cap, ii->ip_len);
	ii->l3_caplen = l3cap;
	c->p = h + 40;
	c->left = l3cap - 40;

	for (unsigned n = 0;; n++) {
		switch (nh) {
		case IPP_HOPOPTS:
		case IPP_ROUTING:
		case IPP_DSTOPTS:
		case IPP_AH:
			if (n == MAX_IP6_EXT)
				goto too_long;
			if (c->left < 2)
				goto cut;
			len = nh == IPP_AH ? ((uint32_t)c->p[1] + 2) * 4 : ((uint32_t)c->p[1] + 1) * 8;
			nh = c->p[0];
			if (!cur_take(c, len, &h))
				goto cut;
			break;
		case IPP_FRAGMENT:
			if (n == MAX_IP6_EXT)
				goto too_long;
			if (!cur_take(c, 8, &h))
				goto cut;
			nh = h[0];
			fo = be16(h + 2);
			if (fo & 0xfff8) {
				ii->frag = RASFLOW_FRAG_LATER;
				ii->frag_id = be32(h + 4);
				ii->proto = nh;
				return RASFLOW_DEC_OK;	/* the rest is fragment data */
			}
			if (fo & 1) {
				ii->frag = RASFLOW_FRAG_FIRST;
				ii->frag_id = be32(h + 4);
			}	/* else an atomic fragment (RFC 6946): a whole packet */
			break;
		default:	/* ESP, no-next-header, or an upper-layer protocol */
			ii->proto = nh;
			return RASFLOW_DEC_OK;
		}
	}

cut:
	if (quoted)
		return fail(pkt, st, l, RASFLOW_DEC_TRUNC, RASFLOW_R_QUOTED_SHORT);
	return fail(pkt, st, l, l3cap < ii->ip_len ? RASFLOW_DEC_TRUNC : RASFLOW_DEC_MALFORMED,
		    RASFLOW_R_IP6_EXT);
too_long:
	return fail(pkt, st, l, RASFLOW_DEC_MALFORMED, RASFLOW_R_IP6_EXT);
}

/* Set an address from the 4 or 16 bytes an IP header points at. */
static inline void set_addr(struct rasflow_addr *a, unsigned ver, const uint8_t *b)
{
	if (ver == 4)
		rasflow_addr_from_v4(a, b);
	else
		rasflow_addr_from_v6(a, b);
}

/* A transport header shorter than it must be: cut by the snaplen (TRUNC) or
 * longer than the IP length leaves room for (MALFORMED). */
static enum rasflow_dec l4_short(struct rasflow_pkt *pkt, struct rasflow_dec_stats *st,
				 uint32_t wire, uint32_t need)
{
	return fail(pkt, st, RASFLOW_L_TRANSPORT,
		    wire < need ? RASFLOW_DEC_MALFORMED : RASFLOW_DEC_TRUNC, RASFLOW_R_L4_SHORT);
}

/*
 * ICMP destination unreachable (RFC 792 type 3; RFC 4443 ICMPv6 type 1):
 *   | type (1) | code (1) | checksum (2) | unused / next-hop MTU (4) |
 *   | quoted IP header + at least 8 bytes of its payload ...        |
 * The quote needs its whole IP header and, for TCP and UDP, the 4 port
 * bytes; that names the flow. A quoted later fragment names none.
 */
static enum rasflow_dec quote(struct cur *q, unsigned ver, struct rasflow_pkt *pkt,
			      struct rasflow_dec_stats *st)
{
	struct ipinfo qi;
	const uint8_t *h;
	enum rasflow_dec r;

	r = ver == 4 ? ip4_hdr(q, &qi, true, pkt, st) : ip6_hdr(q, &qi, true, pkt, st);
	if (r != RASFLOW_DEC_OK)
		return r;
	if (qi.frag == RASFLOW_FRAG_LATER)
		return RASFLOW_DEC_OK;
	if (qi.proto == IPP_TCP || qi.proto == IPP_UDP) {
		if (!cur_take(q, 4, &h))
			return fail(pkt, st, RASFLOW_L_QUOTED, RASFLOW_DEC_TRUNC,
				    RASFLOW_R_QUOTED_SHORT);
		pkt->quoted.sport = be16(h);
		pkt->quoted.dport = be16(h + 2);
	} else {
		pkt->quoted.sport = 0;
		pkt->quoted.dport = 0;
	}
	set_addr(&pkt->quoted.src, ver, qi.src);
	set_addr(&pkt->quoted.dst, ver, qi.dst);
	pkt->quoted.proto = qi.proto;
	pkt->icmp_unreach = true;
	return RASFLOW_DEC_OK;
}

/*
 * Tunnels. What a packet carries is found from its payload's captured bytes;
 * a header that is cut or does not parse leaves the packet an ordinary one
 * of its protocol (no error: UDP 2152 may be anything).
 *
 * IP in IP: IP protocol 4 carries IPv4, 41 IPv6 (RFC 2003, RFC 4213).
 *
 * GRE, RFC 2784 and RFC 2890 (version 0):
 *   |C|R|K|S| reserved | ver:3 | protocol type (2) |
 *   | checksum (2) | reserved (2) |     with C
 *   | key (4) |                         with K
 *   | sequence number (4) |             with S
 * Version 1 (PPTP) and RFC 1701 source routing (R) are not decoded. Protocol
 * type 0x0800 / 0x86dd: IP; 0x6558: Ethernet; 0x88be: ERSPAN type II (with
 * S; an 8-byte header, version 1 in its first nibble) or type I (without S;
 * no header); 0x22eb: ERSPAN type III (a 12-byte header, version 2, frame
 * type 0 = Ethernet in bits 6-2 of byte 10; an 8-byte platform subheader
 * follows when the O bit, the last of the 12 bytes, is set). ERSPAN carries
 * the mirrored Ethernet frame.
 *
 * VXLAN, RFC 7348, UDP destination port 4789:
 *   | flags (1): I = 0x08 | reserved (3) | VNI (3) | reserved (1) | Ethernet
 *
 * Geneve, RFC 8926, UDP destination port 6081 (AWS Gateway Load Balancer,
 * VMware NSX):
 *   | ver:2 = 0, options length:6 (4-byte units) | O, C, reserved (1) |
 *   | protocol type (2): 0x6558 Ethernet, 0x0800 / 0x86dd IP |
 *   | VNI (3) | reserved (1) | options | the carried frame
 *
 * GTP-U, 3GPP TS 29.281, UDP port 2152 at either end:
 *   | ver:3 = 1, PT = 1, 0, E, S, PN (1) | type (1): 255 G-PDU | length (2) |
 *   | TEID (4) |
 *   | sequence (2) | N-PDU number (1) | next extension type (1) |  with E, S or PN
 *   extension headers: | length in 4-byte units (1) | ... | next type (1) |
 *   then the user's IP packet.
 */

/* The payload from off on is a frame of link type dlt. */
static void carry(struct rasflow_pkt *pkt, enum rasflow_tunnel t, int dlt, uint32_t off)
{
	if (off >= pkt->payload_len)
		return;
	pkt->tunnel = (uint8_t)t;
	pkt->inner_dlt = dlt;
	pkt->inner = pkt->payload + off;
	pkt->inner_len = pkt->payload_len - off;
}

/* The payload from off on is a frame of EtherType type (IP or Ethernet);
 * false for other types. */
static bool carry_ethertype(struct rasflow_pkt *pkt, enum rasflow_tunnel t, uint16_t type,
			    uint32_t off)
{
	switch (type) {
	case ETH_IPV4:
		carry(pkt, t, DLT_IPV4, off);
		return true;
	case ETH_IPV6:
		carry(pkt, t, DLT_IPV6, off);
		return true;
	case ETH_TEB:
		carry(pkt, t, DLT_EN10MB, off);
		return true;
	default:
		return false;
	}
}

static void gre(struct rasflow_pkt *pkt)
{
	const uint8_t *h = pkt->payload;
	uint32_t n = pkt->payload_len, off = 4;
	uint16_t fl;

	if (n < 4)
		return;
	fl = be16(h);
	if (fl & 0x4007)		/* routing present, or version != 0 */
		return;
	off += (fl & 0x8000 ? 4 : 0) + (fl & 0x2000 ? 4 : 0) + (fl & 0x1000 ? 4 : 0);
	if (carry_ethertype(pkt, RASFLOW_TUN_GRE, be16(h + 2), off))
		return;
	switch (be16(h + 2)) {
	case ETH_ERSPAN_2:
		if (!(fl & 0x1000))
			carry(pkt, RASFLOW_TUN_ERSPAN, DLT_EN10MB, off);	/* type I */
		else if (n > off && h[off] >> 4 == 1)
			carry(pkt, RASFLOW_TUN_ERSPAN, DLT_EN10MB, off + 8);
		break;
	case ETH_ERSPAN_3:
		if (n < off + 12 || h[off] >> 4 != 2 || ((h[off + 10] >> 2) & 0x1f) != 0)
			break;
		carry(pkt, RASFLOW_TUN_ERSPAN, DLT_EN10MB, off + 12 + (h[off + 11] & 1 ? 8 : 0));
		break;
	default:
		break;
	}
}

static void udp_tunnel(struct rasflow_pkt *pkt)
{
	const uint8_t *h = pkt->payload;
	uint32_t n = pkt->payload_len, off = 8;

	if (pkt->dport == UDP_VXLAN) {
		if (n >= 8 && (h[0] & 0x08))
			carry(pkt, RASFLOW_TUN_VXLAN, DLT_EN10MB, 8);
		return;
	}
	if (pkt->dport == UDP_GENEVE) {
		if (n < 8 || h[0] >> 6 != 0)
			return;
		carry_ethertype(pkt, RASFLOW_TUN_GENEVE, be16(h + 2), 8 + (uint32_t)(h[0] & 0x3f) * 4);
		return;
	}
	if (n < 8 || h[0] >> 5 != 1 || !(h[0] & 0x10) || h[1] != 255)
		return;
	if (h[0] & 0x07) {
		if (n < 12)
			return;
		off = 12;
		for (unsigned k = 0, next = h[11]; next != 0; k++) {
			uint32_t len;

			if (k == MAX_GTP_EXT || off >= n || h[off] == 0)
				return;
			len = (uint32_t)h[off] * 4;
			if (len > n - off)
				return;
			next = h[off + len - 1];	/* the last byte of this one */
			off += len;
		}
	}
	carry(pkt, RASFLOW_TUN_GTPU, DLT_RAW, off);
}

static inline bool udp_tunnel_port(uint16_t sport, uint16_t dport)
{
	return dport == UDP_VXLAN || dport == UDP_GENEVE || dport == UDP_GTPU || sport == UDP_GTPU;
}

/*
 * TCP, RFC 9293:
 *   |          Source Port          |       Destination Port        |
 *   |                        Sequence Number                        |
 *   |                    Acknowledgment Number                      |
 *   |  Data |       |C|E|U|A|P|R|S|F|                               |
 *   | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *   |           Checksum            |         Urgent Pointer        |
 *   |                    Options (data offset > 5)                  |
 * Options cut by the snaplen, or continued in the next fragment of a first
 * fragment (a fragmented SYN), are not an error: everything used is in the
 * first 20 bytes, and the payload is then empty.
 *
 * UDP, RFC 768:
 *   | Source Port (2) | Destination Port (2) | Length (2) | Checksum (2) |
 * Length counts the 8-byte header; in a first fragment it covers the whole
 * datagram, so it is only checked against the IP length when unfragmented.
 */
static enum rasflow_dec transport(struct cur *c, const struct ipinfo *ii,
				  struct rasflow_pkt *pkt, struct rasflow_dec_stats *st)
{
	/* L4 bytes on the wire; c->left <= wire always holds */
	uint32_t wire = ii->ip_len - (uint32_t)(c->p - ii->l3);
	uint32_t left = (uint32_t)c->left, thl, ulen, pw;
	const uint8_t *h = c->p;

	switch (ii->proto) {
	case IPP_TCP:
		if (left < 20)
			return l4_short(pkt, st, wire, 20);
		thl = (uint32_t)(h[12] >> 4) * 4;
		if (thl < 20 || (thl > wire && ii->frag == RASFLOW_FRAG_NONE))
			return fail(pkt, st, RASFLOW_L_TRANSPORT, RASFLOW_DEC_MALFORMED,
				    RASFLOW_R_TCP_DOFF);
		pkt->sport = be16(h);
		pkt->dport = be16(h + 2);
		pkt->seq = be32(h + 4);
		pkt->ack = be32(h + 8);
		pkt->tcp_flags = h[13];
		pkt->payload_wire = thl < wire ? wire - thl : 0;
		thl = min32(thl, left);	/* options cut by the snaplen or a fragment */
		pkt->payload = h + thl;
		pkt->payload_len = left - thl;
		return RASFLOW_DEC_OK;
	case IPP_UDP:
		if (left < 8)
			return l4_short(pkt, st, wire, 8);
		ulen = be16(h + 4);
		if (ulen < 8 || (ii->frag == RASFLOW_FRAG_NONE && ulen > wire))
			return fail(pkt, st, RASFLOW_L_TRANSPORT, RASFLOW_DEC_MALFORMED,
				    RASFLOW_R_UDP_LEN);
		pkt->sport = be16(h);
		pkt->dport = be16(h + 2);
		pw = (ii->frag == RASFLOW_FRAG_NONE ? ulen : wire) - 8;
		pkt->payload = h + 8;
		pkt->payload_len = min32(left - 8, pw);
		pkt->payload_wire = pw;
		if (ii->frag == RASFLOW_FRAG_NONE && pkt->depth < RASFLOW_TUNNEL_DEPTH &&
		    udp_tunnel_port(pkt->sport, pkt->dport))
			udp_tunnel(pkt);
		return RASFLOW_DEC_OK;
	case IPP_ICMP:
	case IPP_ICMPV6:
		if ((ii->proto == IPP_ICMP) != (ii->ver == 4))
			break;		/* ICMP in IPv6 or ICMPv6 in IPv4: just a protocol */
		if (left < 8)
			return l4_short(pkt, st, wire, 8);
		pkt->icmp_type = h[0];
		pkt->icmp_code = h[1];
		pkt->payload = h + 8;
		pkt->payload_len = left - 8;
		pkt->payload_wire = wire - 8;
		if ((ii->ver == 4 && h[0] == 3) || (ii->ver == 6 && h[0] == 1)) {
			struct cur q = { h + 8, left - 8 };

			return quote(&q, ii->ver, pkt, st);
		}
		return RASFLOW_DEC_OK;
	default:
		break;
	}
	/* VRRP (112), GRE, ESP, SCTP...: the protocol is all we report */
	pkt->payload = h;
	pkt->payload_len = left;
	pkt->payload_wire = wire;
	if (ii->frag == RASFLOW_FRAG_NONE && pkt->depth < RASFLOW_TUNNEL_DEPTH) {
		if (ii->proto == IPP_GRE)
			gre(pkt);
		else if (ii->proto == IPP_IPIP)
			carry(pkt, RASFLOW_TUN_IPIP, DLT_IPV4, 0);
		else if (ii->proto == IPP_IPV6)
			carry(pkt, RASFLOW_TUN_IPIP, DLT_IPV6, 0);
	}
	return RASFLOW_DEC_OK;
}

bool rasflow_decode_dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case LINKTYPE_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
	case DLT_NFLOG:
	case DLT_PPP:
	case DLT_PPP_SERIAL:
	case DLT_C_HDLC:
	case DLT_FRELAY:
	case DLT_PPI:
		return true;
	default:
		return false;
	}
}

/* The frame's own packet, carrying nothing (yet): the general path and
 * the fast path both start a packet so. */
static inline void no_tunnel(struct rasflow_pkt *pkt)
{
	pkt->depth = 0;
	pkt->tunnel = RASFLOW_TUN_NONE;
	pkt->inner_dlt = 0;
	pkt->inner = NULL;
	pkt->inner_len = 0;
}

/* Clear what a previous call may have left; src, dst and quoted are only
 * meaningful with ipver / icmp_unreach set, so they stay as they are. */
static inline void pkt_reset(struct rasflow_pkt *pkt)
{
	pkt->ipver = 0;
	pkt->proto = 0;
	pkt->ttl = 0;
	pkt->frag = RASFLOW_FRAG_NONE;
	pkt->frag_id = 0;
	pkt->sport = 0;
	pkt->dport = 0;
	pkt->tcp_flags = 0;
	pkt->seq = 0;
	pkt->ack = 0;
	pkt->nvlan = 0;
	pkt->vlan[0] = 0;
	pkt->vlan[1] = 0;
	pkt->ip_len = 0;
	pkt->l3 = NULL;
	pkt->l3_caplen = 0;
	pkt->payload = NULL;
	pkt->payload_len = 0;
	pkt->payload_wire = 0;
	pkt->icmp_type = 0;
	pkt->icmp_code = 0;
	pkt->icmp_unreach = false;
	pkt->layer = RASFLOW_L_LINK;
	pkt->reason = RASFLOW_R_NONE;
	no_tunnel(pkt);
}

/*
 * The fast path: the common frame in one straight run. Ethernet II with at
 * most one VLAN tag, then IPv4 with a nonzero total length and not a
 * fragment, or IPv6 with TCP or UDP as its first next header (no extension
 * headers), then a TCP or UDP header that transport() would accept. Every
 * check link_hdr(), ip4_hdr(), ip6_hdr() and transport() make on such a frame
 * is made here first; anything else returns false with pkt untouched and the
 * general path decodes the frame. On true, pkt holds exactly what the general
 * path would have left in it (every field pkt_reset() clears): the decode
 * fuzz target and the unit tests compare the two frame by frame.
 */

/* Does transport() accept this TCP or UDP header of an unfragmented packet
 * (left bytes captured, wire bytes on the wire, left <= wire)? */
static inline bool fast_l4_ok(uint8_t proto, const uint8_t *l4, uint32_t left, uint32_t wire)
{
	uint32_t thl, ulen;

	switch (proto) {
	case IPP_TCP:
		if (left < 20)
			return false;
		thl = (uint32_t)(l4[12] >> 4) * 4;
		return thl >= 20 && thl <= wire;
	case IPP_UDP:
		if (left < 8)
			return false;
		ulen = be16(l4 + 4);
		return ulen >= 8 && ulen <= wire && !udp_tunnel_port(be16(l4), be16(l4 + 2));
	default:
		return false;
	}
}

/* What transport() fills for a header fast_l4_ok() accepted, plus the
 * fields of pkt_reset() that stay at their reset values on this path. */
static inline void fast_l4_fill(struct rasflow_pkt *pkt, uint8_t proto, const uint8_t *l4,
				uint32_t left, uint32_t wire)
{
	uint32_t thl, pw;

	pkt->proto = proto;
	pkt->frag = RASFLOW_FRAG_NONE;
	pkt->sport = be16(l4);
	pkt->dport = be16(l4 + 2);
	pkt->icmp_type = 0;
	pkt->icmp_code = 0;
	pkt->icmp_unreach = false;
	pkt->layer = RASFLOW_L_LINK;
	pkt->reason = RASFLOW_R_NONE;
	no_tunnel(pkt);
	if (proto == IPP_TCP) {
		thl = (uint32_t)(l4[12] >> 4) * 4;
		pkt->seq = be32(l4 + 4);
		pkt->ack = be32(l4 + 8);
		pkt->tcp_flags = l4[13];
		pkt->payload_wire = wire - thl;
		thl = min32(thl, left);	/* options cut by the snaplen */
		pkt->payload = l4 + thl;
		pkt->payload_len = left - thl;
	} else {
		pw = (uint32_t)be16(l4 + 4) - 8;
		pkt->seq = 0;
		pkt->ack = 0;
		pkt->tcp_flags = 0;
		pkt->payload = l4 + 8;
		pkt->payload_len = min32(left - 8, pw);
		pkt->payload_wire = pw;
	}
}

/* IPv4 from h (cap bytes captured from there). */
static inline bool fast_ip4(const uint8_t *h, uint32_t cap, struct rasflow_pkt *pkt)
{
	uint32_t hlen, tot, l3cap;

	if (cap < 20 || h[0] >> 4 != 4)
		return false;
	hlen = (uint32_t)(h[0] & 0x0f) * 4;
	tot = be16(h + 2);
	/* tot >= hlen >= 20; tot == 0 (TSO) and fragments go the long way */
	if (hlen < 20 || tot < hlen || (be16(h + 6) & 0x3fff) != 0)
		return false;
	l3cap = min32(cap, tot);
	if (hlen > l3cap || !fast_l4_ok(h[9], h + hlen, l3cap - hlen, tot - hlen))
		return false;
	pkt->ipver = 4;
	pkt->ttl = h[8];
	pkt->frag_id = be16(h + 4);
	rasflow_addr_from_v4(&pkt->src, h + 12);
	rasflow_addr_from_v4(&pkt->dst, h + 16);
	pkt->ip_len = tot;
	pkt->l3 = h;
	pkt->l3_caplen = l3cap;
	fast_l4_fill(pkt, h[9], h + hlen, l3cap - hlen, tot - hlen);
	return true;
}

/* IPv6 from h whose next header is TCP or UDP itself. */
static inline bool fast_ip6(const uint8_t *h, uint32_t cap, struct rasflow_pkt *pkt)
{
	uint32_t tot, l3cap;

	if (cap < 40 || h[0] >> 4 != 6)
		return false;
	tot = 40 + (uint32_t)be16(h + 4);
	l3cap = min32(cap, tot);
	if (!fast_l4_ok(h[6], h + 40, l3cap - 40, tot - 40))
		return false;
	pkt->ipver = 6;
	pkt->ttl = h[7];
	pkt->frag_id = 0;
	rasflow_addr_from_v6(&pkt->src, h + 8);
	rasflow_addr_from_v6(&pkt->dst, h + 24);
	pkt->ip_len = tot;
	pkt->l3 = h;
	pkt->l3_caplen = l3cap;
	fast_l4_fill(pkt, h[6], h + 40, l3cap - 40, tot - 40);
	return true;
}

/* Ethernet II, untagged or with one VLAN tag of any of the three types. */
static inline bool fast_eth(const uint8_t *b, uint32_t caplen, struct rasflow_pkt *pkt)
{
	uint32_t off = 14;
	uint16_t et, vid = 0;
	bool ok;

	if (caplen < 14)
		return false;
	et = be16(b + 12);
	if (et == ETH_8021Q || et == ETH_8021AD || et == ETH_QINQ_OLD) {
		if (caplen < 18)
			return false;
		vid = be16(b + 14) & 0x0fff;
		et = be16(b + 16);
		off = 18;
	}
	if (et == ETH_IPV4)
		ok = fast_ip4(b + off, caplen - off, pkt);
	else if (et == ETH_IPV6)
		ok = fast_ip6(b + off, caplen - off, pkt);
	else
		return false;
	if (!ok)
		return false;
	pkt->nvlan = off == 18;
	pkt->vlan[0] = vid;
	pkt->vlan[1] = 0;
	return true;
}

enum rasflow_dec rasflow_decode_frame(int dlt, const uint8_t *bytes, uint32_t caplen,
				      struct rasflow_pkt *pkt, struct rasflow_dec_stats *st)
{
	if (dlt == DLT_EN10MB && fast_eth(bytes, caplen, pkt)) {
		st->frames++;
		return RASFLOW_DEC_OK;
	}
	return rasflow_decode_frame_general(dlt, bytes, caplen, pkt, st);
}

/* The general path for a frame found at the given tunnel depth. */
static enum rasflow_dec decode(int dlt, const uint8_t *bytes, uint32_t caplen,
			       struct rasflow_pkt *pkt, struct rasflow_dec_stats *st,
			       uint8_t depth)
{
	struct cur c = { bytes, caplen };
	struct ipinfo ii;
	enum rasflow_dec r;
	unsigned ver = 0;

	pkt_reset(pkt);
	pkt->depth = depth;
	r = link_hdr(dlt, &c, &ver, pkt, st);
	if (r != RASFLOW_DEC_OK)
		return r;

	ii.src = NULL;
	r = ver == 4 ? ip4_hdr(&c, &ii, false, pkt, st) : ip6_hdr(&c, &ii, false, pkt, st);
	if (ii.src != NULL) {	/* the fixed header was sound: hosts are known */
		pkt->ipver = ii.ver;
		set_addr(&pkt->src, ver, ii.src);
		set_addr(&pkt->dst, ver, ii.dst);
		pkt->proto = ii.proto;
		pkt->ttl = ii.ttl;
		pkt->frag = ii.frag;
		pkt->frag_id = ii.frag_id;
		pkt->ip_len = ii.ip_len;
		pkt->l3 = ii.l3;
		pkt->l3_caplen = ii.l3_caplen;
	}
	if (r != RASFLOW_DEC_OK)
		return r;

	if (ii.frag == RASFLOW_FRAG_LATER) {
		st->fragments_later++;
		pkt->payload = c.p;
		pkt->payload_len = (uint32_t)c.left;
		pkt->payload_wire = ii.ip_len - (uint32_t)(c.p - ii.l3);
		return RASFLOW_DEC_OK;
	}
	return transport(&c, &ii, pkt, st);
}

enum rasflow_dec rasflow_decode_frame_general(int dlt, const uint8_t *bytes, uint32_t caplen,
					      struct rasflow_pkt *pkt,
					      struct rasflow_dec_stats *st)
{
	st->frames++;
	return decode(dlt, bytes, caplen, pkt, st, 0);
}

enum rasflow_dec rasflow_decode_inner(const struct rasflow_pkt *pkt, struct rasflow_pkt *in,
				      struct rasflow_dec_stats *st)
{
	enum rasflow_dec r;

	if (pkt->tunnel == RASFLOW_TUN_NONE || pkt->inner == NULL) {
		pkt_reset(in);	/* not a tunnel: nothing to decode, nothing counted */
		in->reason = RASFLOW_R_NOT_IP;
		return RASFLOW_DEC_UNSUPPORTED;
	}
	r = decode(pkt->inner_dlt, pkt->inner, pkt->inner_len, in, st, (uint8_t)(pkt->depth + 1));
	if (r == RASFLOW_DEC_OK)
		st->tunneled++;
	return r;
}

static const char *const layer_names[RASFLOW_L_COUNT] = {
	[RASFLOW_L_LINK] = "link",
	[RASFLOW_L_IP] = "ip",
	[RASFLOW_L_TRANSPORT] = "transport",
	[RASFLOW_L_QUOTED] = "quoted",
};

static const char *const result_names[RASFLOW_DEC_COUNT] = {
	[RASFLOW_DEC_OK] = "ok",
	[RASFLOW_DEC_TRUNC] = "truncated",
	[RASFLOW_DEC_MALFORMED] = "malformed",
	[RASFLOW_DEC_UNSUPPORTED] = "unsupported",
};

static const char *const reason_names[RASFLOW_R_COUNT] = {
	[RASFLOW_R_NONE] = "none",
	[RASFLOW_R_LINK_SHORT] = "link_short",
	[RASFLOW_R_LINK_TYPE] = "link_type",
	[RASFLOW_R_VLAN_DEPTH] = "vlan_depth",
	[RASFLOW_R_MPLS_DEPTH] = "mpls_depth",
	[RASFLOW_R_NOT_IP] = "not_ip",
	[RASFLOW_R_IP_SHORT] = "ip_short",
	[RASFLOW_R_IP_VERSION] = "ip_version",
	[RASFLOW_R_IP_HLEN] = "ip_hlen",
	[RASFLOW_R_IP_TOTLEN] = "ip_totlen",
	[RASFLOW_R_IP6_EXT] = "ip6_ext",
	[RASFLOW_R_L4_SHORT] = "l4_short",
	[RASFLOW_R_TCP_DOFF] = "tcp_doff",
	[RASFLOW_R_UDP_LEN] = "udp_len",
	[RASFLOW_R_QUOTED_SHORT] = "quoted_short",
};

static const char *const tunnel_names[RASFLOW_TUN_COUNT] = {
	[RASFLOW_TUN_NONE] = "none",
	[RASFLOW_TUN_IPIP] = "ip-in-ip",
	[RASFLOW_TUN_GRE] = "gre",
	[RASFLOW_TUN_ERSPAN] = "erspan",
	[RASFLOW_TUN_VXLAN] = "vxlan",
	[RASFLOW_TUN_GTPU] = "gtp-u",
	[RASFLOW_TUN_GENEVE] = "geneve",
};

const char *rasflow_tunnel_name(enum rasflow_tunnel t)
{
	return (unsigned)t < RASFLOW_TUN_COUNT ? tunnel_names[t] : "?";
}

const char *rasflow_dec_layer_name(enum rasflow_layer l)
{
	return (unsigned)l < RASFLOW_L_COUNT ? layer_names[l] : "?";
}

const char *rasflow_dec_result_name(enum rasflow_dec d)
{
	return (unsigned)d < RASFLOW_DEC_COUNT ? result_names[d] : "?";
}

const char *rasflow_dec_reason_name(enum rasflow_dec_reason r)
{
	return (unsigned)r < RASFLOW_R_COUNT ? reason_names[r] : "?";
}

void rasflow_pkt_rebase(struct rasflow_pkt *pkt, const uint8_t *from, const uint8_t *to)
{
	if (pkt->l3 != NULL)
		pkt->l3 = to + (pkt->l3 - from);
	if (pkt->payload != NULL)
		pkt->payload = to + (pkt->payload - from);
	if (pkt->inner != NULL)
		pkt->inner = to + (pkt->inner - from);
}
