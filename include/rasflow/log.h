/* log.h — diagnostics on standard error.
 *
 * Standard output carries only reports. Nothing is logged per packet.
 */
#ifndef RASFLOW_LOG_H
#define RASFLOW_LOG_H

enum rasflow_level { RASFLOW_LOG_ERROR, RASFLOW_LOG_WARN, RASFLOW_LOG_INFO, RASFLOW_LOG_DEBUG };

/* Messages above this level are dropped (default RASFLOW_LOG_WARN). */
void rasflow_log_set_level(enum rasflow_level level);

void rasflow_log(enum rasflow_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
