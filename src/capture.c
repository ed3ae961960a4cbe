/* capture.c — libpcap input: capture files in sequence or one live interface.
 *
 * Files are all checked when opened (format, link type, filter) so a typo in
 * the fifth file fails before four are read, then reopened one at a time so
 * any number of files costs one descriptor. A record cut short ends that file
 * with RASFLOW_CAPTURE_PARTIAL and the next file is still read.
 *
 * Live handles are non-blocking and the loop polls their descriptor itself:
 * with TPACKET_V3 libpcap's own read timeout never fires on an idle interface
 * (the kernel retires only non-empty blocks), which would starve ticks and the
 * stop flag; poll() also returns EINTR on a signal, so stopping is prompt.
 *
 * Files are read a few frames ahead of the one being processed: each frame is
 * decoded as it is read, kept in a small ring, and its flow-table lookup is
 * started early (rasflow_engine_ahead), so the cache misses of several
 * packets overlap (docs/performance.md). Its bytes are copied into the ring
 * only when the engine will read them again (a tunnel, or hooks given the
 * packets, as nDPI is). Packets still reach the engine one at a time, in
 * order, each followed by its tick check, exactly as without read-ahead.
 *
 * A pcapng file whose interfaces are of several link types, which libpcap
 * 1.10 stops reading at the second type, is found when opened and read as
 * one view per type (pcapng_view.h), each through libpcap, their packets
 * merged in time order without the read-ahead.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "rasflow/capture.h"
#include "rasflow/config.h"
#include "rasflow/log.h"

enum { LOOP_EOF, LOOP_STOPPED, LOOP_PARTIAL };

/* Read-ahead ring (offline). A frame is processed AHEAD_DEPTH frames after it
 * was read; its flow hint is advanced AHEAD_STEP frames after. At ~0.15 us
 * per frame that leaves each stage more than half a microsecond for its
 * cache miss. */
#define AHEAD_RING	16		/* power of two, > AHEAD_DEPTH */
#define AHEAD_DEPTH	12
#define AHEAD_STEP	4

struct ahead_frame {
	rasflow_ts ts;
	uint32_t len;
	uint32_t cap;			/* size of buf */
	uint8_t *buf;			/* copy of the frame, when the engine wants one */
	struct rasflow_engine_frame ef;	/* decoded, with its flow hint */
};

struct rasflow_capture {
	struct rasflow_capture_opts o;
	bool live;
	pcap_t *live_p;			/* the interface, when live */
	pcap_t *stdin_p;		/* "-", opened at open time: it cannot be reopened */
	struct rasflow_capture_file *files;
	size_t nfiles;
	size_t next;			/* next file to read */
	rasflow_ts now;			/* latest time seen by the loop */
	rasflow_ts next_tick;		/* 0 until the first packet or timeout */
	uint32_t untick;		/* offline: packets since the last tick */
	struct pcap_stat last;		/* previous pcap_stats, to widen its 32-bit counters */
	struct rasflow_capture_stats st;
	struct ahead_frame ring[AHEAD_RING];	/* offline read-ahead */
	char *iobuf;			/* stdio buffer of the file being read; NULL: default */
};

static const char stdin_name[] = "(standard input)";

void rasflow_capture_default_opts(struct rasflow_capture_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->snaplen = RASFLOW_DEF_SNAPLEN;
	o->promisc = true;
	o->immediate = false;
	o->buffer_bytes = RASFLOW_DEF_BUFFER_BYTES;
	o->timeout_ms = RASFLOW_DEF_READ_TIMEOUT_MS;
	o->tick_ms = RASFLOW_DEF_TICK_MS;
}

static const char *display_name(const char *path)
{
	return strcmp(path, "-") == 0 ? stdin_name : path;
}

/* libpcap prefixes some messages with the path; drop it, we print it once. */
static const char *strip_path(const char *msg, const char *path)
{
	size_t n = strlen(path);

	if (strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
		return msg + n + 2;
	return msg;
}

/* Open a capture file ("-": standard input) for libpcap. With iobuf (of
 * RASFLOW_FILE_BUFFER bytes, free until the pcap_t is closed) the file is
 * read through it: stdio's default is the file system's 4 KiB block, a
 * read() per 4 KiB, and reading a file that way took as long as
 * everything else the engine does (docs/performance.md). The stream is
 * only ever read by this thread, so stdio's lock (two atomic operations per
 * packet: libpcap freads the record header, then the frame) is left out. */
static pcap_t *open_file(const char *path, char *iobuf, struct rasflow_errlist *err)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	const char *msg;
	pcap_t *p;

	if (iobuf && strcmp(path, "-") != 0) {
		FILE *f = fopen(path, "rb");

		if (!f) {
			rasflow_err_add(err, path, 0, 0, "cannot open: %s", strerror(errno));
			return NULL;
		}
		setvbuf(f, iobuf, _IOFBF, RASFLOW_FILE_BUFFER);
		__fsetlocking(f, FSETLOCKING_BYCALLER);
		p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
		if (!p)
			fclose(f);
	} else {
		p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	}
	if (p)
		return p;
	msg = strip_path(errbuf, path);
	if (strstr(msg, "unknown file format") || strstr(msg, "bad dump file format"))
		rasflow_err_add(err, display_name(path), 0, 0,
				"not a pcap or pcapng capture file (libpcap: %s)", msg);
	else
		rasflow_err_add(err, display_name(path), 0, 0, "cannot open: %s", msg);
	return NULL;
}

static bool check_dlt(int dlt, const char *name, struct rasflow_errlist *err)
{
	const char *dn;

	if (rasflow_decode_dlt_supported(dlt))
		return true;
	dn = pcap_datalink_val_to_name(dlt);
	rasflow_err_add(err, name, 0, 0,
			"link type %s (%d) is not supported", dn ? dn : "unknown", dlt);
	return false;
}

static bool set_filter(pcap_t *p, const char *filter, bpf_u_int32 mask, const char *name,
		       struct rasflow_errlist *err)
{
	struct bpf_program prog;
	bool ok = true;

	if (!filter || !*filter)
		return true;
	if (pcap_compile(p, &prog, filter, 1, mask) != 0) {
		rasflow_err_add(err, name, 0, 0, "filter \"%s\": %s", filter, pcap_geterr(p));
		return false;
	}
	if (pcap_setfilter(p, &prog) != 0) {
		rasflow_err_add(err, name, 0, 0, "filter \"%s\": %s", filter, pcap_geterr(p));
		ok = false;
	}
	pcap_freecode(&prog);
	return ok;
}

/* The link types of a pcapng file's interfaces (pcapng_view.h); 0 for a
 * pcap file, standard input, or a file that cannot be read again. */
static int file_link_types(const char *path, int types[RASFLOW_PCAPNG_MAX_TYPES])
{
	FILE *f;
	int n;

	if (strcmp(path, "-") == 0 || (f = fopen(path, "rb")) == NULL)
		return 0;
	n = rasflow_pcapng_link_types(f, types);
	fclose(f);
	return n;
}

/* libpcap on the view of fi's interfaces of link type fi->links[i], with
 * the capture's filter; NULL with a message. Unread packets are counted in
 * st (for one view only: the first). */
static pcap_t *open_view(const struct rasflow_capture *c, const struct rasflow_capture_file *fi,
			 int i, struct rasflow_pcapng_view_stats *st, struct rasflow_errlist *err)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	FILE *src = fopen(fi->name, "rb"), *v = NULL;
	pcap_t *p = NULL;

	if (src)
		v = rasflow_pcapng_view_open(src, fi->links[i], fi->links, fi->nlinks, st);
	if (!v) {
		rasflow_err_add(err, fi->name, 0, 0, "cannot open: %s", strerror(errno));
		if (src)
			fclose(src);
		return NULL;
	}
	p = pcap_fopen_offline_with_tstamp_precision(v, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!p) {
		rasflow_err_add(err, fi->name, 0, 0, "cannot open its interfaces of link type %d: %s",
				fi->links[i], strip_path(errbuf, fi->name));
		fclose(v);
		return NULL;
	}
	if (!check_dlt(pcap_datalink(p), fi->name, err) ||
	    !set_filter(p, c->o.filter, PCAP_NETMASK_UNKNOWN, fi->name, err)) {
		pcap_close(p);
		return NULL;
	}
	return p;
}

static struct rasflow_capture *alloc_capture(const struct rasflow_capture_opts *o, size_t n)
{
	struct rasflow_capture *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->files = calloc(n ? n : 1, sizeof(*c->files));
	if (!c->files) {
		free(c);
		return NULL;
	}
	if (o)
		c->o = *o;
	else
		rasflow_capture_default_opts(&c->o);
	return c;
}

/* A pcapng file with interfaces of several link types: note them, and
 * check that each is supported and that each view opens with the filter.
 * Other files: nothing to do. False with messages. */
static bool open_views(const struct rasflow_capture *c, struct rasflow_capture_file *fi,
		       struct rasflow_errlist *err)
{
	int types[RASFLOW_PCAPNG_MAX_TYPES];
	int n = file_link_types(fi->name, types);
	bool ok = true;

	if (n < 2)
		return true;
	fi->nlinks = n;
	memcpy(fi->links, types, sizeof(types));
	for (int i = 0; i < n; i++) {
		pcap_t *p = open_view(c, fi, i, NULL, err);

		if (p)
			pcap_close(p);
		else
			ok = false;
	}
	return ok;
}

struct rasflow_capture *rasflow_capture_open_offline(const char *const *paths, size_t n,
						     const struct rasflow_capture_opts *o,
						     struct rasflow_errlist *err)
{
	struct rasflow_capture *c;
	size_t bad = 0;

	if (n == 0) {
		rasflow_err_add(err, NULL, 0, 0, "no capture file given");
		return NULL;
	}
	c = alloc_capture(o, n);
	if (!c) {
		rasflow_err_add(err, NULL, 0, 0, "out of memory");
		return NULL;
	}
	c->nfiles = n;
	c->iobuf = malloc(RASFLOW_FILE_BUFFER);	/* NULL: stdio's own buffer */
	for (size_t i = 0; i < n; i++) {
		const char *name = display_name(paths[i]);
		bool is_stdin = strcmp(paths[i], "-") == 0;
		pcap_t *p;

		c->files[i].name = paths[i];
		c->files[i].dlt = -1;
		if (is_stdin && c->stdin_p) {
			rasflow_err_add(err, name, 0, 0, "standard input given more than once");
			bad++;
			continue;
		}
		p = open_file(paths[i], NULL, err);
		if (!p) {
			bad++;
			continue;
		}
		c->files[i].dlt = pcap_datalink(p);
		if (!check_dlt(c->files[i].dlt, name, err) ||
		    !set_filter(p, c->o.filter, PCAP_NETMASK_UNKNOWN, name, err)) {
			bad++;
			pcap_close(p);
			continue;
		}
		if (is_stdin) {
			c->stdin_p = p;
			continue;
		}
		pcap_close(p);
		if (!open_views(c, &c->files[i], err))
			bad++;
	}
	if (bad) {
		rasflow_capture_free(c);
		return NULL;
	}
	return c;
}

struct rasflow_capture *rasflow_capture_open_live(const char *ifname,
						  const struct rasflow_capture_opts *o,
						  struct rasflow_errlist *err)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct rasflow_capture *c = alloc_capture(o, 1);
	bpf_u_int32 net = 0, mask = PCAP_NETMASK_UNKNOWN;
	pcap_t *p;
	int rc;

	if (!c) {
		rasflow_err_add(err, ifname, 0, 0, "out of memory");
		return NULL;
	}
	c->live = true;
	c->nfiles = 1;
	c->files[0].name = ifname;
	c->files[0].dlt = -1;
	p = pcap_create(ifname, errbuf);
	if (!p) {
		rasflow_err_add(err, ifname, 0, 0, "%s", strip_path(errbuf, ifname));
		goto fail;
	}
	c->live_p = p;
	pcap_set_snaplen(p, c->o.snaplen > 0 ? c->o.snaplen : RASFLOW_DEF_SNAPLEN);
	pcap_set_promisc(p, c->o.promisc);
	pcap_set_timeout(p, c->o.timeout_ms > 0 ? c->o.timeout_ms : RASFLOW_DEF_READ_TIMEOUT_MS);
	pcap_set_immediate_mode(p, c->o.immediate);
	if (c->o.buffer_bytes > 0)
		pcap_set_buffer_size(p, c->o.buffer_bytes);
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO);
	rc = pcap_activate(p);
	if (rc < 0) {
		const char *detail = pcap_geterr(p);

		detail = strip_path(detail, ifname);
		if (strcmp(detail, pcap_statustostr(rc)) == 0)
			detail = "";
		rasflow_err_add(err, ifname, 0, 0, "cannot capture: %s%s%s", pcap_statustostr(rc),
				*detail ? ": " : "", detail);
		goto fail;
	}
	if (rc > 0)
		rasflow_log(RASFLOW_LOG_WARN, "%s: %s", ifname, pcap_statustostr(rc));
	c->files[0].dlt = pcap_datalink(p);
	if (!check_dlt(c->files[0].dlt, ifname, err))
		goto fail;
	if (pcap_lookupnet(ifname, &net, &mask, errbuf) != 0)
		mask = PCAP_NETMASK_UNKNOWN;
	if (!set_filter(p, c->o.filter, mask, ifname, err))
		goto fail;
	if (pcap_setnonblock(p, 1, errbuf) != 0 || pcap_get_selectable_fd(p) < 0) {
		rasflow_err_add(err, ifname, 0, 0, "cannot poll the capture: %s", errbuf);
		goto fail;
	}
	return c;
fail:
	rasflow_capture_free(c);
	return NULL;
}

void rasflow_capture_free(struct rasflow_capture *c)
{
	if (!c)
		return;
	if (c->live_p)
		pcap_close(c->live_p);
	if (c->stdin_p)
		pcap_close(c->stdin_p);
	for (size_t i = 0; i < AHEAD_RING; i++)
		free(c->ring[i].buf);
	free(c->iobuf);
	free(c->files);
	free(c);
}

static rasflow_ts tv_to_ts(const struct timeval *tv)
{
	if (tv->tv_sec < 0)
		return 0;
	return (rasflow_ts)tv->tv_sec * 1000000 + (rasflow_ts)tv->tv_usec;
}

/* Widen pcap_stats' wrapping 32-bit counters into our 64-bit totals. */
static int refresh_stats(struct rasflow_capture *c)
{
	struct pcap_stat ps;

	if (pcap_stats(c->live_p, &ps) != 0)
		return RASFLOW_EPCAP;
	c->st.received += (unsigned)(ps.ps_recv - c->last.ps_recv);
	c->st.dropped += (unsigned)(ps.ps_drop - c->last.ps_drop);
	c->st.ifdropped += (unsigned)(ps.ps_ifdrop - c->last.ps_ifdrop);
	c->last = ps;
	return 0;
}

/* maybe_tick's work when a tick may be due. */
__attribute__((noinline))
static void tick_check(struct rasflow_capture *c, void (*tick)(void *, rasflow_ts), void *user)
{
	rasflow_ts every = (rasflow_ts)c->o.tick_ms * 1000;

	if (every == 0)
		return;
	if (c->next_tick == 0) {
		c->next_tick = c->now + every;
		return;
	}
	/* Offline, packet time can stand still for a long run: a later file
	 * whose timestamps are earlier than the last one's, or a burst with one
	 * timestamp. A tick every RASFLOW_TICK_PACKETS packets keeps the
	 * caller's progress line moving; now is the same as before then. */
	if (c->now < c->next_tick && (c->live || ++c->untick < RASFLOW_TICK_PACKETS))
		return;
	if (c->now >= c->next_tick)
		c->next_tick = c->now + every;
	c->untick = 0;
	if (c->live)
		refresh_stats(c);
	tick(user, c->now);
}

/* After each packet: the caller's tick when packet time passed the next one
 * (or offline after RASFLOW_TICK_PACKETS packets). Inline: no call at all
 * without a tick function, one comparison when none is due. */
static inline void maybe_tick(struct rasflow_capture *c, void (*tick)(void *, rasflow_ts),
			      void *user)
{
	if (!tick)
		return;
	if (c->now < c->next_tick && !c->live && c->untick + 1 < RASFLOW_TICK_PACKETS)
		c->untick++;		/* tick_check's count, without the call */
	else
		tick_check(c, tick, user);
}

/* Live, nothing buffered: wait for the descriptor up to the read timeout.
 * True when the timeout passed with nothing to read. */
static bool wait_live(struct rasflow_capture *c, pcap_t *p)
{
	struct pollfd pfd = { .fd = pcap_get_selectable_fd(p), .events = POLLIN };
	const struct timeval *req = pcap_get_required_select_timeout(p);
	int ms = c->o.timeout_ms > 0 ? c->o.timeout_ms : RASFLOW_DEF_READ_TIMEOUT_MS;
	int rc;

	if (req) {
		long rms = (long)req->tv_sec * 1000 + (long)req->tv_usec / 1000;

		if (rms < ms)
			ms = rms > 0 ? (int)rms : 1;
	}
	rc = poll(&pfd, 1, ms);
	if (rc < 0 && errno != EINTR)
		return true;		/* let pcap_next_ex report a real error */
	return rc == 0;
}

/* A frame read ahead to the engine, then the tick check. */
static inline void feed_ahead(struct rasflow_capture *c, struct rasflow_capture_file *fi,
			      struct rasflow_engine *eng, const struct ahead_frame *q,
			      void (*tick)(void *, rasflow_ts), void *user)
{
	fi->packets++;
	fi->bytes += q->len;
	rasflow_engine_packet_ahead(eng, &q->ef, q->ts, q->len);
	if (q->ts > c->now)
		c->now = q->ts;
	maybe_tick(c, tick, user);
}

/* One packet of link type dlt to the engine, then the tick check. */
static inline void feed(struct rasflow_capture *c, struct rasflow_capture_file *fi,
			struct rasflow_engine *eng, int dlt, rasflow_ts ts, const uint8_t *data,
			uint32_t caplen, uint32_t len, void (*tick)(void *, rasflow_ts), void *user)
{
	fi->packets++;
	fi->bytes += len;
	rasflow_engine_packet(eng, dlt, ts, data, caplen, len);
	if (ts > c->now)
		c->now = ts;
	maybe_tick(c, tick, user);
}

/* Live: read one handle until it fails or stops; returns LOOP_* or a
 * negative RASFLOW_E*. No read-ahead: each packet is handled as it comes. */
static int loop_live(struct rasflow_capture *c, pcap_t *p, struct rasflow_capture_file *fi,
		     struct rasflow_engine *eng, void (*tick)(void *, rasflow_ts), void *user,
		     volatile sig_atomic_t *stop, struct rasflow_errlist *err)
{
	const char *name = display_name(fi->name);
	struct pcap_pkthdr *hdr;
	const u_char *data;

	for (;;) {
		int rc;

		if (stop && *stop)
			return LOOP_STOPPED;
		rc = pcap_next_ex(p, &hdr, &data);
		if (rc == 1) {
			feed(c, fi, eng, fi->dlt, tv_to_ts(&hdr->ts), data, hdr->caplen, hdr->len, tick,
			     user);
		} else if (rc == 0) {
			struct timeval tv;

			if (!wait_live(c, p))
				continue;
			gettimeofday(&tv, NULL);
			if (tv_to_ts(&tv) > c->now)
				c->now = tv_to_ts(&tv);
			rasflow_engine_idle(eng, c->now);
			maybe_tick(c, tick, user);
		} else if (rc == PCAP_ERROR_BREAK) {
			fi->done = true;
			return LOOP_STOPPED;
		} else {
			fi->done = true;
			rasflow_err_add(err, name, 0, 0, "capture failed: %s", pcap_geterr(p));
			return RASFLOW_EPCAP;
		}
	}
}

/* Keep a copy of a decoded frame's bytes in its ring slot; false when no
 * memory for it. */
static bool ahead_keep(struct ahead_frame *fr, const u_char *data, uint32_t caplen)
{
	if (caplen > fr->cap) {
		uint32_t cap = caplen < 2048 ? 2048 : caplen;
		uint8_t *b = realloc(fr->buf, cap);

		if (!b)
			return false;
		fr->buf = b;
		fr->cap = cap;
	}
	memcpy(fr->buf, data, caplen);
	rasflow_pkt_rebase(&fr->ef.pkt, data, fr->buf);
	return true;
}

/* State of one file's read through pcap_dispatch. */
struct file_read {
	struct rasflow_capture *c;
	pcap_t *p;
	struct rasflow_capture_file *fi;
	struct rasflow_engine *eng;
	void (*tick)(void *, rasflow_ts);
	void *user;
	volatile sig_atomic_t *stop;
	size_t head, tail;		/* frames read into the ring, frames processed */
};

/* Process ring frames up to (not including) frame end. */
static void drain(struct file_read *r, size_t end)
{
	for (; r->tail < end; r->tail++)
		feed_ahead(r->c, r->fi, r->eng, &r->c->ring[r->tail % AHEAD_RING], r->tick, r->user);
}

/* pcap_dispatch's callback: one frame into the ring, and the frame
 * AHEAD_DEPTH before it out to the engine. */
static void on_frame(u_char *u, const struct pcap_pkthdr *hdr, const u_char *data)
{
	struct file_read *r = (struct file_read *)u;
	struct rasflow_capture *c = r->c;
	struct rasflow_engine *eng = r->eng;
	struct ahead_frame *fr = &c->ring[r->head % AHEAD_RING];

	fr->ts = tv_to_ts(&hdr->ts);
	fr->len = hdr->len;
	rasflow_engine_ahead(eng, r->fi->dlt, data, hdr->caplen, &fr->ef);
	if (rasflow_engine_ahead_bytes(eng, &fr->ef) && !ahead_keep(fr, data, hdr->caplen)) {
		/* no memory for the copy: process the ring, then this frame
		 * while libpcap still holds its bytes */
		drain(r, r->head);
		feed_ahead(c, r->fi, eng, fr, r->tick, r->user);
		r->head++;
		r->tail = r->head;
	} else {
		size_t n = ++r->head - r->tail;

		if (n > AHEAD_STEP)
			rasflow_engine_ahead_step(eng, &c->ring[(r->head - 1 - AHEAD_STEP) % AHEAD_RING].ef);
		if (n > AHEAD_DEPTH)
			feed_ahead(c, r->fi, eng, &c->ring[r->tail++ % AHEAD_RING], r->tick, r->user);
	}
	if (r->stop && *r->stop)
		pcap_breakloop(r->p);
}

/* Why libpcap stopped, when rasflow knows more: "" otherwise. libpcap 1.10
 * reads one link type per pcapng file; open_views finds the types described
 * before the first packet, so this one came later (or from standard input,
 * which is not scanned). Matched on libpcap's words (sf-pcapng.c). */
static const char *read_error_hint(const char *pcap_err)
{
	if (strstr(pcap_err, "different from the type of the first interface"))
		return "; rasflow reads several link types only when all interfaces come "
		       "before the first packet, and not from standard input";
	return "";
}

/* libpcap could not read p's next record: fi ends here, with a message
 * saying how many packets were read before and why. */
static void ended_early(struct rasflow_capture_file *fi, pcap_t *p, struct rasflow_errlist *err)
{
	fi->truncated = true;
	rasflow_err_add(err, display_name(fi->name), 0, 0,
			"capture file ends early after %llu packets: %s%s",
			(unsigned long long)fi->packets, pcap_geterr(p),
			read_error_hint(pcap_geterr(p)));
}

/* Offline: read one file to its end through the read-ahead ring; returns
 * LOOP_*. pcap_dispatch rather than pcap_next_ex: libpcap then reads a file
 * in one loop of its own (docs/performance.md). Frames read are always
 * processed, also when stopping or on error. */
static int loop_file(struct rasflow_capture *c, pcap_t *p, struct rasflow_capture_file *fi,
		     struct rasflow_engine *eng, void (*tick)(void *, rasflow_ts), void *user,
		     volatile sig_atomic_t *stop, struct rasflow_errlist *err)
{
	struct file_read r = { c, p, fi, eng, tick, user, stop, 0, 0 };
	int rc, ret;

	if (stop && *stop)
		return LOOP_STOPPED;
	/* It returns INT_MAX packets at most per call, 0 at the end. */
	while ((rc = pcap_dispatch(p, -1, on_frame, (u_char *)&r)) > 0)
		;
	ret = rc == 0 ? LOOP_EOF : rc == PCAP_ERROR_BREAK ? LOOP_STOPPED : LOOP_PARTIAL;
	fi->done = ret != LOOP_STOPPED;
	drain(&r, r.head);
	if (ret == LOOP_PARTIAL)
		ended_early(fi, p, err);
	return ret;
}

/* One view of loop_views: its handle and its next packet (NULL at the end). */
struct view_read {
	pcap_t *p;
	int dlt;
	struct pcap_pkthdr *h;
	const u_char *d;
};

/* The view's next packet (v->h NULL at its end). A read error ends the
 * view, and the first of the file's is reported; the other views go on,
 * since their packets before the damage are in the file too. */
static void view_next(struct view_read *v, struct rasflow_capture_file *fi,
		      struct rasflow_errlist *err)
{
	int rc = pcap_next_ex(v->p, &v->h, &v->d);

	if (rc == 1)
		return;
	v->h = NULL;
	if (rc == PCAP_ERROR && !fi->truncated)
		ended_early(fi, v->p, err);
}

/* Offline, a pcapng file whose interfaces are of several link types: one
 * view per type (pcapng_view.h), their packets merged into time order (of
 * two with the same time, the view listed first goes first) as Wireshark
 * shows them. Returns LOOP_*. Without the read-ahead: the merge decides the
 * order, and such files are captures of a few interfaces, not the bulk the
 * read-ahead is for. */
static int loop_views(struct rasflow_capture *c, struct rasflow_capture_file *fi,
		      struct rasflow_engine *eng, void (*tick)(void *, rasflow_ts), void *user,
		      volatile sig_atomic_t *stop, struct rasflow_errlist *err)
{
	struct rasflow_pcapng_view_stats st = { 0 };
	struct view_read v[RASFLOW_PCAPNG_MAX_TYPES] = { { 0 } };
	int n = 0;
	bool stopped = false;

	for (; n < fi->nlinks; n++) {
		v[n].p = open_view(c, fi, n, n == 0 ? &st : NULL, err);
		if (!v[n].p) {			/* changed since it was opened */
			fi->truncated = true;
			break;
		}
		v[n].dlt = pcap_datalink(v[n].p);
		view_next(&v[n], fi, err);
	}
	while (!stopped) {
		struct view_read *b = NULL;

		for (int i = 0; i < n; i++)
			if (v[i].h && (!b || tv_to_ts(&v[i].h->ts) < tv_to_ts(&b->h->ts)))
				b = &v[i];
		if (!b)
			break;
		feed(c, fi, eng, b->dlt, tv_to_ts(&b->h->ts), b->d, b->h->caplen, b->h->len,
		     tick, user);
		view_next(b, fi, err);
		stopped = stop && *stop;
	}
	for (int i = 0; i < n; i++)
		pcap_close(v[i].p);
	fi->done = !stopped;
	if (stopped)
		return LOOP_STOPPED;
	if (st.unread > 0) {
		fi->truncated = true;
		rasflow_err_add(err, fi->name, 0, 0,
				"%llu packets not read: their interfaces' link types are described "
				"after the first packet", (unsigned long long)st.unread);
	}
	return fi->truncated ? LOOP_PARTIAL : LOOP_EOF;
}

int rasflow_capture_run(struct rasflow_capture *c, struct rasflow_engine *eng,
			void (*tick)(void *user, rasflow_ts now), void *user,
			volatile sig_atomic_t *stop, struct rasflow_errlist *err)
{
	int status = 0;

	if (c->live) {
		int rc = loop_live(c, c->live_p, &c->files[0], eng, tick, user, stop, err);

		return rc < 0 ? rc : 0;
	}
	for (; c->next < c->nfiles; c->next++) {
		struct rasflow_capture_file *fi = &c->files[c->next];
		bool is_stdin = strcmp(fi->name, "-") == 0;
		pcap_t *p;
		int rc;

		if (stop && *stop)
			return status;
		if (fi->nlinks > 1) {
			rc = loop_views(c, fi, eng, tick, user, stop, err);
			if (rc == LOOP_PARTIAL)
				status = RASFLOW_CAPTURE_PARTIAL;
			if (rc == LOOP_STOPPED)
				return status;
			continue;
		}
		p = is_stdin ? c->stdin_p : open_file(fi->name, c->iobuf, err);
		if (!p) {
			/* checked at open: it vanished or changed since */
			fi->done = fi->truncated = true;
			status = RASFLOW_CAPTURE_PARTIAL;
			continue;
		}
		if (!is_stdin && (pcap_datalink(p) != fi->dlt ||
				  !set_filter(p, c->o.filter, PCAP_NETMASK_UNKNOWN,
					      display_name(fi->name), err))) {
			if (pcap_datalink(p) != fi->dlt)
				rasflow_err_add(err, fi->name, 0, 0, "file changed since it was opened");
			pcap_close(p);
			fi->done = fi->truncated = true;
			status = RASFLOW_CAPTURE_PARTIAL;
			continue;
		}
		rc = loop_file(c, p, fi, eng, tick, user, stop, err);
		pcap_close(p);
		if (is_stdin)
			c->stdin_p = NULL;
		if (rc == LOOP_PARTIAL)
			status = RASFLOW_CAPTURE_PARTIAL;
		if (rc == LOOP_STOPPED) {
			if (fi->done)
				c->next++;
			return status;
		}
	}
	return status;
}

const struct rasflow_capture_file *rasflow_capture_files(const struct rasflow_capture *c,
							 size_t *n)
{
	*n = c->nfiles;
	return c->files;
}

bool rasflow_capture_is_live(const struct rasflow_capture *c)
{
	return c->live;
}

int rasflow_capture_snaplen(const struct rasflow_capture *c)
{
	return c->live && c->live_p ? pcap_snapshot(c->live_p) : 0;
}

int rasflow_capture_stats(struct rasflow_capture *c, struct rasflow_capture_stats *s)
{
	int rc;

	if (!c->live)
		return RASFLOW_EINVAL;
	rc = refresh_stats(c);
	*s = c->st;
	return rc;
}
