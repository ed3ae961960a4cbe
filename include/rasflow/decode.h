/* decode.h — one frame in, one flat packet description out.
 *
 * rasflow_decode_frame() walks link layer (Ethernet, Linux cooked v1/v2, raw
 * IP, BSD loopback, Linux NFLOG, PPP, Cisco HDLC, Frame Relay, PPI around any
 * of those), up to two VLAN tags (802.1Q 0x8100, 802.1ad 0x88a8, 0x9100),
 * an MPLS label stack, a PPPoE session header, IPv4 (options) / IPv6
 * (extension headers), then TCP,
 * UDP, ICMP/ICMPv6 (for destination-unreachable errors the quoted header is
 * decoded into pkt->quoted) or any other IP protocol. All reads go through a
 * bounds-checked cursor and never pass caplen; on entering IP the length is
 * clamped to the IP total length so Ethernet padding is never payload.
 *
 * Tunnels: a packet whose payload is a tunnelled packet (IP in IP, GRE,
 * ERSPAN, VXLAN, GTP-U, Geneve; enum rasflow_tunnel) is still decoded as
 * itself, with pkt->tunnel saying what it carries; rasflow_decode_inner()
 * then decodes the packet inside. The engine accounts both, the tunnel to its own flow (as
 * tshark, Zeek and Suricata do).
 *
 * It does not allocate, log, or touch flows. Every non-OK result is counted
 * in the caller's struct rasflow_dec_stats by layer and reason.
 */
#ifndef RASFLOW_DECODE_H
#define RASFLOW_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "rasflow/addr.h"

enum rasflow_dec {
	RASFLOW_DEC_OK,
	RASFLOW_DEC_TRUNC,		/* a header or field ran past caplen */
	RASFLOW_DEC_MALFORMED,		/* a header contradicts itself (bad version, length) */
	RASFLOW_DEC_UNSUPPORTED,	/* not IP (ARP, LLDP...) or an unknown link type */
	RASFLOW_DEC_COUNT
};

enum rasflow_layer {
	RASFLOW_L_LINK,		/* link header and VLAN tags */
	RASFLOW_L_IP,		/* IPv4/IPv6 header and extension headers */
	RASFLOW_L_TRANSPORT,	/* TCP/UDP/ICMP header */
	RASFLOW_L_QUOTED,	/* the header quoted inside an ICMP error */
	RASFLOW_L_COUNT
};

/* Why a frame was not OK; counted alongside layer x result. */
enum rasflow_dec_reason {
	RASFLOW_R_NONE,
	RASFLOW_R_LINK_SHORT,		/* link header cut */
	RASFLOW_R_LINK_TYPE,		/* unsupported DLT */
	RASFLOW_R_VLAN_DEPTH,		/* more than two VLAN tags */
	RASFLOW_R_MPLS_DEPTH,		/* more than eight MPLS labels */
	RASFLOW_R_NOT_IP,		/* ethertype / family not IPv4 or IPv6 */
	RASFLOW_R_IP_SHORT,		/* IP header cut */
	RASFLOW_R_IP_VERSION,		/* version nibble wrong for the ethertype */
	RASFLOW_R_IP_HLEN,		/* IPv4 IHL < 5 or beyond total length */
	RASFLOW_R_IP_TOTLEN,		/* total/payload length smaller than the header */
	RASFLOW_R_IP6_EXT,		/* IPv6 extension header chain cut or too long */
	RASFLOW_R_L4_SHORT,		/* TCP/UDP/ICMP header cut */
	RASFLOW_R_TCP_DOFF,		/* TCP data offset < 5 or past the segment */
	RASFLOW_R_UDP_LEN,		/* UDP length field < 8 or past the IP payload */
	RASFLOW_R_QUOTED_SHORT,		/* ICMP error quotes too little to name a flow */
	RASFLOW_R_COUNT
};

struct rasflow_dec_stats {
	uint64_t frames;				/* frames seen */
	uint64_t by[RASFLOW_L_COUNT][RASFLOW_DEC_COUNT];	/* layer x result (OK unused) */
	uint64_t reason[RASFLOW_R_COUNT];
	uint64_t fragments_later;			/* non-first IP fragments */
	uint64_t tunneled;				/* packets decoded from inside a tunnel */
};

/* TCP flag bits as on the wire. */
enum {
	RASFLOW_TCP_FIN = 0x01, RASFLOW_TCP_SYN = 0x02, RASFLOW_TCP_RST = 0x04,
	RASFLOW_TCP_PSH = 0x08, RASFLOW_TCP_ACK = 0x10,
};

enum rasflow_frag {
	RASFLOW_FRAG_NONE,	/* not a fragment */
	RASFLOW_FRAG_FIRST,	/* offset 0, more fragments: carries the ports */
	RASFLOW_FRAG_LATER,	/* offset > 0: no transport header */
};

/* What a packet's payload carries (pkt->tunnel). */
enum rasflow_tunnel {
	RASFLOW_TUN_NONE,
	RASFLOW_TUN_IPIP,	/* IPv4 or IPv6 in IP (IP protocols 4 and 41; RFC 2003, 4213) */
	RASFLOW_TUN_GRE,	/* GRE version 0 carrying IP or Ethernet (RFC 2784, 2890, 1701) */
	RASFLOW_TUN_ERSPAN,	/* ERSPAN type I, II or III over GRE: mirrored Ethernet */
	RASFLOW_TUN_VXLAN,	/* VXLAN on UDP 4789 (RFC 7348): Ethernet */
	RASFLOW_TUN_GTPU,	/* GTP-U G-PDU on UDP 2152 (3GPP TS 29.281): IP */
	RASFLOW_TUN_GENEVE,	/* Geneve on UDP 6081 (RFC 8926): Ethernet or IP */
	RASFLOW_TUN_COUNT
};

/* Tunnels inside tunnels are decoded this deep; a packet at this depth
 * reports RASFLOW_TUN_NONE whatever it carries. */
#define RASFLOW_TUNNEL_DEPTH	2

/* The 5-tuple an ICMP error quotes (the offending packet, as it was sent). */
struct rasflow_quoted {
	struct rasflow_addr src, dst;
	uint8_t proto;
	uint16_t sport, dport;	/* 0 when the quote is a non-TCP/UDP packet */
};

struct rasflow_pkt {
	struct rasflow_addr src, dst;
	uint8_t ipver;			/* 4 or 6 */
	uint8_t proto;			/* IP protocol after extension headers */
	uint8_t ttl;			/* TTL / hop limit */
	uint8_t frag;			/* enum rasflow_frag */
	uint32_t frag_id;		/* IPv4 id or IPv6 fragment id, with frag != NONE */
	uint16_t sport, dport;		/* 0 for protocols without ports */
	uint8_t tcp_flags;		/* RASFLOW_TCP_* */
	uint32_t seq, ack;		/* TCP */
	uint8_t nvlan;			/* VLAN tags walked (0..2) */
	uint16_t vlan[2];		/* their VLAN ids, outer first */
	uint32_t ip_len;		/* IP total length as the header says (bytes on the wire) */
	const uint8_t *l3;		/* IP header start (borrowed from the frame) */
	uint32_t l3_caplen;		/* captured bytes from l3, clamped to ip_len */
	const uint8_t *payload;		/* transport payload (borrowed) */
	uint32_t payload_len;		/* captured payload bytes, clamped to ip_len */
	uint32_t payload_wire;		/* payload length on the wire (IP length minus headers) */
	uint8_t icmp_type, icmp_code;	/* ICMP / ICMPv6 */
	bool icmp_unreach;		/* destination unreachable with a usable quote */
	struct rasflow_quoted quoted;	/* with icmp_unreach */
	uint8_t layer;			/* enum rasflow_layer where a non-OK result arose */
	uint8_t reason;			/* enum rasflow_dec_reason; RASFLOW_R_NONE on OK */
	uint8_t depth;			/* 0: the frame's own packet; n: inside n tunnels */
	uint8_t tunnel;			/* enum rasflow_tunnel: what the payload carries */
	int inner_dlt;			/* with tunnel: DLT_EN10MB, DLT_RAW, DLT_IPV4 or DLT_IPV6 */
	const uint8_t *inner;		/* with tunnel: the carried frame (borrowed) */
	uint32_t inner_len;		/* its captured bytes */
};

/* Link types accepted (pcap DLT values). */
bool rasflow_decode_dlt_supported(int dlt);

/* Decode one frame. On OK, pkt is filled; on other results pkt is partly
 * filled, pkt->layer/reason say where decoding stopped, and stats (never
 * NULL) records layer and reason. Never reads past caplen.
 *
 * Which fields are valid: src and dst only when ipver != 0 (they are not
 * cleared between calls); quoted only when icmp_unreach. On a non-OK result at
 * RASFLOW_L_TRANSPORT or RASFLOW_L_QUOTED, src, dst, ipver, proto, ttl, frag,
 * frag_id, ip_len and l3 are valid, so the caller can still count the packet
 * to its hosts. A later fragment (frag == LATER) is OK with proto set and no
 * ports. A TCP header whose options are cut by the snaplen (or continue in
 * the next fragment) is OK: ports, flags, seq and ack come from the fixed 20
 * bytes and payload_len is 0. */
enum rasflow_dec rasflow_decode_frame(int dlt, const uint8_t *bytes, uint32_t caplen,
				      struct rasflow_pkt *pkt, struct rasflow_dec_stats *stats);

/* The same decoder without its fast path for untagged Ethernet/IPv4/TCP-UDP
 * frames: every frame goes through the general layer-by-layer code. Results,
 * packet fields and stats are the same as rasflow_decode_frame's; the tests
 * and the decode fuzz target check exactly that. */
enum rasflow_dec rasflow_decode_frame_general(int dlt, const uint8_t *bytes, uint32_t caplen,
					      struct rasflow_pkt *pkt,
					      struct rasflow_dec_stats *stats);

/* The frame pkt was decoded from was copied from `from` to `to` (at least its
 * captured bytes): point pkt's borrowed pointers (l3, payload, inner) into
 * the copy. */
void rasflow_pkt_rebase(struct rasflow_pkt *pkt, const uint8_t *from, const uint8_t *to);

/* Decode the packet that pkt (an OK result with pkt->tunnel set) carries,
 * into in. The same checks and stats as rasflow_decode_frame, except that
 * stats->frames is not counted and, on OK, stats->tunneled is; in->depth is
 * pkt->depth + 1. in may not be pkt. */
enum rasflow_dec rasflow_decode_inner(const struct rasflow_pkt *pkt, struct rasflow_pkt *in,
				      struct rasflow_dec_stats *stats);

const char *rasflow_dec_layer_name(enum rasflow_layer l);
const char *rasflow_tunnel_name(enum rasflow_tunnel t);
const char *rasflow_dec_result_name(enum rasflow_dec d);
const char *rasflow_dec_reason_name(enum rasflow_dec_reason r);

#endif
