/* report_json.c — the JSON report of contract.md and its JSON-lines twin.
 *
 * Objects are built with jansson (which keeps insertion order, so the key
 * order below is the order on the wire) and never by hand. Contract fields
 * come first in each object, additions after them. Timestamps are RFC 3339
 * UTC with microseconds, taken from the packets.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "rasflow/err.h"
#include "rasflow/report.h"

#ifndef RASFLOW_VERSION
#define RASFLOW_VERSION "unknown"
#endif

/* jansson setters that keep going on failure; the final object is checked
 * once (a NULL value makes json_object_set_new fail and we return ENOMEM). */
struct jb {
	bool nomem;
};

static void put(struct jb *b, json_t *o, const char *k, json_t *v)
{
	if (v == NULL || json_object_set_new(o, k, v) != 0)
		b->nomem = true;
}

static void append(struct jb *b, json_t *a, json_t *v)
{
	if (v == NULL || json_array_append_new(a, v) != 0)
		b->nomem = true;
}

/* A JSON string; bytes that are not valid UTF-8 (names from packets) become
 * '?' rather than failing the report. */
static json_t *jstr(const char *s)
{
	json_t *j = json_string(s);

	if (j == NULL && s != NULL) {
		char *c = strdup(s);

		if (c == NULL)
			return NULL;
		for (char *p = c; *p != '\0'; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		j = json_string(c);
		free(c);
	}
	return j;
}

static json_t *jstr_or_null(const char *s)
{
	return s != NULL ? jstr(s) : json_null();
}

static json_t *jts(rasflow_ts ts)
{
	char buf[RASFLOW_TS_STRLEN];

	return ts != 0 ? jstr(rasflow_ts_rfc3339(ts, true, buf)) : json_null();
}

static json_t *jaddr(const struct rasflow_addr *a)
{
	char buf[RASFLOW_ADDR_STRLEN];

	return jstr(rasflow_addr_str(a, buf));
}

static json_t *jproto(uint8_t proto)
{
	char buf[RASFLOW_PROTO_STRLEN];

	return jstr(rasflow_proto_str(proto, buf));
}

const char *rasflow_report_display_filter(char *buf, size_t len, uint8_t proto,
					  const struct rasflow_addr *src,
					  const struct rasflow_addr *dst, int dport)
{
	char a[RASFLOW_ADDR_STRLEN], b[RASFLOW_ADDR_STRLEN];
	bool v4 = rasflow_addr_is_v4(src);
	const char *ip = v4 ? "ip" : "ipv6";
	const char *l4 = proto == 6 ? "tcp" : proto == 17 ? "udp" : NULL;

	rasflow_addr_str(src, a);
	rasflow_addr_str(dst, b);
	if (l4 != NULL && dport >= 0)
		snprintf(buf, len, "(%s.src==%s && %s.dst==%s && %s.dstport==%d) || "
			 "(%s.src==%s && %s.dst==%s && %s.srcport==%d)",
			 ip, a, ip, b, l4, dport, ip, b, ip, a, l4, dport);
	else if (proto == 1 || proto == 58)
		snprintf(buf, len, "((%s.src==%s && %s.dst==%s) || (%s.src==%s && %s.dst==%s)) "
			 "&& %s && !(%s.type==%d)", ip, a, ip, b, ip, b, ip, a,
			 proto == 1 ? "icmp" : "icmpv6", proto == 1 ? "icmp" : "icmpv6",
			 proto == 1 ? 3 : 1);
	else
		snprintf(buf, len, "((%s.src==%s && %s.dst==%s) || (%s.src==%s && %s.dst==%s)) "
			 "&& %s==%d", ip, a, ip, b, ip, b, ip, a, v4 ? "ip.proto" : "ipv6.nxt", proto);
	return buf;
}

static json_t *jfilter(uint8_t proto, const struct rasflow_addr *src,
		       const struct rasflow_addr *dst, int dport)
{
	char f[RASFLOW_DISPLAY_FILTER_LEN];

	return jstr(rasflow_report_display_filter(f, sizeof(f), proto, src, dst, dport));
}

static json_t *jroles(struct jb *b, const struct rasflow_ruleset *rs, rasflow_roleset set)
{
	json_t *a = json_array();

	if (a == NULL) {
		b->nomem = true;
		return NULL;
	}
	for (size_t i = 0; i < rs->nroles && i < RASFLOW_MAX_ROLES; i++)
		if (set >> i & 1)
			append(b, a, jstr(rs->roles[i].id));
	return a;
}

static json_t *tool_obj(struct jb *b, const struct rasflow_report_opts *o)
{
	json_t *t = json_object();

	if (t == NULL)
		return NULL;
	put(b, t, "name", jstr("rasflow"));
	put(b, t, "version", jstr(o && o->version ? o->version : RASFLOW_VERSION));
	put(b, t, "ndpi", jstr_or_null(o ? o->ndpi_version : NULL));
	return t;
}

static json_t *ruleset_obj(struct jb *b, const struct rasflow_ruleset *rs)
{
	json_t *r = json_object();

	if (r == NULL)
		return NULL;
	put(b, r, "name", jstr(rs->name ? rs->name : ""));
	put(b, r, "rules", json_integer((json_int_t)rs->nrules));
	put(b, r, "roles", json_integer((json_int_t)rs->nroles));
	return r;
}

static json_t *engine_obj(struct jb *b, const struct rasflow_analysis *an)
{
	const struct rasflow_capture_summary *c = rasflow_analysis_capture(an);
	const struct rasflow_analysis_stats *st = rasflow_analysis_stats(an);
	json_t *e = json_object(), *a = json_object();

	if (e == NULL || a == NULL) {
		json_decref(e);
		json_decref(a);
		return NULL;
	}
	if (c->has_flows) {
		json_t *f = json_object();

		if (f != NULL) {
			put(b, f, "created", json_integer((json_int_t)c->flowtab.created));
			put(b, f, "evicted", json_integer((json_int_t)c->flowtab.evicted));
			put(b, f, "expired", json_integer((json_int_t)c->flowtab.expired));
			put(b, f, "peak", json_integer((json_int_t)c->flowtab.peak));
			put(b, f, "icmp_attached", json_integer((json_int_t)c->flowtab.icmp_attached));
			put(b, f, "icmp_orphan", json_integer((json_int_t)c->flowtab.icmp_orphan));
			put(b, f, "frags_orphan", json_integer((json_int_t)c->flowtab.frags_orphan));
		}
		put(b, e, "flows", f);
	}
	if (c->has_dec) {
		json_t *d = json_object(), *errs = json_array(), *why = json_object();

		if (d != NULL && errs != NULL && why != NULL) {
			for (int l = 0; l < RASFLOW_L_COUNT; l++) {
				for (int r = 1; r < RASFLOW_DEC_COUNT; r++) {
					json_t *x;

					if (c->dec.by[l][r] == 0)
						continue;
					x = json_object();
					if (x == NULL) {
						b->nomem = true;
						continue;
					}
					put(b, x, "layer", jstr(rasflow_dec_layer_name(l)));
					put(b, x, "result", jstr(rasflow_dec_result_name(r)));
					put(b, x, "count", json_integer((json_int_t)c->dec.by[l][r]));
					append(b, errs, x);
				}
			}
			for (int r = 1; r < RASFLOW_R_COUNT; r++)
				if (c->dec.reason[r])
					put(b, why, rasflow_dec_reason_name(r),
					    json_integer((json_int_t)c->dec.reason[r]));
		}
		if (d != NULL) {
			put(b, d, "frames", json_integer((json_int_t)c->dec.frames));
			put(b, d, "errors", errs);
			put(b, d, "reasons", why);
			put(b, d, "tunneled", json_integer((json_int_t)c->dec.tunneled));
		} else {
			json_decref(errs);
			json_decref(why);
		}
		put(b, e, "decode", d);
	}
	put(b, a, "flows", json_integer((json_int_t)st->flows));
	put(b, a, "flows_empty", json_integer((json_int_t)st->flows_empty));
	put(b, a, "hosts_refused", json_integer((json_int_t)st->hosts_refused));
	put(b, a, "edges_refused", json_integer((json_int_t)st->edges_refused));
	put(b, a, "names", json_integer((json_int_t)st->names));
	put(b, e, "analyzer", a);
	return e;
}

/* The contract's "capture" fields (without the enclosing key). */
static void capture_fields(struct jb *b, json_t *c, const struct rasflow_analysis *an)
{
	const struct rasflow_capture_summary *cs = rasflow_analysis_capture(an);
	json_t *files = json_array();

	if (files != NULL)
		for (size_t i = 0; i < cs->nfiles; i++)
			append(b, files, jstr(cs->files[i]));
	put(b, c, "files", files);
	put(b, c, "packets", json_integer((json_int_t)cs->packets));
	put(b, c, "bytes", json_integer((json_int_t)cs->bytes));
	put(b, c, "start", jts(cs->start));
	put(b, c, "end", jts(cs->end));
	put(b, c, "duration", json_real(cs->end > cs->start ? (double)(cs->end - cs->start) / 1e6 :
							       0.0));
	put(b, c, "decode_errors", json_integer((json_int_t)cs->decode_errors));
}

/* Additions to "capture": the host pairs it saw one way only (sides.c), a
 * mirror's copies (dedup.h). */
static void capture_additions(struct jb *b, json_t *c, const struct rasflow_analysis *an)
{
	const struct rasflow_capture_summary *cs = rasflow_analysis_capture(an);
	size_t n;
	const struct rasflow_one_sided *v = rasflow_analysis_one_sided(an, &n, NULL);
	json_t *arr = json_array();

	for (size_t i = 0; i < n && arr != NULL; i++) {
		json_t *o = json_object();

		if (o == NULL) {
			b->nomem = true;
			break;
		}
		put(b, o, "from", jaddr(&v[i].from));
		put(b, o, "to", jaddr(&v[i].to));
		put(b, o, "flows", json_integer(v[i].flows));
		append(b, arr, o);
	}
	put(b, c, "one_sided", arr);
	put(b, c, "copies", cs->copies_sought ? json_integer((json_int_t)cs->copies) : json_null());
	put(b, c, "copies_dropped", json_boolean(cs->copies_dropped));
}

static void host_fields(struct jb *b, json_t *o, const struct rasflow_analysis *an,
			const struct rasflow_host *h)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(an);
	json_t *ev = json_array();

	put(b, o, "addr", jaddr(&h->addr));
	put(b, o, "name", jstr_or_null(h->name));
	put(b, o, "roles", jroles(b, rs, h->roles));
	put(b, o, "source", jstr(rasflow_role_source_name(h->source)));
	/* additions */
	put(b, o, "server_name", jstr_or_null(h->server_name));
	if (h->site != NULL && !h->site_host) {
		char buf[RASFLOW_SITE_PREFIX_STRLEN];

		put(b, o, "site_net", jstr(rasflow_site_entry_str(h->site, buf)));
	} else {
		put(b, o, "site_net", json_null());
	}
	if (ev != NULL)
		for (size_t i = 0; i < h->nevidence; i++)
			append(b, ev, jstr(h->evidence[i]));
	put(b, o, "evidence", ev);
	put(b, o, "seen", json_boolean(h->last_seen != 0));
	put(b, o, "packets_sent", json_integer((json_int_t)h->pkts_sent));
	put(b, o, "packets_received", json_integer((json_int_t)h->pkts_rcvd));
	put(b, o, "first", jts(h->first_seen));
	put(b, o, "last", jts(h->last_seen));
	put(b, o, "standby", json_boolean(h->standby));
}

/* The contract's fields of one edge (baseline.c uses it for new and changed edges). */
json_t *rasflow_report_edge_json(const struct rasflow_analysis *an, const struct rasflow_edge *e)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(an);
	struct jb jb = { false };
	struct jb *b = &jb;
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	put(b, o, "proto", jproto(e->proto));
	put(b, o, "src", jaddr(&e->src));
	put(b, o, "dst", jaddr(&e->dst));
	put(b, o, "dport", e->has_port ? json_integer(e->dport) : json_null());
	put(b, o, "src_roles", jroles(b, rs, e->src_roles));
	put(b, o, "dst_roles", jroles(b, rs, e->dst_roles));
	put(b, o, "outcome", jstr(rasflow_outcome_name(e->outcome)));
	put(b, o, "policy", jstr(rasflow_policy_name(e->policy)));
	put(b, o, "verdict", jstr(rasflow_verdict_name(e->verdict)));
	put(b, o, "rule", e->rule >= 0 ? jstr(rs->rules[e->rule].id) : json_null());
	put(b, o, "app", jstr_or_null(e->app));
	put(b, o, "flows", json_integer(e->flows));
	put(b, o, "packets", json_integer((json_int_t)(e->pkts[0] + e->pkts[1])));
	put(b, o, "bytes", json_integer((json_int_t)(e->bytes[0] + e->bytes[1])));
	put(b, o, "first", jts(e->first));
	put(b, o, "last", jts(e->last));
	if (jb.nomem) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The contract's edge fields, then the additions. */
static void edge_fields(struct jb *b, json_t *o, const struct rasflow_analysis *an,
			const struct rasflow_edge *e)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(an);
	json_t *ids = json_array();
	json_t *c = rasflow_report_edge_json(an, e);

	if (c == NULL || json_object_update(o, c) != 0)
		b->nomem = true;
	json_decref(c);
	/* additions */
	put(b, o, "outcome_detail", jstr_or_null(e->detail));
	put(b, o, "packets_back", json_integer((json_int_t)e->pkts[1]));
	put(b, o, "bytes_back", json_integer((json_int_t)e->bytes[1]));
	put(b, o, "syns", json_integer(e->syns));
	put(b, o, "cut", json_integer(e->cut));
	put(b, o, "one_sided", json_integer(e->one_sided[0] + e->one_sided[1]));
	if (e->icmp) {
		json_t *ic = json_object();

		if (ic != NULL) {
			put(b, ic, "from", jaddr(&e->icmp_from));
			put(b, ic, "type", json_integer(e->icmp_type));
			put(b, ic, "code", json_integer(e->icmp_code));
			put(b, ic, "count", json_integer(e->icmp));
			put(b, ic, "from_target",
			    json_boolean(rasflow_addr_cmp(&e->icmp_from, &e->dst) == 0));
		}
		put(b, o, "icmp", ic);
	} else {
		put(b, o, "icmp", json_null());
	}
	if (ids != NULL)
		for (size_t i = 0; i < e->nrules; i++)
			append(b, ids, jstr(rs->rules[e->rules[i]].id));
	put(b, o, "rules", ids);
	put(b, o, "loopback_port", json_boolean(e->local_port));
	put(b, o, "display_filter", jfilter(e->proto, &e->src, &e->dst,
					    e->has_port ? e->dport : -1));
}

static void rule_fields(struct jb *b, json_t *o, const struct rasflow_analysis *an, size_t i)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(an);
	const struct rasflow_rule_status *st = &rasflow_analysis_rules(an)[i];
	const struct rasflow_rule *r = &rs->rules[i];

	put(b, o, "id", jstr(r->id));
	put(b, o, "status", jstr(rasflow_rule_state_name(st->state)));
	put(b, o, "edges", json_integer(st->edges));
	/* additions */
	put(b, o, "src", jstr(rs->roles[r->src].id));
	put(b, o, "dst", jstr(rs->roles[r->dst].id));
	put(b, o, "traffic", jstr(rasflow_traffic_name(r->traffic)));
	put(b, o, "ok", json_integer(st->ok));
	put(b, o, "failed", json_integer(st->failed));
}

static void finding_fields(struct jb *b, json_t *o, const struct rasflow_analysis *an,
			   const struct rasflow_finding *f)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(an);

	put(b, o, "kind", jstr(rasflow_finding_kind_name(f->kind)));
	put(b, o, "severity", jstr(rasflow_severity_name(f->severity)));
	put(b, o, "rule", f->rule >= 0 ? jstr(rs->rules[f->rule].id) : json_null());
	put(b, o, "proto", f->proto >= 0 ? jproto((uint8_t)f->proto) : json_null());
	put(b, o, "src", f->has_src ? jaddr(&f->src) : json_null());
	put(b, o, "dst", f->has_dst ? jaddr(&f->dst) : json_null());
	put(b, o, "dport", f->dport >= 0 ? json_integer(f->dport) : json_null());
	put(b, o, "message", jstr(f->message));
	/* additions */
	put(b, o, "display_filter", f->has_src && f->has_dst && f->proto >= 0 ?
		jfilter((uint8_t)f->proto, &f->src, &f->dst, f->dport) : json_null());
}

static void summary_fields(struct jb *b, json_t *o, const struct rasflow_analysis *an)
{
	const struct rasflow_summary *s = rasflow_analysis_summary(an);

	put(b, o, "edges", json_integer((json_int_t)s->edges));
	put(b, o, "ok", json_integer((json_int_t)s->verdicts[RASFLOW_V_OK]));
	put(b, o, "failed", json_integer((json_int_t)s->verdicts[RASFLOW_V_FAILED]));
	put(b, o, "unexpected", json_integer((json_int_t)s->verdicts[RASFLOW_V_UNEXPECTED]));
	put(b, o, "mismatch", json_integer((json_int_t)s->verdicts[RASFLOW_V_MISMATCH]));
	put(b, o, "missing", json_integer((json_int_t)s->missing));
	put(b, o, "ignored", json_integer((json_int_t)s->verdicts[RASFLOW_V_IGNORED]));
	/* additions */
	put(b, o, "findings", json_integer((json_int_t)(s->findings[0] + s->findings[1] +
							  s->findings[2] + s->findings[3])));
	put(b, o, "fail_on_findings",
	    json_integer((json_int_t)rasflow_analysis_count(an, rasflow_analysis_opts(an)->fail_on)));
}

static json_t *warnings_arr(struct jb *b, const struct rasflow_analysis *an)
{
	const struct rasflow_capture_summary *cs = rasflow_analysis_capture(an);
	json_t *w = json_array();

	if (w != NULL)
		for (size_t i = 0; i < cs->nwarnings; i++)
			append(b, w, jstr(cs->warnings[i]));
	return w;
}

static bool edge_listed(const struct rasflow_analysis *an, const struct rasflow_edge *e)
{
	return e->policy != RASFLOW_POL_IGNORED || rasflow_analysis_opts(an)->all_edges;
}

/* Mark a host by address in the listed[] array parallel to the host list. */
static void mark_host(const struct rasflow_analysis *an, const struct rasflow_host *base,
		      bool *listed, const struct rasflow_addr *a)
{
	const struct rasflow_host *h = rasflow_analysis_host(an, a);

	if (h != NULL)
		listed[h - base] = true;
}

/* Which hosts the report lists: every host with a role, every host at an end
 * of a listed edge or named by a finding, and with --all every host. A flood
 * of role-less addresses on ignored edges would otherwise fill the report.
 * NULL on out-of-memory. */
static bool *listed_hosts(const struct rasflow_analysis *an)
{
	size_t nh, ne, nf;
	const struct rasflow_host *hv = rasflow_analysis_hosts(an, &nh);
	const struct rasflow_edge *ev = rasflow_analysis_edges(an, &ne);
	const struct rasflow_finding *fv = rasflow_analysis_findings(an, &nf);
	bool all = rasflow_analysis_opts(an)->all_edges;
	bool *listed = calloc(nh ? nh : 1, sizeof(*listed));

	if (listed == NULL)
		return NULL;
	for (size_t i = 0; i < nh; i++)
		listed[i] = all || hv[i].roles != 0;
	for (size_t i = 0; i < ne; i++) {
		if (!edge_listed(an, &ev[i]))
			continue;
		mark_host(an, hv, listed, &ev[i].src);
		mark_host(an, hv, listed, &ev[i].dst);
	}
	for (size_t i = 0; i < nf; i++) {
		if (fv[i].has_src)
			mark_host(an, hv, listed, &fv[i].src);
		if (fv[i].has_dst)
			mark_host(an, hv, listed, &fv[i].dst);
	}
	return listed;
}

/* An object filled by one of the *_fields functions, optionally typed. */
#define NEW_OBJ(var, type)                                            \
	json_t *var = json_object();                                  \
	if (var == NULL) {                                            \
		b.nomem = true;                                       \
		break;                                                \
	}                                                             \
	if (type != NULL)                                             \
		put(&b, var, "type", jstr(type))

int rasflow_report_json(const struct rasflow_analysis *an, const struct rasflow_report_opts *o,
			FILE *out)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(an);
	struct jb b = { false };
	json_t *root = json_object(), *cap = json_object();
	json_t *hosts = json_array(), *edges = json_array(), *rules = json_array();
	json_t *findings = json_array(), *sum = json_object();
	const struct rasflow_host *hv;
	bool *listed;
	const struct rasflow_edge *ev;
	const struct rasflow_finding *fv;
	size_t n;
	int rc = 0;

	if (root == NULL || cap == NULL || hosts == NULL || edges == NULL || rules == NULL ||
	    findings == NULL || sum == NULL) {
		json_decref(root);
		json_decref(cap);
		json_decref(hosts);
		json_decref(edges);
		json_decref(rules);
		json_decref(findings);
		json_decref(sum);
		return RASFLOW_ENOMEM;
	}
	put(&b, root, "schema", jstr("rasflow/1"));
	put(&b, root, "tool", tool_obj(&b, o));
	put(&b, root, "ruleset", ruleset_obj(&b, rs));
	capture_fields(&b, cap, an);
	capture_additions(&b, cap, an);
	put(&b, root, "capture", cap);

	hv = rasflow_analysis_hosts(an, &n);
	listed = listed_hosts(an);
	if (listed == NULL)
		b.nomem = true;
	for (size_t i = 0; i < n && listed != NULL; i++) {
		if (!listed[i])
			continue;
		NEW_OBJ(h, NULL);
		host_fields(&b, h, an, &hv[i]);
		append(&b, hosts, h);
	}
	free(listed);
	put(&b, root, "hosts", hosts);

	ev = rasflow_analysis_edges(an, &n);
	for (size_t i = 0; i < n; i++) {
		if (!edge_listed(an, &ev[i]))
			continue;
		NEW_OBJ(e, NULL);
		edge_fields(&b, e, an, &ev[i]);
		append(&b, edges, e);
	}
	put(&b, root, "edges", edges);

	for (size_t i = 0; i < rs->nrules; i++) {
		NEW_OBJ(r, NULL);
		rule_fields(&b, r, an, i);
		append(&b, rules, r);
	}
	put(&b, root, "rules", rules);

	fv = rasflow_analysis_findings(an, &n);
	for (size_t i = 0; i < n; i++) {
		NEW_OBJ(f, NULL);
		finding_fields(&b, f, an, &fv[i]);
		append(&b, findings, f);
	}
	put(&b, root, "findings", findings);
	summary_fields(&b, sum, an);
	put(&b, root, "summary", sum);
	if (o != NULL && o->baseline != NULL)
		put(&b, root, "baseline",
		    rasflow_baseline_diff_json(o->baseline, o->baseline_diff, an));
	put(&b, root, "engine", engine_obj(&b, an));
	put(&b, root, "warnings", warnings_arr(&b, an));

	if (b.nomem)
		rc = RASFLOW_ENOMEM;
	else if (json_dumpf(root, out, JSON_INDENT(2)) != 0 ||
		 fputc('\n', out) == EOF)
		rc = RASFLOW_EIO;
	json_decref(root);
	return rc;
}

/* Write one object as a line and free it. */
static int line(json_t *o, FILE *out)
{
	int rc = json_dumpf(o, out, JSON_COMPACT) != 0 || fputc('\n', out) == EOF ? RASFLOW_EIO : 0;

	json_decref(o);
	return rc;
}

int rasflow_report_jsonl(const struct rasflow_analysis *an, const struct rasflow_report_opts *o,
			 FILE *out)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(an);
	struct jb b = { false };
	const struct rasflow_host *hv;
	bool *listed;
	const struct rasflow_edge *ev;
	const struct rasflow_finding *fv;
	size_t n;
	int rc = 0;

	do {
		NEW_OBJ(c, "capture");
		json_t *cap = json_object();

		put(&b, c, "schema", jstr("rasflow/1"));
		put(&b, c, "tool", tool_obj(&b, o));
		put(&b, c, "ruleset", ruleset_obj(&b, rs));
		if (cap != NULL) {
			capture_fields(&b, cap, an);
			capture_additions(&b, cap, an);
		}
		put(&b, c, "capture", cap);
		put(&b, c, "warnings", warnings_arr(&b, an));
		rc = b.nomem ? RASFLOW_ENOMEM : 0;
		if (rc == 0)
			rc = line(c, out);
		else
			json_decref(c);
	} while (0);

	hv = rasflow_analysis_hosts(an, &n);
	listed = rc == 0 ? listed_hosts(an) : NULL;
	if (rc == 0 && listed == NULL)
		rc = RASFLOW_ENOMEM;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!listed[i])
			continue;
		NEW_OBJ(h, "host");
		host_fields(&b, h, an, &hv[i]);
		rc = line(h, out);
	}
	free(listed);
	ev = rasflow_analysis_edges(an, &n);
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!edge_listed(an, &ev[i]))
			continue;
		NEW_OBJ(e, "edge");
		edge_fields(&b, e, an, &ev[i]);
		rc = line(e, out);
	}
	for (size_t i = 0; i < rs->nrules && rc == 0; i++) {
		NEW_OBJ(r, "rule");
		rule_fields(&b, r, an, i);
		rc = line(r, out);
	}
	fv = rasflow_analysis_findings(an, &n);
	for (size_t i = 0; i < n && rc == 0; i++) {
		NEW_OBJ(f, "finding");
		finding_fields(&b, f, an, &fv[i]);
		rc = line(f, out);
	}
	do {
		if (rc != 0 || o == NULL || o->baseline == NULL)
			break;
		NEW_OBJ(d, "baseline");
		json_t *bd = rasflow_baseline_diff_json(o->baseline, o->baseline_diff, an);

		if (bd == NULL || json_object_update(d, bd) != 0)
			b.nomem = true;
		json_decref(bd);
		rc = line(d, out);
	} while (0);
	do {
		if (rc != 0)
			break;
		NEW_OBJ(s, "summary");
		summary_fields(&b, s, an);
		put(&b, s, "engine", engine_obj(&b, an));
		rc = line(s, out);
	} while (0);
	if (rc == 0 && b.nomem)
		rc = RASFLOW_ENOMEM;
	return rc;
}

int rasflow_report_parse_format(const char *s, enum rasflow_report_format *f)
{
	static const char *const names[] = { "text", "json", "jsonl", "dot" };

	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*f = (enum rasflow_report_format)i;
			return 0;
		}
	}
	return RASFLOW_EINVAL;
}
