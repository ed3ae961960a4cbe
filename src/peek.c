/* peek.c — live classification for `rasflow monitor`: the policy of one flow
 * still in the table from the site's roles alone, and re-pointing an
 * unfinished analysis at a reloaded ruleset and site.
 *
 * Called once per new flow and per flow event, never per packet. It reads
 * the analysis's ruleset, site and role classes and changes nothing; the
 * verdicts of the final report still come from rasflow_analysis_finish().
 */
#include <string.h>

#include "analyze_int.h"

#define MATCH_MAX 64

/* Site roles of an address; false when no site entry covers it. */
static bool site_roles(const struct rasflow_analysis *an, const struct rasflow_addr *a,
		       rasflow_roleset *roles)
{
	const struct rasflow_site_entry *e;

	*roles = 0;
	if (an->site == NULL)
		return false;
	e = rasflow_site_lookup(an->site, a);
	if (e == NULL)
		return false;
	*roles = e->roles;
	return true;
}

/* A loopback-only rule on the flow's port, as verdict.c's local_rule: one
 * whose source role the initiator may have, else any. Index or -1. */
static int local_rule(const struct rasflow_analysis *an, const struct rasflow_flow *f,
		      rasflow_roleset src_roles)
{
	unsigned idx[MATCH_MAX];
	rasflow_roleset tries[2] = { src_roles, an->all_roles };

	for (int t = 0; t < 2; t++) {
		size_t n = rasflow_rules_match(an->rs, f->proto, f->dport, tries[t], an->all_roles,
					       idx, MATCH_MAX);

		for (size_t i = 0; i < n && i < MATCH_MAX; i++)
			if (an->rs->rules[idx[i]].flags & RASFLOW_RF_LOCAL)
				return (int)idx[i];
	}
	return -1;
}

void rasflow_analysis_peek(const struct rasflow_analysis *an, const struct rasflow_flow *f,
			   struct rasflow_peek *out)
{
	const struct rasflow_ruleset *rs = an->rs;
	unsigned idx[MATCH_MAX];
	rasflow_roleset trial_src, trial_dst;
	size_t n, doubtful = 0;

	memset(out, 0, sizeof(*out));
	out->rule = -1;
	out->src_known = site_roles(an, &f->src, &out->src_roles);
	out->dst_group = rasflow_ana_is_group(an, &f->dst);
	out->dst_known = !out->dst_group && site_roles(an, &f->dst, &out->dst_roles);
	out->both_ras = (out->src_roles & an->ras_roles) && (out->dst_roles & an->ras_roles);

	trial_src = out->src_known ? out->src_roles : an->all_roles;
	trial_dst = out->dst_known ? out->dst_roles : an->all_roles;
	n = rasflow_rules_match(rs, f->proto, f->dport, trial_src, trial_dst, idx, MATCH_MAX);
	if (n > MATCH_MAX)
		n = MATCH_MAX;
	for (size_t i = 0; i < n; i++) {
		const struct rasflow_rule *r = &rs->rules[idx[i]];

		if (r->flags & RASFLOW_RF_LOCAL)
			continue;
		if (out->dst_group && !(r->flags & (RASFLOW_RF_BCAST | RASFLOW_RF_MCAST)))
			continue;
		/* an unknown private address is not an internet peer */
		if (!out->dst_known && !out->dst_group &&
		    rs->roles[r->dst].cls == RASFLOW_CLASS_EXTERNAL &&
		    rasflow_addr_is_private(&f->dst))
			continue;
		if (out->nrules >= RASFLOW_EDGE_RULES)
			continue;
		if (r->flags & RASFLOW_RF_DOUBTFUL) {
			out->rules[out->nrules++] = idx[i];
			doubtful++;
		} else {
			memmove(&out->rules[out->nrules - doubtful + 1],
				&out->rules[out->nrules - doubtful],
				doubtful * sizeof(out->rules[0]));
			out->rules[out->nrules - doubtful] = idx[i];
			out->nrules++;
		}
	}
	if (out->nrules > 0) {
		out->rule = (int)out->rules[0];
		out->policy = out->src_known || out->dst_known ? RASFLOW_POL_EXPECTED :
								 RASFLOW_POL_IGNORED;
		return;
	}
	out->rule = local_rule(an, f, trial_src);
	out->local_port = out->rule >= 0 && rasflow_addr_cmp(&f->src, &f->dst) != 0;
	if (!out->local_port)
		out->rule = -1;
	if (out->local_port || rasflow_ana_ras_port(f->proto, f->dport) || out->both_ras)
		out->policy = RASFLOW_POL_UNEXPECTED;
	else
		out->policy = RASFLOW_POL_IGNORED;
}

bool rasflow_analysis_peek_app_ok(const struct rasflow_analysis *an,
				  const struct rasflow_peek *pk, uint8_t proto, uint16_t port,
				  const char *app)
{
	bool any_expect = false;

	for (size_t i = 0; i < pk->nrules; i++) {
		const char *exp = rasflow_rules_expected_app(an->rs, &an->rs->rules[pk->rules[i]],
							     proto, port);

		if (exp == NULL || *exp == '\0')
			return true;
		any_expect = true;
		if (rasflow_ana_app_matches(app, exp))
			return true;
	}
	return !any_expect;
}

int rasflow_analysis_rebind(struct rasflow_analysis *an, const struct rasflow_ruleset *rs,
			    const struct rasflow_site *site)
{
	struct rasflow_analysis *tmp;
	struct rasflow_rule_status *rstat;

	if (an->finished)
		return RASFLOW_EINVAL;
	/* a fresh analysis computes the role classes and the rule table */
	tmp = rasflow_analysis_new(rs, site, &an->o);
	if (tmp == NULL)
		return RASFLOW_ENOMEM;
	rstat = an->rstat;
	an->rstat = tmp->rstat;
	tmp->rstat = rstat;
	an->rs = rs;
	an->site = site;
	an->all_roles = tmp->all_roles;
	an->ext_roles = tmp->ext_roles;
	an->ras_roles = tmp->ras_roles;
	an->infra_roles = tmp->infra_roles;
	an->local_roles = tmp->local_roles;
	an->noinfer_roles = tmp->noinfer_roles;
	rasflow_analysis_free(tmp);

	for (size_t i = 0; i < an->nhosts; i++) {
		struct rasflow_host *h = &an->hosts[i];

		h->site = site != NULL ? rasflow_site_lookup(site, &h->addr) : NULL;
		h->site_host = h->site != NULL && rasflow_site_entry_is_host(h->site);
		h->name = h->site_host ? h->site->name : NULL;
	}
	return 0;
}

enum rasflow_outcome rasflow_analysis_flow_outcome(const struct rasflow_flow *f)
{
	return rasflow_ana_flow_outcome(f);
}

bool rasflow_analysis_outcome_good(enum rasflow_outcome o, const struct rasflow_rule *r)
{
	return rasflow_ana_outcome_good(o, r);
}

const char *rasflow_analysis_label(const struct rasflow_analysis *an,
				   const struct rasflow_addr *a, char *buf, size_t len)
{
	return rasflow_ana_label(an, a, buf, len);
}

int rasflow_analysis_flow_one_side(const struct rasflow_flow *f)
{
	return rasflow_ana_flow_one_side(f);
}

bool rasflow_analysis_ras_port(uint8_t proto, uint16_t port)
{
	return rasflow_ana_ras_port(proto, port);
}

const char *rasflow_analysis_icmp_desc(bool v6, uint8_t type, uint8_t code)
{
	return rasflow_ana_icmp_desc(v6, type, code);
}

const struct rasflow_site *rasflow_analysis_site(const struct rasflow_analysis *an)
{
	return an->site;
}
