/* err.h — error values and error lists shared by every module.
 *
 * Library code never prints and never exits: it returns a negative
 * RASFLOW_E* value or NULL and fills a caller-supplied error (libpcap's
 * errbuf idea). Parsers collect every error of a file in a list so the user
 * sees them all at once. Only main.c turns errors into exit statuses.
 */
#ifndef RASFLOW_ERR_H
#define RASFLOW_ERR_H

#include <stddef.h>
#include <stdio.h>

enum {
	RASFLOW_OK = 0,
	RASFLOW_EINVAL = -1,	/* invalid input (file contents, arguments) */
	RASFLOW_ENOMEM = -2,	/* allocation failed */
	RASFLOW_EIO = -3,	/* could not read or write a file */
	RASFLOW_EPCAP = -4,	/* libpcap refused (open, filter, datalink) */
};

#define RASFLOW_MAX_ERRORS 20	/* a parser stops listing after this many */

/* One error: "file:line:col: msg". line and col are 1-based; 0 = unknown. */
struct rasflow_err {
	const char *file;	/* borrowed: the name the caller passed in */
	unsigned line, col;
	char msg[256];
};

/* Every error found in one file, in order of appearance. */
struct rasflow_errlist {
	struct rasflow_err e[RASFLOW_MAX_ERRORS];
	size_t n;		/* entries used in e[] */
	size_t dropped;		/* errors found after e[] was full */
};

/* Append an error (printf format). Never fails: extra errors are counted. */
void rasflow_err_add(struct rasflow_errlist *l, const char *file, unsigned line,
		     unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Print every error as "file:line:col: msg" (or "file: msg"), one a line. */
void rasflow_err_print(const struct rasflow_errlist *l, FILE *out);

/* s[0..n) made safe to show inside a message, in buf: bytes outside
 * printable ASCII become \xNN, and after max input bytes (or when buf is
 * nearly full) the text is cut with "...", so a message stays one clean
 * line. Returns buf. */
const char *rasflow_err_quote(char *buf, size_t size, const char *s, size_t n, size_t max);

/* Damerau-free Levenshtein distance, for "did you mean" suggestions. */
unsigned rasflow_edit_distance(const char *a, const char *b);

#endif
