/* test_pcapng_view.c — pcapng files whose interfaces are of several link
 * types, built here block by block (both byte orders): the views libpcap
 * reads of them, and rasflow_capture merging the views in time order. */
#include <criterion/criterion.h>
#include <endian.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rasflow/capture.h"
#include "rasflow/pcapng_view.h"

#define T0 1700000000000000ULL		/* microseconds */
#define LT_ETHERNET 1
#define LT_RAW 101
#define LT_NULL 0
#define LT_USER0 147			/* a type rasflow does not decode */

/* Ethernet / IPv4 / TCP SYN 10.0.0.1:50000 -> 10.0.0.2:443, 54 bytes; from
 * byte 14 on, the same packet as raw IP. */
static const uint8_t f_syn[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02,	/* dst MAC */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,	/* src MAC */
	0x08, 0x00,				/* ethertype IPv4 */
	0x45, 0x00, 0x00, 0x28,			/* v4, IHL 5, total length 40 */
	0x00, 0x01, 0x40, 0x00,			/* id 1, DF */
	0x40, 0x06, 0x00, 0x00,			/* TTL 64, TCP, checksum */
	10, 0, 0, 1,				/* src */
	10, 0, 0, 2,				/* dst */
	0xc3, 0x50, 0x01, 0xbb,			/* sport 50000, dport 443 */
	0x00, 0x00, 0x00, 0x01,			/* seq 1 */
	0x00, 0x00, 0x00, 0x00,			/* ack 0 */
	0x50, 0x02, 0xff, 0xff,			/* data offset 5, SYN, window */
	0x00, 0x00, 0x00, 0x00,			/* checksum, urgent */
};

/* The SYN/ACK back, 10.0.0.2:443 -> 10.0.0.1:50000, Ethernet, 54 bytes. */
static const uint8_t f_synack[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x08, 0x00,
	0x45, 0x00, 0x00, 0x28,
	0x00, 0x02, 0x40, 0x00,
	0x40, 0x06, 0x00, 0x00,
	10, 0, 0, 2,
	10, 0, 0, 1,
	0x01, 0xbb, 0xc3, 0x50,			/* sport 443, dport 50000 */
	0x00, 0x00, 0x10, 0x00,
	0x00, 0x00, 0x00, 0x02,
	0x50, 0x12, 0xff, 0xff,			/* SYN|ACK */
	0x00, 0x00, 0x00, 0x00,
};

/* Ethernet / IPv4 / UDP 10.0.0.1:5000 -> 10.0.0.3:53, 4 payload bytes, 46 bytes. */
static const uint8_t f_udp[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x03,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00,
	0x45, 0x00, 0x00, 0x20,			/* total length 32 */
	0x00, 0x03, 0x00, 0x00,
	0x40, 0x11, 0x00, 0x00,			/* UDP */
	10, 0, 0, 1,
	10, 0, 0, 3,
	0x13, 0x88, 0x00, 0x35,			/* sport 5000, dport 53 */
	0x00, 0x0c, 0x00, 0x00,			/* length 12 */
	0xde, 0xad, 0xbe, 0xef,
};

#define ETH 14				/* bytes of Ethernet header to skip for raw IP */

/* A pcapng file under construction, in one byte order. */
struct ng {
	uint8_t b[4096];
	size_t n;
	bool be;			/* big-endian section */
};

static void u32(struct ng *g, uint32_t v)
{
	v = g->be ? htobe32(v) : htole32(v);
	memcpy(g->b + g->n, &v, 4);
	g->n += 4;
}

static void u16(struct ng *g, uint16_t v)
{
	v = g->be ? htobe16(v) : htole16(v);
	memcpy(g->b + g->n, &v, 2);
	g->n += 2;
}

static void data(struct ng *g, const uint8_t *p, size_t len)
{
	memcpy(g->b + g->n, p, len);
	g->n += len;
	while (g->n % 4)
		g->b[g->n++] = 0;	/* padding to 32 bits */
}

/* Blocks: type, total length (patched when the block ends), body, length. */
static size_t begin(struct ng *g, uint32_t type)
{
	size_t at = g->n;

	cr_assert_lt(g->n + 256, sizeof(g->b));
	u32(g, type);
	u32(g, 0);
	return at;
}

static void end(struct ng *g, size_t at)
{
	uint32_t len = (uint32_t)(g->n - at + 4);
	size_t here = g->n;

	u32(g, len);
	g->n = at + 4;
	u32(g, len);
	g->n = here + 4;
}

static void shb(struct ng *g)
{
	size_t at = begin(g, 0x0A0D0D0A);

	u32(g, 0x1A2B3C4D);		/* byte-order magic, in the section's order */
	u16(g, 1);			/* version 1.0 */
	u16(g, 0);
	u32(g, 0xffffffff);		/* section length unknown (-1) */
	u32(g, 0xffffffff);
	end(g, at);
}

static void idb(struct ng *g, uint16_t linktype)
{
	size_t at = begin(g, 1);

	u16(g, linktype);
	u16(g, 0);			/* reserved */
	u32(g, 65535);			/* snaplen */
	end(g, at);
}

static void epb(struct ng *g, uint32_t ifc, uint64_t ts, const uint8_t *f, uint32_t len)
{
	size_t at = begin(g, 6);

	u32(g, ifc);
	u32(g, (uint32_t)(ts >> 32));	/* microseconds, the default resolution */
	u32(g, (uint32_t)ts);
	u32(g, len);			/* captured */
	u32(g, len);			/* on the wire */
	data(g, f, len);
	end(g, at);
}

/* Obsolete Packet Block: a 16-bit interface id and a drops count. */
static void pb(struct ng *g, uint16_t ifc, uint64_t ts, const uint8_t *f, uint32_t len)
{
	size_t at = begin(g, 2);

	u16(g, ifc);
	u16(g, 0);			/* drops */
	u32(g, (uint32_t)(ts >> 32));
	u32(g, (uint32_t)ts);
	u32(g, len);
	u32(g, len);
	data(g, f, len);
	end(g, at);
}

/* Simple Packet Block: interface 0, no timestamp. */
static void spb(struct ng *g, const uint8_t *f, uint32_t len)
{
	size_t at = begin(g, 3);

	u32(g, len);
	data(g, f, len);
	end(g, at);
}

/* Interface Statistics Block without options. */
static void isb(struct ng *g, uint32_t ifc)
{
	size_t at = begin(g, 5);

	u32(g, ifc);
	u32(g, 0);
	u32(g, 0);
	end(g, at);
}

/* Name Resolution Block holding only its end-of-records record. */
static void nrb(struct ng *g)
{
	size_t at = begin(g, 4);

	u16(g, 0);
	u16(g, 0);
	end(g, at);
}

/* The file every test starts from: interfaces 0 Ethernet, 1 raw IP,
 * 2 Ethernet; a TCP handshake whose SYN is seen on 0 and SYN/ACK on 1
 * (raw), then UDP on 2, with statistics and name blocks between. */
static void mixed_file(struct ng *g)
{
	shb(g);
	idb(g, LT_ETHERNET);
	idb(g, LT_RAW);
	idb(g, LT_ETHERNET);
	epb(g, 0, T0, f_syn, sizeof(f_syn));
	epb(g, 1, T0 + 1000, f_synack + ETH, sizeof(f_synack) - ETH);
	nrb(g);
	isb(g, 1);
	epb(g, 2, T0 + 2000, f_udp, sizeof(f_udp));
	isb(g, 0);
}

/* Open the view of type lt of g's bytes and read it with libpcap. */
static pcap_t *view(const struct ng *g, int lt, const int *types, int ntypes,
		    struct rasflow_pcapng_view_stats *st)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	FILE *src = fmemopen((void *)g->b, g->n, "rb");
	FILE *v;
	pcap_t *p;

	cr_assert_not_null(src);
	v = rasflow_pcapng_view_open(src, lt, types, ntypes, st);
	cr_assert_not_null(v);
	p = pcap_fopen_offline_with_tstamp_precision(v, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	cr_assert_not_null(p, "libpcap refused the view: %s", errbuf);
	return p;
}

/* Next packet's time (microseconds) and length; false at the end. */
static bool next(pcap_t *p, uint64_t *ts, uint32_t *len, const u_char **d)
{
	struct pcap_pkthdr *h;

	if (pcap_next_ex(p, &h, d) != 1)
		return false;
	*ts = (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;
	*len = h->caplen;
	return true;
}

static void views_of_mixed_file(bool be)
{
	const int types[] = { LT_ETHERNET, LT_RAW };
	struct ng g = { .be = be };
	struct rasflow_pcapng_view_stats st = { 0 };
	int found[RASFLOW_PCAPNG_MAX_TYPES];
	const u_char *d;
	uint64_t ts;
	uint32_t len;
	FILE *f;
	pcap_t *p;

	mixed_file(&g);
	f = fmemopen(g.b, g.n, "rb");
	cr_assert_eq(rasflow_pcapng_link_types(f, found), 2);
	cr_assert_eq(found[0], LT_ETHERNET);
	cr_assert_eq(found[1], LT_RAW);
	fclose(f);

	/* the Ethernet view: interfaces 0 and 2, the SYN then the UDP */
	p = view(&g, LT_ETHERNET, types, 2, &st);
	cr_assert_eq(pcap_datalink(p), DLT_EN10MB);
	cr_assert(next(p, &ts, &len, &d));
	cr_assert_eq(ts, T0);
	cr_assert_eq(len, sizeof(f_syn));
	cr_assert_eq(memcmp(d, f_syn, len), 0);
	cr_assert(next(p, &ts, &len, &d), "interface 2 is the view's second: %s", pcap_geterr(p));
	cr_assert_eq(ts, T0 + 2000);
	cr_assert_eq(len, sizeof(f_udp));
	cr_assert(!next(p, &ts, &len, &d));
	pcap_close(p);

	/* the raw view: interface 1 alone, numbered 0 */
	p = view(&g, LT_RAW, types, 2, NULL);
	cr_assert_eq(pcap_datalink(p), DLT_RAW);
	cr_assert(next(p, &ts, &len, &d), "%s", pcap_geterr(p));
	cr_assert_eq(ts, T0 + 1000);
	cr_assert_eq(len, sizeof(f_synack) - ETH);
	cr_assert_eq(memcmp(d, f_synack + ETH, len), 0);
	cr_assert(!next(p, &ts, &len, &d));
	pcap_close(p);
	cr_assert_eq(st.unread, 0);
}

Test(pcapng_view, views_little_endian)
{
	views_of_mixed_file(false);
}

Test(pcapng_view, views_big_endian)
{
	views_of_mixed_file(true);
}

Test(pcapng_view, pcap_file_and_garbage_have_no_types)
{
	static const uint8_t pcap_hdr[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4 };
	static const uint8_t bad_magic[12] = { 0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 1, 2, 3, 4 };
	int types[RASFLOW_PCAPNG_MAX_TYPES];
	FILE *f = fmemopen((void *)pcap_hdr, sizeof(pcap_hdr), "rb");

	cr_assert_eq(rasflow_pcapng_link_types(f, types), 0);
	fclose(f);
	f = fmemopen((void *)bad_magic, sizeof(bad_magic), "rb");
	cr_assert_eq(rasflow_pcapng_link_types(f, types), 0);
	fclose(f);
}

Test(pcapng_view, obsolete_and_simple_packet_blocks)
{
	const int types[] = { LT_RAW, LT_ETHERNET };
	struct ng g = { 0 };
	const u_char *d;
	uint64_t ts;
	uint32_t len;
	pcap_t *p;

	shb(&g);
	idb(&g, LT_RAW);
	idb(&g, LT_ETHERNET);
	pb(&g, 1, T0 + 5, f_udp, sizeof(f_udp));		/* Ethernet's, as its 0 */
	spb(&g, f_syn + ETH, sizeof(f_syn) - ETH);		/* interface 0: raw */
	pb(&g, 0, T0 + 7, f_synack + ETH, sizeof(f_synack) - ETH);

	p = view(&g, LT_ETHERNET, types, 2, NULL);
	cr_assert(next(p, &ts, &len, &d), "%s", pcap_geterr(p));
	cr_assert_eq(ts, T0 + 5);
	cr_assert_eq(len, sizeof(f_udp));
	cr_assert(!next(p, &ts, &len, &d), "the simple block is interface 0's, not this view's");
	pcap_close(p);

	p = view(&g, LT_RAW, types, 2, NULL);
	cr_assert(next(p, &ts, &len, &d), "%s", pcap_geterr(p));
	cr_assert_eq(len, sizeof(f_syn) - ETH, "the simple block");
	cr_assert(next(p, &ts, &len, &d));
	cr_assert_eq(ts, T0 + 7);
	cr_assert(!next(p, &ts, &len, &d));
	pcap_close(p);
}

Test(pcapng_view, a_damaged_block_reaches_libpcap)
{
	const int types[] = { LT_ETHERNET, LT_RAW };
	struct ng g = { 0 };
	const u_char *d;
	uint64_t ts;
	uint32_t len;
	pcap_t *p;

	mixed_file(&g);
	g.n -= 8;			/* the last block (ISB) cut short */
	p = view(&g, LT_ETHERNET, types, 2, NULL);
	cr_assert(next(p, &ts, &len, &d));
	cr_assert(next(p, &ts, &len, &d));
	cr_assert_eq(pcap_next_ex(p, &(struct pcap_pkthdr *){ NULL }, &d), PCAP_ERROR,
		     "libpcap sees the cut block and says so");
	cr_assert(strlen(pcap_geterr(p)) > 0);
	pcap_close(p);
}

/* --- through rasflow_capture: the views merged --- */

static char dir[64];
static char path[128];

static const char *write_file(const struct ng *g)
{
	FILE *f;

	strcpy(dir, "/tmp/rasflow-pcapng-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/mixed.pcapng", dir);
	f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(g->b, 1, g->n, f), g->n);
	fclose(f);
	return path;
}

static void remove_file(void)
{
	unlink(path);
	rmdir(dir);
}

static int news;

static void on_new(void *u, struct rasflow_flow *f, const struct rasflow_pkt *p)
{
	(void)u;
	(void)f;
	(void)p;
	news++;
}

/* Read g through rasflow_capture into e; returns the run's status. */
static int run(const struct ng *g, struct rasflow_engine **e, struct rasflow_errlist *el,
	       const struct rasflow_capture_file **fi)
{
	static struct rasflow_flow_hooks h = { .on_new = on_new };
	const char *p = write_file(g);
	struct rasflow_capture *c = rasflow_capture_open_offline(&p, 1, NULL, el);
	size_t n;
	int rc;
	static struct rasflow_capture_file copy;

	cr_assert_not_null(c, "%s", el->n ? el->e[0].msg : "");
	news = 0;
	*e = rasflow_engine_new(NULL, &h);
	cr_assert_not_null(*e);
	rc = rasflow_capture_run(c, *e, NULL, NULL, NULL, el);
	copy = rasflow_capture_files(c, &n)[0];
	*fi = &copy;
	rasflow_capture_free(c);
	remove_file();
	return rc;
}

Test(pcapng_view, capture_merges_the_views_in_time_order)
{
	struct ng g = { 0 };
	struct rasflow_errlist el = { .n = 0 };
	const struct rasflow_capture_file *fi;
	struct rasflow_engine *e;

	/* the raw interface's packets come first in the file but later in time */
	shb(&g);
	idb(&g, LT_RAW);
	idb(&g, LT_ETHERNET);
	idb(&g, LT_NULL);
	epb(&g, 0, T0 + 1000, f_synack + ETH, sizeof(f_synack) - ETH);
	epb(&g, 1, T0, f_syn, sizeof(f_syn));
	{
		uint8_t lo[4 + sizeof(f_udp) - ETH] = { 2, 0, 0, 0 };	/* AF_INET, little-endian */

		memcpy(lo + 4, f_udp + ETH, sizeof(f_udp) - ETH);
		epb(&g, 2, T0 + 500, lo, sizeof(lo));
	}
	epb(&g, 1, T0 + 2000, f_syn, sizeof(f_syn));	/* a SYN retransmission */

	cr_assert_eq(run(&g, &e, &el, &fi), 0, "%s", el.n ? el.e[0].msg : "");
	cr_assert_eq(fi->nlinks, 3);
	cr_assert_eq(fi->links[0], LT_RAW);
	cr_assert_eq(fi->dlt, DLT_RAW);
	cr_assert_eq(fi->packets, 4);
	cr_assert(fi->done && !fi->truncated);
	cr_assert_eq(e->st.packets, 4);
	cr_assert_eq(e->st.undecoded, 0, "each frame decoded with its own link type");
	cr_assert_eq(e->st.ts_backwards, 0, "merged in time order, not view by view");
	cr_assert_eq(e->st.first_ts, T0);
	cr_assert_eq(e->st.last_ts, T0 + 2000);
	cr_assert_eq(news, 2, "the TCP flow across two link types, and the UDP one");
	cr_assert_eq(el.n, 0);
	rasflow_engine_free(e);
}

Test(pcapng_view, capture_counts_what_no_view_reads)
{
	struct ng g = { 0 };
	struct rasflow_errlist el = { .n = 0 };
	const struct rasflow_capture_file *fi;
	struct rasflow_engine *e;

	mixed_file(&g);
	idb(&g, LT_NULL);		/* a third type, described after packets */
	epb(&g, 3, T0 + 3000, f_udp, sizeof(f_udp));
	epb(&g, 3, T0 + 4000, f_udp, sizeof(f_udp));
	epb(&g, 0, T0 + 5000, f_syn, sizeof(f_syn));

	cr_assert_eq(run(&g, &e, &el, &fi), RASFLOW_CAPTURE_PARTIAL);
	cr_assert_eq(fi->packets, 4, "the three of the first types, and the SYN after");
	cr_assert(fi->truncated);
	cr_assert_eq(el.n, 1);
	cr_assert(strstr(el.e[0].msg, "2 packets not read") != NULL, "%s", el.e[0].msg);
	rasflow_engine_free(e);
}

Test(pcapng_view, capture_reports_a_cut_file)
{
	struct ng g = { 0 };
	struct rasflow_errlist el = { .n = 0 };
	const struct rasflow_capture_file *fi;
	struct rasflow_engine *e;

	mixed_file(&g);
	epb(&g, 1, T0 + 3000, f_synack + ETH, sizeof(f_synack) - ETH);
	g.n -= 20;			/* that last packet block cut short */

	cr_assert_eq(run(&g, &e, &el, &fi), RASFLOW_CAPTURE_PARTIAL);
	cr_assert_eq(fi->packets, 3);
	cr_assert(fi->truncated);
	cr_assert_eq(el.n, 1);
	cr_assert(strstr(el.e[0].msg, "ends early") != NULL, "%s", el.e[0].msg);
	rasflow_engine_free(e);
}

Test(pcapng_view, unsupported_type_in_a_view_is_an_error)
{
	struct ng g = { 0 };
	struct rasflow_errlist el = { .n = 0 };
	const char *p;

	shb(&g);
	idb(&g, LT_ETHERNET);
	idb(&g, LT_USER0);
	epb(&g, 0, T0, f_syn, sizeof(f_syn));
	p = write_file(&g);
	cr_assert_null(rasflow_capture_open_offline(&p, 1, NULL, &el));
	remove_file();
	cr_assert_eq(el.n, 1);
	cr_assert(strstr(el.e[0].msg, "not supported") != NULL, "%s", el.e[0].msg);
}
