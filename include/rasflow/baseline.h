/* baseline.h — compare a finished analysis with a known-good JSON report.
 *
 * Loads a report saved by `rasflow analyze --format json` (schema rasflow/1)
 * and diffs its edges, keyed by (proto, src, dst, dport), and its rule
 * statuses against the current analysis: new, gone and changed edges, rule
 * status changes, and which of them are regressions (docs/baseline.md).
 * Counts, bytes, times and flows are never compared. Nothing is printed
 * except by rasflow_baseline_diff_text; no exit status is chosen here.
 */
#ifndef RASFLOW_BASELINE_H
#define RASFLOW_BASELINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "rasflow/analyze.h"
#include "rasflow/err.h"

enum rasflow_bdiff_kind {
	RASFLOW_BD_NEW,			/* in the current analysis, not in the baseline */
	RASFLOW_BD_GONE,		/* in the baseline, not in the current analysis */
	RASFLOW_BD_CHANGED,		/* in both, with another verdict */
};

/* One edge difference. */
struct rasflow_bdiff_edge {
	enum rasflow_bdiff_kind kind;
	int edge;			/* index in rasflow_analysis_edges(), -1 for gone */
	int base;			/* index of the baseline edge, -1 for new */
	enum rasflow_verdict old_verdict;	/* baseline verdict (gone, changed) */
	enum rasflow_verdict new_verdict;	/* current verdict (new, changed) */
	bool regression;
	const char *why;		/* static: why it is (or is not) a regression */
};

/* One rule whose status differs. */
struct rasflow_bdiff_rule {
	size_t rule;			/* index in the current ruleset */
	int base;			/* index of the baseline rule entry */
	enum rasflow_rule_state new_state;
	bool regression;		/* seen -> failed or missing */
};

struct rasflow_baseline_diff {
	struct rasflow_bdiff_edge *edges;	/* new, then gone, then changed; each in report order */
	size_t nedges;
	struct rasflow_bdiff_rule *rules;	/* in ruleset order */
	size_t nrules;
	size_t nnew, ngone, nchanged;	/* edge items by kind */
	size_t regressions;		/* edge and rule items with regression set */
};

struct rasflow_baseline;

/* Load and check a JSON report. NULL on error, with messages that name the
 * file (and line:col for JSON syntax errors) in err. */
struct rasflow_baseline *rasflow_baseline_load(const char *path, struct rasflow_errlist *err);
void rasflow_baseline_free(struct rasflow_baseline *b);

/* The file name as given to load. */
const char *rasflow_baseline_path(const struct rasflow_baseline *b);

/* Diff the baseline against a finished analysis into *out (zeroed first;
 * release with rasflow_baseline_diff_fini). 0 or RASFLOW_ENOMEM. */
int rasflow_baseline_compare(const struct rasflow_baseline *b, const struct rasflow_analysis *an,
			     struct rasflow_baseline_diff *out);
void rasflow_baseline_diff_fini(struct rasflow_baseline_diff *d);

/* The report's "baseline" object: file, capture of the baseline, regressions,
 * new, gone, changed (edges as in the report's "edges", each with
 * "regression"; changed ones with old_verdict and new_verdict) and rules.
 * A new reference, or NULL when out of memory. */
json_t *rasflow_baseline_diff_json(const struct rasflow_baseline *b,
				   const struct rasflow_baseline_diff *d,
				   const struct rasflow_analysis *an);

/* The diff for people: "+ new", "- gone", "~ changed ok -> failed" lines, then
 * rule status changes. utf8: "→" between addresses, else "->".
 * 0 or RASFLOW_EIO. */
int rasflow_baseline_diff_text(const struct rasflow_baseline *b,
			       const struct rasflow_baseline_diff *d,
			       const struct rasflow_analysis *an, bool utf8, FILE *out);

#endif
