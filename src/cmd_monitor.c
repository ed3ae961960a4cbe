/* cmd_monitor.c — `rasflow monitor [OPTIONS] -i IFACE [BPF]`.
 *
 * Wires one live run: rules and site, the interface through libpcap into the
 * engine, nDPI, the live alerts (monitor.c) and the analysis that makes the
 * final report. Opens the capture and the output, then drops privileges.
 * Signals only set flags: SIGINT/SIGTERM stop the run (flush, final report,
 * exit 0/1 like analyze), SIGHUP reloads the rules and site between two calls
 * of the capture loop. Output is line-buffered.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "rasflow/analyze.h"
#include "rasflow/capture.h"
#include "rasflow/cli.h"
#include "rasflow/config.h"
#include "rasflow/dpi.h"
#include "rasflow/engine.h"
#include "rasflow/err.h"
#include "rasflow/monitor.h"
#include "rasflow/pipeline.h"
#include "rasflow/report.h"
#include "rasflow/rules.h"
#include "rasflow/site.h"

#define CMD "monitor"
#define STR_(x) #x
#define STR(x) STR_(x)			/* a number macro as a string literal */

#define TICK_MS 250

/* Set by the signal handlers, read by the loop: the only state a handler
 * may touch. `wake` makes rasflow_capture_run return. */
static volatile sig_atomic_t sig_wake, sig_term, sig_hup;

struct args {
	struct rasflow_cli_common co;	/* --rules, --site, -o, --no-dpi, --fail-on, --max-flows */
	const char *iface, *user;
	char *filter;			/* BPF words joined; owned */
	bool jsonl;
	unsigned long interval, syn_timeout;
	unsigned long snaplen, buffer_kib;	/* -s, -B (tcpdump's units); 0 = default */
	bool immediate, no_promisc;		/* --immediate-mode, -p */
};

/* What the hooks and the tick need. */
struct run {
	const struct args *a;
	struct rasflow_ruleset *rs;	/* current rules and site (owned; swapped on reload) */
	struct rasflow_site *site;
	struct rasflow_pipeline pl;	/* DPI (NULL with --no-dpi), the analysis, pl.rs = rs */
	struct rasflow_monitor *mon;
	struct rasflow_engine *eng;
	struct rasflow_capture *cap;
	size_t max_flows;
	FILE *out;
	bool utf8;
	bool write_failed;
	rasflow_ts next_stats;
};

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		sig_hup = 1;
	else
		sig_term = 1;
	sig_wake = 1;
}

static void watch_new(void *user, struct rasflow_flow *f)
{
	struct run *r = user;

	rasflow_monitor_flow_new(r->mon, f);
}

static void watch_app(void *user, struct rasflow_flow *f, rasflow_ts ts)
{
	struct run *r = user;
	char nb[128];

	rasflow_monitor_flow_app(r->mon, f,
				 rasflow_dpi_app_name(r->pl.dpi, f->app_master, f->app_proto, nb,
						      sizeof(nb)), ts);
}

static void watch_event(void *user, struct rasflow_flow *f, int event, rasflow_ts ts)
{
	struct run *r = user;

	rasflow_monitor_flow_event(r->mon, f, event, ts);
}

static void watch_end(void *user, struct rasflow_flow *f, enum rasflow_flow_end why)
{
	struct run *r = user;

	rasflow_monitor_flow_end(r->mon, f, why);
}

/* Output failed: say so once and stop the run. */
static void write_failed(struct run *r)
{
	if (!r->write_failed)
		fprintf(stderr, "%s: cannot write: %s\n", r->a->co.output ? r->a->co.output :
			"standard output", strerror(errno));
	r->write_failed = true;
	sig_term = 1;
	sig_wake = 1;
}

static void on_alert(void *user, const struct rasflow_alert *al)
{
	struct run *r = user;

	if (r->write_failed)
		return;
	if (rasflow_monitor_write_alert(r->mon, al, r->a->jsonl, r->utf8, r->out) < 0)
		write_failed(r);
}

/* The capture's clock moved: SYN timer, missing windows, periodic summary. */
static void tick(void *user, rasflow_ts now)
{
	struct run *r = user;
	rasflow_ts every = (rasflow_ts)r->a->interval * 1000000;
	struct rasflow_monitor_live l;
	struct rasflow_capture_stats cs;

	rasflow_monitor_tick(r->mon, r->eng->ft, now);
	if (r->next_stats == 0)
		r->next_stats = now + every;
	if (now < r->next_stats || r->write_failed)
		return;
	r->next_stats = now + every;
	memset(&l, 0, sizeof(l));
	l.now = now;
	l.packets = r->eng->st.packets;
	l.bytes = r->eng->st.wire_bytes;
	l.copies = r->eng->st.copies;
	l.copies_dropped = r->eng->drop_copies;
	l.flows = rasflow_flowtab_stats(r->eng->ft);
	l.max_flows = r->max_flows;
	if (rasflow_capture_stats(r->cap, &cs) == 0) {
		l.has_drops = true;
		l.received = cs.received;
		l.dropped = cs.dropped;
		l.ifdropped = cs.ifdropped;
	}
	if (rasflow_monitor_write_stats(r->mon, &l, r->a->jsonl, r->out) < 0)
		write_failed(r);
}

/* The BPF words after the options, joined by spaces (NULL when none). */
static int join_filter(int argc, char **argv, struct args *a)
{
	size_t len = 0;

	if (optind >= argc)
		return 0;
	for (int i = optind; i < argc; i++)
		len += strlen(argv[i]) + 1;
	a->filter = malloc(len);
	if (a->filter == NULL)
		return RASFLOW_ENOMEM;
	a->filter[0] = '\0';
	for (int i = optind; i < argc; i++) {
		if (i > optind)
			strcat(a->filter, " ");
		strcat(a->filter, argv[i]);
	}
	return 0;
}

/* Parse argv into a; returns -1 when the command should exit with *rc. */
static int parse_args(int argc, char **argv, struct args *a, int *rc)
{
	enum { O_FORMAT = RASFLOW_OPT_OWN, O_INTERVAL, O_SYNTIMEOUT, O_IMMEDIATE };
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		RASFLOW_CLI_COMMON_OPTIONS,
		{ "format", required_argument, NULL, O_FORMAT },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "syn-timeout", required_argument, NULL, O_SYNTIMEOUT },
		{ "user", required_argument, NULL, 'Z' },
		{ "snapshot-length", required_argument, NULL, 's' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "buffer-size", required_argument, NULL, 'B' },
		{ "immediate-mode", no_argument, NULL, O_IMMEDIATE },
		{ "no-promiscuous-mode", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	int c, taken;

	memset(a, 0, sizeof(*a));
	a->co.fail_on = RASFLOW_FAIL_ON_DEFAULT;
	a->interval = 60;
	a->syn_timeout = 3;
	optind = 0;	/* glibc: full re-initialisation, so tests may call us twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+i:o:Z:s:B:ph", opts, NULL)) != -1) {
		taken = rasflow_cli_common_opt(CMD, c, &a->co, rc);
		if (taken < 0)
			return -1;
		if (taken > 0)
			continue;
		switch (c) {
		case 'i':
			a->iface = optarg;
			break;
		case O_FORMAT:
			if (strcmp(optarg, "text") == 0) {
				a->jsonl = false;
			} else if (strcmp(optarg, "jsonl") == 0) {
				a->jsonl = true;
			} else {
				*rc = rasflow_cli_usage_error(CMD, "unknown format '%s' (monitor: text or jsonl)",
							      optarg);
				return -1;
			}
			break;
		case 'Z':
			a->user = optarg;
			break;
		case 's':
			if (!rasflow_cli_parse_ulong(optarg, RASFLOW_MAX_SNAPLEN, &a->snaplen) ||
			    a->snaplen < RASFLOW_MIN_SNAPLEN) {
				*rc = rasflow_cli_usage_error(CMD, "--snaplen: '%s' is not a number of bytes from "
							      STR(RASFLOW_MIN_SNAPLEN) " to "
							      STR(RASFLOW_MAX_SNAPLEN), optarg);
				return -1;
			}
			break;
		case 'B':
			if (!rasflow_cli_parse_ulong(optarg, RASFLOW_MAX_BUFFER_KIB, &a->buffer_kib)) {
				*rc = rasflow_cli_usage_error(CMD, "--buffer-size: '%s' is not a number of KiB from 1 to "
							      STR(RASFLOW_MAX_BUFFER_KIB), optarg);
				return -1;
			}
			break;
		case O_IMMEDIATE:
			a->immediate = true;
			break;
		case 'p':
			a->no_promisc = true;
			break;
		case O_INTERVAL:
			if (!rasflow_cli_parse_ulong(optarg, 7ul * 86400, &a->interval)) {
				*rc = rasflow_cli_usage_error(CMD, "--interval: '%s' is not a number of seconds from 1 to 604800",
							      optarg);
				return -1;
			}
			break;
		case O_SYNTIMEOUT:
			if (!rasflow_cli_parse_ulong(optarg, 3600, &a->syn_timeout)) {
				*rc = rasflow_cli_usage_error(CMD, "--syn-timeout: '%s' is not a number of seconds from 1 to 3600",
							      optarg);
				return -1;
			}
			break;
		default:
			*rc = rasflow_cli_bad_option(CMD, "ioZsB", argv[optind - 1]);
			return -1;
		}
	}
	if (a->iface == NULL) {
		*rc = rasflow_cli_usage_error(CMD, "%s", "no interface given (-i IFACE)");
		return -1;
	}
	if (join_filter(argc, argv, a) < 0) {
		fprintf(stderr, "rasflow monitor: out of memory\n");
		*rc = RASFLOW_EXIT_ERROR;
		return -1;
	}
	return 0;
}

/* Like tcpdump -Z: give up root once the capture and the output are open.
 * Started as root: to USER (default nobody; "root" keeps root). Otherwise
 * only -Z naming another user is an error. */
static int drop_privileges(const char *user)
{
	const char *name = user ? user : "nobody";
	struct passwd *pw;

	if (strcmp(name, "root") == 0)
		return 0;
	if (geteuid() != 0) {
		pw = user ? getpwnam(user) : NULL;
		if (user != NULL && (pw == NULL || pw->pw_uid != geteuid())) {
			fprintf(stderr, "rasflow monitor: -Z %s: not running as root, cannot change user\n",
				user);
			return -1;
		}
		return 0;
	}
	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL) {
		fprintf(stderr, "rasflow monitor: -Z %s: no such user%s\n", name,
			user ? "" : " (use -Z USER, or -Z root to keep root)");
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		fprintf(stderr, "rasflow monitor: -Z %s: cannot drop privileges: %s\n", name,
			strerror(errno));
		return -1;
	}
	/* verify: the ids changed and root cannot be had back */
	if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid || getgid() != pw->pw_gid ||
	    getegid() != pw->pw_gid || (pw->pw_uid != 0 && setuid(0) == 0)) {
		fprintf(stderr, "rasflow monitor: -Z %s: privileges were not dropped\n", name);
		return -1;
	}
	return 0;
}

static rasflow_ts wall_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (rasflow_ts)tv.tv_sec * 1000000 + (rasflow_ts)tv.tv_usec;
}

/* SIGHUP: load both files again; on any error keep what runs now. */
static void reload(struct run *r)
{
	struct rasflow_ruleset *rs;
	struct rasflow_site *site;
	int err;

	fprintf(stderr, "rasflow monitor: SIGHUP: reloading %s and %s\n",
		r->a->co.rules ? r->a->co.rules : "the built-in rules",
		r->a->co.site ? r->a->co.site : "no site file");
	if (rasflow_pipeline_load(r->a->co.rules, r->a->co.site, &rs, &site) < 0) {
		fprintf(stderr, "rasflow monitor: reload failed, still using the previous rules and site\n");
		return;
	}
	err = rasflow_analysis_rebind(r->pl.an, rs, site);
	if (err == 0) {
		err = rasflow_monitor_reload(r->mon, wall_now());
		if (err < 0)	/* back to the old files (its windows still match them) */
			rasflow_analysis_rebind(r->pl.an, r->rs, r->site);
	}
	if (err < 0) {
		fprintf(stderr, "rasflow monitor: reload failed (out of memory), still using the previous rules and site\n");
		rasflow_site_free(site);
		rasflow_rules_free(rs);
		return;
	}
	rasflow_site_free(r->site);
	rasflow_rules_free(r->rs);
	r->rs = rs;
	r->pl.rs = rs;
	r->site = site;
	fprintf(stderr, "rasflow monitor: reloaded: %zu rules, %zu site entries\n", rs->nrules,
		site ? rasflow_site_count(site) : (size_t)0);
}

/* Run until SIGINT/SIGTERM, reloading on SIGHUP; <0 when the capture failed. */
static int loop(struct run *r)
{
	struct rasflow_errlist errs;
	int rc;

	for (;;) {
		sig_wake = 0;
		if (sig_term)
			return 0;
		if (sig_hup) {
			sig_hup = 0;
			reload(r);
			continue;
		}
		memset(&errs, 0, sizeof(errs));
		rc = rasflow_capture_run(r->cap, r->eng, tick, r, &sig_wake, &errs);
		if (rc < 0) {
			rasflow_err_print(&errs, stderr);
			return rc;
		}
	}
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: poll() returns EINTR at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* The final report, as analyze writes it. */
static int final_report(struct run *r)
{
	struct rasflow_capture_info ci;
	struct rasflow_report_opts ropts;
	const char *files[1] = { r->a->iface };
	int err;

	rasflow_pipeline_capture_info(&ci, r->eng, files, 1);
	err = rasflow_pipeline_finish(&r->pl, CMD, &ci);
	if (err < 0)
		return err;
	memset(&ropts, 0, sizeof(ropts));
	return rasflow_pipeline_report(&r->pl, r->a->jsonl ? RASFLOW_FMT_JSONL : RASFLOW_FMT_TEXT,
				       &ropts, r->out, r->a->co.output);
}

int rasflow_cmd_monitor(int argc, char **argv)
{
	struct args a;
	struct run run;
	struct rasflow_errlist errs;
	struct rasflow_capture_opts copts;
	struct rasflow_analysis_opts aopts;
	struct rasflow_monitor_opts mopts;
	const struct rasflow_monitor_stats *ms;
	int rc = RASFLOW_EXIT_ERROR;
	bool alerted = false;

	memset(&run, 0, sizeof(run));
	run.out = stdout;
	if (parse_args(argc, argv, &a, &rc) < 0)
		return rc;
	run.a = &a;
	if (rasflow_pipeline_load(a.co.rules, a.co.site, &run.rs, &run.site) < 0)
		goto out;
	run.pl.rs = run.rs;

	rasflow_capture_default_opts(&copts);
	copts.filter = a.filter;
	copts.tick_ms = TICK_MS;
	if (a.snaplen)
		copts.snaplen = (int)a.snaplen;
	if (a.buffer_kib)
		copts.buffer_bytes = (int)(a.buffer_kib * 1024);
	copts.immediate = a.immediate;
	copts.promisc = !a.no_promisc;
	memset(&errs, 0, sizeof(errs));
	run.cap = rasflow_capture_open_live(a.iface, &copts, &errs);
	if (run.cap == NULL) {
		rasflow_err_print(&errs, stderr);
		goto out;
	}
	if (a.co.output != NULL && strcmp(a.co.output, "-") != 0) {
		run.out = fopen(a.co.output, "a");
		if (run.out == NULL) {
			fprintf(stderr, "%s: cannot write: %s\n", a.co.output, strerror(errno));
			run.out = stdout;
			goto out;
		}
	}
	if (drop_privileges(a.user) < 0)
		goto out;
	setvbuf(run.out, NULL, _IOLBF, 0);
	run.utf8 = isatty(fileno(run.out));

	rasflow_analysis_default_opts(&aopts);
	aopts.fail_on = a.co.fail_on;
	if (!a.co.no_dpi && rasflow_pipeline_dpi_start(&run.pl, CMD, &aopts) < 0)
		goto out;
	run.pl.an = rasflow_analysis_new(run.rs, run.site, &aopts);
	rasflow_monitor_default_opts(&mopts);
	mopts.syn_timeout = (unsigned)a.syn_timeout;
	mopts.on_alert = on_alert;
	mopts.user = &run;
	run.mon = run.pl.an ? rasflow_monitor_new(run.pl.an, &mopts) : NULL;

	run.pl.watch.user = &run;
	run.pl.watch.on_new = watch_new;
	run.pl.watch.on_app = watch_app;
	run.pl.watch.on_event = watch_event;
	run.pl.watch.on_end = watch_end;
	run.max_flows = a.co.max_flows ? a.co.max_flows : RASFLOW_DEF_MAX_FLOWS;
	if (run.mon == NULL) {
		fprintf(stderr, "rasflow monitor: out of memory\n");
		goto out;
	}
	run.eng = rasflow_pipeline_engine(&run.pl, CMD, a.co.max_flows, a.co.dedup);
	if (run.eng == NULL)
		goto out;

	install_signals();
	fprintf(stderr, "rasflow monitor: capturing on %s (snaplen %d, buffer %d KiB, %s%s)%s%s\n",
		a.iface, rasflow_capture_snaplen(run.cap), copts.buffer_bytes / 1024,
		copts.promisc ? "promiscuous" : "not promiscuous",
		copts.immediate ? ", immediate" : "", a.filter ? " with filter " : "",
		a.filter ? a.filter : "");
	if (loop(&run) < 0) {
		/* the interface failed: still report what was seen, then exit 2 */
		rasflow_engine_finish(run.eng);
		final_report(&run);
		goto out;
	}
	rasflow_engine_finish(run.eng);
	if (run.pl.err) {
		fprintf(stderr, "rasflow monitor: out of memory while analysing flows\n");
		goto out;
	}
	if (final_report(&run) < 0 || run.write_failed)
		goto out;
	ms = rasflow_monitor_stats(run.mon);
	for (int k = 0; k < RASFLOW_FIND_COUNT; k++)
		if ((a.co.fail_on >> k & 1) && ms->alerts[k] > 0)
			alerted = true;
	rc = alerted || rasflow_analysis_count(run.pl.an, a.co.fail_on) > 0 ?
		     RASFLOW_EXIT_FINDINGS : RASFLOW_EXIT_OK;
out:
	if (run.out != stdout && fclose(run.out) != 0 && rc != RASFLOW_EXIT_ERROR) {
		fprintf(stderr, "%s: cannot write: %s\n", a.co.output, strerror(errno));
		rc = RASFLOW_EXIT_ERROR;
	}
	rasflow_engine_free(run.eng);
	rasflow_monitor_free(run.mon);
	rasflow_analysis_free(run.pl.an);
	rasflow_dpi_free(run.pl.dpi);
	rasflow_capture_free(run.cap);
	rasflow_site_free(run.site);
	rasflow_rules_free(run.rs);
	free(a.filter);
	return rc;
}
