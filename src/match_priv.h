/* match_priv.h — the port index behind rasflow_rules_match, shared by
 * rules.c (which builds it at the end of a successful parse) and match.c
 * (which owns it). Not part of the public API.
 */
#ifndef RASFLOW_MATCH_PRIV_H
#define RASFLOW_MATCH_PRIV_H

#include "rasflow/rules.h"

/* Build rs->index from rs->rules. 0, or RASFLOW_ENOMEM. */
int rasflow_match_build(struct rasflow_ruleset *rs);

/* Free an index; NULL is a no-op. */
void rasflow_match_free(struct rasflow_match_index *ix);

#endif
