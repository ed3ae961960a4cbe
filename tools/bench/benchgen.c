/* benchgen.c — write a large synthetic capture for the benchmark.
 *
 * Millions of packets over hundreds of thousands of interleaved flows, with a
 * realistic mix: complete TCP sessions carrying TLS, RDP or HTTP payloads,
 * unanswered SYNs with retries, refused connections, UDP request/response,
 * 802.1Q-tagged frames and IPv6. Frames are built byte by byte (no libnet:
 * speed matters here, and rasgen covers libnet-built captures) and written
 * with pcap_dump. Deterministic: the same arguments give the same bytes.
 *
 *   benchgen -o OUT.pcap [-p PACKETS] [-f FLOWS] [-c CONCURRENT] [--syn-only]
 *            [--farm SITE_OUT [--clients N]] [--gap US]
 *
 * Packets are US microseconds apart (default 7: 2M packets span 14 s).
 *
 * By default (the "stress" layout) flow ids map straight to addresses: 50,000
 * client addresses, 200 servers, ports drawn from a short list, so nearly
 * every flow is an edge of its own and no host has a known role.
 *
 * --farm writes a RAS farm instead, and its site file to SITE_OUT: servers of
 * 20 roles (2 brokers, 4 gateways, 40 RD session hosts, 20 VDI guests, AD,
 * SQL...) and N clients (default 5000) in a /16, each flow drawn from a rule
 * of the built-in matrix that such a farm uses (a random rule, then random
 * hosts of its two roles and a random port of it), 3 % of flows reversed
 * (rogue: the matrix does not allow them). Failures are systematic: 18 % of
 * (responder, port) pairs drop or refuse every SYN. IPv6 (servers are
 * dual-stack) and VLAN tags as in the stress layout.
 *
 * --syn-only writes one SYN per flow, every flow unique: a flood that keeps
 * FLOWS flows open at once (peak-memory measurement).
 */
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasflow/rules.h"

enum kind { K_TCP_OK, K_TCP_UNANSWERED, K_TCP_REFUSED, K_UDP };

struct gen_flow {
	uint32_t id;
	uint8_t kind, v6, vlan, step, nsteps;
	uint16_t sport, dport;
	uint32_t cseq, sseq;
	const uint8_t *req;
	uint16_t reqlen;
	uint32_t host[2];	/* --farm: client (end 0) and server (end 1) host numbers */
};

/* --farm: the servers and the rules they exercise. Host number h < nservers
 * is server h, at 10.20.R.n (R = its role group) and fd00:20::10.20.R.n; the
 * others are clients 10.30.x.y / fd00:30::x.y. */
struct farm_server {
	uint8_t v4[4];
	const char *roles;	/* as written to the site file */
	char name[24];
	rasflow_roleset set;	/* with implied roles */
};

struct farm {
	const struct rasflow_ruleset *rs;
	struct farm_server *srv;
	uint32_t nservers, nclients;
	rasflow_roleset client_set;
	unsigned *rules;	/* rules the farm exercises, users' first */
	size_t nrules, nuser;	/* how many, and how many are from a client or browser */
};

static struct farm farm;	/* set up once by main() with --farm */
static long gap_us = 7;		/* between packets (--gap) */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static const uint8_t tls_hello[] = {
	0x16, 0x03, 0x01, 0x00, 0x5a, 0x01, 0x00, 0x00, 0x56, 0x03, 0x03,
	/* random */
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	0x00,			/* session id length */
	0x00, 0x04, 0xc0, 0x2f, 0xc0, 0x30,	/* cipher suites */
	0x01, 0x00,		/* compression */
	0x00, 0x29,		/* extensions length */
	0x00, 0x00, 0x00, 0x1a, 0x00, 0x18, 0x00, 0x00, 0x15,	/* SNI */
	'g', 'w', '1', '.', 'f', 'a', 'r', 'm', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c',
	'o', 'm', 0x00,
	0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,	/* ec point formats */
	0x00, 0x17, 0x00, 0x00, 0x00, 0x00,	/* extended master secret + pad */
};

static const uint8_t rdp_req[] = {
	0x03, 0x00, 0x00, 0x2b, 0x26, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00,
	'C', 'o', 'o', 'k', 'i', 'e', ':', ' ', 'm', 's', 't', 's', 'h', 'a', 's', 'h', '=',
	'u', 's', 'e', 'r', '1', '\r', '\n',
	0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00,
};

static const uint8_t http_get[] = "GET /RASHTML5Gateway/ HTTP/1.1\r\nHost: gw1\r\n"
				  "User-Agent: bench\r\nAccept: */*\r\n\r\n";

/* Payload of flows that carry no protocol of their own: zeros in the
 * stress layout; in --farm, bytes that look encrypted (RAS's own protocols
 * and most traffic in a farm are TLS or binary), which is also what nDPI
 * meets on such ports. */
static const uint8_t zeros[1200];
static uint8_t noise[1200];
static const uint8_t *blob = zeros;

static const uint16_t tcp_ports[] = { 20003, 30004, 20002, 443, 3389, 20001, 30006, 80, 8086, 389 };
static const uint16_t udp_ports[] = { 30006, 53, 88, 20003, 30009 };

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

/* Address of the client (end 0) or server (end 1) of flow id. */
static void addr(const struct gen_flow *g, int end, uint8_t *out)
{
	uint32_t host = end ? (g->id % 200) + 10 : (g->id % 50000) + 1000;

	if (farm.rs != NULL) {
		uint32_t h = g->host[end];
		uint8_t v4[4];

		if (h < farm.nservers) {
			memcpy(v4, farm.srv[h].v4, 4);
		} else {
			h -= farm.nservers;
			v4[0] = 10; v4[1] = 30; v4[2] = (uint8_t)(h / 250); v4[3] = (uint8_t)(1 + h % 250);
		}
		if (g->v6) {
			static const uint8_t pfx[12] = { 0xfd, 0, 0, 0x20 };

			memcpy(out, pfx, 12);
			out[3] = v4[1] == 30 ? 0x30 : 0x20;
			memcpy(out + 12, v4, 4);
		} else {
			memcpy(out, v4, 4);
		}
		return;
	}

	if (g->v6) {
		static const uint8_t pfx[8] = { 0xfd, 0, 0, 0x20, 0, 0, 0, 0 };

		memcpy(out, pfx, 8);
		memset(out + 8, 0, 4);
		out[11] = (uint8_t)end;
		put32(out + 12, host);
	} else {
		out[0] = 10;
		out[1] = (uint8_t)(20 + end);
		out[2] = (uint8_t)(host >> 8);
		out[3] = (uint8_t)host;
	}
}

/* Write one frame: from end `from` with TCP flags (or UDP when kind is UDP). */
static void emit(pcap_dumper_t *d, struct timeval *tv, const struct gen_flow *g, int from,
		 uint8_t flags, const uint8_t *pl, uint16_t plen)
{
	uint8_t f[1600];
	size_t off = 0, l3;
	uint16_t l4len = (uint16_t)((g->kind == K_UDP ? 8 : 20) + plen);
	struct pcap_pkthdr h;

	memcpy(f, from ? "\x00\x50\x56\x00\x00\x01" : "\x00\x50\x56\x00\x00\x02", 6);
	memcpy(f + 6, from ? "\x00\x50\x56\x00\x00\x02" : "\x00\x50\x56\x00\x00\x01", 6);
	off = 12;
	if (g->vlan) {
		put16(f + off, 0x8100);
		put16(f + off + 2, (uint16_t)(100 + g->vlan));
		off += 4;
	}
	put16(f + off, g->v6 ? 0x86dd : 0x0800);
	off += 2;
	l3 = off;
	if (g->v6) {
		f[off] = 0x60; f[off + 1] = 0; put16(f + off + 2, 0);
		put16(f + off + 4, l4len);
		f[off + 6] = g->kind == K_UDP ? 17 : 6;
		f[off + 7] = 64;
		addr(g, from, f + off + 8);
		addr(g, !from, f + off + 24);
		off += 40;
	} else {
		f[off] = 0x45; f[off + 1] = 0;
		put16(f + off + 2, (uint16_t)(20 + l4len));
		put16(f + off + 4, (uint16_t)g->id); put16(f + off + 6, 0x4000);
		f[off + 8] = 64; f[off + 9] = g->kind == K_UDP ? 17 : 6;
		put16(f + off + 10, 0);
		addr(g, from, f + off + 12);
		addr(g, !from, f + off + 16);
		off += 20;
	}
	put16(f + off, from ? g->dport : g->sport);
	put16(f + off + 2, from ? g->sport : g->dport);
	if (g->kind == K_UDP) {
		put16(f + off + 4, l4len);
		put16(f + off + 6, 0);
		off += 8;
	} else {
		put32(f + off + 4, from ? g->sseq : g->cseq);
		put32(f + off + 8, (flags & 0x10) ? (from ? g->cseq : g->sseq) : 0);
		f[off + 12] = 0x50; f[off + 13] = flags;
		put16(f + off + 14, 64240); put32(f + off + 16, 0);
		off += 20;
	}
	if (plen > 0)
		memcpy(f + off, pl, plen);	/* pl is NULL for bare TCP segments */
	off += plen;
	(void)l3;
	while (off < 60)
		f[off++] = 0;	/* Ethernet padding */
	h.ts = *tv;
	h.caplen = h.len = (bpf_u_int32)off;
	pcap_dump((u_char *)d, &h, f);
	tv->tv_usec += gap_us;
	if (tv->tv_usec >= 1000000) {
		tv->tv_sec++;
		tv->tv_usec -= 1000000;
	}
}

/* A random host number with role index role: a client, or one of the
 * servers that have it (there is one: farm_setup() checked). */
static uint32_t farm_pick(unsigned role)
{
	rasflow_roleset bit = (rasflow_roleset)1 << role;
	uint32_t n = 0, k;

	if (farm.client_set & bit)
		return farm.nservers + rnd() % farm.nclients;
	for (uint32_t i = 0; i < farm.nservers; i++)
		n += (farm.srv[i].set & bit) != 0;
	k = rnd() % n;
	for (uint32_t i = 0; i < farm.nservers; i++)
		if ((farm.srv[i].set & bit) && k-- == 0)
			return i;
	return 0;
}

/* --farm: a rule, its two hosts and a port, and a kind its transport allows
 * (TCP outcomes in the proportions of the stress layout's 65/10/8). */
static void farm_flow(struct gen_flow *g)
{
	/* 60 % of flows are users' (rules from a client or browser) */
	size_t i = rnd() % 100 < 60 ? rnd() % farm.nuser : farm.nuser + rnd() % (farm.nrules - farm.nuser);
	const struct rasflow_rule *r = &farm.rs->rules[farm.rules[i]];
	const struct rasflow_portrange *pr = &r->ports[rnd() % r->nports];
	bool tcp = (r->transports & RASFLOW_T_TCP) &&
		   (!(r->transports & RASFLOW_T_UDP) || rnd() % 100 < 80);
	uint32_t broken;

	for (int tries = 0; tries < 8; tries++) {
		g->host[0] = farm_pick(r->src);
		g->host[1] = farm_pick(r->dst);
		if (g->host[0] != g->host[1])
			break;
	}
	g->dport = (uint16_t)(pr->lo + rnd() % ((uint32_t)pr->hi - pr->lo + 1));
	/* Failures are systematic, as in a farm with a firewall or a service
	 * problem: on 10 % of (responder, port) pairs every SYN is dropped, on
	 * 8 % refused; the rest answer. Plus 3 % rogue flows, the rule reversed. */
	broken = ((g->host[1] * 2654435761u) ^ (g->dport * 40503u)) % 100;
	g->kind = !tcp ? K_UDP : broken < 10 ? K_TCP_UNANSWERED : broken < 18 ? K_TCP_REFUSED :
		  K_TCP_OK;
	if (rnd() % 100 < 3) {	/* rogue */
		uint32_t t = g->host[0];

		g->host[0] = g->host[1];
		g->host[1] = t;
	}
}

/* Start flow number id with a kind drawn from the mix. */
static void start(struct gen_flow *g, uint32_t id)
{
	uint32_t r = rnd() % 100;

	memset(g, 0, sizeof(*g));
	g->id = id;
	g->kind = r < 65 ? K_TCP_OK : r < 75 ? K_TCP_UNANSWERED : r < 83 ? K_TCP_REFUSED : K_UDP;
	g->v6 = rnd() % 100 < 15;
	g->vlan = rnd() % 100 < 20 ? (uint8_t)(1 + rnd() % 4) : 0;
	g->sport = (uint16_t)(49152 + id % 16000);
	if (farm.rs != NULL)
		farm_flow(g);
	else if (g->kind == K_UDP)
		g->dport = udp_ports[rnd() % (sizeof(udp_ports) / 2)];
	else
		g->dport = tcp_ports[rnd() % (sizeof(tcp_ports) / 2)];
	g->cseq = rnd();
	g->sseq = rnd();
	g->req = blob;
	g->reqlen = 200;
	if (g->dport == 443) {
		g->req = tls_hello;
		g->reqlen = sizeof(tls_hello);
	} else if (g->dport == 3389) {
		g->req = rdp_req;
		g->reqlen = sizeof(rdp_req);
	} else if (g->dport == 80) {
		g->req = http_get;
		g->reqlen = sizeof(http_get) - 1;
	}
	g->nsteps = g->kind == K_TCP_OK ? 10 : g->kind == K_TCP_UNANSWERED ? 3 :
		    g->kind == K_TCP_REFUSED ? 2 : (uint8_t)(2 + 2 * (rnd() % 2));
}

/* Emit the next packet of g; returns 0 when the flow is finished. */
static int step(pcap_dumper_t *d, struct timeval *tv, struct gen_flow *g)
{
	uint8_t s = g->step++;

	switch (g->kind) {
	case K_TCP_OK:
		switch (s) {
		case 0: emit(d, tv, g, 0, 0x02, NULL, 0); g->cseq++; break;
		case 1: emit(d, tv, g, 1, 0x12, NULL, 0); g->sseq++; break;
		case 2: emit(d, tv, g, 0, 0x10, NULL, 0); break;
		case 3: emit(d, tv, g, 0, 0x18, g->req, g->reqlen); g->cseq += g->reqlen; break;
		case 4: emit(d, tv, g, 1, 0x18, blob, 1200); g->sseq += 1200; break;
		case 5: emit(d, tv, g, 0, 0x10, NULL, 0); break;
		case 6: emit(d, tv, g, 1, 0x18, blob, 400); g->sseq += 400; break;
		case 7: emit(d, tv, g, 0, 0x11, NULL, 0); g->cseq++; break;
		case 8: emit(d, tv, g, 1, 0x11, NULL, 0); g->sseq++; break;
		default: emit(d, tv, g, 0, 0x10, NULL, 0); break;
		}
		break;
	case K_TCP_UNANSWERED:
		emit(d, tv, g, 0, 0x02, NULL, 0);
		break;
	case K_TCP_REFUSED:
		if (s == 0)
			emit(d, tv, g, 0, 0x02, NULL, 0);
		else
			emit(d, tv, g, 1, 0x14, NULL, 0);
		break;
	default:
		emit(d, tv, g, s & 1, 0, blob, s & 1 ? 300 : 80);
		break;
	}
	return g->step < g->nsteps;
}

/* The servers of --farm: role ids as in the site file, how many. */
static const struct {
	const char *roles;
	unsigned n;
} farm_roles[] = {
	{ "console", 1 }, { "webadmin", 1 }, { "broker", 2 }, { "gateway", 4 }, { "halb", 2 },
	{ "rdsh", 40 }, { "guest", 20 }, { "remotepc", 4 }, { "provider", 2 }, { "enroll", 1 },
	{ "reporting", 1 }, { "perfmon", 1 }, { "adds", 2 }, { "ca", 1 }, { "sql", 1 },
	{ "ssrs", 1 }, { "mfa", 1 }, { "smtp", 1 }, { "hyperv", 2 }, { "vmware", 1 },
};

static const char farm_clients[] = "client,browser";

/* Role set of a comma list of role ids, with implied roles; 0 on an unknown id. */
static rasflow_roleset farm_set(const struct rasflow_ruleset *rs, const char *list)
{
	rasflow_roleset set = 0;
	char buf[64], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int i = rasflow_rules_role(rs, t);

		if (i < 0)
			return 0;
		set |= (rasflow_roleset)1 << i;
	}
	return rasflow_rules_close_roles(rs, set);
}

/* Build the farm from the built-in matrix, pick the rules it exercises and
 * write its site file. Returns 0, or 2 with a message. */
static int farm_setup(const char *site_path, uint32_t nclients)
{
	struct rasflow_errlist err = { .n = 0 };
	const struct rasflow_ruleset *rs = rasflow_rules_builtin(&err);
	rasflow_roleset have = 0;
	uint32_t n = 0;
	FILE *f;

	if (rs == NULL || nclients == 0 || nclients > 250 * 256) {
		fprintf(stderr, "benchgen: --farm: %s\n",
			rs ? "--clients must be 1..64000" : "built-in rules do not load");
		return 2;
	}
	for (size_t i = 0; i < sizeof(farm_roles) / sizeof(*farm_roles); i++)
		n += farm_roles[i].n;
	farm.rs = rs;
	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (uint8_t)((i * 2654435761u) >> 13 ^ (i * 40503u) >> 5);
	blob = noise;
	farm.srv = calloc(n, sizeof(*farm.srv));
	farm.rules = calloc(rs->nrules, sizeof(*farm.rules));
	if (farm.srv == NULL || farm.rules == NULL)
		return 2;
	farm.nclients = nclients;
	farm.client_set = farm_set(rs, farm_clients);
	have = farm.client_set;
	for (size_t i = 0; i < sizeof(farm_roles) / sizeof(*farm_roles); i++) {
		rasflow_roleset set = farm_set(rs, farm_roles[i].roles);

		if (set == 0) {
			fprintf(stderr, "benchgen: --farm: no role %s\n", farm_roles[i].roles);
			return 2;
		}
		for (unsigned k = 0; k < farm_roles[i].n; k++) {
			struct farm_server *sv = &farm.srv[farm.nservers++];

			sv->v4[0] = 10;
			sv->v4[1] = 20;
			sv->v4[2] = (uint8_t)(1 + i);
			sv->v4[3] = (uint8_t)(10 + k);
			sv->roles = farm_roles[i].roles;
			sv->set = set;
			snprintf(sv->name, sizeof(sv->name), "%s%u", farm_roles[i].roles, k + 1);
			have |= set;
		}
	}
	/* unicast TCP/UDP rules between roles the farm has, seen on the wire;
	 * users' rules in a first pass, the servers' in a second */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < rs->nrules; i++) {
			const struct rasflow_rule *r = &rs->rules[i];
			unsigned skip = RASFLOW_RF_LOCAL | RASFLOW_RF_BCAST | RASFLOW_RF_MCAST |
					RASFLOW_RF_EXT | RASFLOW_RF_DOUBTFUL;
			bool user = farm.client_set >> r->src & 1;

			if (!(r->transports & (RASFLOW_T_TCP | RASFLOW_T_UDP)) || r->nports == 0 ||
			    (r->flags & skip) || !(have >> r->src & 1) || !(have >> r->dst & 1) ||
			    user != (pass == 0))
				continue;
			farm.rules[farm.nrules++] = (unsigned)i;
		}
		if (pass == 0)
			farm.nuser = farm.nrules;
	}
	if (farm.nuser == 0 || farm.nuser == farm.nrules) {
		fprintf(stderr, "benchgen: --farm: the matrix has no rules for users or servers\n");
		return 2;
	}
	f = fopen(site_path, "w");
	if (f == NULL) {
		perror(site_path);
		return 2;
	}
	fprintf(f, "# benchgen --farm: %u servers, %u clients, %zu rules exercised\n",
		farm.nservers, nclients, farm.nrules);
	for (uint32_t i = 0; i < farm.nservers; i++) {
		const struct farm_server *sv = &farm.srv[i];

		fprintf(f, "%u.%u.%u.%u %s %s\n", sv->v4[0], sv->v4[1], sv->v4[2], sv->v4[3],
			sv->roles, sv->name);
		fprintf(f, "fd00:20::%u.%u.%u.%u %s %s-6\n", sv->v4[0], sv->v4[1], sv->v4[2],
			sv->v4[3], sv->roles, sv->name);
	}
	fprintf(f, "10.30.0.0/16 %s clients\nfd00:30::/96 %s clients-6\n", farm_clients,
		farm_clients);
	if (fclose(f) != 0) {
		perror(site_path);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "syn-only", no_argument, NULL, 's' }, { "farm", required_argument, NULL, 'F' },
		{ "clients", required_argument, NULL, 'C' }, { "gap", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 } };
	const char *out = NULL, *site = NULL;
	unsigned long clients = 5000;
	unsigned long packets = 2000000, flows = 300000, conc = 20000;
	int syn_only = 0, c;
	struct timeval tv = { 1795000000, 0 };
	struct gen_flow *act;
	unsigned long written = 0, started = 0;
	pcap_t *dead;
	pcap_dumper_t *d;

	while ((c = getopt_long(argc, argv, "o:p:f:c:", lo, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'p': packets = strtoul(optarg, NULL, 10); break;
		case 'f': flows = strtoul(optarg, NULL, 10); break;
		case 'c': conc = strtoul(optarg, NULL, 10); break;
		case 's': syn_only = 1; break;
		case 'F': site = optarg; break;
		case 'C': clients = strtoul(optarg, NULL, 10); break;
		case 'g': gap_us = strtol(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: benchgen -o OUT [-p PACKETS] [-f FLOWS] [-c CONCURRENT] "
				"[--syn-only] [--farm SITE_OUT [--clients N]] [--gap US]\n");
			return 2;
		}
	}
	if (out == NULL || conc == 0 || gap_us < 1 || gap_us > 999999) {
		fprintf(stderr, "benchgen: -o OUT is required; --gap is 1..999999 us\n");
		return 2;
	}
	if (site != NULL && syn_only) {
		fprintf(stderr, "benchgen: --farm and --syn-only exclude each other\n");
		return 2;
	}
	if (site != NULL && farm_setup(site, (uint32_t)clients) != 0)
		return 2;
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	d = pcap_dump_open(dead, out);
	if (d == NULL) {
		fprintf(stderr, "benchgen: %s: %s\n", out, pcap_geterr(dead));
		return 2;
	}
	if (syn_only) {
		struct gen_flow g;

		for (unsigned long i = 0; i < flows; i++) {
			start(&g, (uint32_t)i);
			g.kind = K_TCP_UNANSWERED;
			g.sport = (uint16_t)(1024 + i % 60000);
			g.id = (uint32_t)(i / 60000) * 50000 + (uint32_t)(i % 50000);
			g.dport = (uint16_t)(20000 + (i / 50000) % 30);
			emit(d, &tv, &g, 0, 0x02, NULL, 0);
		}
		pcap_dump_close(d);
		pcap_close(dead);
		printf("benchgen: %s: %lu packets, %lu flows (SYN only)\n", out, flows, flows);
		return 0;
	}
	act = calloc(conc, sizeof(*act));
	if (act == NULL)
		return 2;
	for (unsigned long i = 0; i < conc; i++)
		start(&act[i], (uint32_t)started++);
	/* Round-robin over the active set with a random stride, so flows
	 * interleave; a finished flow is replaced by a new one. */
	while (written < packets) {
		unsigned long i = rnd() % conc;

		if (!step(d, &tv, &act[i])) {
			unsigned long n = started++;

			/* ids past FLOWS reuse a tuple later: connection reuse */
			start(&act[i], (uint32_t)(n % (flows ? flows : 1)));
		}
		written++;
	}
	pcap_dump_close(d);
	pcap_close(dead);
	free(act);
	printf("benchgen: %s: %lu packets, %lu flows started\n", out, written, started);
	return 0;
}
