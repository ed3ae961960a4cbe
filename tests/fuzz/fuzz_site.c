/* fuzz_site.c — libFuzzer target for the site inventory parser.
 *
 * The input is a site file, parsed against the built-in ruleset (created
 * once, on the first call, and kept for the life of the process), then
 * looked up at every entry's own address and freed. Errors are fine;
 * crashes, leaks and out-of-bounds reads are not.
 */
#include <stddef.h>
#include <stdint.h>

#include "rasflow/rules.h"
#include "rasflow/site.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rasflow_ruleset *rs;	/* harness state: built once, never freed */
	struct rasflow_errlist errs = { .n = 0 };
	struct rasflow_site *site;
	size_t i, n;

	if (!rs) {
		rs = rasflow_rules_builtin(&errs);
		if (!rs)
			__builtin_trap();	/* the built-in matrix must always load */
		errs.n = 0;
		errs.dropped = 0;
	}
	site = rasflow_site_parse_buf("fuzz.site", (const char *)data, size, rs, &errs);
	if (!site)
		return 0;
	n = rasflow_site_count(site);
	for (i = 0; i < n; i++) {
		const struct rasflow_site_entry *e = rasflow_site_entry(site, i);
		char buf[RASFLOW_SITE_PREFIX_STRLEN];

		/* the entry's network address must at least find an entry */
		if (!rasflow_site_lookup(site, &e->addr))
			__builtin_trap();
		rasflow_site_entry_str(e, buf);
	}
	rasflow_site_free(site);
	return 0;
}
