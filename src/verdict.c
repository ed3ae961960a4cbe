/* verdict.c — outcome, policy and verdict of each edge, and the findings of
 * failed, unexpected and mismatching edges with messages an admin can act on.
 *
 * Runs once per edge after roles are known (never per packet). Policy and
 * verdict follow contract.md: expected (a rule matches the roles), unexpected
 * (no rule, and a RAS port or two RAS components, or --strict), ignored.
 * Missing traffic is missing.c's job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze_int.h"
#include "rasflow/rules_emit.h"
#include "strbuf.h"

#define MATCH_MAX 64
#define LABEL_LEN (RASFLOW_ADDR_STRLEN + 300)

enum rasflow_outcome rasflow_ana_flow_outcome(const struct rasflow_flow *f)
{
	bool rev = f->pkts[RASFLOW_DIR_REV] > 0;

	if (f->proto == 6) {
		if (f->established || f->synack > 0 || f->synack_unseen)
			return RASFLOW_OUT_ESTABLISHED;
		if (f->syn > 0 && f->rst[RASFLOW_DIR_REV] > 0)
			return RASFLOW_OUT_REFUSED;
		if (f->midstream && f->dirsrc != RASFLOW_DIRSRC_ICMP)
			return RASFLOW_OUT_MIDSTREAM;
		if (f->data[0] && f->data[1])
			return RASFLOW_OUT_ESTABLISHED;
		if (f->icmp_errors > 0)
			return RASFLOW_OUT_UNREACHABLE;
		if (f->syn > 0)
			return rev ? RASFLOW_OUT_ESTABLISHED : RASFLOW_OUT_UNANSWERED;
		return RASFLOW_OUT_MIDSTREAM;
	}
	if (rev)
		return RASFLOW_OUT_BIDIRECTIONAL;
	if (f->icmp_errors > 0)
		return RASFLOW_OUT_UNREACHABLE;
	return RASFLOW_OUT_ONEWAY;
}

bool rasflow_ana_rule_oneway_ok(const struct rasflow_rule *r)
{
	return r == NULL ||
	       (r->flags & (RASFLOW_RF_ONEWAY | RASFLOW_RF_BCAST | RASFLOW_RF_MCAST)) != 0;
}

bool rasflow_ana_outcome_good(enum rasflow_outcome o, const struct rasflow_rule *r)
{
	switch (o) {
	case RASFLOW_OUT_ESTABLISHED:
	case RASFLOW_OUT_MIDSTREAM:
	case RASFLOW_OUT_BIDIRECTIONAL:
		return true;
	case RASFLOW_OUT_ONEWAY:
		return rasflow_ana_rule_oneway_ok(r);
	default:
		return false;
	}
}

/* The edge's outcome from its flows' outcomes, judged against rule r (NULL
 * when none matched): the common one, the best working or the most frequent
 * failing one, or mixed. skip_noreply leaves out the flows that got no reply
 * (unanswered, one way) when the capture's end cut them short. */
static enum rasflow_outcome edge_outcome(const struct rasflow_edge *e, const struct rasflow_rule *r,
					 bool skip_noreply, uint32_t *good, uint32_t *bad)
{
	static const enum rasflow_outcome good_order[] = {
		RASFLOW_OUT_ESTABLISHED, RASFLOW_OUT_MIDSTREAM, RASFLOW_OUT_BIDIRECTIONAL,
		RASFLOW_OUT_ONEWAY,
	};
	enum rasflow_outcome worst = RASFLOW_OUT_UNANSWERED;
	uint32_t worst_n = 0;

	*good = *bad = 0;
	for (int o = 0; o < RASFLOW_OUT_MIXED; o++) {
		if (rasflow_ana_outcome_good((enum rasflow_outcome)o, r)) {
			*good += e->nout[o];
		} else if (skip_noreply &&
			   (o == RASFLOW_OUT_UNANSWERED || o == RASFLOW_OUT_ONEWAY)) {
			continue;
		} else {
			*bad += e->nout[o];
			if (e->nout[o] > worst_n) {
				worst_n = e->nout[o];
				worst = (enum rasflow_outcome)o;
			}
		}
	}
	if (*good && *bad)
		return RASFLOW_OUT_MIXED;
	if (*bad)
		return worst;
	for (size_t i = 0; i < sizeof(good_order) / sizeof(good_order[0]); i++)
		if (e->nout[good_order[i]])
			return good_order[i];
	return RASFLOW_OUT_ONEWAY;
}

/* Did every flow of e that got no reply begin within RASFLOW_ANA_CUT_US of
 * the capture's end? */
static bool cut_by_end(const struct rasflow_analysis *an, const struct rasflow_edge *e)
{
	return e->first_noreply != 0 && an->cap.end != 0 &&
	       e->first_noreply + RASFLOW_ANA_CUT_US > an->cap.end;
}

/* Is outcome o one that e's cut flows had (so not a failure of e)? */
static bool cut_out(const struct rasflow_edge *e, int o)
{
	return e->cut > 0 && (o == RASFLOW_OUT_UNANSWERED || o == RASFLOW_OUT_ONEWAY);
}

/* RAS-specific responder ports (contract.md "unexpected"). */
static bool ras_port(uint8_t proto, uint16_t p)
{
	if (proto != 6 && proto != 17)
		return false;
	return (p >= 20000 && p <= 20030) || p == 20443 || (p >= 30000 && p <= 30030) ||
	       p == 31006 || p == 50005;
}

/* "*.wvd.microsoft.com" matches any name ending in ".wvd.microsoft.com";
 * "*xt.blob.core.windows.net" any name ending in "xt.blob.core.windows.net";
 * anything else matches exactly. Case-insensitive. */
static bool host_pattern_match(const char *pat, const char *name)
{
	size_t pl, nl = strlen(name);

	if (nl > 0 && name[nl - 1] == '.')
		nl--;
	if (pat[0] == '*') {
		pat++;
		pl = strlen(pat);
		return nl > pl && strncasecmp(name + nl - pl, pat, pl) == 0;
	}
	pl = strlen(pat);
	return nl == pl && strncasecmp(name, pat, pl) == 0;
}

/* A rule's host pattern against an address and its server name. A literal
 * IP pattern matches by address; a URL pattern by its host part. */
static bool rule_host_ok(const struct rasflow_rule *r, const struct rasflow_addr *a,
			 const char *name)
{
	struct rasflow_addr lit;
	char host[256];
	const char *pat = r->host;
	const char *p = strstr(pat, "://");

	if (p != NULL) {
		size_t n;

		p += 3;
		n = strcspn(p, "/:");
		if (n >= sizeof(host))
			return false;
		memcpy(host, p, n);
		host[n] = '\0';
		pat = host;
	}
	if (rasflow_addr_parse(pat, &lit))
		return rasflow_addr_cmp(&lit, a) == 0;
	return name != NULL && !rasflow_addr_is_private(a) && host_pattern_match(pat, name);
}

/* An nDPI name ("TLS.Microsoft" or "RDP") against '|'-separated expected
 * names; either part of a dotted name counts. */
static bool app_matches(const char *name, const char *expected)
{
	const char *dot = strchr(name, '.');
	size_t full = strlen(name), head = dot ? (size_t)(dot - name) : full;

	for (const char *p = expected; *p != '\0';) {
		size_t n = strcspn(p, "|");

		if ((n == full && strncasecmp(p, name, n) == 0) ||
		    (n == head && strncasecmp(p, name, n) == 0) ||
		    (dot != NULL && n == strlen(dot + 1) && strncasecmp(p, dot + 1, n) == 0))
			return true;
		p += n;
		if (*p == '|')
			p++;
	}
	return false;
}

/* Match an edge against the rules; fills e->rules and returns the roles the
 * destination took through external or group rules. An external peer whose
 * server name matched a rule's host: pattern is not also claimed by external
 * rules without a pattern (the named rule is the more specific reading). */
static rasflow_roleset match_edge(struct rasflow_analysis *an, struct rasflow_edge *e,
				  rasflow_roleset src_roles, rasflow_roleset dst_roles,
				  const struct rasflow_host *dh)
{
	const struct rasflow_ruleset *rs = an->rs;
	unsigned idx[MATCH_MAX];
	uint8_t how[MATCH_MAX];		/* 0 rejected, 1 by role, 2 external, 3 external named */
	bool ext_ok = !e->dst_group && dh != NULL && dh->site == NULL;
	rasflow_roleset trial = e->dst_group ? an->all_roles :
				dst_roles | (ext_ok ? an->ext_roles : 0);
	rasflow_roleset added = 0;
	size_t n = 0, doubtful = 0;
	bool named = false;

	e->nrules = 0;
	if (src_roles == 0 || trial == 0)
		return 0;
	n = rasflow_rules_match(rs, e->proto, e->dport, src_roles, trial, idx, MATCH_MAX);
	if (n > MATCH_MAX)
		n = MATCH_MAX;
	for (size_t i = 0; i < n; i++) {
		const struct rasflow_rule *r = &rs->rules[idx[i]];
		rasflow_roleset bit = (rasflow_roleset)1 << r->dst;

		how[i] = 0;
		if (r->flags & RASFLOW_RF_LOCAL)
			continue;
		if (e->dst_group) {
			if (r->flags & (RASFLOW_RF_BCAST | RASFLOW_RF_MCAST))
				how[i] = 2;
		} else if (dst_roles & bit) {
			how[i] = 1;
		} else if (ext_ok && rs->roles[r->dst].cls == RASFLOW_CLASS_EXTERNAL) {
			if (r->host != NULL && rule_host_ok(r, &e->dst, dh->server_name))
				how[i] = 3;
			else if (r->host == NULL && !rasflow_addr_is_private(&e->dst))
				how[i] = 2;
		}
		named |= how[i] == 3;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rasflow_rule *r = &rs->rules[idx[i]];

		if (how[i] == 0 || (named && how[i] == 2 && !e->dst_group))
			continue;
		if (how[i] >= 2)
			added |= (rasflow_roleset)1 << r->dst;
		if (e->nrules < RASFLOW_EDGE_RULES) {
			/* doubtful readings go last */
			if (r->flags & RASFLOW_RF_DOUBTFUL) {
				e->rules[e->nrules++] = idx[i];
				doubtful++;
			} else {
				memmove(&e->rules[e->nrules - doubtful + 1],
					&e->rules[e->nrules - doubtful], doubtful * sizeof(e->rules[0]));
				e->rules[e->nrules - doubtful] = idx[i];
				e->nrules++;
			}
		}
	}
	return added;
}

/* A loopback-only rule on this port: one whose source role the initiator
 * has if there is such a rule, else any. Index or -1. */
static int local_rule(const struct rasflow_analysis *an, const struct rasflow_edge *e,
		      rasflow_roleset src_roles)
{
	unsigned idx[MATCH_MAX];
	rasflow_roleset tries[2] = { src_roles, an->all_roles };

	for (int t = 0; t < 2; t++) {
		size_t n;

		if (tries[t] == 0)
			continue;
		n = rasflow_rules_match(an->rs, e->proto, e->dport, tries[t], an->all_roles, idx,
					MATCH_MAX);
		for (size_t i = 0; i < n && i < MATCH_MAX; i++)
			if (an->rs->rules[idx[i]].flags & RASFLOW_RF_LOCAL)
				return (int)idx[i];
	}
	return -1;
}

/* Is the detected application allowed by some matching rule? */
static bool app_allowed(const struct rasflow_analysis *an, const struct rasflow_edge *e)
{
	bool any_expect = false;

	for (size_t i = 0; i < e->nrules; i++) {
		const char *exp = rasflow_rules_expected_app(an->rs, &an->rs->rules[e->rules[i]],
							     e->proto, e->dport);

		if (exp == NULL || *exp == '\0')
			return true;	/* a rule that expects nothing allows anything */
		any_expect = true;
		if (app_matches(e->app, exp))
			return true;
	}
	return !any_expect;
}

/* Microseconds from a to b, 0 when b is not later. */
static uint64_t span_us(rasflow_ts a, rasflow_ts b)
{
	return b > a ? b - a : 0;
}

static const char *icmp_desc(bool v6, uint8_t type, uint8_t code)
{
	if (v6) {
		static const char *const c6[] = {
			"no route to destination", "communication administratively prohibited",
			"beyond scope of source address", "address unreachable", "port unreachable",
			"source address failed policy", "reject route to destination",
		};

		return type == 1 && code < 7 ? c6[code] : "destination unreachable";
	}
	static const char *const c4[] = {
		"net unreachable", "host unreachable", "protocol unreachable", "port unreachable",
		"fragmentation needed", "source route failed", "destination network unknown",
		"destination host unknown", "source host isolated",
		"network administratively prohibited", "host administratively prohibited",
		"network unreachable for TOS", "host unreachable for TOS",
		"communication administratively prohibited", "host precedence violation",
		"precedence cutoff in effect",
	};

	return type == 3 && code < 16 ? c4[code] : "destination unreachable";
}

static bool icmp_admin(bool v6, uint8_t code)
{
	return v6 ? (code == 1 || code == 5 || code == 6) : (code == 9 || code == 10 || code == 13);
}

static bool icmp_port(bool v6, uint8_t code)
{
	return v6 ? code == 4 : (code == 3 || code == 2);
}

/* The outcome detail: counts behind the outcome in a few words. */
static char *edge_detail(struct rasflow_analysis *an, const struct rasflow_edge *e,
			 const struct rasflow_rule *r)
{
	char ab[RASFLOW_ADDR_STRLEN];
	uint32_t n = e->nout[e->outcome];
	uint64_t us = span_us(e->first_try, e->last_try);
	bool v6 = !rasflow_addr_is_v4(&e->dst);
	char buf[256], *p = NULL;	/* p: end of what the put_ helpers wrote */

	switch (e->outcome) {
	/* The common outcomes are spelled out by hand: snprintf for every edge
	 * costs more than classifying it. */
	case RASFLOW_OUT_ESTABLISHED:
		p = rasflow_put_dec(buf, n);
		p = rasflow_put_str(p, " of ");
		p = rasflow_put_dec(p, e->flows);
		p = rasflow_put_str(p, e->flows == 1 ? " flow established" : " flows established");
		break;
	case RASFLOW_OUT_REFUSED:
		p = rasflow_put_dec(buf, e->syns);
		p = rasflow_put_str(p, e->syns == 1 ? " SYN answered by RST" : " SYNs answered by RST");
		break;
	case RASFLOW_OUT_UNANSWERED: {
		uint64_t k = e->proto == 6 ? e->syns : e->pkts[0];

		p = rasflow_put_dec(buf, k);
		p = rasflow_put_str(p, e->proto == 6 ? (k == 1 ? " SYN over " : " SYNs over ") :
						       (k == 1 ? " packet over " : " packets over "));
		p = rasflow_put_secs0(p, us);
		p = rasflow_put_str(p, " s, never answered");
		break;
	}
	case RASFLOW_OUT_UNREACHABLE:
		snprintf(buf, sizeof(buf), "%u ICMP %s (type %u code %u) from %s%s", e->icmp,
			 icmp_desc(v6, e->icmp_type, e->icmp_code), e->icmp_type, e->icmp_code,
			 rasflow_addr_str(&e->icmp_from, ab),
			 rasflow_addr_cmp(&e->icmp_from, &e->dst) == 0 ? " (the target itself)" :
									  " (a router)");
		break;
	case RASFLOW_OUT_ONEWAY:
		p = rasflow_put_dec(buf, e->pkts[0]);
		p = rasflow_put_str(p, e->pkts[0] == 1 ? " packet one way over " :
							 " packets one way over ");
		p = rasflow_put_secs0(p, us);
		p = rasflow_put_str(p, " s, no reply");
		break;
	case RASFLOW_OUT_BIDIRECTIONAL:
		p = rasflow_put_dec(buf, e->pkts[0]);
		p = rasflow_put_str(p, e->pkts[0] == 1 ? " packet out, " : " packets out, ");
		p = rasflow_put_dec(p, e->pkts[1]);
		p = rasflow_put_str(p, " back");
		break;
	case RASFLOW_OUT_MIDSTREAM:
		p = rasflow_put_dec(buf, n);
		p = rasflow_put_str(p, n == 1 ? " flow began before the capture" :
						" flows began before the capture");
		break;
	default: {
		size_t used = 0;
		uint32_t bad = 0;

		for (int o = 0; o < RASFLOW_OUT_MIXED; o++)
			if (!rasflow_ana_outcome_good((enum rasflow_outcome)o, r) && !cut_out(e, o))
				bad += e->nout[o];
		used = (size_t)snprintf(buf, sizeof(buf), "%u of %u attempts failed (", bad,
					e->flows);
		for (int o = 0; o < RASFLOW_OUT_MIXED && used < sizeof(buf); o++) {
			if (e->nout[o] == 0 || rasflow_ana_outcome_good((enum rasflow_outcome)o, r) ||
			    cut_out(e, o))
				continue;
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%u %s",
						 buf[used - 1] == '(' ? "" : ", ", e->nout[o],
						 rasflow_outcome_name((enum rasflow_outcome)o));
		}
		if (used < sizeof(buf) - 1)
			strcat(buf, ")");
		break;
	}
	}
	if (p != NULL)
		*p = '\0';
	if (e->one_sided[0] + e->one_sided[1] > 0) {
		char more[64], *m = more;
		size_t used = strlen(buf);

		m = rasflow_put_str(m, " (");
		m = rasflow_put_dec(m, e->one_sided[0] + e->one_sided[1]);
		m = rasflow_put_str(m, " captured one way only)");
		rasflow_put_trunc(buf, sizeof(buf), &used, more, (size_t)(m - more));
	}
	if (cut_out(e, e->outcome)) {
		p = rasflow_put_dec(buf, e->cut);
		p = rasflow_put_str(p, e->proto == 6 ? " connection attempt" : " flow");
		if (e->cut != 1)
			*p++ = 's';
		p = rasflow_put_str(p, ", no reply before the capture ended ");
		p = rasflow_put_secs1(p, an->cap.end - e->first_noreply);
		p = rasflow_put_str(p, " s after the first");
		*p = '\0';
	} else if (e->cut > 0 && strlen(buf) + 40 < sizeof(buf)) {
		char more[64], *m = more;
		size_t used = strlen(buf);

		m = rasflow_put_str(m, "; ");
		m = rasflow_put_dec(m, e->cut);
		m = rasflow_put_str(m, " more cut by the capture's end");
		rasflow_put_trunc(buf, sizeof(buf), &used, more, (size_t)(m - more));
	}
	return rasflow_ana_strndup(an, buf, strlen(buf));
}

#define CLASSIFY_AHEAD 8

/* The lines of an edge's hosts that classifying it reads (source, roles). */
static void prefetch_hosts(const struct rasflow_analysis *an, const struct rasflow_edge *e)
{
	uint32_t hv[2] = { e->src_host, e->dst_host };

	for (int k = 0; k < 2; k++) {
		if (hv[k] == RASFLOW_NOHOST)
			continue;
		__builtin_prefetch(&an->hosts[hv[k]].source);
		__builtin_prefetch(&an->hosts[hv[k]].roles);
	}
}

int rasflow_ana_classify(struct rasflow_analysis *an)
{
	const struct rasflow_ruleset *rs = an->rs;

	for (size_t i = 0; i < an->nedges; i++) {
		struct rasflow_edge *e = &an->edges[i];

		/* the edges are in the order they were made, so their hosts are
		 * anywhere: ask for those a few edges ahead */
		if (i + CLASSIFY_AHEAD < an->nedges)
			prefetch_hosts(an, &an->edges[i + CLASSIFY_AHEAD]);

		struct rasflow_host *sh = e->src_host != RASFLOW_NOHOST ? &an->hosts[e->src_host] : NULL;
		struct rasflow_host *dh = e->dst_host != RASFLOW_NOHOST ? &an->hosts[e->dst_host] : NULL;
		rasflow_roleset sr = sh ? sh->roles : 0, dr = dh ? dh->roles : 0;
		uint32_t good, bad;

		/* roles an external peer took on other edges do not count here */
		if (sh != NULL && sh->source != RASFLOW_SRC_SITE)
			sr &= ~an->ext_roles;
		if (dh != NULL && dh->source != RASFLOW_SRC_SITE)
			dr &= ~an->ext_roles;

		rasflow_roleset added = match_edge(an, e, sr, dr, dh);
		const struct rasflow_rule *r = e->nrules ? &rs->rules[e->rules[0]] : NULL;

		e->src_roles = sr;
		e->dst_roles = dr | added;
		e->outcome = edge_outcome(e, r, false, &good, &bad);
		if (bad > 0 && cut_by_end(an, e)) {
			/* its flows with no reply all began too late to get one */
			uint32_t g, b;
			enum rasflow_outcome o = edge_outcome(e, r, true, &g, &b);

			e->cut = bad - b;
			if (g + b > 0)
				e->outcome = o;
		}
		if (r != NULL) {
			e->rule = (int)e->rules[0];
			e->policy = RASFLOW_POL_EXPECTED;
			if (added && dh != NULL && !e->dst_group) {
				if (dh->source == RASFLOW_SRC_UNKNOWN)
					dh->source = RASFLOW_SRC_INFERRED;
				if ((dh->roles & added) != added) {
					char pb[RASFLOW_PROTO_STRLEN];
					int err = rasflow_ana_evidence(dh, "external peer of rule %s (%s/%u)",
								       r->id,
								       rasflow_proto_str(e->proto, pb),
								       e->dport);

					if (err)
						return err;
				}
				dh->roles |= added;
			}
		} else {
			int lr = local_rule(an, e, sr);
			bool both_ras = (sr & an->ras_roles) && (dr & an->ras_roles);

			if (lr >= 0 && rasflow_addr_cmp(&e->src, &e->dst) != 0) {
				e->local_port = true;
				e->rule = lr;
			}
			if (e->local_port || ras_port(e->proto, e->dport) || both_ras ||
			    (an->o.strict && (sr | dr) != 0))
				e->policy = RASFLOW_POL_UNEXPECTED;
			else
				e->policy = RASFLOW_POL_IGNORED;
		}

		if (e->app_state == 2 && an->o.app_name != NULL) {
			char nb[128];
			const char *name = an->o.app_name(an->o.app_ctx, e->app_master, e->app_proto,
							  nb, sizeof(nb));

			if (name != NULL) {
				e->app = rasflow_ana_strndup(an, name, strlen(name));
				if (e->app == NULL)
					return RASFLOW_ENOMEM;
			}
		}

		if (e->policy == RASFLOW_POL_IGNORED)
			e->verdict = RASFLOW_V_IGNORED;
		else if (e->policy == RASFLOW_POL_UNEXPECTED)
			e->verdict = RASFLOW_V_UNEXPECTED;
		else if (e->outcome == RASFLOW_OUT_MIXED || !rasflow_ana_outcome_good(e->outcome, r))
			e->verdict = RASFLOW_V_FAILED;
		else if (e->app != NULL && !app_allowed(an, e))
			e->verdict = RASFLOW_V_MISMATCH;
		else
			e->verdict = RASFLOW_V_OK;

		e->detail = edge_detail(an, e, r);
		if (e->detail == NULL)
			return RASFLOW_ENOMEM;
	}
	return 0;
}

/* The name an admin knows a host by: site name, server name, or address. */
static const char *short_name(const struct rasflow_analysis *an, const struct rasflow_addr *a,
			      char buf[RASFLOW_ADDR_STRLEN + 256])
{
	uint32_t i = rasflow_ana_host_find(an, a);

	if (i != RASFLOW_NOHOST && an->hosts[i].name != NULL) {
		snprintf(buf, RASFLOW_ADDR_STRLEN + 256, "%s", an->hosts[i].name);
		return buf;
	}
	return rasflow_addr_str(a, buf);
}

/* The finding for one failed edge; sl, dl: the labels of its ends. */
static int failed_finding(struct rasflow_analysis *an, const struct rasflow_edge *e,
			  struct rasflow_finding *t, const char *sl, const char *dl)
{
	const struct rasflow_rule *r = &an->rs->rules[e->rule];
	const char *role = an->rs->roles[r->dst].id;
	char dn[RASFLOW_ADDR_STRLEN + 256];
	char svc[RASFLOW_SERVICE_STRLEN], ab[RASFLOW_ADDR_STRLEN];
	bool v6 = !rasflow_addr_is_v4(&e->dst);

	short_name(an, &e->dst, dn);
	rasflow_service_str(e->proto, e->has_port, e->dport, svc);

	t->severity = e->outcome == RASFLOW_OUT_MIXED ? RASFLOW_SEV_WARNING : RASFLOW_SEV_ERROR;
	if (cut_out(e, e->outcome)) {
		/* nothing but attempts the capture's end cut short */
		t->severity = RASFLOW_SEV_NOTICE;
		return rasflow_ana_add_finding(an, t,
			"%s → %s %s %s: %s — too early to tell; capture for longer to see whether %s answers",
			sl, role, dl, svc, e->detail, dn);
	}
	switch (e->outcome) {
	case RASFLOW_OUT_REFUSED: {
		/* common: concatenated, as printf costs more than the rest */
		const char *parts[] = {
			sl, " → ", role, " ", dl, " ", svc, ": answered by RST: nothing listens on ",
			svc, " on ", dn, " — the ", role, " service is stopped or bound to another port",
		};

		return rasflow_ana_add_finding_cat(an, t, parts, sizeof(parts) / sizeof(parts[0]));
	}
	case RASFLOW_OUT_UNREACHABLE:
		if (rasflow_addr_cmp(&e->icmp_from, &e->dst) == 0) {
			if (icmp_admin(v6, e->icmp_code))
				return rasflow_ana_add_finding(an, t,
					"%s → %s %s %s: %s itself answered ICMP %s (type %u code %u) — its host firewall rejects %s",
					sl, role, dl, svc, dn, icmp_desc(v6, e->icmp_type, e->icmp_code),
					e->icmp_type, e->icmp_code, svc);
			if (icmp_port(v6, e->icmp_code))
				return rasflow_ana_add_finding(an, t,
					"%s → %s %s %s: %s itself answered ICMP %s (type %u code %u): nothing listens on %s on %s — the %s service is stopped or bound to another port",
					sl, role, dl, svc, dn, icmp_desc(v6, e->icmp_type, e->icmp_code),
					e->icmp_type, e->icmp_code, svc, dn, role);
			return rasflow_ana_add_finding(an, t,
				"%s → %s %s %s: %s itself answered ICMP %s (type %u code %u) — it does not accept this traffic",
				sl, role, dl, svc, dn, icmp_desc(v6, e->icmp_type, e->icmp_code),
				e->icmp_type, e->icmp_code);
		}
		if (icmp_admin(v6, e->icmp_code))
			return rasflow_ana_add_finding(an, t,
				"%s → %s %s %s: router %s answered ICMP %s (type %u code %u) — a firewall between them rejects %s",
				sl, role, dl, svc, rasflow_addr_str(&e->icmp_from, ab),
				icmp_desc(v6, e->icmp_type, e->icmp_code), e->icmp_type, e->icmp_code, svc);
		return rasflow_ana_add_finding(an, t,
			"%s → %s %s %s: router %s answered ICMP %s (type %u code %u) — %s is down or there is no route to it",
			sl, role, dl, svc, rasflow_addr_str(&e->icmp_from, ab),
			icmp_desc(v6, e->icmp_type, e->icmp_code), e->icmp_type, e->icmp_code, dn);
	case RASFLOW_OUT_MIXED:
		return rasflow_ana_add_finding(an, t,
			"%s → %s %s %s: %s — intermittent: check the load of the %s service on %s and the path between them",
			sl, role, dl, svc, e->detail, role, dn);
	default: {
		/* unanswered or one way: the most common failures, concatenated */
		bool dgram = e->outcome == RASFLOW_OUT_ONEWAY;
		char num[24], dur[24];
		const struct rasflow_one_sided *side = dgram ?
			rasflow_ana_side_find(an, &e->src, &e->dst) : NULL;

		if (side != NULL) {
			/* a TCP stack's ACKs prove replies that were not captured;
			 * datagrams prove nothing either way */
			t->severity = RASFLOW_SEV_WARNING;
			return rasflow_ana_add_finding(an, t,
				"%s → %s %s %s: %s — but the capture holds only %s → %s traffic: %u TCP connection%s between them worked with nothing captured the other way (a one-way mirror or asymmetric routing), so the replies may have gone by unseen; capture both directions to be sure",
				sl, role, dl, svc, e->detail, sl, dl, side->flows,
				side->flows == 1 ? "" : "s");
		}
		const char *parts[] = {
			sl, " → ", role, " ", dl, " ", svc, ": ", num,
			dgram ? (e->pkts[0] == 1 ? " datagram" : " datagrams") :
				e->syns == 1 ? " SYN" : " SYNs", " over ", dur,
			" s, never answered — a firewall between them drops the port, or the ",
			role, " service is down",
		};

		*rasflow_put_dec(num, dgram ? e->pkts[0] : e->syns) = '\0';
		*rasflow_put_secs0(dur, span_us(e->first_try, e->last_try)) = '\0';
		return rasflow_ana_add_finding_cat(an, t, parts, sizeof(parts) / sizeof(parts[0]));
	}
	}
}

/* rasflow_ana_label() of an edge end whose host index is known (after
 * sort_tables it is what a lookup would find, or RASFLOW_NOHOST for none
 * and for groups, which are looked up then). */
static const char *end_label(const struct rasflow_analysis *an, const struct rasflow_addr *a,
			     uint32_t hi, char *buf, size_t len)
{
	if (hi == RASFLOW_NOHOST)
		return rasflow_ana_label(an, a, buf, len);
	return rasflow_ana_host_label(an, a, hi, buf, len);
}

/* The finding of an unexpected edge; sl, dl, sr, dr: labels and roles. */
static int unexpected_finding(struct rasflow_analysis *an, const struct rasflow_edge *e,
			      struct rasflow_finding *t, const char *sl, const char *sr,
			      const char *dl, const char *dr)
{
	const struct rasflow_ruleset *rs = an->rs;
	bool both_ras = (e->src_roles & an->ras_roles) && (e->dst_roles & an->ras_roles);
	char svc[RASFLOW_SERVICE_STRLEN];

	rasflow_service_str(e->proto, e->has_port, e->dport, svc);
	t->kind = RASFLOW_FIND_UNEXPECTED;
	t->severity = both_ras || e->local_port ? RASFLOW_SEV_WARNING : RASFLOW_SEV_NOTICE;
	if (e->local_port)
		return rasflow_ana_add_finding(an, t,
			"%s [%s] → %s [%s] %s: %s is a loopback-only port (rule %s) and should never be seen on the wire — a service listens on a network interface instead of localhost, or something addresses it remotely",
			sl, sr, dl, dr, svc, svc, rs->rules[e->rule].id);

	/* One of these per unexpected edge, often most edges: concatenated
	 * rather than formatted, the same text as
	 * "%s [%s] → %s [%s] %s (%s): no rule of the matrix allows this — ..." */
	const char *why = both_ras ? "between RAS components" :
			  ras_port(e->proto, e->dport) ? "on a RAS port" : "with --strict";
	const char *parts[] = {
		sl, " [", sr, "] → ", dl, " [", dr, "] ", svc, " (", why,
		"): no rule of the matrix allows this — check whether the roles are right (--site) or what opened this connection",
	};

	return rasflow_ana_add_finding_cat(an, t, parts, sizeof(parts) / sizeof(parts[0]));
}

int rasflow_ana_edge_findings(struct rasflow_analysis *an)
{
	const struct rasflow_ruleset *rs = an->rs;
	char sl[LABEL_LEN], dl[LABEL_LEN], sr[256], dr[256];
	/* Edges are sorted by initiator, so a run of findings shares its label
	 * and often its roles: those are formatted once per run. */
	uint32_t sl_host = RASFLOW_NOHOST;
	struct rasflow_addr sl_addr;
	bool sl_ok = false, sr_ok = false, dr_ok = false;
	rasflow_roleset sr_set = 0, dr_set = 0;
	size_t nfind = 0;

	for (size_t i = 0; i < an->nedges; i++)
		nfind += an->edges[i].verdict != RASFLOW_V_OK &&
			 an->edges[i].verdict != RASFLOW_V_IGNORED;
	if (rasflow_ana_reserve_findings(an, nfind) < 0)
		return RASFLOW_ENOMEM;
	for (size_t i = 0; i < an->nedges; i++) {
		const struct rasflow_edge *e = &an->edges[i];
		struct rasflow_finding t = {
			.rule = e->rule, .edge = (int)i, .proto = e->proto,
			.has_src = true, .has_dst = true, .src = e->src, .dst = e->dst,
			.dport = e->has_port ? e->dport : -1,
		};
		int err = 0;

		if (e->verdict == RASFLOW_V_OK || e->verdict == RASFLOW_V_IGNORED)
			continue;
		if (!sl_ok || e->src_host != sl_host ||
		    !rasflow_addr_eq(&e->src, &sl_addr)) {
			end_label(an, &e->src, e->src_host, sl, sizeof(sl));
			sl_addr = e->src;
			sl_host = e->src_host;
			sl_ok = true;
		}
		end_label(an, &e->dst, e->dst_host, dl, sizeof(dl));
		if (!sr_ok || e->src_roles != sr_set) {
			rasflow_roles_str(rs, e->src_roles, "no role", sr, sizeof(sr));
			sr_set = e->src_roles;
			sr_ok = true;
		}
		if (!dr_ok || e->dst_roles != dr_set) {
			rasflow_roles_str(rs, e->dst_roles, "no role", dr, sizeof(dr));
			dr_set = e->dst_roles;
			dr_ok = true;
		}

		switch (e->verdict) {
		case RASFLOW_V_FAILED:
			t.kind = RASFLOW_FIND_FAILED;
			err = failed_finding(an, e, &t, sl, dl);
			break;
		case RASFLOW_V_MISMATCH: {
			const struct rasflow_rule *r = &rs->rules[e->rule];
			const char *exp = rasflow_rules_expected_app(rs, r, e->proto, e->dport);
			char svc[RASFLOW_SERVICE_STRLEN];

			t.kind = RASFLOW_FIND_MISMATCH;
			t.severity = RASFLOW_SEV_WARNING;
			err = rasflow_ana_add_finding(an, &t,
				"%s → %s %s %s: nDPI identified %s, but rule %s expects %s — another service answers on this port, or traffic is tunnelled through it",
				sl, rs->roles[r->dst].id, dl, rasflow_service_str(e->proto, e->has_port, e->dport, svc), e->app, r->id,
				exp ? exp : "?");
			break;
		}
		case RASFLOW_V_UNEXPECTED:
			err = unexpected_finding(an, e, &t, sl, sr, dl, dr);
			break;
		default:
			break;
		}
		if (err)
			return err;
	}
	return 0;
}

/* Exported for the live classifier (peek.c): the same answers as above. */
bool rasflow_ana_ras_port(uint8_t proto, uint16_t p)
{
	return ras_port(proto, p);
}

bool rasflow_ana_app_matches(const char *name, const char *expected)
{
	return app_matches(name, expected);
}

const char *rasflow_ana_icmp_desc(bool v6, uint8_t type, uint8_t code)
{
	return icmp_desc(v6, type, code);
}
