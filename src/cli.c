/* cli.c — placeholder until the module lands. */
#include "rasflow/err.h"
