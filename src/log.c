/* log.c — leveled diagnostics to standard error. */
#include <stdarg.h>
#include <stdio.h>

#include "rasflow/log.h"

static enum rasflow_level max_level = RASFLOW_LOG_WARN;

void rasflow_log_set_level(enum rasflow_level level)
{
	max_level = level;
}

void rasflow_log(enum rasflow_level level, const char *fmt, ...)
{
	static const char *const tag[] = { "error", "warning", "info", "debug" };
	va_list ap;

	if (level > max_level)
		return;
	fprintf(stderr, "rasflow: %s: ", tag[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
