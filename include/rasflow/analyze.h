/* analyze.h — from finished flows to edges, roles, verdicts and findings.
 *
 * Flows are folded into edges (initiator, responder, IP protocol, responder
 * port) as they leave the flow table; host evidence (answered ports, VRRP
 * adverts, server names) is recorded on the way. rasflow_analysis_finish()
 * then infers roles, classifies every edge once against the ruleset, computes
 * rule statuses, findings (failed, unexpected, mismatch, missing) and the
 * summary. Reporters read the result; this module never prints or opens files.
 * Strings in the result ("owned") belong to the analysis: never free them.
 */
#ifndef RASFLOW_ANALYZE_H
#define RASFLOW_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rasflow/addr.h"
#include "rasflow/decode.h"
#include "rasflow/flow.h"
#include "rasflow/rules.h"
#include "rasflow/site.h"

/* What the network did with an edge (contract.md "outcome"). */
enum rasflow_outcome {
	RASFLOW_OUT_ESTABLISHED,	/* TCP handshake completed (or SYN/ACK seen), or data both ways */
	RASFLOW_OUT_REFUSED,		/* SYN answered by RST from the responder */
	RASFLOW_OUT_UNANSWERED,		/* SYNs never answered */
	RASFLOW_OUT_UNREACHABLE,	/* ICMP/ICMPv6 destination unreachable quoting it */
	RASFLOW_OUT_ONEWAY,		/* datagrams one way only, no error */
	RASFLOW_OUT_BIDIRECTIONAL,	/* UDP / bare IP with replies */
	RASFLOW_OUT_MIDSTREAM,		/* no SYN seen: capture began after the handshake */
	RASFLOW_OUT_MIXED,		/* some attempts worked, some failed (edges only) */
	RASFLOW_OUT_COUNT
};

enum rasflow_policy {
	RASFLOW_POL_EXPECTED,		/* a rule allows it */
	RASFLOW_POL_UNEXPECTED,		/* no rule, and a RAS port or RAS hosts (or --strict) */
	RASFLOW_POL_IGNORED,		/* anything else */
};

enum rasflow_verdict {
	RASFLOW_V_OK,
	RASFLOW_V_FAILED,
	RASFLOW_V_UNEXPECTED,
	RASFLOW_V_MISMATCH,
	RASFLOW_V_IGNORED,
	RASFLOW_V_COUNT
};

/* Finding kinds; --fail-on masks are (1u << kind). */
enum rasflow_finding_kind {
	RASFLOW_FIND_FAILED,
	RASFLOW_FIND_UNEXPECTED,
	RASFLOW_FIND_MISSING,
	RASFLOW_FIND_MISMATCH,
	RASFLOW_FIND_COUNT
};

#define RASFLOW_FAIL_ON_DEFAULT ((1u << RASFLOW_FIND_COUNT) - 1)	/* all four kinds */

enum rasflow_severity { RASFLOW_SEV_ERROR, RASFLOW_SEV_WARNING, RASFLOW_SEV_NOTICE };

enum rasflow_role_source {
	RASFLOW_SRC_UNKNOWN,	/* no roles */
	RASFLOW_SRC_SITE,	/* from the site inventory */
	RASFLOW_SRC_INFERRED,	/* from traffic evidence (or an external rule) */
};

/* Per-rule status for the roles present (contract "rules"). */
enum rasflow_rule_state {
	RASFLOW_RS_SEEN,	/* at least one ok (or mismatch) edge */
	RASFLOW_RS_FAILED,	/* only failed edges */
	RASFLOW_RS_MISSING,	/* steady rule with a missing finding */
	RASFLOW_RS_UNUSED,	/* both roles present, no traffic */
	RASFLOW_RS_NA,		/* a role of the rule has no host */
};

#define RASFLOW_HOST_EVIDENCE 4		/* evidence strings kept per host */
#define RASFLOW_EDGE_RULES 4		/* matching rule indexes kept per edge */

struct rasflow_analysis_opts {
	bool strict;			/* every unmatched edge touching a host with a role is unexpected */
	bool all_edges;			/* reports list ignored edges too */
	unsigned window;		/* steady rules: 0 = each rule's window (60 s if it has
					 * none); else this many seconds for every rule (--window) */
	unsigned fail_on;		/* mask of 1u << RASFLOW_FIND_*; exit status 1 */
	size_t max_hosts;		/* host table cap; new hosts beyond it are refused */
	size_t max_edges;		/* edge table cap; new edges beyond it are refused */
	/* Name an nDPI (master, proto) pair into buf ("TLS.Microsoft", "RDP"), or
	 * return NULL; NULL callback = no DPI, edges carry no app. */
	const char *(*app_name)(void *ctx, uint16_t master, uint16_t proto, char *buf, size_t len);
	void *app_ctx;
};

/* What the capture layer knows about the input, handed to finish(). */
struct rasflow_capture_info {
	const char *const *files;	/* file names as given ("-" = stdin) */
	size_t nfiles;
	uint64_t packets, bytes;	/* frames read, their wire length */
	rasflow_ts start, end;		/* first and last packet; 0 when none */
	uint64_t decode_errors;		/* frames that did not decode */
	uint64_t copies;		/* frames that were a mirror's copy (dedup.h) */
	bool copies_sought;		/* they were looked for */
	bool copies_dropped;		/* ... and kept out of the flows (--dedup) */
	const struct rasflow_dec_stats *dec;		/* optional: errors by layer/reason */
	const struct rasflow_flowtab_stats *flows;	/* optional: flow table counters */
	const char *const *warnings;	/* e.g. "x.pcap: truncated after 1234 packets" */
	size_t nwarnings;
};

/* One address seen in the capture or listed as a host in the site. Fields
 * are ordered for the flow-folding path: what every flow updates comes first
 * and fits two cache lines; names and roles, set at finish, come last. */
struct rasflow_host {
	struct rasflow_addr addr;
	uint32_t flows;			/* flows it took part in */
	uint8_t nobs;			/* internal: entries of obs */
	bool vrrp;			/* internal: sent IP proto 112 */
	bool site_host;			/* site entry is exactly this host */
	bool standby;			/* ... marked standby: never reported missing */
	enum rasflow_role_source source;
	uint8_t nevidence;		/* entries of evidence */
	uint64_t pkts_sent, pkts_rcvd, bytes_sent, bytes_rcvd;
	rasflow_ts first_sent, last_sent;	/* 0 = it sent nothing */
	rasflow_ts first_seen, last_seen;	/* sent or received; 0 = not in the capture */
	struct rasflow_obs *obs;	/* internal: answered services (inference input) */
	struct rasflow_addr vrrp_group;	/* internal: where its first VRRP advert went */
	rasflow_ts vrrp_since;		/* internal: ... and when */
	const char *name;		/* site name, or NULL (owned by the site) */
	char *server_name;		/* TLS SNI / HTTP Host / DNS answer, or NULL */
	rasflow_ts name_since;		/* start of the flow that gave server_name */
	rasflow_roleset roles;		/* closed under implied roles */
	const struct rasflow_site_entry *site;	/* longest-prefix entry, or NULL */
	char *evidence[RASFLOW_HOST_EVIDENCE];	/* why inferred roles were given */
};

/* One (initiator, responder, protocol, responder port) aggregate. The key
 * and the per-flow counters come first (folding a flow touches only them);
 * what finish sets comes last. "First" below means earliest in packet time,
 * whatever order the flows were folded in (flow.h: the flush's is not time
 * order). */
struct rasflow_edge {
	struct rasflow_addr src, dst;
	uint16_t dport;
	uint8_t proto;
	bool has_port;			/* false for protocols without ports */
	uint32_t src_host, dst_host;	/* indexes in the host table; RASFLOW_NOHOST for groups */
	bool dst_group;			/* broadcast or multicast destination */
	uint8_t app_state;		/* 0 none, 1 guessed, 2 detected */
	uint8_t icmp_type, icmp_code;	/* of the first ICMP error */
	uint32_t flows;
	uint32_t syns;			/* SYNs of unanswered/refused attempts */
	uint32_t icmp;			/* ICMP errors quoting it */
	uint16_t app_master, app_proto;	/* app of the first flow with the best app_state */
	uint32_t nout[RASFLOW_OUT_COUNT];	/* flows per outcome */
	uint64_t pkts[2], bytes[2];	/* [RASFLOW_DIR_FWD] initiator -> responder */
	rasflow_ts first, last;		/* any packet or ICMP error */
	rasflow_ts first_try, last_try;	/* initiator packets */
	rasflow_ts last_good;		/* last packet of an answered flow */
	rasflow_ts last_oneway;		/* last packet of a one-way flow */
	rasflow_ts first_noreply;	/* first packet of the earliest flow with no reply */
	rasflow_ts icmp_first;		/* time of the first ICMP error */
	rasflow_ts app_since;		/* start of the flow app_* come from */
	struct rasflow_addr icmp_from;	/* sender of the first ICMP error */

	int rule;			/* index of the rule reported, or -1 */
	uint32_t one_sided[2];		/* working TCP flows captured in one direction
					 * only: [RASFLOW_DIR_FWD] the initiator's */
	uint32_t cut;			/* flows with no reply yet when the capture ended
					 * (RASFLOW_ANA_CUT_US): not counted as failed */
	rasflow_roleset src_roles, dst_roles;	/* roles used to classify */
	enum rasflow_outcome outcome;
	enum rasflow_policy policy;
	enum rasflow_verdict verdict;
	uint8_t nrules;			/* entries of rules */
	bool local_port;		/* a loopback-only rule port on the wire */
	unsigned rules[RASFLOW_EDGE_RULES];	/* every matching rule (first ones) */
	char *app;			/* after finish, detected only, or NULL; owned */
	char *detail;			/* outcome detail after finish ("4 SYNs over 7 s"); owned */
};

#define RASFLOW_NOHOST UINT32_MAX

/* A TCP connection attempt or a datagram that began less than this long
 * (microseconds) before the last packet of the capture and got no reply had
 * no time for one: a SYN is retransmitted after 1 s (Linux) or 3 s (Windows).
 * On an edge with other flows such attempts do not make it fail (they are
 * counted in `cut`); an edge with nothing else still fails, with a finding of
 * severity notice that says so. */
#define RASFLOW_ANA_CUT_US		3000000

struct rasflow_finding {
	enum rasflow_finding_kind kind;
	enum rasflow_severity severity;
	int rule;			/* rule index or -1 */
	int edge;			/* edge index or -1 (missing) */
	int proto;			/* IP protocol, -1 = null */
	bool has_src, has_dst;
	struct rasflow_addr src, dst;
	int dport;			/* -1 = null */
	char *message;			/* UTF-8 ("→", "—" may occur); owned */
};

struct rasflow_rule_status {
	enum rasflow_rule_state state;
	uint32_t edges;			/* expected edges attributed to it */
	uint32_t ok, failed;		/* of those, by verdict (mismatch counts as ok) */
};

struct rasflow_summary {
	size_t edges;			/* all edges */
	size_t verdicts[RASFLOW_V_COUNT];
	size_t missing;			/* missing findings */
	size_t findings[RASFLOW_FIND_COUNT];
};

/* Counters of the analyzer itself (memory bounds). */
struct rasflow_analysis_stats {
	uint64_t flows;			/* flows folded */
	uint64_t flows_empty;		/* flows without packets, skipped */
	uint64_t hosts_refused;		/* host table full */
	uint64_t edges_refused;		/* edge table full: those flows were dropped */
	uint64_t names;			/* server names recorded */
};

struct rasflow_analysis;

void rasflow_analysis_default_opts(struct rasflow_analysis_opts *o);

/* The ruleset (and site, may be NULL) must outlive the analysis. */
struct rasflow_analysis *rasflow_analysis_new(const struct rasflow_ruleset *rs,
					      const struct rasflow_site *site,
					      const struct rasflow_analysis_opts *o);
void rasflow_analysis_free(struct rasflow_analysis *an);

/* Fold a finished flow into its edge and record host evidence (call from
 * the flow table's on_end hook; f is copied). Folding runs up to 16 flows
 * behind, so results exist after finish, and RASFLOW_ENOMEM may come from
 * an earlier flow's folding (or from finish); a full table is not an error
 * (counted in stats). The order flows come in does not change the result. */
int rasflow_analysis_flow(struct rasflow_analysis *an, const struct rasflow_flow *f);

/* A server name for an address (TLS SNI, HTTP Host, DNS answer) seen in a
 * flow that started at `since`; used for host: patterns of external rules.
 * Each address keeps the name of the earliest such flow (the smaller name
 * on a tie), so the order names arrive in does not matter. */
int rasflow_analysis_name(struct rasflow_analysis *an, const struct rasflow_addr *a,
			  const char *name, rasflow_ts since);

/* Infer roles, classify edges, compute findings and summary. Once. */
int rasflow_analysis_finish(struct rasflow_analysis *an, const struct rasflow_capture_info *ci);

/* Results (valid after finish; arrays sorted for reporting). */
const struct rasflow_ruleset *rasflow_analysis_ruleset(const struct rasflow_analysis *an);
const struct rasflow_analysis_opts *rasflow_analysis_opts(const struct rasflow_analysis *an);
/* The site it was made (or rebound) with; may be NULL. */
const struct rasflow_site *rasflow_analysis_site(const struct rasflow_analysis *an);
const struct rasflow_host *rasflow_analysis_hosts(const struct rasflow_analysis *an, size_t *n);
const struct rasflow_edge *rasflow_analysis_edges(const struct rasflow_analysis *an, size_t *n);
const struct rasflow_finding *rasflow_analysis_findings(const struct rasflow_analysis *an,
							size_t *n);
/* Parallel to ruleset->rules. */
const struct rasflow_rule_status *rasflow_analysis_rules(const struct rasflow_analysis *an);
const struct rasflow_summary *rasflow_analysis_summary(const struct rasflow_analysis *an);
const struct rasflow_analysis_stats *rasflow_analysis_stats(const struct rasflow_analysis *an);

/* The capture as given to finish (files copied), with copied counters. */
struct rasflow_capture_summary {
	char **files;
	size_t nfiles;
	uint64_t packets, bytes, decode_errors;
	uint64_t copies;
	bool copies_sought, copies_dropped;
	rasflow_ts start, end;
	bool has_dec, has_flows;
	struct rasflow_dec_stats dec;
	struct rasflow_flowtab_stats flowtab;
	char **warnings;
	size_t nwarnings;
};
const struct rasflow_capture_summary *rasflow_analysis_capture(const struct rasflow_analysis *an);

/* A pair of hosts whose TCP connections worked although the capture holds
 * only the packets from `from` to `to` (a one-way mirror, asymmetric
 * routing): the reverse direction took a path the capture does not see. */
struct rasflow_one_sided {
	struct rasflow_addr from, to;
	uint32_t flows;			/* such connections, either way round */
};
/* Their order, (from, to) by address: a qsort/bsearch comparator. */
int rasflow_one_sided_cmp(const void *a, const void *b);
/* Sorted by (from, to); *flows: their total. */
const struct rasflow_one_sided *rasflow_analysis_one_sided(const struct rasflow_analysis *an,
							   size_t *n, uint64_t *flows);

/* "cb1 (10.20.0.10)": the host's site name, else its server name, with the
 * address; the address alone without a name. As findings name hosts.
 * Truncated to len - 1 like snprintf; returns buf. */
const char *rasflow_analysis_label(const struct rasflow_analysis *an,
				   const struct rasflow_addr *a, char *buf, size_t len);

/* Host by address, or NULL. */
const struct rasflow_host *rasflow_analysis_host(const struct rasflow_analysis *an,
						 const struct rasflow_addr *a);

/* Findings of the kinds in mask (1u << kind). */
size_t rasflow_analysis_count(const struct rasflow_analysis *an, unsigned mask);

/* Parse "failed,unexpected,missing,mismatch" (or "none" / "") into a mask.
 * On error returns RASFLOW_EINVAL and, if bad != NULL, points it at the
 * offending word's offset in s. */
int rasflow_analysis_parse_kinds(const char *s, unsigned *mask, size_t *bad);

/* Names for reports. */
const char *rasflow_outcome_name(enum rasflow_outcome o);
const char *rasflow_policy_name(enum rasflow_policy p);
const char *rasflow_verdict_name(enum rasflow_verdict v);
const char *rasflow_finding_kind_name(enum rasflow_finding_kind k);
const char *rasflow_severity_name(enum rasflow_severity s);
const char *rasflow_role_source_name(enum rasflow_role_source s);
const char *rasflow_rule_state_name(enum rasflow_rule_state s);

/* Live classification of one flow still in the table (rasflow monitor; peek.c).
 * Roles are the site's only (longest prefix); an address the site does not
 * list is "unknown" and stands for any role: an edge is expected when a rule
 * allows it for some role of the unknown end and at least one end is known,
 * unexpected when no role at all would allow it and the contract's policy
 * says so (RAS port, two RAS hosts, a loopback-only port on the wire), and
 * ignored otherwise. No inference: the final report does that. */
struct rasflow_peek {
	enum rasflow_policy policy;
	int rule;			/* reported rule (as edges' "rule"), or -1 */
	unsigned rules[RASFLOW_EDGE_RULES];	/* matching rules, doubtful readings last */
	size_t nrules;
	rasflow_roleset src_roles, dst_roles;	/* site roles; 0 when not in the site */
	bool src_known, dst_known;	/* the address is covered by a site entry */
	bool dst_group;			/* broadcast or multicast destination */
	bool local_port;		/* a loopback-only rule port on the wire */
	bool both_ras;			/* both ends have RAS component roles */
};

void rasflow_analysis_peek(const struct rasflow_analysis *an, const struct rasflow_flow *f,
			   struct rasflow_peek *out);

/* Is app (an nDPI name) allowed by the rules the peek matched? True when a
 * matching rule expects nothing or names it. */
bool rasflow_analysis_peek_app_ok(const struct rasflow_analysis *an,
				  const struct rasflow_peek *pk, uint8_t proto, uint16_t port,
				  const char *app);

/* Point an unfinished analysis at another ruleset and site (monitor SIGHUP):
 * flows folded so far are kept, as nothing rule-dependent is computed before
 * finish. The old ruleset and site may be freed afterwards. RASFLOW_EINVAL
 * after finish, RASFLOW_ENOMEM (the analysis is unchanged then). */
int rasflow_analysis_rebind(struct rasflow_analysis *an, const struct rasflow_ruleset *rs,
			    const struct rasflow_site *site);

/* Outcome of one flow (the analysis's reading), and whether it counts as
 * working for rule r (NULL: oneway counts). */
enum rasflow_outcome rasflow_analysis_flow_outcome(const struct rasflow_flow *f);
bool rasflow_analysis_outcome_good(enum rasflow_outcome o, const struct rasflow_rule *r);

/* The one direction of a working TCP flow the capture holds, or -1: see
 * struct rasflow_one_sided (RASFLOW_DIR_FWD: the initiator's packets only). */
int rasflow_analysis_flow_one_side(const struct rasflow_flow *f);

/* Contract "RAS-specific" responder port (20000-20030, 20443, ...). */
bool rasflow_analysis_ras_port(uint8_t proto, uint16_t port);

/* "communication administratively prohibited" etc. for an ICMP or ICMPv6
 * destination unreachable. */
const char *rasflow_analysis_icmp_desc(bool v6, uint8_t type, uint8_t code);

#define RASFLOW_TS_STRLEN 32	/* "2024-01-02T03:04:05.123456Z" */
/* RFC 3339 UTC; with micro = false, whole seconds. Returns buf. */
const char *rasflow_ts_rfc3339(rasflow_ts ts, bool micro, char buf[RASFLOW_TS_STRLEN]);

#define RASFLOW_PROTO_STRLEN 8	/* "ip:255" */
/* "tcp", "udp", "icmp", "icmp6", or "ip:N"; returns buf. */
const char *rasflow_proto_str(uint8_t proto, char buf[RASFLOW_PROTO_STRLEN]);

#define RASFLOW_SERVICE_STRLEN (RASFLOW_PROTO_STRLEN + 6)	/* "ip:255/65535" */
/* "tcp/3389" with a port, else the protocol alone ("ip:112"), as reports
 * and alerts name a service; returns buf. */
const char *rasflow_service_str(uint8_t proto, bool has_port, uint16_t port,
				char buf[RASFLOW_SERVICE_STRLEN]);

#endif
