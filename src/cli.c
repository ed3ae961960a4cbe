/* cli.c — help texts for `rasflow --help` and `rasflow help COMMAND`.
 *
 * The option parsing itself lives with each command (cmd_*.c); this file
 * holds the words a user reads, so they stay in one place, and the few
 * helpers the commands' parsers share.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasflow/analyze.h"
#include "rasflow/cli.h"

static const char usage_main[] =
	"usage: rasflow COMMAND [OPTIONS] ...\n"
	"\n"
	"A stateful port-flow inspector for Parallels RAS farms: it reads captures\n"
	"(or a mirror port), tracks flows, and checks every connection against the\n"
	"RAS port matrix by the roles of its two ends.\n"
	"\n"
	"commands:\n"
	"  analyze [OPTIONS] CAPTURE...      check pcap/pcapng files ('-' = stdin)\n"
	"  monitor [OPTIONS] -i IFACE [BPF]  watch a live interface (mirror/SPAN port)\n"
	"  rules   [--rules FILE] [--format text|json|md] [--check [FILE]]\n"
	"                                    print or validate the port matrix\n"
	"  help COMMAND                      options of one command\n"
	"\n"
	"  --version                         print the version\n"
	"  --help                            this text\n"
	"\n"
	"exit status: 0 no finding of a --fail-on kind, 1 at least one,\n"
	"2 usage error or an unreadable/invalid capture, rules or site file.\n";

static const char usage_analyze[] =
	"usage: rasflow analyze [OPTIONS] CAPTURE...\n"
	"\n"
	"Read pcap/pcapng files one after another ('-' = standard input), classify\n"
	"every flow against the port matrix and report what worked, what failed,\n"
	"what is not allowed and what is missing.\n"
	"\n"
	"  --rules FILE        port matrix (default: the built-in RAS matrix)\n"
	"  --site FILE         site inventory: ADDRESS[/PREFIX] ROLE[,ROLE...] [NAME]\n"
	"                      [standby] (a host that may be idle: never missing)\n"
	"  --format FMT        text (default), json, jsonl or dot\n"
	"  -o, --output FILE   write the report there instead of standard output\n"
	"  --no-dpi            skip nDPI application-protocol detection\n"
	"  --fail-on KINDS     finding kinds that make the exit status 1\n"
	"                      (default failed,unexpected,missing,mismatch)\n"
	"  --strict            every unmatched edge touching a host with a role\n"
	"                      is unexpected\n"
	"  --all               list ignored edges too\n"
	"  --max-flows N       flow-table cap (LRU eviction beyond it)\n"
	"  --dedup             drop a mirror's copies of a packet (the same IP packet\n"
	"                      again within 1 ms); they are counted either way\n"
	"  --window SECONDS    default window for steady rules (60)\n"
	"  --baseline FILE     compare with a JSON report of a known-good capture\n"
	"  -f, --filter BPF    capture filter applied to every input\n";

static const char usage_monitor[] =
	"usage: rasflow monitor [OPTIONS] -i IFACE [BPF FILTER...]\n"
	"\n"
	"Watch a live interface (mirror/SPAN port) and alert once per edge as\n"
	"problems happen: unexpected at an edge's first packet; failed on a refusing\n"
	"RST, an ICMP error, or a SYN or UDP request unanswered for --syn-timeout\n"
	"seconds; mismatch when nDPI names an application the rule does not allow;\n"
	"missing when a site host has had no traffic of a steady rule for the\n"
	"rule's window.\n"
	"\n"
	"  -i IFACE            interface to capture on\n"
	"  -s, --snaplen BYTES bytes kept of each frame (65535; 64 to 262144)\n"
	"  -B, --buffer-size KIB  kernel capture buffer in KiB (32768)\n"
	"  --immediate-mode    hand each packet over at once (more CPU, no batching)\n"
	"  -p, --no-promiscuous-mode  capture only traffic to and from this host\n"
	"  --rules FILE        port matrix (default: built-in)\n"
	"  --site FILE         site inventory (live roles come from it only)\n"
	"  --format FMT        text (default) or jsonl\n"
	"  -o, --output FILE   append alerts, summaries and the final report there\n"
	"  --no-dpi            skip nDPI application-protocol detection\n"
	"  --interval SECONDS  periodic summary interval (60)\n"
	"  --syn-timeout SEC   a SYN or UDP request unanswered this long is a failure (3)\n"
	"  --fail-on KINDS     kinds that make the final exit status 1\n"
	"                      (default failed,unexpected,missing,mismatch)\n"
	"  --max-flows N       flow-table cap (LRU eviction beyond it)\n"
	"  --dedup             drop a mirror's copies of a packet (the same IP packet\n"
	"                      again within 1 ms); they are counted either way\n"
	"  -Z USER             drop privileges to USER once the capture and the\n"
	"                      output are open (default: nobody when started as\n"
	"                      root; -Z root keeps root)\n"
	"\n"
	"SIGINT/SIGTERM: stop, print the final report (as analyze), exit 0 or 1.\n"
	"SIGHUP: reload the rules and site files; a bad file keeps the old ones.\n";

static const char usage_rules[] =
	"usage: rasflow rules [--rules FILE] [--format text|json|md] [--check [FILE]]\n"
	"\n"
	"Print the port matrix (the built-in one, or FILE), or validate a rules file:\n"
	"--check reports every error as file:line:col and exits 2 if there is any.\n";

int rasflow_cli_help(const char *command, void *out)
{
	FILE *f = out;

	if (command == NULL)
		fputs(usage_main, f);
	else if (strcmp(command, "analyze") == 0)
		fputs(usage_analyze, f);
	else if (strcmp(command, "monitor") == 0)
		fputs(usage_monitor, f);
	else if (strcmp(command, "rules") == 0)
		fputs(usage_rules, f);
	else {
		fprintf(stderr, "rasflow: no help for unknown command '%s'\n", command);
		return RASFLOW_EXIT_ERROR;
	}
	return RASFLOW_EXIT_OK;
}

int rasflow_cli_usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "rasflow %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(try 'rasflow help %s')\n", cmd);
	return RASFLOW_EXIT_ERROR;
}

int rasflow_cli_bad_option(const char *cmd, const char *argopts, const char *arg)
{
	if (optopt != 0 && optopt < 256)
		fprintf(stderr, "rasflow %s: option -%c: %s\n", cmd, optopt,
			strchr(argopts, optopt) ? "needs an argument" : "unknown option");
	else
		fprintf(stderr, "rasflow %s: %s: unknown option or missing argument\n", cmd, arg);
	fprintf(stderr, "(try 'rasflow help %s')\n", cmd);
	return RASFLOW_EXIT_ERROR;
}

bool rasflow_cli_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > max)
		return false;
	*out = v;
	return true;
}

int rasflow_cli_common_opt(const char *cmd, int c, struct rasflow_cli_common *co, int *rc)
{
	unsigned long v;
	size_t bad;

	switch (c) {
	case RASFLOW_OPT_RULES:
		co->rules = optarg;
		return 1;
	case RASFLOW_OPT_SITE:
		co->site = optarg;
		return 1;
	case 'o':
		co->output = optarg;
		return 1;
	case RASFLOW_OPT_NODPI:
		co->no_dpi = true;
		return 1;
	case RASFLOW_OPT_FAILON:
		if (rasflow_analysis_parse_kinds(optarg, &co->fail_on, &bad) < 0) {
			*rc = rasflow_cli_usage_error(cmd, "--fail-on: unknown kind in '%s' (failed, unexpected, missing, mismatch, all or none)",
						      optarg);
			return -1;
		}
		co->fail_on_set = true;
		return 1;
	case RASFLOW_OPT_DEDUP:
		co->dedup = true;
		return 1;
	case RASFLOW_OPT_MAXFLOWS:
		if (!rasflow_cli_parse_ulong(optarg, 1ul << 30, &v)) {
			*rc = rasflow_cli_usage_error(cmd, "--max-flows: '%s' is not a number from 1 to 1073741824",
						      optarg);
			return -1;
		}
		co->max_flows = v;
		return 1;
	case 'h':
		rasflow_cli_help(cmd, stdout);
		*rc = RASFLOW_EXIT_OK;
		return -1;
	default:
		return 0;
	}
}
