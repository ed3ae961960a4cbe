/* cmd_analyze.c — placeholder until the analyzer lands. */
#include <stdio.h>

#include "rasflow/cli.h"

int rasflow_cmd_analyze(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "rasflow analyze: not built yet\n");
	return RASFLOW_EXIT_ERROR;
}
