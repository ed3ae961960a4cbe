/* cli.h — the subcommands behind `rasflow COMMAND`.
 *
 * Each takes the arguments after the command name (argv[0] is the command
 * name itself, as getopt expects) and returns the process exit status:
 * 0 ok, 1 findings of a --fail-on kind, 2 usage or input error. Only these
 * functions and main.c choose exit statuses.
 */
#ifndef RASFLOW_CLI_H
#define RASFLOW_CLI_H

#include <stdbool.h>

enum { RASFLOW_EXIT_OK = 0, RASFLOW_EXIT_FINDINGS = 1, RASFLOW_EXIT_ERROR = 2 };

int rasflow_cmd_rules(int argc, char **argv);
int rasflow_cmd_analyze(int argc, char **argv);
int rasflow_cmd_monitor(int argc, char **argv);

/* Help text of a command on out; returns 0, or 2 for an unknown command. */
int rasflow_cli_help(const char *command, void *out /* FILE * */);

/* Option parsing helpers of the cmd_*.c files (messages on stderr). */

/* getopt_long values of the long options analyze and monitor share; a
 * command's own long options start at RASFLOW_OPT_OWN. */
enum {
	RASFLOW_OPT_RULES = 256,
	RASFLOW_OPT_SITE,
	RASFLOW_OPT_NODPI,
	RASFLOW_OPT_FAILON,
	RASFLOW_OPT_MAXFLOWS,
	RASFLOW_OPT_DEDUP,
	RASFLOW_OPT_OWN,
};

/* Their entries in a struct option table (with -o/--output and -h/--help). */
#define RASFLOW_CLI_COMMON_OPTIONS                                                   \
	{ "rules", required_argument, NULL, RASFLOW_OPT_RULES },                     \
	{ "site", required_argument, NULL, RASFLOW_OPT_SITE },                       \
	{ "output", required_argument, NULL, 'o' },                                  \
	{ "no-dpi", no_argument, NULL, RASFLOW_OPT_NODPI },                          \
	{ "fail-on", required_argument, NULL, RASFLOW_OPT_FAILON },                  \
	{ "max-flows", required_argument, NULL, RASFLOW_OPT_MAXFLOWS },              \
	{ "dedup", no_argument, NULL, RASFLOW_OPT_DEDUP },                           \
	{ "help", no_argument, NULL, 'h' }

/* What they set. */
struct rasflow_cli_common {
	const char *rules, *site, *output;	/* --rules, --site, -o; NULL when not given */
	bool no_dpi;
	unsigned fail_on;		/* --fail-on kinds; set the default before parsing */
	bool fail_on_set;		/* --fail-on given */
	unsigned long max_flows;	/* --max-flows, 0 = default */
	bool dedup;			/* --dedup: drop a mirror's copies */
};

/* Take getopt_long's c (value in optarg) if it is a shared option: 1 taken,
 * 0 not a shared one, -1 the command stops with *rc (after -h, or a bad
 * value with its message printed). */
int rasflow_cli_common_opt(const char *cmd, int c, struct rasflow_cli_common *co, int *rc);
/* "rasflow CMD: " fmt (with arg) and "(try 'rasflow help CMD')"; returns 2. */
int rasflow_cli_usage_error(const char *cmd, const char *fmt, const char *arg);
/* getopt_long returned '?' or ':': say which option (argopts: the short
 * options that take an argument; arg: argv[optind - 1]); returns 2. */
int rasflow_cli_bad_option(const char *cmd, const char *argopts, const char *arg);
/* A decimal number from 1 to max into *out, or false. */
bool rasflow_cli_parse_ulong(const char *s, unsigned long max, unsigned long *out);

#endif
