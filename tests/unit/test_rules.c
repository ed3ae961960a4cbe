/* test_rules.c — the rules parser (fields, every error with line and
 * column), the built-in matrix, and the port index. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "rasflow/rules.h"
#include "rasflow/rules_emit.h"

#define PROTO_TCP 6
#define PROTO_UDP 17

static struct rasflow_ruleset *parse(const char *text, struct rasflow_errlist *errs)
{
	memset(errs, 0, sizeof(*errs));
	return rasflow_rules_parse_buf("t.rules", text, strlen(text), errs);
}

/* Parse text that must fail with exactly one error and check it. */
static void expect_one_error(const char *text, unsigned line, unsigned col, const char *msg)
{
	struct rasflow_errlist errs;
	struct rasflow_ruleset *rs = parse(text, &errs);

	cr_assert_null(rs, "parse should fail for:\n%s", text);
	cr_assert_eq(errs.n, 1, "expected 1 error, got %zu (first: %s)", errs.n,
		     errs.n ? errs.e[0].msg : "-");
	cr_expect_str_eq(errs.e[0].msg, msg);
	cr_expect_eq(errs.e[0].line, line, "line %u, expected %u", errs.e[0].line, line);
	cr_expect_eq(errs.e[0].col, col, "col %u, expected %u", errs.e[0].col, col);
	cr_expect_str_eq(errs.e[0].file, "t.rules");
}

/* Three roles on lines 1-3, shared by the error tests. */
#define ROLES                              \
	"role broker ras \"Broker\"\n"     \
	"role rdsh ras \"RDSH\" implies:rds\n" \
	"role rds pseudo \"RDP listener\"\n"

static const char small[] =
	"# a small ruleset\n"						/* 1 */
	"ruleset \"lab\"\n"						/* 2 */
	"app tcp 3389 RDP\n"						/* 3 */
	"app tcp,udp 88 Kerberos\n"					/* 4 */
	"app ip:112 - VRRP\n"						/* 5 */
	"role broker ras \"RAS Connection Broker\"\n"			/* 6 */
	"role rdsh   ras \"RD Session Host agent\" implies:rds\n"	/* 7 */
	"role halb   ras \"HALB\"\n"					/* 8 */
	"\n"								/* 9 */
	"rule rdsh-brk rdsh -> broker tcp,udp 20003 steady window:2m\n"	/* 10 */
	"\topt:perfmon opt:saml amb:A2\n"				/* 11 */
	"  # a comment inside a rule\n"					/* 12 */
	"\tseed:T12-rdsh@L249 desc \"Agent to broker\"\n"		/* 13 */
	"\t     \"(second line)\" note \"changed\"\n"			/* 14 */
	"rule push broker -> rdsh tcp 135,445,49152-65535 ondemand\n"	/* 15 */
	"    app:445=SMBv23 app:tcp/135=- legacy:pre-ras18 bcast ext cfgport\n" /* 16 */
	"rule vrrp halb -> halb ip:112 - steady mcast\n"		/* 17 */
	"rule gw rds -> rds udp 3389 traffic:mixed host:*.x.com path:/a tag:T gov:none\n" /* 18 */
	"role rds pseudo \"declared after use\"\n";			/* 19 */

Test(rules, small_ruleset_fields)
{
	struct rasflow_errlist errs;
	struct rasflow_ruleset *rs = parse(small, &errs);
	const struct rasflow_rule *r;
	int rdsh, rds, broker;

	cr_assert_not_null(rs, "unexpected error: %s:%u:%u: %s", errs.n ? errs.e[0].file : "",
			   errs.n ? errs.e[0].line : 0, errs.n ? errs.e[0].col : 0,
			   errs.n ? errs.e[0].msg : "");
	cr_assert_eq(errs.n, 0);
	cr_expect_str_eq(rs->name, "lab");
	cr_assert_eq(rs->nroles, 4);
	cr_assert_eq(rs->nrules, 4);
	cr_assert_eq(rs->napps, 3);	/* tcp/3389, tcp+udp/88 (one entry), ip:112 */

	broker = rasflow_rules_role(rs, "broker");
	rdsh = rasflow_rules_role(rs, "rdsh");
	rds = rasflow_rules_role(rs, "rds");
	cr_assert_eq(broker, 0);
	cr_assert_eq(rdsh, 1);
	cr_assert_eq(rds, 3);
	cr_expect_eq(rasflow_rules_role(rs, "nope"), -1);
	cr_expect_str_eq(rs->roles[1].name, "RD Session Host agent");
	cr_expect_eq(rs->roles[1].cls, RASFLOW_CLASS_RAS);
	cr_expect_eq(rs->roles[3].cls, RASFLOW_CLASS_PSEUDO);
	cr_expect_eq(rs->roles[1].implies, (rasflow_roleset)1 << 3);
	cr_expect_eq(rs->roles[1].line, 7);
	cr_expect_eq(rasflow_rules_close_roles(rs, (rasflow_roleset)1 << 1), 0xaull);

	r = &rs->rules[0];
	cr_expect_str_eq(r->id, "rdsh-brk");
	cr_expect_eq(r->src, 1);
	cr_expect_eq(r->dst, 0);
	cr_expect_eq(r->transports, RASFLOW_T_TCP | RASFLOW_T_UDP);
	cr_assert_eq(r->nports, 1);
	cr_expect_eq(r->ports[0].lo, 20003);
	cr_expect_eq(r->ports[0].hi, 20003);
	cr_expect_eq(r->traffic, RASFLOW_TRAFFIC_STEADY);
	cr_expect_eq(r->window, 120);
	cr_expect_str_eq(r->features, "perfmon,saml");
	cr_expect(rasflow_rule_has_feature(r, "saml"));
	cr_expect(rasflow_rule_has_feature(r, "perfmon"));
	cr_expect_not(rasflow_rule_has_feature(r, "perf"));
	cr_expect_str_eq(r->amb, "A2");
	cr_expect_str_eq(r->seed, "T12-rdsh@L249");
	cr_expect_str_eq(r->desc, "Agent to broker (second line)");
	cr_expect_str_eq(r->note, "changed");
	cr_expect_null(r->legacy);
	cr_expect_eq(r->flags, 0);
	cr_expect_eq(r->line, 10);

	r = &rs->rules[1];
	cr_expect_str_eq(r->id, "push");
	cr_assert_eq(r->nports, 3);
	cr_expect_eq(r->ports[2].lo, 49152);
	cr_expect_eq(r->ports[2].hi, 65535);
	cr_expect_eq(r->traffic, RASFLOW_TRAFFIC_ONDEMAND);
	cr_expect_eq(r->window, 0);
	cr_expect_str_eq(r->legacy, "pre-ras18");
	cr_expect_eq(r->flags, RASFLOW_RF_BCAST | RASFLOW_RF_EXT | RASFLOW_RF_CFGPORT);
	cr_expect_null(r->features);
	cr_expect_null(r->desc);
	cr_expect_str_eq(rasflow_rules_expected_app(rs, r, PROTO_TCP, 445), "SMBv23");
	cr_expect_null(rasflow_rules_expected_app(rs, r, PROTO_TCP, 135)); /* "-" overrides */
	cr_expect_null(rasflow_rules_expected_app(rs, r, PROTO_TCP, 50000));

	r = &rs->rules[2];
	cr_expect_eq(r->transports, RASFLOW_T_IP);
	cr_expect_eq(r->ipproto, 112);
	cr_expect_eq(r->nports, 0);
	cr_expect_eq(r->window, 60);	/* steady without window: the default */
	cr_expect_eq(r->flags, RASFLOW_RF_MCAST);
	cr_expect_str_eq(rasflow_rules_expected_app(rs, r, 112, 0), "VRRP");

	r = &rs->rules[3];
	cr_expect_eq(r->traffic, RASFLOW_TRAFFIC_MIXED);
	cr_expect_str_eq(r->host, "*.x.com");
	cr_expect_str_eq(r->path, "/a");
	cr_expect_str_eq(r->tag, "T");
	cr_expect_str_eq(r->gov, "none");
	cr_expect_null(rasflow_rules_expected_app(rs, r, PROTO_UDP, 3389));	/* app is tcp only */
	cr_expect_str_eq(rasflow_rules_expected_app(rs, NULL, PROTO_TCP, 3389), "RDP");
	cr_expect_str_eq(rasflow_rules_expected_app(rs, NULL, PROTO_UDP, 88), "Kerberos");

	rasflow_rules_free(rs);
}

Test(rules, ruleset_name_defaults_to_file)
{
	struct rasflow_errlist errs;
	struct rasflow_ruleset *rs = parse(ROLES, &errs);

	cr_assert_not_null(rs);
	cr_expect_str_eq(rs->name, "t.rules");
	cr_expect_eq(rs->nrules, 0);
	rasflow_rules_free(rs);
}

Test(rules, error_unknown_role)
{
	expect_one_error(ROLES "rule r1 brokr -> rdsh tcp 1\n", 4, 9,
			 "unknown role 'brokr' (did you mean 'broker'?)");
	expect_one_error(ROLES "rule r1 broker -> zzzzzz tcp 1\n", 4, 19, "unknown role 'zzzzzz'");
}

Test(rules, error_unknown_role_in_implies)
{
	expect_one_error("role a ras \"A\" implies:rds,rdx\nrole rds pseudo \"R\"\n", 1, 28,
			 "unknown role 'rdx' (did you mean 'rds'?)");
}

Test(rules, error_unknown_flag)
{
	expect_one_error(ROLES "rule r1 broker -> rdsh tcp 1 stedy\n", 4, 30,
			 "unknown flag 'stedy' (did you mean 'steady'?)");
	expect_one_error(ROLES "rule r1 broker -> rdsh tcp 1\n\tops:avd\n", 5, 2,
			 "unknown flag 'ops:avd' (did you mean 'opt:'?)");
}

Test(rules, error_bad_port)
{
	expect_one_error(ROLES "rule r1 broker -> rdsh tcp 80,x1\n", 4, 31, "bad port 'x1'");
	expect_one_error(ROLES "rule r1 broker -> rdsh tcp 80,,443\n", 4, 31, "bad port ''");
}

Test(rules, error_port_too_large)
{
	expect_one_error(ROLES "rule r1 broker -> rdsh tcp 70000\n", 4, 28,
			 "port 70000 out of range (1-65535)");
	expect_one_error(ROLES "rule r1 broker -> rdsh tcp 1-65536\n", 4, 30,
			 "port 65536 out of range (1-65535)");
	expect_one_error(ROLES "rule r1 broker -> rdsh tcp 0\n", 4, 28,
			 "port 0 out of range (1-65535)");
}

Test(rules, error_reversed_range)
{
	expect_one_error(ROLES "rule r1 broker -> rdsh udp 1,30010-30004\n", 4, 30,
			 "reversed range 30010-30004");
}

Test(rules, error_duplicate_rule_id)
{
	expect_one_error(ROLES "rule r1 broker -> rdsh tcp 1\nrule r1 rdsh -> broker tcp 2\n", 5, 6,
			 "duplicate rule id 'r1' (first defined at line 4)");
}

Test(rules, error_duplicate_role)
{
	expect_one_error(ROLES "role broker infra \"again\"\n", 4, 6,
			 "duplicate role 'broker' (first declared at line 1)");
}

Test(rules, error_missing_field)
{
	expect_one_error(ROLES "rule r1 broker -> rdsh tcp\n", 4, 27, "missing ports");
	expect_one_error(ROLES "rule r1 broker ->\n", 4, 18, "missing destination role");
	expect_one_error(ROLES "rule r1 broker rdsh tcp 1\n", 4, 16,
			 "expected '->' after the source role, not 'rdsh'");
	expect_one_error("role x ras\n", 1, 11, "missing role name");
}

Test(rules, error_unterminated_string)
{
	expect_one_error(ROLES "rule r1 broker -> rdsh tcp 1\n\tdesc \"abc\n", 5, 7,
			 "unterminated string");
}

Test(rules, error_unknown_transport)
{
	expect_one_error(ROLES "rule r1 broker -> rdsh tpc 1\n", 4, 24,
			 "unknown transport 'tpc' (did you mean 'tcp'?)");
	expect_one_error(ROLES "rule r1 broker -> rdsh tcp,xyz 1\n", 4, 28,
			 "unknown transport 'xyz'");
	expect_one_error(ROLES "rule r1 broker -> rdsh ip:112 80\n", 4, 31,
			 "ip:112 has no ports; write '-'");
}

Test(rules, error_other)
{
	expect_one_error(ROLES "rule r1 broker -> rdsh tcp 1 window:30s\n", 4, 30,
			 "'window:' needs a steady rule");
	expect_one_error(ROLES "rule r1 broker -> rdsh tcp 1 app:80=HTTP\n", 4, 34,
			 "app: port 80 is not a port of this rule");
	expect_one_error(ROLES "rule r1 broker -> rdsh tcp 80,80\n", 4, 28, "port 80 listed twice");
	expect_one_error(ROLES "rul r1 broker -> rdsh tcp 1\n", 4, 1,
			 "unknown directive 'rul' (did you mean 'rule'?)");
	expect_one_error("  role a ras \"A\"\n", 1, 3, "continuation line without a statement");
	expect_one_error(ROLES "app tcp 443 TLS\napp tcp,udp 443 QUIC\n", 5, 13,
			 "second app directive for port 443 (the first is TLS)");
}

Test(rules, several_errors_in_order)
{
	static const char text[] = ROLES
		"rule a0 broker -> rdsh tcp 1\n"	/* 4: fine */
		"rule a1 brokr -> rdsh tcp 1\n"		/* 5 */
		"rule a2 broker -> rdsh tcp 70000\n"	/* 6 */
		"rule a3 broker -> rdsh tcp 1 stedy\n"	/* 7 */
		"rule a0 broker -> rdsh tcp 2\n"	/* 8 */
		"role rdsh ras \"again\"\n";		/* 9: found first (roles are read first) */
	static const struct {
		unsigned line, col;
		const char *msg;
	} want[] = {
		{ 5, 9, "unknown role 'brokr' (did you mean 'broker'?)" },
		{ 6, 28, "port 70000 out of range (1-65535)" },
		{ 7, 30, "unknown flag 'stedy' (did you mean 'steady'?)" },
		{ 8, 6, "duplicate rule id 'a0' (first defined at line 4)" },
		{ 9, 6, "duplicate role 'rdsh' (first declared at line 2)" },
	};
	struct rasflow_errlist errs;
	struct rasflow_ruleset *rs = parse(text, &errs);

	cr_assert_null(rs);
	cr_assert_eq(errs.n, 5, "got %zu errors", errs.n);
	for (size_t i = 0; i < 5; i++) {
		cr_expect_eq(errs.e[i].line, want[i].line, "error %zu line %u", i, errs.e[i].line);
		cr_expect_eq(errs.e[i].col, want[i].col, "error %zu col %u", i, errs.e[i].col);
		cr_expect_str_eq(errs.e[i].msg, want[i].msg);
	}
}

Test(rules, load_missing_file_names_it)
{
	struct rasflow_errlist errs = { 0 };

	cr_assert_null(rasflow_rules_load("/nonexistent/x.rules", &errs));
	cr_assert_eq(errs.n, 1);
	cr_expect_str_eq(errs.e[0].file, "/nonexistent/x.rules");
	cr_expect_str_eq(errs.e[0].msg, "cannot open: No such file or directory");
}

Test(rules, nul_bytes_and_garbage_do_not_crash)
{
	static const char text[] = "rule \0 x\n\"\n  \n role\n";
	struct rasflow_errlist errs = { 0 };

	cr_assert_null(rasflow_rules_parse_buf("g", text, sizeof(text) - 1, &errs));
	cr_expect_geq(errs.n, 1);
}

/* ---- the built-in matrix and its index ---- */

static struct rasflow_ruleset *builtin(void)
{
	struct rasflow_errlist errs = { 0 };
	struct rasflow_ruleset *rs = rasflow_rules_builtin(&errs);

	cr_assert_not_null(rs, "built-in rules failed: %u:%u: %s", errs.n ? errs.e[0].line : 0,
			   errs.n ? errs.e[0].col : 0, errs.n ? errs.e[0].msg : "");
	return rs;
}

static rasflow_roleset role(const struct rasflow_ruleset *rs, const char *id)
{
	int i = rasflow_rules_role(rs, id);

	cr_assert_geq(i, 0, "no role %s", id);
	return (rasflow_roleset)1 << i;
}

/* The single rule matching the tuple, by id; NULL when none matches. */
static const char *match1(const struct rasflow_ruleset *rs, uint8_t proto, uint16_t port,
			  const char *src, const char *dst)
{
	unsigned out[8];
	size_t n = rasflow_rules_match(rs, proto, port, role(rs, src), role(rs, dst), out, 8);

	cr_assert_leq(n, 1, "%zu rules match", n);
	return n ? rs->rules[out[0]].id : NULL;
}

Test(builtin, counts)
{
	struct rasflow_ruleset *rs = builtin();

	cr_expect_eq(rs->nrules, 157);
	cr_expect_eq(rs->nroles, 41);
	cr_expect_str_eq(rs->name, "ras-ports");
	rasflow_rules_free(rs);
}

Test(builtin, index_lookups)
{
	struct rasflow_ruleset *rs = builtin();

	cr_expect_str_eq(match1(rs, PROTO_TCP, 20003, "rdsh", "broker"), "rdsh-brk");
	cr_expect_str_eq(match1(rs, PROTO_UDP, 20003, "rdsh", "broker"), "rdsh-brk");
	cr_expect_str_eq(match1(rs, PROTO_UDP, 30009, "provider", "guest"), "prov-guest-hs");
	cr_expect_null(match1(rs, PROTO_TCP, 30009, "provider", "guest"));
	cr_expect_str_eq(match1(rs, 112, 0, "halb", "halb"), "halb-vrrp");
	cr_expect_str_eq(match1(rs, 112, 9999, "halb", "halb"), "halb-vrrp"); /* port ignored */
	cr_expect_str_eq(match1(rs, PROTO_TCP, 50000, "enroll", "ca"), "enr-ca");
	cr_expect_str_eq(match1(rs, PROTO_TCP, 49152, "enroll", "ca"), "enr-ca");
	cr_expect_str_eq(match1(rs, PROTO_TCP, 65535, "enroll", "ca"), "enr-ca");
	cr_expect_null(match1(rs, PROTO_TCP, 49151, "enroll", "ca"));
	cr_expect_null(match1(rs, PROTO_TCP, 20003, "client", "broker"));
	cr_expect_null(match1(rs, PROTO_UDP, 20003, "provider", "broker")); /* prov-brk is tcp */
	cr_expect_str_eq(match1(rs, PROTO_UDP, 3389, "gateway", "rds"), "gw-rds");
	rasflow_rules_free(rs);
}

Test(builtin, match_with_role_sets)
{
	struct rasflow_ruleset *rs = builtin();
	unsigned out[8];
	rasflow_roleset src = role(rs, "gateway"), dst;
	size_t n;

	/* a session host reached on 3389: rds is implied by rdsh */
	dst = rasflow_rules_close_roles(rs, role(rs, "rdsh"));
	cr_expect(dst & role(rs, "rds"));
	n = rasflow_rules_match(rs, PROTO_TCP, 3389, src, dst, out, 8);
	cr_assert_eq(n, 2);	/* gw-rds and sup-tbgw-rds */
	cr_expect_str_eq(rs->rules[out[0]].id, "gw-rds");
	cr_expect_str_eq(rs->rules[out[1]].id, "sup-tbgw-rds");
	/* out is cut at max but the count is complete */
	cr_expect_eq(rasflow_rules_match(rs, PROTO_TCP, 3389, src, dst, out, 1), 2);
	rasflow_rules_free(rs);
}

Test(builtin, listeners_and_known_ports)
{
	struct rasflow_ruleset *rs = builtin();

	cr_expect_eq(rasflow_rules_listeners(rs, PROTO_TCP, 30004),
		     role(rs, "rdsh") | role(rs, "remotepc"));
	cr_expect_eq(rasflow_rules_listeners(rs, PROTO_UDP, 30009), role(rs, "guest"));
	cr_expect_eq(rasflow_rules_listeners(rs, 112, 0), role(rs, "halb"));
	cr_expect_eq(rasflow_rules_listeners(rs, PROTO_TCP, 30009), 0);
	cr_expect_eq(rasflow_rules_listeners(rs, PROTO_TCP, 60000),
		     role(rs, "ca") | role(rs, "hyperv") | role(rs, "remotepc-vdi"));
	cr_expect(rasflow_rules_known_port(rs, PROTO_TCP, 20443));
	cr_expect(rasflow_rules_known_port(rs, PROTO_UDP, 68));
	cr_expect_not(rasflow_rules_known_port(rs, PROTO_UDP, 20443));
	cr_expect_not(rasflow_rules_known_port(rs, PROTO_TCP, 22));
	cr_expect_not(rasflow_rules_known_port(rs, 50, 0));
	rasflow_rules_free(rs);
}

Test(builtin, expected_apps)
{
	struct rasflow_ruleset *rs = builtin();
	unsigned out[4];

	cr_assert_eq(rasflow_rules_match(rs, PROTO_TCP, 3000, role(rs, "console"),
					 role(rs, "perfmon"), out, 4), 1);
	cr_expect_str_eq(rasflow_rules_expected_app(rs, &rs->rules[out[0]], PROTO_TCP, 3000),
			 "HTTP|TLS");
	cr_expect_str_eq(rasflow_rules_expected_app(rs, NULL, PROTO_TCP, 135), "DCE_RPC");
	cr_expect_str_eq(rasflow_rules_expected_app(rs, NULL, PROTO_TCP, 1433), "MsSQL-TDS");
	cr_expect_str_eq(rasflow_rules_expected_app(rs, NULL, 112, 0), "VRRP");
	cr_expect_null(rasflow_rules_expected_app(rs, NULL, PROTO_TCP, 20003));
	rasflow_rules_free(rs);
}

Test(builtin, steady_windows)
{
	struct rasflow_ruleset *rs = builtin();
	size_t steady = 0;

	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rasflow_rule *r = &rs->rules[i];

		if (r->traffic == RASFLOW_TRAFFIC_STEADY) {
			steady++;
			cr_expect_gt(r->window, 0, "%s has no window", r->id);
		} else {
			cr_expect_eq(r->window, 0, "%s", r->id);
		}
		if (strcmp(r->id, "halb-vrrp") == 0)
			cr_expect_eq(r->window, 10);
		if (strcmp(r->id, "gw-perfmon") == 0)
			cr_expect_eq(r->window, 30);
	}
	cr_expect_eq(steady, 31);	/* matrix.md: 32, minus prov-perfmon (note in the file) */
	rasflow_rules_free(rs);
}

static const struct rasflow_rule *rule_id(const struct rasflow_ruleset *rs, const char *id)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (strcmp(rs->rules[i].id, id) == 0)
			return &rs->rules[i];
	cr_assert_fail("no rule %s", id);
	return NULL;
}

/* Features named like a RAS or infrastructure role stand for that role;
 * external ones (avd) and plain feature names (shortpath, saml) for nothing. */
Test(builtin, feature_roles)
{
	struct rasflow_ruleset *rs = builtin();

	cr_expect_eq(rasflow_rule_feature_roles(rs, rule_id(rs, "sup-tbgw-tenant")),
		     role(rs, "tenant-broker"));
	cr_expect_eq(rasflow_rule_feature_roles(rs, rule_id(rs, "brk-perfmon")), role(rs, "perfmon"));
	cr_expect_eq(rasflow_rule_feature_roles(rs, rule_id(rs, "halb-vrrp")), role(rs, "halb"));
	cr_expect_eq(rasflow_rule_feature_roles(rs, rule_id(rs, "gw-brk")), 0);
	cr_expect_eq(rasflow_rule_feature_roles(rs, rule_id(rs, "avd-req-02")), 0);
	cr_expect_eq(rasflow_rule_feature_roles(rs, rule_id(rs, "enr-brk-sync")), 0);
	cr_expect_eq(rasflow_rule_feature_roles(rs, rule_id(rs, "sup-cli-guest-shortpath")), 0);
	rasflow_rules_free(rs);
}

Test(emit, json_shape)
{
	struct rasflow_ruleset *rs = builtin();
	json_t *o = rasflow_rules_to_json(rs), *r = NULL, *v;
	size_t i;

	cr_assert_not_null(o);
	cr_expect_str_eq(json_string_value(json_object_get(o, "ruleset")), "ras-ports");
	cr_expect_eq(json_array_size(json_object_get(o, "roles")), 41);
	cr_assert_eq(json_array_size(json_object_get(o, "rules")), 157);
	json_array_foreach(json_object_get(o, "rules"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "id")), "enr-ca") == 0)
			r = v;
	cr_assert_not_null(r);
	cr_expect_str_eq(json_string_value(json_object_get(r, "src")), "enroll");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(r, "transports"), 0)),
			 "tcp");
	cr_expect_eq(json_integer_value(json_array_get(json_object_get(r, "ports"), 0)), 135);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(r, "ports"), 1)),
			 "49152-65535");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r, "apps"), "tcp/135")),
			 "DCE_RPC");
	cr_expect(json_is_null(json_object_get(r, "window")));
	json_decref(o);
	rasflow_rules_free(rs);
}

Test(emit, ports_and_transport_strings)
{
	struct rasflow_ruleset *rs = builtin();
	char buf[64];
	int i = -1;

	for (size_t k = 0; k < rs->nrules; k++)
		if (strcmp(rs->rules[k].id, "prov-hyperv") == 0)
			i = (int)k;
	cr_assert_geq(i, 0);
	cr_expect_str_eq(rasflow_rule_ports_str(&rs->rules[i], buf, sizeof(buf)), "135,49152-65535");
	cr_expect_str_eq(rasflow_rule_transport_str(&rs->rules[i], buf, sizeof(buf)), "tcp");
	cr_expect_str_eq(rasflow_rule_ports_str(&rs->rules[i], buf, 8), "135,...");
	rasflow_rules_free(rs);
}
