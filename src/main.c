/* main.c — `rasflow COMMAND ...`: dispatch to a subcommand, print help and
 * version. The subcommands live in the library (src/cmd_*.c) so tests can
 * drive them; this file only picks one and returns its exit status.
 */
#include <stdio.h>
#include <string.h>

#include "rasflow/cli.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "analyze", rasflow_cmd_analyze },
	{ "monitor", rasflow_cmd_monitor },
	{ "rules", rasflow_cmd_rules },
};

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (cmd == NULL) {
		rasflow_cli_help(NULL, stderr);
		return RASFLOW_EXIT_ERROR;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		rasflow_cli_help(NULL, stdout);
		return RASFLOW_EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("rasflow %s\n", RASFLOW_VERSION);
		return RASFLOW_EXIT_OK;
	}
	if (strcmp(cmd, "help") == 0)
		return rasflow_cli_help(argc > 2 ? argv[2] : NULL, stdout);

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);

	fprintf(stderr, "rasflow: unknown command '%s' (try 'rasflow --help')\n", cmd);
	return RASFLOW_EXIT_ERROR;
}
