/* test_site.c — site inventory: parsing, errors with line:col, and
 * longest-prefix lookups. The ruleset is built by hand so these tests do
 * not depend on the rules parser (only on rules.h's role helpers).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rasflow/site.h"

/* Role indexes of the hand-made ruleset below. */
enum { R_BROKER, R_CONSOLE, R_RDSH, R_RDS, R_GATEWAY, R_CLIENT, R_GUEST, R_NROLES };

#define BIT(i) ((rasflow_roleset)1 << (i))

static struct rasflow_role roles[R_NROLES] = {
	[R_BROKER] = { .id = "broker", .name = "RAS Connection Broker", .line = 1 },
	[R_CONSOLE] = { .id = "console", .name = "RAS Console", .line = 2 },
	[R_RDSH] = { .id = "rdsh", .name = "RD Session Host Agent", .implies = BIT(R_RDS),
		     .line = 3 },
	[R_RDS] = { .id = "rds", .name = "Remote Desktop Services", .line = 4,
		    .cls = RASFLOW_CLASS_PSEUDO },
	[R_GATEWAY] = { .id = "gateway", .name = "RAS Secure Gateway", .line = 5 },
	[R_CLIENT] = { .id = "client", .name = "Parallels Client", .line = 6,
		       .cls = RASFLOW_CLASS_USER },
	[R_GUEST] = { .id = "guest", .name = "RAS Guest Agent", .implies = BIT(R_RDS),
		      .line = 7 },
};

static struct rasflow_ruleset rs = {
	.name = "test", .roles = roles, .nroles = R_NROLES,
};

static struct rasflow_errlist errs;

static struct rasflow_site *parse(const char *text)
{
	memset(&errs, 0, sizeof(errs));
	return rasflow_site_parse_buf("t.site", text, strlen(text), &rs, &errs);
}

static struct rasflow_addr A(const char *s)
{
	struct rasflow_addr a;

	cr_assert(rasflow_addr_parse(s, &a), "test address %s", s);
	return a;
}

/* The entry a lookup of s finds, by its line number (0 = none). */
static unsigned lookup_line(const struct rasflow_site *site, const char *s)
{
	struct rasflow_addr a = A(s);
	const struct rasflow_site_entry *e = rasflow_site_lookup(site, &a);

	return e ? e->line : 0;
}

/* Parse text that has exactly one error and check it. */
static void expect_one_error(const char *text, unsigned line, unsigned col, const char *msg)
{
	struct rasflow_site *site = parse(text);

	cr_assert_null(site, "accepted: %s", text);
	cr_assert_eq(errs.n, 1, "%zu errors for: %s (first: %s)", errs.n, text,
		     errs.n ? errs.e[0].msg : "");
	cr_expect_str_eq(errs.e[0].file, "t.site");
	cr_expect_eq(errs.e[0].line, line, "line %u, want %u: %s", errs.e[0].line, line, text);
	cr_expect_eq(errs.e[0].col, col, "col %u, want %u: %s", errs.e[0].col, col, text);
	cr_expect_str_eq(errs.e[0].msg, msg);
}

Test(site, valid_file)
{
	static const char text[] =
		"# ADDRESS[/PREFIX]   ROLE[,ROLE...]        [NAME]\n"	/* 1 */
		"10.10.0.10           broker,console        cb1\n"	/* 2 */
		"10.10.0.21\trdsh\trdsh1   # the first session host\n"	/* 3 */
		"\n"							/* 4 */
		"   10.10.1.0/24      client\n"				/* 5 */
		"fd00:10::5           gateway               gw-v6\r\n"	/* 6 */
		"fd00:20::/48         client#no space before the comment\n"	/* 7 */
		"   # indented comment\n"				/* 8 */
		"192.168.7.7/32 guest,console,broker";			/* 9, no final newline */
	struct rasflow_site *site = parse(text);
	const struct rasflow_site_entry *e;
	struct rasflow_addr a;

	cr_assert_not_null(site, "%s", errs.n ? errs.e[0].msg : "");
	cr_assert_eq(errs.n, 0);
	cr_assert_eq(rasflow_site_count(site), 6);

	e = rasflow_site_entry(site, 0);
	a = A("10.10.0.10");
	cr_expect_eq(memcmp(e->addr.b, a.b, 16), 0);
	cr_expect_eq(e->plen, 128);
	cr_expect_eq(e->roles, BIT(R_BROKER) | BIT(R_CONSOLE));
	cr_expect_str_eq(e->name, "cb1");
	cr_expect_eq(e->line, 2);
	cr_expect(rasflow_site_entry_is_host(e));

	e = rasflow_site_entry(site, 1);
	cr_expect_eq(e->line, 3);
	cr_expect_str_eq(e->name, "rdsh1");
	cr_expect_eq(e->roles, BIT(R_RDSH) | BIT(R_RDS));	/* rds implied */

	e = rasflow_site_entry(site, 2);
	a = A("10.10.1.0");
	cr_expect_eq(memcmp(e->addr.b, a.b, 16), 0);
	cr_expect_eq(e->plen, 96 + 24);
	cr_expect_null(e->name);
	cr_expect_eq(e->roles, BIT(R_CLIENT));
	cr_expect_eq(e->line, 5);
	cr_expect_not(rasflow_site_entry_is_host(e));

	e = rasflow_site_entry(site, 3);
	a = A("fd00:10::5");
	cr_expect_eq(memcmp(e->addr.b, a.b, 16), 0);
	cr_expect_eq(e->plen, 128);
	cr_expect_str_eq(e->name, "gw-v6");		/* the \r is not part of it */
	cr_expect_eq(e->roles, BIT(R_GATEWAY));

	e = rasflow_site_entry(site, 4);
	cr_expect_eq(e->plen, 48);
	cr_expect_null(e->name);
	cr_expect_eq(e->line, 7);

	e = rasflow_site_entry(site, 5);
	cr_expect_eq(e->plen, 128);			/* /32 on IPv4 is a host */
	cr_expect_eq(e->roles, BIT(R_GUEST) | BIT(R_RDS) | BIT(R_CONSOLE) | BIT(R_BROKER));
	cr_expect_eq(e->line, 9);

	cr_expect_null(rasflow_site_entry(site, 6));
	rasflow_site_free(site);
}

Test(site, empty_and_comment_only_files)
{
	struct rasflow_site *site = parse("");
	struct rasflow_addr a = A("10.0.0.1");

	cr_assert_not_null(site);
	cr_expect_eq(rasflow_site_count(site), 0);
	cr_expect_null(rasflow_site_lookup(site, &a));
	rasflow_site_free(site);

	site = parse("# nothing here\n\n   \t\n#\n");
	cr_assert_not_null(site);
	cr_expect_eq(rasflow_site_count(site), 0);
	rasflow_site_free(site);
	rasflow_site_free(NULL);
}

Test(site, most_specific_wins_v4)
{
	struct rasflow_site *site = parse(
		"10.1.0.0/16   client   net16\n"	/* 1 */
		"10.1.2.0/24   gateway  net24\n"	/* 2 */
		"10.1.2.3      broker   host\n"		/* 3 */
		"10.0.0.0/8    console  net8\n");	/* 4: the widest comes last */

	cr_assert_not_null(site);
	cr_expect_eq(lookup_line(site, "10.1.2.3"), 3);
	cr_expect_eq(lookup_line(site, "10.1.2.4"), 2);
	cr_expect_eq(lookup_line(site, "10.1.2.0"), 2);
	cr_expect_eq(lookup_line(site, "10.1.2.255"), 2);
	cr_expect_eq(lookup_line(site, "10.1.3.3"), 1);
	cr_expect_eq(lookup_line(site, "10.1.255.255"), 1);
	cr_expect_eq(lookup_line(site, "10.2.2.3"), 4);
	cr_expect_eq(lookup_line(site, "11.1.2.3"), 0);
	cr_expect_eq(lookup_line(site, "9.255.255.255"), 0);
	/* Only the winner's roles: no merging with the enclosing networks. */
	{
		struct rasflow_addr a = A("10.1.2.3");

		cr_expect_eq(rasflow_site_lookup(site, &a)->roles, BIT(R_BROKER));
	}
	rasflow_site_free(site);
}

Test(site, most_specific_wins_v6)
{
	struct rasflow_site *site = parse(
		"fd00::/16        client\n"		/* 1 */
		"fd00:10::/32     gateway\n"		/* 2 */
		"fd00:10::5       broker\n"		/* 3 */
		"fd00:10:0:2::/63 console\n");		/* 4: odd length, :2:: and :3:: */

	cr_assert_not_null(site, "%s", errs.n ? errs.e[0].msg : "");
	cr_expect_eq(lookup_line(site, "fd00:10::5"), 3);
	cr_expect_eq(lookup_line(site, "fd00:10::6"), 2);
	cr_expect_eq(lookup_line(site, "fd00:10:0:2::9"), 4);
	cr_expect_eq(lookup_line(site, "fd00:10:0:3:ffff:ffff:ffff:ffff"), 4);
	cr_expect_eq(lookup_line(site, "fd00:10:0:1:ffff::"), 2);	/* just below the /63 */
	cr_expect_eq(lookup_line(site, "fd00:10:0:4::"), 2);	/* just above the /63 */
	cr_expect_eq(lookup_line(site, "fd00:ffff::1"), 1);
	cr_expect_eq(lookup_line(site, "fd01::1"), 0);
	cr_expect_eq(lookup_line(site, "10.0.0.1"), 0);
	rasflow_site_free(site);
}

/* The families do not leak into each other through the mapped storage. */
Test(site, families_stay_apart)
{
	struct rasflow_site *site = parse(
		"::/0            client\n"		/* 1: all of IPv6 */
		"0.0.0.0/0       gateway\n"		/* 2: all of IPv4 */
		"::a00:0/104     console\n"		/* 3: IPv4-compatible ::10.0.0.0/104 */
		"::fffe:0:0/95   broker\n");		/* 4: ::fffe:0:0 - ::ffff:ffff:ffff */

	cr_assert_not_null(site, "%s", errs.n ? errs.e[0].msg : "");
	/* IPv4 addresses take only IPv4 prefixes, never ::/0 nor a /95. */
	cr_expect_eq(lookup_line(site, "10.0.0.1"), 2);
	cr_expect_eq(lookup_line(site, "255.255.255.255"), 2);
	/* IPv6 addresses never fall into 0.0.0.0/0 (= ::ffff:0:0/96). */
	cr_expect_eq(lookup_line(site, "fd00::1"), 1);
	cr_expect_eq(lookup_line(site, "::a00:1"), 3);		/* IPv6, not 10.0.0.1 */
	cr_expect_eq(lookup_line(site, "::fffe:1.2.3.4"), 4);
	rasflow_site_free(site);

	/* Without an IPv4 entry, an IPv4 address finds nothing. */
	site = parse("::/0 client\n::fffe:0:0/95 broker\n");
	cr_assert_not_null(site);
	cr_expect_eq(lookup_line(site, "10.0.0.1"), 0);
	rasflow_site_free(site);
}

/* ::ffff:a.b.c.d/(96+n) is the same network as a.b.c.d/n. */
Test(site, mapped_notation)
{
	struct rasflow_site *site = parse("::ffff:10.0.0.0/104 client\n");
	const struct rasflow_site_entry *e;
	char buf[RASFLOW_SITE_PREFIX_STRLEN];

	cr_assert_not_null(site);
	cr_expect_eq(lookup_line(site, "10.200.1.1"), 1);
	cr_expect_eq(lookup_line(site, "11.0.0.1"), 0);
	e = rasflow_site_entry(site, 0);
	cr_expect_eq(e->plen, 104);
	cr_expect_str_eq(rasflow_site_entry_str(e, buf), "10.0.0.0/8");
	rasflow_site_free(site);

	expect_one_error("10.0.0.0/8 client\n::ffff:10.0.0.0/104 client\n", 2, 1,
			 "duplicate entry for 10.0.0.0/8; first given on line 1");
	expect_one_error("::ffff:10.1.2.3/120 client\n", 1, 1,
			 "host bits set; did you mean ::ffff:10.1.2.0/120?");
}

Test(site, implied_roles)
{
	struct rasflow_site *site = parse("10.0.0.1 rdsh\n10.0.0.2 guest,broker\n"
					  "10.0.0.3 rds\n10.0.0.4 rdsh,rds\n");

	cr_assert_not_null(site);
	cr_expect_eq(rasflow_site_entry(site, 0)->roles, BIT(R_RDSH) | BIT(R_RDS));
	cr_expect_eq(rasflow_site_entry(site, 1)->roles,
		     BIT(R_GUEST) | BIT(R_RDS) | BIT(R_BROKER));
	cr_expect_eq(rasflow_site_entry(site, 2)->roles, BIT(R_RDS));
	cr_expect_eq(rasflow_site_entry(site, 3)->roles, BIT(R_RDSH) | BIT(R_RDS));
	rasflow_site_free(site);
}

Test(site, entry_str)
{
	struct rasflow_site *site = parse("10.1.2.0/24 client\n10.0.0.10 broker\n"
					  "fd00:10::/32 client\nfd00::5 gateway\n"
					  "0.0.0.0/0 client\n");
	char buf[RASFLOW_SITE_PREFIX_STRLEN];

	cr_assert_not_null(site);
	cr_expect_str_eq(rasflow_site_entry_str(rasflow_site_entry(site, 0), buf), "10.1.2.0/24");
	cr_expect_str_eq(rasflow_site_entry_str(rasflow_site_entry(site, 1), buf), "10.0.0.10");
	cr_expect_str_eq(rasflow_site_entry_str(rasflow_site_entry(site, 2), buf), "fd00:10::/32");
	cr_expect_str_eq(rasflow_site_entry_str(rasflow_site_entry(site, 3), buf), "fd00::5");
	cr_expect_str_eq(rasflow_site_entry_str(rasflow_site_entry(site, 4), buf), "0.0.0.0/0");
	rasflow_site_free(site);
}

Test(site, name_limits)
{
	char text[128];
	struct rasflow_site *site;

	/* 63 characters are fine ... */
	snprintf(text, sizeof(text), "10.0.0.1 broker %.63s\n",
		 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~");
	site = parse(text);
	cr_assert_not_null(site);
	cr_expect_eq(strlen(rasflow_site_entry(site, 0)->name), 63);
	rasflow_site_free(site);
	/* ... 64 are not. */
	snprintf(text, sizeof(text), "10.0.0.1 broker %.64s\n",
		 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~");
	expect_one_error(text, 1, 17, "name longer than 63 characters");
	expect_one_error("10.0.0.1 broker cb\x01x\n", 1, 19,
			 "name contains byte 0x01; names are printable ASCII");
	expect_one_error("10.0.0.1 broker caf\xc3\xa9\n", 1, 20,
			 "name contains byte 0xc3; names are printable ASCII");
}

/* "standby" after the name, or in its place, marks a host; it is a keyword
 * there, never a name. */
Test(site, standby_flag)
{
	struct rasflow_site *site = parse("10.0.0.10 broker cb1\n"
					  "10.0.0.11 broker cb2 standby\n"
					  "10.0.0.12\tbroker\tstandby # no name\n"
					  "fd00::12 gateway gw-standby\n");
	const struct rasflow_site_entry *e;

	cr_assert_not_null(site, "%s", errs.n ? errs.e[0].msg : "");
	cr_assert_eq(rasflow_site_count(site), 4);
	e = rasflow_site_entry(site, 0);
	cr_expect_not(e->standby);
	cr_expect_str_eq(e->name, "cb1");
	e = rasflow_site_entry(site, 1);
	cr_expect(e->standby);
	cr_expect_str_eq(e->name, "cb2");
	e = rasflow_site_entry(site, 2);
	cr_expect(e->standby);
	cr_expect_null(e->name, "the flag is not a name");
	e = rasflow_site_entry(site, 3);
	cr_expect_not(e->standby, "a name that merely contains the word");
	cr_expect_str_eq(e->name, "gw-standby");
	cr_expect_eq(rasflow_site_roles(site), BIT(R_BROKER) | BIT(R_GATEWAY));
	cr_expect_eq(rasflow_site_roles(NULL), 0);
	rasflow_site_free(site);
}

Test(site, standby_errors)
{
	expect_one_error("10.0.0.1 broker standby cb1\n", 1, 25,
			 "unexpected 'cb1' after the 'standby' flag");
	expect_one_error("10.0.0.1 broker cb1 standby standby\n", 1, 29,
			 "unexpected 'standby' after the 'standby' flag");
	expect_one_error("10.0.0.1 broker cb1 standby x\n", 1, 29,
			 "unexpected 'x' after the 'standby' flag");
	expect_one_error("10.10.1.0/24 client lan standby\n", 1, 25,
			 "'standby' marks one host, and 10.10.1.0/24 is a network");
	expect_one_error("fd00:10:1::/64 client standby\n", 1, 23,
			 "'standby' marks one host, and fd00:10:1::/64 is a network");
	/* a 4th token that is not the flag keeps the old message */
	expect_one_error("10.0.0.1 broker cb1 Standby\n", 1, 21,
			 "unexpected 'Standby' after the name");
}

Test(site, error_bad_address)
{
	expect_one_error("10.0.0.256 broker\n", 1, 1, "bad address '10.0.0.256'");
	expect_one_error("# hosts\n  fd00::zz  broker\n", 2, 3, "bad address 'fd00::zz'");
	expect_one_error("10.0.0.1\x02 broker\n", 1, 1, "bad address '10.0.0.1\\x02'");
	expect_one_error("/24 client\n", 1, 1, "bad address ''");
}

Test(site, error_prefix)
{
	expect_one_error("10.0.0.0/33 client\n", 1, 10,
			 "prefix length /33 out of range for IPv4 (0-32)");
	expect_one_error("fd00::/129 client\n", 1, 8,
			 "prefix length /129 out of range for IPv6 (0-128)");
	expect_one_error("10.0.0.0/99999 client\n", 1, 10,
			 "prefix length /99999 out of range for IPv4 (0-32)");
	expect_one_error("10.0.0.0/ client\n", 1, 10, "missing prefix length after '/'");
	expect_one_error("10.0.0.0/2x client\n", 1, 10, "bad prefix length '2x'");
	expect_one_error("10.0.0.0/-8 client\n", 1, 10, "bad prefix length '-8'");
}

Test(site, error_host_bits)
{
	expect_one_error("10.1.2.3/24 client\n", 1, 1, "host bits set; did you mean 10.1.2.0/24?");
	expect_one_error("\t10.1.2.128/25 client\n10.1.2.129/25 client\n", 2, 1,
			 "host bits set; did you mean 10.1.2.128/25?");
	expect_one_error("fd00::1/64 client\n", 1, 1, "host bits set; did you mean fd00::/64?");
	expect_one_error("1.2.3.4/0 client\n", 1, 1, "host bits set; did you mean 0.0.0.0/0?");
}

Test(site, error_roles)
{
	expect_one_error("10.0.0.1 brokr\n", 1, 10,
			 "unknown role 'brokr' (did you mean 'broker'?)");
	expect_one_error("10.0.0.1 broker,xqzwvyxqzwvy\n", 1, 17, "unknown role 'xqzwvyxqzwvy'");
	expect_one_error("10.0.0.1\n", 1, 9, "missing role list after the address");
	expect_one_error("10.0.0.1/32   # cb1 broker\n", 1, 12,
			 "missing role list after the address");
	/* A space after the comma: "console" would become the name. */
	expect_one_error("10.0.0.1 broker, console\n", 1, 17,
			 "empty role after ','; separate roles with commas and no spaces");
	expect_one_error("10.0.0.1 broker,,console\n", 1, 17, "empty role in list");
	expect_one_error("10.0.0.1 ,broker\n", 1, 10, "empty role in list");
	expect_one_error("10.0.0.1 broker,console,broker\n", 1, 25, "role 'broker' listed twice");
	expect_one_error("10.0.0.1 Broker\n", 1, 10,
			 "unknown role 'Broker' (did you mean 'broker'?)");
}

Test(site, error_duplicate)
{
	expect_one_error("10.0.0.1 broker\n10.0.0.1/32 console\n", 2, 1,
			 "duplicate entry for 10.0.0.1; first given on line 1");
	expect_one_error("10.1.0.0/16 client\n\n  10.1.0.0/16 client cl\n", 3, 3,
			 "duplicate entry for 10.1.0.0/16; first given on line 1");
	expect_one_error("fd00::5 gateway\nFD00:0:0::5 gateway\n", 2, 1,
			 "duplicate entry for fd00::5; first given on line 1");
}

Test(site, error_trailing_garbage)
{
	expect_one_error("10.0.0.1 broker cb1 extra\n", 1, 21, "unexpected 'extra' after the name");
	expect_one_error("10.0.0.1 broker cb1 extra more # c\n", 1, 21,
			 "unexpected 'extra' after the name");
}

Test(site, several_errors_all_reported)
{
	static const char text[] =
		"# lab site\n"					/* 1 */
		"10.0.0.10   broker,console  cb1\n"		/* 2: fine */
		"10.0.0.300  broker\n"				/* 3: bad address */
		"10.0.1.0/33 client\n"				/* 4: prefix range */
		"10.0.0.20   gatway          rdsh1\n"		/* 5: unknown role */
		"10.0.0.10   gateway\n"				/* 6: duplicate of 2 */
		"10.2.3.4/16 client\n"				/* 7: host bits */
		"fd00::1\n"					/* 8: no roles */
		"10.0.0.30   gateway  gw  x\n"			/* 9: trailing garbage */
		"10.0.0.999  brokr\n";				/* 10: two errors */
	struct {
		unsigned line, col;
		const char *msg;
	} want[] = {
		{ 3, 1, "bad address '10.0.0.300'" },
		{ 4, 10, "prefix length /33 out of range for IPv4 (0-32)" },
		{ 5, 13, "unknown role 'gatway' (did you mean 'gateway'?)" },
		{ 6, 1, "duplicate entry for 10.0.0.10; first given on line 2" },
		{ 7, 1, "host bits set; did you mean 10.2.0.0/16?" },
		{ 8, 8, "missing role list after the address" },
		{ 9, 26, "unexpected 'x' after the name" },
		{ 10, 1, "bad address '10.0.0.999'" },
		{ 10, 13, "unknown role 'brokr' (did you mean 'broker'?)" },
	};
	size_t nwant = sizeof(want) / sizeof(want[0]);

	cr_assert_null(parse(text));
	cr_assert_eq(errs.n, nwant, "%zu errors", errs.n);
	for (size_t i = 0; i < nwant; i++) {
		cr_expect_eq(errs.e[i].line, want[i].line, "error %zu: line %u", i, errs.e[i].line);
		cr_expect_eq(errs.e[i].col, want[i].col, "error %zu: col %u", i, errs.e[i].col);
		cr_expect_str_eq(errs.e[i].msg, want[i].msg, "error %zu", i);
	}
}

Test(site, error_list_overflow_counts_the_rest)
{
	char *text = malloc(30 * 32);
	size_t o = 0;

	cr_assert_not_null(text);
	for (int i = 0; i < 30; i++)
		o += (size_t)sprintf(text + o, "10.0.0.%d nosuchrole\n", i);
	cr_assert_null(parse(text));
	cr_expect_eq(errs.n, RASFLOW_MAX_ERRORS);
	cr_expect_eq(errs.dropped, 30 - RASFLOW_MAX_ERRORS);
	cr_expect_eq(errs.e[RASFLOW_MAX_ERRORS - 1].line, RASFLOW_MAX_ERRORS);
	free(text);
}

/* 5000 entries of three kinds; every one must be found by lookup, and
 * addresses inside the networks must find their network. */
Test(site, many_entries)
{
	enum { NV4 = 2500, NNET = 1000, NV6 = 1500, N = NV4 + NNET + NV6 };
	char *text = malloc((size_t)N * 64 + 64);
	size_t o = 0;
	struct rasflow_site *site;
	char q[64];

	cr_assert_not_null(text);
	/* Line 1: a /8 covering the IPv4 hosts, so misses land there. */
	o += (size_t)sprintf(text + o, "10.0.0.0/8 client wide\n");
	for (int i = 0; i < NV4; i++)		/* lines 2 .. 2501 */
		o += (size_t)sprintf(text + o, "10.%d.%d.%d broker h%d\n",
				     i / 1000, (i / 10) % 100, 1 + i % 10, i);
	for (int i = 0; i < NNET; i++)		/* lines 2502 .. 3501 */
		o += (size_t)sprintf(text + o, "172.%d.%d.0/24 client n%d\n",
				     16 + i / 256, i % 256, i);
	for (int i = 0; i < NV6; i++)		/* lines 3502 .. 5001 */
		o += (size_t)sprintf(text + o, "fd00:1::%x:%x rdsh v%d\n", i / 7, i, i);
	site = parse(text);
	cr_assert_not_null(site, "%s", errs.n ? errs.e[0].msg : "");
	cr_assert_eq(rasflow_site_count(site), N + 1);

	for (int i = 0; i < NV4; i++) {
		sprintf(q, "10.%d.%d.%d", i / 1000, (i / 10) % 100, 1 + i % 10);
		cr_assert_eq(lookup_line(site, q), (unsigned)(2 + i), "%s", q);
		/* .0 and .200 of the same /24 are not listed: the /8 answers. */
		sprintf(q, "10.%d.%d.200", i / 1000, (i / 10) % 100);
		cr_assert_eq(lookup_line(site, q), 1, "%s", q);
	}
	for (int i = 0; i < NNET; i++) {
		sprintf(q, "172.%d.%d.%d", 16 + i / 256, i % 256, i % 256);
		cr_assert_eq(lookup_line(site, q), (unsigned)(2 + NV4 + i), "%s", q);
	}
	for (int i = 0; i < NV6; i++) {
		struct rasflow_addr a;
		const struct rasflow_site_entry *e;
		char name[16];

		sprintf(q, "fd00:1::%x:%x", i / 7, i);
		a = A(q);
		e = rasflow_site_lookup(site, &a);
		cr_assert_not_null(e, "%s", q);
		cr_assert_eq(e->line, (unsigned)(2 + NV4 + NNET + i), "%s", q);
		sprintf(name, "v%d", i);
		cr_assert_str_eq(e->name, name);
		cr_assert_eq(e->roles, BIT(R_RDSH) | BIT(R_RDS));
		sprintf(q, "fd00:1::%x:%x", i / 7 + 1, i);	/* a near miss */
		cr_assert_eq(lookup_line(site, q), 0, "%s", q);
	}
	cr_expect_eq(lookup_line(site, "172.20.0.1"), 0);	/* past the last /24 */
	cr_expect_eq(lookup_line(site, "11.0.0.1"), 0);
	rasflow_site_free(site);
	free(text);
}

Test(site, load_file)
{
	char path[] = "/tmp/rasflow-test-site-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	struct rasflow_site *site;

	cr_assert(fd >= 0);
	f = fdopen(fd, "w");
	cr_assert_not_null(f);
	fputs("10.0.0.10 broker cb1\n10.0.0.11 brokerr\n", f);
	fclose(f);

	memset(&errs, 0, sizeof(errs));
	site = rasflow_site_load(path, &rs, &errs);
	cr_expect_null(site);
	cr_assert_eq(errs.n, 1);
	cr_expect_str_eq(errs.e[0].file, path);
	cr_expect_eq(errs.e[0].line, 2);
	cr_expect_eq(errs.e[0].col, 11);
	cr_expect_str_eq(errs.e[0].msg, "unknown role 'brokerr' (did you mean 'broker'?)");

	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("10.0.0.10 broker cb1\n", f);
	fclose(f);
	memset(&errs, 0, sizeof(errs));
	site = rasflow_site_load(path, &rs, &errs);
	cr_assert_not_null(site);
	cr_expect_eq(lookup_line(site, "10.0.0.10"), 1);
	rasflow_site_free(site);
	unlink(path);

	memset(&errs, 0, sizeof(errs));
	cr_expect_null(rasflow_site_load(path, &rs, &errs));
	cr_assert_eq(errs.n, 1);
	cr_expect_eq(errs.e[0].line, 0);
	cr_expect_str_eq(errs.e[0].msg, "cannot open: No such file or directory");
}
