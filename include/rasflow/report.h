/* report.h — render a finished analysis: text, JSON, JSON lines, DOT.
 *
 * One emit function per format over the finished analysis (no callbacks
 * while packets flow): the text report for people, the JSON report of
 * contract.md (fixed key order, RFC 3339 UTC packet timestamps), the
 * same content as one object per line, and a Graphviz digraph. Reporters
 * decide nothing: every verdict and message comes from analyze.h.
 */
#ifndef RASFLOW_REPORT_H
#define RASFLOW_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "rasflow/analyze.h"
#include "rasflow/baseline.h"

enum rasflow_report_format {
	RASFLOW_FMT_TEXT,
	RASFLOW_FMT_JSON,
	RASFLOW_FMT_JSONL,
	RASFLOW_FMT_DOT,
};

struct rasflow_report_opts {
	bool color;			/* text: ANSI colours (a terminal, NO_COLOR unset) */
	bool utf8;			/* text: "→" and "—"; false = plain ASCII ("->", "-") */
	const char *version;		/* tool version; NULL = RASFLOW_VERSION */
	const char *ndpi_version;	/* nDPI version string, NULL when DPI is off */
	const struct rasflow_baseline *baseline;	/* --baseline: add its diff, else NULL */
	const struct rasflow_baseline_diff *baseline_diff;	/* the diff, with baseline */
};

/* "text", "json", "jsonl", "dot" -> format; RASFLOW_EINVAL otherwise. */
int rasflow_report_parse_format(const char *s, enum rasflow_report_format *f);

/* Each returns 0, RASFLOW_ENOMEM, or RASFLOW_EIO when writing failed. */
int rasflow_report_text(const struct rasflow_analysis *an, const struct rasflow_report_opts *o,
			FILE *out);
int rasflow_report_json(const struct rasflow_analysis *an, const struct rasflow_report_opts *o,
			FILE *out);
int rasflow_report_jsonl(const struct rasflow_analysis *an, const struct rasflow_report_opts *o,
			 FILE *out);
/* One edge's contract fields (proto ... last), in the order of the JSON
 * report's "edges" (which adds more after them). A new reference, or NULL
 * when out of memory. */
json_t *rasflow_report_edge_json(const struct rasflow_analysis *an, const struct rasflow_edge *e);

/* A Wireshark / tshark display filter for the packets of the edge (proto,
 * src -> dst, dport; -1 for none) into buf (RASFLOW_DISPLAY_FILTER_LEN
 * holds any): both directions, and the ICMP errors quoting them, since
 * Wireshark matches a field in any header of a packet, quoted ones
 * included. ICMP edges leave those errors out (they belong to the flows
 * they quote); other protocols are selected by number. Returns buf. */
#define RASFLOW_DISPLAY_FILTER_LEN 320
const char *rasflow_report_display_filter(char *buf, size_t len, uint8_t proto,
					  const struct rasflow_addr *src,
					  const struct rasflow_addr *dst, int dport);
/* Graphviz digraph (docs/output.md "DOT graph"): hosts in role clusters,
 * listed edges coloured by verdict, missing findings dashed; `dot -Tsvg`. */
int rasflow_report_dot(const struct rasflow_analysis *an, const struct rasflow_report_opts *o,
		       FILE *out);

#endif
