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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rasflow/analyze.h"
#include "rasflow/baseline.h"
#include "rasflow/capture.h"
#include "rasflow/cli.h"
#include "rasflow/config.h"
#include "rasflow/dpi.h"
#include "rasflow/engine.h"
#include "rasflow/err.h"
#include "rasflow/pipeline.h"
#include "rasflow/report.h"
#include "rasflow/rules.h"
#include "rasflow/site.h"

#define CMD "analyze"

struct args {
	struct rasflow_cli_common co;	/* shared options; with --baseline, --fail-on adds kinds */
	const char *filter;
	const char *baseline;		/* --baseline FILE, or NULL */
	enum rasflow_report_format format;
	bool strict, all;
	unsigned window;		/* 0 = per rule */
	const char *const *captures;
	size_t ncaptures;
};

/* Parse argv into a; returns -1 when the command should exit with *rc. */
static int parse_args(int argc, char **argv, struct args *a, int *rc)
{
	enum { O_FORMAT = RASFLOW_OPT_OWN, O_STRICT, O_ALL, O_WINDOW, O_BASELINE };
	static const struct option opts[] = {
		RASFLOW_CLI_COMMON_OPTIONS,
		{ "format", required_argument, NULL, O_FORMAT },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "all", no_argument, NULL, O_ALL },
		{ "window", required_argument, NULL, O_WINDOW },
		{ "filter", required_argument, NULL, 'f' },
		{ "baseline", required_argument, NULL, O_BASELINE },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c, taken;

	memset(a, 0, sizeof(*a));
	a->co.fail_on = RASFLOW_FAIL_ON_DEFAULT;
	optind = 0;	/* glibc: full re-initialisation, so tests may call us twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:f:h", opts, NULL)) != -1) {
		taken = rasflow_cli_common_opt(CMD, c, &a->co, rc);
		if (taken < 0)
			return -1;
		if (taken > 0)
			continue;
		switch (c) {
		case O_FORMAT:
			if (rasflow_report_parse_format(optarg, &a->format) < 0) {
				*rc = rasflow_cli_usage_error(CMD, "unknown format '%s' (text, json, jsonl or dot)",
							      optarg);
				return -1;
			}
			break;
		case 'f':
			a->filter = optarg;
			break;
		case O_STRICT:
			a->strict = true;
			break;
		case O_ALL:
			a->all = true;
			break;
		case O_WINDOW:
			if (!rasflow_cli_parse_ulong(optarg, 7ul * 86400, &v)) {
				*rc = rasflow_cli_usage_error(CMD, "--window: '%s' is not a number of seconds from 1 to 604800",
							      optarg);
				return -1;
			}
			a->window = (unsigned)v;
			break;
		case O_BASELINE:
			a->baseline = optarg;
			break;
		default:
			*rc = rasflow_cli_bad_option(CMD, "of", argv[optind - 1]);
			return -1;
		}
	}
	if (optind >= argc) {
		*rc = rasflow_cli_usage_error(CMD, "%s",
					      "no capture file given (use '-' for standard input)");
		return -1;
	}
	a->captures = (const char *const *)argv + optind;
	a->ncaptures = (size_t)(argc - optind);
	return 0;
}

/* The progress line on standard error during a long offline read. */
#define PROGRESS_FIRST_NS	1000000000ll	/* nothing for runs shorter than 1 s */
#define PROGRESS_EVERY_NS	200000000ll	/* then redraw at most 5 times a second */
#define PROGRESS_MAX_FD		1024		/* descriptors searched for the open file */

struct progress_file {
	bool regular;			/* a regular file: size and position known */
	uint64_t size;
	dev_t dev;
	ino_t ino;
};

struct progress {
	const struct rasflow_capture *cap;
	const struct rasflow_engine *eng;
	struct progress_file *files;	/* parallel to the capture's files */
	size_t nfiles;
	bool percent;			/* every input is a regular file */
	uint64_t total;			/* their sizes */
	long long start, last;		/* monotonic ns: run start, last redraw */
	bool drawn;			/* a line is on the terminal */
	int fd;				/* descriptor last found for the file being read, or -1 */
};

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Progress only on a terminal (never in CI logs or pipes), not with "-o -",
 * not on a dumb terminal. Sizes come from stat; standard input has none. */
static int progress_init(struct progress *p, const struct args *a,
			 const struct rasflow_capture *cap, const struct rasflow_engine *eng)
{
	const char *term = getenv("TERM");

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (!isatty(STDERR_FILENO) || (term != NULL && strcmp(term, "dumb") == 0) ||
	    (a->co.output != NULL && strcmp(a->co.output, "-") == 0))
		return 0;
	p->files = calloc(a->ncaptures, sizeof(*p->files));
	if (p->files == NULL)
		return 0;	/* no progress line, not an error */
	p->cap = cap;
	p->eng = eng;
	p->nfiles = a->ncaptures;
	p->percent = true;
	for (size_t i = 0; i < a->ncaptures; i++) {
		struct stat st;

		if (strcmp(a->captures[i], "-") != 0 && stat(a->captures[i], &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			p->files[i].regular = true;
			p->files[i].size = (uint64_t)st.st_size;
			p->files[i].dev = st.st_dev;
			p->files[i].ino = st.st_ino;
			p->total += (uint64_t)st.st_size;
		} else {
			p->percent = false;
		}
	}
	p->start = p->last = mono_ns();
	return 1;
}

/* How far the file being read is: the offset of the descriptor libpcap
 * opened for it (found by device and inode; reading the offset with
 * lseek(SEEK_CUR) changes nothing). Ahead of the packets by libpcap's read
 * buffer, which is precise enough for a progress line. */
static uint64_t progress_pos(struct progress *p, const struct progress_file *f)
{
	struct stat st;
	off_t off;

	if (p->fd < 0 || fstat(p->fd, &st) != 0 || st.st_dev != f->dev || st.st_ino != f->ino) {
		p->fd = -1;
		for (int fd = 3; fd < PROGRESS_MAX_FD; fd++) {
			if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == f->dev &&
			    st.st_ino == f->ino) {
				p->fd = fd;
				break;
			}
		}
		if (p->fd < 0)
			return 0;
	}
	off = lseek(p->fd, 0, SEEK_CUR);
	return off < 0 ? 0 : (uint64_t)off < f->size ? (uint64_t)off : f->size;
}

/* "12.3 MB", "812 B", "1.2 M packets" */
static const char *human(double v, const char *unit, char *buf, size_t len)
{
	static const char *const pre[] = { "", "k", "M", "G", "T" };
	int i = 0;

	while (v >= 1000.0 && i < 4) {
		v /= 1000.0;
		i++;
	}
	snprintf(buf, len, "%.*f %s%s%s", i ? 1 : 0, v, pre[i], i && unit[0] != 'B' ? " " : "",
		 unit);
	return buf;
}

/* Redraw the line if it is time (tick hook of rasflow_capture_run). */
static void progress_tick(void *user, rasflow_ts now)
{
	struct progress *p = user;
	long long t = mono_ns();
	const struct rasflow_capture_file *cf;
	uint64_t done = 0, pkts;
	double secs;
	char b1[32], b2[32], b3[32];
	size_t n;

	(void)now;
	if (t - p->start < PROGRESS_FIRST_NS || t - p->last < PROGRESS_EVERY_NS)
		return;
	p->last = t;
	pkts = p->eng->st.packets;
	secs = (double)(t - p->start) / 1e9;
	fputs("\rrasflow: ", stderr);
	if (p->percent && p->total > 0) {
		cf = rasflow_capture_files(p->cap, &n);
		for (size_t i = 0; i < n && i < p->nfiles; i++) {
			if (cf[i].done) {
				done += p->files[i].size;
			} else {
				done += progress_pos(p, &p->files[i]);
				break;
			}
		}
		fprintf(stderr, "%5.1f%% of %s (%s), ", 100.0 * (double)done / (double)p->total,
			human((double)p->total, "B", b1, sizeof(b1)),
			human((double)done / secs, "B/s", b3, sizeof(b3)));
	}
	fprintf(stderr, "%s, %s\033[K", human((double)pkts, "packets", b2, sizeof(b2)),
		human((double)pkts / secs, "packets/s", b3, sizeof(b3)));
	p->drawn = true;
}

/* Erase the line, if one was drawn, and forget the files. */
static void progress_end(struct progress *p)
{
	if (p->drawn)
		fputs("\r\033[K", stderr);
	p->drawn = false;
	free(p->files);
	p->files = NULL;
}

/* Read every capture into the engine; warnings for truncated files. */
static int run_capture(const struct args *a, struct rasflow_capture *cap,
		       struct rasflow_engine *eng, char ***warnings, size_t *nwarnings)
{
	struct rasflow_errlist errs;
	struct progress pg;
	int rc;

	memset(&errs, 0, sizeof(errs));
	if (progress_init(&pg, a, cap, eng))
		rc = rasflow_capture_run(cap, eng, progress_tick, &pg, NULL, &errs);
	else
		rc = rasflow_capture_run(cap, eng, NULL, NULL, NULL, &errs);
	progress_end(&pg);
	if (rc < 0) {
		rasflow_err_print(&errs, stderr);
		return -1;
	}
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

/* Add a warning (printed on stderr too) to the list handed to the report. */
static int add_warning(char ***warnings, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int add_warning(char ***warnings, size_t *n, const char *fmt, ...)
{
	char buf[512];
	char **grown;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "rasflow analyze: warning: %s\n", buf);
	grown = realloc(*warnings, (*n + 1) * sizeof(**warnings));
	if (grown == NULL)
		return -1;
	*warnings = grown;
	grown[*n] = strdup(buf);
	if (grown[*n] == NULL)
		return -1;
	(*n)++;
	return 0;
}

/* Say when the input or a memory bound changed what the report can show:
 * a clock that stepped back, flows evicted at the --max-flows cap, flows
 * the analyzer's full tables could not take. */
static int limit_warnings(const struct args *a, const struct rasflow_engine *eng,
			  const struct rasflow_analysis *an, const struct rasflow_analysis_opts *ao,
			  char ***warnings, size_t *n)
{
	const struct rasflow_flowtab_stats *fs = rasflow_engine_flow_stats(eng);
	const struct rasflow_analysis_stats *as = rasflow_analysis_stats(an);
	const char *what = a->ncaptures == 1 ? a->captures[0] : "captures";

	if (eng->st.ts_backwards &&
	    add_warning(warnings, n, "%s: %llu frames stamped earlier than a frame before them "
			"(the clock stepped back); times span the earliest to the latest stamp",
			what, (unsigned long long)eng->st.ts_backwards) < 0)
		return -1;
	if (eng->st.copies &&
	    add_warning(warnings, n, "%s: %llu frames (%.1f %%) were copies of a packet seen less "
			"than 1 ms before (the same traffic captured twice: a mirror session copying "
			"two ports, or two capture interfaces); %s",
			what, (unsigned long long)eng->st.copies,
			100.0 * (double)eng->st.copies / (double)eng->st.packets,
			eng->drop_copies ? "dropped (--dedup)" :
					   "each counted as a packet of its own (--dedup drops them)") < 0)
		return -1;
	if (fs->evicted &&
	    add_warning(warnings, n, "%llu flows evicted at the flow-table limit of %zu "
			"(--max-flows): they ended early but are still counted in their edges",
			(unsigned long long)fs->evicted,
			(size_t)(a->co.max_flows ? a->co.max_flows : RASFLOW_DEF_MAX_FLOWS)) < 0)
		return -1;
	if (as->edges_refused &&
	    add_warning(warnings, n, "%llu flows not analysed: the edge table is full "
			"(limit %zu edges, follows --max-flows)",
			(unsigned long long)as->edges_refused, ao->max_edges) < 0)
		return -1;
	if (as->hosts_refused &&
	    add_warning(warnings, n, "%llu flows not analysed: the host table is full "
			"(limit %zu hosts, follows --max-flows)",
			(unsigned long long)as->hosts_refused, ao->max_hosts) < 0)
		return -1;
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
	struct rasflow_baseline *base = NULL;
	struct rasflow_baseline_diff bdiff = { 0 };
	struct rasflow_errlist errs;
	struct rasflow_capture_opts copts;
	struct rasflow_analysis_opts aopts;
	struct rasflow_capture_info ci;
	struct rasflow_report_opts ropts;
	struct rasflow_pipeline run = { 0 };
	char **warnings = NULL;
	size_t nwarnings = 0;
	FILE *out = stdout;
	int rc = RASFLOW_EXIT_ERROR;

	if (parse_args(argc, argv, &a, &rc) < 0)
		return rc;
	if (rasflow_pipeline_load(a.co.rules, a.co.site, &rs, &site) < 0)
		goto out;
	if (a.baseline != NULL) {
		memset(&errs, 0, sizeof(errs));
		base = rasflow_baseline_load(a.baseline, &errs);
		if (base == NULL) {
			rasflow_err_print(&errs, stderr);
			goto out;
		}
	}

	rasflow_capture_default_opts(&copts);
	copts.filter = a.filter;
	copts.tick_ms = 1;	/* packet time; the progress line paces itself by the clock */
	memset(&errs, 0, sizeof(errs));
	cap = rasflow_capture_open_offline(a.captures, a.ncaptures, &copts, &errs);
	if (cap == NULL) {
		rasflow_err_print(&errs, stderr);
		goto out;
	}
	if (a.co.output != NULL && strcmp(a.co.output, "-") != 0) {
		out = fopen(a.co.output, "w");
		if (out == NULL) {
			fprintf(stderr, "%s: cannot write the report: %s\n", a.co.output,
				strerror(errno));
			out = stdout;
			goto out;
		}
	}

	rasflow_analysis_default_opts(&aopts);
	aopts.strict = a.strict;
	aopts.all_edges = a.all;
	aopts.window = a.window;
	aopts.fail_on = a.co.fail_on;
	/* The analyzer's tables follow --max-flows: a flood of unique flows then
	 * costs at most as many edges and hosts as the flow cap allows flows. */
	if (a.co.max_flows && a.co.max_flows < aopts.max_edges)
		aopts.max_edges = a.co.max_flows < 4096 ? 4096 : a.co.max_flows;
	if (a.co.max_flows && a.co.max_flows < aopts.max_hosts)
		aopts.max_hosts = a.co.max_flows < 4096 ? 4096 : a.co.max_flows;
	run.rs = rs;
	if (!a.co.no_dpi && rasflow_pipeline_dpi_start(&run, CMD, &aopts) < 0)
		goto out;
	an = rasflow_analysis_new(rs, site, &aopts);
	if (an == NULL) {
		fprintf(stderr, "rasflow analyze: out of memory\n");
		goto out;
	}
	run.an = an;
	eng = rasflow_pipeline_engine(&run, CMD, a.co.max_flows, a.co.dedup);
	if (eng == NULL)
		goto out;

	if (run_capture(&a, cap, eng, &warnings, &nwarnings) < 0)
		goto out;
	rasflow_engine_finish(eng);
	/* every flow is folded: the table's memory goes back before the
	 * analysis builds its result, where a run's memory peaks */
	rasflow_engine_drop_table(eng);
	if (run.err) {
		fprintf(stderr, "rasflow analyze: out of memory while analysing flows\n");
		goto out;
	}
	if (limit_warnings(&a, eng, an, &aopts, &warnings, &nwarnings) < 0) {
		fprintf(stderr, "rasflow analyze: out of memory\n");
		goto out;
	}

	rasflow_pipeline_capture_info(&ci, eng, a.captures, a.ncaptures);
	ci.warnings = (const char *const *)warnings;
	ci.nwarnings = nwarnings;
	if (rasflow_pipeline_finish(&run, CMD, &ci) < 0)
		goto out;

	if (base != NULL && rasflow_baseline_compare(base, an, &bdiff) < 0) {
		fprintf(stderr, "rasflow analyze: out of memory while comparing with %s\n",
			a.baseline);
		goto out;
	}

	memset(&ropts, 0, sizeof(ropts));
	ropts.baseline = base;
	ropts.baseline_diff = base != NULL ? &bdiff : NULL;
	if (rasflow_pipeline_report(&run, a.format, &ropts, out, a.co.output) < 0)
		goto out;
	/* --baseline: regressions decide; an explicit --fail-on adds its kinds */
	if (base != NULL)
		rc = bdiff.regressions > 0 ||
		     (a.co.fail_on_set && rasflow_analysis_count(an, a.co.fail_on) > 0) ?
			     RASFLOW_EXIT_FINDINGS : RASFLOW_EXIT_OK;
	else
		rc = rasflow_analysis_count(an, a.co.fail_on) > 0 ? RASFLOW_EXIT_FINDINGS :
								  RASFLOW_EXIT_OK;
out:
	if (out != stdout && fclose(out) != 0 && rc != RASFLOW_EXIT_ERROR) {
		fprintf(stderr, "%s: cannot write the report: %s\n", a.co.output, strerror(errno));
		rc = RASFLOW_EXIT_ERROR;
	}
	rasflow_engine_free(eng);
	rasflow_analysis_free(an);
	rasflow_dpi_free(run.dpi);
	rasflow_baseline_diff_fini(&bdiff);
	rasflow_baseline_free(base);
	rasflow_capture_free(cap);
	rasflow_site_free(site);
	rasflow_rules_free(rs);
	for (size_t i = 0; i < nwarnings; i++)
		free(warnings[i]);
	free(warnings);
	return rc;
}
