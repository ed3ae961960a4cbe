/* test_baseline.c — --baseline against real captures: the committed sample
 * captures of pcaps/ are analysed as cmd_analyze.c does (without nDPI), one
 * report is saved as JSON and loaded as the baseline, sometimes edited with
 * jansson to stage a difference, and the diff is checked item by item
 * against what the scenarios (pcaps/NAME.scn) say. Also the load errors.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rasflow/analyze.h"
#include "rasflow/baseline.h"
#include "rasflow/capture.h"
#include "rasflow/engine.h"
#include "rasflow/report.h"
#include "rasflow/rules.h"
#include "rasflow/site.h"

/* One analysed capture and what it depends on. */
struct run {
	struct rasflow_ruleset *rs;
	struct rasflow_site *site;
	struct rasflow_analysis *an;
};

static bool hook_port(void *user, uint8_t proto, uint16_t port)
{
	struct run *r = user;

	return rasflow_rules_known_port(r->rs, proto, port);
}

static void hook_end(void *user, struct rasflow_flow *f, enum rasflow_flow_end why)
{
	struct run *r = user;

	(void)why;
	cr_assert_eq(rasflow_analysis_flow(r->an, f), 0);
}

static char *pcap_path(const char *name)
{
	const char *src = getenv("RASFLOW_SRCDIR");
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/pcaps/%s", src ? src : ".", name);
	return buf;
}

/* Analyse pcaps/NAME.pcap with pcaps/NAME.site, as `rasflow analyze --no-dpi`. */
static void analyse(struct run *r, const char *name)
{
	struct rasflow_errlist errs = { 0 };
	struct rasflow_capture_opts copts;
	struct rasflow_analysis_opts aopts;
	struct rasflow_flow_hooks hooks;
	struct rasflow_capture_info ci;
	struct rasflow_capture *cap;
	struct rasflow_engine *eng;
	char site[4200], pcap[4200];
	const char *files[1] = { pcap };
	int rc;

	snprintf(site, sizeof(site), "%s.site", pcap_path(name));
	snprintf(pcap, sizeof(pcap), "%s.pcap", pcap_path(name));
	memset(r, 0, sizeof(*r));
	r->rs = rasflow_rules_builtin(&errs);
	cr_assert_not_null(r->rs);
	r->site = rasflow_site_load(site, r->rs, &errs);
	cr_assert_not_null(r->site, "%s: %s", site, errs.n ? errs.e[0].msg : "?");
	rasflow_analysis_default_opts(&aopts);
	r->an = rasflow_analysis_new(r->rs, r->site, &aopts);
	cr_assert_not_null(r->an);

	rasflow_capture_default_opts(&copts);
	cap = rasflow_capture_open_offline(files, 1, &copts, &errs);
	cr_assert_not_null(cap, "%s: %s", pcap, errs.n ? errs.e[0].msg : "?");
	memset(&hooks, 0, sizeof(hooks));
	hooks.user = r;
	hooks.is_service_port = hook_port;
	hooks.on_end = hook_end;
	eng = rasflow_engine_new(NULL, &hooks);
	cr_assert_not_null(eng);
	rc = rasflow_capture_run(cap, eng, NULL, NULL, NULL, &errs);
	cr_assert_eq(rc, 0);
	rasflow_engine_finish(eng);

	memset(&ci, 0, sizeof(ci));
	ci.files = files;
	ci.nfiles = 1;
	ci.packets = eng->st.packets;
	ci.bytes = eng->st.wire_bytes;
	ci.start = eng->st.first_ts;
	ci.end = eng->st.last_ts;
	cr_assert_eq(rasflow_analysis_finish(r->an, &ci), 0);
	rasflow_engine_free(eng);
	rasflow_capture_free(cap);
}

static void run_free(struct run *r)
{
	rasflow_analysis_free(r->an);
	rasflow_site_free(r->site);
	rasflow_rules_free(r->rs);
}

/* The analysis's JSON report, parsed. */
static json_t *report_of(const struct run *r)
{
	struct rasflow_report_opts ro = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_error_t jerr;
	json_t *j;

	cr_assert_not_null(f);
	cr_assert_eq(rasflow_report_json(r->an, &ro, f), 0);
	fclose(f);
	j = json_loads(buf, 0, &jerr);
	cr_assert_not_null(j, "report does not parse: %s", jerr.text);
	free(buf);
	return j;
}

/* Write JSON (or raw text when j is NULL) to a fresh temporary file. */
static char *tmp_file(json_t *j, const char *text)
{
	static char path[64];
	int fd;
	FILE *f;

	strcpy(path, "/tmp/test_baseline_XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	cr_assert_not_null(f);
	if (j != NULL)
		cr_assert_eq(json_dumpf(j, f, JSON_INDENT(2)), 0);
	else
		fputs(text, f);
	fclose(f);
	return path;
}

static struct rasflow_baseline *load_json(json_t *j)
{
	struct rasflow_errlist errs = { 0 };
	char *path = tmp_file(j, NULL);
	struct rasflow_baseline *b = rasflow_baseline_load(path, &errs);

	cr_assert_not_null(b, "%s", errs.n ? errs.e[0].msg : "?");
	unlink(path);
	return b;
}

/* The report edge object with this key, or NULL. */
static json_t *find_json_edge(json_t *report, const char *proto, const char *src,
			      const char *dst, int dport)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(report, "edges"), i, e) {
		json_t *p = json_object_get(e, "dport");

		if (strcmp(json_string_value(json_object_get(e, "proto")), proto) == 0 &&
		    strcmp(json_string_value(json_object_get(e, "src")), src) == 0 &&
		    strcmp(json_string_value(json_object_get(e, "dst")), dst) == 0 &&
		    (dport < 0 ? json_is_null(p) : json_integer_value(p) == dport))
			return e;
	}
	return NULL;
}

static json_t *find_json_rule(json_t *report, const char *id)
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(report, "rules"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "id")), id) == 0)
			return r;
	return NULL;
}

/* The diff item for this edge key, or NULL. */
static const struct rasflow_bdiff_edge *item(const struct rasflow_baseline_diff *d,
					     const struct run *r, json_t *djson,
					     const char *src, const char *dst, int dport)
{
	const struct rasflow_edge *ev;
	size_t n;
	struct rasflow_addr s, t;

	cr_assert(rasflow_addr_parse(src, &s));
	cr_assert(rasflow_addr_parse(dst, &t));
	ev = rasflow_analysis_edges(r->an, &n);
	for (size_t i = 0; i < d->nedges; i++) {
		const struct rasflow_bdiff_edge *it = &d->edges[i];

		if (it->edge >= 0) {
			const struct rasflow_edge *e = &ev[it->edge];

			if (rasflow_addr_cmp(&e->src, &s) == 0 && rasflow_addr_cmp(&e->dst, &t) == 0 &&
			    e->dport == dport)
				return it;
		}
	}
	/* gone items: look them up in the JSON diff, whose order matches */
	if (djson != NULL) {
		size_t i, k = 0;
		json_t *g;

		for (size_t j = 0; j < d->nedges; j++) {
			if (d->edges[j].kind != RASFLOW_BD_GONE)
				continue;
			g = json_array_get(json_object_get(djson, "gone"), k++);
			if (strcmp(json_string_value(json_object_get(g, "src")), src) == 0 &&
			    strcmp(json_string_value(json_object_get(g, "dst")), dst) == 0 &&
			    json_integer_value(json_object_get(g, "dport")) == dport)
				return &d->edges[j];
		}
		(void)i;
	}
	return NULL;
}

Test(baseline, identical_capture_no_differences)
{
	struct run r;
	struct rasflow_baseline_diff d;
	struct rasflow_baseline *b;
	json_t *rep;

	analyse(&r, "healthy-farm");
	rep = report_of(&r);
	b = load_json(rep);
	cr_assert_eq(rasflow_baseline_compare(b, r.an, &d), 0);
	cr_expect_eq(d.nedges, 0);
	cr_expect_eq(d.nrules, 0);
	cr_expect_eq(d.regressions, 0);
	rasflow_baseline_diff_fini(&d);
	rasflow_baseline_free(b);
	json_decref(rep);
	run_free(&r);
}

/* healthy-farm as the baseline of failed-deployment (pcaps/NAME.scn): the
 * agent heartbeat rdsh1 -> cb1 tcp 20003 and gw1 -> cb2 tcp 20002 worked and
 * now fail; cb1 -> rdsh2 tcp 30004 is new and refused; cb1 -> perf1 tcp 8086
 * (brk-perfmon, steady, 30 s window; failed-deployment spans 67 s) is gone;
 * cb1 -> dc1 tcp 88 (brk-adds-krb, mixed) is gone but not a regression. */
Test(baseline, healthy_farm_vs_failed_deployment)
{
	struct run good, now;
	struct rasflow_baseline_diff d;
	struct rasflow_baseline *b;
	const struct rasflow_bdiff_edge *it;
	json_t *rep, *dj, *chg;
	size_t i;
	bool seen_rule = false;

	analyse(&good, "healthy-farm");
	analyse(&now, "failed-deployment");
	rep = report_of(&good);
	b = load_json(rep);
	cr_assert_eq(rasflow_baseline_compare(b, now.an, &d), 0);
	dj = rasflow_baseline_diff_json(b, &d, now.an);
	cr_assert_not_null(dj);

	it = item(&d, &now, dj, "10.20.1.21", "10.20.0.10", 20003);
	cr_assert_not_null(it);
	cr_expect_eq(it->kind, RASFLOW_BD_CHANGED);
	cr_expect_eq(it->old_verdict, RASFLOW_V_OK);
	cr_expect_eq(it->new_verdict, RASFLOW_V_FAILED);
	cr_expect(it->regression);

	it = item(&d, &now, dj, "10.20.0.20", "10.20.0.11", 20002);
	cr_assert_not_null(it);
	cr_expect_eq(it->kind, RASFLOW_BD_CHANGED);
	cr_expect_eq(it->new_verdict, RASFLOW_V_FAILED);
	cr_expect(it->regression);

	it = item(&d, &now, dj, "10.20.0.10", "10.20.1.22", 30004);
	cr_assert_not_null(it);
	cr_expect_eq(it->kind, RASFLOW_BD_NEW);
	cr_expect_eq(it->new_verdict, RASFLOW_V_FAILED);
	cr_expect(it->regression);

	it = item(&d, &now, dj, "fd00:20::10", "fd00:20::11", 20001);
	cr_assert_not_null(it);
	cr_expect_eq(it->kind, RASFLOW_BD_NEW);
	cr_expect_eq(it->new_verdict, RASFLOW_V_OK);
	cr_expect_not(it->regression);

	it = item(&d, &now, dj, "10.20.0.10", "10.20.0.50", 8086);
	cr_assert_not_null(it);
	cr_expect_eq(it->kind, RASFLOW_BD_GONE);
	cr_expect(it->regression);

	it = item(&d, &now, dj, "10.20.0.10", "10.20.0.60", 88);
	cr_assert_not_null(it);
	cr_expect_eq(it->kind, RASFLOW_BD_GONE);
	cr_expect_not(it->regression);

	/* working in both: not in the diff */
	cr_expect_null(item(&d, &now, dj, "10.20.0.20", "10.20.0.10", 20002));
	cr_expect_null(item(&d, &now, dj, "10.20.0.11", "10.20.0.10", 20030));
	/* rdsh2 heartbeats to cb1 here, to cb2 in the healthy farm: new, ok */
	it = item(&d, &now, dj, "10.20.1.22", "10.20.0.10", 20003);
	cr_assert_not_null(it);
	cr_expect_eq(it->kind, RASFLOW_BD_NEW);
	cr_expect_not(it->regression);

	for (i = 0; i < d.nrules; i++) {
		if (strcmp(now.rs->rules[d.rules[i].rule].id, "brk-rdsh") == 0) {
			cr_expect_eq(d.rules[i].new_state, RASFLOW_RS_FAILED);
			cr_expect(d.rules[i].regression);
			seen_rule = true;
		}
	}
	cr_expect(seen_rule, "brk-rdsh went from seen to failed");
	cr_expect_gt(d.regressions, 5);

	/* the JSON form: changed items carry both verdicts */
	cr_expect_eq(json_integer_value(json_object_get(dj, "regressions")),
		     (json_int_t)d.regressions);
	chg = json_object_get(dj, "changed");
	cr_assert_eq(json_array_size(chg), d.nchanged);
	json_array_foreach(chg, i, rep) {
		cr_expect(json_is_string(json_object_get(rep, "old_verdict")));
		cr_expect(json_is_string(json_object_get(rep, "new_verdict")));
		cr_expect(json_is_boolean(json_object_get(rep, "regression")));
	}
	cr_expect_eq(json_array_size(json_object_get(dj, "new")), d.nnew);
	cr_expect_eq(json_array_size(json_object_get(dj, "gone")), d.ngone);

	json_decref(dj);
	rasflow_baseline_diff_fini(&d);
	rasflow_baseline_free(b);
	run_free(&good);
	run_free(&now);
}

/* A baseline in which the refused cb1 -> rdsh2 tcp 30004 was ok (and its
 * rule seen): changed ok -> failed and seen -> failed, two regressions, and
 * the text form says so. */
Test(baseline, ok_edge_now_failed)
{
	struct run r;
	struct rasflow_baseline_diff d;
	struct rasflow_baseline *b;
	json_t *rep, *e;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	analyse(&r, "failed-deployment");
	rep = report_of(&r);
	e = find_json_edge(rep, "tcp", "10.20.0.10", "10.20.1.22", 30004);
	cr_assert_not_null(e);
	cr_assert_str_eq(json_string_value(json_object_get(e, "verdict")), "failed");
	json_object_set_new(e, "verdict", json_string("ok"));
	json_object_set_new(find_json_rule(rep, "brk-rdsh"), "status", json_string("seen"));
	b = load_json(rep);
	cr_assert_eq(rasflow_baseline_compare(b, r.an, &d), 0);
	cr_assert_eq(d.nedges, 1);
	cr_expect_eq(d.edges[0].kind, RASFLOW_BD_CHANGED);
	cr_expect_eq(d.edges[0].old_verdict, RASFLOW_V_OK);
	cr_expect_eq(d.edges[0].new_verdict, RASFLOW_V_FAILED);
	cr_expect(d.edges[0].regression);
	cr_assert_eq(d.nrules, 1);
	cr_expect_str_eq(r.rs->rules[d.rules[0].rule].id, "brk-rdsh");
	cr_expect(d.rules[0].regression);
	cr_expect_eq(d.regressions, 2);

	f = open_memstream(&text, &len);
	cr_assert_eq(rasflow_baseline_diff_text(b, &d, r.an, false, f), 0);
	fclose(f);
	cr_expect(strstr(text, "~ changed  10.20.0.10 -> 10.20.1.22 tcp/30004  ok -> failed") != NULL,
		  "%s", text);
	cr_expect(strstr(text, "~ rule     brk-rdsh  seen -> failed  (REGRESSION)") != NULL, "%s",
		  text);
	cr_expect(strstr(text, "2 regressions") != NULL, "%s", text);
	free(text);
	rasflow_baseline_diff_fini(&d);
	rasflow_baseline_free(b);
	json_decref(rep);
	run_free(&r);
}

/* rogue-traffic with the client's cli1 -> rdsh1 tcp 30004 taken out of the
 * baseline: that edge is new and unexpected, the only difference. */
Test(baseline, new_unexpected_edge)
{
	struct run r;
	struct rasflow_baseline_diff d;
	struct rasflow_baseline *b;
	const struct rasflow_edge *ev;
	json_t *rep, *edges, *e, *x;
	size_t n, i;

	analyse(&r, "rogue-traffic");
	rep = report_of(&r);
	edges = json_object_get(rep, "edges");
	e = find_json_edge(rep, "tcp", "10.20.9.50", "10.20.1.21", 30004);
	cr_assert_not_null(e);
	cr_assert_str_eq(json_string_value(json_object_get(e, "verdict")), "unexpected");
	json_array_foreach(edges, i, x)
		if (x == e)
			break;
	cr_assert_eq(json_array_remove(edges, i), 0);
	b = load_json(rep);
	cr_assert_eq(rasflow_baseline_compare(b, r.an, &d), 0);
	cr_assert_eq(d.nedges, 1);
	cr_expect_eq(d.nrules, 0);
	cr_expect_eq(d.edges[0].kind, RASFLOW_BD_NEW);
	cr_expect_eq(d.edges[0].new_verdict, RASFLOW_V_UNEXPECTED);
	cr_expect(d.edges[0].regression);
	ev = rasflow_analysis_edges(r.an, &n);
	cr_assert_lt((size_t)d.edges[0].edge, n);
	cr_expect_eq(ev[d.edges[0].edge].dport, 30004);
	cr_expect_eq(d.regressions, 1);
	rasflow_baseline_diff_fini(&d);
	rasflow_baseline_free(b);
	json_decref(rep);
	run_free(&r);
}

/* healthy-farm (179 s) with two more ok edges in its baseline: gw1 -> rdsh2
 * tcp 3389 (gw-rds, on-demand) is gone but normal; rdsh1 -> cb2 tcp 20003
 * (rdsh-brk, steady, 120 s window) is gone and a regression. */
Test(baseline, gone_ondemand_edge_is_not_a_regression)
{
	struct run r;
	struct rasflow_baseline_diff d;
	struct rasflow_baseline *b;
	json_t *rep, *dj, *e, *g;
	size_t i;

	analyse(&r, "healthy-farm");
	rep = report_of(&r);
	e = json_deep_copy(find_json_edge(rep, "tcp", "10.20.0.20", "10.20.1.21", 3389));
	cr_assert_not_null(e);
	cr_assert_str_eq(json_string_value(json_object_get(e, "rule")), "gw-rds");
	json_object_set_new(e, "dst", json_string("10.20.1.22"));
	json_array_append_new(json_object_get(rep, "edges"), e);
	b = load_json(rep);
	cr_assert_eq(rasflow_baseline_compare(b, r.an, &d), 0);
	cr_assert_eq(d.nedges, 1);
	cr_expect_eq(d.edges[0].kind, RASFLOW_BD_GONE);
	cr_expect_eq(d.edges[0].old_verdict, RASFLOW_V_OK);
	cr_expect_not(d.edges[0].regression);
	cr_expect_eq(d.regressions, 0);
	rasflow_baseline_diff_fini(&d);
	rasflow_baseline_free(b);

	e = json_deep_copy(find_json_edge(rep, "tcp", "10.20.1.21", "10.20.0.10", 20003));
	cr_assert_not_null(e);
	json_object_set_new(e, "dst", json_string("10.20.0.11"));
	json_array_append_new(json_object_get(rep, "edges"), e);
	b = load_json(rep);
	cr_assert_eq(rasflow_baseline_compare(b, r.an, &d), 0);
	cr_assert_eq(d.ngone, 2);
	cr_expect_eq(d.regressions, 1);
	dj = rasflow_baseline_diff_json(b, &d, r.an);
	cr_assert_not_null(dj);
	json_array_foreach(json_object_get(dj, "gone"), i, g) {
		bool steady = json_integer_value(json_object_get(g, "dport")) == 20003;

		cr_expect_eq(json_is_true(json_object_get(g, "regression")), steady,
			     "gone edge %zu", i);
	}
	json_decref(dj);
	rasflow_baseline_diff_fini(&d);
	rasflow_baseline_free(b);
	json_decref(rep);
	run_free(&r);
}

Test(baseline, malformed_file_names_the_file)
{
	struct rasflow_errlist errs = { 0 };
	char *path = tmp_file(NULL, "{\n  \"schema\": \"rasflow/1\",\n  \"edges\": [,]\n}\n");

	cr_expect_null(rasflow_baseline_load(path, &errs));
	cr_assert_geq(errs.n, 1);
	cr_expect_str_eq(errs.e[0].file, path);
	cr_expect_eq(errs.e[0].line, 3, "line %u", errs.e[0].line);
	cr_expect(strstr(errs.e[0].msg, "not a JSON report") != NULL, "%s", errs.e[0].msg);
	unlink(path);

	memset(&errs, 0, sizeof(errs));
	cr_expect_null(rasflow_baseline_load("/nonexistent/good.json", &errs));
	cr_assert_eq(errs.n, 1);
	cr_expect_str_eq(errs.e[0].file, "/nonexistent/good.json");
	cr_expect(strstr(errs.e[0].msg, "No such file") != NULL, "%s", errs.e[0].msg);

	/* JSON, but an edge without a verdict */
	memset(&errs, 0, sizeof(errs));
	path = tmp_file(NULL, "{\"schema\": \"rasflow/1\", \"rules\": [], \"edges\": "
			      "[{\"proto\": \"tcp\", \"src\": \"10.0.0.1\", "
			      "\"dst\": \"10.0.0.2\", \"dport\": 1, \"rule\": null}]}");
	cr_expect_null(rasflow_baseline_load(path, &errs));
	cr_assert_eq(errs.n, 1);
	cr_expect_str_eq(errs.e[0].file, path);
	cr_expect(strstr(errs.e[0].msg, "edges[0]") != NULL, "%s", errs.e[0].msg);
	unlink(path);
}

Test(baseline, wrong_schema_is_an_error)
{
	struct rasflow_errlist errs = { 0 };
	char *path = tmp_file(NULL, "{\"schema\": \"rasflow/2\", \"edges\": [], \"rules\": []}");

	cr_expect_null(rasflow_baseline_load(path, &errs));
	cr_assert_eq(errs.n, 1);
	cr_expect_str_eq(errs.e[0].file, path);
	cr_expect_str_eq(errs.e[0].msg,
			 "unsupported report schema \"rasflow/2\" (this rasflow reads \"rasflow/1\")");
	unlink(path);

	memset(&errs, 0, sizeof(errs));
	path = tmp_file(NULL, "{\"edges\": [], \"rules\": []}");
	cr_expect_null(rasflow_baseline_load(path, &errs));
	cr_assert_eq(errs.n, 1);
	cr_expect(strstr(errs.e[0].msg, "no \"schema\"") != NULL, "%s", errs.e[0].msg);
	unlink(path);

	memset(&errs, 0, sizeof(errs));
	path = tmp_file(NULL, "[1, 2]");
	cr_expect_null(rasflow_baseline_load(path, &errs));
	cr_assert_eq(errs.n, 1);
	cr_expect(strstr(errs.e[0].msg, "not an object") != NULL, "%s", errs.e[0].msg);
	unlink(path);
}
