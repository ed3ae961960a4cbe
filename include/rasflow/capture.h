/* capture.h — packets in through libpcap: capture files or a live interface.
 *
 * Offline reads pcap and pcapng files one after another ("-" = standard
 * input) with microsecond timestamps, a pcapng file with interfaces of
 * several link types as one view per type merged in time order
 * (pcapng_view.h); live opens an interface with pcap_create.
 * Both then share one pcap_next_ex loop feeding an engine, with an optional
 * BPF filter, a periodic tick and a stop flag. No decoding happens here.
 */
#ifndef RASFLOW_CAPTURE_H
#define RASFLOW_CAPTURE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rasflow/engine.h"
#include "rasflow/err.h"
#include "rasflow/pcapng_view.h"

/* rasflow_capture_run: every file read to its end, but at least one ended
 * early (truncated or unreadable record); what could be read was counted and
 * the messages are in the errlist. The caller should warn and still report. */
#define RASFLOW_CAPTURE_PARTIAL 1

struct rasflow_capture_opts {
	const char *filter;		/* BPF expression, offline and live; NULL or "" = none */
	int snaplen;			/* live: bytes kept per frame */
	bool promisc;			/* live: promiscuous mode */
	bool immediate;			/* live: deliver each packet at once (more CPU) */
	int buffer_bytes;		/* live: kernel buffer; 0 = libpcap's default */
	int timeout_ms;			/* live: read timeout, bounds how late a tick or stop is seen */
	unsigned tick_ms;		/* call the tick hook at most this often; 0 = never */
};

/* One input and what was read from it. */
struct rasflow_capture_file {
	const char *name;		/* path as given ("-" = standard input) or interface */
	int dlt;			/* its link type (pcap DLT); -1 before it was opened */
	int nlinks;			/* a pcapng file whose interfaces are of several link
					 * types: how many (then read one view per type,
					 * pcapng_view.h); 0 otherwise */
	int links[RASFLOW_PCAPNG_MAX_TYPES];	/* those types, as the file has them
					 * (LINKTYPE_ values); dlt is the first's */
	uint64_t packets;		/* records read */
	uint64_t bytes;			/* their on-the-wire lengths */
	bool done;			/* read to its end (or to the error) */
	bool truncated;			/* reading stopped early; message in the run's errlist */
};

/* Live capture counters from pcap_stats, widened to 64 bits. */
struct rasflow_capture_stats {
	uint64_t received;		/* packets the filter passed (ps_recv) */
	uint64_t dropped;		/* dropped for lack of buffer space (ps_drop) */
	uint64_t ifdropped;		/* dropped by the interface or driver (ps_ifdrop) */
};

struct rasflow_capture;

void rasflow_capture_default_opts(struct rasflow_capture_opts *o);

/* Check every file (readable capture, supported link type, filter compiles)
 * before anything is read, reporting each failure as "file: msg". Paths are
 * borrowed and must outlive the capture. "-" may appear once. NULL on error. */
struct rasflow_capture *rasflow_capture_open_offline(const char *const *paths, size_t n,
						     const struct rasflow_capture_opts *o,
						     struct rasflow_errlist *err);

/* Open and activate an interface. NULL on error ("ifname: msg"). */
struct rasflow_capture *rasflow_capture_open_live(const char *ifname,
						  const struct rasflow_capture_opts *o,
						  struct rasflow_errlist *err);

void rasflow_capture_free(struct rasflow_capture *c);

/* Feed every packet to eng until the input ends or *stop (may be NULL)
 * becomes nonzero. tick (may be NULL) gets the current time: packet time
 * offline, and on a quiet live interface the wall clock, where idle flows are
 * also expired. Offline it is also called, with the time unchanged, after
 * RASFLOW_TICK_PACKETS packets without a tick (packet time can stand still). Flows are not flushed: call rasflow_engine_finish afterwards.
 * Returns 0 (all read, or stopped), RASFLOW_CAPTURE_PARTIAL, or a negative
 * RASFLOW_E* with a message in err (a file that vanished since open, a live
 * interface that failed); what was read before is counted either way. */
int rasflow_capture_run(struct rasflow_capture *c, struct rasflow_engine *eng,
			void (*tick)(void *user, rasflow_ts now), void *user,
			volatile sig_atomic_t *stop, struct rasflow_errlist *err);

/* The inputs in order, with per-input counts; *n receives their number. */
const struct rasflow_capture_file *rasflow_capture_files(const struct rasflow_capture *c,
							 size_t *n);

bool rasflow_capture_is_live(const struct rasflow_capture *c);

/* Live only: the snapshot length libpcap set (pcap_snapshot; it may differ
 * from the one asked for). 0 offline. */
int rasflow_capture_snaplen(const struct rasflow_capture *c);

/* Live only: current pcap_stats. RASFLOW_EINVAL offline, RASFLOW_EPCAP on failure. */
int rasflow_capture_stats(struct rasflow_capture *c, struct rasflow_capture_stats *s);

#endif
