/* rules_emit.c — a ruleset as a text table, JSON (jansson) and Markdown.
 *
 * The Markdown form is what docs/matrix.md is generated from: roles, global
 * application expectations, rules grouped by seed table, and the listening
 * ports of each role. Output depends only on the ruleset (file order, no
 * timestamps), so the generated document can be diffed in a test.
 */
#include <stdlib.h>
#include <string.h>

#include "rasflow/rules_emit.h"
#include "strbuf.h"

/* Bare flags in the order they are printed. */
static const struct {
	unsigned bit;
	const char *name;
} flag_names[] = {
	{ RASFLOW_RF_BCAST, "bcast" },     { RASFLOW_RF_MCAST, "mcast" },
	{ RASFLOW_RF_ONEWAY, "oneway" },   { RASFLOW_RF_LOCAL, "local" },
	{ RASFLOW_RF_EXT, "ext" },         { RASFLOW_RF_REVERSE, "reverse" },
	{ RASFLOW_RF_CFGPORT, "cfgport" }, { RASFLOW_RF_SUPP, "supp" },
	{ RASFLOW_RF_DOUBTFUL, "doubtful" }, { RASFLOW_RF_OPTURL, "optional-url" },
};

#define NFLAGS (sizeof(flag_names) / sizeof(*flag_names))

/* A growable string; on allocation failure it stays NULL-safe and sets oom. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_addn(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *ns;

		while (cap < b->len + n + 1)
			cap *= 2;
		ns = realloc(b->s, cap);
		if (ns == NULL) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_add(struct sbuf *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

static const char *sb_str(const struct sbuf *b)
{
	return b->s && !b->oom ? b->s : "";
}

const char *rasflow_rule_transport_str(const struct rasflow_rule *r, char *buf, size_t size)
{
	if (r->transports & RASFLOW_T_IP)
		snprintf(buf, size, "ip:%u", (unsigned)r->ipproto);
	else if ((r->transports & RASFLOW_T_TCP) && (r->transports & RASFLOW_T_UDP))
		snprintf(buf, size, "tcp,udp");
	else
		snprintf(buf, size, "%s", (r->transports & RASFLOW_T_TCP) ? "tcp" : "udp");
	return buf;
}

/* "tcp,udp/80,443", "udp/30009" or "ip:112": transports and ports as the
 * reports write them (silently cut at len). */
const char *rasflow_rule_proto_ports_str(const struct rasflow_rule *r, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	if (r->transports & RASFLOW_T_IP) {
		snprintf(buf, len, "ip:%u", r->ipproto);
		return buf;
	}
	used += (size_t)snprintf(buf, len, "%s%s%s", (r->transports & RASFLOW_T_TCP) ? "tcp" : "",
				 (r->transports & RASFLOW_T_TCP) && (r->transports & RASFLOW_T_UDP) ?
					 "," : "",
				 (r->transports & RASFLOW_T_UDP) ? "udp" : "");
	for (size_t i = 0; i < r->nports && used < len; i++) {
		if (r->ports[i].lo == r->ports[i].hi)
			used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? "," : "/",
						 r->ports[i].lo);
		else
			used += (size_t)snprintf(buf + used, len - used, "%s%u-%u", i ? "," : "/",
						 r->ports[i].lo, r->ports[i].hi);
	}
	return buf;
}

/* No printf: the analyzer calls this for every edge message. */
const char *rasflow_roles_str(const struct rasflow_ruleset *rs, rasflow_roleset set,
			      const char *none, char *buf, size_t size)
{
	size_t used = 0, total = 0;	/* bytes kept; bytes the whole would take */

	if (rs->nroles < RASFLOW_MAX_ROLES)
		set &= ((rasflow_roleset)1 << rs->nroles) - 1;
	buf[0] = '\0';
	for (; set != 0 && total < size; set &= set - 1) {
		const char *id = rs->roles[__builtin_ctzll(set)].id;
		size_t n = strlen(id);

		if (total > 0) {
			rasflow_put_trunc(buf, size, &used, ",", 1);
			total++;
		}
		rasflow_put_trunc(buf, size, &used, id, n);
		total += n;
	}
	if (total == 0)
		rasflow_put_trunc(buf, size, &used, none, strlen(none));
	return buf;
}

const char *rasflow_rule_ports_str(const struct rasflow_rule *r, char *buf, size_t size)
{
	size_t o = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (r->nports == 0) {
		snprintf(buf, size, "-");
		return buf;
	}
	for (size_t i = 0; i < r->nports; i++) {
		char one[16];
		int n;

		if (r->ports[i].lo == r->ports[i].hi)
			n = snprintf(one, sizeof(one), "%s%u", i ? "," : "", (unsigned)r->ports[i].lo);
		else
			n = snprintf(one, sizeof(one), "%s%u-%u", i ? "," : "",
				     (unsigned)r->ports[i].lo, (unsigned)r->ports[i].hi);
		if (o + (size_t)n + 5 > size) {
			snprintf(buf + o, size - o, "%s...", i ? "," : "");
			break;
		}
		memcpy(buf + o, one, (size_t)n + 1);
		o += (size_t)n;
	}
	return buf;
}

/* A comma list ("avd,shortpath") as a JSON array of strings. */
static json_t *list_json(const char *list)
{
	json_t *a = json_array();
	const char *s = list;

	while (a != NULL && s != NULL && *s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		json_array_append_new(a, json_stringn(s, n));
		s = e ? e + 1 : NULL;
	}
	return a;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* "tcp/3389"-keyed effective expectations for each single port of a rule. */
static json_t *apps_json(const struct rasflow_ruleset *rs, const struct rasflow_rule *r)
{
	static const struct {
		unsigned bit;
		uint8_t proto;
		const char *name;
	} tr[] = { { RASFLOW_T_TCP, 6, "tcp" }, { RASFLOW_T_UDP, 17, "udp" } };
	json_t *o = json_object();
	char key[32];

	if (o == NULL)
		return NULL;
	if (r->transports & RASFLOW_T_IP) {
		const char *a = rasflow_rules_expected_app(rs, r, r->ipproto, 0);

		snprintf(key, sizeof(key), "ip:%u", (unsigned)r->ipproto);
		if (a)
			json_object_set_new(o, key, json_string(a));
		return o;
	}
	for (size_t t = 0; t < 2; t++) {
		if (!(r->transports & tr[t].bit))
			continue;
		for (size_t i = 0; i < r->nports; i++) {
			const char *a;

			if (r->ports[i].lo != r->ports[i].hi)
				continue;
			a = rasflow_rules_expected_app(rs, r, tr[t].proto, r->ports[i].lo);
			if (a == NULL)
				continue;
			snprintf(key, sizeof(key), "%s/%u", tr[t].name, (unsigned)r->ports[i].lo);
			json_object_set_new(o, key, json_string(a));
		}
	}
	return o;
}

json_t *rasflow_rule_to_json(const struct rasflow_ruleset *rs, const struct rasflow_rule *r)
{
	json_t *o = json_object(), *tr = json_array(), *ports = json_array(),
	       *flags = json_array();
	char buf[32];

	if (o == NULL || tr == NULL || ports == NULL || flags == NULL) {
		json_decref(o);
		json_decref(tr);
		json_decref(ports);
		json_decref(flags);
		return NULL;
	}
	if (r->transports & RASFLOW_T_IP) {
		snprintf(buf, sizeof(buf), "ip:%u", (unsigned)r->ipproto);
		json_array_append_new(tr, json_string(buf));
	}
	if (r->transports & RASFLOW_T_TCP)
		json_array_append_new(tr, json_string("tcp"));
	if (r->transports & RASFLOW_T_UDP)
		json_array_append_new(tr, json_string("udp"));
	for (size_t i = 0; i < r->nports; i++) {
		if (r->ports[i].lo == r->ports[i].hi) {
			json_array_append_new(ports, json_integer(r->ports[i].lo));
		} else {
			snprintf(buf, sizeof(buf), "%u-%u", (unsigned)r->ports[i].lo,
				 (unsigned)r->ports[i].hi);
			json_array_append_new(ports, json_string(buf));
		}
	}
	for (size_t i = 0; i < NFLAGS; i++)
		if (r->flags & flag_names[i].bit)
			json_array_append_new(flags, json_string(flag_names[i].name));
	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "src", json_string(rs->roles[r->src].id));
	json_object_set_new(o, "dst", json_string(rs->roles[r->dst].id));
	json_object_set_new(o, "transports", tr);
	json_object_set_new(o, "ports", ports);
	json_object_set_new(o, "flags", flags);
	json_object_set_new(o, "traffic", json_string(rasflow_traffic_name(r->traffic)));
	json_object_set_new(o, "window", r->window ? json_integer(r->window) : json_null());
	json_object_set_new(o, "features", list_json(r->features));
	json_object_set_new(o, "legacy", str_or_null(r->legacy));
	json_object_set_new(o, "amb", list_json(r->amb));
	json_object_set_new(o, "host", str_or_null(r->host));
	json_object_set_new(o, "path", str_or_null(r->path));
	json_object_set_new(o, "tag", str_or_null(r->tag));
	json_object_set_new(o, "gov", str_or_null(r->gov));
	json_object_set_new(o, "seed", str_or_null(r->seed));
	json_object_set_new(o, "desc", str_or_null(r->desc));
	json_object_set_new(o, "note", str_or_null(r->note));
	json_object_set_new(o, "apps", apps_json(rs, r));
	json_object_set_new(o, "line", json_integer(r->line));
	return o;
}

json_t *rasflow_rules_to_json(const struct rasflow_ruleset *rs)
{
	json_t *o = json_object(), *roles = json_array(), *apps = json_array(),
	       *rules = json_array();

	if (o == NULL || roles == NULL || apps == NULL || rules == NULL) {
		json_decref(o);
		json_decref(roles);
		json_decref(apps);
		json_decref(rules);
		return NULL;
	}
	for (size_t i = 0; i < rs->nroles; i++) {
		const struct rasflow_role *ro = &rs->roles[i];
		json_t *ro_j = json_object(), *imp = json_array();

		for (size_t j = 0; j < rs->nroles; j++)
			if (ro->implies & ((rasflow_roleset)1 << j))
				json_array_append_new(imp, json_string(rs->roles[j].id));
		json_object_set_new(ro_j, "id", json_string(ro->id));
		json_object_set_new(ro_j, "name", json_string(ro->name));
		json_object_set_new(ro_j, "class", json_string(rasflow_role_class_name(ro->cls)));
		json_object_set_new(ro_j, "implies", imp);
		json_array_append_new(roles, ro_j);
	}
	for (size_t i = 0; i < rs->napps; i++) {
		const struct rasflow_app_expect *a = &rs->apps[i];
		json_t *a_j = json_object();
		char buf[16];

		if (a->transports & RASFLOW_T_IP) {
			snprintf(buf, sizeof(buf), "ip:%u", (unsigned)a->port);
			json_object_set_new(a_j, "transport", json_string(buf));
			json_object_set_new(a_j, "port", json_null());
		} else {
			json_object_set_new(a_j, "transport",
					    json_string(a->transports & RASFLOW_T_TCP ?
							(a->transports & RASFLOW_T_UDP ? "tcp,udp" : "tcp") :
							"udp"));
			json_object_set_new(a_j, "port", json_integer(a->port));
		}
		json_object_set_new(a_j, "apps", json_string(a->apps));
		json_array_append_new(apps, a_j);
	}
	for (size_t i = 0; i < rs->nrules; i++) {
		json_t *r = rasflow_rule_to_json(rs, &rs->rules[i]);

		if (r == NULL) {
			json_decref(o);
			json_decref(roles);
			json_decref(apps);
			json_decref(rules);
			return NULL;
		}
		json_array_append_new(rules, r);
	}
	json_object_set_new(o, "ruleset", json_string(rs->name));
	json_object_set_new(o, "roles", roles);
	json_object_set_new(o, "apps", apps);
	json_object_set_new(o, "rules", rules);
	return o;
}

int rasflow_rules_emit_json(const struct rasflow_ruleset *rs, FILE *out)
{
	json_t *o = rasflow_rules_to_json(rs);
	int rc;

	if (o == NULL)
		return RASFLOW_ENOMEM;
	rc = json_dumpf(o, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (rc != 0 || fputc('\n', out) == EOF)
		return RASFLOW_EIO;
	return 0;
}

/* Flags, features and other key:value data of a rule in the rules-file
 * spelling ("bcast opt:halb amb:A12"). sep joins the words. */
static void flags_str(struct sbuf *b, const struct rasflow_rule *r, const char *sep)
{
	size_t start = b->len;
	const struct {
		const char *key;
		const char *val;
	} kv[] = {
		{ "opt:", r->features }, { "legacy:", r->legacy }, { "amb:", r->amb },
		{ "host:", r->host },    { "path:", r->path },     { "tag:", r->tag },
		{ "gov:", r->gov },
	};

	for (size_t i = 0; i < NFLAGS; i++) {
		if (!(r->flags & flag_names[i].bit))
			continue;
		if (b->len > start)
			sb_add(b, sep);
		sb_add(b, flag_names[i].name);
	}
	for (size_t i = 0; i < sizeof(kv) / sizeof(*kv); i++) {
		if (kv[i].val == NULL)
			continue;
		if (b->len > start)
			sb_add(b, sep);
		sb_add(b, kv[i].key);
		sb_add(b, kv[i].val);
	}
	for (size_t i = 0; i < r->napps; i++) {
		char buf[32];
		const struct rasflow_app_expect *a = &r->apps[i];

		if (b->len > start)
			sb_add(b, sep);
		snprintf(buf, sizeof(buf), "app:%s%u=",
			 a->transports == (r->transports & (RASFLOW_T_TCP | RASFLOW_T_UDP)) ? "" :
			 a->transports & RASFLOW_T_TCP ? "tcp/" : "udp/",
			 (unsigned)a->port);
		sb_add(b, buf);
		sb_add(b, a->apps[0] ? a->apps : "-");
	}
}

/* "steady 30s", "ondemand". */
static const char *traffic_str(const struct rasflow_rule *r, char *buf, size_t size)
{
	if (r->traffic == RASFLOW_TRAFFIC_STEADY)
		snprintf(buf, size, "steady %us", r->window);
	else
		snprintf(buf, size, "%s", rasflow_traffic_name(r->traffic));
	return buf;
}

int rasflow_rules_emit_text(const struct rasflow_ruleset *rs, FILE *out)
{
	size_t wid = 2, wsrc = 3, wdst = 3, wports = 5;
	char tb[16], pb[256], trb[32];

	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rasflow_rule *r = &rs->rules[i];
		size_t l;

		if ((l = strlen(r->id)) > wid)
			wid = l;
		if ((l = strlen(rs->roles[r->src].id)) > wsrc)
			wsrc = l;
		if ((l = strlen(rs->roles[r->dst].id)) > wdst)
			wdst = l;
		if ((l = strlen(rasflow_rule_ports_str(r, pb, sizeof(pb)))) > wports)
			wports = l;
	}
	fprintf(out, "ruleset \"%s\": %zu roles, %zu rules\n\n", rs->name, rs->nroles, rs->nrules);
	fprintf(out, "%-16s %-9s %-10s %s\n", "ROLE", "CLASS", "IMPLIES", "NAME");
	for (size_t i = 0; i < rs->nroles; i++) {
		const struct rasflow_role *ro = &rs->roles[i];
		struct sbuf imp = { 0 };

		for (size_t j = 0; j < rs->nroles; j++) {
			if (!(ro->implies & ((rasflow_roleset)1 << j)))
				continue;
			if (imp.len)
				sb_add(&imp, ",");
			sb_add(&imp, rs->roles[j].id);
		}
		fprintf(out, "%-16s %-9s %-10s %s\n", ro->id, rasflow_role_class_name(ro->cls),
			imp.len ? sb_str(&imp) : "-", ro->name);
		free(imp.s);
	}
	fprintf(out, "\n%-*s %-*s    %-*s %-7s %-*s %-11s %s\n", (int)wid, "RULE", (int)wsrc, "SRC",
		(int)wdst, "DST", "PROTO", (int)wports, "PORTS", "TRAFFIC", "FLAGS");
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rasflow_rule *r = &rs->rules[i];
		struct sbuf fl = { 0 };

		flags_str(&fl, r, " ");
		fprintf(out, "%-*s %-*s -> %-*s %-7s %-*s %-11s %s\n", (int)wid, r->id, (int)wsrc,
			rs->roles[r->src].id, (int)wdst, rs->roles[r->dst].id,
			rasflow_rule_transport_str(r, trb, sizeof(trb)), (int)wports,
			rasflow_rule_ports_str(r, pb, sizeof(pb)), traffic_str(r, tb, sizeof(tb)),
			fl.len ? sb_str(&fl) : "-");
		free(fl.s);
		if (r->desc)
			fprintf(out, "%-*s   %s\n", (int)wid, "", r->desc);
		if (r->note)
			fprintf(out, "%-*s   note: %s\n", (int)wid, "", r->note);
	}
	fflush(out);
	return ferror(out) ? RASFLOW_EIO : 0;
}

/* Markdown table cell: '|' escaped, newlines flattened. */
static void md_cell(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

/* Seed table of a rule ("T03-broker" of "T03-broker@L151"), length in *n. */
static const char *seed_table(const struct rasflow_rule *r, size_t *n)
{
	const char *at;

	if (r->seed == NULL) {
		*n = 0;
		return "";
	}
	at = strchr(r->seed, '@');
	*n = at ? (size_t)(at - r->seed) : strlen(r->seed);
	return r->seed;
}

static void md_rule_row(const struct rasflow_ruleset *rs, const struct rasflow_rule *r, FILE *out)
{
	struct sbuf fl = { 0 };
	char tb[16], pb[256], trb[32];
	json_t *apps = apps_json(rs, r);
	const char *key;
	json_t *val;
	bool first = true;

	flags_str(&fl, r, " ");
	fprintf(out, "| `%s` | `%s` | `%s` | %s | %s | %s | ", r->id, rs->roles[r->src].id,
		rs->roles[r->dst].id, rasflow_rule_transport_str(r, trb, sizeof(trb)),
		rasflow_rule_ports_str(r, pb, sizeof(pb)), traffic_str(r, tb, sizeof(tb)));
	md_cell(out, sb_str(&fl));
	fputs(" | ", out);
	json_object_foreach(apps, key, val) {
		fprintf(out, "%s%s ", first ? "" : "; ", key);
		md_cell(out, json_string_value(val));
		first = false;
	}
	fputs(" | ", out);
	md_cell(out, r->desc);
	if (r->note) {
		fputs(" *Note: ", out);
		md_cell(out, r->note);
		fputs("*", out);
	}
	fprintf(out, " | %s |\n", r->seed ? r->seed : "");
	json_decref(apps);
	free(fl.s);
}

/* One destination (transport, port range) of a role and who reaches it. */
struct listen {
	uint16_t lo, hi;
	unsigned tsort;		/* 0 tcp, 1 udp, 2 + ipproto for bare IP protocols */
	size_t rule;
};

static int cmp_listen(const void *a, const void *b)
{
	const struct listen *x = a, *y = b;
	unsigned kx = x->tsort >= 2 ? x->tsort - 2 : x->lo;
	unsigned ky = y->tsort >= 2 ? y->tsort - 2 : y->lo;

	if (kx != ky)
		return kx < ky ? -1 : 1;
	if (x->tsort != y->tsort)
		return x->tsort < y->tsort ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return (x->rule > y->rule) - (x->rule < y->rule);
}

/* "Listening ports per role": one row per (role, transport/port). */
static int md_listeners(const struct rasflow_ruleset *rs, FILE *out)
{
	struct listen *v;
	size_t cap = 0;

	for (size_t i = 0; i < rs->nrules; i++)
		cap += (rs->rules[i].nports ? rs->rules[i].nports : 1) * 2;
	v = malloc((cap ? cap : 1) * sizeof(*v));
	if (v == NULL)
		return RASFLOW_ENOMEM;
	fputs("| role | transport/port | from (source role: rule ids) |\n|---|---|---|\n", out);
	for (size_t ro = 0; ro < rs->nroles; ro++) {
		size_t n = 0;
		bool first_row = true;

		for (size_t i = 0; i < rs->nrules; i++) {
			const struct rasflow_rule *r = &rs->rules[i];

			if (r->dst != ro)
				continue;
			if (r->transports & RASFLOW_T_IP)
				v[n++] = (struct listen){ 0, 0, 2u + r->ipproto, i };
			for (size_t j = 0; j < r->nports; j++) {
				if (r->transports & RASFLOW_T_TCP)
					v[n++] = (struct listen){ r->ports[j].lo, r->ports[j].hi, 0, i };
				if (r->transports & RASFLOW_T_UDP)
					v[n++] = (struct listen){ r->ports[j].lo, r->ports[j].hi, 1, i };
			}
		}
		qsort(v, n, sizeof(*v), cmp_listen);
		for (size_t i = 0; i < n;) {
			size_t j = i;

			fprintf(out, "| %s | ", first_row ? rs->roles[ro].id : "");
			first_row = false;
			if (v[i].tsort >= 2)
				fprintf(out, "ip:%u", v[i].tsort - 2);
			else if (v[i].lo == v[i].hi)
				fprintf(out, "%s/%u", v[i].tsort ? "udp" : "tcp", (unsigned)v[i].lo);
			else
				fprintf(out, "%s/%u-%u", v[i].tsort ? "udp" : "tcp", (unsigned)v[i].lo,
					(unsigned)v[i].hi);
			fputs(" | ", out);
			for (; j < n && v[j].tsort == v[i].tsort && v[j].lo == v[i].lo &&
			       v[j].hi == v[i].hi; j++) {
				const struct rasflow_rule *r = &rs->rules[v[j].rule];

				fprintf(out, "%s%s (`%s`)", j > i ? ", " : "", rs->roles[r->src].id, r->id);
			}
			fputs(" |\n", out);
			i = j;
		}
		if (first_row)
			fprintf(out, "| %s | — | no inbound rules |\n", rs->roles[ro].id);
	}
	free(v);
	return 0;
}

int rasflow_rules_emit_md(const struct rasflow_ruleset *rs, FILE *out)
{
	size_t nsteady = 0, nmixed = 0, nond = 0, nunk = 0;
	const char *cur = NULL;
	size_t curlen = 0;
	int rc;

	for (size_t i = 0; i < rs->nrules; i++) {
		switch (rs->rules[i].traffic) {
		case RASFLOW_TRAFFIC_STEADY: nsteady++; break;
		case RASFLOW_TRAFFIC_MIXED: nmixed++; break;
		case RASFLOW_TRAFFIC_ONDEMAND: nond++; break;
		default: nunk++; break;
		}
	}
	fprintf(out, "# RAS port matrix: ruleset \"%s\"\n\n", rs->name);
	fputs("<!-- Generated by `rasflow rules --format md` from rules/ras-ports.rules. "
	      "Do not edit: change the rules file and regenerate. -->\n\n", out);
	fprintf(out, "%zu roles, %zu rules (steady %zu, mixed %zu, on-demand %zu, unknown %zu). "
		"The rules file format is described in [rules-format.md](rules-format.md).\n\n",
		rs->nroles, rs->nrules, nsteady, nmixed, nond, nunk);

	fputs("## Roles\n\n| id | class | implies | name |\n|---|---|---|---|\n", out);
	for (size_t i = 0; i < rs->nroles; i++) {
		const struct rasflow_role *ro = &rs->roles[i];
		bool any = false;

		fprintf(out, "| `%s` | %s | ", ro->id, rasflow_role_class_name(ro->cls));
		for (size_t j = 0; j < rs->nroles; j++) {
			if (ro->implies & ((rasflow_roleset)1 << j)) {
				fprintf(out, "%s`%s`", any ? ", " : "", rs->roles[j].id);
				any = true;
			}
		}
		fputs(" | ", out);
		md_cell(out, ro->name);
		fputs(" |\n", out);
	}

	fputs("\n## Expected applications (nDPI)\n\n"
	      "A flow on these ports whose application nDPI names differently is a mismatch; "
	      "other ports expect nothing. Rules may override a port (column *apps* below).\n\n"
	      "| transport/port | nDPI protocols |\n|---|---|\n", out);
	for (size_t i = 0; i < rs->napps; i++) {
		const struct rasflow_app_expect *a = &rs->apps[i];

		if (a->transports & RASFLOW_T_IP)
			fprintf(out, "| ip:%u | ", (unsigned)a->port);
		else
			fprintf(out, "| %s/%u | ",
				a->transports & RASFLOW_T_TCP ?
				(a->transports & RASFLOW_T_UDP ? "tcp,udp" : "tcp") : "udp",
				(unsigned)a->port);
		md_cell(out, a->apps);
		fputs(" |\n", out);
	}

	fputs("\n## Rules\n\nGrouped by seed table. *traffic*: steady rules give `missing` "
	      "findings after the given window of silence.\n", out);
	for (size_t i = 0; i < rs->nrules; i++) {
		size_t n;
		const char *t = seed_table(&rs->rules[i], &n);

		if (cur == NULL || n != curlen || memcmp(t, cur, n) != 0) {
			cur = t;
			curlen = n;
			fprintf(out, "\n### %.*s\n\n", (int)n, n ? t : "(no seed table)");
			fputs("| id | src | dst | transport | ports | traffic | flags | apps | "
			      "description | seed |\n|---|---|---|---|---|---|---|---|---|---|\n", out);
		}
		md_rule_row(rs, &rs->rules[i], out);
	}

	fputs("\n## Listening ports per role\n\nDestination side of every rule.\n\n", out);
	rc = md_listeners(rs, out);
	if (rc != 0)
		return rc;
	fflush(out);
	return ferror(out) ? RASFLOW_EIO : 0;
}
