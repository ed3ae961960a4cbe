/* strbuf.h — appending to a caller's char buffer without printf.
 *
 * Header only, internal to rasflow-core. For text built once per edge or
 * per finding, where snprintf costs more than the work around it. Callers
 * own the buffers and their sizes; nothing here allocates.
 */
#ifndef RASFLOW_STRBUF_H
#define RASFLOW_STRBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* s (n bytes) appended at buf + *used, keeping at most len - 1 bytes in all,
 * as snprintf would of the whole; buf stays NUL-terminated. */
static inline void rasflow_put_trunc(char *buf, size_t len, size_t *used, const char *s,
				     size_t n)
{
	if (*used + n >= len)
		n = len - 1 - *used;
	memcpy(buf + *used, s, n);
	*used += n;
	buf[*used] = '\0';
}

/* v in decimal at p (room for 20 digits), no NUL; returns the end. */
static inline char *rasflow_put_dec(char *p, uint64_t v)
{
	char t[20];
	size_t n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = t[--n];
	return p;
}

/* s at p, without its NUL; returns the end. */
static inline char *rasflow_put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

#endif
