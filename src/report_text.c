/* report_text.c — the report for people: summary, findings by severity,
 * hosts, and the role-by-role coverage of the matrix for the roles present.
 *
 * Colour only when asked (the command asks when the output is a terminal and
 * NO_COLOR is unset); plain ASCII unless asked for UTF-8, so "→" becomes
 * "->" and "—" becomes "-" when piped. Control characters from packets
 * (server names) are never written raw.
 */
#include <stdio.h>
#include <string.h>

#include "rasflow/err.h"
#include "rasflow/report.h"
#include "rasflow/rules_emit.h"
#include "strbuf.h"

#ifndef RASFLOW_VERSION
#define RASFLOW_VERSION "unknown"
#endif

#define C_RED "\033[31m"
#define C_YEL "\033[33m"
#define C_CYN "\033[36m"
#define C_GRN "\033[32m"
#define C_BLD "\033[1m"
#define C_DIM "\033[2m"
#define C_OFF "\033[0m"

struct tw {
	FILE *out;
	bool color, utf8;
	bool plain[256];		/* bytes put_text() writes as they are */
};

static const char *col(const struct tw *w, const char *c)
{
	return w->color ? c : "";
}

/* Write s: arrows and dashes transliterated in ASCII mode, other non-ASCII
 * bytes as '?', control characters as '?' always. The text is gathered in
 * a buffer and written with one fwrite per buffer: a finding's message
 * has two or three bytes to replace, and a stdio call per piece cost more
 * than the scan. */
static void put_text(const struct tw *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + strlen(s);
	char buf[256];
	size_t used = 0;

	while (p < end) {
		size_t n = rasflow_plain_run(p, end, w->plain);

		if (used + n + 2 > sizeof(buf)) {	/* no room for the run and a "->" */
			fwrite(buf, 1, used, w->out);
			fwrite(p, 1, n, w->out);
			used = 0;
			p += n;
			n = 0;
		}
		memcpy(buf + used, p, n);
		used += n;
		p += n;
		if (p == end)
			break;
		if (!w->utf8 && p[0] == 0xe2 && p[1] == 0x86 && p[2] == 0x92) {	/* → */
			buf[used++] = '-';
			buf[used++] = '>';
			p += 2;
		} else if (!w->utf8 && p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0x94) {	/* — */
			buf[used++] = '-';
			p += 2;
		} else {
			buf[used++] = '?';
		}
		p++;
	}
	fwrite(buf, 1, used, w->out);
}

/* A name from a file or a packet, safe to print: no control characters,
 * ASCII only unless UTF-8 output; truncated to len. */
static void safe_copy(const struct tw *w, char *buf, size_t len, const char *s)
{
	size_t i = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0' && i + 1 < len; p++)
		buf[i++] = (*p < 0x20 || *p == 0x7f || (!w->utf8 && *p >= 0x80)) ? '?' : (char)*p;
	buf[i] = '\0';
}

static const char *arrow(const struct tw *w)
{
	return w->utf8 ? "→" : "->";
}

static const char *bytes_str(uint64_t n, char *buf, size_t len)
{
	if (n >= 10ull * 1024 * 1024 * 1024)
		snprintf(buf, len, "%.1f GB", (double)n / (1024.0 * 1024 * 1024));
	else if (n >= 10ull * 1024 * 1024)
		snprintf(buf, len, "%.1f MB", (double)n / (1024.0 * 1024));
	else if (n >= 10ull * 1024)
		snprintf(buf, len, "%.1f KB", (double)n / 1024.0);
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)n);
	return buf;
}

#define ONE_SIDED_SHOWN 5

/* The host pairs the capture saw one way only, biggest first. */
static void one_sided(const struct tw *w, const struct rasflow_analysis *an)
{
	size_t n, shown[ONE_SIDED_SHOWN], k = 0;
	char lb[RASFLOW_ADDR_STRLEN + 300];	/* as verdict.c's labels */
	uint64_t flows;
	const struct rasflow_one_sided *v = rasflow_analysis_one_sided(an, &n, &flows);

	if (n == 0)
		return;
	fprintf(w->out, "  %swarning:%s one direction only between %zu host pair%s: %llu TCP connection%s worked with nothing captured the other way (a one-way mirror or asymmetric routing); a missing reply between them proves nothing\n",
		col(w, C_YEL), col(w, C_OFF), n, n == 1 ? "" : "s", (unsigned long long)flows,
		flows == 1 ? "" : "s");
	/* the biggest few, in (from, to) order among equals */
	for (; k < ONE_SIDED_SHOWN && k < n; k++) {
		size_t best = n;

		for (size_t i = 0; i < n; i++) {
			bool taken = false;

			for (size_t j = 0; j < k; j++)
				taken |= shown[j] == i;
			if (!taken && (best == n || v[i].flows > v[best].flows))
				best = i;
		}
		shown[k] = best;
		fputs("    ", w->out);
		put_text(w, rasflow_analysis_label(an, &v[best].from, lb, sizeof(lb)));
		fprintf(w->out, " %s ", arrow(w));
		put_text(w, rasflow_analysis_label(an, &v[best].to, lb, sizeof(lb)));
		fprintf(w->out, ": %u connection%s\n", v[best].flows, v[best].flows == 1 ? "" : "s");
	}
	if (n > k)
		fprintf(w->out, "    and %zu more pairs (--format json: capture.one_sided)\n", n - k);
}

static void summary(const struct tw *w, const struct rasflow_analysis *an,
		    const struct rasflow_report_opts *o)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(an);
	const struct rasflow_capture_summary *c = rasflow_analysis_capture(an);
	const struct rasflow_summary *s = rasflow_analysis_summary(an);
	const struct rasflow_host *hv;
	size_t nh, per_role[RASFLOW_MAX_ROLES] = { 0 }, unknown = 0, inferred = 0;
	char t1[RASFLOW_TS_STRLEN], t2[RASFLOW_TS_STRLEN], bb[32];

	fprintf(w->out, "%srasflow %s%s  ruleset %s (%zu rules, %zu roles)%s\n",
		col(w, C_BLD), o && o->version ? o->version : RASFLOW_VERSION, col(w, C_OFF),
		rs->name ? rs->name : "?", rs->nrules, rs->nroles,
		o && o->ndpi_version ? "" : ", no DPI");
	fputs("capture: ", w->out);
	for (size_t i = 0; i < c->nfiles; i++) {
		if (i)
			fputs(", ", w->out);
		put_text(w, c->files[i]);
	}
	fputc('\n', w->out);
	if (c->start != 0) {
		fprintf(w->out, "  %s .. %s (%.1f s), %llu packets, %s, %llu not decoded",
			rasflow_ts_rfc3339(c->start, false, t1), rasflow_ts_rfc3339(c->end, false, t2),
			c->end > c->start ? (double)(c->end - c->start) / 1e6 : 0.0,
			(unsigned long long)c->packets, bytes_str(c->bytes, bb, sizeof(bb)),
			(unsigned long long)c->decode_errors);
		if (c->has_dec && c->dec.tunneled > 0)
			fprintf(w->out, ", plus %llu packets inside tunnels",
				(unsigned long long)c->dec.tunneled);
		fputc('\n', w->out);
	} else {
		fprintf(w->out, "  no packets\n");
	}
	for (size_t i = 0; i < c->nwarnings; i++) {
		fprintf(w->out, "  %swarning:%s ", col(w, C_YEL), col(w, C_OFF));
		put_text(w, c->warnings[i]);
		fputc('\n', w->out);
	}

	one_sided(w, an);

	hv = rasflow_analysis_hosts(an, &nh);
	for (size_t i = 0; i < nh; i++) {
		if (hv[i].roles == 0)
			unknown++;
		if (hv[i].source == RASFLOW_SRC_INFERRED)
			inferred++;
		for (rasflow_roleset set = hv[i].roles; set != 0; set &= set - 1)
			per_role[__builtin_ctzll(set)]++;
	}
	fprintf(w->out, "hosts: %zu (%zu with inferred roles, %zu without a role)", nh, inferred,
		unknown);
	for (size_t r = 0, k = 0; r < rs->nroles && r < RASFLOW_MAX_ROLES; r++)
		if (per_role[r] && rs->roles[r].cls != RASFLOW_CLASS_PSEUDO)
			fprintf(w->out, "%s%s %zu", k++ ? ", " : "; ", rs->roles[r].id, per_role[r]);
	fputc('\n', w->out);
	fprintf(w->out,
		"edges: %zu  %sok %zu%s, %sfailed %zu%s, %sunexpected %zu%s, mismatch %zu, ignored %zu; %smissing %zu%s\n",
		s->edges, col(w, C_GRN), s->verdicts[RASFLOW_V_OK], col(w, C_OFF),
		s->verdicts[RASFLOW_V_FAILED] ? col(w, C_RED) : "", s->verdicts[RASFLOW_V_FAILED],
		s->verdicts[RASFLOW_V_FAILED] ? col(w, C_OFF) : "",
		s->verdicts[RASFLOW_V_UNEXPECTED] ? col(w, C_YEL) : "",
		s->verdicts[RASFLOW_V_UNEXPECTED], s->verdicts[RASFLOW_V_UNEXPECTED] ? col(w, C_OFF) : "",
		s->verdicts[RASFLOW_V_MISMATCH], s->verdicts[RASFLOW_V_IGNORED],
		s->missing ? col(w, C_RED) : "", s->missing, s->missing ? col(w, C_OFF) : "");
}

static void findings(const struct tw *w, const struct rasflow_analysis *an)
{
	static const char *const sev_col[] = { C_RED, C_YEL, C_CYN };
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(an);
	const struct rasflow_finding *fv;
	size_t n;

	fv = rasflow_analysis_findings(an, &n);
	fprintf(w->out, "\n%sFINDINGS%s (%zu)\n", col(w, C_BLD), col(w, C_OFF), n);
	if (n == 0) {
		fputs("  none\n", w->out);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rasflow_finding *f = &fv[i];

		if (i == 0 || fv[i - 1].severity != f->severity) {
			size_t k = 0;

			for (size_t j = i; j < n && fv[j].severity == f->severity; j++)
				k++;
			fprintf(w->out, "%s%s%s (%zu)\n", col(w, sev_col[f->severity]),
				rasflow_severity_name(f->severity), col(w, C_OFF), k);
		}
		/* "  [kind rule] message": fputs, as this runs once per finding */
		fputs("  [", w->out);
		fputs(rasflow_finding_kind_name(f->kind), w->out);
		if (f->rule >= 0) {
			fputc(' ', w->out);
			fputs(rs->rules[f->rule].id, w->out);
		}
		fputs("] ", w->out);
		put_text(w, f->message);
		fputc('\n', w->out);
	}
}

static void hosts(const struct tw *w, const struct rasflow_analysis *an)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(an);
	const struct rasflow_host *hv;
	char ab[RASFLOW_ADDR_STRLEN], rb[512], nb[128];
	char line[RASFLOW_ADDR_STRLEN + sizeof(rb) + sizeof(nb) + 128];
	size_t n, listed = 0;

	hv = rasflow_analysis_hosts(an, &n);
	for (size_t i = 0; i < n; i++)
		listed += hv[i].roles != 0;
	fprintf(w->out, "\n%sHOSTS WITH ROLES%s (%zu)\n", col(w, C_BLD), col(w, C_OFF), listed);
	for (size_t i = 0; i < n; i++) {
		const struct rasflow_host *h = &hv[i];

		if (h->roles == 0)
			continue;
		char *p = line;

		safe_copy(w, nb, sizeof(nb), h->name ? h->name : h->server_name ? h->server_name : "-");
		/* "  %-15s %-16s %-22s %s%s%s", without printf: one line per host */
		p = rasflow_put_str(p, "  ");
		p = rasflow_put_padded(p, rasflow_addr_str(&h->addr, ab), 15);
		*p++ = ' ';
		p = rasflow_put_padded(p, nb, 16);
		*p++ = ' ';
		p = rasflow_put_padded(p, rasflow_roles_str(rs, h->roles, "-", rb, sizeof(rb)), 22);
		*p++ = ' ';
		p = rasflow_put_str(p, col(w, C_DIM));
		p = rasflow_put_str(p, rasflow_role_source_name(h->source));
		p = rasflow_put_str(p, col(w, C_OFF));
		if (h->standby)
			p = rasflow_put_str(p, " (standby)");
		if (h->last_seen == 0)
			p = rasflow_put_str(p, " (not in the capture)");
		*p++ = '\n';
		fwrite(line, 1, (size_t)(p - line), w->out);
		for (size_t j = 0; j < h->nevidence; j++) {
			fputs("      ", w->out);
			put_text(w, h->evidence[j]);
			fputc('\n', w->out);
		}
	}
}

static void coverage(const struct tw *w, const struct rasflow_analysis *an)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(an);
	const struct rasflow_rule_status *st = rasflow_analysis_rules(an);
	size_t shown = 0;
	char pb[128], rb[96];

	for (size_t i = 0; i < rs->nrules; i++)
		shown += st[i].state != RASFLOW_RS_NA;
	fprintf(w->out, "\n%sCOVERAGE%s (rules whose roles are present: %zu of %zu)\n",
		col(w, C_BLD), col(w, C_OFF), shown, rs->nrules);
	if (shown == 0) {
		fputs("  none: no host has a role (give --site, or the capture shows no RAS service answering)\n",
		      w->out);
		return;
	}
	fprintf(w->out, "  %-8s %-24s %-34s %-22s %s\n", "STATUS", "RULE", "ROLES", "PORTS",
		"EDGES");
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rasflow_rule *r = &rs->rules[i];
		const char *c = "";

		if (st[i].state == RASFLOW_RS_NA)
			continue;
		switch (st[i].state) {
		case RASFLOW_RS_SEEN:
			c = C_GRN;
			break;
		case RASFLOW_RS_FAILED:
		case RASFLOW_RS_MISSING:
			c = C_RED;
			break;
		default:
			c = C_DIM;
			break;
		}
		snprintf(rb, sizeof(rb), "%s %s %s", rs->roles[r->src].id, arrow(w),
			 rs->roles[r->dst].id);
		fprintf(w->out, "  %s%-8s%s %-24s %-*s %-22s %u\n", col(w, c),
			rasflow_rule_state_name(st[i].state), col(w, C_OFF), r->id,
			w->utf8 ? 36 : 34, rb, rasflow_rule_proto_ports_str(r, pb, sizeof(pb)), st[i].edges);
	}
}

static void edges(const struct tw *w, const struct rasflow_analysis *an)
{
	const struct rasflow_ruleset *rs = rasflow_analysis_ruleset(an);
	const struct rasflow_edge *ev;
	char sb[RASFLOW_ADDR_STRLEN], db[RASFLOW_ADDR_STRLEN];
	size_t n;

	ev = rasflow_analysis_edges(an, &n);
	fprintf(w->out, "\n%sEDGES%s (%zu)\n", col(w, C_BLD), col(w, C_OFF), n);
	for (size_t i = 0; i < n; i++) {
		const struct rasflow_edge *e = &ev[i];
		char svc[RASFLOW_SERVICE_STRLEN];

		rasflow_service_str(e->proto, e->has_port, e->dport, svc);
		fprintf(w->out, "  %-10s %s %s %s %s %-14s %-10s %s", rasflow_verdict_name(e->verdict),
			rasflow_addr_str(&e->src, sb), arrow(w), rasflow_addr_str(&e->dst, db), svc,
			rasflow_outcome_name(e->outcome), e->rule >= 0 ? rs->rules[e->rule].id : "-",
			e->app ? e->app : "");
		if (e->detail) {
			fputs(" (", w->out);
			put_text(w, e->detail);
			fputc(')', w->out);
		}
		fputc('\n', w->out);
	}
}

int rasflow_report_text(const struct rasflow_analysis *an, const struct rasflow_report_opts *o,
			FILE *out)
{
	struct tw w = { out, o ? o->color : false, o ? o->utf8 : false, { false } };

	for (unsigned c = 0x20; c < 0x7f; c++)
		w.plain[c] = true;
	for (unsigned c = 0x80; c < 0x100 && w.utf8; c++)
		w.plain[c] = true;

	summary(&w, an, o);
	findings(&w, an);
	if (o != NULL && o->baseline != NULL &&
	    rasflow_baseline_diff_text(o->baseline, o->baseline_diff, an, w.utf8, out) < 0)
		return RASFLOW_EIO;
	hosts(&w, an);
	coverage(&w, an);
	if (rasflow_analysis_opts(an)->all_edges)
		edges(&w, an);
	return ferror(out) ? RASFLOW_EIO : 0;
}
