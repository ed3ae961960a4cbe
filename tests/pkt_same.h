/* pkt_same.h — do two decodes of one frame agree? (tests only)
 *
 * Compares every field of struct rasflow_pkt that decode.h says is valid
 * for the result, and the stats. Used by the decode fuzz target and the unit
 * test that runs rasflow_decode_frame and rasflow_decode_frame_general over
 * real captures. Returns NULL when they agree, else the first field that
 * differs.
 */
#ifndef RASFLOW_TESTS_PKT_SAME_H
#define RASFLOW_TESTS_PKT_SAME_H

#include <string.h>

#include "rasflow/decode.h"

static inline const char *pkt_same(enum rasflow_dec ra, const struct rasflow_pkt *a,
				   const struct rasflow_dec_stats *sa, enum rasflow_dec rb,
				   const struct rasflow_pkt *b, const struct rasflow_dec_stats *sb)
{
#define SAME(field) do { if (a->field != b->field) return #field; } while (0)
	if (ra != rb)
		return "result";
	if (memcmp(sa, sb, sizeof(*sa)) != 0)
		return "stats";
	SAME(layer);
	SAME(reason);
	SAME(ipver);
	if (a->ipver != 0 && (memcmp(&a->src, &b->src, sizeof(a->src)) != 0 ||
			      memcmp(&a->dst, &b->dst, sizeof(a->dst)) != 0))
		return "src/dst";
	SAME(proto);
	SAME(ttl);
	SAME(frag);
	SAME(frag_id);
	SAME(sport);
	SAME(dport);
	SAME(tcp_flags);
	SAME(seq);
	SAME(ack);
	SAME(nvlan);
	SAME(vlan[0]);
	SAME(vlan[1]);
	SAME(ip_len);
	SAME(l3);
	SAME(l3_caplen);
	SAME(payload);
	SAME(payload_len);
	SAME(payload_wire);
	SAME(icmp_type);
	SAME(icmp_code);
	SAME(icmp_unreach);
	SAME(depth);
	SAME(tunnel);
	SAME(inner_dlt);
	SAME(inner);
	SAME(inner_len);
	if (a->icmp_unreach &&
	    (memcmp(&a->quoted.src, &b->quoted.src, sizeof(a->quoted.src)) != 0 ||
	     memcmp(&a->quoted.dst, &b->quoted.dst, sizeof(a->quoted.dst)) != 0 ||
	     a->quoted.proto != b->quoted.proto || a->quoted.sport != b->quoted.sport ||
	     a->quoted.dport != b->quoted.dport))
		return "quoted";
#undef SAME
	return NULL;
}

#endif
