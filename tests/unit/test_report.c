/* test_report.c — `rasflow analyze` end to end on a capture written here
 * byte by byte: exit statuses, --fail-on, the JSON report's key order and
 * types (parsed back with jansson), JSON lines, and the plain-ASCII text
 * report when the output is not a terminal; and the text report's scan for
 * bytes to escape.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rasflow/cli.h"
#include "../../src/strbuf.h"

static char dir[64];
static char pcap_path[128], site_path[128], bad_site_path[128], out_path[128];

static void put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);	/* host order: the magic tells readers which */
}

/* One pcap record at t seconds. */
static void record(FILE *f, uint32_t t, const uint8_t *frame, uint32_t len)
{
	put32(f, 1700000000u + t);	/* ts_sec */
	put32(f, 0);			/* ts_usec */
	put32(f, len);			/* incl_len */
	put32(f, len);			/* orig_len */
	fwrite(frame, len, 1, f);
}

/* 4 SYNs 10.0.1.13:50000 -> 10.0.0.10:20003 at t = 0, 1, 3, 7 s, never
 * answered; one UDP datagram 10.0.7.1:1234 -> 10.9.9.9:12345 at t = 2. */
static void write_pcap(const char *path)
{
	static const uint8_t syn[] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55,	/* eth dst */
		0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,	/* eth src */
		0x08, 0x00,				/* ethertype IPv4 */
		0x45, 0x00, 0x00, 0x28,			/* v4, ihl 5, tos, total length 40 */
		0x00, 0x01, 0x40, 0x00,			/* id 1, DF, offset 0 */
		0x40, 0x06, 0x00, 0x00,			/* ttl 64, proto TCP, checksum (unchecked) */
		10, 0, 1, 13,				/* src 10.0.1.13 */
		10, 0, 0, 10,				/* dst 10.0.0.10 */
		0xc3, 0x50, 0x4e, 0x23,			/* sport 50000, dport 20003 */
		0x00, 0x00, 0x10, 0x00,			/* seq 4096 */
		0x00, 0x00, 0x00, 0x00,			/* ack 0 */
		0x50, 0x02, 0xff, 0xff,			/* doff 5, flags SYN, window 65535 */
		0x00, 0x00, 0x00, 0x00,			/* checksum, urgent pointer */
	};
	static const uint8_t udp[] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55,	/* eth dst */
		0x00, 0x66, 0x77, 0x88, 0x99, 0xab,	/* eth src */
		0x08, 0x00,				/* ethertype IPv4 */
		0x45, 0x00, 0x00, 0x1c,			/* v4, ihl 5, tos, total length 28 */
		0x00, 0x02, 0x00, 0x00,			/* id 2, no flags */
		0x40, 0x11, 0x00, 0x00,			/* ttl 64, proto UDP, checksum */
		10, 0, 7, 1,				/* src 10.0.7.1 */
		10, 9, 9, 9,				/* dst 10.9.9.9 */
		0x04, 0xd2, 0x30, 0x39,			/* sport 1234, dport 12345 */
		0x00, 0x08, 0x00, 0x00,			/* UDP length 8, checksum 0 */
	};
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	put32(f, 0xa1b2c3d4);				/* magic (microseconds) */
	fwrite((const uint16_t[]){ 2, 4 }, 2, 2, f);	/* version 2.4 */
	put32(f, 0);					/* thiszone */
	put32(f, 0);					/* sigfigs */
	put32(f, 65535);				/* snaplen */
	put32(f, 1);					/* LINKTYPE_ETHERNET */
	record(f, 0, syn, sizeof(syn));
	record(f, 1, syn, sizeof(syn));
	record(f, 2, udp, sizeof(udp));
	record(f, 3, syn, sizeof(syn));
	record(f, 7, syn, sizeof(syn));
	fclose(f);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/rasflow-report-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(pcap_path, sizeof(pcap_path), "%s/syn.pcap", dir);
	snprintf(site_path, sizeof(site_path), "%s/lab.site", dir);
	snprintf(bad_site_path, sizeof(bad_site_path), "%s/bad.site", dir);
	snprintf(out_path, sizeof(out_path), "%s/out", dir);
	write_pcap(pcap_path);
	write_file(site_path, "10.0.0.10 broker cb1\n10.0.1.13 rdsh rdsh3\n");
	write_file(bad_site_path, "10.0.0.10 broker cb1\n10.0.1.13 rdhs rdsh3\n");
}

static void teardown(void)
{
	unlink(pcap_path);
	unlink(site_path);
	unlink(bad_site_path);
	unlink(out_path);
	rmdir(dir);
}

/* Run `rasflow analyze ARGS...` (NULL-terminated). */
static int analyze(const char *first, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = "analyze";
	va_start(ap, first);
	for (const char *a = first; a != NULL && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return rasflow_cmd_analyze(argc, argv);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

TestSuite(cmd, .init = setup, .fini = teardown);

Test(cmd, exit_statuses)
{
	cr_expect_eq(analyze("--no-dpi", "--site", site_path, "-o", out_path, pcap_path, NULL), 1,
		     "a failed finding: exit 1");
	cr_expect_eq(analyze("--no-dpi", "--site", site_path, "--fail-on", "unexpected,mismatch",
			     "-o", out_path, pcap_path, NULL), 0, "failed not in --fail-on: exit 0");
	cr_expect_eq(analyze("--no-dpi", "--site", site_path, "--fail-on", "failed,bogus", "-o",
			     out_path, pcap_path, NULL), 2, "bad --fail-on: exit 2");
	cr_expect_eq(analyze("--no-dpi", "-o", out_path, pcap_path, NULL), 1,
		     "no site: tcp/20003 between hosts without roles is unexpected");
	cr_expect_eq(analyze("--no-dpi", "--fail-on", "none", "-o", out_path, pcap_path, NULL), 0);
	cr_expect_eq(analyze("--no-dpi", "--site", bad_site_path, "-o", out_path, pcap_path, NULL),
		     2, "invalid site file");
	cr_expect_eq(analyze("--no-dpi", "-o", out_path, "/nonexistent/x.pcap", NULL), 2);
	cr_expect_eq(analyze("--no-dpi", "--format", "xml", pcap_path, NULL), 2);
	cr_expect_eq(analyze("--no-dpi", NULL), 2, "no capture");
	cr_expect_eq(analyze("--no-dpi", "--bogus", pcap_path, NULL), 2);
	cr_expect_eq(analyze("--no-dpi", "--site", site_path, "-o", out_path, site_path, NULL), 2,
		     "a site file is not a capture");
}

static void expect_keys(json_t *o, const char *const *keys, const char *what)
{
	const char *k;
	json_t *v;
	size_t i = 0;

	cr_assert(json_is_object(o), "%s is not an object", what);
	json_object_foreach(o, k, v) {
		if (keys[i] == NULL)
			break;	/* additions may follow */
		cr_expect_str_eq(k, keys[i], "%s: key %zu is '%s', expected '%s'", what, i, k,
				 keys[i]);
		i++;
	}
	cr_expect_null(keys[i], "%s: missing key '%s'", what, keys[i] ? keys[i] : "");
}

Test(cmd, json_report_structure)
{
	static const char *const top[] = { "schema", "tool", "ruleset", "capture", "hosts",
					   "edges", "rules", "findings", "summary", NULL };
	static const char *const tool[] = { "name", "version", "ndpi", NULL };
	static const char *const ruleset[] = { "name", "rules", "roles", NULL };
	static const char *const capture[] = { "files", "packets", "bytes", "start", "end",
					       "duration", "decode_errors", NULL };
	static const char *const host[] = { "addr", "name", "roles", "source", NULL };
	static const char *const edge[] = { "proto", "src", "dst", "dport", "src_roles",
					    "dst_roles", "outcome", "policy", "verdict", "rule",
					    "app", "flows", "packets", "bytes", "first", "last",
					    NULL };
	static const char *const rule[] = { "id", "status", "edges", NULL };
	static const char *const finding[] = { "kind", "severity", "rule", "proto", "src", "dst",
					       "dport", "message", NULL };
	static const char *const summary[] = { "edges", "ok", "failed", "unexpected", "mismatch",
					       "missing", "ignored", NULL };
	json_error_t jerr;
	json_t *root, *c, *e, *f, *s, *h;

	cr_assert_eq(analyze("--no-dpi", "--site", site_path, "--format", "json", "-o", out_path,
			     pcap_path, NULL), 1);
	root = json_load_file(out_path, 0, &jerr);
	cr_assert_not_null(root, "JSON: %s", jerr.text);
	expect_keys(root, top, "report");
	cr_expect_str_eq(json_string_value(json_object_get(root, "schema")), "rasflow/1");
	expect_keys(json_object_get(root, "tool"), tool, "tool");
	cr_expect(json_is_null(json_object_get(json_object_get(root, "tool"), "ndpi")));
	expect_keys(json_object_get(root, "ruleset"), ruleset, "ruleset");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(root, "ruleset"), "rules")),
		     157);

	c = json_object_get(root, "capture");
	expect_keys(c, capture, "capture");
	cr_expect_eq(json_integer_value(json_object_get(c, "packets")), 5);
	cr_expect_str_eq(json_string_value(json_object_get(c, "start")),
			 "2023-11-14T22:13:20.000000Z");
	cr_expect_str_eq(json_string_value(json_object_get(c, "end")), "2023-11-14T22:13:27.000000Z");
	cr_expect(json_is_real(json_object_get(c, "duration")));
	cr_expect_float_eq(json_real_value(json_object_get(c, "duration")), 7.0, 1e-9);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(c, "files"), 0)),
			 pcap_path);

	/* hosts sorted by address: 10.0.0.10 first (site), 10.0.1.13 ... */
	h = json_array_get(json_object_get(root, "hosts"), 0);
	expect_keys(h, host, "host");
	cr_expect_str_eq(json_string_value(json_object_get(h, "addr")), "10.0.0.10");
	cr_expect_str_eq(json_string_value(json_object_get(h, "name")), "cb1");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(h, "roles"), 0)),
			 "broker");
	cr_expect_str_eq(json_string_value(json_object_get(h, "source")), "site");

	/* only the expected edge: the UDP one is ignored */
	cr_assert_eq(json_array_size(json_object_get(root, "edges")), 1);
	e = json_array_get(json_object_get(root, "edges"), 0);
	expect_keys(e, edge, "edge");
	cr_expect_str_eq(json_string_value(json_object_get(e, "proto")), "tcp");
	cr_expect_str_eq(json_string_value(json_object_get(e, "src")), "10.0.1.13");
	cr_expect_eq(json_integer_value(json_object_get(e, "dport")), 20003);
	cr_expect_str_eq(json_string_value(json_object_get(e, "outcome")), "unanswered");
	cr_expect_str_eq(json_string_value(json_object_get(e, "policy")), "expected");
	cr_expect_str_eq(json_string_value(json_object_get(e, "verdict")), "failed");
	cr_expect_str_eq(json_string_value(json_object_get(e, "rule")), "rdsh-brk");
	cr_expect(json_is_null(json_object_get(e, "app")));
	cr_expect_eq(json_integer_value(json_object_get(e, "flows")), 1);
	cr_expect_eq(json_integer_value(json_object_get(e, "packets")), 4);
	cr_expect_eq(json_integer_value(json_object_get(e, "bytes")), 160);
	cr_expect(json_is_array(json_object_get(e, "src_roles")));

	cr_assert_eq(json_array_size(json_object_get(root, "rules")), 157);
	expect_keys(json_array_get(json_object_get(root, "rules"), 0), rule, "rule");

	cr_assert_eq(json_array_size(json_object_get(root, "findings")), 1);
	f = json_array_get(json_object_get(root, "findings"), 0);
	expect_keys(f, finding, "finding");
	cr_expect_str_eq(json_string_value(json_object_get(f, "kind")), "failed");
	cr_expect_str_eq(json_string_value(json_object_get(f, "severity")), "error");
	cr_expect_str_eq(json_string_value(json_object_get(f, "message")),
			 "rdsh3 (10.0.1.13) → broker cb1 (10.0.0.10) tcp/20003: 4 SYNs over 7 s, "
			 "never answered — a firewall between them drops the port, or the broker "
			 "service is down");

	s = json_object_get(root, "summary");
	expect_keys(s, summary, "summary");
	cr_expect_eq(json_integer_value(json_object_get(s, "edges")), 2);
	cr_expect_eq(json_integer_value(json_object_get(s, "failed")), 1);
	cr_expect_eq(json_integer_value(json_object_get(s, "ignored")), 1);
	json_decref(root);

	/* --all lists the ignored edge too */
	cr_assert_eq(analyze("--no-dpi", "--all", "--site", site_path, "--format", "json", "-o",
			     out_path, pcap_path, NULL), 1);
	root = json_load_file(out_path, 0, &jerr);
	cr_assert_not_null(root);
	cr_expect_eq(json_array_size(json_object_get(root, "edges")), 2);
	json_decref(root);
}

Test(cmd, jsonl_types)
{
	char *text, *save = NULL;
	size_t n[6] = { 0 };
	static const char *const types[] = { "capture", "host", "edge", "rule", "finding",
					     "summary" };

	cr_assert_eq(analyze("--no-dpi", "--site", site_path, "--format", "jsonl", "-o", out_path,
			     pcap_path, NULL), 1);
	text = slurp(out_path);
	for (char *l = strtok_r(text, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		json_error_t jerr;
		json_t *o = json_loads(l, 0, &jerr);
		const char *t;

		cr_assert_not_null(o, "line is not JSON: %s", l);
		t = json_string_value(json_object_get(o, "type"));
		cr_assert_not_null(t);
		for (int i = 0; i < 6; i++)
			n[i] += strcmp(t, types[i]) == 0;
		json_decref(o);
	}
	free(text);
	cr_expect_eq(n[0], 1);
	/* 10.0.0.10 and 10.0.1.13; the role-less 10.0.7.1 and 10.9.9.9 only share
	 * an ignored edge, so they are listed only with --all (docs/output.md) */
	cr_expect_eq(n[1], 2);
	cr_expect_eq(n[2], 1);
	cr_expect_eq(n[3], 157);
	cr_expect_eq(n[4], 1);
	cr_expect_eq(n[5], 1);
}

Test(cmd, text_report_is_plain_ascii_when_not_a_terminal)
{
	char *text;

	cr_assert_eq(analyze("--no-dpi", "--site", site_path, "-o", out_path, pcap_path, NULL), 1);
	text = slurp(out_path);
	for (const char *p = text; *p; p++)
		cr_assert((unsigned char)*p < 0x80 && *p != '\033', "non-ASCII byte at %zu",
			  (size_t)(p - text));
	cr_expect_not_null(strstr(text, "rdsh3 (10.0.1.13) -> broker cb1 (10.0.0.10) tcp/20003: "
					"4 SYNs over 7 s, never answered - a firewall"),
			   "%s", text);
	cr_expect_not_null(strstr(text, "failed   rdsh-brk"), "%s", text);
	free(text);
}

/* A finding's message longer than put_text's 256-byte buffer (two host
 * names of 60 characters) comes out whole, its arrow and dash transliterated
 * in place. */
Test(cmd, long_messages_come_out_whole)
{
	char a[61], b[61], site[256], want[600];
	char *text;

	memset(a, 'a', 60);
	memset(b, 'b', 60);
	a[60] = b[60] = '\0';
	snprintf(site, sizeof(site), "10.0.0.10 broker %s\n10.0.1.13 rdsh %s\n", b, a);
	write_file(site_path, site);
	cr_assert_eq(analyze("--no-dpi", "--site", site_path, "-o", out_path, pcap_path, NULL), 1);
	text = slurp(out_path);
	snprintf(want, sizeof(want), "%s (10.0.1.13) -> broker %s (10.0.0.10) tcp/20003: "
		 "4 SYNs over 7 s, never answered - a firewall between them drops the port, "
		 "or the broker service is down\n", a, b);
	cr_assert_gt(strlen(want), 256);
	cr_expect_not_null(strstr(text, want), "%s", text);
	free(text);
}

/* ---- seconds as "%.0f" without printf (strbuf.h) ---- */

/* rasflow_put_secs0 and _secs1 against snprintf's "%.0f" and "%.1f" of
 * us / 1e6: ties of both (x.5 s and x.y5 s), a microsecond either side of
 * them, whole seconds, a spread of values up to a year, and beyond 2^52 us. */
static void check_secs0(uint64_t us)
{
	char want[64], got[64];

	snprintf(want, sizeof(want), "%.0f", (double)us / 1e6);
	*rasflow_put_secs0(got, us) = '\0';
	cr_assert_str_eq(got, want, "%llu us", (unsigned long long)us);
	snprintf(want, sizeof(want), "%.1f", (double)us / 1e6);
	*rasflow_put_secs1(got, us) = '\0';
	cr_assert_str_eq(got, want, "%llu us to tenths", (unsigned long long)us);
}

Test(text, secs_match_printf)
{
	uint64_t x = 88172645463325252ull;	/* xorshift64 */

	for (uint64_t k = 0; k < 2000; k++) {
		check_secs0(k * 1000000 + 500000);
		check_secs0(k * 1000000 + 499999);
		check_secs0(k * 1000000 + 500001);
		check_secs0(k * 1000000);
		for (uint64_t t = 50000; t < 1000000; t += 100000) {	/* tenths' ties */
			check_secs0(k * 1000000 + t);
			check_secs0(k * 1000000 + t - 1);
			check_secs0(k * 1000000 + t + 1);
		}
	}
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		check_secs0(x % (366ull * 86400 * 1000000));
	}
	check_secs0((1ull << 52) - 1);
	check_secs0(1ull << 52);
	check_secs0(UINT64_MAX);
}

/* ---- the text report's scan for bytes to escape (strbuf.h) ---- */

/* rasflow_plain_run against a byte-by-byte reference, from every start of
 * random strings where printable ASCII dominates and the edge bytes (0x1f,
 * 0x20, 0x7e, 0x7f, 0x80, 0xff, NUL) turn up at every offset in a word. */
Test(text, plain_run_matches_a_byte_loop)
{
	static const unsigned char edge[] = { 0x00, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xe2, 0xff, 0x0a };
	bool ascii[256] = { false }, utf8[256] = { false };
	unsigned char b[64];

	for (unsigned c = 0x20; c < 0x7f; c++)
		ascii[c] = utf8[c] = true;
	for (unsigned c = 0x80; c < 0x100; c++)
		utf8[c] = true;
	srand(7);
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)(rand() % (int)sizeof(b));

		for (size_t i = 0; i < n; i++)
			b[i] = rand() % 6 ? (unsigned char)(0x20 + rand() % 95) :
					    edge[rand() % (int)sizeof(edge)];
		for (size_t from = 0; from <= n; from++) {
			for (int t = 0; t < 2; t++) {
				const bool *plain = t ? utf8 : ascii;
				size_t want = 0;

				while (from + want < n && plain[b[from + want]])
					want++;
				cr_assert_eq(rasflow_plain_run(b + from, b + n, plain), want,
					     "round %d from %zu of %zu (%s)", round, from, n,
					     t ? "utf8" : "ascii");
			}
		}
	}
}
