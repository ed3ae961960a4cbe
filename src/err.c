/* err.c — error lists and the edit distance behind "did you mean". */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rasflow/err.h"

void rasflow_err_add(struct rasflow_errlist *l, const char *file, unsigned line,
		     unsigned col, const char *fmt, ...)
{
	struct rasflow_err *e;
	va_list ap;

	if (l == NULL)
		return;
	if (l->n >= RASFLOW_MAX_ERRORS) {
		l->dropped++;
		return;
	}
	e = &l->e[l->n++];
	e->file = file;
	e->line = line;
	e->col = col;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

void rasflow_err_print(const struct rasflow_errlist *l, FILE *out)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct rasflow_err *e = &l->e[i];
		const char *file = e->file ? e->file : "rasflow";

		if (e->line && e->col)
			fprintf(out, "%s:%u:%u: %s\n", file, e->line, e->col, e->msg);
		else if (e->line)
			fprintf(out, "%s:%u: %s\n", file, e->line, e->msg);
		else
			fprintf(out, "%s: %s\n", file, e->msg);
	}
	if (l->dropped)
		fprintf(out, "%s: %zu more errors not shown\n",
			l->n ? (l->e[0].file ? l->e[0].file : "rasflow") : "rasflow", l->dropped);
}

unsigned rasflow_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];

	if (la >= 63 || lb >= 63)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

const char *rasflow_err_quote(char *buf, size_t size, const char *s, size_t n, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o + 8 >= size || i >= max) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	buf[o] = '\0';
	return buf;
}
