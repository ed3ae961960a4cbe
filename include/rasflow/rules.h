/* rules.h — the RAS port matrix as data: roles, rules, and the index that
 * classifies a (transport, port, source roles, destination roles) tuple.
 *
 * The text format is documented by example in docs/rules-format.md. The
 * parser reads a buffer, reports every error with file:line:col, and fails
 * the load if there was any. The ruleset owns all of its strings. This module
 * does not know about packets, flows or hosts.
 */
#ifndef RASFLOW_RULES_H
#define RASFLOW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rasflow/err.h"

#define RASFLOW_MAX_ROLES 64	/* role sets are 64-bit masks */

/* A set of roles: bit i = role index i of the ruleset. */
typedef uint64_t rasflow_roleset;

enum rasflow_role_class {
	RASFLOW_CLASS_RAS,	/* Parallels RAS component ("RAS-internal") */
	RASFLOW_CLASS_INFRA,	/* Microsoft / third-party infrastructure */
	RASFLOW_CLASS_EXTERNAL,	/* internet destination */
	RASFLOW_CLASS_USER,	/* user endpoint: client, browser */
	RASFLOW_CLASS_PSEUDO,	/* localhost, rds: not a host of its own */
};

struct rasflow_role {
	char *id;		/* "broker" */
	char *name;		/* "RAS Connection Broker" */
	enum rasflow_role_class cls;
	rasflow_roleset implies;	/* roles a host of this role also has (rdsh => rds) */
	unsigned line;		/* where it was declared */
};

/* Transport bits of a rule. */
enum {
	RASFLOW_T_TCP = 1 << 0,
	RASFLOW_T_UDP = 1 << 1,
	RASFLOW_T_IP = 1 << 2,	/* a bare IP protocol (ipproto), no ports */
};

/* Rule flags. */
enum {
	RASFLOW_RF_BCAST = 1 << 0,	/* sent to a broadcast address */
	RASFLOW_RF_MCAST = 1 << 1,	/* sent to a multicast group */
	RASFLOW_RF_ONEWAY = 1 << 2,	/* datagrams one way only, no reply expected */
	RASFLOW_RF_LOCAL = 1 << 3,	/* loopback only: never seen on the wire */
	RASFLOW_RF_EXT = 1 << 4,	/* the destination is an internet peer */
	RASFLOW_RF_REVERSE = 1 << 5,	/* direction opposite to the seed table's source */
	RASFLOW_RF_CFGPORT = 1 << 6,	/* port is a configurable default */
	RASFLOW_RF_SUPP = 1 << 7,	/* not in the seed (English material) */
	RASFLOW_RF_DOUBTFUL = 1 << 8,	/* literal seed reading, not expected on the wire */
	RASFLOW_RF_OPTURL = 1 << 9,	/* AVD optional URL table */
};

enum rasflow_traffic {
	RASFLOW_TRAFFIC_UNKNOWN,
	RASFLOW_TRAFFIC_STEADY,	/* present in an idle healthy farm */
	RASFLOW_TRAFFIC_MIXED,	/* periodic polling plus on-demand */
	RASFLOW_TRAFFIC_ONDEMAND,
};

struct rasflow_portrange {
	uint16_t lo, hi;	/* inclusive; lo <= hi */
};

/* Expected application protocol(s) on one port, for the nDPI check. */
struct rasflow_app_expect {
	uint8_t transports;	/* RASFLOW_T_TCP / _UDP bits it applies to */
	uint16_t port;
	char *apps;		/* nDPI names joined by '|', e.g. "TLS|QUIC"; "" = expect nothing */
};

struct rasflow_rule {
	char *id;			/* "brk-rdsh" */
	unsigned src, dst;		/* role indexes */
	unsigned transports;		/* RASFLOW_T_* bits */
	uint8_t ipproto;		/* with RASFLOW_T_IP: 112 for VRRP */
	struct rasflow_portrange *ports;	/* destination ports; none for T_IP */
	size_t nports;
	unsigned flags;			/* RASFLOW_RF_* */
	enum rasflow_traffic traffic;
	unsigned window;		/* steady rules: seconds a host may stay silent; else 0 */
	char *features;			/* optional features, comma list ("avd,shortpath"); NULL = core */
	char *legacy;			/* "pre-ras18" or NULL */
	char *amb;			/* ambiguity note ids ("A2"), comma list, or NULL */
	char *host;			/* AVD host pattern ("*.wvd.microsoft.com") or NULL */
	char *path, *tag, *gov;		/* AVD URL data or NULL */
	char *seed;			/* "T03-broker@L151" or NULL */
	char *note;			/* why this file differs from the reference reading, or NULL */
	char *desc;			/* one-line purpose */
	struct rasflow_app_expect *apps;	/* per-rule overrides of the global expectations */
	size_t napps;
	unsigned line;			/* where it was declared */
};

struct rasflow_match_index;	/* private to rules.c / match.c */

struct rasflow_ruleset {
	char *name;			/* from the "ruleset" directive, or the file name */
	struct rasflow_role *roles;
	size_t nroles;
	struct rasflow_rule *rules;
	size_t nrules;
	struct rasflow_app_expect *apps;	/* global "app" directives */
	size_t napps;
	struct rasflow_match_index *index;
};

/* Parse a rules text. `file` names it in errors. Returns NULL if any error
 * was found (all of them are in errs) or memory ran out. */
struct rasflow_ruleset *rasflow_rules_parse_buf(const char *file, const char *buf,
						size_t len, struct rasflow_errlist *errs);

/* Read and parse a file. */
struct rasflow_ruleset *rasflow_rules_load(const char *path, struct rasflow_errlist *errs);

/* The matrix compiled into the binary from rules/ras-ports.rules. */
struct rasflow_ruleset *rasflow_rules_builtin(struct rasflow_errlist *errs);
extern const char rasflow_builtin_rules[];
extern const size_t rasflow_builtin_rules_len;

void rasflow_rules_free(struct rasflow_ruleset *rs);

/* Role index by id, or -1. */
int rasflow_rules_role(const struct rasflow_ruleset *rs, const char *id);

/* Nearest role id for "did you mean", or NULL if nothing is close. */
const char *rasflow_rules_suggest_role(const struct rasflow_ruleset *rs, const char *id);

/* A role set with the implied roles added (rdsh => rdsh|rds). */
rasflow_roleset rasflow_rules_close_roles(const struct rasflow_ruleset *rs, rasflow_roleset set);

/* Rules allowing this tuple: transport is 6 (tcp), 17 (udp) or any other
 * IP protocol number; port is the responder port (ignored for bare IP
 * protocols). A rule matches when its source role is in src and its
 * destination role in dst. Writes up to max rule indexes to out and returns
 * how many matched in all. Indexed: never scans the whole rule list. */
size_t rasflow_rules_match(const struct rasflow_ruleset *rs, uint8_t ipproto, uint16_t port,
			   rasflow_roleset src, rasflow_roleset dst, unsigned *out, size_t max);

/* Roles that listen on (ipproto, port): destination roles of every rule with
 * that port. 0 when none. */
rasflow_roleset rasflow_rules_listeners(const struct rasflow_ruleset *rs, uint8_t ipproto,
					uint16_t port);

/* True if some rule names this port as a destination port for ipproto. */
bool rasflow_rules_known_port(const struct rasflow_ruleset *rs, uint8_t ipproto, uint16_t port);

/* Expected application protocols for a rule on (ipproto, port): the rule's
 * own "app:" override, else the global "app" directive, else NULL (expect
 * nothing). The string is '|'-separated nDPI names. */
const char *rasflow_rules_expected_app(const struct rasflow_ruleset *rs,
				       const struct rasflow_rule *r, uint8_t ipproto,
				       uint16_t port);

/* True if the rule has this feature in its "opt:" list. */
bool rasflow_rule_has_feature(const struct rasflow_rule *r, const char *feature);

/* The roles among the rule's "opt:" features: a feature named like a RAS or
 * infrastructure role (tenant-broker, perfmon, mfa) is deployed where a host
 * has that role. External roles do not count: "avd" is a feature and an
 * internet service, which a farm using the feature need not list. */
rasflow_roleset rasflow_rule_feature_roles(const struct rasflow_ruleset *rs,
					   const struct rasflow_rule *r);

/* Names for printing. */
const char *rasflow_role_class_name(enum rasflow_role_class c);
const char *rasflow_traffic_name(enum rasflow_traffic t);

#endif
