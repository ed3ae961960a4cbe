/* rules_emit.h — render a ruleset for people and programs: a text table,
 * JSON (jansson) and Markdown (docs/matrix.md is generated from it).
 *
 * Output is deterministic: file order, no timestamps. This module only
 * prints; parsing and matching live in rules.c / match.c.
 */
#ifndef RASFLOW_RULES_EMIT_H
#define RASFLOW_RULES_EMIT_H

#include <jansson.h>
#include <stdio.h>

#include "rasflow/rules.h"

/* The ruleset as a JSON object (docs/rules-format.md, "JSON form"); the
 * caller owns the reference. NULL if memory ran out. */
json_t *rasflow_rules_to_json(const struct rasflow_ruleset *rs);

/* One rule as a JSON object (the elements of "rules" above). */
json_t *rasflow_rule_to_json(const struct rasflow_ruleset *rs, const struct rasflow_rule *r);

/* Write the ruleset to out. Each returns 0, RASFLOW_EIO if writing failed,
 * or RASFLOW_ENOMEM. */
int rasflow_rules_emit_text(const struct rasflow_ruleset *rs, FILE *out);
int rasflow_rules_emit_json(const struct rasflow_ruleset *rs, FILE *out);
int rasflow_rules_emit_md(const struct rasflow_ruleset *rs, FILE *out);

/* "tcp", "udp", "tcp,udp" or "ip:112" into buf; returns buf. */
const char *rasflow_rule_transport_str(const struct rasflow_rule *r, char *buf, size_t size);

/* "tcp,udp/80,443" or "ip:112", as the reports print a rule's traffic. */
const char *rasflow_rule_proto_ports_str(const struct rasflow_rule *r, char *buf, size_t len);
/* "80,443" / "135,49152-65535" / "-" into buf (cut with "..." if too long). */
const char *rasflow_rule_ports_str(const struct rasflow_rule *r, char *buf, size_t size);

/* The ids of the roles in set, comma-separated ("rdsh,rds"), cut at size - 1
 * bytes as snprintf would; `none` for an empty set. */
const char *rasflow_roles_str(const struct rasflow_ruleset *rs, rasflow_roleset set,
			      const char *none, char *buf, size_t size);

#endif
