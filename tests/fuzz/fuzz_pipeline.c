/* fuzz_pipeline.c — libFuzzer target for the whole offline pipeline.
 *
 * The input is a capture file (pcap or pcapng) read from memory (fmemopen +
 * pcap_fopen_offline): every record goes through the engine (decode, flow
 * table, nDPI) into the analysis, which is finished and rendered as text and
 * JSON to /dev/null, as "rasflow analyze" does. The built-in ruleset, a small
 * site inventory and the nDPI module are created once per process (nDPI's
 * start-up is too slow to repeat per input); everything else per input.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include "rasflow/analyze.h"
#include "rasflow/dpi.h"
#include "rasflow/engine.h"
#include "rasflow/report.h"
#include "rasflow/rules.h"
#include "rasflow/site.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Addresses of the seed captures get roles, so verdicts other than
 * "ignored" come up; the rest are left to inference. */
static const char site_text[] =
	"192.168.1.0/24   client\n"
	"192.168.1.1      broker,console   cb1\n"
	"10.0.0.0/8       rdsh\n"
	"172.16.0.0/12    gateway\n"
	"fe80::/10        guest\n";

/* Per-process harness state (created on the first input, never freed). */
struct fixture {
	struct rasflow_ruleset *rs;
	struct rasflow_site *site;
	struct rasflow_dpi *dpi;
	FILE *devnull;
};

/* What the flow hooks need for the current input. */
struct run {
	const struct rasflow_ruleset *rs;
	struct rasflow_dpi *dpi;
	struct rasflow_analysis *an;
	int err;
};

static struct run *cur_run;	/* harness state: the input under way, for on_name */

static bool hook_service_port(void *user, uint8_t proto, uint16_t port)
{
	struct run *r = user;

	return rasflow_rules_known_port(r->rs, proto, port);
}

static void hook_new(void *user, struct rasflow_flow *f, const struct rasflow_pkt *p)
{
	struct run *r = user;

	(void)p;
	rasflow_dpi_flow_new(r->dpi, f);
}

static void hook_packet(void *user, struct rasflow_flow *f, const struct rasflow_pkt *p, int dir,
			rasflow_ts ts)
{
	struct run *r = user;

	rasflow_dpi_flow_packet(r->dpi, f, p, dir, ts);
}

static void hook_end(void *user, struct rasflow_flow *f, enum rasflow_flow_end why)
{
	struct run *r = user;
	int err;

	(void)why;
	rasflow_dpi_flow_end(r->dpi, f);
	err = rasflow_analysis_flow(r->an, f);
	if (err && r->err == 0)
		r->err = err;
}

static void on_name(void *user, const struct rasflow_addr *a, const char *name)
{
	(void)user;
	if (cur_run && cur_run->an && rasflow_analysis_name(cur_run->an, a, name) && !cur_run->err)
		cur_run->err = RASFLOW_ENOMEM;
}

static const char *app_name(void *ctx, uint16_t master, uint16_t proto, char *buf, size_t len)
{
	return rasflow_dpi_app_name(ctx, master, proto, buf, len);
}

/* Build the per-process state once; traps if any of it cannot be made. */
static const struct fixture *fixture(void)
{
	static struct fixture fx;	/* harness state */
	struct rasflow_errlist errs = { .n = 0 };
	struct rasflow_dpi_opts dopts;

	if (fx.rs)
		return &fx;
	fx.rs = rasflow_rules_builtin(&errs);
	if (!fx.rs)
		__builtin_trap();
	fx.site = rasflow_site_parse_buf("fuzz.site", site_text, sizeof(site_text) - 1, fx.rs,
					 &errs);
	rasflow_dpi_default_opts(&dopts);
	dopts.on_name = on_name;
	fx.dpi = rasflow_dpi_new(&dopts);
	fx.devnull = fopen("/dev/null", "w");
	if (!fx.site || !fx.dpi || !fx.devnull)
		__builtin_trap();
	return &fx;
}

static rasflow_ts tv_to_ts(const struct timeval *tv)
{
	if (tv->tv_sec < 0)
		return 0;
	return (rasflow_ts)tv->tv_sec * 1000000 + (rasflow_ts)tv->tv_usec;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fixture *fx = fixture();
	char errbuf[PCAP_ERRBUF_SIZE];
	static const char *const files[] = { "fuzz.pcap" };
	struct rasflow_analysis_opts aopts;
	struct rasflow_flowtab_opts fopts;
	struct rasflow_flow_hooks hooks;
	struct rasflow_report_opts ropts;
	struct rasflow_capture_info ci;
	struct rasflow_engine *eng = NULL;
	struct run run = { .rs = fx->rs, .dpi = fx->dpi };
	struct pcap_pkthdr *hdr;
	const u_char *pkt;
	pcap_t *p;
	FILE *f;
	int dlt;

	if (size < 24)
		return 0;
	f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!p) {
		fclose(f);
		return 0;
	}
	dlt = pcap_datalink(p);
	if (!rasflow_decode_dlt_supported(dlt))
		goto out;

	rasflow_analysis_default_opts(&aopts);
	aopts.app_name = app_name;
	aopts.app_ctx = fx->dpi;
	aopts.max_hosts = 64;		/* small tables: the refusal paths get exercised */
	aopts.max_edges = 128;
	run.an = rasflow_analysis_new(fx->rs, fx->site, &aopts);
	if (!run.an)
		goto out;
	memset(&hooks, 0, sizeof(hooks));
	hooks.user = &run;
	hooks.is_service_port = hook_service_port;
	hooks.on_new = hook_new;
	hooks.on_packet = hook_packet;
	hooks.on_end = hook_end;
	rasflow_flowtab_default_opts(&fopts);
	fopts.max_flows = 64;		/* LRU eviction too */
	eng = rasflow_engine_new(&fopts, &hooks);
	if (!eng)
		goto out;
	cur_run = &run;
	while (pcap_next_ex(p, &hdr, &pkt) == 1)
		rasflow_engine_packet(eng, dlt, tv_to_ts(&hdr->ts), pkt, hdr->caplen, hdr->len);
	rasflow_engine_finish(eng);
	if (run.err)
		goto out;

	memset(&ci, 0, sizeof(ci));
	ci.files = files;
	ci.nfiles = 1;
	ci.packets = eng->st.packets;
	ci.bytes = eng->st.wire_bytes;
	ci.start = eng->st.packets ? eng->st.first_ts : 0;
	ci.end = eng->st.packets ? eng->st.last_ts : 0;
	ci.decode_errors = eng->st.undecoded;
	ci.dec = &eng->dec;
	ci.flows = rasflow_flowtab_stats(eng->ft);
	if (rasflow_analysis_finish(run.an, &ci) < 0)
		goto out;

	memset(&ropts, 0, sizeof(ropts));
	ropts.utf8 = true;
	ropts.ndpi_version = rasflow_dpi_version();
	rasflow_report_text(run.an, &ropts, fx->devnull);
	rasflow_report_json(run.an, &ropts, fx->devnull);
	rasflow_report_jsonl(run.an, &ropts, fx->devnull);
out:
	cur_run = NULL;
	rasflow_engine_free(eng);
	rasflow_analysis_free(run.an);
	pcap_close(p);		/* closes f */
	return 0;
}
