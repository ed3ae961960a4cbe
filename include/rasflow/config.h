/* config.h — compiled-in defaults, one comment per knob (p0f's config.h).
 *
 * Only defaults live here; the values in effect come from command-line
 * options through the modules' *_opts structs. Nothing here is mutable.
 */
#ifndef RASFLOW_CONFIG_H
#define RASFLOW_CONFIG_H

/* --- flow table (flow.c) --- */

/* Hard cap on flows held at once; beyond it the least recently used flow is
 * evicted. A flow costs at most 256 bytes (flow + its share of the bucket
 * array) plus nDPI state while detection runs, so 1,000,000 flows is about
 * 250 MB: affordable on a RAS server or a capture laptop, and an order of
 * magnitude above the concurrent flows of a large farm (thousands of
 * sessions x a handful of connections each). Memory is taken in slabs as
 * flows appear, so ordinary captures never pay for the cap; reaching it
 * means a scan or flood, and eviction then bounds the damage. */
#define RASFLOW_DEF_MAX_FLOWS		1000000

/* TCP handshake not completed (SYN sent, maybe answered, no final ACK).
 * Linux retransmits an unanswered SYN after 1, 2, 4, 8, 16, 32 s: the
 * longest gap is 32 s, so 60 s keeps every retry of one attempt in one flow
 * (zeek #863), as does Windows' 3 s / 6 s back-off. Suricata tcp new: 60 s. */
#define RASFLOW_DEF_TO_SYN		60

/* TCP established (or data seen, or picked up mid-stream), idle. RAS broker
 * and agent connections sit idle for minutes; Zeek's 5 min splits them
 * (zeek #1196, docker-zeek raised it to 60 min). Suricata established: 3600 s. */
#define RASFLOW_DEF_TO_ESTABLISHED	3600

/* TCP after FIN both ways or any RST. Long enough for the last ACK, FIN
 * retransmissions and a refused client's quick re-SYNs on the same port to
 * stay in the closed flow, short enough to free a port-scan's flows fast. */
#define RASFLOW_DEF_TO_CLOSING		30

/* UDP, idle. Above common NAT/firewall UDP idle times (30-120 s) so a
 * conversation the network still keeps open stays one flow; RDP-UDP and the
 * gateway lookup (UDP 20000) send far more often than that. */
#define RASFLOW_DEF_TO_UDP		120

/* ICMP (echo, not errors) and every other IP protocol, idle. Zeek: 60 s. */
#define RASFLOW_DEF_TO_OTHER		60

/* Hash seed. Fixed so runs are reproducible; output never depends on it
 * (lists are walked in time order, never in hash order). A live monitor
 * exposed to hostile traffic may pass a random one. */
#define RASFLOW_DEF_FLOW_SEED		0x5241534657ULL

/* Expiry sweeps run from the packet loop when packet time has advanced this
 * much since the last one (microseconds). A flow ends at most this late; a
 * packet arriving for a flow already past its timeout still starts a new one. */
#define RASFLOW_FLOW_SWEEP_US		1000000

/* Flows allocated per slab (one malloc); about 216 KB per slab. */
#define RASFLOW_FLOW_SLAB		1024

/* Initial hash buckets (power of two); doubled whenever flows > buckets,
 * up to the power of two at or above max_flows. */
#define RASFLOW_FLOW_MIN_BUCKETS	1024

/* Direct-mapped cache (power of two) mapping (src, dst, proto, IP id) of
 * first fragments to their flow, for attributing later fragments. */
#define RASFLOW_FRAG_CACHE		1024

/* --- capture (capture.c) --- */

/* Live snapshot length. 65535 holds any frame on a standard or jumbo MTU
 * (and GRO-merged frames up to 64 KB) with TLS ClientHellos intact for DPI. */
#define RASFLOW_DEF_SNAPLEN		65535

/* Live kernel buffer. libpcap's 2 MB default drops packets in bursts on a
 * busy gateway; 32 MB absorbs about a quarter second of 1 Gbit/s. */
#define RASFLOW_DEF_BUFFER_BYTES	(32 * 1024 * 1024)

/* Live read timeout (ms): the longest a quiet interface holds the loop, so
 * ticks and the stop flag are seen at least this often. */
#define RASFLOW_DEF_READ_TIMEOUT_MS	250

/* Tick interval (ms of packet time offline, wall time on a quiet live
 * interface): how often the loop calls the caller's tick hook. */
#define RASFLOW_DEF_TICK_MS		1000

#endif
