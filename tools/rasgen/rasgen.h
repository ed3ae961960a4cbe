/* rasgen.h — shared types of rasgen, the deterministic capture generator.
 *
 * scn.c parses a scenario file into a struct scn (settings, hosts, events with
 * every repetition already expanded); gen.c turns the events into frames with
 * libnet; payload.c builds the application templates; out.c writes pcap or
 * pcapng. Nothing here reads the clock or a random source: all variation
 * comes from the scenario's seed.
 */
#ifndef RASGEN_H
#define RASGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rasflow/err.h"

#define RG_NAME_MAX 48		/* host names and template arguments */
#define RG_UNSEEN_MAX 16		/* "unseen" settings */
#define RG_DEFAULT_START 1714986000000000LL	/* 2024-05-06T09:00:00Z in us */

enum rg_link { RG_LINK_ETH, RG_LINK_VLAN, RG_LINK_QINQ, RG_LINK_SLL2, RG_LINK_RAW, RG_LINK_ERSPAN };
enum rg_format { RG_FMT_UNSET, RG_FMT_PCAP, RG_FMT_PCAPNG };

struct rg_settings {
	int64_t start_us;	/* absolute time of +0, microseconds since 1970 */
	enum rg_link link;
	uint16_t vlan_outer;	/* vlan ID, or qinq outer (S-tag) ID */
	uint16_t vlan_inner;	/* qinq inner (C-tag) ID */
	int sll2_host;		/* host the sll2 capture runs on, or -1 */
	int erspan_src, erspan_dst;	/* link erspan: the mirroring switch, the collector */
	uint32_t snaplen;	/* frames are cut to this many bytes */
	uint64_t seed;		/* the only source of variation */
	int64_t rtt_us;		/* round trip between the two ends of a flow */
	enum rg_format format;	/* from the scenario; the command line overrides */
	bool pad;		/* pad Ethernet frames to the 60-byte minimum */
	bool truncate;		/* "damage truncate": cut the last record in half */
	struct { int from, to; } unseen[RG_UNSEEN_MAX];	/* "unseen A -> B" */
	size_t nunseen;
};

struct rg_host {
	char name[RG_NAME_MAX];
	int af;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order; IPv4 uses the first 4 bytes */
	uint8_t mac[6];
	uint8_t ttl;		/* initial TTL / hop limit of its packets */
	int via;		/* host whose MAC its frames carry (router), or -1 */
	unsigned line;		/* where it was defined */
};

enum rg_kind { RG_EV_TCP, RG_EV_UDP, RG_EV_UNREACH, RG_EV_VRRP, RG_EV_BCAST };
enum rg_outcome {
	RG_OK, RG_REFUSED, RG_UNANSWERED, RG_RESET,	/* tcp */
	RG_REPLY, RG_NOREPLY,				/* udp */
};
enum rg_tpl { RG_TPL_NONE, RG_TPL_TLS, RG_TPL_RDP, RG_TPL_SSH, RG_TPL_HTTP, RG_TPL_DNS,
	      RG_TPL_RAW };

struct rg_event {
	int64_t t_us;		/* offset from start */
	unsigned line;		/* scenario line, for messages */
	enum rg_kind kind;
	int src, dst;		/* host indices; dst -1 for vrrp and bcast */
	int router;		/* icmp-unreach: host that rejects, -1 = dst */
	uint16_t port;		/* destination port */
	int l4;			/* icmp-unreach and bcast: IPPROTO_TCP or IPPROTO_UDP */
	enum rg_outcome outcome;
	int code;		/* icmp-unreach code, -1 = default */
	uint8_t vrid, prio, vrrp_ver;
	uint16_t interval_cs;	/* vrrp advertisement interval, centiseconds */
	bool has_vip;
	uint8_t vip[16];	/* vrrp virtual address (same family as src) */
	enum rg_tpl tpl;
	char arg[RG_NAME_MAX];	/* tls-sni / http-get / dns name */
	uint8_t *raw_c, *raw_s;	/* raw template bytes (owned), each way */
	size_t raw_c_len, raw_s_len;
	bool has_bytes;
	uint32_t bytes;		/* filler bytes each way */
};

struct scn {
	struct rg_settings set;
	struct rg_host *hosts;
	size_t nhosts;
	struct rg_event *ev;
	size_t nev, cap;
};

/* scn.c */
struct scn *rg_scn_load(const char *path, struct rasflow_errlist *errs);
void rg_scn_free(struct scn *s);

/* One application message of a template: who sends it and its bytes. */
struct rg_msg {
	bool from_server;
	uint8_t *data;		/* owned */
	size_t len;
};

struct rg_msgs {
	struct rg_msg m[12];
	size_t n;
};

/* payload.c: fill the messages of ev (template, then filler). ctx_seed makes
 * random fields (TLS randoms, filler) differ between connections. */
int rg_payload_build(const struct scn *s, const struct rg_event *ev, uint64_t ctx_seed,
		     struct rg_msgs *out);
void rg_msgs_free(struct rg_msgs *m);
uint64_t rg_mix(uint64_t x);
void rg_fill(uint8_t *buf, size_t n, uint64_t seed);

/* A finished frame: link header + IP packet (+ padding). */
struct rg_frame {
	int64_t t_us;		/* absolute */
	uint64_t seq;		/* creation order, breaks timestamp ties */
	uint8_t *data;		/* owned */
	uint32_t len;		/* wire length */
	uint32_t ip_off, ip_len;	/* where the IP packet sits in data */
	int from, to;		/* host indices; to = from for broadcast and multicast */
};

struct rg_frames {
	struct rg_frame *f;
	size_t n, cap;
};

/* gen.c: every frame of the scenario, sorted by time. */
int rg_generate(struct scn *s, struct rg_frames *out, char *err, size_t errlen);
void rg_frames_free(struct rg_frames *fr);

/* out.c */
int rg_linktype(const struct rg_settings *set);
int rg_write(const struct scn *s, const struct rg_frames *fr, enum rg_format fmt, FILE *fp,
	     char *err, size_t errlen);

#endif
