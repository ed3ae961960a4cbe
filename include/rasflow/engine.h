/* engine.h — one capture's packet path: decode, then the flow table.
 *
 * The engine owns a flow table and the capture-wide counters (frames, wire
 * bytes, time span, clock steps back, frames not decoded). It does not read
 * files or interfaces (capture.h) and does not classify flows (the hooks do).
 */
#ifndef RASFLOW_ENGINE_H
#define RASFLOW_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "rasflow/decode.h"
#include "rasflow/dedup.h"
#include "rasflow/flow.h"

struct rasflow_engine_stats {
	uint64_t packets;		/* frames handed to rasflow_engine_packet */
	uint64_t wire_bytes;		/* sum of their on-the-wire lengths */
	uint64_t undecoded;		/* frames decode did not return OK for: skipped */
	uint64_t no_flow;		/* decoded frames no flow took (orphan fragments, no memory) */
	uint64_t ts_backwards;		/* frames stamped earlier than the latest frame before them */
	uint64_t copies;		/* decoded frames that were a mirror's copy (dedup.h) */
	rasflow_ts first_ts, last_ts;	/* earliest and latest frame time; valid when packets > 0 */
};

struct rasflow_engine {
	struct rasflow_flowtab *ft;	/* owned; hooks are called from rasflow_engine_packet;
					 * NULL after rasflow_engine_drop_table */
	struct rasflow_flowtab_stats ft_final;	/* the table's counters when it was dropped */
	struct rasflow_dec_stats dec;	/* decode results by layer and reason */
	struct rasflow_engine_stats st;
	bool hooks_see_packets;		/* on_new or on_packet is set: they may read bytes */
	struct rasflow_dedup *dedup;	/* owned; NULL: copies are not looked for */
	bool drop_copies;		/* copies skip the flow table (counted in st.copies) */
};

/* What the engine does with a mirror's copies of a packet (dedup.h). */
enum rasflow_copies {
	RASFLOW_COPIES_IGNORE,		/* not looked for: every frame counts */
	RASFLOW_COPIES_COUNT,		/* counted in st.copies; they still count to flows */
	RASFLOW_COPIES_DROP,		/* counted in st.copies and kept out of the flow table */
};

/* A frame decoded ahead of its turn (offline read-ahead, capture.c). */
struct rasflow_engine_frame {
	struct rasflow_pkt pkt;		/* borrows the frame's bytes (see rasflow_engine_ahead) */
	struct rasflow_flow_hint hint;
	uint8_t dec;			/* enum rasflow_dec of the decode */
	uint64_t sig;			/* rasflow_dedup_sig, when the engine looks for copies */
};

/* NULL on out-of-memory. opts NULL = rasflow_flowtab_default_opts(); hooks may be NULL. */
struct rasflow_engine *rasflow_engine_new(const struct rasflow_flowtab_opts *opts,
					  const struct rasflow_flow_hooks *hooks);
/* Frees the flow table without calling on_end: flush it first for that. */
void rasflow_engine_free(struct rasflow_engine *e);

/* Look for a mirror's copies from now on (default: RASFLOW_COPIES_IGNORE).
 * Returns -1 (ENOMEM) when the 64 KiB table cannot be had. */
int rasflow_engine_copies(struct rasflow_engine *e, enum rasflow_copies mode);

/* Decode one frame of link type dlt and account it to its flow. Frames that
 * do not decode OK are counted (st.undecoded and dec) and skipped, never
 * fatal. Returns the decode result. */
enum rasflow_dec rasflow_engine_packet(struct rasflow_engine *e, int dlt, rasflow_ts ts,
				       const uint8_t *bytes, uint32_t caplen, uint32_t wirelen);

/* Read-ahead (offline reading, see capture.c). rasflow_engine_ahead decodes
 * a frame a few frames before its turn (its decode counters are counted
 * then) and starts loading what its packet will touch in the flow table;
 * rasflow_engine_ahead_step loads the next part (cache hints only, no state
 * changes); rasflow_engine_packet_ahead then does what rasflow_engine_packet
 * does after decoding. Every frame given to rasflow_engine_ahead must be
 * given to rasflow_engine_packet_ahead, in the order read.
 *
 * Its bytes are read again at its turn only when rasflow_engine_ahead_bytes
 * says so (it carries a tunnel, or a hook is given packets and may read
 * them); then they must stay unchanged until then: keep a copy and point the
 * frame's packet at it with rasflow_pkt_rebase. Otherwise they may go at
 * once.
 *
 * These four are inline: each is a few lines around one decode or
 * flow-table call, run for every frame read (docs/performance.md). */
static inline void rasflow_engine_ahead(struct rasflow_engine *e, int dlt, const uint8_t *bytes,
					uint32_t caplen, struct rasflow_engine_frame *fr)
{
	fr->dec = (uint8_t)rasflow_decode_frame(dlt, bytes, caplen, &fr->pkt, &e->dec);
	if (fr->dec == RASFLOW_DEC_OK) {
		if (e->dedup != NULL)
			fr->sig = rasflow_dedup_sig(&fr->pkt);
		rasflow_flowtab_hint(e->ft, &fr->pkt, &fr->hint);
	} else {
		fr->hint.stage = 2;
		fr->hint.hashed = false;
	}
}

static inline bool rasflow_engine_ahead_bytes(const struct rasflow_engine *e,
					      const struct rasflow_engine_frame *fr)
{
	return fr->dec == RASFLOW_DEC_OK &&
	       (e->hooks_see_packets || fr->pkt.tunnel != RASFLOW_TUN_NONE);
}

static inline void rasflow_engine_ahead_step(struct rasflow_engine *e,
					     struct rasflow_engine_frame *fr)
{
	rasflow_flowtab_hint_step(e->ft, &fr->hint);
}

/* Capture-wide counters for one frame (engine.c's and the inline path's). */
static inline void rasflow_engine_account(struct rasflow_engine *e, rasflow_ts ts,
					  uint32_t wirelen)
{
	if (e->st.packets == 0) {
		e->st.first_ts = ts;
		e->st.last_ts = ts;
	} else if (ts < e->st.last_ts) {
		e->st.ts_backwards++;
		if (ts < e->st.first_ts)
			e->st.first_ts = ts;
	} else {
		e->st.last_ts = ts;
	}
	e->st.packets++;
	e->st.wire_bytes += wirelen;
}

/* A decoded frame of signature sig (e->dedup set): a mirror's copy is
 * counted; true when it goes no further (RASFLOW_COPIES_DROP). */
static inline bool rasflow_engine_drops_copy(struct rasflow_engine *e, uint64_t sig,
					     rasflow_ts ts)
{
	if (!rasflow_dedup_copy(e->dedup, sig, ts))
		return false;
	e->st.copies++;
	return e->drop_copies;
}

/* rasflow_engine_packet_ahead's rare case, out of line (engine.c). */
enum rasflow_dec rasflow_engine_packet_tunnel(struct rasflow_engine *e,
					      const struct rasflow_engine_frame *fr, rasflow_ts ts);

static inline enum rasflow_dec rasflow_engine_packet_ahead(struct rasflow_engine *e,
							   const struct rasflow_engine_frame *fr,
							   rasflow_ts ts, uint32_t wirelen)
{
	rasflow_engine_account(e, ts, wirelen);
	if (fr->dec != RASFLOW_DEC_OK) {
		e->st.undecoded++;
		return (enum rasflow_dec)fr->dec;
	}
	if (e->dedup != NULL && rasflow_engine_drops_copy(e, fr->sig, ts))
		return RASFLOW_DEC_OK;
	if (fr->pkt.tunnel != RASFLOW_TUN_NONE)
		return rasflow_engine_packet_tunnel(e, fr, ts);
	if (!rasflow_flowtab_packet_hinted(e->ft, &fr->pkt, ts, &fr->hint))
		e->st.no_flow++;
	return RASFLOW_DEC_OK;
}

/* A live interface is quiet: let packet time advance to the wall clock `now`
 * so idle flows expire (no-op when now is not ahead of the last frame). */
void rasflow_engine_idle(struct rasflow_engine *e, rasflow_ts now);

/* End of input: end every flow still open with RASFLOW_END_EOF. */
void rasflow_engine_finish(struct rasflow_engine *e);

/* After rasflow_engine_finish, when no more packets will come: free the
 * flow table (all of its memory: one flow costs about 220 bytes) and keep
 * its final counters; rasflow_engine_flow_stats still answers. */
void rasflow_engine_drop_table(struct rasflow_engine *e);

/* The flow table's counters, also after rasflow_engine_drop_table. */
const struct rasflow_flowtab_stats *rasflow_engine_flow_stats(const struct rasflow_engine *e);

#endif
