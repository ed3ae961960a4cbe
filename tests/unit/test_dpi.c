/* test_dpi.c — the nDPI module fed real and generated captures through
 * capture -> engine with the DPI hooks (as cmd_analyze.c wires them): the
 * applications of pcaps/app-mismatch.pcap and the server names reported,
 * rasflow_dpi_name_matches, nDPI state freed however many flows pass, an
 * unknown payload on 3389 that must not become a mismatch, and the end-to-end
 * analysis of app-mismatch.pcap.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "rasflow/addr.h"
#include "rasflow/capture.h"
#include "rasflow/dpi.h"
#include "rasflow/engine.h"
#include "rasflow/flow.h"

#define MAXF 64

/* What a run saw: each flow as it ended, each server name reported. */
struct seen_flow {
	char src[RASFLOW_ADDR_STRLEN], dst[RASFLOW_ADDR_STRLEN];
	uint16_t sport, dport;
	uint8_t proto, state;
	char app[64];			/* "" when unknown */
};

struct seen {
	struct rasflow_dpi *dpi;
	struct seen_flow f[MAXF];
	size_t nf;
	char names[MAXF][RASFLOW_ADDR_STRLEN + 80];	/* "ADDR NAME" */
	size_t nn;
	uint64_t ended;
};

static void h_new(void *user, struct rasflow_flow *f, const struct rasflow_pkt *p)
{
	struct seen *s = user;

	(void)p;
	rasflow_dpi_flow_new(s->dpi, f);
}

static void h_packet(void *user, struct rasflow_flow *f, const struct rasflow_pkt *p, int dir,
		     rasflow_ts ts)
{
	struct seen *s = user;

	rasflow_dpi_flow_packet(s->dpi, f, p, dir, ts);
}

static void h_end(void *user, struct rasflow_flow *f, enum rasflow_flow_end why)
{
	struct seen *s = user;
	struct seen_flow *o;
	char nb[64];
	const char *app;

	(void)why;
	rasflow_dpi_flow_end(s->dpi, f);
	cr_assert_null(f->dpi, "nDPI state left on an ended flow");
	s->ended++;
	if (s->nf >= MAXF)
		return;
	o = &s->f[s->nf++];
	rasflow_addr_str(&f->src, o->src);
	rasflow_addr_str(&f->dst, o->dst);
	o->sport = f->sport;
	o->dport = f->dport;
	o->proto = f->proto;
	o->state = f->app_state;
	app = rasflow_dpi_app_name(s->dpi, f->app_master, f->app_proto, nb, sizeof(nb));
	snprintf(o->app, sizeof(o->app), "%s", app ? app : "");
}

static void h_name(void *user, const struct rasflow_addr *a, const char *name, rasflow_ts since)
{
	struct seen *s = user;

	cr_assert_neq(since, 0, "a name comes with its flow's start");
	char as[RASFLOW_ADDR_STRLEN];

	if (s->nn < MAXF)
		snprintf(s->names[s->nn++], sizeof(s->names[0]), "%s %s", rasflow_addr_str(a, as),
			 name);
}

/* Run one capture through capture -> engine -> DPI. dopts/fopts may be NULL. */
static void run_file(const char *path, struct seen *s, const struct rasflow_dpi_opts *dopts,
		     const struct rasflow_flowtab_opts *fopts)
{
	struct rasflow_errlist err = { 0 };
	struct rasflow_dpi_opts o;
	struct rasflow_flow_hooks hooks = { 0 };
	const char *paths[1] = { path };
	struct rasflow_capture *c;
	struct rasflow_engine *e;

	memset(s, 0, sizeof(*s));
	if (dopts != NULL)
		o = *dopts;
	else
		rasflow_dpi_default_opts(&o);
	o.on_name = h_name;
	o.user = s;
	s->dpi = rasflow_dpi_new(&o);
	cr_assert_not_null(s->dpi);
	hooks.user = s;
	hooks.on_new = h_new;
	hooks.on_packet = h_packet;
	hooks.on_end = h_end;
	c = rasflow_capture_open_offline(paths, 1, NULL, &err);
	cr_assert_not_null(c, "cannot open %s", path);
	e = rasflow_engine_new(fopts, &hooks);
	cr_assert_not_null(e);
	cr_assert_eq(rasflow_capture_run(c, e, NULL, NULL, NULL, &err), 0);
	rasflow_engine_finish(e);
	rasflow_engine_free(e);
	rasflow_capture_free(c);
}

static const struct seen_flow *find_flow(const struct seen *s, const char *dst, uint16_t dport,
					 const char *app)
{
	for (size_t i = 0; i < s->nf; i++)
		if (strcmp(s->f[i].dst, dst) == 0 && s->f[i].dport == dport &&
		    (app == NULL || strcmp(s->f[i].app, app) == 0))
			return &s->f[i];
	return NULL;
}

static bool has_name(const struct seen *s, const char *line)
{
	for (size_t i = 0; i < s->nn; i++)
		if (strcmp(s->names[i], line) == 0)
			return true;
	return false;
}

static const char *srcdir(void)
{
	const char *d = getenv("RASFLOW_SRCDIR");

	return d != NULL ? d : ".";
}

/* pcaps/README.md: SSH banners gw1 -> rdsh1 3389, HTTP GET browser -> wa1
 * 20443; for contrast TLS cli1 -> gw1 443, RDP gw1 -> rdsh2 3389, TLS
 * browser -> wa1 20443, vdi1 -> 20.42.0.1:443 TLS with an AVD server name. */
Test(dpi, app_mismatch_capture)
{
	struct seen *s = malloc(sizeof(*s));
	char path[4096];
	const struct seen_flow *f;

	cr_assert_not_null(s);
	snprintf(path, sizeof(path), "%s/pcaps/app-mismatch.pcap", srcdir());
	run_file(path, s, NULL, NULL);
	cr_assert_eq(s->nf, 7, "flows: %zu", s->nf);

	f = find_flow(s, "10.20.1.21", 3389, NULL);
	cr_assert_not_null(f);
	cr_assert_str_eq(f->app, "SSH");
	cr_assert_eq(f->state, RASFLOW_APP_DETECTED);
	cr_assert_str_eq(f->src, "10.20.0.20");

	f = find_flow(s, "10.20.0.70", 20443, "HTTP");
	cr_assert_not_null(f, "no HTTP flow to wa1:20443");
	cr_assert_eq(f->state, RASFLOW_APP_DETECTED);
	f = find_flow(s, "10.20.0.70", 20443, "TLS");
	cr_assert_not_null(f, "no TLS flow to wa1:20443");
	cr_assert_eq(f->state, RASFLOW_APP_DETECTED);

	f = find_flow(s, "10.20.1.22", 3389, NULL);
	cr_assert_not_null(f);
	cr_assert_str_eq(f->app, "RDP");
	cr_assert_eq(f->state, RASFLOW_APP_DETECTED);

	f = find_flow(s, "10.20.0.20", 443, NULL);
	cr_assert_not_null(f);
	cr_assert_str_eq(f->app, "TLS");
	cr_assert_eq(f->state, RASFLOW_APP_DETECTED);

	/* nDPI 4.2 names the AVD flows after the SNI's owner */
	f = find_flow(s, "20.42.0.1", 443, NULL);
	cr_assert_not_null(f);
	cr_assert_str_eq(f->app, "TLS.Microsoft");
	cr_assert_eq(f->state, RASFLOW_APP_DETECTED);

	cr_assert(has_name(s, "20.42.0.1 rdbroker.wvd.microsoft.com"), "SNI not reported");
	cr_assert(has_name(s, "10.20.0.20 ras.corp.example"), "SNI not reported");
	cr_assert(has_name(s, "10.20.0.70 portal.corp.example"), "SNI not reported");
	cr_assert(has_name(s, "10.20.0.70 wa1.corp.example"), "HTTP Host not reported");

	cr_assert_eq(rasflow_dpi_stats(s->dpi)->active, 0);
	cr_assert_eq(rasflow_dpi_stats(s->dpi)->detected, 7);
	rasflow_dpi_free(s->dpi);
	free(s);
}

Test(dpi, name_matches)
{
	cr_assert(rasflow_dpi_name_matches("TLS.Microsoft", "TLS"));
	cr_assert(rasflow_dpi_name_matches("TLS.Microsoft", "Microsoft"));
	cr_assert(rasflow_dpi_name_matches("TLS.Microsoft", "TLS.Microsoft"));
	cr_assert(rasflow_dpi_name_matches("TLS.Microsoft", "RDP|TLS"));
	cr_assert(rasflow_dpi_name_matches("TLS", "RDP|TLS"));
	cr_assert(rasflow_dpi_name_matches("RDP", "RDP|TLS"));
	cr_assert(rasflow_dpi_name_matches("DTLS", "RDP|DTLS"));
	cr_assert_not(rasflow_dpi_name_matches("HTTP", "TLS"));
	cr_assert_not(rasflow_dpi_name_matches("TLS", "DTLS"));
	cr_assert_not(rasflow_dpi_name_matches("DTLS", "TLS"));
	cr_assert_not(rasflow_dpi_name_matches("TLS.Microsoft", "TL|Micro"));
	cr_assert_not(rasflow_dpi_name_matches("Unknown", "RDP|TLS"));
	cr_assert(rasflow_dpi_name_matches("Unknown", "Unknown"));
	cr_assert_not(rasflow_dpi_name_matches("HTTP", ""));
}

Test(dpi, app_name_of_ids)
{
	struct rasflow_dpi_opts o;
	struct rasflow_dpi *d;
	char buf[64];

	rasflow_dpi_default_opts(&o);
	d = rasflow_dpi_new(&o);
	cr_assert_not_null(d);
	/* nDPI 4.2 ids (ndpi_protocol_ids.h): 0 Unknown, 7 HTTP, 88 RDP, 91 TLS, 212 Microsoft */
	cr_assert_null(rasflow_dpi_app_name(d, 0, 0, buf, sizeof(buf)));
	cr_assert_str_eq(rasflow_dpi_app_name(d, 0, 88, buf, sizeof(buf)), "RDP");
	cr_assert_str_eq(rasflow_dpi_app_name(d, 88, 88, buf, sizeof(buf)), "RDP");
	cr_assert_str_eq(rasflow_dpi_app_name(d, 91, 212, buf, sizeof(buf)), "TLS.Microsoft");
	cr_assert_str_eq(rasflow_dpi_app_name(d, 0, 7, buf, sizeof(buf)), "HTTP");
	rasflow_dpi_free(d);
}

/* ---- generated captures ---- */

static uint32_t rnd_state = 0x2545f491;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* One Ethernet/IPv4 frame with a UDP (proto 17) or TCP (6) header and
 * `plen` payload bytes; checksums are left 0 (nobody checks them). */
static void put_frame(pcap_dumper_t *dump, uint64_t ts_us, uint8_t proto, uint32_t src,
		      uint32_t dst, uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq,
		      uint32_t ack, const uint8_t *payload, size_t plen)
{
	uint8_t fr[1600];
	size_t l4 = proto == 6 ? 20 : 8, n = 14 + 20 + l4 + plen, iplen = 20 + l4 + plen;
	struct pcap_pkthdr h;
	uint8_t *ip = fr + 14, *t = fr + 34;

	cr_assert_leq(n, sizeof(fr));
	memset(fr, 0, n);
	/* Ethernet: dst 02:00:00:00:00:02, src 02:00:00:00:00:01, type 0x0800 */
	fr[0] = 0x02, fr[5] = 0x02, fr[6] = 0x02, fr[11] = 0x01, fr[12] = 0x08;
	ip[0] = 0x45;				/* version 4, IHL 5 words */
	ip[2] = (uint8_t)(iplen >> 8);		/* total length */
	ip[3] = (uint8_t)iplen;
	ip[6] = 0x40;				/* DF, fragment offset 0 */
	ip[8] = 64;				/* TTL */
	ip[9] = proto;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));	/* source address */
		ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));	/* destination address */
	}
	t[0] = (uint8_t)(sport >> 8), t[1] = (uint8_t)sport;	/* source port */
	t[2] = (uint8_t)(dport >> 8), t[3] = (uint8_t)dport;	/* destination port */
	if (proto == 6) {
		for (int i = 0; i < 4; i++) {
			t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));	/* sequence number */
			t[8 + i] = (uint8_t)(ack >> (24 - 8 * i));	/* acknowledgment */
		}
		t[12] = 0x50;			/* data offset 5 words */
		t[13] = flags;			/* 0x02 SYN, 0x10 ACK, 0x18 PSH+ACK, 0x11 FIN+ACK */
		t[14] = 0xff, t[15] = 0xff;	/* window */
	} else {
		t[4] = (uint8_t)((8 + plen) >> 8), t[5] = (uint8_t)(8 + plen);	/* UDP length */
	}
	if (plen)
		memcpy(t + l4, payload, plen);
	h.ts.tv_sec = (time_t)(ts_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(ts_us % 1000000);
	h.caplen = h.len = (bpf_u_int32)n;
	pcap_dump((u_char *)dump, &h, fr);
}

static pcap_dumper_t *open_dump(char *path, size_t len, pcap_t **pd)
{
	int fd;
	pcap_dumper_t *dump;

	snprintf(path, len, "/tmp/rasflow-test-dpi-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	*pd = pcap_open_dead(DLT_EN10MB, 65535);
	cr_assert_not_null(*pd);
	dump = pcap_dump_open(*pd, path);
	cr_assert_not_null(dump, "%s", pcap_geterr(*pd));
	return dump;
}

static void close_dump(pcap_dumper_t *dump, pcap_t *pd)
{
	pcap_dump_close(dump);
	pcap_close(pd);
}

#define NFLOWS 200000u

/* Max RSS allowed for the whole test process. AddressSanitizer's quarantine
 * holds up to 256 MiB of freed memory on top. */
#if defined(__SANITIZE_ADDRESS__)
#define MAX_RSS_KIB ((200 + 256) * 1024)
#else
#define MAX_RSS_KIB (200 * 1024)
#endif

/* 200000 UDP flows, one datagram each with 48 random bytes (nDPI cannot
 * detect them: every flow holds state until it expires), one every 0.5 ms;
 * with a 1 s UDP timeout 2000 to 4000 are open at once. State must be freed
 * as flows end: active back to 0, peak far below the flow count, RSS bounded. */
Test(dpi, state_freed_with_many_flows, .timeout = 600)
{
	struct seen *s = malloc(sizeof(*s));
	struct rasflow_dpi_opts dopts;
	struct rasflow_flowtab_opts fopts;
	const struct rasflow_dpi_stats *st;
	struct rusage ru;
	char path[64];
	pcap_t *pd;
	pcap_dumper_t *dump = open_dump(path, sizeof(path), &pd);
	uint8_t pl[48];

	cr_assert_not_null(s);
	for (uint32_t i = 0; i < NFLOWS; i++) {
		for (size_t k = 0; k < sizeof(pl); k++)
			pl[k] = (uint8_t)rnd();
		/* 10.1.x.y:(1024+i%50000) -> 10.2.x.y:40000+i%1000 */
		put_frame(dump, 1700000000000000ull + (uint64_t)i * 500, 17, 0x0a010000u + i,
			  0x0a020000u + i, (uint16_t)(1024 + i % 50000),
			  (uint16_t)(40000 + i % 1000), 0, 0, 0, pl, sizeof(pl));
	}
	close_dump(dump, pd);

	rasflow_dpi_default_opts(&dopts);	/* max_states 65536: the cap plays no part */
	rasflow_flowtab_default_opts(&fopts);
	fopts.to.udp = 1;
	run_file(path, s, &dopts, &fopts);
	unlink(path);

	st = rasflow_dpi_stats(s->dpi);
	cr_assert_eq(s->ended, NFLOWS);
	cr_assert_eq(st->flows, NFLOWS, "flows with state: %llu", (unsigned long long)st->flows);
	cr_assert_eq(st->skipped, 0);
	cr_assert_eq(st->flows, st->detected + st->guessed + st->unknown);
	cr_assert_eq(st->active, 0, "nDPI state left: %zu", st->active);
	cr_assert_leq(st->peak, dopts.max_states);
	/* expiry runs once a second of packet time: at most ~3 s of flows are open */
	cr_assert_lt(st->peak, 8000, "peak %zu: state is not freed as flows end", st->peak);
	cr_assert_eq(getrusage(RUSAGE_SELF, &ru), 0);
	cr_assert_lt(ru.ru_maxrss, MAX_RSS_KIB, "max RSS %ld KiB", ru.ru_maxrss);
	cr_log_info("max RSS %ld KiB, peak %zu flows with nDPI state of %zu bytes", ru.ru_maxrss,
		    st->peak, st->state_size);
	rasflow_dpi_free(s->dpi);
	free(s);
}

/* The cap: with max_states 100 and 1100 flows open at once (no expiry),
 * never more than 100 hold state, flows past the cap are skipped, and flows
 * whose first packet has no payload (bare SYNs) get none once half of the
 * cap is used. */
Test(dpi, max_states_cap)
{
	struct seen *s = malloc(sizeof(*s));
	struct rasflow_dpi_opts dopts;
	const struct rasflow_dpi_stats *st;
	char path[64];
	pcap_t *pd;
	pcap_dumper_t *dump = open_dump(path, sizeof(path), &pd);
	uint8_t pl[48];
	uint64_t t = 1700000000000000ull;

	cr_assert_not_null(s);
	/* 100 bare SYNs to 10.3.0.1:3389 from 100 ports: only 50 get state */
	for (uint32_t i = 0; i < 100; i++)
		put_frame(dump, t++, 6, 0x0a040001u, 0x0a030001u, (uint16_t)(2000 + i), 3389, 0x02,
			  1000, 0, NULL, 0);
	/* 1000 UDP flows with random payload: the rest of the cap, then skipped */
	for (uint32_t i = 0; i < 1000; i++) {
		for (size_t k = 0; k < sizeof(pl); k++)
			pl[k] = (uint8_t)rnd();
		put_frame(dump, t++, 17, 0x0a010000u + i, 0x0a020001u, 5000, 40000, 0, 0, 0, pl,
			  sizeof(pl));
	}
	close_dump(dump, pd);
	rasflow_dpi_default_opts(&dopts);
	dopts.max_states = 100;
	run_file(path, s, &dopts, NULL);
	unlink(path);
	st = rasflow_dpi_stats(s->dpi);
	cr_assert_eq(st->peak, 100);
	/* the 50 SYN flows over half the cap neither get state nor count as skipped */
	cr_assert_eq(st->flows + st->skipped, 1050, "flows %llu skipped %llu",
		     (unsigned long long)st->flows, (unsigned long long)st->skipped);
	/* the 50 that got state end guessed (RDP by port): nothing else is guessed */
	cr_assert_eq(st->guessed, 50);
	/* a UDP flow nDPI detects at its first packet frees its state for the next */
	cr_assert_geq(st->flows, 100);
	cr_assert_eq(st->active, 0);
	rasflow_dpi_free(s->dpi);
	free(s);
}

/* gw1 10.20.0.20:50000 -> rdsh1 10.20.1.21:3389: handshake, 6 segments of
 * random bytes each way, FIN both ways; written to path. */
static void write_random_3389(char *path, size_t len)
{
	pcap_t *pd;
	pcap_dumper_t *dump = open_dump(path, len, &pd);
	const uint32_t gw = 0x0a140014u, rd = 0x0a140115u;	/* 10.20.0.20, 10.20.1.21 */
	uint32_t cs = 1000, ss = 9000;
	uint64_t t = 1714999000000000ull;
	uint8_t pl[200];

	rnd_state = 0x1234567;
	put_frame(dump, t += 1000, 6, gw, rd, 50000, 3389, 0x02, cs++, 0, NULL, 0);
	put_frame(dump, t += 1000, 6, rd, gw, 3389, 50000, 0x12, ss++, cs, NULL, 0);
	put_frame(dump, t += 1000, 6, gw, rd, 50000, 3389, 0x10, cs, ss, NULL, 0);
	for (int i = 0; i < 6; i++) {
		for (size_t k = 0; k < sizeof(pl); k++)
			pl[k] = (uint8_t)rnd();
		put_frame(dump, t += 1000, 6, gw, rd, 50000, 3389, 0x18, cs, ss, pl, sizeof(pl));
		cs += sizeof(pl);
		for (size_t k = 0; k < sizeof(pl); k++)
			pl[k] = (uint8_t)rnd();
		put_frame(dump, t += 1000, 6, rd, gw, 3389, 50000, 0x18, ss, cs, pl, sizeof(pl));
		ss += sizeof(pl);
	}
	put_frame(dump, t += 1000, 6, gw, rd, 50000, 3389, 0x11, cs++, ss, NULL, 0);
	put_frame(dump, t += 1000, 6, rd, gw, 3389, 50000, 0x11, ss++, cs, NULL, 0);
	put_frame(dump, t += 1000, 6, gw, rd, 50000, 3389, 0x10, cs, ss, NULL, 0);
	close_dump(dump, pd);
}

/* Run `rasflow analyze --format json --site SITE CAPTURE`; the parsed report. */
static json_t *analyze_json(const char *site, const char *capture)
{
	const char *bin = getenv("RASFLOW_BIN");
	char cmd[8192];
	json_error_t jerr;
	json_t *doc;
	FILE *p;

	if (bin == NULL || access(bin, X_OK) != 0)
		cr_skip_test("RASFLOW_BIN not set (run through meson test)");
	snprintf(cmd, sizeof(cmd), "'%s' analyze --format json --site '%s' '%s'", bin, site,
		 capture);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	doc = json_loadf(p, 0, &jerr);
	pclose(p);
	cr_assert_not_null(doc, "report is not JSON: %s", jerr.text);
	return doc;
}

static size_t count_findings(json_t *doc, const char *kind)
{
	json_t *fs = json_object_get(doc, "findings"), *f;
	size_t i, n = 0;

	json_array_foreach(fs, i, f)
		if (strcmp(json_string_value(json_object_get(f, "kind")), kind) == 0)
			n++;
	return n;
}

Test(dpi, unknown_payload_is_no_mismatch)
{
	struct seen *s = malloc(sizeof(*s));
	char path[64], site[4096];
	json_t *doc, *edges, *e;
	size_t i, found = 0;

	cr_assert_not_null(s);
	write_random_3389(path, sizeof(path));
	run_file(path, s, NULL, NULL);
	cr_assert_eq(s->nf, 1);
	cr_assert_str_eq(s->f[0].dst, "10.20.1.21");
	cr_assert(s->f[0].state == RASFLOW_APP_NONE || s->f[0].state == RASFLOW_APP_GUESSED,
		  "random bytes detected as %s", s->f[0].app);
	rasflow_dpi_free(s->dpi);
	free(s);

	snprintf(site, sizeof(site), "%s/pcaps/app-mismatch.site", srcdir());
	doc = analyze_json(site, path);
	unlink(path);
	cr_assert_eq(count_findings(doc, "mismatch"), 0);
	edges = json_object_get(doc, "edges");
	json_array_foreach(edges, i, e) {
		if (json_integer_value(json_object_get(e, "dport")) != 3389)
			continue;
		found++;
		cr_assert_str_eq(json_string_value(json_object_get(e, "verdict")), "ok");
		cr_assert(json_is_null(json_object_get(e, "app")), "edge app set for unknown payload");
	}
	cr_assert_eq(found, 1);
	json_decref(doc);
}

/* End to end (pcaps/README.md): exactly the two mismatches, and the AVD
 * address reached through its SNI takes rule avd-req-01. */
Test(dpi, analyze_app_mismatch)
{
	char site[4096], cap[4096];
	json_t *doc, *fs, *f, *rules, *r, *hosts, *h;
	size_t i;
	int seen_rule = 0, seen_host = 0;
	bool ssh = false, http = false;

	snprintf(site, sizeof(site), "%s/pcaps/app-mismatch.site", srcdir());
	snprintf(cap, sizeof(cap), "%s/pcaps/app-mismatch.pcap", srcdir());
	doc = analyze_json(site, cap);
	fs = json_object_get(doc, "findings");
	cr_assert_eq(json_array_size(fs), 2);
	json_array_foreach(fs, i, f) {
		const char *rule = json_string_value(json_object_get(f, "rule"));
		const char *dst = json_string_value(json_object_get(f, "dst"));

		cr_assert_str_eq(json_string_value(json_object_get(f, "kind")), "mismatch");
		if (strcmp(rule, "gw-rds") == 0 && strcmp(dst, "10.20.1.21") == 0 &&
		    json_integer_value(json_object_get(f, "dport")) == 3389)
			ssh = true;
		if (strcmp(rule, "br-webadmin") == 0 && strcmp(dst, "10.20.0.70") == 0 &&
		    json_integer_value(json_object_get(f, "dport")) == 20443)
			http = true;
	}
	cr_assert(ssh, "no mismatch for SSH on gw1 -> rdsh1 3389");
	cr_assert(http, "no mismatch for HTTP on browser -> wa1 20443");

	rules = json_object_get(doc, "rules");
	json_array_foreach(rules, i, r)
		if (strcmp(json_string_value(json_object_get(r, "id")), "avd-req-01") == 0) {
			cr_assert_str_eq(json_string_value(json_object_get(r, "status")), "seen");
			seen_rule = 1;
		}
	cr_assert(seen_rule, "rule avd-req-01 not in the report");
	hosts = json_object_get(doc, "hosts");
	json_array_foreach(hosts, i, h)
		if (strcmp(json_string_value(json_object_get(h, "addr")), "20.42.0.1") == 0) {
			cr_assert_str_eq(json_string_value(json_object_get(h, "server_name")),
					 "rdbroker.wvd.microsoft.com");
			cr_assert_str_eq(json_string_value(json_array_get(
						 json_object_get(h, "roles"), 0)), "avd-url");
			seen_host = 1;
		}
	cr_assert(seen_host, "20.42.0.1 not in the report");
	json_decref(doc);
}
