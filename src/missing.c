/* missing.c — "missing" findings: steady rules whose traffic a site host
 * should have sent or received within the rule's window but did not.
 *
 * Only rules marked steady, only when both roles have host entries in the
 * site, the site has the rule's optional feature where that is a RAS or
 * infrastructure role (sup-tbgw-tenant needs a tenant-broker; rules.h),
 * and the capture spans the window. Guards against false alarms: a
 * role-to-same-role rule needs two hosts and either direction counts;
 * multicast rules (HALB VRRP) need only one advertiser among the hosts;
 * broadcast rules are checked on the sending side only; a host whose
 * attempts failed is reported by its failed findings instead; a host the
 * site marks standby counts as a host of its roles but is never reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "rasflow/rules_emit.h"

#define LABEL_LEN (RASFLOW_ADDR_STRLEN + 300)

/* Scratch per host for one rule. */
struct mark {
	rasflow_ts out_last, in_last;	/* last working traffic sent / received */
	bool out_failed, in_failed;	/* failed attempts sent / received */
};

static bool edge_has_rule(const struct rasflow_edge *e, size_t rule)
{
	if (e->policy != RASFLOW_POL_EXPECTED)
		return false;
	for (size_t i = 0; i < e->nrules; i++)
		if (e->rules[i] == rule)
			return true;
	return false;
}

/* What the capture shows about a silent host, as the end of a sentence. */
static const char *silence_story(const struct rasflow_analysis *an, const struct rasflow_host *h,
				 rasflow_ts rule_last, char *buf, size_t len)
{
	char tb[RASFLOW_TS_STRLEN];
	rasflow_ts end = an->cap.end;

	if (rule_last != 0)
		snprintf(buf, len, "this traffic stopped at %s, %.0f s before the end of the capture",
			 rasflow_ts_rfc3339(rule_last, false, tb), (double)(end - rule_last) / 1e6);
	else if (h->last_sent != 0)
		snprintf(buf, len,
			 "it appears in the capture (last packet at %s) but never had this traffic",
			 rasflow_ts_rfc3339(h->last_sent, false, tb));
	else if (h->last_seen != 0)
		snprintf(buf, len, "it was addressed but sent nothing in the capture");
	else
		snprintf(buf, len, "it does not appear in the capture at all");
	return buf;
}

static int missing_rule(struct rasflow_analysis *an, size_t ri, struct mark *m)
{
	const struct rasflow_ruleset *rs = an->rs;
	const struct rasflow_rule *r = &rs->rules[ri];
	unsigned window = an->o.window ? an->o.window : r->window ? r->window : 60;
	rasflow_ts wus = (rasflow_ts)window * 1000000;
	rasflow_roleset sbit = (rasflow_roleset)1 << r->src, dbit = (rasflow_roleset)1 << r->dst;
	bool same = r->src == r->dst;
	bool group = (r->flags & (RASFLOW_RF_BCAST | RASFLOW_RF_MCAST)) != 0;
	bool oneway_ok = rasflow_ana_rule_oneway_ok(r);
	size_t ns = 0, nd = 0;
	rasflow_ts cutoff;
	char ports[128], story[200], lb[LABEL_LEN];
	int err;

	if (an->cap.end == 0 || an->cap.end < an->cap.start || an->cap.end - an->cap.start < wus)
		return 0;
	if (rasflow_rule_feature_roles(rs, r) & ~rasflow_site_roles(an->site))
		return 0;		/* a feature the site does not have */
	cutoff = an->cap.end - wus;
	for (size_t i = 0; i < an->nhosts; i++) {
		const struct rasflow_host *h = &an->hosts[i];

		if (!h->site_host)
			continue;
		ns += (h->roles & sbit) != 0;
		nd += (h->roles & dbit) != 0;
	}
	if (ns == 0 || nd == 0 || (same && ns < 2))
		return 0;

	memset(m, 0, an->nhosts * sizeof(*m));
	for (size_t i = 0; i < an->nedges; i++) {
		const struct rasflow_edge *e = &an->edges[i];
		rasflow_ts last = e->last_good;
		bool failed = e->verdict == RASFLOW_V_FAILED;

		if (!edge_has_rule(e, ri))
			continue;
		if (oneway_ok && e->last_oneway > last)
			last = e->last_oneway;
		if (e->src_host != RASFLOW_NOHOST) {
			struct mark *s = &m[e->src_host];

			s->out_last = last > s->out_last ? last : s->out_last;
			s->out_failed |= failed;
		}
		if (e->dst_host != RASFLOW_NOHOST) {
			struct mark *d = &m[e->dst_host];

			d->in_last = last > d->in_last ? last : d->in_last;
			d->in_failed |= failed;
		}
	}
	rasflow_rule_proto_ports_str(r, ports, sizeof(ports));

	struct rasflow_finding t = {
		.kind = RASFLOW_FIND_MISSING, .severity = RASFLOW_SEV_ERROR, .rule = (int)ri,
		.edge = -1, .dport = r->nports ? r->ports[0].lo : -1,
		.proto = (r->transports & RASFLOW_T_IP) ? r->ipproto :
			 (r->transports & RASFLOW_T_TCP) ? 6 : 17,
	};

	/* Multicast among the same role (VRRP): one advertiser is enough. */
	if (same && (r->flags & RASFLOW_RF_MCAST)) {
		char names[400] = "";
		size_t used = 0;

		for (size_t i = 0; i < an->nhosts; i++) {
			const struct rasflow_host *h = &an->hosts[i];

			if (!h->site_host || !(h->roles & sbit))
				continue;
			if (m[i].out_last >= cutoff || m[i].out_failed)
				return 0;
			if (used < sizeof(names) - 1)
				used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
							 used ? ", " : "",
							 rasflow_ana_label(an, &h->addr, lb, sizeof(lb)));
		}
		return rasflow_ana_add_finding(an, &t,
			"no %s host sent %s traffic (%s) in the last %u s of the capture (site hosts: %s) — the appliances are down or the traffic is blocked or not mirrored to the capture point",
			rs->roles[r->src].id, r->id, ports, window, names);
	}

	for (size_t i = 0; i < an->nhosts; i++) {
		const struct rasflow_host *h = &an->hosts[i];

		if (!h->site_host || !(h->roles & sbit) || h->standby)
			continue;
		if (same) {
			/* either end may have opened the link */
			if (m[i].out_last >= cutoff || m[i].in_last >= cutoff || m[i].out_failed ||
			    m[i].in_failed)
				continue;
			rasflow_ts last = m[i].out_last > m[i].in_last ? m[i].out_last : m[i].in_last;

			t.has_src = true;
			t.src = h->addr;
			t.has_dst = false;
			err = rasflow_ana_add_finding(an, &t,
				"%s had no %s traffic (%s) with another %s in the last %u s of the capture; %s — check the %s service on it and the path to its peers",
				rasflow_ana_label(an, &h->addr, lb, sizeof(lb)), r->id, ports,
				rs->roles[r->dst].id, window,
				silence_story(an, h, last, story, sizeof(story)), rs->roles[r->src].id);
		} else {
			if (m[i].out_last >= cutoff || m[i].out_failed)
				continue;
			t.has_src = true;
			t.src = h->addr;
			t.has_dst = false;
			err = rasflow_ana_add_finding(an, &t,
				"%s sent no %s traffic (%s) to any %s in the last %u s of the capture; %s — check the %s service on it and the firewall towards the %s",
				rasflow_ana_label(an, &h->addr, lb, sizeof(lb)), r->id, ports,
				rs->roles[r->dst].id, window,
				silence_story(an, h, m[i].out_last, story, sizeof(story)),
				rs->roles[r->src].id, rs->roles[r->dst].id);
		}
		if (err)
			return err;
	}
	if (same || group)
		return 0;
	for (size_t i = 0; i < an->nhosts; i++) {
		const struct rasflow_host *h = &an->hosts[i];

		if (!h->site_host || !(h->roles & dbit) || h->standby)
			continue;
		if (m[i].in_last >= cutoff || m[i].in_failed)
			continue;
		t.has_src = false;
		t.has_dst = true;
		t.dst = h->addr;
		err = rasflow_ana_add_finding(an, &t,
			"%s %s received no %s traffic (%s) from any %s in the last %u s of the capture; %s — check that the %s hosts are configured to use it",
			rs->roles[r->dst].id, rasflow_ana_label(an, &h->addr, lb, sizeof(lb)), r->id,
			ports, rs->roles[r->src].id, window,
			silence_story(an, h, m[i].in_last, story, sizeof(story)),
			rs->roles[r->src].id);
		if (err)
			return err;
	}
	return 0;
}

int rasflow_ana_missing(struct rasflow_analysis *an)
{
	struct mark *m;
	int err = 0;

	if (an->site == NULL || an->nhosts == 0)
		return 0;
	m = calloc(an->nhosts, sizeof(*m));
	if (m == NULL)
		return RASFLOW_ENOMEM;
	for (size_t i = 0; i < an->rs->nrules && err == 0; i++)
		if (an->rs->rules[i].traffic == RASFLOW_TRAFFIC_STEADY &&
		    an->rs->rules[i].src < RASFLOW_MAX_ROLES && an->rs->rules[i].dst < RASFLOW_MAX_ROLES)
			err = missing_rule(an, i, m);
	free(m);
	return err;
}
