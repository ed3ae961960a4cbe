/* cmd_analyze.c — `rasflow analyze [OPTIONS] CAPTURE...`.
 *
 * Wires the pieces for one offline run: rules (built-in or --rules), site,
 * capture files through libpcap into the engine, nDPI on the flows' first
 * packets, finished flows into the analysis, then one report. Chooses the
 * exit status: 0 clean, 1 a finding of a --fail-on kind, 2 usage or input
 * error (every message names the file; rules and site errors line:col).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rasflow/analyze.h"
#include "rasflow/capture.h"
#include "rasflow/cli.h"
#include "rasflow/config.h"
#include "rasflow/dpi.h"
#include "rasflow/engine.h"
#include "rasflow/err.h"
#include "rasflow/report.h"
#include "rasflow/rules.h"
#include "rasflow/site.h"

struct args {
	const char *rules, *site, *output, *filter;
	enum rasflow_report_format format;
	bool no_dpi, strict, all;
	unsigned fail_on;
	unsigned long max_flows;	/* 0 = default */
	unsigned window;		/* 0 = per rule */
	const char *const *captures;
	size_t ncaptures;
};

/* What the flow hooks need. */
struct run {
	const struct rasflow_ruleset *rs;
	struct rasflow_dpi *dpi;	/* NULL with --no-dpi */
	struct rasflow_analysis *an;
	int err;			/* first error from the analysis (ENOMEM) */
};

static bool hook_service_port(void *user, uint8_t proto, uint16_t port)
{
	struct run *r = user;

	return rasflow_rules_known_port(r->rs, proto, port);
}

static void hook_new(void *user, struct rasflow_flow *f, const struct rasflow_pkt *p)
{
	struct run *r = user;

	(void)p;
	if (r->dpi != NULL)
		rasflow_dpi_flow_new(r->dpi, f);
}

static void hook_packet(void *user, struct rasflow_flow *f, const struct rasflow_pkt *p, int dir,
			rasflow_ts ts)
{
	struct run *r = user;

	if (r->dpi != NULL)
		rasflow_dpi_flow_packet(r->dpi, f, p, dir, ts);
}

static void hook_end(void *user, struct rasflow_flow *f, enum rasflow_flow_end why)
{
	struct run *r = user;
	int err;

	(void)why;
	if (r->dpi != NULL)
		rasflow_dpi_flow_end(r->dpi, f);
	err = rasflow_analysis_flow(r->an, f);
	if (err && r->err == 0)
		r->err = err;
}

static void on_name(void *user, const struct rasflow_addr *a, const char *name)
{
	struct run *r = user;
	int err = rasflow_analysis_name(r->an, a, name);

	if (err && r->err == 0)
		r->err = err;
}

static const char *app_name(void *ctx, uint16_t master, uint16_t proto, char *buf, size_t len)
{
	return rasflow_dpi_app_name(ctx, master, proto, buf, len);
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("rasflow analyze: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n(try 'rasflow help analyze')\n", stderr);
	return RASFLOW_EXIT_ERROR;
}

/* Positive integer option value, or false. */
static bool parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > max)
		return false;
	*out = v;
	return true;
}

/* Parse argv into a; returns -1 when the command should exit with *rc. */
static int parse_args(int argc, char **argv, struct args *a, int *rc)
{
	enum { O_RULES = 256, O_SITE, O_FORMAT, O_NODPI, O_FAILON, O_STRICT, O_ALL, O_MAXFLOWS,
	       O_WINDOW, O_FILTER, O_BASELINE };
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, O_RULES },
		{ "site", required_argument, NULL, O_SITE },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "no-dpi", no_argument, NULL, O_NODPI },
		{ "fail-on", required_argument, NULL, O_FAILON },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "all", no_argument, NULL, O_ALL },
		{ "max-flows", required_argument, NULL, O_MAXFLOWS },
		{ "window", required_argument, NULL, O_WINDOW },
		{ "filter", required_argument, NULL, 'f' },
		{ "baseline", required_argument, NULL, O_BASELINE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	size_t bad;
	int c;

	memset(a, 0, sizeof(*a));
	a->fail_on = RASFLOW_FAIL_ON_DEFAULT;
	optind = 0;	/* glibc: full re-initialisation, so tests may call us twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:f:h", opts, NULL)) != -1) {
		switch (c) {
		case O_RULES:
			a->rules = optarg;
			break;
		case O_SITE:
			a->site = optarg;
			break;
		case O_FORMAT:
			if (rasflow_report_parse_format(optarg, &a->format) < 0) {
				*rc = usage_error("unknown format '%s' (text, json, jsonl or dot)", optarg);
				return -1;
			}
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'f':
			a->filter = optarg;
			break;
		case O_NODPI:
			a->no_dpi = true;
			break;
		case O_FAILON:
			if (rasflow_analysis_parse_kinds(optarg, &a->fail_on, &bad) < 0) {
				*rc = usage_error("--fail-on: unknown kind in '%s' (failed, unexpected, missing, mismatch, all or none)",
						  optarg);
				return -1;
			}
			break;
		case O_STRICT:
			a->strict = true;
			break;
		case O_ALL:
			a->all = true;
			break;
		case O_MAXFLOWS:
			if (!parse_ulong(optarg, 1ul << 30, &v)) {
				*rc = usage_error("--max-flows: '%s' is not a number from 1 to 1073741824",
						  optarg);
				return -1;
			}
			a->max_flows = v;
			break;
		case O_WINDOW:
			if (!parse_ulong(optarg, 7ul * 86400, &v)) {
				*rc = usage_error("--window: '%s' is not a number of seconds from 1 to 604800",
						  optarg);
				return -1;
			}
			a->window = (unsigned)v;
			break;
		case O_BASELINE:
			*rc = usage_error("--baseline %s: baseline comparison is not available yet",
					  optarg);
			return -1;
		case 'h':
			rasflow_cli_help("analyze", stdout);
			*rc = RASFLOW_EXIT_OK;
			return -1;
		default:
			if (optopt != 0 && optopt < 256)
				fprintf(stderr, "rasflow analyze: option -%c: %s\n", optopt,
					strchr("of", optopt) ? "needs an argument" : "unknown option");
			else
				fprintf(stderr, "rasflow analyze: %s: unknown option or missing argument\n",
					argv[optind - 1]);
			fputs("(try 'rasflow help analyze')\n", stderr);
			*rc = RASFLOW_EXIT_ERROR;
			return -1;
		}
	}
	if (optind >= argc) {
		*rc = usage_error("%s", "no capture file given (use '-' for standard input)");
		return -1;
	}
	a->captures = (const char *const *)argv + optind;
	a->ncaptures = (size_t)(argc - optind);
	if (a->format == RASFLOW_FMT_DOT) {
		fprintf(stderr, "rasflow analyze: --format dot is not available yet\n");
		*rc = RASFLOW_EXIT_ERROR;
		return -1;
	}
	return 0;
}

/* Rules and site; errors printed with file:line:col. */
static int load_inputs(const struct args *a, struct rasflow_ruleset **rs,
		       struct rasflow_site **site)
{
	struct rasflow_errlist errs;

	memset(&errs, 0, sizeof(errs));
	*rs = a->rules ? rasflow_rules_load(a->rules, &errs) : rasflow_rules_builtin(&errs);
	if (*rs == NULL) {
		if (errs.n == 0)
			fprintf(stderr, "%s: cannot load the rules (out of memory)\n",
				a->rules ? a->rules : "built-in rules");
		rasflow_err_print(&errs, stderr);
		return -1;
	}
	if (a->site == NULL)
		return 0;
	memset(&errs, 0, sizeof(errs));
	*site = rasflow_site_load(a->site, *rs, &errs);
	if (*site == NULL) {
		if (errs.n == 0)
			fprintf(stderr, "%s: cannot load the site (out of memory)\n", a->site);
		rasflow_err_print(&errs, stderr);
		return -1;
	}
	return 0;
}

/* Read every capture into the engine; warnings for truncated files. */
static int run_capture(const struct args *a, struct rasflow_capture *cap,
		       struct rasflow_engine *eng, char ***warnings, size_t *nwarnings)
{
	struct rasflow_errlist errs;
	int rc;

	memset(&errs, 0, sizeof(errs));
	rc = rasflow_capture_run(cap, eng, NULL, NULL, NULL, &errs);
	if (rc < 0) {
		rasflow_err_print(&errs, stderr);
		return -1;
	}
	(void)a;
	if (rc == RASFLOW_CAPTURE_PARTIAL) {
		*warnings = calloc(errs.n ? errs.n : 1, sizeof(**warnings));
		for (size_t i = 0; i < errs.n; i++) {
			const struct rasflow_err *e = &errs.e[i];
			size_t len = strlen(e->msg) + (e->file ? strlen(e->file) : 0) + 64;
			char *w = malloc(len);

			fprintf(stderr, "rasflow analyze: warning: %s%s%s (the report covers what was read)\n",
				e->file ? e->file : "", e->file ? ": " : "", e->msg);
			if (*warnings != NULL && w != NULL) {
				snprintf(w, len, "%s%s%s", e->file ? e->file : "", e->file ? ": " : "",
					 e->msg);
				(*warnings)[(*nwarnings)++] = w;
			} else {
				free(w);
			}
		}
	}
	return 0;
}

int rasflow_cmd_analyze(int argc, char **argv)
{
	struct args a;
	struct rasflow_ruleset *rs = NULL;
	struct rasflow_site *site = NULL;
	struct rasflow_capture *cap = NULL;
	struct rasflow_engine *eng = NULL;
	struct rasflow_analysis *an = NULL;
	struct rasflow_dpi *dpi = NULL;
	struct rasflow_errlist errs;
	struct rasflow_capture_opts copts;
	struct rasflow_flowtab_opts fopts;
	struct rasflow_analysis_opts aopts;
	struct rasflow_flow_hooks hooks;
	struct rasflow_capture_info ci;
	struct rasflow_report_opts ropts;
	struct run run = { 0 };
	char **warnings = NULL;
	size_t nwarnings = 0;
	FILE *out = stdout;
	int rc = RASFLOW_EXIT_ERROR, err;

	if (parse_args(argc, argv, &a, &rc) < 0)
		return rc;
	if (load_inputs(&a, &rs, &site) < 0)
		goto out;

	rasflow_capture_default_opts(&copts);
	copts.filter = a.filter;
	memset(&errs, 0, sizeof(errs));
	cap = rasflow_capture_open_offline(a.captures, a.ncaptures, &copts, &errs);
	if (cap == NULL) {
		rasflow_err_print(&errs, stderr);
		goto out;
	}
	if (a.output != NULL && strcmp(a.output, "-") != 0) {
		out = fopen(a.output, "w");
		if (out == NULL) {
			fprintf(stderr, "%s: cannot write the report: %s\n", a.output, strerror(errno));
			out = stdout;
			goto out;
		}
	}

	rasflow_analysis_default_opts(&aopts);
	aopts.strict = a.strict;
	aopts.all_edges = a.all;
	aopts.window = a.window;
	aopts.fail_on = a.fail_on;
	run.rs = rs;
	if (!a.no_dpi) {
		struct rasflow_dpi_opts dopts;

		rasflow_dpi_default_opts(&dopts);
		dopts.on_name = on_name;
		dopts.user = &run;
		dpi = rasflow_dpi_new(&dopts);
		if (dpi == NULL) {
			fprintf(stderr, "rasflow analyze: cannot start nDPI (out of memory)\n");
			goto out;
		}
		aopts.app_name = app_name;
		aopts.app_ctx = dpi;
	}
	an = rasflow_analysis_new(rs, site, &aopts);
	if (an == NULL) {
		fprintf(stderr, "rasflow analyze: out of memory\n");
		goto out;
	}
	run.dpi = dpi;
	run.an = an;

	memset(&hooks, 0, sizeof(hooks));
	hooks.user = &run;
	hooks.is_service_port = hook_service_port;
	hooks.on_new = hook_new;
	hooks.on_packet = hook_packet;
	hooks.on_end = hook_end;
	rasflow_flowtab_default_opts(&fopts);
	if (a.max_flows)
		fopts.max_flows = a.max_flows;
	eng = rasflow_engine_new(&fopts, &hooks);
	if (eng == NULL) {
		fprintf(stderr, "rasflow analyze: out of memory\n");
		goto out;
	}

	if (run_capture(&a, cap, eng, &warnings, &nwarnings) < 0)
		goto out;
	rasflow_engine_finish(eng);
	if (run.err) {
		fprintf(stderr, "rasflow analyze: out of memory while analysing flows\n");
		goto out;
	}

	memset(&ci, 0, sizeof(ci));
	ci.files = a.captures;
	ci.nfiles = a.ncaptures;
	ci.packets = eng->st.packets;
	ci.bytes = eng->st.wire_bytes;
	ci.start = eng->st.packets ? eng->st.first_ts : 0;
	ci.end = eng->st.packets ? eng->st.last_ts : 0;
	ci.decode_errors = eng->st.undecoded;
	ci.dec = &eng->dec;
	ci.flows = rasflow_flowtab_stats(eng->ft);
	ci.warnings = (const char *const *)warnings;
	ci.nwarnings = nwarnings;
	err = rasflow_analysis_finish(an, &ci);
	if (err < 0) {
		fprintf(stderr, "rasflow analyze: out of memory while classifying\n");
		goto out;
	}

	memset(&ropts, 0, sizeof(ropts));
	ropts.ndpi_version = dpi != NULL ? rasflow_dpi_version() : NULL;
	if (a.format == RASFLOW_FMT_TEXT) {
		bool tty = isatty(fileno(out));
		const char *nc = getenv("NO_COLOR");

		ropts.utf8 = tty;
		ropts.color = tty && (nc == NULL || *nc == '\0');
		err = rasflow_report_text(an, &ropts, out);
	} else if (a.format == RASFLOW_FMT_JSON) {
		err = rasflow_report_json(an, &ropts, out);
	} else {
		err = rasflow_report_jsonl(an, &ropts, out);
	}
	if (err == 0 && fflush(out) != 0)
		err = RASFLOW_EIO;
	if (err < 0) {
		fprintf(stderr, "%s: cannot write the report%s\n",
			a.output ? a.output : "standard output",
			err == RASFLOW_ENOMEM ? " (out of memory)" : "");
		goto out;
	}
	rc = rasflow_analysis_count(an, a.fail_on) > 0 ? RASFLOW_EXIT_FINDINGS : RASFLOW_EXIT_OK;
out:
	if (out != stdout && fclose(out) != 0 && rc != RASFLOW_EXIT_ERROR) {
		fprintf(stderr, "%s: cannot write the report: %s\n", a.output, strerror(errno));
		rc = RASFLOW_EXIT_ERROR;
	}
	rasflow_engine_free(eng);
	rasflow_analysis_free(an);
	rasflow_dpi_free(dpi);
	rasflow_capture_free(cap);
	rasflow_site_free(site);
	rasflow_rules_free(rs);
	for (size_t i = 0; i < nwarnings; i++)
		free(warnings[i]);
	free(warnings);
	return rc;
}
