/* monitor.h — live alerts for `rasflow monitor`, driven by the flow hooks.
 *
 * Alerts once per edge (initiator, responder, protocol, responder port) as
 * things happen: unexpected at an edge's first packet, failed on a refusing
 * RST, an ICMP error or a SYN left unanswered for syn_timeout seconds,
 * mismatch when DPI names an application the rule does not allow, and missing
 * over a rolling window per steady rule. Time is the capture's clock (packet
 * time, wall time when idle), given by the caller. Classification is
 * rasflow_analysis_peek() (site roles only); the final report stays with the
 * analysis. This module does not capture, decode or choose exit statuses.
 */
#ifndef RASFLOW_MONITOR_H
#define RASFLOW_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rasflow/analyze.h"
#include "rasflow/flow.h"

/* One alert: the fields of a finding, plus when it happened. */
struct rasflow_alert {
	enum rasflow_finding_kind kind;
	enum rasflow_severity severity;
	int rule;			/* rule index or -1 */
	int proto;			/* IP protocol, -1 = null */
	bool has_src, has_dst;
	struct rasflow_addr src, dst;
	int dport;			/* -1 = null */
	rasflow_ts time;		/* capture clock */
	const char *message;		/* UTF-8 ("→", "—"); valid during the callback */
};

struct rasflow_monitor_opts {
	unsigned syn_timeout;		/* seconds a SYN may stay unanswered (default 3) */
	unsigned window;		/* steady rules: 0 = each rule's window (60 s if none) */
	size_t max_edges;		/* edges remembered for once-per-edge (default 65536) */
	size_t max_pending;		/* SYNs timed at once (default 4096) */
	unsigned scan_ms;		/* open flows folded into the missing windows at most
					 * this often (default 1000) */
	void (*on_alert)(void *user, const struct rasflow_alert *a);
	void *user;
};

/* Counters for the periodic summary. */
struct rasflow_monitor_stats {
	uint64_t flows;			/* flows seen */
	uint64_t flows_ignored;		/* ... of edges with policy ignored (not remembered) */
	uint64_t alerts[RASFLOW_FIND_COUNT];	/* alerts raised, by kind */
	size_t edges;			/* edges remembered (expected or unexpected) */
	size_t verdicts[RASFLOW_V_COUNT];	/* remembered edges by live verdict (ignored: 0) */
	size_t missing_active;		/* missing alerts whose traffic has not come back */
	size_t pending;			/* SYNs being timed */
	uint64_t edges_refused;		/* edge table full: those edges are not alerted */
	uint64_t pending_refused;	/* SYN list full: those SYNs are not timed */
	uint64_t reloads;
	size_t one_sided;		/* host pairs seen one way only (their replies unseen) */
};

/* Live numbers of the capture for the summary (cmd_monitor.c fills them). */
struct rasflow_monitor_live {
	rasflow_ts now;
	uint64_t packets, bytes;	/* engine counters */
	const struct rasflow_flowtab_stats *flows;
	size_t max_flows;		/* the flow-table cap */
	bool has_drops;			/* pcap_stats answered */
	uint64_t received, dropped, ifdropped;	/* rasflow_capture_stats */
	uint64_t copies;		/* a mirror's copies (engine st.copies) */
	bool copies_dropped;		/* --dedup */
};

struct rasflow_monitor;

void rasflow_monitor_default_opts(struct rasflow_monitor_opts *o);

/* The analysis (not finished) gives the ruleset, the site and the live
 * classifier; it must outlive the monitor. NULL on out-of-memory. */
struct rasflow_monitor *rasflow_monitor_new(struct rasflow_analysis *an,
					    const struct rasflow_monitor_opts *o);
void rasflow_monitor_free(struct rasflow_monitor *m);

/* After rasflow_analysis_rebind(): rebuild the missing windows from the new
 * ruleset and site (they start again at now). Edges already alerted stay
 * alerted. RASFLOW_ENOMEM leaves the monitor as it was. */
int rasflow_monitor_reload(struct rasflow_monitor *m, rasflow_ts now);

/* Flow hooks (call them from the flow table's hooks). flow_app: the DPI just
 * detected app (an nDPI name) on f. flow_end: f leaves the table. */
void rasflow_monitor_flow_new(struct rasflow_monitor *m, struct rasflow_flow *f);
void rasflow_monitor_flow_event(struct rasflow_monitor *m, struct rasflow_flow *f, int event,
				rasflow_ts ts);
void rasflow_monitor_flow_app(struct rasflow_monitor *m, struct rasflow_flow *f,
			      const char *app, rasflow_ts ts);
void rasflow_monitor_flow_end(struct rasflow_monitor *m, struct rasflow_flow *f,
			      enum rasflow_flow_end why);

/* The clock moved to now: time out SYNs, and (ft may be NULL) fold open
 * flows into the missing windows and check them. */
void rasflow_monitor_tick(struct rasflow_monitor *m, struct rasflow_flowtab *ft, rasflow_ts now);

/* Fills the live verdict counts on the way. */
const struct rasflow_monitor_stats *rasflow_monitor_stats(struct rasflow_monitor *m);

/* One alert as a text line (utf8 false: "->" and "-") or a JSON line
 * {"type":"alert","time":...,"kind":...,...}. 0, RASFLOW_ENOMEM or RASFLOW_EIO. */
int rasflow_monitor_write_alert(const struct rasflow_monitor *m, const struct rasflow_alert *a,
				bool jsonl, bool utf8, FILE *out);

/* The periodic summary: a text block or a {"type":"stats",...} line. */
int rasflow_monitor_write_stats(struct rasflow_monitor *m, const struct rasflow_monitor_live *l,
				bool jsonl, FILE *out);

#endif
