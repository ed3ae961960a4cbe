/* dedup.h — a packet seen again within a moment: a mirror's second copy.
 *
 * A mirror session that copies the same traffic from two ports (the ingress
 * of one and the egress of another, both ends of a link, a trunk and an
 * access port, or a capture on an interface and on "any") puts each packet
 * in the capture twice, microseconds apart. Counted twice, every edge's
 * packets double and a SYN reads as retransmitted. Wireshark shows such
 * copies as retransmissions and leaves them to `editcap -d`.
 *
 * A copy is recognised by its IP packet: the first 40 bytes of IPv4 or 60
 * of IPv6 (the IP header and 20 bytes of TCP or UDP: sequence numbers and
 * the checksum over the payload included; the TTL or hop limit and the IPv4
 * header checksum left out, so that a copy taken on the far side of a
 * router counts too; 96 bytes of an ICMP error, to reach the ports it
 * quotes) and the IP length, seen again within
 * RASFLOW_DEDUP_WINDOW_US of the first. The link layer does not count (one
 * copy may be VLAN-tagged, the other not). An IPv4 retransmission carries a
 * new IP id and is never taken for a copy; an IPv6 one could be only if it
 * came within the window (a retransmission timer is 200 ms or more; a fast
 * retransmit waits for three duplicate ACKs).
 *
 * The table is direct-mapped and fixed (RASFLOW_DEDUP_SLOTS slots, 64 KiB,
 * made once): nothing is allocated per packet. A copy whose slot another
 * packet took in between is missed and counted as a packet of its own. It
 * does not decode, look at flows or decide what to do with a copy: the
 * engine does (engine.h).
 */
#ifndef RASFLOW_DEDUP_H
#define RASFLOW_DEDUP_H

#include <stdbool.h>
#include <stdint.h>

#include "rasflow/decode.h"
#include "rasflow/flow.h"

#define RASFLOW_DEDUP_SLOTS 4096	/* a power of two */
#define RASFLOW_DEDUP_WINDOW_US 1000	/* a copy comes this soon after its original */

struct rasflow_dedup {
	struct {
		uint64_t sig;		/* rasflow_dedup_sig of the packet */
		rasflow_ts ts;		/* when it was first seen */
	} slot[RASFLOW_DEDUP_SLOTS];
};

/* What identifies a decoded packet (ipver != 0) among its copies. */
uint64_t rasflow_dedup_sig(const struct rasflow_pkt *p);

/* Is the packet of signature sig at ts a copy of one seen within the
 * window? If not, it is remembered as an original. */
static inline bool rasflow_dedup_copy(struct rasflow_dedup *d, uint64_t sig, rasflow_ts ts)
{
	unsigned i = (unsigned)(sig >> 52) & (RASFLOW_DEDUP_SLOTS - 1);

	if (d->slot[i].sig == sig && ts >= d->slot[i].ts &&
	    ts - d->slot[i].ts <= RASFLOW_DEDUP_WINDOW_US)
		return true;
	d->slot[i].sig = sig;
	d->slot[i].ts = ts;
	return false;
}

#endif
