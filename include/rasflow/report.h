/* report.h — render a finished analysis: text, JSON, JSON lines.
 *
 * One emit function per format over the finished analysis (no callbacks
 * while packets flow): the text report for people, the JSON report of
 * contract.md (fixed key order, RFC 3339 UTC packet timestamps), and the
 * same content as one object per line. Reporters decide nothing: every
 * verdict and message comes from analyze.h.
 */
#ifndef RASFLOW_REPORT_H
#define RASFLOW_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "rasflow/analyze.h"

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

#endif
