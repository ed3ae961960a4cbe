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
 * sessions x a handful of connections each). Address space is reserved for
 * the cap, memory taken a step at a time as flows appear, so ordinary
 * captures never pay for the cap; reaching it
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

/* Flow slots made usable at a time (about 200 KB) in small tables; tables
 * whose cap needs 4 MB or more grow by 2 MB-aligned chunks that may get
 * transparent huge pages (flow.c). */
#define RASFLOW_FLOW_SLAB		1024

/* Initial slots of the open-addressed flow index (power of two, >= 16). It
 * doubles when more than 3/4 of its slots are in use, up to the first size
 * that holds max_flows at 3/4. */
#define RASFLOW_FLOW_MIN_BUCKETS	1024

/* Direct-mapped cache (power of two) mapping (src, dst, proto, IP id) of
 * first fragments to their flow, for attributing later fragments. */
#define RASFLOW_FRAG_CACHE		1024

/* --- capture (capture.c) --- */

/* Live snapshot length. 65535 holds any frame on a standard or jumbo MTU
 * (and GRO-merged frames up to 64 KB) with TLS ClientHellos intact for DPI. */
#define RASFLOW_DEF_SNAPLEN		65535

/* Live snapshot lengths `monitor -s` accepts: 64 bytes hold the headers of
 * a tagged IPv6 TCP frame, 262144 is libpcap's largest. */
#define RASFLOW_MIN_SNAPLEN		64
#define RASFLOW_MAX_SNAPLEN		262144

/* The largest kernel buffer `monitor -B` accepts, in KiB (tcpdump's unit): 2 GiB - 1 KiB,
 * below INT_MAX bytes as pcap_set_buffer_size takes it. */
#define RASFLOW_MAX_BUFFER_KIB		2097151

/* Live kernel buffer. libpcap's 2 MB default drops packets in bursts on a
 * busy gateway; 32 MB absorbs about a quarter second of 1 Gbit/s. */
#define RASFLOW_DEF_BUFFER_BYTES	(32 * 1024 * 1024)

/* Live read timeout (ms): the longest a quiet interface holds the loop, so
 * ticks and the stop flag are seen at least this often. */
#define RASFLOW_DEF_READ_TIMEOUT_MS	250

/* Tick interval (ms of packet time offline, wall time on a quiet live
 * interface): how often the loop calls the caller's tick hook. */
#define RASFLOW_DEF_TICK_MS		1000

/* Offline, the tick hook is also called after this many packets without
 * one, with an unchanged time: packet time can stand still (a later file
 * whose timestamps are earlier), the caller's progress line must not. */
#define RASFLOW_TICK_PACKETS		65536

/* stdio buffer for reading capture files (capture.c): 16 times the usual
 * 4 KiB block, so 16 times fewer read() calls. */
#define RASFLOW_FILE_BUFFER		65536

#endif
