/* pcapng_view.c — one link type's share of a pcapng file (pcapng_view.h).
 *
 * The view is a fopencookie stream: each read serves the rest of the block
 * in hand, then reads the next block of the source whole and decides what
 * the view makes of it:
 *   section header (SHB)            passed; the interfaces start again at 0
 *   interface description (IDB)     passed when of the view's type, and
 *                                   numbered in the view; dropped otherwise
 *   enhanced / obsolete packet (EPB, PB), interface statistics (ISB)
 *                                   passed with the interface renumbered
 *                                   when the interface is the view's
 *   simple packet (SPB)             the same, for interface 0
 *   anything else                   passed
 * A block that cannot be parsed (a length below 12 or not a multiple of 4, a
 * section of unknown byte order, a short read) turns the view into a raw copy
 * of the source from its first byte on, so that libpcap meets the damage.
 * Byte order is the section's, from its header, for reads and rewrites.
 */
#define _GNU_SOURCE		/* fopencookie */
#include <errno.h>
#include <stdbool.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "rasflow/pcapng_view.h"

enum {
	BT_IDB = 1, BT_PB = 2, BT_SPB = 3, BT_ISB = 5, BT_EPB = 6,
	BT_SHB = 0x0A0D0D0A,
	BYTE_ORDER_MAGIC = 0x1A2B3C4D,
	BLOCK_MIN = 12,			/* type, length, length */
	BLOCK_MAX = 16 * 1024 * 1024,	/* libpcap's limit for any block */
	IFACES_MAX = 65536,		/* interfaces of one section the view maps */
	PRESCAN_BLOCKS = 4096,		/* blocks rasflow_pcapng_link_types looks at */
	SRC_BUFFER = 65536,		/* stdio buffer of the source: a read() per 64 KiB, not 4 */
	BLOCK_BUFFER = 65536,		/* the block buffer to start with; grows to the largest block */
};

/* A section's byte order: swap when it differs from the host's. */
static uint32_t get32(const uint8_t *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static uint16_t get16(const uint8_t *p, bool swap)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return swap ? __builtin_bswap16(v) : v;
}

static void put32(uint8_t *p, uint32_t v, bool swap)
{
	v = swap ? __builtin_bswap32(v) : v;
	memcpy(p, &v, 4);
}

static void put16(uint8_t *p, uint16_t v, bool swap)
{
	v = swap ? __builtin_bswap16(v) : v;
	memcpy(p, &v, 2);
}

/* The byte order of a section whose header's first 12 bytes are h; false
 * when its magic is neither order's. */
static bool section_order(const uint8_t h[12], bool *swap)
{
	uint32_t m;

	memcpy(&m, h + 8, 4);
	if (m == BYTE_ORDER_MAGIC)
		*swap = false;
	else if (__builtin_bswap32(m) == BYTE_ORDER_MAGIC)
		*swap = true;
	else
		return false;
	return true;
}

static bool length_ok(uint32_t len)
{
	return len >= BLOCK_MIN && len % 4 == 0 && len <= BLOCK_MAX;
}

int rasflow_pcapng_link_types(FILE *f, int types[RASFLOW_PCAPNG_MAX_TYPES])
{
	uint8_t h[12];
	bool swap;
	int n = 0;

	if (fread(h, 1, 12, f) != 12 || get32(h, false) != BT_SHB || !section_order(h, &swap) ||
	    !length_ok(get32(h + 4, swap)) || fseek(f, (long)get32(h + 4, swap) - 12, SEEK_CUR))
		return 0;
	for (int b = 0; b < PRESCAN_BLOCKS && fread(h, 1, 8, f) == 8; b++) {
		uint32_t type = get32(h, swap), len = get32(h + 4, swap);
		long skip = (long)len - 8;

		if (type == BT_SHB || type == BT_EPB || type == BT_SPB || type == BT_PB ||
		    !length_ok(len))
			break;
		if (type == BT_IDB) {
			int lt, k;

			if (len < 20 || fread(h + 8, 1, 4, f) != 4)
				break;
			lt = get16(h + 8, swap);
			for (k = 0; k < n && types[k] != lt; k++)
				;
			if (k == n && n < RASFLOW_PCAPNG_MAX_TYPES)
				types[n++] = lt;
			skip -= 4;
		}
		if (fseek(f, skip, SEEK_CUR) != 0)
			break;
	}
	return n;
}

struct view {
	FILE *src;
	int type;			/* the view's link type */
	int types[RASFLOW_PCAPNG_MAX_TYPES];	/* those some view reads */
	int ntypes;
	struct rasflow_pcapng_view_stats *st;
	bool swap;			/* the section's byte order is not the host's */
	bool raw;			/* copying the source as it is */
	int32_t *ifmap;			/* the section's interfaces: view number, or -1 - type */
	uint32_t nif;			/* interfaces of the section */
	int32_t nview;			/* of them the view's */
	uint8_t *blk;			/* the block in hand */
	size_t cap, len, pos;		/* its buffer's size, its length, bytes served */
};

static bool read_type(const struct view *v, int lt)
{
	for (int k = 0; k < v->ntypes; k++)
		if (v->types[k] == lt)
			return true;
	return false;
}

/* Interface id -> its number in the view (>= 0), or -1 when not the view's. */
static int32_t view_iface(struct view *v, uint32_t id)
{
	if (id >= v->nif)
		return -1;
	return v->ifmap[id] >= 0 ? v->ifmap[id] : -1;
}

/* A packet block that is not the view's: count it when no view reads it. */
static void not_ours(struct view *v, uint32_t id)
{
	if (v->st && id < v->nif && v->ifmap[id] < 0 && !read_type(v, -1 - v->ifmap[id]))
		v->st->unread++;
}

static bool add_iface(struct view *v, int lt)
{
	if (v->nif >= IFACES_MAX)
		return false;
	if (v->nif % 64 == 0) {
		int32_t *m = realloc(v->ifmap, (v->nif + 64) * sizeof(*m));

		if (!m)
			return false;
		v->ifmap = m;
	}
	v->ifmap[v->nif++] = lt == v->type ? v->nview++ : -1 - lt;
	return true;
}

/* Decide what the view makes of the whole block in v->blk; false to drop it. */
static bool keep(struct view *v)
{
	uint8_t *b = v->blk;
	uint32_t type = get32(b, v->swap), id;
	int32_t nid;

	switch (type) {
	case BT_SHB:
		v->nif = 0;
		v->nview = 0;
		return true;
	case BT_IDB:
		if (v->len < 20)
			return true;		/* libpcap's to reject */
		if (!add_iface(v, get16(b + 8, v->swap)))
			return false;
		return v->ifmap[v->nif - 1] >= 0;
	case BT_EPB:
	case BT_ISB:
	case BT_PB:
		if (v->len < 16)
			return true;
		id = type == BT_PB ? get16(b + 8, v->swap) : get32(b + 8, v->swap);
		if (id >= v->nif)
			return v->st != NULL;	/* out of range: one view passes it on */
		nid = view_iface(v, id);
		if (nid < 0) {
			if (type != BT_ISB)
				not_ours(v, id);
			return false;
		}
		if (type == BT_PB)
			put16(b + 8, (uint16_t)nid, v->swap);
		else
			put32(b + 8, (uint32_t)nid, v->swap);
		return true;
	case BT_SPB:
		if (view_iface(v, 0) == 0)
			return true;
		not_ours(v, 0);
		return false;
	default:
		return true;
	}
}

static bool reserve(struct view *v, size_t n)
{
	uint8_t *b;

	if (n <= v->cap)
		return true;
	b = realloc(v->blk, n);
	if (!b)
		return false;
	v->blk = b;
	v->cap = n;
	return true;
}

/* Read the source's next block into v->blk (or, once it cannot be parsed,
 * the next stretch of raw bytes). v->len is 0 at the end of the source. */
static int next_block(struct view *v)
{
	uint32_t len;
	size_t got;

	v->pos = v->len = 0;
	if (v->raw) {
		v->len = fread(v->blk, 1, v->cap, v->src);
		return ferror(v->src) ? -1 : 0;
	}
	got = fread(v->blk, 1, 8, v->src);
	if (got == 8 && get32(v->blk, false) == BT_SHB) {
		got += fread(v->blk + 8, 1, 4, v->src);
		if (got < 12 || !section_order(v->blk, &v->swap))
			v->raw = true;
	}
	len = got >= 8 ? get32(v->blk + 4, v->swap) : 0;
	if (v->raw || got < 8 || !length_ok(len) || !reserve(v, len)) {
		v->raw = true;		/* serve what was read, then the rest as it is */
		v->len = got;
		return ferror(v->src) ? -1 : 0;
	}
	got += fread(v->blk + got, 1, len - got, v->src);
	v->len = got;
	if (got < len) {
		v->raw = true;		/* cut short: libpcap says so */
		return ferror(v->src) ? -1 : 0;
	}
	if (!keep(v))
		v->len = 0;
	return 1;
}

static ssize_t view_read(void *cookie, char *buf, size_t size)
{
	struct view *v = cookie;
	size_t done = 0;

	while (done < size) {
		size_t n;

		if (v->pos == v->len) {
			int rc = next_block(v);

			if (rc < 0)
				return done > 0 ? (ssize_t)done : -1;
			if (rc == 1 && v->len == 0)
				continue;	/* a block the view drops */
			if (v->len == 0)
				break;		/* end of the source */
		}
		n = v->len - v->pos;
		if (n > size - done)
			n = size - done;
		memcpy(buf + done, v->blk + v->pos, n);
		v->pos += n;
		done += n;
	}
	return (ssize_t)done;
}

static int view_close(void *cookie)
{
	struct view *v = cookie;
	int rc = fclose(v->src);

	free(v->ifmap);
	free(v->blk);
	free(v);
	return rc;
}

FILE *rasflow_pcapng_view_open(FILE *src, int type, const int *types, int ntypes,
			       struct rasflow_pcapng_view_stats *st)
{
	cookie_io_functions_t io = { .read = view_read, .close = view_close };
	struct view *v = calloc(1, sizeof(*v));
	FILE *f;

	if (!v || ntypes > RASFLOW_PCAPNG_MAX_TYPES || !reserve(v, BLOCK_BUFFER)) {
		if (v)
			free(v->blk);
		free(v);
		errno = ENOMEM;
		return NULL;
	}
	/* Both streams are read by one thread only: no stdio locks (capture.c
	 * reads plain files so too, docs/performance.md). */
	setvbuf(src, NULL, _IOFBF, SRC_BUFFER);
	__fsetlocking(src, FSETLOCKING_BYCALLER);
	v->src = src;
	v->type = type;
	memcpy(v->types, types, (size_t)ntypes * sizeof(*types));
	v->ntypes = ntypes;
	v->st = st;
	f = fopencookie(v, "r", io);
	if (!f) {
		free(v->blk);
		free(v);
		return NULL;
	}
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	return f;
}
