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
#include "rasflow/pipeline.h"
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
	struct rasflow_pipeline pl;	/* nDPI (pl.dpi) for every input; pl.an per input */
	struct rasflow_analysis_opts aopts;
	FILE *devnull;
};

/* Build the per-process state once; traps if any of it cannot be made. */
static struct fixture *fixture(void)
{
	static struct fixture fx;	/* harness state */
	struct rasflow_errlist errs = { .n = 0 };

	if (fx.rs)
		return &fx;
	fx.rs = rasflow_rules_builtin(&errs);
	if (!fx.rs)
		__builtin_trap();
	fx.site = rasflow_site_parse_buf("fuzz.site", site_text, sizeof(site_text) - 1, fx.rs,
					 &errs);
	fx.pl.rs = fx.rs;
	rasflow_analysis_default_opts(&fx.aopts);
	fx.aopts.max_hosts = 64;	/* small tables: the refusal paths get exercised */
	fx.aopts.max_edges = 128;
	fx.devnull = fopen("/dev/null", "w");
	if (!fx.site || rasflow_pipeline_dpi_start(&fx.pl, "fuzz", &fx.aopts) < 0 || !fx.devnull)
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
	struct fixture *fx = fixture();
	char errbuf[PCAP_ERRBUF_SIZE];
	static const char *const files[] = { "fuzz.pcap" };
	struct rasflow_report_opts ropts;
	struct rasflow_capture_info ci;
	struct rasflow_engine *eng = NULL;
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

	fx->pl.err = 0;
	fx->pl.an = rasflow_analysis_new(fx->rs, fx->site, &fx->aopts);
	if (!fx->pl.an)
		goto out;
	/* max_flows 64: LRU eviction too; a mirror's copies counted as analyze
	 * does, or dropped (--dedup) for inputs of odd size */
	eng = rasflow_pipeline_engine(&fx->pl, "fuzz", 64, size & 1);
	if (!eng)
		goto out;
	while (pcap_next_ex(p, &hdr, &pkt) == 1)
		rasflow_engine_packet(eng, dlt, tv_to_ts(&hdr->ts), pkt, hdr->caplen, hdr->len);
	rasflow_engine_finish(eng);
	if (fx->pl.err)
		goto out;

	rasflow_pipeline_capture_info(&ci, eng, files, 1);
	if (rasflow_analysis_finish(fx->pl.an, &ci) < 0)
		goto out;

	memset(&ropts, 0, sizeof(ropts));
	ropts.utf8 = true;
	ropts.ndpi_version = rasflow_dpi_version();
	rasflow_report_text(fx->pl.an, &ropts, fx->devnull);
	rasflow_report_json(fx->pl.an, &ropts, fx->devnull);
	rasflow_report_jsonl(fx->pl.an, &ropts, fx->devnull);
out:
	rasflow_engine_free(eng);
	rasflow_analysis_free(fx->pl.an);
	fx->pl.an = NULL;	/* names nDPI finds between inputs go nowhere */
	pcap_close(p);		/* closes f */
	return 0;
}
