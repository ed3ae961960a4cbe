/* fuzz_rules.c — libFuzzer target for the rules parser.
 *
 * The input is a rules text, parsed with rasflow_rules_parse_buf. A ruleset
 * that loads is then queried (role lookup, the match index for each rule's
 * own tuple) and rendered as JSON before it is freed. Errors are fine;
 * crashes, leaks, out-of-bounds reads and broken invariants are not.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "rasflow/rules.h"
#include "rasflow/rules_emit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A ruleset that loaded must answer for its own contents. */
static void check_ruleset(const struct rasflow_ruleset *rs)
{
	json_t *j;
	char *s;

	for (size_t i = 0; i < rs->nroles; i++) {
		if (rasflow_rules_role(rs, rs->roles[i].id) != (int)i)
			__builtin_trap();	/* role ids are unique and found */
	}
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rasflow_rule *r = &rs->rules[i];
		rasflow_roleset src = (rasflow_roleset)1 << r->src;
		rasflow_roleset dst = (rasflow_roleset)1 << r->dst;
		unsigned out[8];

		if (r->transports & RASFLOW_T_IP) {
			if (rasflow_rules_match(rs, r->ipproto, 0, src, dst, out, 8) == 0)
				__builtin_trap();
			continue;
		}
		if (r->nports == 0)
			continue;
		if ((r->transports & RASFLOW_T_TCP) &&
		    rasflow_rules_match(rs, 6, r->ports[0].hi, src, dst, out, 8) == 0)
			__builtin_trap();	/* a rule must match its own tuple */
		if ((r->transports & RASFLOW_T_UDP) &&
		    rasflow_rules_match(rs, 17, r->ports[0].lo, src, dst, out, 8) == 0)
			__builtin_trap();
		(void)rasflow_rules_expected_app(rs, r, 6, r->ports[0].lo);
	}
	j = rasflow_rules_to_json(rs);
	if (j) {
		s = json_dumps(j, JSON_COMPACT);
		free(s);
		json_decref(j);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rasflow_errlist errs = { .n = 0 };
	struct rasflow_ruleset *rs;

	rs = rasflow_rules_parse_buf("fuzz.rules", (const char *)data, size, &errs);
	/* a load that failed must say why, and one that succeeded must not */
	if ((rs == NULL) != (errs.n > 0 || errs.dropped > 0))
		__builtin_trap();
	if (rs)
		check_ruleset(rs);
	rasflow_rules_free(rs);
	return 0;
}
