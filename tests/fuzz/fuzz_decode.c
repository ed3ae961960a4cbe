/* fuzz_decode.c — libFuzzer target for the frame decoder.
 *
 * Input: 2 bytes (big-endian) select a link type from the table below
 * (modulo its size; the last entry is one the decoder must refuse), the rest
 * is the frame, passed to rasflow_decode_frame with caplen = its size. The
 * result and every pointer the decoder hands back are checked against the
 * frame's bounds, and the borrowed payload is read in full so ASan sees an
 * overrun. The decoder itself never allocates. The frame is decoded a second
 * time by rasflow_decode_frame_general (no fast path), into a packet filled
 * with different garbage, and the two results must agree field by field.
 * A packet that carries a tunnel is followed in, as the engine does, with
 * rasflow_decode_inner: each inner packet gets the same checks, one level
 * deeper, its carried frame inside its payload, never a frame counted.
 * Every packet that decodes is signed as the engine signs it to find a
 * mirror's copies (dedup.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rasflow/decode.h"
#include "rasflow/dedup.h"
#include "../pkt_same.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* pcap link types; selector = index (tests/fuzz/make_corpus.py uses the same order) */
static const int dlts[] = {
	1,	/* DLT_EN10MB */
	113,	/* DLT_LINUX_SLL */
	276,	/* DLT_LINUX_SLL2 */
	12,	/* DLT_RAW (Linux value) */
	101,	/* LINKTYPE_RAW */
	228,	/* DLT_IPV4 */
	229,	/* DLT_IPV6 */
	0,	/* DLT_NULL */
	108,	/* DLT_LOOP */
	9,	/* DLT_PPP */
	239,	/* DLT_NFLOG */
	50,	/* DLT_PPP_SERIAL */
	104,	/* DLT_C_HDLC */
	107,	/* DLT_FRELAY */
	192,	/* DLT_PPI */
	105,	/* DLT_IEEE802_11: unsupported, must be refused */
};
#define NDLTS (sizeof(dlts) / sizeof(*dlts))

/* True if [p, p + n) lies inside [base, base + size). */
static int inside(const uint8_t *p, size_t n, const uint8_t *base, size_t size)
{
	return p >= base && (size_t)(p - base) <= size && n <= size - (size_t)(p - base);
}

/* The checks every decoded packet (the frame's own or one from inside a
 * tunnel) must pass; adds its borrowed bytes to *sum. */
static void check(enum rasflow_dec r, const struct rasflow_pkt *pkt, const uint8_t *frame,
		  uint32_t caplen, unsigned *sum)
{
	if ((unsigned)r >= RASFLOW_DEC_COUNT || pkt->layer >= RASFLOW_L_COUNT ||
	    pkt->reason >= RASFLOW_R_COUNT)
		__builtin_trap();
	if ((r == RASFLOW_DEC_OK) != (pkt->reason == RASFLOW_R_NONE))
		__builtin_trap();	/* a reason exactly when not OK */
	if (r == RASFLOW_DEC_OK && pkt->ipver != 4 && pkt->ipver != 6)
		__builtin_trap();
	if (pkt->nvlan > 2)
		__builtin_trap();
	if (r == RASFLOW_DEC_OK && pkt->payload_len > pkt->payload_wire)
		__builtin_trap();	/* more bytes captured than were on the wire */
	if (r == RASFLOW_DEC_OK && pkt->l3_caplen > pkt->ip_len)
		__builtin_trap();	/* l3 is clamped to the IP total length */
	if (pkt->l3 && !inside(pkt->l3, pkt->l3_caplen, frame, caplen))
		__builtin_trap();
	if (pkt->payload && !inside(pkt->payload, pkt->payload_len, frame, caplen))
		__builtin_trap();
	if (pkt->depth > RASFLOW_TUNNEL_DEPTH || pkt->tunnel >= RASFLOW_TUN_COUNT)
		__builtin_trap();
	if (pkt->tunnel != RASFLOW_TUN_NONE &&
	    (r != RASFLOW_DEC_OK || pkt->depth == RASFLOW_TUNNEL_DEPTH || pkt->inner_len == 0 ||
	     !inside(pkt->inner, pkt->inner_len, pkt->payload, pkt->payload_len)))
		__builtin_trap();	/* a tunnel only inside an OK packet's payload */
	/* touch every borrowed byte: an overrun the checks above missed shows in ASan */
	if (pkt->l3)
		for (uint32_t i = 0; i < pkt->l3_caplen; i++)
			*sum += pkt->l3[i];
	if (pkt->payload)
		for (uint32_t i = 0; i < pkt->payload_len; i++)
			*sum += pkt->payload[i];
	/* a mirror's copies are looked for in every decoded packet: its
	 * signature reads at most l3_caplen bytes of l3 */
	if (r == RASFLOW_DEC_OK)
		*sum += (unsigned)rasflow_dedup_sig(pkt);
	(void)rasflow_dec_layer_name((enum rasflow_layer)pkt->layer);
	(void)rasflow_dec_reason_name((enum rasflow_dec_reason)pkt->reason);
	(void)rasflow_dec_result_name(r);
	(void)rasflow_tunnel_name((enum rasflow_tunnel)pkt->tunnel);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rasflow_dec_stats st = { .frames = 0 }, st2 = { .frames = 0 };
	struct rasflow_pkt pkt, pkt2, in[2];
	const struct rasflow_pkt *p = &pkt;
	const uint8_t *frame;
	enum rasflow_dec r;
	uint32_t caplen;
	unsigned sum = 0;
	volatile unsigned sink;
	int dlt;

	if (size < 2 || size - 2 > UINT32_MAX)
		return 0;
	dlt = dlts[((unsigned)data[0] << 8 | data[1]) % NDLTS];
	frame = data + 2;
	caplen = (uint32_t)(size - 2);

	memset(&pkt, 0xa5, sizeof(pkt));
	memset(&pkt2, 0x5a, sizeof(pkt2));
	r = rasflow_decode_frame(dlt, frame, caplen, &pkt, &st);
	if (pkt_same(r, &pkt, &st, rasflow_decode_frame_general(dlt, frame, caplen, &pkt2, &st2),
		     &pkt2, &st2) != NULL)
		__builtin_trap();	/* the fast path and the general path disagree */
	if (st.frames != 1 || pkt.depth != 0)
		__builtin_trap();
	if (!rasflow_decode_dlt_supported(dlt) && r != RASFLOW_DEC_UNSUPPORTED)
		__builtin_trap();
	check(r, &pkt, frame, caplen, &sum);
	for (unsigned i = 0; r == RASFLOW_DEC_OK && p->tunnel != RASFLOW_TUN_NONE; i ^= 1) {
		uint64_t before = st.tunneled;

		memset(&in[i], 0xa5, sizeof(in[i]));
		r = rasflow_decode_inner(p, &in[i], &st);
		if (in[i].depth != p->depth + 1 || st.frames != 1 ||
		    st.tunneled != before + (r == RASFLOW_DEC_OK))
			__builtin_trap();
		check(r, &in[i], frame, caplen, &sum);
		p = &in[i];
	}
	sink = sum;
	(void)sink;
	return 0;
}
