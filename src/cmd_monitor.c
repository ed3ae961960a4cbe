/* cmd_monitor.c — placeholder until live monitoring lands. */
#include <stdio.h>

#include "rasflow/cli.h"

int rasflow_cmd_monitor(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "rasflow monitor: not built yet\n");
	return RASFLOW_EXIT_ERROR;
}
