/* site.h — the site inventory: which addresses and networks have which roles.
 *
 * Format (docs/site-format.md, contract.md): "ADDRESS[/PREFIX] ROLE[,ROLE...]
 * [NAME] [standby]" per line, '#' comments. IPv4 and IPv6; the most specific prefix
 * wins. Errors carry file:line:col, all of them are reported, any error fails
 * the load. Lookups are longest-prefix matches that stay fast with thousands
 * of entries. This module does not infer roles from traffic.
 */
#ifndef RASFLOW_SITE_H
#define RASFLOW_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "rasflow/addr.h"
#include "rasflow/err.h"
#include "rasflow/rules.h"

struct rasflow_site_entry {
	struct rasflow_addr addr;	/* network address (host bits cleared) */
	uint8_t plen;			/* prefix length in the 128-bit mapped space:
					 * an IPv4 /24 is stored as 96 + 24 = 120 */
	rasflow_roleset roles;		/* as written, implied roles added */
	char *name;			/* NULL if the line had none */
	bool standby;			/* a host that may be idle: never "missing" */
	unsigned line;
};

struct rasflow_site;

/* Parse a site text against a ruleset's role ids. NULL on any error. */
struct rasflow_site *rasflow_site_parse_buf(const char *file, const char *buf, size_t len,
					    const struct rasflow_ruleset *rs,
					    struct rasflow_errlist *errs);
struct rasflow_site *rasflow_site_load(const char *path, const struct rasflow_ruleset *rs,
				       struct rasflow_errlist *errs);
void rasflow_site_free(struct rasflow_site *site);

/* Longest-prefix match, or NULL. */
const struct rasflow_site_entry *rasflow_site_lookup(const struct rasflow_site *site,
						     const struct rasflow_addr *a);

/* All entries in file order. */
size_t rasflow_site_count(const struct rasflow_site *site);

/* Every role some entry (host or network) has; 0 for no site. */
rasflow_roleset rasflow_site_roles(const struct rasflow_site *site);
const struct rasflow_site_entry *rasflow_site_entry(const struct rasflow_site *site, size_t i);

/* True when the entry is one host (/32 or /128). */
int rasflow_site_entry_is_host(const struct rasflow_site_entry *e);

#define RASFLOW_SITE_PREFIX_STRLEN (RASFLOW_ADDR_STRLEN + 4)	/* address + "/128" */

/* Print an entry's network as the user would write it: "10.1.2.0/24" for an
 * IPv4 network, "10.0.0.10" or "fd00::5" for a host; returns buf. */
const char *rasflow_site_entry_str(const struct rasflow_site_entry *e,
				   char buf[RASFLOW_SITE_PREFIX_STRLEN]);

#endif
