/* pipeline.h — the wiring `analyze`, `monitor` and the pipeline fuzzer share:
 * rules and site loading (errors printed), nDPI start-up, the engine and its
 * hooks feeding DPI and the analysis, the capture summary and the final report. It parses no
 * options, opens no capture and chooses no exit status. */
#ifndef RASFLOW_PIPELINE_H
#define RASFLOW_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "rasflow/analyze.h"
#include "rasflow/dpi.h"
#include "rasflow/engine.h"
#include "rasflow/flow.h"
#include "rasflow/report.h"
#include "rasflow/rules.h"
#include "rasflow/site.h"

/* What a command adds to the plain hooks; every member is optional. */
struct rasflow_pipeline_watch {
	void *user;
	void (*on_new)(void *user, struct rasflow_flow *f);	/* after DPI saw the flow */
	/* DPI has just named the flow's application */
	void (*on_app)(void *user, struct rasflow_flow *f, rasflow_ts ts);
	void (*on_event)(void *user, struct rasflow_flow *f, int event, rasflow_ts ts);
	void (*on_end)(void *user, struct rasflow_flow *f,
		       enum rasflow_flow_end why);	/* after DPI, before the analysis */
};

/* What the flow hooks need; zero it, then fill rs, an (and watch). */
struct rasflow_pipeline {
	const struct rasflow_ruleset *rs;	/* orients flows (is_service_port) */
	struct rasflow_dpi *dpi;		/* NULL with --no-dpi; freed by the caller */
	struct rasflow_analysis *an;		/* takes the finished flows and the names */
	struct rasflow_pipeline_watch watch;
	int err;				/* first error from the analysis (ENOMEM) */
};

/* Rules (the file, or the built-in ones when rules is NULL) and the site
 * (none when site is NULL); errors printed with file:line:col on stderr.
 * 0, or -1 with *rs and *site NULL (nothing to free). */
int rasflow_pipeline_load(const char *rules, const char *site, struct rasflow_ruleset **rs,
			  struct rasflow_site **out_site);

/* Start nDPI into p->dpi, names it finds going to p->an, and point ao's
 * app_name at it. -1 after "rasflow CMD: cannot start nDPI" on stderr. */
int rasflow_pipeline_dpi_start(struct rasflow_pipeline *p, const char *cmd,
			       struct rasflow_analysis_opts *ao);

/* Engine hooks (user = p): DPI on each flow, finished flows to p->an, with
 * p->watch called at its points. */
void rasflow_pipeline_hooks(struct rasflow_pipeline *p, struct rasflow_flow_hooks *h);

/* The engine with p's hooks, a flow-table cap of max_flows (0: the
 * default), and a mirror's copies counted, or dropped with dedup. NULL after
 * "rasflow CMD: out of memory" on stderr. */
struct rasflow_engine *rasflow_pipeline_engine(struct rasflow_pipeline *p, const char *cmd,
					       size_t max_flows, bool dedup);

/* The capture summary of what eng read from files. */
void rasflow_pipeline_capture_info(struct rasflow_capture_info *ci,
				   const struct rasflow_engine *eng, const char *const *files,
				   size_t nfiles);

/* rasflow_analysis_finish; "rasflow CMD: out of memory while classifying"
 * on stderr when it fails. 0 or RASFLOW_ENOMEM. */
int rasflow_pipeline_finish(struct rasflow_pipeline *p, const char *cmd,
			    const struct rasflow_capture_info *ci);

/* Write the report in fmt to out and flush it (ro: baseline members filled by
 * the caller; ndpi_version, utf8 and color are set here, text on a terminal
 * gets UTF-8 and, unless NO_COLOR, colour). On error it says so on stderr,
 * naming output (NULL = standard output). 0, RASFLOW_ENOMEM or RASFLOW_EIO. */
int rasflow_pipeline_report(const struct rasflow_pipeline *p, enum rasflow_report_format fmt,
			    struct rasflow_report_opts *ro, FILE *out, const char *output);

#endif
