/* strbuf.h — appending to a caller's char buffer without printf, and
 * scanning text for bytes that need escaping.
 *
 * Header only, internal to rasflow-core. For text built once per edge or
 * per finding, where snprintf costs more than the work around it. Callers
 * own the buffers and their sizes; nothing here allocates.
 */
#ifndef RASFLOW_STRBUF_H
#define RASFLOW_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* us microseconds as printf's "%.0f" prints us / 1e6 (seconds), at p (room
 * for 20 digits), no NUL; returns the end. The same digits: printf rounds
 * the double us / 1e6 to nearest, ties to even. An exact tie (us ending in
 * 500000) is a double exactly, so the integer rule below agrees; otherwise
 * the double is at least 1e-6 from the tie and its error is below
 * us / 1e6 * 2^-53, too small to cross it while us < 2^52 (142 years).
 * Beyond that snprintf does it. */
static inline char *rasflow_put_secs0(char *p, uint64_t us)
{
	uint64_t q = us / 1000000, r = us % 1000000;

	if (us >= (1ull << 52))
		return p + snprintf(p, 21, "%.0f", (double)us / 1e6);
	if (r > 500000 || (r == 500000 && (q & 1)))
		q++;
	return rasflow_put_dec(p, q);
}

/* us microseconds as printf's "%.1f" prints us / 1e6, at p (room for 22
 * bytes), no NUL; returns the end. As rasflow_put_secs0, to tenths; but a
 * decimal tie (us ending in 50000) is a binary fraction only for .25 and
 * .75, so ties go to snprintf, which knows which way the double lies. */
static inline char *rasflow_put_secs1(char *p, uint64_t us)
{
	uint64_t q = us / 100000, r = us % 100000;

	if (us >= (1ull << 52) || r == 50000)
		return p + snprintf(p, 23, "%.1f", (double)us / 1e6);
	if (r > 50000)
		q++;
	p = rasflow_put_dec(p, q / 10);
	*p++ = '.';
	*p++ = (char)('0' + q % 10);
	return p;
}

/* s at p, without its NUL; returns the end. */
static inline char *rasflow_put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* s at p padded with spaces to width, as printf's "%-*s"; returns the end. */
static inline char *rasflow_put_padded(char *p, const char *s, size_t width)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	p += n;
	if (n < width) {
		memset(p, ' ', width - n);
		p += width - n;
	}
	return p;
}

/* Some byte of the 8 in x is below 0x20 or above 0x7e (the classic "has
 * less" and "has more" word tests; exact for "some byte"). */
static inline bool rasflow_word_unprintable(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;

	return ((((x - ones * 0x20) & ~x) | ((x + ones * (0x7f - 0x7e)) | x)) & highs) != 0;
}

/* The length of the run of bytes from p (up to end) that plain[] allows,
 * eight bytes at a time while they are all printable ASCII, which plain[]
 * must allow. */
static inline size_t rasflow_plain_run(const unsigned char *p, const unsigned char *end,
				       const bool plain[256])
{
	const unsigned char *q = p;

	for (;;) {
		uint64_t x;

		if (end - q >= 8) {
			memcpy(&x, q, sizeof(x));
			if (!rasflow_word_unprintable(x)) {
				q += 8;
				continue;
			}
		}
		if (q == end || !plain[*q])
			return (size_t)(q - p);
		q++;
	}
}

#endif
