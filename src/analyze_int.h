/* analyze_int.h — what analyze.c, infer.c, verdict.c and missing.c share.
 *
 * Private to the analyzer: the analysis object itself and the steps of
 * rasflow_analysis_finish(). Nothing outside these files (and peek.c, the
 * live classifier) includes it.
 */
#ifndef RASFLOW_ANALYZE_INT_H
#define RASFLOW_ANALYZE_INT_H

#include <stdarg.h>

#include "rasflow/analyze.h"
#include "vmarea.h"

#define RASFLOW_HOST_OBS 8		/* answered services remembered per host */

/* How a host showed it listens on a port. */
enum {
	OBS_ACKED,		/* the initiator ACKed; its SYN/ACK was not captured */
	OBS_SYNACK, OBS_ESTABLISHED, OBS_REPLY
};

/* One answered service: inference input. Of a service's answers, that of
 * the earliest flow: its manner, its initiator and when. */
struct rasflow_obs {
	uint8_t proto;
	uint8_t how;			/* OBS_* */
	uint16_t port;
	struct rasflow_addr peer;	/* the initiator it answered */
	rasflow_ts when;		/* its first answering packet */
};

/* Does observation a come before b? By time, then by a total order on the
 * rest, so that which one a host keeps, and the order of its evidence,
 * never depend on the order flows were folded in. */
static inline bool rasflow_ana_obs_before(const struct rasflow_obs *a, const struct rasflow_obs *b)
{
	if (a->when != b->when)
		return a->when < b->when;
	if (a->proto != b->proto)
		return a->proto < b->proto;
	if (a->port != b->port)
		return a->port < b->port;
	if (a->how != b->how)
		return a->how > b->how;		/* the stronger evidence */
	return rasflow_addr_cmp(&a->peer, &b->peer) < 0;
}

/* A block of result strings (finding messages, edge details and apps):
 * there is one of those per edge and per finding, so they are carved out
 * of large blocks freed all at once instead of being malloc'd one by one. */
struct rasflow_ana_strblock {
	struct rasflow_ana_strblock *next;
	size_t used, size;		/* bytes of data[] */
	char data[];
};

/* A flow held back before it is folded, and its hashes (analyze.c,
 * rasflow_analysis_flow). */
#define RASFLOW_ANA_AHEAD 16		/* flows held back */
#define RASFLOW_ANA_NEAR 8		/* entries fetched this many flows before the fold */

struct rasflow_ana_pending {
	struct rasflow_flow f;
	uint32_t src_hash, dst_hash;	/* of the hosts */
	uint32_t edge_hash;
};

/* One slot of an open-addressing index (hosts or edges). */
struct rasflow_ana_slot {
	uint32_t hash;			/* low 32 bits of the key's hash */
	uint32_t idx;			/* index + 1, 0 = empty */
};

struct rasflow_analysis {
	const struct rasflow_ruleset *rs;
	const struct rasflow_site *site;	/* may be NULL */
	struct rasflow_analysis_opts o;

	struct rasflow_host *hosts;		/* dense array in ha; hash index below */
	size_t nhosts, hosts_alloc;
	struct rasflow_vmarea ha;
	struct rasflow_ana_slot *hslots;	/* linear probing, at most half full */
	size_t nhslots;				/* power of two */

	struct rasflow_edge *edges;		/* dense array in ea */
	size_t nedges, edges_alloc;
	struct rasflow_vmarea ea;
	struct rasflow_ana_slot *eslots;	/* freed once edges are sorted */
	size_t neslots;

	struct rasflow_finding *findings;
	size_t nfindings, findings_alloc;
	struct rasflow_ana_strblock *strs;	/* messages, details, apps; newest first */

	struct rasflow_ana_pending pend[RASFLOW_ANA_AHEAD];	/* a ring */
	size_t pend_head, npend;		/* oldest, and how many */

	struct rasflow_rule_status *rstat;	/* parallel to rs->rules */
	struct rasflow_summary sum;
	struct rasflow_analysis_stats st;
	struct rasflow_capture_summary cap;
	bool finished;

	struct rasflow_one_sided *sides;	/* sorted by (from, to); sides.c */
	size_t nsides;
	uint64_t side_flows;			/* flows behind them */

	rasflow_roleset all_roles;		/* every role of the ruleset */
	rasflow_roleset ext_roles;		/* class external */
	rasflow_roleset ras_roles;		/* class RAS-internal */
	rasflow_roleset infra_roles;		/* class infrastructure */
	rasflow_roleset local_roles;		/* only ever destinations of local rules */
	rasflow_roleset noinfer_roles;		/* never inferred from a port */
};

/* Host index by address, or RASFLOW_NOHOST. */
uint32_t rasflow_ana_host_find(const struct rasflow_analysis *an, const struct rasflow_addr *a);

/* Broadcast or multicast: limited broadcast, multicast, or the all-ones
 * host address of an IPv4 site network. */
bool rasflow_ana_is_group(const struct rasflow_analysis *an, const struct rasflow_addr *a);

/* Outcome of one finished flow. */
enum rasflow_outcome rasflow_ana_flow_outcome(const struct rasflow_flow *f);

/* Step 1 of finish: roles of every host (site, inference, implied). */
int rasflow_ana_infer(struct rasflow_analysis *an);

/* Step 2: outcome, policy, verdict and detail of every edge. */
int rasflow_ana_classify(struct rasflow_analysis *an);

/* Which one direction of a working TCP flow the capture holds:
 * RASFLOW_DIR_FWD when nothing came back although the initiator ACKed a
 * SYN/ACK the capture missed, RASFLOW_DIR_REV when the responder's SYN/ACK
 * and payload came without any packet of the initiator; -1 otherwise. */
int rasflow_ana_flow_one_side(const struct rasflow_flow *f);

/* Step 3 (after sorting): the host pairs seen one way only (sides.c). */
int rasflow_ana_sides(struct rasflow_analysis *an);

/* The pair whose traffic was captured from `from` to `to` only, or NULL. */
const struct rasflow_one_sided *rasflow_ana_side_find(const struct rasflow_analysis *an,
						      const struct rasflow_addr *from,
						      const struct rasflow_addr *to);

/* Step 4: findings of failed, unexpected, mismatch edges. */
int rasflow_ana_edge_findings(struct rasflow_analysis *an);

/* Step 5: missing findings of steady rules. */
int rasflow_ana_missing(struct rasflow_analysis *an);

/* Room for this many more findings (one realloc rather than doubling). */
int rasflow_ana_reserve_findings(struct rasflow_analysis *an, size_t more);

/* Append a finding; the message is formatted here. */
int rasflow_ana_add_finding(struct rasflow_analysis *an, const struct rasflow_finding *tmpl,
			    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Append a finding whose message is the concatenation of n strings (the
 * cheap path for the findings there is one of per edge). */
int rasflow_ana_add_finding_cat(struct rasflow_analysis *an, const struct rasflow_finding *tmpl,
				const char *const *parts, size_t n);

/* A copy of the len bytes at s plus a NUL, owned by the analysis (freed
 * with it, never by free()); NULL on ENOMEM. */
char *rasflow_ana_strndup(struct rasflow_analysis *an, const char *s, size_t len);

/* "cb1 (10.20.0.10)" or "10.20.0.10" into buf (truncated to len - 1 like
 * snprintf); returns buf. */
const char *rasflow_ana_label(const struct rasflow_analysis *an, const struct rasflow_addr *a,
			      char *buf, size_t len);

/* The same for host index hi (that of a, or RASFLOW_NOHOST: no host). */
const char *rasflow_ana_host_label(const struct rasflow_analysis *an, const struct rasflow_addr *a,
				   uint32_t hi, char *buf, size_t len);

/* True when the rule counts one-way traffic as working (oneway, bcast, mcast). */
bool rasflow_ana_rule_oneway_ok(const struct rasflow_rule *r);

/* Success outcome for a rule: established, midstream, bidirectional, or
 * oneway when the rule allows it. */
bool rasflow_ana_outcome_good(enum rasflow_outcome o, const struct rasflow_rule *r);

/* RAS-specific responder ports (contract.md "unexpected"). */
bool rasflow_ana_ras_port(uint8_t proto, uint16_t p);

/* An nDPI name ("TLS.Microsoft" or "RDP") against '|'-separated expected
 * names; either part of a dotted name counts. */
bool rasflow_ana_app_matches(const char *name, const char *expected);

/* "host administratively prohibited"... for an ICMP(v6) unreachable. */
const char *rasflow_ana_icmp_desc(bool v6, uint8_t type, uint8_t code);

/* Append an evidence string to a host (dropped when full). */
int rasflow_ana_evidence(struct rasflow_host *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* strdup of a vsnprintf; NULL on ENOMEM. */
char *rasflow_ana_vfmt(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Number of roles in a set. */
static inline unsigned rasflow_ana_popcount(rasflow_roleset s)
{
	return (unsigned)__builtin_popcountll(s);
}

/* Index of the lowest role in a set (set != 0). */
static inline unsigned rasflow_ana_first_role(rasflow_roleset s)
{
	return (unsigned)__builtin_ctzll(s);
}

#endif
