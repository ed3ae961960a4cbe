/* infer.c — roles of every host: the site inventory first, else evidence.
 *
 * Evidence is what a host did, never what it was asked: it answered a port
 * (SYN/ACK, or a UDP reply) that only one role listens on, or several shared
 * ports whose listener sets intersect in one role, or it advertised VRRP.
 * Generic Windows ports (tcp/135, tcp/445, tcp/49152-65535) and ports that
 * other software uses as much (udp/68, udp/1234, 8080) never infer; a public
 * address never gets an infrastructure role (a public DNS server is not AD). Implied roles are
 * added last (rdsh => rds). External roles are given per edge in verdict.c.
 */
#include <stdio.h>
#include <string.h>

#include "analyze_int.h"

/* Ports that say nothing about a role by themselves (matrix.md §4.3). */
static bool weak_port(uint8_t proto, uint16_t port)
{
	if (proto == 6)
		return port == 135 || port == 445 || port == 8080 || port >= 49152;
	if (proto == 17)
		return port == 68 || port == 1234 || port == 8080;
	return false;
}

static const char *how_name(uint8_t how)
{
	if (how == OBS_ACKED)
		return "ACKed by the initiator, its SYN/ACK not captured";
	return how == OBS_REPLY ? "reply" : "SYN/ACK";
}

/* Roles of one host not in the site. */
static int infer_host(struct rasflow_analysis *an, struct rasflow_host *h)
{
	const struct rasflow_ruleset *rs = an->rs;
	rasflow_roleset single = 0, shared = an->all_roles;
	rasflow_roleset allowed = an->all_roles & ~an->noinfer_roles;
	unsigned nshared = 0;
	char ab[RASFLOW_ADDR_STRLEN], pb[RASFLOW_PROTO_STRLEN];
	int err;

	if (!rasflow_addr_is_private(&h->addr))
		allowed &= ~an->infra_roles;

	/* earliest answer first: the evidence reads in that order */
	for (size_t i = 1; i < h->nobs; i++) {
		struct rasflow_obs o = h->obs[i];
		size_t j = i;

		for (; j > 0 && rasflow_ana_obs_before(&o, &h->obs[j - 1]); j--)
			h->obs[j] = h->obs[j - 1];
		h->obs[j] = o;
	}

	for (size_t i = 0; i < h->nobs; i++) {
		const struct rasflow_obs *ob = &h->obs[i];
		rasflow_roleset l;

		if (weak_port(ob->proto, ob->port))
			continue;
		l = rasflow_rules_listeners(rs, ob->proto, ob->port) & allowed;
		if (l == 0)
			continue;
		if (rasflow_ana_popcount(l) == 1) {
			if ((single & l) == 0) {
				err = rasflow_ana_evidence(h, "answered %s/%u (%s) from %s: only %s listens there",
							   rasflow_proto_str(ob->proto, pb), ob->port,
							   how_name(ob->how), rasflow_addr_str(&ob->peer, ab),
							   rs->roles[rasflow_ana_first_role(l)].id);
				if (err)
					return err;
			}
			single |= l;
		} else {
			shared &= l;
			nshared++;
		}
	}
	if (nshared >= 2 && rasflow_ana_popcount(shared) == 1 && (single & shared) == 0) {
		char ports[96] = "";
		size_t used = 0;

		for (size_t i = 0; i < h->nobs && used < sizeof(ports) - 16; i++) {
			const struct rasflow_obs *ob = &h->obs[i];
			rasflow_roleset l = rasflow_rules_listeners(rs, ob->proto, ob->port);

			if (weak_port(ob->proto, ob->port) || rasflow_ana_popcount(l & allowed) < 2)
				continue;
			used += (size_t)snprintf(ports + used, sizeof(ports) - used, "%s%s/%u",
						 used ? ", " : "", rasflow_proto_str(ob->proto, pb),
						 ob->port);
		}
		err = rasflow_ana_evidence(h, "answered shared ports %s: only %s listens on all of them",
					   ports, rs->roles[rasflow_ana_first_role(shared)].id);
		if (err)
			return err;
		single |= shared;
	}
	if (h->vrrp) {
		rasflow_roleset l = rasflow_rules_listeners(rs, 112, 0) & allowed;

		if (rasflow_ana_popcount(l) == 1) {
			if ((single & l) == 0) {
				err = rasflow_ana_evidence(h, "advertises VRRP (ip:112) to %s",
							   rasflow_addr_str(&h->vrrp_group, ab));
				if (err)
					return err;
			}
			single |= l;
		}
	}
	if (single) {
		h->roles = rasflow_rules_close_roles(rs, single);
		h->source = RASFLOW_SRC_INFERRED;
	}
	return 0;
}

int rasflow_ana_infer(struct rasflow_analysis *an)
{
	for (size_t i = 0; i < an->nhosts; i++) {
		struct rasflow_host *h = &an->hosts[i];

		if (h->site != NULL && h->site->roles != 0) {
			h->roles = rasflow_rules_close_roles(an->rs, h->site->roles);
			h->source = RASFLOW_SRC_SITE;
			continue;
		}

		int err = infer_host(an, h);

		if (err)
			return err;
	}
	return 0;
}
