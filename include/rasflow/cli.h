/* cli.h — the subcommands behind `rasflow COMMAND`.
 *
 * Each takes the arguments after the command name (argv[0] is the command
 * name itself, as getopt expects) and returns the process exit status:
 * 0 ok, 1 findings of a --fail-on kind, 2 usage or input error. Only these
 * functions and main.c choose exit statuses.
 */
#ifndef RASFLOW_CLI_H
#define RASFLOW_CLI_H

enum { RASFLOW_EXIT_OK = 0, RASFLOW_EXIT_FINDINGS = 1, RASFLOW_EXIT_ERROR = 2 };

int rasflow_cmd_rules(int argc, char **argv);
int rasflow_cmd_analyze(int argc, char **argv);
int rasflow_cmd_monitor(int argc, char **argv);

/* Help text of a command on out; returns 0, or 2 for an unknown command. */
int rasflow_cli_help(const char *command, void *out /* FILE * */);

#endif
