/* test_analyze.c — the analyzer fed hand-built flows: role inference,
 * outcome x policy -> verdict, mixed edges, missing traffic (and the cases
 * that must not be missing), external and broadcast destinations, mismatch,
 * finding messages written out by hand, --fail-on parsing.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasflow/analyze.h"
#include "rasflow/dpi.h"
#include "rasflow/rules.h"
#include "rasflow/site.h"

#define SEC 1000000ull
#define T0 (1700000000ull * SEC)	/* capture start */

/* A small matrix in the rules language. Listener sets that matter:
 * tcp/30004 {rdsh} (single), tcp/3000 {reporting, perfmon} and tcp/4000
 * {perfmon, broker} (shared; they intersect in perfmon). */
static const char rules_text[] =
	"ruleset \"unit\"\n"
	"app tcp 3389 RDP\n"
	"app ip:112 - VRRP\n"
	"role broker ras \"Broker\"\n"
	"role rdsh ras \"RDSH agent\" implies:rds\n"
	"role rds pseudo \"RDP listener\"\n"
	"role halb ras \"HALB\"\n"
	"role guest ras \"Guest agent\" implies:rds\n"
	"role provider ras \"Provider\"\n"
	"role client user \"Client\"\n"
	"role localhost pseudo \"Loopback\"\n"
	"role perfmon ras \"Perfmon\"\n"
	"role reporting ras \"Reporting\"\n"
	"role license external \"Licensing\"\n"
	"role avd-url external \"AVD URLs\"\n"
	"rule rdsh-brk rdsh -> broker tcp,udp 20003 steady window:60s\n"
	"rule brk-rdsh broker -> rdsh tcp,udp 30004 steady window:60s\n"
	"rule brk-brk broker -> broker tcp 20001 steady\n"
	"rule halb-vrrp halb -> halb ip:112 - steady window:10s mcast\n"
	"rule cli-rds client -> rds tcp,udp 3389 ondemand\n"
	"rule rdsh-local rdsh -> localhost tcp 30005 ondemand local\n"
	"rule gst-prov guest -> provider tcp,udp 30006 steady bcast\n"
	"rule brk-rep broker -> reporting tcp 3000 ondemand\n"
	"rule brk-perf broker -> perfmon tcp 3000,4000 ondemand\n"
	"rule rdsh-brk4k rdsh -> broker tcp 4000 ondemand\n"
	"rule brk-license broker -> license tcp 443 ext ondemand\n"
	"rule avd-req-01 guest -> avd-url tcp 443 ext host:*.wvd.microsoft.com ondemand\n"
	"rule avd-req-04 guest -> avd-url tcp 443 ext host:*xt.blob.core.windows.net ondemand\n"
	"rule avd-req-13 guest -> avd-url tcp 80 ext host:168.63.129.16 ondemand\n";

static struct rasflow_ruleset *rs;
static struct rasflow_site *site;
static struct rasflow_analysis *an;
static struct rasflow_analysis_opts opts;

static void load_rules(void)
{
	struct rasflow_errlist errs;

	memset(&errs, 0, sizeof(errs));
	rs = rasflow_rules_parse_buf("unit.rules", rules_text, strlen(rules_text), &errs);
	cr_assert_not_null(rs, "rules: %s (line %u col %u)", errs.n ? errs.e[0].msg : "?",
			   errs.n ? errs.e[0].line : 0, errs.n ? errs.e[0].col : 0);
	rasflow_analysis_default_opts(&opts);
}

static void use_site(const char *text)
{
	struct rasflow_errlist errs;

	memset(&errs, 0, sizeof(errs));
	site = rasflow_site_parse_buf("unit.site", text, strlen(text), rs, &errs);
	cr_assert_not_null(site, "site: %s", errs.n ? errs.e[0].msg : "?");
}

static void setup(void)
{
	load_rules();
	site = NULL;
	an = NULL;
}

static void teardown(void)
{
	rasflow_analysis_free(an);
	rasflow_site_free(site);
	rasflow_rules_free(rs);
}

static void start(void)
{
	an = rasflow_analysis_new(rs, site, &opts);
	cr_assert_not_null(an);
}

static struct rasflow_addr A(const char *s)
{
	struct rasflow_addr a;

	cr_assert(rasflow_addr_parse(s, &a), "bad address %s", s);
	return a;
}

/* ONE_SIDED: only the initiator's packets, an ACK after its SYN (the
 * SYN/ACK not captured); RESP_ONLY: only the responder's SYN/ACK and data. */
enum kind { EST, REFUSED, UNANS, UNREACH_RTR, UNREACH_SELF, MID, ONE_SIDED, RESP_ONLY,
	    U_BIDIR, U_ONEWAY, U_UNREACH };

/* One finished flow of the given kind between t and t + dur seconds. */
static struct rasflow_flow mk(enum kind k, const char *src, const char *dst, uint16_t dport,
			      unsigned t, unsigned dur)
{
	struct rasflow_flow f;
	rasflow_ts a = T0 + (rasflow_ts)t * SEC, b = a + (rasflow_ts)dur * SEC;

	memset(&f, 0, sizeof(f));
	f.src = A(src);
	f.dst = A(dst);
	f.sport = 50000;
	f.dport = dport;
	f.proto = k >= U_BIDIR ? 17 : 6;
	f.dirsrc = k == MID ? RASFLOW_DIRSRC_PORT : k >= U_BIDIR ? RASFLOW_DIRSRC_FIRST :
								    RASFLOW_DIRSRC_SYN;
	f.pkts[0] = 4;
	f.bytes[0] = 240;
	f.first[0] = a;
	f.last[0] = b;
	switch (k) {
	case EST:
		f.syn = 1;
		f.synack = 1;
		f.established = true;
		f.data[0] = f.data[1] = true;
		break;
	case REFUSED:
		f.syn = 1;
		f.pkts[0] = 1;
		f.rst[1] = 1;
		f.rst_before_est = true;
		f.last[0] = a;
		b = a;
		break;
	case UNANS:
		f.syn = 4;
		break;
	case UNREACH_RTR:
	case UNREACH_SELF:
	case U_UNREACH:
		f.syn = k == U_UNREACH ? 0 : 1;
		f.icmp_errors = 1;
		f.icmp_type = 3;
		f.icmp_code = k == UNREACH_RTR ? 13 : 3;
		f.icmp_from = k == UNREACH_RTR ? A("10.0.0.1") : A(dst);
		f.icmp_first = a + 1000;
		break;
	case MID:
		f.midstream = true;
		f.data[0] = f.data[1] = true;
		break;
	case ONE_SIDED:
		f.syn = 1;
		f.synack_unseen = true;
		f.data[0] = true;
		break;
	case RESP_ONLY:
		f.dirsrc = RASFLOW_DIRSRC_SYNACK;
		f.synack = 1;
		f.data[1] = true;
		f.pkts[0] = 0;
		f.bytes[0] = 0;
		f.first[0] = f.last[0] = 0;
		break;
	case U_BIDIR:
		break;
	case U_ONEWAY:
		break;
	}
	if (k == EST || k == MID || k == RESP_ONLY || k == U_BIDIR) {
		f.pkts[1] = 4;
		f.bytes[1] = 240;
		f.first[1] = a;
		f.last[1] = b;
	}
	if (k == REFUSED) {
		f.pkts[1] = 1;
		f.first[1] = f.last[1] = a;
	}
	return f;
}

static void feed(enum kind k, const char *src, const char *dst, uint16_t dport, unsigned t,
		 unsigned dur)
{
	struct rasflow_flow f = mk(k, src, dst, dport, t, dur);

	cr_assert_eq(rasflow_analysis_flow(an, &f), 0);
}

static void finish_span(unsigned secs)
{
	struct rasflow_capture_info ci;
	static const char *const files[] = { "unit.pcap" };

	memset(&ci, 0, sizeof(ci));
	ci.files = files;
	ci.nfiles = 1;
	ci.packets = 100;
	ci.start = T0;
	ci.end = T0 + (rasflow_ts)secs * SEC;
	cr_assert_eq(rasflow_analysis_finish(an, &ci), 0);
}

static const struct rasflow_host *host(const char *a)
{
	struct rasflow_addr x = A(a);

	return rasflow_analysis_host(an, &x);
}

static size_t rule_idx(const char *id)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (strcmp(rs->rules[i].id, id) == 0)
			return i;
	cr_assert_fail("no rule %s", id);
	return 0;
}

static bool has_role(const struct rasflow_host *h, const char *role)
{
	int i = rasflow_rules_role(rs, role);

	cr_assert_geq(i, 0, "no role %s", role);
	return h != NULL && (h->roles >> i & 1);
}

static const struct rasflow_edge *edge(const char *src, const char *dst, uint8_t proto,
				       uint16_t port)
{
	struct rasflow_addr s = A(src), d = A(dst);
	const struct rasflow_edge *ev;
	size_t n;

	ev = rasflow_analysis_edges(an, &n);
	for (size_t i = 0; i < n; i++)
		if (rasflow_addr_cmp(&ev[i].src, &s) == 0 && rasflow_addr_cmp(&ev[i].dst, &d) == 0 &&
		    ev[i].proto == proto && ev[i].dport == port)
			return &ev[i];
	cr_assert_fail("no edge %s -> %s %u/%u", src, dst, proto, port);
	return NULL;
}

/* Findings of a kind for a rule id (NULL = any rule). */
static size_t count_findings(enum rasflow_finding_kind kind, const char *rule)
{
	const struct rasflow_finding *fv;
	size_t n, k = 0;

	fv = rasflow_analysis_findings(an, &n);
	for (size_t i = 0; i < n; i++)
		if (fv[i].kind == kind &&
		    (rule == NULL || (fv[i].rule >= 0 && strcmp(rs->rules[fv[i].rule].id, rule) == 0)))
			k++;
	return k;
}

/* The finding of a kind and rule naming addr in src (or dst when !src). */
static const struct rasflow_finding *finding_for(enum rasflow_finding_kind kind, const char *rule,
						 const char *addr, bool src)
{
	struct rasflow_addr a = A(addr);
	const struct rasflow_finding *fv;
	size_t n;

	fv = rasflow_analysis_findings(an, &n);
	for (size_t i = 0; i < n; i++) {
		const struct rasflow_finding *f = &fv[i];

		if (f->kind != kind || f->rule < 0 || strcmp(rs->rules[f->rule].id, rule) != 0)
			continue;
		if (src && f->has_src && rasflow_addr_cmp(&f->src, &a) == 0)
			return f;
		if (!src && f->has_dst && rasflow_addr_cmp(&f->dst, &a) == 0)
			return f;
	}
	return NULL;
}

TestSuite(infer, .init = setup, .fini = teardown);

Test(infer, single_role_port_infers_with_evidence_and_implied_role)
{
	start();
	feed(EST, "10.0.0.10", "10.0.1.11", 30004, 0, 5);
	finish_span(10);

	const struct rasflow_host *h = host("10.0.1.11");

	cr_assert_not_null(h);
	cr_expect(has_role(h, "rdsh"));
	cr_expect(has_role(h, "rds"), "implied role rds missing");
	cr_expect_eq(h->source, RASFLOW_SRC_INFERRED);
	cr_assert_eq(h->nevidence, 1);
	cr_expect_str_eq(h->evidence[0],
			 "answered tcp/30004 (SYN/ACK) from 10.0.0.10: only rdsh listens there");
	/* the initiator proved nothing */
	cr_expect_eq(host("10.0.0.10")->source, RASFLOW_SRC_UNKNOWN);
}

Test(infer, unanswered_port_infers_nothing)
{
	start();
	feed(UNANS, "10.0.0.10", "10.0.1.11", 30004, 0, 5);
	finish_span(10);
	cr_expect_eq(host("10.0.1.11")->roles, 0);
}

Test(infer, shared_port_alone_does_not_infer)
{
	start();
	feed(EST, "10.0.0.10", "10.0.3.3", 3000, 0, 5);
	finish_span(10);
	cr_expect_eq(host("10.0.3.3")->roles, 0);
	cr_expect_eq(host("10.0.3.3")->source, RASFLOW_SRC_UNKNOWN);
}

Test(infer, two_shared_ports_intersect_in_one_role)
{
	start();
	feed(EST, "10.0.0.10", "10.0.3.3", 3000, 0, 5);
	feed(EST, "10.0.0.10", "10.0.3.3", 4000, 0, 5);
	finish_span(10);

	const struct rasflow_host *h = host("10.0.3.3");

	cr_expect(has_role(h, "perfmon"));
	cr_expect(!has_role(h, "reporting"));
	cr_expect(!has_role(h, "broker"));
	cr_assert_eq(h->nevidence, 1);
	cr_expect_str_eq(h->evidence[0],
			 "answered shared ports tcp/3000, tcp/4000: only perfmon listens on all of them");
}

Test(infer, vrrp_advertiser_is_halb)
{
	struct rasflow_flow f;

	start();
	memset(&f, 0, sizeof(f));
	f.src = A("10.0.9.1");
	f.dst = A("224.0.0.18");
	f.proto = 112;
	f.dirsrc = RASFLOW_DIRSRC_FIRST;
	f.pkts[0] = 10;
	f.first[0] = T0;
	f.last[0] = T0 + 9 * SEC;
	cr_assert_eq(rasflow_analysis_flow(an, &f), 0);
	finish_span(10);
	cr_expect(has_role(host("10.0.9.1"), "halb"));
	cr_expect_null(host("224.0.0.18"), "a group address is not a host");

	const struct rasflow_edge *e = edge("10.0.9.1", "224.0.0.18", 112, 0);

	cr_expect_eq(e->verdict, RASFLOW_V_OK);
	cr_expect_eq(e->outcome, RASFLOW_OUT_ONEWAY);
	cr_expect_str_eq(rs->rules[e->rule].id, "halb-vrrp");
	cr_expect(!e->has_port);
}

Test(infer, site_beats_inference)
{
	use_site("10.0.1.11 guest g1\n");
	start();
	feed(EST, "10.0.0.10", "10.0.1.11", 30004, 0, 5);
	finish_span(10);

	const struct rasflow_host *h = host("10.0.1.11");

	cr_expect_eq(h->source, RASFLOW_SRC_SITE);
	cr_expect(has_role(h, "guest"));
	cr_expect(has_role(h, "rds"));
	cr_expect(!has_role(h, "rdsh"));
	cr_expect_str_eq(h->name, "g1");
}

/* ---- outcome x policy -> verdict ---- */

TestSuite(verdict, .init = setup, .fini = teardown);

struct vcase {
	enum kind kind;
	enum rasflow_outcome outcome;
	enum rasflow_verdict expected, unexpected, ignored;
};

static const struct vcase vcases[] = {
	{ EST, RASFLOW_OUT_ESTABLISHED, RASFLOW_V_OK, RASFLOW_V_UNEXPECTED, RASFLOW_V_IGNORED },
	{ REFUSED, RASFLOW_OUT_REFUSED, RASFLOW_V_FAILED, RASFLOW_V_UNEXPECTED, RASFLOW_V_IGNORED },
	{ UNANS, RASFLOW_OUT_UNANSWERED, RASFLOW_V_FAILED, RASFLOW_V_UNEXPECTED, RASFLOW_V_IGNORED },
	{ UNREACH_RTR, RASFLOW_OUT_UNREACHABLE, RASFLOW_V_FAILED, RASFLOW_V_UNEXPECTED,
	  RASFLOW_V_IGNORED },
	{ MID, RASFLOW_OUT_MIDSTREAM, RASFLOW_V_OK, RASFLOW_V_UNEXPECTED, RASFLOW_V_IGNORED },
	{ U_BIDIR, RASFLOW_OUT_BIDIRECTIONAL, RASFLOW_V_OK, RASFLOW_V_UNEXPECTED, RASFLOW_V_IGNORED },
	/* a rule that expects replies: one-way UDP is a failure */
	{ U_ONEWAY, RASFLOW_OUT_ONEWAY, RASFLOW_V_FAILED, RASFLOW_V_UNEXPECTED, RASFLOW_V_IGNORED },
	{ U_UNREACH, RASFLOW_OUT_UNREACHABLE, RASFLOW_V_FAILED, RASFLOW_V_UNEXPECTED,
	  RASFLOW_V_IGNORED },
};

Test(verdict, every_outcome_under_every_policy)
{
	use_site("10.0.0.10 broker cb1\n10.0.1.11 rdsh rdsh1\n");
	start();
	/* one case per analysis, so edge outcomes do not mix */
	for (size_t i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++) {
		uint8_t proto = vcases[i].kind >= U_BIDIR ? 17 : 6;

		rasflow_analysis_free(an);
		an = NULL;
		start();
		feed(vcases[i].kind, "10.0.1.11", "10.0.0.10", 20003, 0, 5);
		feed(vcases[i].kind, "10.0.1.11", "10.0.0.10", 20010, 0, 5);
		feed(vcases[i].kind, "10.0.7.1", "10.9.9.1", 12345, 0, 5);
		finish_span(10);

		const struct rasflow_edge *e = edge("10.0.1.11", "10.0.0.10", proto, 20003);

		cr_expect_eq(e->outcome, vcases[i].outcome, "case %zu: outcome %s", i,
			     rasflow_outcome_name(e->outcome));
		cr_expect_eq(e->policy, RASFLOW_POL_EXPECTED, "case %zu", i);
		cr_expect_eq(e->verdict, vcases[i].expected, "case %zu: expected -> %s", i,
			     rasflow_verdict_name(e->verdict));
		e = edge("10.0.1.11", "10.0.0.10", proto, 20010);
		cr_expect_eq(e->policy, RASFLOW_POL_UNEXPECTED, "case %zu", i);
		cr_expect_eq(e->verdict, vcases[i].unexpected, "case %zu", i);
		cr_expect_eq(e->rule, -1);
		e = edge("10.0.7.1", "10.9.9.1", proto, 12345);
		cr_expect_eq(e->policy, RASFLOW_POL_IGNORED, "case %zu", i);
		cr_expect_eq(e->verdict, vcases[i].ignored, "case %zu", i);
	}
}

/* One of a thing is singular, in the detail and in the finding. */
Test(verdict, counts_of_one_read_in_the_singular)
{
	struct rasflow_flow f = mk(U_ONEWAY, "10.0.1.1", "10.0.0.1", 20003, 10, 0);
	const struct rasflow_finding *fv;
	size_t n;

	use_site("10.0.1.1 rdsh rdsh1\n10.0.0.1 broker cb1\n");
	start();
	f.pkts[0] = 1;
	cr_assert_eq(rasflow_analysis_flow(an, &f), 0);
	feed(EST, "10.0.1.1", "10.0.0.1", 20003, 10, 1);
	finish_span(30);		/* shorter than the steady rules' windows */
	cr_assert_str_eq(edge("10.0.1.1", "10.0.0.1", 17, 20003)->detail,
			 "1 packet one way over 0 s, no reply");
	cr_assert_str_eq(edge("10.0.1.1", "10.0.0.1", 6, 20003)->detail,
			 "1 of 1 flow established");
	fv = rasflow_analysis_findings(an, &n);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(fv[0].message,
			 "rdsh1 (10.0.1.1) → broker cb1 (10.0.0.1) udp/20003: 1 datagram over 0 s, never answered — a firewall between them drops the port, or the broker service is down");
}

Test(verdict, ras_port_between_unknown_hosts_is_unexpected_notice)
{
	start();
	feed(EST, "10.0.7.1", "10.0.7.2", 20005, 0, 5);
	finish_span(10);

	const struct rasflow_edge *e = edge("10.0.7.1", "10.0.7.2", 6, 20005);

	cr_expect_eq(e->verdict, RASFLOW_V_UNEXPECTED);
	cr_assert_eq(count_findings(RASFLOW_FIND_UNEXPECTED, NULL), 1);

	size_t n;
	const struct rasflow_finding *f = rasflow_analysis_findings(an, &n);

	cr_expect_eq(f[0].severity, RASFLOW_SEV_NOTICE);
}

Test(verdict, strict_makes_unmatched_edges_of_role_hosts_unexpected)
{
	use_site("10.0.0.10 broker cb1\n");
	opts.strict = true;
	start();
	feed(EST, "10.0.0.10", "10.9.9.9", 8080, 0, 5);
	feed(EST, "10.0.7.1", "10.9.9.9", 8080, 0, 5);
	finish_span(10);
	cr_expect_eq(edge("10.0.0.10", "10.9.9.9", 6, 8080)->verdict, RASFLOW_V_UNEXPECTED);
	cr_expect_eq(edge("10.0.7.1", "10.9.9.9", 6, 8080)->verdict, RASFLOW_V_IGNORED);
}

Test(verdict, loopback_port_on_the_wire_is_unexpected)
{
	use_site("10.0.0.10 broker cb1\n10.0.1.11 rdsh rdsh1\n");
	start();
	feed(EST, "10.0.0.10", "10.0.1.11", 30005, 0, 5);
	finish_span(10);

	const struct rasflow_edge *e = edge("10.0.0.10", "10.0.1.11", 6, 30005);

	cr_expect_eq(e->verdict, RASFLOW_V_UNEXPECTED);
	cr_expect(e->local_port);

	const struct rasflow_finding *f = finding_for(RASFLOW_FIND_UNEXPECTED, "rdsh-local",
						      "10.0.0.10", true);

	cr_assert_not_null(f);
	cr_expect_eq(f->severity, RASFLOW_SEV_WARNING);
	cr_expect_not_null(strstr(f->message, "loopback-only port"), "%s", f->message);
}

Test(verdict, mixed_attempts_fail_with_a_warning)
{
	use_site("10.0.0.10 broker cb1\n10.0.1.11 rdsh rdsh1\n");
	start();
	for (int i = 0; i < 7; i++)
		feed(EST, "10.0.1.11", "10.0.0.10", 20003, (unsigned)i, 1);
	for (int i = 0; i < 3; i++)
		feed(UNANS, "10.0.1.11", "10.0.0.10", 20003, (unsigned)(10 + i), 1);
	finish_span(30);

	const struct rasflow_edge *e = edge("10.0.1.11", "10.0.0.10", 6, 20003);

	cr_expect_eq(e->outcome, RASFLOW_OUT_MIXED);
	cr_expect_eq(e->verdict, RASFLOW_V_FAILED);
	cr_expect_eq(e->flows, 10);
	cr_expect_str_eq(e->detail, "3 of 10 attempts failed (3 unanswered)");

	const struct rasflow_finding *f = finding_for(RASFLOW_FIND_FAILED, "rdsh-brk", "10.0.1.11",
						      true);

	cr_assert_not_null(f);
	cr_expect_eq(f->severity, RASFLOW_SEV_WARNING);
	cr_expect_not_null(strstr(f->message, "3 of 10 attempts failed"), "%s", f->message);
}

/* A SYN or a datagram in the capture's last seconds had no time to be
 * answered (RASFLOW_ANA_CUT_US, 3 s): it must not fail a busy edge, and an
 * edge made of nothing else fails only with a notice that says so. */
Test(verdict, attempts_cut_by_the_capture_end)
{
	use_site("10.0.0.10 broker cb1\n10.0.1.11 rdsh rdsh1\n10.0.1.13 rdsh rdsh3\n"
		 "10.0.1.14 rdsh rdsh4\n10.0.1.15 rdsh rdsh5\n");
	start();
	for (int i = 0; i < 7; i++) {
		feed(EST, "10.0.1.11", "10.0.0.10", 20003, (unsigned)i, 1);
		feed(EST, "10.0.1.14", "10.0.0.10", 20003, (unsigned)i, 1);
		feed(U_BIDIR, "10.0.1.15", "10.0.0.10", 20003, (unsigned)i, 1);
	}
	feed(UNANS, "10.0.1.11", "10.0.0.10", 20003, 28, 0);	/* 2 s before the end */
	feed(UNANS, "10.0.1.13", "10.0.0.10", 20003, 28, 1);	/* alone */
	feed(UNANS, "10.0.1.14", "10.0.0.10", 20003, 20, 1);	/* 10 s before: a failure */
	feed(UNANS, "10.0.1.14", "10.0.0.10", 20003, 29, 0);
	feed(U_ONEWAY, "10.0.1.15", "10.0.0.10", 20003, 29, 0);	/* UDP, no reply yet */
	finish_span(30);

	const struct rasflow_edge *e = edge("10.0.1.11", "10.0.0.10", 6, 20003);

	cr_expect_eq(e->outcome, RASFLOW_OUT_ESTABLISHED);
	cr_expect_eq(e->verdict, RASFLOW_V_OK);
	cr_expect_eq(e->cut, 1);
	cr_expect_str_eq(e->detail, "7 of 8 flows established; 1 more cut by the capture's end");
	cr_expect_null(finding_for(RASFLOW_FIND_FAILED, "rdsh-brk", "10.0.1.11", true));

	e = edge("10.0.1.15", "10.0.0.10", 17, 20003);
	cr_expect_eq(e->outcome, RASFLOW_OUT_BIDIRECTIONAL);
	cr_expect_eq(e->verdict, RASFLOW_V_OK);
	cr_expect_eq(e->cut, 1);

	e = edge("10.0.1.13", "10.0.0.10", 6, 20003);
	cr_expect_eq(e->outcome, RASFLOW_OUT_UNANSWERED);
	cr_expect_eq(e->verdict, RASFLOW_V_FAILED, "nothing shows that it works");
	cr_expect_eq(e->cut, 1);
	cr_expect_str_eq(e->detail,
			 "1 connection attempt, no reply before the capture ended 2.0 s after the first");

	const struct rasflow_finding *f = finding_for(RASFLOW_FIND_FAILED, "rdsh-brk", "10.0.1.13",
						      true);

	cr_assert_not_null(f);
	cr_expect_eq(f->severity, RASFLOW_SEV_NOTICE);
	cr_expect_str_eq(f->message,
			 "rdsh3 (10.0.1.13) → broker cb1 (10.0.0.10) tcp/20003: 1 connection attempt, "
			 "no reply before the capture ended 2.0 s after the first — too early to tell; "
			 "capture for longer to see whether cb1 answers");

	/* an early unanswered attempt is a failure, and then so is the late one */
	e = edge("10.0.1.14", "10.0.0.10", 6, 20003);
	cr_expect_eq(e->outcome, RASFLOW_OUT_MIXED);
	cr_expect_eq(e->verdict, RASFLOW_V_FAILED);
	cr_expect_eq(e->cut, 0);
	cr_expect_str_eq(e->detail, "2 of 9 attempts failed (2 unanswered)");
}

Test(verdict, messages_for_unanswered_and_refused)
{
	use_site("10.0.0.10 broker cb1\n10.0.1.11 rdsh rdsh1\n10.0.1.13 rdsh rdsh3\n");
	start();
	feed(UNANS, "10.0.1.13", "10.0.0.10", 20003, 0, 7);
	feed(REFUSED, "10.0.1.11", "10.0.0.10", 20003, 0, 0);
	finish_span(10);

	const struct rasflow_finding *f = finding_for(RASFLOW_FIND_FAILED, "rdsh-brk", "10.0.1.13",
						      true);

	cr_assert_not_null(f);
	cr_expect_eq(f->severity, RASFLOW_SEV_ERROR);
	cr_expect_str_eq(f->message,
			 "rdsh3 (10.0.1.13) → broker cb1 (10.0.0.10) tcp/20003: 4 SYNs over 7 s, "
			 "never answered — a firewall between them drops the port, or the broker "
			 "service is down");
	f = finding_for(RASFLOW_FIND_FAILED, "rdsh-brk", "10.0.1.11", true);
	cr_assert_not_null(f);
	cr_expect_str_eq(f->message,
			 "rdsh1 (10.0.1.11) → broker cb1 (10.0.0.10) tcp/20003: answered by RST: "
			 "nothing listens on tcp/20003 on cb1 — the broker service is stopped or "
			 "bound to another port");
	cr_expect_eq(f->dport, 20003);
	cr_expect_eq(f->proto, 6);
}

Test(verdict, unreachable_names_the_router_or_the_target)
{
	use_site("10.0.0.10 broker cb1\n10.0.1.11 rdsh rdsh1\n10.0.1.12 rdsh rdsh2\n");
	start();
	feed(UNREACH_RTR, "10.0.1.11", "10.0.0.10", 20003, 0, 1);
	feed(U_UNREACH, "10.0.1.12", "10.0.0.10", 20003, 0, 1);
	finish_span(10);

	const struct rasflow_finding *f = finding_for(RASFLOW_FIND_FAILED, "rdsh-brk", "10.0.1.11",
						      true);

	cr_assert_not_null(f);
	cr_expect_not_null(strstr(f->message, "router 10.0.0.1 answered ICMP communication "
					      "administratively prohibited (type 3 code 13) — a "
					      "firewall between them rejects tcp/20003"),
			   "%s", f->message);
	f = finding_for(RASFLOW_FIND_FAILED, "rdsh-brk", "10.0.1.12", true);
	cr_assert_not_null(f);
	cr_expect_not_null(strstr(f->message, "cb1 itself answered ICMP port unreachable "
					      "(type 3 code 3)"),
			   "%s", f->message);
	cr_expect_eq(edge("10.0.1.12", "10.0.0.10", 17, 20003)->icmp_code, 3);
}

static const char *app_names(void *ctx, uint16_t master, uint16_t proto, char *buf, size_t len)
{
	(void)ctx;
	(void)master;
	snprintf(buf, len, "%s", proto == 88 ? "RDP" : proto == 7 ? "HTTP" : "TLS.Microsoft");
	return buf;
}

Test(verdict, mismatch_only_for_detected_apps)
{
	use_site("10.0.1.11 rdsh rdsh1\n10.0.1.12 rdsh rdsh2\n10.0.1.13 rdsh rdsh3\n"
		 "10.5.0.0/16 client\n");
	opts.app_name = app_names;
	start();

	struct rasflow_flow f = mk(EST, "10.5.0.1", "10.0.1.11", 3389, 0, 5);

	f.app_state = 2;
	f.app_proto = 7;	/* HTTP, detected */
	rasflow_analysis_flow(an, &f);
	f = mk(EST, "10.5.0.1", "10.0.1.12", 3389, 0, 5);
	f.app_state = 1;
	f.app_proto = 7;	/* HTTP, only guessed */
	rasflow_analysis_flow(an, &f);
	f = mk(EST, "10.5.0.1", "10.0.1.13", 3389, 0, 5);
	f.app_state = 2;
	f.app_proto = 88;	/* RDP, detected */
	rasflow_analysis_flow(an, &f);
	finish_span(10);

	const struct rasflow_edge *e = edge("10.5.0.1", "10.0.1.11", 6, 3389);

	cr_expect_eq(e->verdict, RASFLOW_V_MISMATCH);
	cr_expect_str_eq(e->app, "HTTP");
	cr_expect_eq(edge("10.5.0.1", "10.0.1.12", 6, 3389)->verdict, RASFLOW_V_OK);
	cr_expect_null(edge("10.5.0.1", "10.0.1.12", 6, 3389)->app);
	cr_expect_eq(edge("10.5.0.1", "10.0.1.13", 6, 3389)->verdict, RASFLOW_V_OK);
	cr_expect_eq(count_findings(RASFLOW_FIND_MISMATCH, "cli-rds"), 1);
}

Test(verdict, external_destinations_take_ext_roles)
{
	use_site("10.0.0.10 broker cb1\n10.0.4.4 guest avd1\n");
	start();
	feed(EST, "10.0.0.10", "52.1.2.3", 443, 0, 5);		/* any public peer: license */
	feed(EST, "10.0.0.10", "10.20.30.40", 443, 0, 5);	/* private: not external */
	feed(EST, "10.0.4.4", "20.1.2.3", 443, 0, 5);		/* needs a server name */
	feed(EST, "10.0.4.4", "20.1.2.4", 443, 0, 5);
	feed(EST, "10.0.4.4", "20.1.2.5", 443, 0, 5);
	feed(EST, "10.0.4.4", "168.63.129.16", 80, 0, 5);	/* literal IP pattern */
	{
		struct rasflow_addr a = A("20.1.2.3"), b = A("20.1.2.5");

		cr_assert_eq(rasflow_analysis_name(an, &a, "rdweb.wvd.microsoft.com", T0), 0);
		cr_assert_eq(rasflow_analysis_name(an, &b, "abcxt.blob.core.windows.net", T0), 0);
		a = A("20.9.9.9");	/* a DNS answer for an address never contacted */
		cr_assert_eq(rasflow_analysis_name(an, &a, "unused.example.com", T0), 0);
	}
	finish_span(10);

	const struct rasflow_edge *e = edge("10.0.0.10", "52.1.2.3", 6, 443);

	cr_expect_eq(e->policy, RASFLOW_POL_EXPECTED);
	cr_expect_str_eq(rs->rules[e->rule].id, "brk-license");
	cr_expect(has_role(host("52.1.2.3"), "license"));
	cr_expect_eq(host("52.1.2.3")->source, RASFLOW_SRC_INFERRED);
	cr_expect_eq(edge("10.0.0.10", "10.20.30.40", 6, 443)->policy, RASFLOW_POL_IGNORED);
	e = edge("10.0.4.4", "20.1.2.3", 6, 443);
	cr_assert_eq(e->policy, RASFLOW_POL_EXPECTED);
	cr_expect_str_eq(rs->rules[e->rule].id, "avd-req-01");
	cr_expect_eq(edge("10.0.4.4", "20.1.2.4", 6, 443)->policy, RASFLOW_POL_IGNORED);
	cr_expect_null(host("20.9.9.9"), "name-only addresses are not hosts");
	cr_expect_str_eq(host("20.1.2.3")->server_name, "rdweb.wvd.microsoft.com");
	e = edge("10.0.4.4", "20.1.2.5", 6, 443);
	cr_assert_eq(e->policy, RASFLOW_POL_EXPECTED);
	cr_expect_str_eq(rs->rules[e->rule].id, "avd-req-04");
	e = edge("10.0.4.4", "168.63.129.16", 6, 80);
	cr_assert_eq(e->policy, RASFLOW_POL_EXPECTED);
	cr_expect_str_eq(rs->rules[e->rule].id, "avd-req-13");
}

Test(verdict, subnet_broadcast_matches_bcast_rule)
{
	use_site("10.0.2.0/24 guest\n10.0.2.50 provider prov1\n10.0.3.0/30 guest\n");
	start();
	feed(U_ONEWAY, "10.0.2.7", "10.0.2.255", 30006, 0, 5);
	feed(U_ONEWAY, "10.0.2.7", "10.0.2.254", 30006, 0, 5);	/* not a broadcast */
	feed(U_ONEWAY, "10.0.2.7", "10.0.3.3", 30006, 0, 5);	/* a /30's: two host bits */
	finish_span(10);

	cr_expect(edge("10.0.2.7", "10.0.3.3", 17, 30006)->dst_group);

	const struct rasflow_edge *e = edge("10.0.2.7", "10.0.2.255", 17, 30006);

	cr_expect(e->dst_group);
	cr_expect_eq(e->verdict, RASFLOW_V_OK);
	cr_expect_str_eq(rs->rules[e->rule].id, "gst-prov");
	cr_expect_null(host("10.0.2.255"));
	/* 10.0.2.254 is a guest host (the network's role), no rule guest -> guest */
	cr_expect_eq(edge("10.0.2.7", "10.0.2.254", 17, 30006)->verdict, RASFLOW_V_UNEXPECTED);
}

/* ---- missing traffic ---- */

TestSuite(missing, .init = setup, .fini = teardown);

Test(missing, silent_stopped_and_absent_hosts)
{
	use_site("10.0.0.10 broker cb1\n"
		 "10.0.1.11 rdsh rdsh1\n10.0.1.12 rdsh rdsh2\n10.0.1.13 rdsh rdsh3\n"
		 "10.0.1.14 rdsh rdsh4\n");
	start();
	/* rdsh1: talks to the broker until the end */
	feed(EST, "10.0.1.11", "10.0.0.10", 20003, 250, 49);
	/* rdsh2: stopped at t=50 */
	feed(EST, "10.0.1.12", "10.0.0.10", 20003, 10, 40);
	/* rdsh4: in the capture, but only other traffic */
	feed(EST, "10.0.1.14", "10.9.9.9", 445, 280, 10);
	/* rdsh3: absent */
	/* the broker polls every agent but the absent one */
	for (int i = 11; i <= 14; i++) {
		char a[16];

		snprintf(a, sizeof(a), "10.0.1.%d", i);
		if (i != 13)
			feed(EST, "10.0.0.10", a, 30004, 280, 10);
	}
	finish_span(300);

	cr_expect_null(finding_for(RASFLOW_FIND_MISSING, "rdsh-brk", "10.0.1.11", true));

	const struct rasflow_finding *f = finding_for(RASFLOW_FIND_MISSING, "rdsh-brk",
						      "10.0.1.12", true);

	cr_assert_not_null(f);
	cr_expect(!f->has_dst);
	cr_expect_eq(f->severity, RASFLOW_SEV_ERROR);
	cr_expect_eq(f->edge, -1);
	cr_expect_not_null(strstr(f->message, "this traffic stopped at 2023-11-14T22:14:10Z, 250 s "
					      "before the end of the capture"),
			   "%s", f->message);
	f = finding_for(RASFLOW_FIND_MISSING, "rdsh-brk", "10.0.1.13", true);
	cr_assert_not_null(f);
	cr_expect_not_null(strstr(f->message, "does not appear in the capture at all"), "%s",
			   f->message);
	f = finding_for(RASFLOW_FIND_MISSING, "rdsh-brk", "10.0.1.14", true);
	cr_assert_not_null(f);
	cr_expect_not_null(strstr(f->message, "appears in the capture"), "%s", f->message);
	cr_expect_eq(count_findings(RASFLOW_FIND_MISSING, "rdsh-brk"), 3);
	/* brk-rdsh: the broker polls, so only the absent agent is named (in dst) */
	cr_expect_eq(count_findings(RASFLOW_FIND_MISSING, "brk-rdsh"), 1);
	f = finding_for(RASFLOW_FIND_MISSING, "brk-rdsh", "10.0.1.13", false);
	cr_assert_not_null(f);
	cr_expect_str_eq(f->message,
			 "rdsh rdsh3 (10.0.1.13) received no brk-rdsh traffic (tcp,udp/30004) from "
			 "any broker in the last 60 s of the capture; it does not appear in the "
			 "capture at all — check that the broker hosts are configured to use it");
	cr_expect_eq(rasflow_analysis_rules(an)[rule_idx("rdsh-brk")].state, RASFLOW_RS_MISSING);
	cr_expect_eq(rasflow_analysis_rules(an)[rule_idx("brk-rdsh")].state, RASFLOW_RS_MISSING);
}

/* A big analysis takes other paths through its findings (analyze.c): the
 * array in huge pages (vmarea.h, RASFLOW_VM_BIG), copied when the missing
 * findings make it grow, and sorted by moving findings only when some are
 * out of group order (here the missing errors come after 20,000 notices).
 * The result must be what a small analysis gives: every finding whole, in
 * order. */
Test(missing, many_findings_keep_their_text_and_order)
{
	enum { N = 20000 };	/* 20,000 x 72 bytes: over 1 MiB */
	const struct rasflow_finding *fv;
	const struct rasflow_edge *ev;
	size_t n, ne, notices = 0;
	char a[32], ab[RASFLOW_ADDR_STRLEN];

	use_site("10.0.0.10 broker cb1\n10.0.1.11 rdsh rdsh1\n10.0.1.13 rdsh rdsh3\n");
	start();
	feed(EST, "10.0.1.11", "10.0.0.10", 20003, 250, 49);
	feed(EST, "10.0.0.10", "10.0.1.11", 30004, 250, 49);
	for (int i = 0; i < N; i++) {
		snprintf(a, sizeof(a), "10.7.%d.%d", i / 200, i % 200 + 1);
		feed(EST, a, "10.8.0.1", 20005, 250, 5);
	}
	finish_span(300);

	fv = rasflow_analysis_findings(an, &n);
	ev = rasflow_analysis_edges(an, &ne);
	cr_assert_eq(count_findings(RASFLOW_FIND_UNEXPECTED, NULL), N);
	cr_assert_eq(count_findings(RASFLOW_FIND_MISSING, NULL), 2, "rdsh3, both ways");
	cr_assert_eq(n, N + 2);
	for (size_t i = 0; i < n; i++) {
		const struct rasflow_finding *f = &fv[i];

		if (i > 0)
			cr_assert(fv[i - 1].severity < f->severity ||
					  (fv[i - 1].severity == f->severity && fv[i - 1].kind <= f->kind),
				  "finding %zu out of order", i);
		if (f->kind != RASFLOW_FIND_UNEXPECTED)
			continue;
		/* its own edge, and a message that starts with its source */
		cr_assert(f->edge >= 0 && (size_t)f->edge < ne && f->has_src);
		cr_assert_eq(rasflow_addr_cmp(&ev[f->edge].src, &f->src), 0);
		rasflow_addr_str(&f->src, ab);
		cr_assert_eq(strncmp(f->message, ab, strlen(ab)), 0, "%s: %s", ab, f->message);
		cr_assert_not_null(strstr(f->message, "no rule of the matrix allows this"));
		if (notices++ > 0)
			cr_assert_lt(rasflow_addr_cmp(&fv[i - 1].src, &f->src), 0, "sources in order");
	}
	cr_expect_eq(fv[0].kind, RASFLOW_FIND_MISSING);
	cr_expect_str_eq(finding_for(RASFLOW_FIND_MISSING, "brk-rdsh", "10.0.1.13", false)->message,
			 "rdsh rdsh3 (10.0.1.13) received no brk-rdsh traffic (tcp,udp/30004) from "
			 "any broker in the last 60 s of the capture; it does not appear in the "
			 "capture at all — check that the broker hosts are configured to use it");
}

Test(missing, broker_not_contacted_is_named_in_dst)
{
	use_site("10.0.0.10 broker cb1\n10.0.0.11 broker cb2\n10.0.1.11 rdsh rdsh1\n");
	start();
	feed(EST, "10.0.1.11", "10.0.0.10", 20003, 250, 49);
	feed(EST, "10.0.0.10", "10.0.0.11", 20001, 250, 49);
	feed(EST, "10.0.0.10", "10.0.1.11", 30004, 250, 49);
	feed(EST, "10.0.0.11", "10.0.1.11", 30004, 250, 49);
	finish_span(300);

	const struct rasflow_finding *f = finding_for(RASFLOW_FIND_MISSING, "rdsh-brk",
						      "10.0.0.11", false);

	cr_assert_not_null(f);
	cr_expect(!f->has_src);
	cr_expect_eq(count_findings(RASFLOW_FIND_MISSING, NULL), 1);
}

Test(missing, short_capture_gives_nothing)
{
	use_site("10.0.0.10 broker cb1\n10.0.1.11 rdsh rdsh1\n");
	start();
	finish_span(59);
	cr_expect_eq(count_findings(RASFLOW_FIND_MISSING, NULL), 0);
}

Test(missing, window_option_overrides_rules)
{
	use_site("10.0.0.10 broker cb1\n10.0.1.11 rdsh rdsh1\n");
	opts.window = 600;
	start();
	finish_span(300);
	cr_expect_eq(count_findings(RASFLOW_FIND_MISSING, NULL), 0);
}

Test(missing, one_broker_needs_no_peer)
{
	use_site("10.0.0.10 broker cb1\n");
	start();
	finish_span(300);
	cr_expect_eq(count_findings(RASFLOW_FIND_MISSING, "brk-brk"), 0);
	cr_expect_eq(rasflow_analysis_rules(an)[rule_idx("brk-brk")].state, RASFLOW_RS_UNUSED);
}

Test(missing, broker_pair_either_direction_counts)
{
	use_site("10.0.0.10 broker cb1\n10.0.0.11 broker cb2\n10.0.0.12 broker cb3\n");
	start();
	feed(EST, "10.0.0.11", "10.0.0.10", 20001, 250, 49);
	finish_span(300);
	cr_expect_null(finding_for(RASFLOW_FIND_MISSING, "brk-brk", "10.0.0.10", true));
	cr_expect_null(finding_for(RASFLOW_FIND_MISSING, "brk-brk", "10.0.0.11", true));
	cr_expect_not_null(finding_for(RASFLOW_FIND_MISSING, "brk-brk", "10.0.0.12", true));
	cr_expect_eq(count_findings(RASFLOW_FIND_MISSING, "brk-brk"), 1);
}

static void vrrp(const char *src, unsigned t, unsigned dur)
{
	struct rasflow_flow f;

	memset(&f, 0, sizeof(f));
	f.src = A(src);
	f.dst = A("224.0.0.18");
	f.proto = 112;
	f.dirsrc = RASFLOW_DIRSRC_FIRST;
	f.pkts[0] = dur + 1;
	f.first[0] = T0 + (rasflow_ts)t * SEC;
	f.last[0] = f.first[0] + (rasflow_ts)dur * SEC;
	cr_assert_eq(rasflow_analysis_flow(an, &f), 0);
}

Test(missing, halb_pair_with_one_advertiser_is_fine)
{
	use_site("10.0.9.1 halb halb1\n10.0.9.2 halb halb2\n");
	start();
	vrrp("10.0.9.1", 0, 299);
	finish_span(300);
	cr_expect_eq(count_findings(RASFLOW_FIND_MISSING, NULL), 0);
}

Test(missing, halb_pair_with_no_advertiser)
{
	use_site("10.0.9.1 halb halb1\n10.0.9.2 halb halb2\n");
	start();
	vrrp("10.0.9.1", 0, 100);	/* stopped 200 s before the end */
	finish_span(300);
	cr_assert_eq(count_findings(RASFLOW_FIND_MISSING, "halb-vrrp"), 1);

	size_t n;
	const struct rasflow_finding *f = rasflow_analysis_findings(an, &n);

	cr_expect(!f[0].has_src && !f[0].has_dst);
	cr_expect_eq(f[0].dport, -1);
	cr_expect_eq(f[0].proto, 112);
}

Test(missing, feature_absent_from_site_gives_nothing)
{
	/* guests but no provider: gst-prov cannot be missing */
	use_site("10.0.4.4 guest g1\n10.0.4.5 guest g2\n");
	start();
	finish_span(300);
	cr_expect_eq(count_findings(RASFLOW_FIND_MISSING, NULL), 0);
}

Test(missing, failed_host_gets_failed_not_missing)
{
	use_site("10.0.0.10 broker cb1\n10.0.1.13 rdsh rdsh3\n");
	start();
	feed(UNANS, "10.0.1.13", "10.0.0.10", 20003, 280, 7);
	feed(EST, "10.0.0.10", "10.0.1.13", 30004, 280, 10);
	finish_span(300);
	cr_expect_eq(count_findings(RASFLOW_FIND_MISSING, "rdsh-brk"), 0);
	cr_expect_eq(count_findings(RASFLOW_FIND_FAILED, "rdsh-brk"), 1);
	cr_expect_eq(rasflow_analysis_rules(an)[rule_idx("rdsh-brk")].state, RASFLOW_RS_FAILED);
}

Test(missing, bcast_rule_checks_the_sender_only)
{
	use_site("10.0.2.0/24 guest\n10.0.4.4 guest g1\n10.0.2.50 provider prov1\n");
	start();
	feed(U_ONEWAY, "10.0.4.4", "10.0.2.255", 30006, 280, 10);
	finish_span(300);
	cr_expect_eq(count_findings(RASFLOW_FIND_MISSING, "gst-prov"), 0);
}

/* ---- table caps and memory ---- */

TestSuite(tables, .init = setup, .fini = teardown);

static void expect_tables(size_t hosts, size_t edges, uint64_t hosts_refused,
			  uint64_t edges_refused)
{
	const struct rasflow_analysis_stats *st = rasflow_analysis_stats(an);
	size_t nh, ne;

	rasflow_analysis_hosts(an, &nh);
	rasflow_analysis_edges(an, &ne);
	cr_expect_eq(nh, hosts);
	cr_expect_eq(ne, edges);
	cr_expect_eq(st->hosts_refused, hosts_refused);
	cr_expect_eq(st->edges_refused, edges_refused);
}

/* Beyond a cap new hosts and edges are refused and counted, never evicted;
 * the flows of refused edges are dropped, known edges still take flows. */
Test(tables, caps_refuse_and_count)
{
	char a[32];

	opts.max_hosts = 4;
	opts.max_edges = 3;
	start();
	for (int i = 0; i < 5; i++) {	/* 10.0.0.1 -> 10.0.1.{1..5}: 6 hosts, 5 edges */
		snprintf(a, sizeof(a), "10.0.1.%d", i + 1);
		feed(EST, "10.0.0.1", a, 3389, 0, 1);
	}
	feed(EST, "10.0.0.1", "10.0.1.1", 3389, 2, 1);
	finish_span(10);
	expect_tables(4, 3, 2, 2);
	cr_expect_eq(edge("10.0.0.1", "10.0.1.1", 6, 3389)->flows, 2);
}

/* Edges come out in (initiator, responder, protocol, port) order: one
 * initiator with more than 16 edges (sorted as a run of its own by merge
 * sort), others with a few (insertion sort), fed in a scrambled order. */
Test(tables, edges_sorted_by_key)
{
	char d[32], s[32];
	size_t ne;
	const struct rasflow_edge *e;

	start();
	for (int i = 0; i < 30; i++) {	/* 30: merge sort ends in its scratch */
		int k = (i * 17) % 30;	/* 17 and 30 are coprime: every k once */

		snprintf(d, sizeof(d), "10.0.2.%d", k % 15 + 1);
		feed(k % 3 ? EST : U_BIDIR, "10.0.0.9", d, (uint16_t)(3000 + k / 15), 0, 1);
		snprintf(s, sizeof(s), "10.0.1.%d", 9 - k % 9);
		feed(EST, s, d, (uint16_t)(20000 + k % 4), 0, 1);
	}
	finish_span(10);
	e = rasflow_analysis_edges(an, &ne);
	cr_assert_gt(ne, 50);
	for (size_t i = 1; i < ne; i++) {
		int c = rasflow_addr_cmp(&e[i - 1].src, &e[i].src);

		if (c == 0)
			c = rasflow_addr_cmp(&e[i - 1].dst, &e[i].dst);
		if (c == 0)
			c = e[i - 1].proto != e[i].proto ? (e[i - 1].proto < e[i].proto ? -1 : 1) :
			    (e[i - 1].dport < e[i].dport ? -1 : 1);
		cr_assert_lt(c, 0, "edge %zu is not after edge %zu", i, i - 1);
	}
}

/* The host and edge tables reserve address space for their caps up front.
 * With the address space limited (ulimit -v) far below what caps of 2^26
 * entries need (about 30 GB), the analysis must still be made and keep
 * every host and edge. Not under ASan, whose allocator cannot live with the
 * limit. Alone in its process (Criterion forks per test): the limit stays. */
#if !defined(__SANITIZE_ADDRESS__)
#include <sys/resource.h>

Test(tables, work_with_little_address_space)
{
	struct rlimit rl = { 1UL << 30, 1UL << 30 };
	char a[32];

	cr_assert_eq(setrlimit(RLIMIT_AS, &rl), 0);
	opts.max_hosts = 1U << 26;
	opts.max_edges = 1U << 26;
	start();
	for (int i = 0; i < 3000; i++) {
		snprintf(a, sizeof(a), "10.1.%d.%d", i / 250, i % 250 + 1);
		feed(EST, a, "10.0.0.2", 3389, 0, 1);
	}
	finish_span(10);
	expect_tables(3001, 3000, 0, 0);
}
#endif

/* ---- helpers ---- */

Test(kinds, parse_fail_on)
{
	unsigned m = 0;
	size_t bad = 99;

	cr_expect_eq(rasflow_analysis_parse_kinds("failed,missing", &m, NULL), 0);
	cr_expect_eq(m, (1u << RASFLOW_FIND_FAILED) | (1u << RASFLOW_FIND_MISSING));
	cr_expect_eq(rasflow_analysis_parse_kinds("none", &m, NULL), 0);
	cr_expect_eq(m, 0);
	cr_expect_eq(rasflow_analysis_parse_kinds("all", &m, NULL), 0);
	cr_expect_eq(m, RASFLOW_FAIL_ON_DEFAULT);
	cr_expect_eq(rasflow_analysis_parse_kinds("failed,bogus", &m, &bad), RASFLOW_EINVAL);
	cr_expect_eq(bad, 7);
	cr_expect_eq(rasflow_analysis_parse_kinds("failed,", &m, NULL), RASFLOW_EINVAL);
	cr_expect_eq(rasflow_analysis_parse_kinds(",failed", &m, NULL), RASFLOW_EINVAL);
}

Test(kinds, count_by_mask)
{
	load_rules();
	use_site("10.0.0.10 broker cb1\n10.0.1.11 rdsh rdsh1\n");
	start();
	feed(UNANS, "10.0.1.11", "10.0.0.10", 20003, 0, 7);
	feed(EST, "10.0.0.10", "10.0.1.11", 20005, 0, 7);
	finish_span(10);
	cr_expect_eq(rasflow_analysis_count(an, 1u << RASFLOW_FIND_FAILED), 1);
	cr_expect_eq(rasflow_analysis_count(an, 1u << RASFLOW_FIND_UNEXPECTED), 1);
	cr_expect_eq(rasflow_analysis_count(an, 1u << RASFLOW_FIND_MISSING), 0);
	cr_expect_eq(rasflow_analysis_count(an, RASFLOW_FAIL_ON_DEFAULT), 2);
	teardown();
}

Test(kinds, timestamps)
{
	char b[RASFLOW_TS_STRLEN];

	cr_expect_str_eq(rasflow_ts_rfc3339(T0 + 5, true, b), "2023-11-14T22:13:20.000005Z");
	cr_expect_str_eq(rasflow_ts_rfc3339(T0 + 5, false, b), "2023-11-14T22:13:20Z");
}

/*
 * The flush ends flows in slot order (flow.h), so the analysis must give the
 * same result whatever order it folds flows in: of several candidates, a
 * host's evidence, VRRP group and server name and an edge's ICMP error and
 * app come from the earliest flow. Folded forwards and backwards here; in
 * each direction the old rule (the first folded wins) got something wrong.
 */
struct order_case {
	struct rasflow_flow f[20];
	size_t n;
};

static struct rasflow_flow *add(struct order_case *c, struct rasflow_flow f)
{
	cr_assert_lt(c->n, sizeof(c->f) / sizeof(c->f[0]));
	c->f[c->n] = f;
	return &c->f[c->n++];
}

static void set_app(struct rasflow_flow *f, uint8_t state, uint16_t proto)
{
	f->app_state = state;
	f->app_master = 91;
	f->app_proto = proto;
}

static void order_flows(struct order_case *c)
{
	struct rasflow_flow *f;

	memset(c, 0, sizeof(*c));
	/* 10.0.5.5 answers 11 services: 20003 first (twice: at 0 s from .20,
	 * at 5 s from .21), 7009..7003 at 1..7 s, 7002, 7001 and 30004 after.
	 * Only the first 8 are remembered, so 30004 (rdsh) gives no role. */
	add(c, mk(EST, "10.0.0.21", "10.0.5.5", 20003, 5, 1));
	add(c, mk(EST, "10.0.0.20", "10.0.5.5", 20003, 0, 1));
	for (unsigned k = 1; k <= 9; k++)
		add(c, mk(EST, "10.0.0.20", "10.0.5.5", (uint16_t)(7000 + k), 10 - k, 1));
	add(c, mk(EST, "10.0.0.20", "10.0.5.5", 30004, 10, 1));
	/* two ICMP errors on one edge: the router's came later */
	add(c, mk(UNREACH_RTR, "10.0.0.10", "10.0.1.11", 30004, 3, 1));
	add(c, mk(UNREACH_SELF, "10.0.0.10", "10.0.1.11", 30004, 1, 1));
	/* apps: a guess first, then two detections; the one at 2 s counts */
	set_app(add(c, mk(EST, "10.0.0.10", "10.0.7.7", 8443, 0, 1)), RASFLOW_APP_GUESSED, 7);
	set_app(add(c, mk(EST, "10.0.0.10", "10.0.7.7", 8443, 4, 1)), RASFLOW_APP_DETECTED, 8);
	set_app(add(c, mk(EST, "10.0.0.10", "10.0.7.7", 8443, 2, 1)), RASFLOW_APP_DETECTED, 9);
	/* VRRP adverts to two groups: 224.0.0.19 first */
	f = add(c, mk(U_ONEWAY, "10.0.9.1", "224.0.0.18", 0, 5, 4));
	f->proto = 112;
	f->sport = 0;
	f = add(c, mk(U_ONEWAY, "10.0.9.1", "224.0.0.19", 0, 2, 4));
	f->proto = 112;
	f->sport = 0;
	add(c, mk(EST, "10.0.0.10", "20.1.2.3", 443, 0, 5));
}

/* Fold the case's flows (and server names) in order or backwards, finish,
 * and describe what depends on which flow came first. */
static void fold_case(const struct order_case *c, bool backwards, char *out, size_t len)
{
	static const struct { const char *name; unsigned t; } names[] = {
		{ "late.example", 5 }, { "early-b.example", 1 }, { "early-a.example", 1 },
	};
	struct rasflow_addr named = A("20.1.2.3");
	const struct rasflow_host *hv;
	const struct rasflow_edge *ev;
	size_t nh, ne, used = 0;

	start();
	for (size_t i = 0; i < c->n; i++)
		cr_assert_eq(rasflow_analysis_flow(an, &c->f[backwards ? c->n - 1 - i : i]), 0);
	for (size_t i = 0; i < 3; i++) {
		size_t k = backwards ? 2 - i : i;

		cr_assert_eq(rasflow_analysis_name(an, &named, names[k].name,
						   T0 + names[k].t * SEC), 0);
	}
	finish_span(20);
	hv = rasflow_analysis_hosts(an, &nh);
	ev = rasflow_analysis_edges(an, &ne);
	for (size_t i = 0; i < nh; i++) {
		char ab[RASFLOW_ADDR_STRLEN];

		used += (size_t)snprintf(out + used, len - used, "%s roles %llx name %s\n",
					 rasflow_addr_str(&hv[i].addr, ab),
					 (unsigned long long)hv[i].roles,
					 hv[i].server_name ? hv[i].server_name : "-");
		for (size_t j = 0; j < hv[i].nevidence; j++)
			used += (size_t)snprintf(out + used, len - used, "  %s\n", hv[i].evidence[j]);
	}
	for (size_t i = 0; i < ne; i++) {
		char sb[RASFLOW_ADDR_STRLEN], db[RASFLOW_ADDR_STRLEN];

		used += (size_t)snprintf(out + used, len - used, "%s %s %u app %u/%u/%u %s\n",
					 rasflow_addr_str(&ev[i].src, sb),
					 rasflow_addr_str(&ev[i].dst, db), ev[i].dport,
					 ev[i].app_state, ev[i].app_master, ev[i].app_proto,
					 ev[i].detail ? ev[i].detail : "-");
	}
	cr_assert_lt(used, len);
}

Test(infer, fold_order_does_not_matter)
{
	static struct order_case c;
	static char fwd[8192], back[8192];
	const struct rasflow_host *h;
	const struct rasflow_edge *e;

	order_flows(&c);
	fold_case(&c, true, back, sizeof(back));
	rasflow_analysis_free(an);
	fold_case(&c, false, fwd, sizeof(fwd));
	cr_assert_str_eq(fwd, back);

	h = host("10.0.5.5");
	cr_expect(has_role(h, "broker"));
	cr_expect(!has_role(h, "rdsh"), "tcp/30004 was the 11th service answered");
	cr_assert_eq(h->nevidence, 1);
	cr_expect_str_eq(h->evidence[0],
			 "answered tcp/20003 (SYN/ACK) from 10.0.0.20: only broker listens there");
	h = host("10.0.9.1");
	cr_assert_eq(h->nevidence, 1);
	cr_expect_str_eq(h->evidence[0], "advertises VRRP (ip:112) to 224.0.0.19");
	cr_expect_str_eq(host("20.1.2.3")->server_name, "early-a.example");
	e = edge("10.0.0.10", "10.0.1.11", 6, 30004);
	cr_expect_eq(e->icmp, 2);
	cr_expect_eq(e->icmp_code, 3);
	cr_expect_eq(rasflow_addr_cmp(&e->icmp_from, &e->dst), 0, "the target's own error came first");
	e = edge("10.0.0.10", "10.0.7.7", 6, 8443);
	cr_expect_eq(e->app_state, RASFLOW_APP_DETECTED);
	cr_expect_eq(e->app_proto, 9);
}

/* One-way views: connections that worked though only one direction was
 * captured, and what that says about replies between those hosts. */
TestSuite(one_sided, .init = setup, .fini = teardown);

static const char sides_site[] = "10.0.1.1 rdsh rdsh1\n10.0.0.1 broker cb1\n";

static const struct rasflow_finding *only_finding(void)
{
	size_t n;
	const struct rasflow_finding *fv = rasflow_analysis_findings(an, &n);

	cr_assert_eq(n, 1);
	return fv;
}

Test(one_sided, acked_connections_work_and_the_pair_is_listed)
{
	const struct rasflow_one_sided *v;
	const struct rasflow_finding *f;
	const struct rasflow_edge *e;
	uint64_t flows;
	size_t n;

	use_site(sides_site);
	start();
	for (unsigned i = 0; i < 3; i++)
		feed(ONE_SIDED, "10.0.1.1", "10.0.0.1", 20003, 15 * i, 1);
	feed(U_ONEWAY, "10.0.1.1", "10.0.0.1", 20003, 20, 0);
	finish_span(50);
	e = edge("10.0.1.1", "10.0.0.1", 6, 20003);
	cr_assert_eq(e->outcome, RASFLOW_OUT_ESTABLISHED);
	cr_assert_eq(e->verdict, RASFLOW_V_OK);
	cr_assert_eq(e->one_sided[RASFLOW_DIR_FWD], 3);
	cr_assert_eq(e->one_sided[RASFLOW_DIR_REV], 0);
	cr_assert_str_eq(e->detail, "3 of 3 flows established (3 captured one way only)");
	v = rasflow_analysis_one_sided(an, &n, &flows);
	cr_assert_eq(n, 1);
	cr_assert_eq(flows, 3);
	cr_assert(rasflow_addr_eq(&v[0].from, &e->src) && rasflow_addr_eq(&v[0].to, &e->dst));
	cr_assert_eq(v[0].flows, 3);
	/* the datagram's reply may have gone the same unseen way */
	f = only_finding();
	cr_assert_eq(f->kind, RASFLOW_FIND_FAILED);
	cr_assert_eq(f->proto, 17);
	cr_assert_eq(f->severity, RASFLOW_SEV_WARNING);
	cr_assert_str_eq(f->message,
		"rdsh1 (10.0.1.1) → broker cb1 (10.0.0.1) udp/20003: 4 packets one way over 0 s, no reply — but the capture holds only rdsh1 (10.0.1.1) → cb1 (10.0.0.1) traffic: 3 TCP connections between them worked with nothing captured the other way (a one-way mirror or asymmetric routing), so the replies may have gone by unseen; capture both directions to be sure");
}

Test(one_sided, responder_only_connections_count_the_other_way)
{
	const struct rasflow_one_sided *v;
	const struct rasflow_edge *e;
	size_t n;

	use_site(sides_site);
	start();
	feed(RESP_ONLY, "10.0.0.1", "10.0.1.1", 30004, 0, 1);
	finish_span(10);
	e = edge("10.0.0.1", "10.0.1.1", 6, 30004);
	cr_assert_eq(e->verdict, RASFLOW_V_OK);
	cr_assert_eq(e->one_sided[RASFLOW_DIR_REV], 1);
	v = rasflow_analysis_one_sided(an, &n, NULL);
	cr_assert_eq(n, 1);
	/* captured: the responder (rdsh1) -> the initiator (cb1) */
	cr_assert(rasflow_addr_eq(&v[0].from, &e->dst) && rasflow_addr_eq(&v[0].to, &e->src));
}

Test(one_sided, any_packet_the_other_way_means_a_lost_synack_not_a_one_way_view)
{
	const struct rasflow_edge *e;
	size_t n;

	use_site(sides_site);
	start();
	feed(ONE_SIDED, "10.0.1.1", "10.0.0.1", 20003, 0, 1);
	feed(EST, "10.0.0.1", "10.0.1.1", 30004, 5, 1);	/* packets cb1 -> rdsh1 */
	feed(U_ONEWAY, "10.0.1.1", "10.0.0.1", 20003, 20, 0);
	finish_span(50);
	e = edge("10.0.1.1", "10.0.0.1", 6, 20003);
	cr_assert_eq(e->verdict, RASFLOW_V_OK);
	cr_assert_eq(e->one_sided[RASFLOW_DIR_FWD], 1);
	rasflow_analysis_one_sided(an, &n, NULL);
	cr_assert_eq(n, 0);
	cr_assert_eq(only_finding()->severity, RASFLOW_SEV_ERROR);
}

Test(one_sided, an_acked_port_infers_its_role)
{
	const struct rasflow_host *h;

	start();
	feed(ONE_SIDED, "10.0.0.1", "10.0.1.1", 30004, 0, 1);
	finish_span(10);
	h = host("10.0.1.1");
	cr_assert(has_role(h, "rdsh"));
	cr_assert_eq(h->source, RASFLOW_SRC_INFERRED);
	cr_assert_eq(h->nevidence, 1);
	cr_assert_str_eq(h->evidence[0],
		"answered tcp/30004 (ACKed by the initiator, its SYN/ACK not captured) from 10.0.0.1: only rdsh listens there");
}
