/* engine.c — decode -> flow table for each frame, plus capture-wide counters.
 *
 * Only frames that decode OK reach the flow table. A frame cut inside its
 * transport header (addresses known, ports not) is counted as undecoded and
 * skipped rather than accounted to a port-less flow that would misreport the
 * conversation; decode's per-layer counters show how many there were.
 *
 * A packet that carries a tunnel (decode.h) is accounted to its own flow
 * first, then the packet inside it to the inner conversation's flow, with
 * the frame's time; an inner packet that does not decode is counted in dec
 * (not in st.undecoded, which counts frames) and dropped.
 *
 * When asked (rasflow_engine_copies), a frame whose packet is a mirror's
 * copy of one seen a moment before (dedup.h) is counted, and with
 * RASFLOW_COPIES_DROP goes no further, tunnel contents included. A copy is
 * judged by the frame's own packet: two mirror sessions' tunnels around the
 * same packet differ (their sequence numbers), and count twice.
 */
#include <stdlib.h>
#include <string.h>

#include "rasflow/engine.h"

struct rasflow_engine *rasflow_engine_new(const struct rasflow_flowtab_opts *opts,
					  const struct rasflow_flow_hooks *hooks)
{
	struct rasflow_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->ft = rasflow_flowtab_new(opts, hooks);
	if (!e->ft) {
		free(e);
		return NULL;
	}
	e->hooks_see_packets = hooks != NULL && (hooks->on_new != NULL || hooks->on_packet != NULL);
	return e;
}

void rasflow_engine_free(struct rasflow_engine *e)
{
	if (!e)
		return;
	rasflow_flowtab_free(e->ft);
	free(e->dedup);
	free(e);
}

int rasflow_engine_copies(struct rasflow_engine *e, enum rasflow_copies mode)
{
	if (mode == RASFLOW_COPIES_IGNORE) {
		free(e->dedup);
		e->dedup = NULL;
	} else if (e->dedup == NULL && (e->dedup = calloc(1, sizeof(*e->dedup))) == NULL) {
		return -1;
	}
	e->drop_copies = mode == RASFLOW_COPIES_DROP;
	return 0;
}

/* The packets inside tunnel packet p, each to its flow; at most
 * RASFLOW_TUNNEL_DEPTH of them, as decode stops marking tunnels there. */
static void tunneled(struct rasflow_engine *e, const struct rasflow_pkt *p, rasflow_ts ts)
{
	struct rasflow_pkt in[2];

	for (unsigned i = 0; p->tunnel != RASFLOW_TUN_NONE; i ^= 1) {
		if (rasflow_decode_inner(p, &in[i], &e->dec) != RASFLOW_DEC_OK)
			return;
		rasflow_flowtab_packet(e->ft, &in[i], ts);
		p = &in[i];
	}
}

enum rasflow_dec rasflow_engine_packet(struct rasflow_engine *e, int dlt, rasflow_ts ts,
				       const uint8_t *bytes, uint32_t caplen, uint32_t wirelen)
{
	struct rasflow_pkt pkt;
	enum rasflow_dec r;

	rasflow_engine_account(e, ts, wirelen);
	r = rasflow_decode_frame(dlt, bytes, caplen, &pkt, &e->dec);
	if (r != RASFLOW_DEC_OK) {
		e->st.undecoded++;
		return r;
	}
	if (e->dedup != NULL && rasflow_engine_drops_copy(e, rasflow_dedup_sig(&pkt), ts))
		return r;
	if (!rasflow_flowtab_packet(e->ft, &pkt, ts))
		e->st.no_flow++;
	if (pkt.tunnel != RASFLOW_TUN_NONE)
		tunneled(e, &pkt, ts);
	return r;
}

/* rasflow_engine_packet_ahead's rare case: the tunnel packet, then what it
 * carries. Out of line so that the common case stays small (checking for a
 * tunnel after the flow-table call cost 11 instructions per packet, this
 * 3.5; callgrind). */
enum rasflow_dec rasflow_engine_packet_tunnel(struct rasflow_engine *e,
					      const struct rasflow_engine_frame *fr, rasflow_ts ts)
{
	if (!rasflow_flowtab_packet_hinted(e->ft, &fr->pkt, ts, &fr->hint))
		e->st.no_flow++;
	tunneled(e, &fr->pkt, ts);
	return RASFLOW_DEC_OK;
}

void rasflow_engine_idle(struct rasflow_engine *e, rasflow_ts now)
{
	if (e->st.packets > 0 && now <= e->st.last_ts)
		return;
	rasflow_flowtab_expire(e->ft, now);
}

void rasflow_engine_finish(struct rasflow_engine *e)
{
	rasflow_flowtab_flush(e->ft, RASFLOW_END_EOF);
}

void rasflow_engine_drop_table(struct rasflow_engine *e)
{
	if (e->ft == NULL)
		return;
	e->ft_final = *rasflow_flowtab_stats(e->ft);
	rasflow_flowtab_free(e->ft);
	e->ft = NULL;
}

const struct rasflow_flowtab_stats *rasflow_engine_flow_stats(const struct rasflow_engine *e)
{
	return e->ft != NULL ? rasflow_flowtab_stats(e->ft) : &e->ft_final;
}
