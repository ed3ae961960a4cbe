/* baseline.c — diff a finished analysis against a known-good JSON report.
 *
 * The baseline is parsed with jansson and kept as its JSON tree; edges are
 * indexed by (proto, src, dst, dport) in a sorted array. Only verdicts and
 * rule statuses are compared, never counts, bytes, times or flows, so two
 * captures of the same healthy farm compare equal. Regressions are defined
 * in docs/baseline.md; this file is the only place that decides them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rasflow/baseline.h"
#include "rasflow/report.h"

#define SCHEMA "rasflow/1"

/* One edge of the baseline report. */
struct bedge {
	uint8_t proto;
	struct rasflow_addr src, dst;
	int dport;			/* -1 = null */
	enum rasflow_verdict verdict;
	const char *rule;		/* rule id or NULL; points into the JSON tree */
	json_t *obj;			/* the edge object (borrowed from the tree) */
	size_t pos;			/* index in the report's "edges" */
};

/* One entry of the baseline's "rules". */
struct brule {
	const char *id;			/* points into the JSON tree */
	const char *status;
};

struct rasflow_baseline {
	char *path;
	const char *given;		/* the caller's path, for errors while loading (borrowed) */
	json_t *root;			/* the whole report; owns every string above */
	struct bedge *edges;		/* sorted by key (edge_cmp) */
	size_t *order;			/* indexes in edges[], in report order */
	size_t nedges;
	struct brule *rules;		/* in report order */
	size_t nrules;
};

/* Order of edge keys: proto, src, dst, dport. */
static int key_cmp(uint8_t pa, const struct rasflow_addr *sa, const struct rasflow_addr *da,
		   int porta, const struct bedge *b)
{
	int c;

	if (pa != b->proto)
		return pa < b->proto ? -1 : 1;
	c = rasflow_addr_cmp(sa, &b->src);
	if (c != 0)
		return c;
	c = rasflow_addr_cmp(da, &b->dst);
	if (c != 0)
		return c;
	return porta < b->dport ? -1 : porta > b->dport ? 1 : 0;
}

static int edge_cmp(const void *x, const void *y)
{
	const struct bedge *a = x, *b = y;
	int c = key_cmp(a->proto, &a->src, &a->dst, a->dport, b);

	if (c != 0)
		return c;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* The inverse of rasflow_proto_str. */
static bool parse_proto(const char *s, uint8_t *out)
{
	char buf[RASFLOW_PROTO_STRLEN];

	for (unsigned p = 0; p < 256; p++) {
		if (strcmp(rasflow_proto_str((uint8_t)p, buf), s) == 0) {
			*out = (uint8_t)p;
			return true;
		}
	}
	return false;
}

static bool parse_verdict(const char *s, enum rasflow_verdict *out)
{
	for (int v = 0; v < RASFLOW_V_COUNT; v++) {
		if (strcmp(rasflow_verdict_name((enum rasflow_verdict)v), s) == 0) {
			*out = (enum rasflow_verdict)v;
			return true;
		}
	}
	return false;
}

static bool known_status(const char *s)
{
	for (int st = RASFLOW_RS_SEEN; st <= RASFLOW_RS_NA; st++)
		if (strcmp(rasflow_rule_state_name((enum rasflow_rule_state)st), s) == 0)
			return true;
	return false;
}

/* A string member, or NULL (then *bad is set unless null is allowed and the
 * member is JSON null). */
static const char *get_str(json_t *o, const char *k, bool null_ok, bool *bad)
{
	json_t *v = json_object_get(o, k);

	if (json_is_string(v))
		return json_string_value(v);
	if (!(null_ok && json_is_null(v)))
		*bad = true;
	return NULL;
}

/* Fill one baseline edge from its JSON object; false with a message. */
static bool load_edge(struct rasflow_baseline *b, json_t *o, size_t i, struct rasflow_errlist *err)
{
	struct bedge *e = &b->edges[b->nedges];
	bool bad = false;
	const char *proto, *src, *dst, *verdict;
	json_t *port;

	if (!json_is_object(o)) {
		rasflow_err_add(err, b->given, 0, 0, "edges[%zu] is not an object", i);
		return false;
	}
	proto = get_str(o, "proto", false, &bad);
	src = get_str(o, "src", false, &bad);
	dst = get_str(o, "dst", false, &bad);
	verdict = get_str(o, "verdict", false, &bad);
	e->rule = get_str(o, "rule", true, &bad);
	port = json_object_get(o, "dport");
	if (bad || (!json_is_null(port) && !json_is_integer(port))) {
		rasflow_err_add(err, b->given, 0, 0,
				"edges[%zu]: needs \"proto\", \"src\", \"dst\", \"verdict\" (strings), \"rule\" (string or null) and \"dport\" (integer or null)",
				i);
		return false;
	}
	if (!parse_proto(proto, &e->proto)) {
		rasflow_err_add(err, b->given, 0, 0, "edges[%zu]: unknown proto '%s'", i, proto);
		return false;
	}
	if (!rasflow_addr_parse(src, &e->src) || !rasflow_addr_parse(dst, &e->dst)) {
		rasflow_err_add(err, b->given, 0, 0, "edges[%zu]: '%s' or '%s' is not an IP address", i,
				src, dst);
		return false;
	}
	if (!parse_verdict(verdict, &e->verdict)) {
		rasflow_err_add(err, b->given, 0, 0, "edges[%zu]: unknown verdict '%s'", i, verdict);
		return false;
	}
	if (json_is_integer(port)) {
		json_int_t p = json_integer_value(port);

		if (p < 0 || p > 65535) {
			rasflow_err_add(err, b->given, 0, 0, "edges[%zu]: dport %lld out of range", i,
					(long long)p);
			return false;
		}
		e->dport = (int)p;
	} else {
		e->dport = -1;
	}
	e->obj = o;
	e->pos = i;
	b->nedges++;
	return true;
}

/* Fill one baseline rule entry; false with a message. */
static bool load_rule(struct rasflow_baseline *b, json_t *o, size_t i, struct rasflow_errlist *err)
{
	struct brule *r = &b->rules[b->nrules];
	bool bad = false;

	r->id = json_is_object(o) ? get_str(o, "id", false, &bad) : NULL;
	r->status = json_is_object(o) ? get_str(o, "status", false, &bad) : NULL;
	if (r->id == NULL || r->status == NULL) {
		rasflow_err_add(err, b->given, 0, 0,
				"rules[%zu]: needs \"id\" and \"status\" (strings)", i);
		return false;
	}
	if (!known_status(r->status)) {
		rasflow_err_add(err, b->given, 0, 0, "rules[%zu]: unknown status '%s' of rule %s", i,
				r->status, r->id);
		return false;
	}
	b->nrules++;
	return true;
}

/* Check the report's top level and index its edges and rules. */
static int load_tree(struct rasflow_baseline *b, struct rasflow_errlist *err)
{
	json_t *schema, *edges, *rules, *v;
	size_t i;

	if (!json_is_object(b->root)) {
		rasflow_err_add(err, b->given, 0, 0,
				"not a rasflow JSON report: the top level is not an object");
		return RASFLOW_EINVAL;
	}
	schema = json_object_get(b->root, "schema");
	if (!json_is_string(schema)) {
		rasflow_err_add(err, b->given, 0, 0,
				"not a rasflow JSON report: no \"schema\" (expected \"%s\"; save the baseline with 'rasflow analyze --format json')",
				SCHEMA);
		return RASFLOW_EINVAL;
	}
	if (strcmp(json_string_value(schema), SCHEMA) != 0) {
		rasflow_err_add(err, b->given, 0, 0,
				"unsupported report schema \"%s\" (this rasflow reads \"%s\")",
				json_string_value(schema), SCHEMA);
		return RASFLOW_EINVAL;
	}
	edges = json_object_get(b->root, "edges");
	rules = json_object_get(b->root, "rules");
	if (!json_is_array(edges) || !json_is_array(rules)) {
		rasflow_err_add(err, b->given, 0, 0,
				"not a rasflow JSON report: \"edges\" and \"rules\" must be arrays");
		return RASFLOW_EINVAL;
	}
	b->edges = calloc(json_array_size(edges) + 1, sizeof(*b->edges));
	b->rules = calloc(json_array_size(rules) + 1, sizeof(*b->rules));
	if (b->edges == NULL || b->rules == NULL)
		return RASFLOW_ENOMEM;
	json_array_foreach(edges, i, v)
		if (!load_edge(b, v, i, err))
			return RASFLOW_EINVAL;
	json_array_foreach(rules, i, v)
		if (!load_rule(b, v, i, err))
			return RASFLOW_EINVAL;
	qsort(b->edges, b->nedges, sizeof(*b->edges), edge_cmp);
	b->order = calloc(b->nedges + 1, sizeof(*b->order));
	if (b->order == NULL)
		return RASFLOW_ENOMEM;
	for (i = 0; i < b->nedges; i++)
		b->order[b->edges[i].pos] = i;
	return 0;
}

struct rasflow_baseline *rasflow_baseline_load(const char *path, struct rasflow_errlist *err)
{
	struct rasflow_baseline *b = calloc(1, sizeof(*b));
	json_error_t jerr;
	FILE *f = NULL;
	int rc;

	if (b != NULL)
		b->given = path;
	if (b == NULL || (b->path = strdup(path)) == NULL) {
		rasflow_err_add(err, path, 0, 0, "out of memory loading the baseline");
		goto fail;
	}
	f = fopen(path, "r");
	if (f == NULL) {
		rasflow_err_add(err, path, 0, 0, "cannot open the baseline report: %s",
				strerror(errno));
		goto fail;
	}
	b->root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (b->root == NULL) {
		rasflow_err_add(err, path, jerr.line > 0 ? (unsigned)jerr.line : 0,
				jerr.column > 0 ? (unsigned)jerr.column : 0,
				"not a JSON report: %s", jerr.text);
		goto fail;
	}
	rc = load_tree(b, err);
	if (rc == RASFLOW_ENOMEM)
		rasflow_err_add(err, path, 0, 0, "out of memory loading the baseline");
	if (rc < 0)
		goto fail;
	return b;
fail:
	rasflow_baseline_free(b);
	return NULL;
}

void rasflow_baseline_free(struct rasflow_baseline *b)
{
	if (b == NULL)
		return;
	json_decref(b->root);
	free(b->edges);
	free(b->order);
	free(b->rules);
	free(b->path);
	free(b);
}

const char *rasflow_baseline_path(const struct rasflow_baseline *b)
{
	return b->path;
}

/* failed, unexpected, mismatch: what a finding is made of. */
static bool bad_verdict(enum rasflow_verdict v)
{
	return v == RASFLOW_V_FAILED || v == RASFLOW_V_UNEXPECTED || v == RASFLOW_V_MISMATCH;
}

/* unused and n/a: no traffic either way, so a change between them says
 * nothing about the network (only that a role lost or gained its hosts). */
static bool quiet_status(const char *s)
{
	return strcmp(s, "unused") == 0 || strcmp(s, "n/a") == 0;
}

/* Index of a rule id in the ruleset, or -1. */
static int rule_index(const struct rasflow_ruleset *rs, const char *id)
{
	if (id == NULL)
		return -1;
	for (size_t i = 0; i < rs->nrules; i++)
		if (strcmp(rs->rules[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* Baseline edge with this key not yet matched, or NULL. */
static const struct bedge *find_edge(const struct rasflow_baseline *b, const struct rasflow_edge *e,
				     const bool *used)
{
	int port = e->has_port ? e->dport : -1;
	size_t lo = 0, hi = b->nedges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(e->proto, &e->src, &e->dst, port, &b->edges[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < b->nedges; lo++) {
		if (key_cmp(e->proto, &e->src, &e->dst, port, &b->edges[lo]) != 0)
			return NULL;
		if (!used[lo])
			return &b->edges[lo];
	}
	return NULL;
}

static int push(struct rasflow_baseline_diff *d, size_t *cap, const struct rasflow_bdiff_edge *it)
{
	if (d->nedges == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct rasflow_bdiff_edge *n = realloc(d->edges, nc * sizeof(*n));

		if (n == NULL)
			return RASFLOW_ENOMEM;
		d->edges = n;
		*cap = nc;
	}
	d->edges[d->nedges++] = *it;
	if (it->regression)
		d->regressions++;
	return 0;
}

/* Classify a changed edge: worse is a regression, the rest is information. */
static void judge_changed(struct rasflow_bdiff_edge *it)
{
	if (it->old_verdict == RASFLOW_V_OK) {
		it->regression = true;
		it->why = "was ok in the baseline";
	} else if (it->old_verdict == RASFLOW_V_IGNORED && bad_verdict(it->new_verdict)) {
		it->regression = true;
		it->why = "was ignored in the baseline";
	} else if (it->new_verdict == RASFLOW_V_OK) {
		it->why = "fixed since the baseline";
	} else {
		it->why = "already a problem in the baseline";
	}
}

/* Classify a gone edge: an ok edge of a steady rule, when the capture spans
 * the rule's window (as for missing findings), is a regression. */
static void judge_gone(struct rasflow_bdiff_edge *it, const struct bedge *be,
		       const struct rasflow_analysis *an)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(an);
	const struct rasflow_capture_summary *cs = rasflow_analysis_capture(an);
	int ri = rule_index(rs, be->rule);
	const struct rasflow_rule *r = ri >= 0 ? &rs->rules[ri] : NULL;
	unsigned window;
	rasflow_ts span = cs->end > cs->start ? cs->end - cs->start : 0;

	if (be->verdict != RASFLOW_V_OK) {
		it->why = "was not ok in the baseline";
		return;
	}
	if (r == NULL) {
		it->why = be->rule ? "its rule is not in the current ruleset" : "had no rule";
		return;
	}
	if (r->traffic != RASFLOW_TRAFFIC_STEADY) {
		if (r->traffic == RASFLOW_TRAFFIC_ONDEMAND)
			it->why = "on-demand rule: its absence is normal";
		else if (r->traffic == RASFLOW_TRAFFIC_MIXED)
			it->why = "mixed rule (not steady): its absence is normal";
		else
			it->why = "rule not known to be steady: its absence is normal";
		return;
	}
	window = rasflow_analysis_opts(an)->window ? rasflow_analysis_opts(an)->window :
		 r->window ? r->window : 60;
	if (span < (rasflow_ts)window * 1000000) {
		it->why = "steady rule, but the capture is shorter than its window";
		return;
	}
	it->regression = true;
	it->why = "steady traffic that stopped";
}

int rasflow_baseline_compare(const struct rasflow_baseline *b, const struct rasflow_analysis *an,
			     struct rasflow_baseline_diff *out)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(an);
	const struct rasflow_rule_status *st = rasflow_analysis_rules(an);
	const struct rasflow_edge *ev;
	bool *used = calloc(b->nedges + 1, sizeof(*used));
	int *match = NULL;
	size_t n, cap = 0;
	int rc = RASFLOW_ENOMEM;

	memset(out, 0, sizeof(*out));
	ev = rasflow_analysis_edges(an, &n);
	match = calloc(n + 1, sizeof(*match));
	if (used == NULL || match == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct bedge *be = find_edge(b, &ev[i], used);

		match[i] = be ? (int)(be - b->edges) : -1;
		if (be != NULL)
			used[be - b->edges] = true;
	}
	/* new: not ignored (ignored edges are not in default reports) */
	for (size_t i = 0; i < n; i++) {
		struct rasflow_bdiff_edge it = { RASFLOW_BD_NEW, (int)i, -1, RASFLOW_V_IGNORED,
						 ev[i].verdict, false, NULL };

		if (match[i] >= 0 || ev[i].verdict == RASFLOW_V_IGNORED)
			continue;
		it.regression = bad_verdict(ev[i].verdict);
		it.why = it.regression ? "a new problem" : "new working traffic";
		if (push(out, &cap, &it) < 0)
			goto out;
		out->nnew++;
	}
	/* gone, in the baseline report's order */
	for (size_t pos = 0; pos < b->nedges; pos++) {
		size_t j = b->order[pos];
		const struct bedge *be = &b->edges[j];
		struct rasflow_bdiff_edge it = { RASFLOW_BD_GONE, -1, (int)j, be->verdict,
						 RASFLOW_V_IGNORED, false, NULL };

		if (used[j] || be->verdict == RASFLOW_V_IGNORED)
			continue;
		judge_gone(&it, be, an);
		if (push(out, &cap, &it) < 0)
			goto out;
		out->ngone++;
	}
	for (size_t i = 0; i < n; i++) {
		const struct bedge *be = match[i] >= 0 ? &b->edges[match[i]] : NULL;
		struct rasflow_bdiff_edge it = { RASFLOW_BD_CHANGED, (int)i, match[i],
						 be ? be->verdict : RASFLOW_V_IGNORED, ev[i].verdict,
						 false, NULL };

		if (be == NULL || be->verdict == ev[i].verdict)
			continue;
		judge_changed(&it);
		if (push(out, &cap, &it) < 0)
			goto out;
		out->nchanged++;
	}
	out->rules = calloc(rs->nrules + 1, sizeof(*out->rules));
	if (out->rules == NULL)
		goto out;
	for (size_t i = 0; i < rs->nrules; i++) {
		const char *now = rasflow_rule_state_name(st[i].state);

		for (size_t j = 0; j < b->nrules; j++) {
			struct rasflow_bdiff_rule *r = &out->rules[out->nrules];

			if (strcmp(b->rules[j].id, rs->rules[i].id) != 0)
				continue;
			if (strcmp(b->rules[j].status, now) == 0 ||
			    (quiet_status(b->rules[j].status) && quiet_status(now)))
				break;
			r->rule = i;
			r->base = (int)j;
			r->new_state = st[i].state;
			r->regression = strcmp(b->rules[j].status, "seen") == 0 &&
					(st[i].state == RASFLOW_RS_FAILED ||
					 st[i].state == RASFLOW_RS_MISSING);
			if (r->regression)
				out->regressions++;
			out->nrules++;
			break;
		}
	}
	rc = 0;
out:
	free(used);
	free(match);
	if (rc < 0)
		rasflow_baseline_diff_fini(out);
	return rc;
}

void rasflow_baseline_diff_fini(struct rasflow_baseline_diff *d)
{
	if (d == NULL)
		return;
	free(d->edges);
	free(d->rules);
	memset(d, 0, sizeof(*d));
}

/* JSON building that keeps going on failure; checked once at the end. */
struct jb {
	bool nomem;
};

static void put(struct jb *j, json_t *o, const char *k, json_t *v)
{
	if (o == NULL || v == NULL || json_object_set_new(o, k, v) != 0)
		j->nomem = true;
}

static void append(struct jb *j, json_t *a, json_t *v)
{
	if (a == NULL || v == NULL || json_array_append_new(a, v) != 0)
		j->nomem = true;
}

/* Invalid UTF-8 (app names come from packets) becomes '?'. */
static json_t *jstr(const char *s)
{
	json_t *v = json_string(s);
	char *c;

	if (v != NULL || s == NULL)
		return v;
	c = strdup(s);
	if (c == NULL)
		return NULL;
	for (char *p = c; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	v = json_string(c);
	free(c);
	return v;
}

/* The baseline's capture files and time span, for the reader's orientation. */
static json_t *base_capture(struct jb *j, const struct rasflow_baseline *b)
{
	json_t *c = json_object_get(b->root, "capture"), *o = json_object();
	static const char *const keys[] = { "files", "start", "end" };

	for (size_t i = 0; i < 3; i++) {
		json_t *v = json_is_object(c) ? json_object_get(c, keys[i]) : NULL;

		put(j, o, keys[i], v != NULL ? json_deep_copy(v) : json_null());
	}
	return o;
}

json_t *rasflow_baseline_diff_json(const struct rasflow_baseline *b,
				   const struct rasflow_baseline_diff *d,
				   const struct rasflow_analysis *an)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(an);
	const struct rasflow_edge *ev;
	struct jb j = { false };
	json_t *root = json_object(), *nw = json_array(), *gone = json_array();
	json_t *chg = json_array(), *rules = json_array();
	size_t n;

	ev = rasflow_analysis_edges(an, &n);
	put(&j, root, "file", jstr(b->path));
	put(&j, root, "capture", base_capture(&j, b));
	put(&j, root, "regressions", json_integer((json_int_t)d->regressions));
	for (size_t i = 0; i < d->nedges; i++) {
		const struct rasflow_bdiff_edge *it = &d->edges[i];
		json_t *o;

		if (it->kind == RASFLOW_BD_GONE) {
			o = json_deep_copy(b->edges[it->base].obj);
		} else {
			o = rasflow_report_edge_json(an, &ev[it->edge]);
		}
		if (it->kind == RASFLOW_BD_CHANGED) {
			put(&j, o, "old_verdict", jstr(rasflow_verdict_name(it->old_verdict)));
			put(&j, o, "new_verdict", jstr(rasflow_verdict_name(it->new_verdict)));
		}
		put(&j, o, "regression", json_boolean(it->regression));
		put(&j, o, "reason", jstr(it->why));
		append(&j, it->kind == RASFLOW_BD_NEW ? nw : it->kind == RASFLOW_BD_GONE ? gone : chg,
		       o);
	}
	put(&j, root, "new", nw);
	put(&j, root, "gone", gone);
	put(&j, root, "changed", chg);
	for (size_t i = 0; i < d->nrules; i++) {
		const struct rasflow_bdiff_rule *r = &d->rules[i];
		json_t *o = json_object();

		put(&j, o, "id", jstr(rs->rules[r->rule].id));
		put(&j, o, "old_status", jstr(b->rules[r->base].status));
		put(&j, o, "new_status", jstr(rasflow_rule_state_name(r->new_state)));
		put(&j, o, "regression", json_boolean(r->regression));
		append(&j, rules, o);
	}
	put(&j, root, "rules", rules);
	if (j.nomem) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* "10.20.0.10 → 10.20.1.22 tcp/30004" (or "ip:112" without a port). */
static void edge_words(char *buf, size_t len, uint8_t proto, const struct rasflow_addr *src,
		       const struct rasflow_addr *dst, int dport, bool utf8)
{
	char s[RASFLOW_ADDR_STRLEN], d[RASFLOW_ADDR_STRLEN], p[RASFLOW_PROTO_STRLEN];

	rasflow_addr_str(src, s);
	rasflow_addr_str(dst, d);
	rasflow_proto_str(proto, p);
	if (dport >= 0)
		snprintf(buf, len, "%s %s %s %s/%d", s, utf8 ? "\u2192" : "->", d, p, dport);
	else
		snprintf(buf, len, "%s %s %s %s", s, utf8 ? "\u2192" : "->", d, p);
}

int rasflow_baseline_diff_text(const struct rasflow_baseline *b,
			       const struct rasflow_baseline_diff *d,
			       const struct rasflow_analysis *an, bool utf8, FILE *out)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(an);
	const struct rasflow_edge *ev;
	size_t n;
	char w[2 * RASFLOW_ADDR_STRLEN + 32];

	ev = rasflow_analysis_edges(an, &n);
	fprintf(out, "\nBASELINE %s: %zu new, %zu gone, %zu changed edges, %zu rule changes; "
		"%zu regression%s\n", b->path, d->nnew, d->ngone, d->nchanged, d->nrules, d->regressions,
		d->regressions == 1 ? "" : "s");
	if (d->nedges == 0 && d->nrules == 0)
		fputs("  no differences\n", out);
	for (size_t i = 0; i < d->nedges; i++) {
		const struct rasflow_bdiff_edge *it = &d->edges[i];
		const char *rule;

		if (it->kind == RASFLOW_BD_GONE) {
			const struct bedge *be = &b->edges[it->base];

			edge_words(w, sizeof(w), be->proto, &be->src, &be->dst, be->dport, utf8);
			rule = be->rule;
			fprintf(out, "  - gone     %s  was %s", w, rasflow_verdict_name(it->old_verdict));
		} else {
			const struct rasflow_edge *e = &ev[it->edge];

			edge_words(w, sizeof(w), e->proto, &e->src, &e->dst,
				   e->has_port ? e->dport : -1, utf8);
			rule = e->rule >= 0 ? rs->rules[e->rule].id : NULL;
			if (it->kind == RASFLOW_BD_NEW)
				fprintf(out, "  + new      %s  %s", w,
					rasflow_verdict_name(it->new_verdict));
			else
				fprintf(out, "  ~ changed  %s  %s -> %s", w,
					rasflow_verdict_name(it->old_verdict),
					rasflow_verdict_name(it->new_verdict));
		}
		fprintf(out, "%s%s  (%s%s)\n", rule ? "  rule " : "", rule ? rule : "",
			it->regression ? "REGRESSION: " : "", it->why);
	}
	for (size_t i = 0; i < d->nrules; i++) {
		const struct rasflow_bdiff_rule *r = &d->rules[i];

		fprintf(out, "  ~ rule     %s  %s -> %s%s\n", rs->rules[r->rule].id,
			b->rules[r->base].status, rasflow_rule_state_name(r->new_state),
			r->regression ? "  (REGRESSION)" : "");
	}
	return ferror(out) ? RASFLOW_EIO : 0;
}
