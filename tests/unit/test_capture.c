/* test_capture.c — capture files written here with libpcap, read back through
 * rasflow_capture and the engine; plus every shared public capture if present. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rasflow/capture.h"
#include "rasflow/config.h"

#define T0_SEC 1700000000L

/* Ethernet / IPv4 / TCP SYN 10.0.0.1:50000 -> 10.0.0.2:443, 54 bytes. */
static const uint8_t f_syn[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02,	/* dst MAC */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,	/* src MAC */
	0x08, 0x00,				/* ethertype IPv4 */
	0x45, 0x00, 0x00, 0x28,			/* v4, IHL 5, TOS 0, total length 40 */
	0x00, 0x01, 0x40, 0x00,			/* id 1, DF, fragment offset 0 */
	0x40, 0x06, 0x00, 0x00,			/* TTL 64, proto 6 TCP, checksum (unchecked) */
	10, 0, 0, 1,				/* src 10.0.0.1 */
	10, 0, 0, 2,				/* dst 10.0.0.2 */
	0xc3, 0x50, 0x01, 0xbb,			/* sport 50000, dport 443 */
	0x00, 0x00, 0x00, 0x01,			/* seq 1 */
	0x00, 0x00, 0x00, 0x00,			/* ack 0 */
	0x50, 0x02, 0xff, 0xff,			/* data offset 5, flags SYN, window 65535 */
	0x00, 0x00, 0x00, 0x00,			/* checksum, urgent pointer */
};

/* The answer: 10.0.0.2:443 -> 10.0.0.1:50000 SYN/ACK, 54 bytes. */
static const uint8_t f_synack[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,	/* dst MAC */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02,	/* src MAC */
	0x08, 0x00,				/* ethertype IPv4 */
	0x45, 0x00, 0x00, 0x28,			/* v4, IHL 5, TOS 0, total length 40 */
	0x00, 0x02, 0x40, 0x00,			/* id 2, DF, fragment offset 0 */
	0x40, 0x06, 0x00, 0x00,			/* TTL 64, TCP, checksum */
	10, 0, 0, 2,				/* src 10.0.0.2 */
	10, 0, 0, 1,				/* dst 10.0.0.1 */
	0x01, 0xbb, 0xc3, 0x50,			/* sport 443, dport 50000 */
	0x00, 0x00, 0x10, 0x00,			/* seq 4096 */
	0x00, 0x00, 0x00, 0x02,			/* ack 2 */
	0x50, 0x12, 0xff, 0xff,			/* data offset 5, flags SYN|ACK, window */
	0x00, 0x00, 0x00, 0x00,			/* checksum, urgent pointer */
};

/* Ethernet / IPv4 / UDP 10.0.0.1:5000 -> 10.0.0.3:53 with 4 payload bytes, 46 bytes. */
static const uint8_t f_udp[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x03,	/* dst MAC */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,	/* src MAC */
	0x08, 0x00,				/* ethertype IPv4 */
	0x45, 0x00, 0x00, 0x20,			/* v4, IHL 5, TOS 0, total length 32 */
	0x00, 0x03, 0x00, 0x00,			/* id 3, no flags, offset 0 */
	0x40, 0x11, 0x00, 0x00,			/* TTL 64, proto 17 UDP, checksum */
	10, 0, 0, 1,				/* src 10.0.0.1 */
	10, 0, 0, 3,				/* dst 10.0.0.3 */
	0x13, 0x88, 0x00, 0x35,			/* sport 5000, dport 53 */
	0x00, 0x0c, 0x00, 0x00,			/* UDP length 12, checksum 0 */
	0xde, 0xad, 0xbe, 0xef,			/* payload */
};

/* Ethernet / ARP request: not IP, so decoded as unsupported and skipped. */
static const uint8_t f_arp[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* dst MAC broadcast */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,	/* src MAC */
	0x08, 0x06,				/* ethertype ARP */
	0x00, 0x01, 0x08, 0x00,			/* htype Ethernet, ptype IPv4 */
	0x06, 0x04, 0x00, 0x01,			/* hlen 6, plen 4, op request */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,	/* sender MAC */
	10, 0, 0, 1,				/* sender IP */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* target MAC */
	10, 0, 0, 2,				/* target IP */
};

struct frame {
	const uint8_t *b;
	uint32_t len;
	long usec;			/* offset from T0_SEC */
};

#define FR(a, us) { a, sizeof(a), us }

static char dir[64];
static char paths[16][128];
static int npaths;

static void mkdir_tmp(void)
{
	strcpy(dir, "/tmp/rasflow-capture-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	npaths = 0;
}

static void rm_tmp(void)
{
	for (int i = 0; i < npaths; i++)
		unlink(paths[i]);
	rmdir(dir);
}

TestSuite(capture, .init = mkdir_tmp, .fini = rm_tmp);

static const char *tmp_path(const char *name)
{
	cr_assert_lt(npaths, 16);
	snprintf(paths[npaths], sizeof(paths[0]), "%s/%s", dir, name);
	return paths[npaths++];
}

static const char *write_pcap(const char *name, int dlt, const struct frame *fr, size_t n)
{
	const char *path = tmp_path(name);
	pcap_t *dead = pcap_open_dead(dlt, 65535);
	pcap_dumper_t *w;

	cr_assert_not_null(dead);
	w = pcap_dump_open(dead, path);
	cr_assert_not_null(w, "%s", pcap_geterr(dead));
	for (size_t i = 0; i < n; i++) {
		struct pcap_pkthdr h;

		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = T0_SEC + fr[i].usec / 1000000;
		h.ts.tv_usec = fr[i].usec % 1000000;
		h.caplen = h.len = fr[i].len;
		pcap_dump((u_char *)w, &h, fr[i].b);
	}
	pcap_dump_close(w);
	pcap_close(dead);
	return path;
}

static const char *write_raw(const char *name, const void *b, size_t n)
{
	const char *path = tmp_path(name);
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(b, 1, n, f), n);
	fclose(f);
	return path;
}

/* Counts what the flow table reports. */
struct seen {
	int news, ends, ticks;
};

static void s_new(void *u, struct rasflow_flow *f, const struct rasflow_pkt *p)
{
	(void)f;
	(void)p;
	((struct seen *)u)->news++;
}

static void s_end(void *u, struct rasflow_flow *f, enum rasflow_flow_end why)
{
	(void)f;
	(void)why;
	((struct seen *)u)->ends++;
}

static void s_tick(void *u, rasflow_ts now)
{
	(void)now;
	((struct seen *)u)->ticks++;
}

static struct rasflow_engine *engine(struct seen *s)
{
	struct rasflow_flow_hooks h = { .user = s, .on_new = s_new, .on_end = s_end };
	struct rasflow_engine *e;

	memset(s, 0, sizeof(*s));
	e = rasflow_engine_new(NULL, &h);
	cr_assert_not_null(e);
	return e;
}

static bool has_msg(const struct rasflow_errlist *el, const char *needle)
{
	for (size_t i = 0; i < el->n; i++)
		if (strstr(el->e[i].msg, needle))
			return true;
	return false;
}

Test(capture, counts_one_file)
{
	const struct frame fr[] = {
		FR(f_syn, 0), FR(f_synack, 1000), FR(f_udp, 2000), FR(f_arp, 3000),
	};
	const char *p = write_pcap("one.pcap", DLT_EN10MB, fr, 4);
	struct rasflow_errlist el = { .n = 0 };
	struct rasflow_capture *c = rasflow_capture_open_offline(&p, 1, NULL, &el);
	const struct rasflow_capture_file *files;
	struct rasflow_engine *e;
	struct seen s;
	size_t n;

	cr_assert_not_null(c);
	e = engine(&s);
	cr_assert_eq(rasflow_capture_run(c, e, NULL, NULL, NULL, &el), 0);
	files = rasflow_capture_files(c, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(files[0].packets, 4);
	cr_assert_eq(files[0].bytes, 54 + 54 + 46 + 42);
	cr_assert_eq(files[0].dlt, DLT_EN10MB);
	cr_assert(files[0].done && !files[0].truncated);
	cr_assert_eq(e->st.packets, 4);
	cr_assert_eq(e->st.wire_bytes, 54 + 54 + 46 + 42);
	cr_assert_eq(e->st.undecoded, 1, "the ARP frame");
	cr_assert_eq(e->dec.frames, 4);
	cr_assert_eq(e->st.first_ts, (rasflow_ts)T0_SEC * 1000000);
	cr_assert_eq(e->st.last_ts, (rasflow_ts)T0_SEC * 1000000 + 3000);
	cr_assert_eq(s.news, 2, "one TCP and one UDP flow");
	cr_assert_eq(rasflow_flowtab_stats(e->ft)->active, 2);
	rasflow_engine_finish(e);
	cr_assert_eq(s.ends, 2);
	cr_assert_eq(el.n, 0);
	cr_assert(!rasflow_capture_is_live(c));
	{
		struct rasflow_capture_stats cs;

		cr_assert_eq(rasflow_capture_stats(c, &cs), RASFLOW_EINVAL);
	}
	rasflow_engine_free(e);
	rasflow_capture_free(c);
}

Test(capture, two_files_in_sequence)
{
	const struct frame a[] = { FR(f_syn, 0), FR(f_synack, 10) };
	const struct frame b[] = { FR(f_udp, 5 * 1000000), FR(f_udp, 6 * 1000000),
				   FR(f_arp, 7 * 1000000) };
	const char *p[2];
	struct rasflow_errlist el = { .n = 0 };
	struct rasflow_capture *c;
	const struct rasflow_capture_file *files;
	struct rasflow_engine *e;
	struct seen s;
	size_t n;

	p[0] = write_pcap("a.pcap", DLT_EN10MB, a, 2);
	p[1] = write_pcap("b.pcap", DLT_EN10MB, b, 3);
	c = rasflow_capture_open_offline(p, 2, NULL, &el);
	cr_assert_not_null(c);
	e = engine(&s);
	cr_assert_eq(rasflow_capture_run(c, e, NULL, NULL, NULL, &el), 0);
	files = rasflow_capture_files(c, &n);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(files[0].name, p[0]);
	cr_assert_eq(files[0].packets, 2);
	cr_assert_eq(files[1].packets, 3);
	cr_assert_eq(e->st.packets, 5);
	cr_assert_eq(s.news, 2);
	cr_assert_eq(e->st.last_ts, (rasflow_ts)(T0_SEC + 7) * 1000000);
	rasflow_engine_free(e);
	rasflow_capture_free(c);
}

Test(capture, ticks_follow_packet_time)
{
	const struct frame fr[] = { FR(f_udp, 0), FR(f_udp, 500000), FR(f_udp, 1000000),
				    FR(f_udp, 2500000), FR(f_udp, 3500000) };
	const char *p = write_pcap("tick.pcap", DLT_EN10MB, fr, 5);
	struct rasflow_errlist el = { .n = 0 };
	struct rasflow_capture_opts o;
	struct rasflow_capture *c;
	struct rasflow_engine *e;
	struct seen s;

	rasflow_capture_default_opts(&o);
	o.tick_ms = 1000;
	c = rasflow_capture_open_offline(&p, 1, &o, &el);
	cr_assert_not_null(c);
	e = engine(&s);
	cr_assert_eq(rasflow_capture_run(c, e, s_tick, &s, NULL, &el), 0);
	/* first packet arms the clock at t=0; ticks at 1.0 s, 2.5 s, 3.5 s */
	cr_assert_eq(s.ticks, 3);
	rasflow_engine_free(e);
	rasflow_capture_free(c);
}

/* A second file whose timestamps lie before the first file's: packet time
 * stands still for all of it, and without the packet-count tick the caller's
 * progress line would freeze until the end. */
Test(capture, ticks_go_on_when_packet_time_stands_still)
{
	const struct frame late[] = { FR(f_udp, 10 * 1000000) };
	const size_t n = RASFLOW_TICK_PACKETS + RASFLOW_TICK_PACKETS / 2;
	struct frame *early = calloc(n, sizeof(*early));
	struct rasflow_errlist el = { .n = 0 };
	struct rasflow_capture_opts o;
	struct rasflow_capture *c;
	struct rasflow_engine *e;
	const char *p[2];
	struct seen s;

	cr_assert_not_null(early);
	for (size_t i = 0; i < n; i++)
		early[i] = (struct frame)FR(f_udp, (long)i);
	p[0] = write_pcap("late.pcap", DLT_EN10MB, late, 1);
	p[1] = write_pcap("early.pcap", DLT_EN10MB, early, n);
	free(early);
	rasflow_capture_default_opts(&o);
	o.tick_ms = 1000;
	c = rasflow_capture_open_offline(p, 2, &o, &el);
	cr_assert_not_null(c);
	e = engine(&s);
	cr_assert_eq(rasflow_capture_run(c, e, s_tick, &s, NULL, &el), 0);
	/* armed at 10 s by the first file; packet time never reaches 11 s */
	cr_assert_eq(s.ticks, 1, "one tick per RASFLOW_TICK_PACKETS packets, got %d", s.ticks);
	cr_assert_eq(e->st.packets, n + 1);
	rasflow_engine_free(e);
	rasflow_capture_free(c);
}

Test(capture, stop_flag_before_reading)
{
	const struct frame fr[] = { FR(f_udp, 0) };
	const char *p = write_pcap("stop.pcap", DLT_EN10MB, fr, 1);
	struct rasflow_errlist el = { .n = 0 };
	struct rasflow_capture *c = rasflow_capture_open_offline(&p, 1, NULL, &el);
	volatile sig_atomic_t stop = 1;
	struct rasflow_engine *e;
	struct seen s;

	cr_assert_not_null(c);
	e = engine(&s);
	cr_assert_eq(rasflow_capture_run(c, e, NULL, NULL, &stop, &el), 0);
	cr_assert_eq(e->st.packets, 0);
	rasflow_engine_free(e);
	rasflow_capture_free(c);
}

Test(capture, offline_filter)
{
	const struct frame fr[] = { FR(f_syn, 0), FR(f_udp, 1), FR(f_synack, 2) };
	const char *p = write_pcap("filter.pcap", DLT_EN10MB, fr, 3);
	struct rasflow_errlist el = { .n = 0 };
	struct rasflow_capture_opts o;
	struct rasflow_capture *c;
	struct rasflow_engine *e;
	struct seen s;

	rasflow_capture_default_opts(&o);
	o.filter = "udp";
	c = rasflow_capture_open_offline(&p, 1, &o, &el);
	cr_assert_not_null(c);
	e = engine(&s);
	cr_assert_eq(rasflow_capture_run(c, e, NULL, NULL, NULL, &el), 0);
	cr_assert_eq(e->st.packets, 1);
	cr_assert_eq(s.news, 1);
	rasflow_engine_free(e);
	rasflow_capture_free(c);

	o.filter = "tcp port";
	el.n = 0;
	cr_assert_null(rasflow_capture_open_offline(&p, 1, &o, &el));
	cr_assert_eq(el.n, 1);
	cr_assert(has_msg(&el, "filter \"tcp port\""), "%s", el.e[0].msg);
}

Test(capture, unsupported_link_type)
{
	const struct frame fr[] = { FR(f_udp, 0) };
	const char *p = write_pcap("wifi.pcap", DLT_IEEE802_11, fr, 1);
	struct rasflow_errlist el = { .n = 0 };

	cr_assert_null(rasflow_capture_open_offline(&p, 1, NULL, &el));
	cr_assert_eq(el.n, 1);
	cr_assert_str_eq(el.e[0].file, p);
	cr_assert(has_msg(&el, "link type IEEE802_11 (105) is not supported"), "%s", el.e[0].msg);
}

Test(capture, every_bad_file_reported)
{
	static const char text[] = "this is a text file, not a capture\n";
	const char *p[3];
	struct rasflow_errlist el = { .n = 0 };

	p[0] = write_raw("notes.txt", text, sizeof(text) - 1);
	p[1] = tmp_path("missing.pcap");
	p[2] = write_raw("zero.pcap", "", 0);
	cr_assert_null(rasflow_capture_open_offline(p, 3, NULL, &el));
	cr_assert_eq(el.n, 3);
	cr_assert_str_eq(el.e[0].file, p[0]);
	cr_assert(strstr(el.e[0].msg, "not a pcap or pcapng capture file"), "%s", el.e[0].msg);
	cr_assert_str_eq(el.e[1].file, p[1]);
	cr_assert(strstr(el.e[1].msg, "No such file"), "%s", el.e[1].msg);
	cr_assert_str_eq(el.e[2].file, p[2]);
	cr_log_info("zero-length file: %s", el.e[2].msg);
}

Test(capture, header_only_file)
{
	const char *p = write_pcap("empty.pcap", DLT_EN10MB, NULL, 0);
	struct rasflow_errlist el = { .n = 0 };
	struct rasflow_capture *c = rasflow_capture_open_offline(&p, 1, NULL, &el);
	const struct rasflow_capture_file *files;
	struct rasflow_engine *e;
	struct seen s;
	size_t n;
	struct stat sb;

	cr_assert_eq(stat(p, &sb), 0);
	cr_assert_eq(sb.st_size, 24, "pcap file header only");
	cr_assert_not_null(c);
	e = engine(&s);
	cr_assert_eq(rasflow_capture_run(c, e, NULL, NULL, NULL, &el), 0);
	files = rasflow_capture_files(c, &n);
	cr_assert_eq(files[0].packets, 0);
	cr_assert(files[0].done);
	cr_assert_eq(e->st.packets, 0);
	rasflow_engine_finish(e);
	rasflow_engine_free(e);
	rasflow_capture_free(c);
}

Test(capture, truncated_file_reports_what_it_read)
{
	const struct frame fr[] = { FR(f_syn, 0), FR(f_synack, 1), FR(f_udp, 2) };
	const struct frame more[] = { FR(f_udp, 10) };
	const char *p[2];
	struct rasflow_errlist el = { .n = 0 };
	struct rasflow_capture *c;
	const struct rasflow_capture_file *files;
	struct rasflow_engine *e;
	struct seen s;
	struct stat sb;
	size_t n;

	p[0] = write_pcap("cut.pcap", DLT_EN10MB, fr, 3);
	p[1] = write_pcap("after.pcap", DLT_EN10MB, more, 1);
	/* 24 header + 3 x 16 record headers + 54 + 54 + 46 = 226; cut the UDP record */
	cr_assert_eq(stat(p[0], &sb), 0);
	cr_assert_eq(sb.st_size, 226);
	cr_assert_eq(truncate(p[0], 226 - 10), 0);
	c = rasflow_capture_open_offline(p, 2, NULL, &el);
	cr_assert_not_null(c);
	e = engine(&s);
	cr_assert_eq(rasflow_capture_run(c, e, NULL, NULL, NULL, &el), RASFLOW_CAPTURE_PARTIAL);
	files = rasflow_capture_files(c, &n);
	cr_assert_eq(files[0].packets, 2);
	cr_assert(files[0].truncated);
	cr_assert_eq(files[1].packets, 1, "the next file is still read");
	cr_assert(!files[1].truncated);
	cr_assert_eq(e->st.packets, 3);
	cr_assert_eq(el.n, 1);
	cr_assert_str_eq(el.e[0].file, p[0]);
	cr_assert(has_msg(&el, "ends early after 2 packets"), "%s", el.e[0].msg);
	cr_assert(has_msg(&el, "truncated"), "%s", el.e[0].msg);
	rasflow_engine_free(e);
	rasflow_capture_free(c);
}

static size_t put32(uint8_t *b, uint32_t v)
{
	memcpy(b, &v, 4);	/* host order: the byte-order magic says which */
	return 4;
}

static size_t put16(uint8_t *b, uint16_t v)
{
	memcpy(b, &v, 2);
	return 2;
}

Test(capture, pcapng_file)
{
	uint8_t b[28 + 20 + 88];
	uint64_t ts = (uint64_t)T0_SEC * 1000000 + 42;
	const char *p;
	size_t o = 0;
	struct rasflow_errlist el = { .n = 0 };
	struct rasflow_capture *c;
	struct rasflow_engine *e;
	struct seen s;

	/* Section Header Block */
	o += put32(b + o, 0x0a0d0d0a);		/* block type SHB */
	o += put32(b + o, 28);			/* block total length */
	o += put32(b + o, 0x1a2b3c4d);		/* byte-order magic */
	o += put16(b + o, 1);			/* major version 1 */
	o += put16(b + o, 0);			/* minor version 0 */
	o += put32(b + o, 0xffffffff);		/* section length: unknown (-1), low */
	o += put32(b + o, 0xffffffff);		/* ... high */
	o += put32(b + o, 28);			/* block total length again */
	/* Interface Description Block */
	o += put32(b + o, 1);			/* block type IDB */
	o += put32(b + o, 20);			/* block total length */
	o += put16(b + o, 1);			/* link type 1 Ethernet */
	o += put16(b + o, 0);			/* reserved */
	o += put32(b + o, 65535);		/* snaplen */
	o += put32(b + o, 20);			/* block total length again */
	/* Enhanced Packet Block with the 54-byte SYN, padded to 56 */
	o += put32(b + o, 6);			/* block type EPB */
	o += put32(b + o, 88);			/* 32 + 56 */
	o += put32(b + o, 0);			/* interface 0 */
	o += put32(b + o, (uint32_t)(ts >> 32));	/* timestamp high (microseconds) */
	o += put32(b + o, (uint32_t)ts);		/* timestamp low */
	o += put32(b + o, sizeof(f_syn));	/* captured length */
	o += put32(b + o, sizeof(f_syn));	/* original length */
	memcpy(b + o, f_syn, sizeof(f_syn));
	o += sizeof(f_syn);
	o += put16(b + o, 0);			/* padding to 32 bits */
	o += put32(b + o, 88);			/* block total length again */
	cr_assert_eq(o, sizeof(b));

	p = write_raw("one.pcapng", b, sizeof(b));
	c = rasflow_capture_open_offline(&p, 1, NULL, &el);
	cr_assert_not_null(c, "%s", el.n ? el.e[0].msg : "");
	e = engine(&s);
	cr_assert_eq(rasflow_capture_run(c, e, NULL, NULL, NULL, &el), 0);
	cr_assert_eq(e->st.packets, 1);
	cr_assert_eq(e->st.first_ts, ts);
	cr_assert_eq(s.news, 1);
	rasflow_engine_free(e);
	rasflow_capture_free(c);
}

Test(capture, live_bad_interface)
{
	struct rasflow_errlist el = { .n = 0 };

	cr_assert_null(rasflow_capture_open_live("rasflow-no-such-if0", NULL, &el));
	cr_assert_eq(el.n, 1);
	cr_assert_str_eq(el.e[0].file, "rasflow-no-such-if0");
	cr_log_info("%s", el.e[0].msg);
}

/* Live on loopback (needs root): the loop returns on the read timeout, ticks
 * on the wall clock and honours the stop flag. */
struct live_ctx {
	volatile sig_atomic_t *stop;
	int ticks;
};

static void live_tick(void *u, rasflow_ts now)
{
	struct live_ctx *l = u;

	(void)now;
	if (++l->ticks >= 2)
		*l->stop = 1;
}

Test(capture, live_loopback_ticks_and_stops, .timeout = 20)
{
	struct rasflow_errlist el = { .n = 0 };
	struct rasflow_capture_opts o;
	struct rasflow_capture *c;
	struct rasflow_capture_stats cs;
	volatile sig_atomic_t stop = 0;
	struct live_ctx l = { &stop, 0 };
	struct rasflow_engine *e;
	struct seen s;

	rasflow_capture_default_opts(&o);
	o.timeout_ms = 100;
	o.tick_ms = 200;
	o.filter = "udp port 9";		/* nothing is expected to match */
	c = rasflow_capture_open_live("lo", &o, &el);
	if (!c) {
		cr_log_info("lo not capturable here: %s", el.n ? el.e[0].msg : "");
		cr_skip_test("no live capture on lo");
	}
	cr_assert(rasflow_capture_is_live(c));
	e = engine(&s);
	cr_assert_eq(rasflow_capture_run(c, e, live_tick, &l, &stop, &el), 0);
	cr_assert_geq(l.ticks, 2);
	cr_assert_eq(rasflow_capture_stats(c, &cs), 0);
	rasflow_engine_free(e);
	rasflow_capture_free(c);
}

/* Packet counts per file from MANIFEST.tsv (column "packets"), or -1. */
static long manifest_packets(const char *manifest, const char *file)
{
	FILE *f = fopen(manifest, "r");
	char line[4096];
	long n = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t');
		char *col = line;

		if (!tab || (size_t)(tab - line) != strlen(file) || strncmp(line, file, strlen(file)))
			continue;
		for (int i = 0; i < 7 && col; i++) {
			col = strchr(col, '\t');
			if (col)
				col++;
		}
		if (col)
			n = strtol(col, NULL, 10);
		break;
	}
	fclose(f);
	return n;
}

static bool is_capture_name(const char *n)
{
	size_t l = strlen(n);

	return (l > 5 && strcmp(n + l - 5, ".pcap") == 0) ||
	       (l > 7 && strcmp(n + l - 7, ".pcapng") == 0);
}

Test(capture, shared_public_captures, .timeout = 300)
{
	const char *shared = getenv("RASFLOW_SHARED");
	char pub[1024], manifest[1100], path[1400];
	struct dirent *d;
	DIR *dp;
	int files = 0, refused = 0, partial = 0, checked = 0;

	if (!shared)
		cr_skip_test("RASFLOW_SHARED not set");
	snprintf(pub, sizeof(pub), "%s/pcaps/public", shared);
	dp = opendir(pub);
	if (!dp)
		cr_skip_test("%s not present", pub);
	snprintf(manifest, sizeof(manifest), "%s/MANIFEST.tsv", pub);
	while ((d = readdir(dp)) != NULL) {
		const char *p = path;
		struct rasflow_errlist el = { .n = 0 };
		struct rasflow_capture *c;
		const struct rasflow_capture_file *fi;
		const struct rasflow_flowtab_stats *fs;
		struct rasflow_engine *e;
		struct seen s;
		long want;
		size_t n;
		int rc;

		if (!is_capture_name(d->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pub, d->d_name);
		files++;
		c = rasflow_capture_open_offline(&p, 1, NULL, &el);
		if (!c) {
			refused++;
			cr_assert_gt(el.n, 0);
			cr_log_info("%s: %s", d->d_name, el.e[0].msg);
			continue;
		}
		e = engine(&s);
		rc = rasflow_capture_run(c, e, NULL, NULL, NULL, &el);
		cr_assert(rc == 0 || rc == RASFLOW_CAPTURE_PARTIAL, "%s: rc %d", d->d_name, rc);
		fi = rasflow_capture_files(c, &n);
		want = manifest_packets(manifest, d->d_name);
		if (rc == RASFLOW_CAPTURE_PARTIAL) {
			partial++;
			cr_log_info("%s: %s", d->d_name, el.e[0].msg);
		} else if (want >= 0) {
			checked++;
			cr_expect_eq((long)fi[0].packets, want, "%s: %llu packets, manifest %ld",
				     d->d_name, (unsigned long long)fi[0].packets, want);
		}
		cr_assert_eq(e->st.packets, fi[0].packets, "%s", d->d_name);
		cr_assert_eq(e->dec.frames, e->st.packets, "%s", d->d_name);
		cr_assert_leq(e->st.undecoded, e->st.packets, "%s", d->d_name);
		cr_assert_leq(e->st.first_ts, e->st.last_ts, "%s", d->d_name);
		fs = rasflow_flowtab_stats(e->ft);
		/* one flow at most per packet: each frame's own, each tunnelled one */
		cr_assert_leq(fs->created, e->st.packets + e->dec.tunneled + fs->icmp_orphan, "%s",
			      d->d_name);
		cr_assert_eq((uint64_t)s.news, fs->created, "%s", d->d_name);
		rasflow_engine_finish(e);
		cr_assert_eq(fs->active, 0, "%s", d->d_name);
		cr_assert_eq(fs->ended, fs->created, "%s", d->d_name);
		cr_assert_eq((uint64_t)s.ends, fs->ended, "%s", d->d_name);
		rasflow_engine_free(e);
		rasflow_capture_free(c);
	}
	closedir(dp);
	cr_log_info("%d captures, %d refused at open, %d partial, %d counts checked against "
		    "the manifest", files, refused, partial, checked);
	cr_assert_gt(files, 0);
	cr_assert_gt(checked, files / 2, "MANIFEST.tsv packet column not found?");
}

Test(capture, standard_input)
{
	const struct frame fr[] = { FR(f_syn, 0), FR(f_synack, 1) };
	const char *p = write_pcap("stdin.pcap", DLT_EN10MB, fr, 2);
	const char *dash[2] = { "-", "-" };
	struct rasflow_errlist el = { .n = 0 };
	struct rasflow_capture *c;
	const struct rasflow_capture_file *files;
	struct rasflow_engine *e;
	struct seen s;
	size_t n;

	cr_assert_not_null(freopen(p, "rb", stdin));	/* each test runs in its own process */
	cr_assert_null(rasflow_capture_open_offline(dash, 2, NULL, &el));
	cr_assert_eq(el.n, 1);
	cr_assert(has_msg(&el, "standard input given more than once"), "%s", el.e[0].msg);

	cr_assert_not_null(freopen(p, "rb", stdin));
	el.n = 0;
	c = rasflow_capture_open_offline(dash, 1, NULL, &el);
	cr_assert_not_null(c, "%s", el.n ? el.e[0].msg : "");
	e = engine(&s);
	cr_assert_eq(rasflow_capture_run(c, e, NULL, NULL, NULL, &el), 0);
	files = rasflow_capture_files(c, &n);
	cr_assert_str_eq(files[0].name, "-");
	cr_assert_eq(files[0].packets, 2);
	cr_assert_eq(s.news, 1);
	rasflow_engine_free(e);
	rasflow_capture_free(c);
}

/* ---- tunnels -------------------------------------------------------------- */

/* hdr (Ethernet, IPv4, the tunnel's headers) then f into out, with the IPv4
 * total length and, over UDP, the UDP length filled in; returns the size. */
static uint32_t wrap(uint8_t *out, const uint8_t *hdr, uint32_t nhdr, const uint8_t *f,
		     uint32_t n)
{
	uint32_t tot = nhdr - 14 + n;

	memcpy(out, hdr, nhdr);
	out[16] = (uint8_t)(tot >> 8);
	out[17] = (uint8_t)tot;
	if (hdr[23] == 17) {
		out[38] = (uint8_t)((tot - 20) >> 8);
		out[39] = (uint8_t)(tot - 20);
	}
	memcpy(out + nhdr, f, n);
	return nhdr + n;
}

/* f wrapped in ERSPAN type I (GRE protocol 0x88be, no sequence number):
 * Ethernet / IPv4 192.0.2.1 -> 192.0.2.2 protocol 47 / GRE / f. */
static uint32_t erspan(uint8_t *out, const uint8_t *f, uint32_t n)
{
	static const uint8_t hdr[] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x09,	/* dst MAC: the collector */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x08,	/* src MAC: the switch */
		0x08, 0x00,				/* IPv4 */
		0x45, 0x00, 0x00, 0x00,			/* total length (below) */
		0x00, 0x07, 0x00, 0x00,			/* id 7 */
		0x40, 0x2f, 0x00, 0x00,			/* TTL 64, proto 47 GRE */
		192, 0, 2, 1,
		192, 0, 2, 2,
		0x00, 0x00, 0x88, 0xbe,			/* GRE: no flags, ERSPAN */
	};

	return wrap(out, hdr, sizeof(hdr), f, n);
}

/* f wrapped in Geneve (RFC 8926) as AWS's Gateway Load Balancer sends it:
 * Ethernet / IPv4 192.0.2.1 -> 192.0.2.2 / UDP 40000 -> 6081 / Geneve with
 * one option, Ethernet / f. */
static uint32_t geneve(uint8_t *out, const uint8_t *f, uint32_t n)
{
	static const uint8_t hdr[] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x09,	/* dst MAC: the appliance */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x08,	/* src MAC: the load balancer */
		0x08, 0x00,				/* IPv4 */
		0x45, 0x00, 0x00, 0x00,			/* total length (below) */
		0x00, 0x07, 0x00, 0x00,			/* id 7 */
		0x40, 0x11, 0x00, 0x00,			/* TTL 64, proto 17 UDP */
		192, 0, 2, 1,
		192, 0, 2, 2,
		0x9c, 0x40, 0x17, 0xc1,			/* UDP 40000 -> 6081 */
		0x00, 0x00, 0x00, 0x00,			/* length (below), checksum */
		0x02, 0x00, 0x65, 0x58,			/* Geneve: 2 option words, Ethernet */
		0x00, 0x00, 0x2a, 0x00,			/* VNI 42 */
		0x01, 0x08, 0x01, 0x01,			/* option class 0x0108, type 1, 1 word */
		0x00, 0x00, 0x00, 0x05,
	};

	return wrap(out, hdr, sizeof(hdr), f, n);
}

struct ended {
	int n;
	struct rasflow_flow f[4];
};

static void keep_end(void *u, struct rasflow_flow *f, enum rasflow_flow_end why)
{
	struct ended *e = u;

	(void)why;
	cr_assert_lt(e->n, 4);
	e->f[e->n++] = *f;
}

/* The mirrored handshake inside the tunnel and the tunnel itself (IP
 * protocol outer): two flows. */
static void check_tunnel_flows(const struct rasflow_engine *e, const struct ended *got,
			       uint8_t outer)
{
	const struct rasflow_flow *gre = NULL, *tcp = NULL;
	struct rasflow_addr a;

	cr_assert_eq(e->st.packets, 2);
	cr_assert_eq(e->st.undecoded, 0);
	cr_assert_eq(e->dec.frames, 2);
	cr_assert_eq(e->dec.tunneled, 2);
	cr_assert_eq(got->n, 2);
	for (int i = 0; i < got->n; i++) {
		if (got->f[i].proto == outer)
			gre = &got->f[i];
		else if (got->f[i].proto == 6)
			tcp = &got->f[i];
	}
	cr_assert_not_null(gre);
	cr_assert_not_null(tcp);
	cr_assert(rasflow_addr_parse("192.0.2.1", &a));
	cr_assert_eq(rasflow_addr_cmp(&gre->src, &a), 0);
	cr_assert_eq(gre->pkts[0], 2);
	cr_assert_eq(gre->pkts[1], 0);
	cr_assert(rasflow_addr_parse("10.0.0.1", &a));
	cr_assert_eq(rasflow_addr_cmp(&tcp->src, &a), 0);
	cr_assert_eq(tcp->sport, 50000);
	cr_assert_eq(tcp->dport, 443);
	cr_assert_eq(tcp->dirsrc, RASFLOW_DIRSRC_SYN);
	cr_assert_eq(tcp->syn, 1);
	cr_assert_eq(tcp->synack, 1);
	cr_assert_eq(tcp->pkts[0], 1);
	cr_assert_eq(tcp->pkts[1], 1);
	cr_assert_eq(tcp->bytes[0], 40, "inner IP bytes, not the frame's");
}

/* The handshake f_syn, f_synack wrapped by wrap, read offline (through the
 * read-ahead) and fed frame by frame (as live capture does). */
static void tunnel_case(uint32_t (*wrap)(uint8_t *, const uint8_t *, uint32_t), uint8_t outer)
{
	uint8_t syn[160], synack[160];
	struct frame fr[2];
	struct ended got = { 0 };
	struct rasflow_flow_hooks h = { .user = &got, .on_end = keep_end };
	struct rasflow_errlist el = { .n = 0 };
	const char *path;
	struct rasflow_capture *c;
	struct rasflow_engine *e;

	fr[0] = (struct frame){ syn, wrap(syn, f_syn, sizeof(f_syn)), 0 };
	fr[1] = (struct frame){ synack, wrap(synack, f_synack, sizeof(f_synack)), 1000 };

	/* offline, through the read-ahead */
	path = write_pcap("tunnel.pcap", DLT_EN10MB, fr, 2);
	c = rasflow_capture_open_offline(&path, 1, NULL, &el);
	cr_assert_not_null(c);
	e = rasflow_engine_new(NULL, &h);
	cr_assert_not_null(e);
	cr_assert_eq(rasflow_capture_run(c, e, NULL, NULL, NULL, &el), 0);
	rasflow_engine_finish(e);
	check_tunnel_flows(e, &got, outer);
	rasflow_engine_free(e);
	rasflow_capture_free(c);

	/* one frame at a time, as live capture feeds them */
	memset(&got, 0, sizeof(got));
	e = rasflow_engine_new(NULL, &h);
	cr_assert_not_null(e);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(rasflow_engine_packet(e, DLT_EN10MB,
						   (rasflow_ts)T0_SEC * 1000000 + (rasflow_ts)fr[i].usec,
						   fr[i].b, fr[i].len, fr[i].len), RASFLOW_DEC_OK);
	rasflow_engine_finish(e);
	check_tunnel_flows(e, &got, outer);
	rasflow_engine_free(e);
}

Test(capture, tunnelled_packets_reach_their_own_flows)
{
	tunnel_case(erspan, 47);
}

Test(capture, geneve_packets_reach_their_own_flows)
{
	tunnel_case(geneve, 17);
}
