/* test_monitor.c — the live alert logic fed hand-built flows on a fake
 * clock: once per edge, the SYN timer (answered, reused and overdue SYNs),
 * refusals and ICMP errors, DPI mismatches, the rolling missing window
 * (waits for the window, resets when traffic returns, alerts again), the
 * live classifier's policy for hosts not in the site, reload, host pairs seen
 * one way only, and the alert line written out by hand.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasflow/analyze.h"
#include "rasflow/monitor.h"
#include "rasflow/rules.h"
#include "rasflow/site.h"

#define SEC 1000000ull
#define T0 (1700000000ull * SEC)	/* 2023-11-14T22:13:20Z */

static const char rules_text[] =
	"ruleset \"unit\"\n"
	"app tcp 3389 RDP\n"
	"role broker ras \"Broker\"\n"
	"role rdsh ras \"RDSH agent\" implies:rds\n"
	"role rds pseudo \"RDP listener\"\n"
	"role client user \"Client\"\n"
	"role localhost pseudo \"Loopback\"\n"
	"role tenant ras \"Tenant broker\"\n"
	"rule rdsh-brk rdsh -> broker tcp 20003 steady window:60s\n"
	"rule brk-rdsh broker -> rdsh tcp 30004 ondemand\n"
	"rule cli-rds client -> rds tcp 3389 ondemand\n"
	"rule rdsh-local rdsh -> localhost tcp 30005 ondemand local\n"
	"rule rdsh-brk-udp rdsh -> broker udp 20009 ondemand\n"
	"rule rdsh-tb rdsh -> broker tcp 20004 steady window:60s opt:tenant\n"
	"rule rdsh-brk-note rdsh -> broker udp 20010 ondemand oneway\n";

static const char site_text[] =
	"10.0.0.10 broker cb1\n"
	"10.0.1.21 rdsh rdsh1\n"
	"10.0.1.22 rdsh rdsh2\n"
	"10.0.9.0/24 client\n";

#define MAX_ALERTS 16

/* Alerts seen, with their messages copied. */
struct seen {
	struct rasflow_alert a[MAX_ALERTS];
	char msg[MAX_ALERTS][1024];
	size_t n;
};

static struct rasflow_ruleset *rs;
static struct rasflow_site *site;
static struct rasflow_analysis *an;
static struct rasflow_monitor *mon;
static struct seen seen;
static uint64_t next_id;

static void on_alert(void *user, const struct rasflow_alert *a)
{
	struct seen *s = user;

	cr_assert_lt(s->n, MAX_ALERTS);
	s->a[s->n] = *a;
	snprintf(s->msg[s->n], sizeof(s->msg[0]), "%s", a->message);
	s->a[s->n].message = s->msg[s->n];
	s->n++;
}

static void start(const char *site_txt, unsigned syn_timeout)
{
	struct rasflow_errlist errs;
	struct rasflow_monitor_opts mo;

	memset(&errs, 0, sizeof(errs));
	rs = rasflow_rules_parse_buf("unit.rules", rules_text, strlen(rules_text), &errs);
	cr_assert_not_null(rs, "rules: %s", errs.n ? errs.e[0].msg : "?");
	site = NULL;
	if (site_txt != NULL) {
		site = rasflow_site_parse_buf("unit.site", site_txt, strlen(site_txt), rs, &errs);
		cr_assert_not_null(site, "site: %s", errs.n ? errs.e[0].msg : "?");
	}
	an = rasflow_analysis_new(rs, site, NULL);
	cr_assert_not_null(an);
	rasflow_monitor_default_opts(&mo);
	mo.syn_timeout = syn_timeout;
	mo.on_alert = on_alert;
	mo.user = &seen;
	memset(&seen, 0, sizeof(seen));
	mon = rasflow_monitor_new(an, &mo);
	cr_assert_not_null(mon);
	next_id = 1;
}

static void setup(void)
{
	start(site_text, 3);
}

static void teardown(void)
{
	rasflow_monitor_free(mon);
	rasflow_analysis_free(an);
	rasflow_site_free(site);
	rasflow_rules_free(rs);
}

static struct rasflow_addr A(const char *s)
{
	struct rasflow_addr a;

	cr_assert(rasflow_addr_parse(s, &a), "bad address %s", s);
	return a;
}

/* A TCP flow whose initiator has just sent one SYN at T0 + t seconds. */
static struct rasflow_flow syn_flow(const char *src, const char *dst, uint16_t sport,
				   uint16_t dport, unsigned t)
{
	struct rasflow_flow f;

	memset(&f, 0, sizeof(f));
	f.src = A(src);
	f.dst = A(dst);
	f.sport = sport;
	f.dport = dport;
	f.proto = 6;
	f.dirsrc = RASFLOW_DIRSRC_SYN;
	f.syn = 1;
	f.pkts[RASFLOW_DIR_FWD] = 1;
	f.bytes[RASFLOW_DIR_FWD] = 60;
	f.first[RASFLOW_DIR_FWD] = f.last[RASFLOW_DIR_FWD] = T0 + t * SEC;
	f.id = next_id++;
	return f;
}

/* The SYN/ACK and the ACK came back: a working flow. */
static void establish(struct rasflow_flow *f, unsigned t)
{
	f->synack = 1;
	f->established = true;
	f->pkts[RASFLOW_DIR_REV] = 1;
	f->pkts[RASFLOW_DIR_FWD] = 2;
	f->first[RASFLOW_DIR_REV] = f->last[RASFLOW_DIR_REV] = T0 + t * SEC;
	f->last[RASFLOW_DIR_FWD] = T0 + t * SEC;
}

static void tick(unsigned t)
{
	rasflow_monitor_tick(mon, NULL, T0 + t * SEC);
}

static int rule_idx(const char *id)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (strcmp(rs->rules[i].id, id) == 0)
			return (int)i;
	cr_assert_fail("no rule %s", id);
	return -1;
}

TestSuite(monitor, .init = setup, .fini = teardown);

Test(monitor, unexpected_once_per_edge)
{
	/* client -> rdsh tcp/30004: only brokers may; a RAS port */
	struct rasflow_flow f1 = syn_flow("10.0.9.50", "10.0.1.21", 50001, 30004, 1);
	struct rasflow_flow f2 = syn_flow("10.0.9.50", "10.0.1.21", 50002, 30004, 2);
	struct rasflow_flow f3 = syn_flow("10.0.9.50", "10.0.1.22", 50003, 30004, 3);

	rasflow_monitor_flow_new(mon, &f1);
	rasflow_monitor_flow_new(mon, &f2);
	cr_assert_eq(seen.n, 1, "a second flow of the same edge alerted");
	cr_assert_eq(seen.a[0].kind, RASFLOW_FIND_UNEXPECTED);
	cr_assert_eq(seen.a[0].severity, RASFLOW_SEV_NOTICE);
	cr_assert_eq(seen.a[0].rule, -1);
	cr_assert_eq(seen.a[0].proto, 6);
	cr_assert_eq(seen.a[0].dport, 30004);
	cr_assert(seen.a[0].has_src && seen.a[0].has_dst);
	cr_assert_eq(rasflow_addr_cmp(&seen.a[0].src, &f1.src), 0);
	cr_assert_eq(seen.a[0].time, T0 + 1 * SEC);
	cr_assert_str_eq(seen.msg[0],
			 "10.0.9.50 [client] → rdsh1 (10.0.1.21) [rdsh,rds] tcp/30004 (on a RAS port): no rule of the matrix allows this — check whether the roles are right (--site) or what opened this connection");
	/* another responder is another edge */
	rasflow_monitor_flow_new(mon, &f3);
	cr_assert_eq(seen.n, 2);
	cr_assert_eq(rasflow_monitor_stats(mon)->verdicts[RASFLOW_V_UNEXPECTED], 2);
	cr_assert_eq(rasflow_monitor_stats(mon)->alerts[RASFLOW_FIND_UNEXPECTED], 2);
}

Test(monitor, loopback_only_port_on_the_wire)
{
	struct rasflow_flow f = syn_flow("10.0.1.22", "10.0.1.21", 50001, 30005, 1);

	rasflow_monitor_flow_new(mon, &f);
	cr_assert_eq(seen.n, 1);
	cr_assert_eq(seen.a[0].kind, RASFLOW_FIND_UNEXPECTED);
	cr_assert_eq(seen.a[0].severity, RASFLOW_SEV_WARNING);
	cr_assert_eq(seen.a[0].rule, rule_idx("rdsh-local"));
}

Test(monitor, unknown_end_stands_for_any_role)
{
	/* 10.0.5.5 is not in the site: it may be a broker, so -> rdsh 30004 is
	 * allowed; the SYN is timed like any expected one */
	struct rasflow_flow ok = syn_flow("10.0.5.5", "10.0.1.21", 50001, 30004, 1);
	/* no role at all may use tcp/20007 (a RAS port): unexpected */
	struct rasflow_flow bad = syn_flow("10.0.5.5", "10.0.1.21", 50002, 20007, 1);
	/* neither end known, a port some rule allows: nothing to say */
	struct rasflow_flow both = syn_flow("10.0.5.5", "10.0.6.6", 50003, 30004, 1);
	struct rasflow_peek pk;

	rasflow_analysis_peek(an, &ok, &pk);
	cr_assert_eq(pk.policy, RASFLOW_POL_EXPECTED);
	cr_assert_eq(pk.rule, rule_idx("brk-rdsh"));
	cr_assert(!pk.src_known && pk.dst_known);
	rasflow_analysis_peek(an, &both, &pk);
	cr_assert_eq(pk.policy, RASFLOW_POL_IGNORED);

	rasflow_monitor_flow_new(mon, &ok);
	rasflow_monitor_flow_new(mon, &both);
	cr_assert_eq(seen.n, 0);
	rasflow_monitor_flow_new(mon, &bad);
	cr_assert_eq(seen.n, 1);
	cr_assert_eq(seen.a[0].kind, RASFLOW_FIND_UNEXPECTED);
	cr_assert_eq(seen.a[0].dport, 20007);
	tick(4);
	cr_assert_eq(seen.n, 2, "the expected unanswered SYN was not timed");
	cr_assert_eq(seen.a[1].kind, RASFLOW_FIND_FAILED);
	cr_assert_eq(seen.a[1].dport, 30004);
}

Test(monitor, syn_timer)
{
	struct rasflow_flow late = syn_flow("10.0.1.21", "10.0.0.10", 50001, 20003, 10);
	struct rasflow_flow answered = syn_flow("10.0.1.22", "10.0.0.10", 50002, 20003, 10);

	rasflow_monitor_flow_new(mon, &late);
	rasflow_monitor_flow_new(mon, &answered);
	cr_assert_eq(rasflow_monitor_stats(mon)->pending, 2);
	tick(11);
	late.syn = 2;	/* a retransmission */
	establish(&answered, 12);
	tick(12);
	cr_assert_eq(seen.n, 0, "alerted before the timeout");
	cr_assert_eq(rasflow_monitor_stats(mon)->pending, 1, "the answered SYN is still timed");
	tick(13);	/* 3 s after the first SYN */
	cr_assert_eq(seen.n, 1);
	cr_assert_eq(seen.a[0].kind, RASFLOW_FIND_FAILED);
	cr_assert_eq(seen.a[0].severity, RASFLOW_SEV_ERROR);
	cr_assert_eq(seen.a[0].rule, rule_idx("rdsh-brk"));
	cr_assert_eq(seen.a[0].time, T0 + 13 * SEC);
	cr_assert_str_eq(seen.msg[0],
			 "rdsh1 (10.0.1.21) → broker cb1 (10.0.0.10) tcp/20003: 2 SYNs, no answer after 3 s — a firewall between them drops the port, or the broker service is down");
	cr_assert_eq(rasflow_monitor_stats(mon)->pending, 0);

	/* the next attempt of the failed edge is not timed again */
	struct rasflow_flow again = syn_flow("10.0.1.21", "10.0.0.10", 50003, 20003, 25);

	rasflow_monitor_flow_new(mon, &again);
	tick(40);
	cr_assert_eq(seen.n, 1);
}

/* A first datagram of a UDP flow on a rule that expects replies. */
static struct rasflow_flow udp_flow(const char *src, const char *dst, uint16_t dport, unsigned t)
{
	struct rasflow_flow f = syn_flow(src, dst, 50100, dport, t);

	f.proto = 17;
	f.syn = 0;
	f.dirsrc = RASFLOW_DIRSRC_FIRST;
	return f;
}

Test(monitor, udp_request_timer)
{
	struct rasflow_flow lost = udp_flow("10.0.1.21", "10.0.0.10", 20009, 10);
	struct rasflow_flow answered = udp_flow("10.0.1.22", "10.0.0.10", 20009, 10);
	struct rasflow_flow note = udp_flow("10.0.1.21", "10.0.0.10", 20010, 10);

	rasflow_monitor_flow_new(mon, &lost);
	rasflow_monitor_flow_new(mon, &answered);
	rasflow_monitor_flow_new(mon, &note);
	cr_assert_eq(rasflow_monitor_stats(mon)->pending, 2, "a oneway rule expects no reply");
	lost.pkts[RASFLOW_DIR_FWD] = 3;
	answered.pkts[RASFLOW_DIR_REV] = 1;	/* the reply */
	tick(12);
	cr_assert_eq(seen.n, 0);
	tick(13);
	cr_assert_eq(seen.n, 1);
	cr_assert_eq(seen.a[0].kind, RASFLOW_FIND_FAILED);
	cr_assert_eq(seen.a[0].rule, rule_idx("rdsh-brk-udp"));
	cr_assert_str_eq(seen.msg[0],
			 "rdsh1 (10.0.1.21) → broker cb1 (10.0.0.10) udp/20009: 3 datagrams, no reply after 3 s — a firewall between them drops the port, or the broker service is down");
	cr_assert_eq(rasflow_monitor_stats(mon)->pending, 0);
}

/* A connection from src to dst that worked with nothing captured back. */
static void one_sided(const char *src, const char *dst, uint16_t sport, unsigned t)
{
	struct rasflow_flow f = syn_flow(src, dst, sport, 20003, t);

	rasflow_monitor_flow_new(mon, &f);
	f.synack_unseen = true;		/* its ACK after the SYN */
	f.pkts[RASFLOW_DIR_FWD] = 2;
	rasflow_monitor_flow_event(mon, &f, RASFLOW_EV_ESTABLISHED, T0 + t * SEC);
}

/* rdsh1 -> cb1 seen one way only: its connection worked (an ACK after the
 * SYN, nothing captured back), so its unanswered datagram is a warning that
 * says why. rdsh2 -> cb1 too, until a flow of cb1's ends with packets to
 * rdsh2: then its datagram is an error again. A reply to rdsh1 captured
 * on one of its own connections ends the other pair. */
Test(monitor, one_way_pairs_soften_udp_alerts_until_contradicted)
{
	struct rasflow_flow dg = udp_flow("10.0.1.21", "10.0.0.10", 20009, 11);
	struct rasflow_flow back = syn_flow("10.0.0.10", "10.0.1.22", 50002, 30004, 20);
	struct rasflow_flow dg2 = udp_flow("10.0.1.22", "10.0.0.10", 20009, 30);

	one_sided("10.0.1.21", "10.0.0.10", 50001, 10);
	cr_assert_eq(rasflow_monitor_stats(mon)->one_sided, 1);
	rasflow_monitor_flow_new(mon, &dg);
	tick(15);
	cr_assert_eq(seen.n, 1, "the SYN was answered (ACKed): only the datagram");
	cr_assert_eq(seen.a[0].severity, RASFLOW_SEV_WARNING);
	cr_assert_str_eq(seen.msg[0],
			 "rdsh1 (10.0.1.21) → broker cb1 (10.0.0.10) udp/20009: 1 datagram, no reply after 3 s — but the capture holds only rdsh1 (10.0.1.21) → cb1 (10.0.0.10) traffic: 1 TCP connection between them worked with nothing captured the other way (a one-way mirror or asymmetric routing), so the replies may have gone by unseen");

	one_sided("10.0.1.22", "10.0.0.10", 50003, 19);
	cr_assert_eq(rasflow_monitor_stats(mon)->one_sided, 2);
	rasflow_monitor_flow_new(mon, &back);
	establish(&back, 20);
	rasflow_monitor_flow_end(mon, &back, RASFLOW_END_TIMEOUT);
	cr_assert_eq(rasflow_monitor_stats(mon)->one_sided, 1, "cb1 -> rdsh2 was captured");
	rasflow_monitor_flow_new(mon, &dg2);
	tick(34);
	cr_assert_eq(seen.n, 2);
	cr_assert_eq(seen.a[1].severity, RASFLOW_SEV_ERROR);

	/* rdsh1's next connection gets its reply captured: the pair goes */
	struct rasflow_flow again = syn_flow("10.0.1.21", "10.0.0.10", 50004, 20003, 40);

	rasflow_monitor_flow_new(mon, &again);
	establish(&again, 40);
	rasflow_monitor_flow_end(mon, &again, RASFLOW_END_TIMEOUT);
	cr_assert_eq(rasflow_monitor_stats(mon)->one_sided, 0, "cb1 -> rdsh1 was captured");
}

Test(monitor, syn_timer_forgets_a_reused_flow)
{
	struct rasflow_flow f = syn_flow("10.0.1.21", "10.0.0.10", 50001, 20003, 10);

	rasflow_monitor_flow_new(mon, &f);
	/* the flow ended and its memory now holds another flow */
	f.id = 99;
	tick(20);
	cr_assert_eq(seen.n, 0);
	cr_assert_eq(rasflow_monitor_stats(mon)->pending, 0);
}

Test(monitor, syn_timeout_option)
{
	struct rasflow_flow f;

	teardown();
	start(site_text, 10);
	f = syn_flow("10.0.1.21", "10.0.0.10", 50001, 20003, 0);
	rasflow_monitor_flow_new(mon, &f);
	tick(9);
	cr_assert_eq(seen.n, 0);
	tick(10);
	cr_assert_eq(seen.n, 1);
	cr_assert(strstr(seen.msg[0], "no answer after 10 s") != NULL, "%s", seen.msg[0]);
}

Test(monitor, refused_and_unreachable_once_per_edge)
{
	struct rasflow_flow r1 = syn_flow("10.0.0.10", "10.0.1.22", 50001, 30004, 1);
	struct rasflow_flow r2 = syn_flow("10.0.0.10", "10.0.1.22", 50002, 30004, 16);
	struct rasflow_flow u = syn_flow("10.0.0.10", "10.0.1.21", 50003, 30004, 2);

	rasflow_monitor_flow_new(mon, &r1);
	r1.rst[RASFLOW_DIR_REV] = 1;
	r1.rst_before_est = true;
	r1.pkts[RASFLOW_DIR_REV] = 1;
	rasflow_monitor_flow_event(mon, &r1, RASFLOW_EV_RST, T0 + 1 * SEC);
	cr_assert_eq(seen.n, 1);
	cr_assert_eq(seen.a[0].kind, RASFLOW_FIND_FAILED);
	cr_assert(strstr(seen.msg[0], "SYN answered by RST") != NULL, "%s", seen.msg[0]);
	rasflow_monitor_flow_new(mon, &r2);
	r2.rst[RASFLOW_DIR_REV] = 1;
	rasflow_monitor_flow_event(mon, &r2, RASFLOW_EV_RST, T0 + 16 * SEC);
	cr_assert_eq(seen.n, 1, "the second refusal of the edge alerted");

	/* a firewall answers ICMP type 3 code 13 */
	rasflow_monitor_flow_new(mon, &u);
	u.icmp_errors = 1;
	u.icmp_type = 3;
	u.icmp_code = 13;
	u.icmp_from = A("10.0.0.1");
	u.icmp_first = T0 + 2 * SEC;
	rasflow_monitor_flow_event(mon, &u, RASFLOW_EV_ICMP, T0 + 2 * SEC);
	cr_assert_eq(seen.n, 2);
	cr_assert_str_eq(seen.msg[1],
			 "cb1 (10.0.0.10) → rdsh rdsh1 (10.0.1.21) tcp/30004: router 10.0.0.1 answered ICMP communication administratively prohibited (type 3 code 13) — a firewall or router between them rejects it");
	/* neither is timed any more */
	tick(30);
	cr_assert_eq(seen.n, 2);
	cr_assert_eq(rasflow_monitor_stats(mon)->verdicts[RASFLOW_V_FAILED], 2);
}

Test(monitor, mismatch_once_per_edge)
{
	struct rasflow_flow f = syn_flow("10.0.9.50", "10.0.1.21", 50001, 3389, 1);
	struct rasflow_flow g = syn_flow("10.0.9.51", "10.0.1.21", 50002, 3389, 1);

	establish(&f, 1);
	establish(&g, 1);
	rasflow_monitor_flow_new(mon, &f);
	rasflow_monitor_flow_new(mon, &g);
	rasflow_monitor_flow_app(mon, &g, "RDP", T0 + 2 * SEC);
	cr_assert_eq(seen.n, 0, "RDP on 3389 alerted");
	rasflow_monitor_flow_app(mon, &f, "SSH", T0 + 2 * SEC);
	rasflow_monitor_flow_app(mon, &f, "SSH", T0 + 3 * SEC);
	cr_assert_eq(seen.n, 1);
	cr_assert_eq(seen.a[0].kind, RASFLOW_FIND_MISMATCH);
	cr_assert_eq(seen.a[0].severity, RASFLOW_SEV_WARNING);
	cr_assert_eq(seen.a[0].rule, rule_idx("cli-rds"));
	cr_assert(strstr(seen.msg[0], "nDPI identified SSH, but rule cli-rds expects RDP") != NULL,
		  "%s", seen.msg[0]);
}

/* A finished working rdsh -> cb1 tcp/20003 flow at T0 + t seconds. */
static void heartbeat(const char *rdsh, unsigned t)
{
	struct rasflow_flow f = syn_flow(rdsh, "10.0.0.10", (uint16_t)(40000 + t), 20003, t);

	establish(&f, t);
	rasflow_monitor_flow_new(mon, &f);
	rasflow_monitor_flow_end(mon, &f, RASFLOW_END_TIMEOUT);
}

static size_t missing_for(const char *src)
{
	struct rasflow_addr a = A(src);
	size_t n = 0;

	for (size_t i = 0; i < seen.n; i++)
		if (seen.a[i].kind == RASFLOW_FIND_MISSING && seen.a[i].has_src &&
		    rasflow_addr_cmp(&seen.a[i].src, &a) == 0)
			n++;
	return n;
}

Test(monitor, missing_window_on_a_fake_clock)
{
	tick(0);			/* monitoring starts */
	heartbeat("10.0.1.21", 10);
	heartbeat("10.0.1.22", 10);
	heartbeat("10.0.1.22", 55);
	tick(59);
	cr_assert_eq(seen.n, 0, "alerted before a whole window passed");
	tick(69);			/* rdsh1: 59 s of silence */
	cr_assert_eq(seen.n, 0);
	tick(71);			/* rdsh1: 61 s */
	cr_assert_eq(missing_for("10.0.1.21"), 1);
	cr_assert_eq(missing_for("10.0.1.22"), 0);
	cr_assert_eq(seen.a[0].rule, rule_idx("rdsh-brk"));
	cr_assert_eq(seen.a[0].severity, RASFLOW_SEV_ERROR);
	cr_assert_eq(seen.a[0].proto, 6);
	cr_assert_eq(seen.a[0].dport, 20003);
	cr_assert(!seen.a[0].has_dst);
	cr_assert_eq(seen.a[0].time, T0 + 71 * SEC);
	cr_assert_str_eq(seen.msg[0],
			 "rdsh1 (10.0.1.21) sent no rdsh-brk traffic (tcp/20003) to any broker in the last 60 s; its last such traffic was at 2023-11-14T22:13:30Z — check the rdsh service on it and the firewall towards the broker");
	tick(100);
	cr_assert_eq(missing_for("10.0.1.21"), 1, "alerted twice for one silence");
	/* rdsh2's last heartbeat was 45 s ago */
	cr_assert_eq(rasflow_monitor_stats(mon)->missing_active, 1);
}

Test(monitor, missing_resets_when_traffic_returns)
{
	tick(0);
	tick(61);
	cr_assert_eq(missing_for("10.0.1.21"), 1);
	cr_assert_eq(missing_for("10.0.1.22"), 1);
	cr_assert(strstr(seen.msg[0], "in the last 60 s; none was seen since monitoring began") != NULL,
		  "%s", seen.msg[0]);
	heartbeat("10.0.1.21", 70);
	tick(75);
	cr_assert_eq(rasflow_monitor_stats(mon)->missing_active, 1, "rdsh1 is back");
	tick(129);
	cr_assert_eq(missing_for("10.0.1.21"), 1);
	tick(131);			/* silent again for 61 s */
	cr_assert_eq(missing_for("10.0.1.21"), 2);
	cr_assert_eq(missing_for("10.0.1.22"), 1);
}

Test(monitor, failed_attempts_are_not_missing)
{
	struct rasflow_flow f;

	tick(0);
	heartbeat("10.0.1.22", 50);
	f = syn_flow("10.0.1.21", "10.0.0.10", 50001, 20003, 50);
	rasflow_monitor_flow_new(mon, &f);
	tick(54);			/* its failed alert */
	cr_assert_eq(seen.n, 1);
	cr_assert_eq(seen.a[0].kind, RASFLOW_FIND_FAILED);
	f.syn = 4;
	rasflow_monitor_flow_end(mon, &f, RASFLOW_END_TIMEOUT);
	tick(61);
	cr_assert_eq(missing_for("10.0.1.21"), 0, "a failing host was called missing");
}

Test(monitor, no_missing_without_a_site)
{
	teardown();
	start(NULL, 3);
	tick(0);
	tick(1000);
	cr_assert_eq(seen.n, 0);
}

static size_t missing_of_rule(const char *id)
{
	size_t n = 0;

	for (size_t i = 0; i < seen.n; i++)
		n += seen.a[i].kind == RASFLOW_FIND_MISSING && seen.a[i].rule == rule_idx(id);
	return n;
}

Test(monitor, standby_hosts_are_not_watched)
{
	teardown();
	start("10.0.0.10 broker cb1\n10.0.1.21 rdsh rdsh1\n10.0.1.22 rdsh rdsh2 standby\n", 3);
	tick(0);
	tick(61);
	cr_assert_eq(missing_for("10.0.1.21"), 1);
	cr_assert_eq(missing_for("10.0.1.22"), 0, "a standby host was called missing");
}

/* rdsh-tb belongs to the optional "tenant" feature: watched only when the
 * site has a host of the role of that name. */
Test(monitor, rules_of_absent_features_are_not_watched)
{
	tick(0);
	tick(61);
	cr_assert_eq(missing_of_rule("rdsh-brk"), 2);
	cr_assert_eq(missing_of_rule("rdsh-tb"), 0, "a feature the site does not have");
	teardown();
	start("10.0.0.10 broker cb1\n10.0.1.21 rdsh rdsh1\n10.0.5.1 tenant tb1\n", 3);
	tick(0);
	tick(61);
	cr_assert_eq(missing_of_rule("rdsh-brk"), 1);
	cr_assert_eq(missing_of_rule("rdsh-tb"), 1);
}

Test(monitor, reload_rebuilds_the_windows)
{
	struct rasflow_errlist errs;
	struct rasflow_site *s2;

	memset(&errs, 0, sizeof(errs));
	/* the new site has no rdsh2 */
	s2 = rasflow_site_parse_buf("new.site", "10.0.0.10 broker cb1\n10.0.1.21 rdsh rdsh1\n",
				    strlen("10.0.0.10 broker cb1\n10.0.1.21 rdsh rdsh1\n"), rs, &errs);
	cr_assert_not_null(s2);
	tick(0);
	cr_assert_eq(rasflow_analysis_rebind(an, rs, s2), 0);
	cr_assert_eq(rasflow_monitor_reload(mon, T0 + 30 * SEC), 0);
	rasflow_site_free(site);
	site = s2;
	tick(61);			/* the windows restarted at 30 s */
	cr_assert_eq(seen.n, 0);
	tick(91);
	cr_assert_eq(missing_for("10.0.1.21"), 1);
	cr_assert_eq(missing_for("10.0.1.22"), 0, "a host no longer in the site");
	cr_assert_eq(rasflow_monitor_stats(mon)->reloads, 1);
}

Test(monitor, alert_lines)
{
	struct rasflow_alert a;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	memset(&a, 0, sizeof(a));
	a.kind = RASFLOW_FIND_FAILED;
	a.severity = RASFLOW_SEV_ERROR;
	a.rule = rule_idx("rdsh-brk");
	a.proto = 6;
	a.has_src = a.has_dst = true;
	a.src = A("10.0.1.21");
	a.dst = A("10.0.0.10");
	a.dport = 20003;
	a.time = T0 + 500000;
	a.message = "rdsh1 → cb1 — x";

	out = open_memstream(&buf, &len);
	cr_assert_not_null(out);
	cr_assert_eq(rasflow_monitor_write_alert(mon, &a, true, false, out), 0);
	a.has_dst = false;
	a.dport = -1;
	cr_assert_eq(rasflow_monitor_write_alert(mon, &a, false, false, out), 0);
	cr_assert_eq(rasflow_monitor_write_alert(mon, &a, false, true, out), 0);
	fclose(out);
	cr_assert_str_eq(buf,
			 "{\"type\":\"alert\",\"time\":\"2023-11-14T22:13:20.500000Z\",\"kind\":\"failed\",\"severity\":\"error\",\"rule\":\"rdsh-brk\",\"proto\":\"tcp\",\"src\":\"10.0.1.21\",\"dst\":\"10.0.0.10\",\"dport\":20003,\"message\":\"rdsh1 \u2192 cb1 \u2014 x\","
			 "\"display_filter\":\"(ip.src==10.0.1.21 && ip.dst==10.0.0.10 && tcp.dstport==20003) || "
			 "(ip.src==10.0.0.10 && ip.dst==10.0.1.21 && tcp.srcport==20003)\"}\n"
			 "2023-11-14T22:13:20.500000Z failed error rdsh-brk: rdsh1 -> cb1 - x\n"
			 "2023-11-14T22:13:20.500000Z failed error rdsh-brk: rdsh1 → cb1 — x\n");
	free(buf);
}
