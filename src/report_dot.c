/* report_dot.c — the finished analysis as a Graphviz digraph (--format dot).
 *
 * Hosts are boxes grouped in one cluster per role (a host with several roles
 * sits in its primary role's cluster), listed edges are arrows from initiator
 * to responder coloured by verdict, and missing findings are dashed arrows to
 * or from an "any ROLE" placeholder. Every string is escaped for a DOT quoted
 * string; names from packets (SNI) are treated as hostile. Decides nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "rasflow/err.h"
#include "rasflow/report.h"

#define NAME_MAX_BYTES 48	/* longer names are cut (at a character boundary) */
#define LABEL_LINES 6		/* ports listed on one arrow before "+N more" */

struct dw {
	FILE *out;
	const struct rasflow_analysis *an;
	const struct rasflow_ruleset *rs;
	const struct rasflow_host *hv;
	size_t nh;
	bool *drawn;			/* per host: has a node */
	unsigned *primary;		/* per host: cluster role, or UINT32_MAX for none */
	rasflow_roleset placeholders;	/* roles needing an "any ROLE" node */
};

/* Colours by verdict (docs/output.md "DOT graph"). */
static const char *const verdict_color[RASFLOW_V_COUNT] = {
	[RASFLOW_V_OK] = "forestgreen",
	[RASFLOW_V_FAILED] = "red3",
	[RASFLOW_V_UNEXPECTED] = "darkorange",
	[RASFLOW_V_MISMATCH] = "purple",
	[RASFLOW_V_IGNORED] = "gray60",
};

#define MISSING_COLOR "red3"

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when it is not one;
 * C0/C1 controls and DEL count as invalid. */
static size_t utf8_len(const unsigned char *p)
{
	if (p[0] >= 0x20 && p[0] < 0x7f)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 && !(p[0] == 0xc2 && p[1] < 0xa0) ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0))
			return 0;	/* overlong, surrogate */
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/* The inside of a DOT quoted string: '"' and '\' escaped (so a name cannot
 * end the string or form an escape such as \N or \l), control characters and
 * bytes that are not UTF-8 written as '?'; at most max bytes of s, then "...". */
static void put_esc(FILE *out, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t used = 0;

	while (*p != '\0') {
		size_t n = utf8_len(p);

		if (used + (n ? n : 1) > max) {
			fputs("...", out);
			return;
		}
		if (n == 0) {
			fputc('?', out);
			p++;
			used++;
			continue;
		}
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		fwrite(p, 1, n, out);
		p += n;
		used += n;
	}
}

/* A quoted DOT string (an ID or an attribute value). */
static void put_q(FILE *out, const char *s)
{
	fputc('"', out);
	put_esc(out, s, SIZE_MAX);
	fputc('"', out);
}

static const char *addr_s(const struct rasflow_addr *a, char buf[RASFLOW_ADDR_STRLEN])
{
	return rasflow_addr_str(a, buf);
}

/* Index of the host with address a in the sorted host array, or -1. */
static long host_index(const struct dw *w, const struct rasflow_addr *a)
{
	const struct rasflow_host *h = rasflow_analysis_host(w->an, a);

	return h != NULL && h >= w->hv && h < w->hv + w->nh ? (long)(h - w->hv) : -1;
}

static void mark(struct dw *w, const struct rasflow_addr *a)
{
	long i = host_index(w, a);

	if (i >= 0)
		w->drawn[i] = true;
}

static bool edge_listed(const struct dw *w, const struct rasflow_edge *e)
{
	return e->policy != RASFLOW_POL_IGNORED || rasflow_analysis_opts(w->an)->all_edges;
}

/* The cluster of a host with roles: not a role implied by another of its
 * roles (rdsh before rds), not a pseudo role when it has another, then the
 * role with the most rules in the ruleset (broker before console), then the
 * first in ruleset order. */
static unsigned primary_role(const struct dw *w, rasflow_roleset set, const size_t *nrules)
{
	rasflow_roleset implied = 0, cand;
	unsigned best = UINT32_MAX;

	for (size_t r = 0; r < w->rs->nroles && r < RASFLOW_MAX_ROLES; r++)
		if (set >> r & 1)
			implied |= w->rs->roles[r].implies & ~((rasflow_roleset)1 << r);
	cand = set & ~implied;
	if (cand == 0)
		cand = set;
	for (size_t r = 0; r < w->rs->nroles && r < RASFLOW_MAX_ROLES; r++) {
		bool pseudo;

		if (!(cand >> r & 1))
			continue;
		pseudo = w->rs->roles[r].cls == RASFLOW_CLASS_PSEUDO;
		if (best == UINT32_MAX) {
			best = (unsigned)r;
			continue;
		}
		if (pseudo && w->rs->roles[best].cls != RASFLOW_CLASS_PSEUDO)
			continue;
		if ((!pseudo && w->rs->roles[best].cls == RASFLOW_CLASS_PSEUDO) ||
		    nrules[r] > nrules[best])
			best = (unsigned)r;
	}
	return best;
}

/* Which hosts get a node, the cluster of each, which placeholders exist. */
static int plan(struct dw *w)
{
	const struct rasflow_edge *ev;
	const struct rasflow_finding *fv;
	size_t ne, nf, *nrules;

	w->drawn = calloc(w->nh ? w->nh : 1, sizeof(*w->drawn));
	w->primary = calloc(w->nh ? w->nh : 1, sizeof(*w->primary));
	nrules = calloc(w->rs->nroles ? w->rs->nroles : 1, sizeof(*nrules));
	if (w->drawn == NULL || w->primary == NULL || nrules == NULL) {
		free(nrules);
		return RASFLOW_ENOMEM;
	}
	for (size_t i = 0; i < w->rs->nrules; i++) {
		nrules[w->rs->rules[i].src]++;
		if (w->rs->rules[i].dst != w->rs->rules[i].src)
			nrules[w->rs->rules[i].dst]++;
	}
	for (size_t i = 0; i < w->nh; i++) {
		w->drawn[i] = w->hv[i].roles != 0;
		w->primary[i] = w->hv[i].roles ? primary_role(w, w->hv[i].roles, nrules) : UINT32_MAX;
	}
	free(nrules);

	ev = rasflow_analysis_edges(w->an, &ne);
	for (size_t i = 0; i < ne; i++) {
		if (!edge_listed(w, &ev[i]))
			continue;
		mark(w, &ev[i].src);
		mark(w, &ev[i].dst);
	}
	fv = rasflow_analysis_findings(w->an, &nf);
	for (size_t i = 0; i < nf; i++) {
		const struct rasflow_finding *f = &fv[i];

		if (f->has_src)
			mark(w, &f->src);
		if (f->has_dst)
			mark(w, &f->dst);
		if (f->kind != RASFLOW_FIND_MISSING || f->rule < 0)
			continue;
		if (!f->has_src && w->rs->rules[f->rule].src < RASFLOW_MAX_ROLES)
			w->placeholders |= (rasflow_roleset)1 << w->rs->rules[f->rule].src;
		if (!f->has_dst && w->rs->rules[f->rule].dst < RASFLOW_MAX_ROLES)
			w->placeholders |= (rasflow_roleset)1 << w->rs->rules[f->rule].dst;
	}
	return 0;
}

/* One host box: "name\naddress" (site name, else the server name seen),
 * then "standby" and "not in the capture" when they apply. */
static void host_node(const struct dw *w, const struct rasflow_host *h, const char *indent)
{
	const char *name = h->name ? h->name : h->server_name;
	char ab[RASFLOW_ADDR_STRLEN];

	fprintf(w->out, "%s", indent);
	put_q(w->out, addr_s(&h->addr, ab));
	fputs(" [label=\"", w->out);
	if (name != NULL) {
		put_esc(w->out, name, NAME_MAX_BYTES);
		fputs("\\n", w->out);
	}
	fputs(ab, w->out);
	if (h->standby)
		fputs("\\nstandby", w->out);
	if (h->last_seen == 0)
		fputs("\\nnot in the capture", w->out);
	fputc('"', w->out);
	if (h->source == RASFLOW_SRC_INFERRED)
		fputs(", fillcolor=\"lightyellow\"", w->out);
	else if (h->source == RASFLOW_SRC_UNKNOWN)
		fputs(", fillcolor=\"gray95\"", w->out);
	if (h->last_seen == 0)
		fputs(", style=\"rounded,filled,dashed\", fontcolor=\"gray40\"", w->out);
	fputs("];\n", w->out);
}

static void placeholder_id(const struct dw *w, unsigned role)
{
	fputs("\"role:", w->out);
	put_esc(w->out, w->rs->roles[role].id, SIZE_MAX);
	fputc('"', w->out);
}

/* One cluster per role that has a drawn host or a placeholder. */
static void clusters(const struct dw *w)
{
	for (size_t r = 0; r < w->rs->nroles && r < RASFLOW_MAX_ROLES; r++) {
		bool ph = w->placeholders >> r & 1, any = ph;
		const char *id = w->rs->roles[r].id;

		for (size_t i = 0; i < w->nh && !any; i++)
			any = w->drawn[i] && w->primary[i] == r;
		if (!any)
			continue;
		fputs("\tsubgraph \"cluster_", w->out);
		put_esc(w->out, id, SIZE_MAX);
		fputs("\" {\n\t\tlabelloc=\"b\";\n\t\tlabel=", w->out);
		put_q(w->out, id);
		fputs(";\n\t\ttooltip=", w->out);
		put_q(w->out, w->rs->roles[r].name ? w->rs->roles[r].name : id);
		fputs(";\n", w->out);
		for (size_t i = 0; i < w->nh; i++)
			if (w->drawn[i] && w->primary[i] == r)
				host_node(w, &w->hv[i], "\t\t");
		if (ph) {
			fputs("\t\t", w->out);
			placeholder_id(w, (unsigned)r);
			fputs(" [label=\"any ", w->out);
			put_esc(w->out, id, SIZE_MAX);
			fputs("\", style=\"rounded,dashed\", fontcolor=\"gray30\"];\n", w->out);
		}
		fputs("\t}\n", w->out);
	}
	for (size_t i = 0; i < w->nh; i++)
		if (w->drawn[i] && w->primary[i] == UINT32_MAX)
			host_node(w, &w->hv[i], "\t");
}

/* One label line of an edge: the service, why it is not ok, and whether the
 * capture saw it one way only. */
static void edge_line(const struct dw *w, const struct rasflow_edge *e)
{
	char sb[RASFLOW_SERVICE_STRLEN];

	fputs(rasflow_service_str(e->proto, e->has_port, e->dport, sb), w->out);
	if (e->verdict == RASFLOW_V_FAILED) {
		fprintf(w->out, " %s", rasflow_outcome_name(e->outcome));
	} else if (e->verdict == RASFLOW_V_MISMATCH && e->app != NULL) {
		fputc(' ', w->out);
		put_esc(w->out, e->app, NAME_MAX_BYTES);
	}
	if (e->one_sided[0] + e->one_sided[1] > 0)
		fputs(" (seen one way)", w->out);
}

/* One tooltip line of an edge: rule and outcome detail. */
static void edge_tip(const struct dw *w, const struct rasflow_edge *e)
{
	char sb[RASFLOW_SERVICE_STRLEN];

	fputs(rasflow_service_str(e->proto, e->has_port, e->dport, sb), w->out);
	fprintf(w->out, " %s, %s", rasflow_verdict_name(e->verdict),
		e->rule >= 0 ? w->rs->rules[e->rule].id : "no rule");
	if (e->app != NULL) {
		fputs(", app ", w->out);
		put_esc(w->out, e->app, NAME_MAX_BYTES);
	}
	if (e->detail != NULL) {
		fputs(": ", w->out);
		put_esc(w->out, e->detail, 200);
	}
}

/* A node statement for a broadcast/multicast destination (not a host). */
static void group_node(const struct dw *w, const struct rasflow_addr *a)
{
	char ab[RASFLOW_ADDR_STRLEN];

	fputc('\t', w->out);
	put_q(w->out, addr_s(a, ab));
	fputs(" [shape=\"ellipse\", style=\"dashed\"];\n", w->out);
}

/* Listed edges; consecutive ones with the same ends and verdict share an
 * arrow (edges are sorted by src, dst, proto, port). */
static void edges(const struct dw *w)
{
	const struct rasflow_edge *ev;
	size_t n;
	char sb[RASFLOW_ADDR_STRLEN], db[RASFLOW_ADDR_STRLEN];

	ev = rasflow_analysis_edges(w->an, &n);
	for (size_t i = 0; i < n;) {
		const struct rasflow_edge *e = &ev[i];
		size_t j = i + 1, k;

		if (!edge_listed(w, e)) {
			i++;
			continue;
		}
		while (j < n && (!edge_listed(w, &ev[j]) ||
				 (rasflow_addr_cmp(&ev[j].src, &e->src) == 0 &&
				  rasflow_addr_cmp(&ev[j].dst, &e->dst) == 0 &&
				  ev[j].verdict == e->verdict)))
			j++;
		while (j > i + 1 && !edge_listed(w, &ev[j - 1]))
			j--;
		if (host_index(w, &e->src) < 0)
			group_node(w, &e->src);
		if (host_index(w, &e->dst) < 0)
			group_node(w, &e->dst);
		fputc('\t', w->out);
		put_q(w->out, addr_s(&e->src, sb));
		fputs(" -> ", w->out);
		put_q(w->out, addr_s(&e->dst, db));
		fputs(" [label=\"", w->out);
		k = 0;
		for (size_t x = i; x < j; x++) {
			if (!edge_listed(w, &ev[x]))
				continue;
			if (k == LABEL_LINES) {
				size_t more = 0;

				for (size_t y = x; y < j; y++)
					more += edge_listed(w, &ev[y]);
				fprintf(w->out, "\\n+%zu more", more);
				break;
			}
			if (k++)
				fputs("\\n", w->out);
			edge_line(w, &ev[x]);
		}
		fputs("\", tooltip=\"", w->out);
		k = 0;
		for (size_t x = i; x < j; x++) {
			if (!edge_listed(w, &ev[x]))
				continue;
			if (k++)
				fputs("\\n", w->out);
			edge_tip(w, &ev[x]);
		}
		fprintf(w->out, "\", color=\"%s\", fontcolor=\"%s\"%s];\n",
			verdict_color[e->verdict], verdict_color[e->verdict],
			e->verdict == RASFLOW_V_FAILED ? ", penwidth=2" : "");
		i = j;
	}
}

/* Missing findings: dashed arrows in the direction the traffic should go,
 * from or to the silent host; the side the contract leaves null is the
 * "any ROLE" placeholder of the rule's role. */
static void missing(const struct dw *w)
{
	const struct rasflow_finding *fv;
	char ab[RASFLOW_ADDR_STRLEN], sb[RASFLOW_SERVICE_STRLEN];
	size_t n;

	fv = rasflow_analysis_findings(w->an, &n);
	for (size_t i = 0; i < n; i++) {
		const struct rasflow_finding *f = &fv[i];
		const struct rasflow_rule *r;

		if (f->kind != RASFLOW_FIND_MISSING || f->rule < 0)
			continue;
		r = &w->rs->rules[f->rule];
		fputc('\t', w->out);
		if (f->has_src)
			put_q(w->out, addr_s(&f->src, ab));
		else
			placeholder_id(w, r->src);
		fputs(" -> ", w->out);
		if (f->has_dst)
			put_q(w->out, addr_s(&f->dst, ab));
		else
			placeholder_id(w, r->dst);
		fputs(" [label=\"", w->out);
		if (f->proto >= 0)
			fprintf(w->out, "%s ", rasflow_service_str((uint8_t)f->proto, f->dport >= 0,
								   f->dport >= 0 ? (uint16_t)f->dport : 0,
								   sb));
		fputs("missing\\n", w->out);
		put_esc(w->out, r->id, SIZE_MAX);
		fputs("\", tooltip=\"", w->out);
		put_esc(w->out, f->message, 400);
		fputs("\", color=\"" MISSING_COLOR "\", fontcolor=\"" MISSING_COLOR
		      "\", style=\"dashed\", penwidth=2];\n", w->out);
	}
}

/* The legend: one HTML-like table node (constant text only), a line of the
 * verdict's colour per verdict shown, and missing drawn dashed. */
static void legend(const struct dw *w)
{
	static const char *const verdicts[] = { "ok", "failed", "unexpected", "mismatch", "ignored" };
	bool all = rasflow_analysis_opts(w->an)->all_edges;

	fputs("\t\"legend\" [shape=\"plain\", fontsize=9, label=<\n"
	      "\t\t<table border=\"1\" color=\"gray60\" cellborder=\"0\" cellspacing=\"2\" cellpadding=\"1\">\n"
	      "\t\t<tr><td colspan=\"4\" align=\"left\"><b>legend</b></td></tr>\n", w->out);
	for (int v = 0; v < RASFLOW_V_COUNT; v++) {
		if (v == RASFLOW_V_IGNORED && !all)
			continue;
		fprintf(w->out,
			"\t\t<tr><td colspan=\"3\" fixedsize=\"true\" width=\"36\" height=\"%d\" bgcolor=\"%s\"></td>"
			"<td align=\"left\"><font color=\"%s\">%s</font></td></tr>\n",
			v == RASFLOW_V_FAILED ? 3 : 2, verdict_color[v], verdict_color[v], verdicts[v]);
	}
	fputs("\t\t<tr><td fixedsize=\"true\" width=\"10\" height=\"3\" bgcolor=\"" MISSING_COLOR "\"></td>"
	      "<td fixedsize=\"true\" width=\"10\" height=\"3\" bgcolor=\"" MISSING_COLOR "\"></td>"
	      "<td fixedsize=\"true\" width=\"10\" height=\"3\" bgcolor=\"" MISSING_COLOR "\"></td>"
	      "<td align=\"left\"><font color=\"" MISSING_COLOR "\">missing (dashed)</font></td></tr>\n"
	      "\t\t<tr><td colspan=\"4\" align=\"left\">arrows: initiator to responder</td></tr>\n"
	      "\t\t<tr><td colspan=\"4\" align=\"left\" bgcolor=\"lightyellow\">role inferred from traffic</td></tr>\n"
	      "\t\t</table>>];\n", w->out);
}

/* The graph title: capture files and the summary counts. */
static void title(const struct dw *w)
{
	const struct rasflow_capture_summary *c = rasflow_analysis_capture(w->an);
	const struct rasflow_summary *s = rasflow_analysis_summary(w->an);

	fputs("\tlabel=\"rasflow: ", w->out);
	for (size_t i = 0; i < c->nfiles; i++) {
		if (i)
			fputs(", ", w->out);
		put_esc(w->out, c->files[i], 200);
	}
	fprintf(w->out,
		"\\l%zu edges: ok %zu, failed %zu, unexpected %zu, mismatch %zu, ignored %zu; missing %zu\\l\";\n",
		s->edges, s->verdicts[RASFLOW_V_OK], s->verdicts[RASFLOW_V_FAILED],
		s->verdicts[RASFLOW_V_UNEXPECTED], s->verdicts[RASFLOW_V_MISMATCH],
		s->verdicts[RASFLOW_V_IGNORED], s->missing);
}

int rasflow_report_dot(const struct rasflow_analysis *an, const struct rasflow_report_opts *o,
		       FILE *out)
{
	struct dw w;
	int rc;

	(void)o;
	memset(&w, 0, sizeof(w));
	w.out = out;
	w.an = an;
	w.rs = rasflow_analysis_ruleset(an);
	w.hv = rasflow_analysis_hosts(an, &w.nh);
	rc = plan(&w);
	if (rc == 0) {
		fputs("digraph rasflow {\n"
		      "\tgraph [rankdir=\"LR\", fontname=\"Helvetica\", fontsize=12, labelloc=\"t\",\n"
		      "\t       labeljust=\"l\", nodesep=0.25, ranksep=1.2, style=\"rounded\",\n"
		      "\t       color=\"gray50\"];\n"
		      "\tnode [shape=\"box\", style=\"rounded,filled\", fillcolor=\"white\",\n"
		      "\t      fontname=\"Helvetica\", fontsize=10];\n"
		      "\tedge [fontname=\"Helvetica\", fontsize=9, arrowsize=0.7];\n", out);
		title(&w);
		clusters(&w);
		edges(&w);
		missing(&w);
		legend(&w);
		fputs("}\n", out);
		rc = ferror(out) ? RASFLOW_EIO : 0;
	}
	free(w.drawn);
	free(w.primary);
	return rc;
}
