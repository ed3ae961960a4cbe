/* dpi.c — nDPI 4.2 behind dpi.h: per-flow state fed the flow's packets (L3
 * onward, packet time in ms) the way ndpiReader 4.2 feeds them, minus the
 * TCP packets without payload, which do not change its answers; freed when
 * detection is complete, given up or the TCP connection closed.
 *
 * The only file that includes nDPI headers. It does not classify edges.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <ndpi/ndpi_api.h>

#include "rasflow/dpi.h"

struct rasflow_dpi {
	struct ndpi_detection_module_struct *ndpi;
	struct rasflow_dpi_opts opts;
	struct rasflow_dpi_stats stats;
	struct ndpi_flow_struct *scratch; /* answers flows without payload (see reserve) */
	char reserved;			/* f->dpi = &reserved: a slot without nDPI state */
	size_t live, live_peak;		/* flows holding nDPI state; most since the last trim */
};

/* The last nDPI state is gone (at the end of a capture, as its flows are
 * flushed): hand the heap pages they held back to the system before the
 * analysis builds its tables, if there were enough of them to matter. */
static void trim(struct rasflow_dpi *d)
{
	if (d->live_peak < 4096)
		return;
	d->live_peak = 0;
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* Per-flow state: nDPI's flow (688 bytes in 4.2, zeroed before use). */
struct dpi_flow {
	struct ndpi_flow_struct nf;	/* last: nDPI sizes it at run time */
};

void rasflow_dpi_default_opts(struct rasflow_dpi_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_packets = 80;		/* ndpiReader's limits: 80 TCP (telnet needs them) */
	o->max_packets_udp = 24;	/* ... and 24 UDP packets */
	o->max_states = 65536;		/* x ~1 KiB of nDPI state = ~64 MiB at most */
}

struct rasflow_dpi *rasflow_dpi_new(const struct rasflow_dpi_opts *o)
{
	struct rasflow_dpi *d = calloc(1, sizeof(*d));
	NDPI_PROTOCOL_BITMASK all;

	if (d == NULL)
		return NULL;
	d->opts = *o;
	d->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
	if (d->ndpi == NULL) {
		free(d);
		return NULL;
	}
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(d->ndpi, &all);
	ndpi_finalize_initialization(d->ndpi);
	d->stats.state_size = sizeof(struct dpi_flow) - sizeof(struct ndpi_flow_struct) +
			      ndpi_detection_get_sizeof_ndpi_flow_struct();
	d->scratch = calloc(1, ndpi_detection_get_sizeof_ndpi_flow_struct());
	if (d->scratch == NULL) {
		ndpi_exit_detection_module(d->ndpi);
		free(d);
		return NULL;
	}
	return d;
}

void rasflow_dpi_free(struct rasflow_dpi *d)
{
	if (d == NULL)
		return;
	ndpi_exit_detection_module(d->ndpi);
	free(d->scratch);
	free(d);
}

const char *rasflow_dpi_version(void)
{
	return ndpi_revision();
}

void rasflow_dpi_flow_new(struct rasflow_dpi *d, struct rasflow_flow *f)
{
	(void)d;
	f->want_pkts = true;
	f->dpi = NULL;
}

/* Drop a flow's nDPI state and stop feeding it. */
static void release(struct rasflow_dpi *d, struct rasflow_flow *f)
{
	struct dpi_flow *df = f->dpi;

	if (df != NULL) {
		if (f->dpi != &d->reserved) {
			ndpi_free_flow_data(&df->nf);
			free(df);
			if (--d->live == 0)
				trim(d);
		}
		d->stats.active--;
	}
	f->dpi = NULL;
	f->want_pkts = false;
}

/* Report the server name nDPI extracted, if any. */
static void report_names(struct rasflow_dpi *d, struct rasflow_flow *f, struct dpi_flow *df)
{
	const char *name = df->nf.host_server_name;
	rasflow_ts since = rasflow_flow_start(f);

	if (d->opts.on_name == NULL || name[0] == '\0')
		return;
	if (df->nf.detected_protocol_stack[0] == NDPI_PROTOCOL_DNS ||
	    df->nf.detected_protocol_stack[1] == NDPI_PROTOCOL_DNS) {
		struct rasflow_addr a;

		if (df->nf.protos.dns.num_answers == 0)
			return;
		if (df->nf.protos.dns.rsp_type == 1 /* A */)
			rasflow_addr_from_v4(&a, (const uint8_t *)&df->nf.protos.dns.rsp_addr.ipv4);
		else if (df->nf.protos.dns.rsp_type == 28 /* AAAA */)
			rasflow_addr_from_v6(&a, (const uint8_t *)&df->nf.protos.dns.rsp_addr.ipv6);
		else
			return;
		d->opts.on_name(d->opts.user, &a, name, since);
		return;
	}
	d->opts.on_name(d->opts.user, &f->dst, name, since);
}

/* Copy nDPI's current answer into the flow. As ndpiReader prints it, the
 * state follows nDPI's confidence: inspection (or its cache) detects, a port
 * or address match only guesses. */
static void record(struct rasflow_flow *f, const struct ndpi_flow_struct *nf, ndpi_protocol proto)
{
	f->app_master = proto.master_protocol;
	f->app_proto = proto.app_protocol;
	f->app_risk = nf->risk;
	if (proto.master_protocol == NDPI_PROTOCOL_UNKNOWN &&
	    proto.app_protocol == NDPI_PROTOCOL_UNKNOWN)
		f->app_state = RASFLOW_APP_NONE;
	else if (nf->confidence == NDPI_CONFIDENCE_DPI ||
		 nf->confidence == NDPI_CONFIDENCE_DPI_CACHE)
		f->app_state = RASFLOW_APP_DETECTED;
	else
		f->app_state = RASFLOW_APP_GUESSED;
}

/* Count a flow's final answer in the stats. */
static void count_outcome(struct rasflow_dpi *d, const struct rasflow_flow *f)
{
	if (f->app_state == RASFLOW_APP_DETECTED)
		d->stats.detected++;
	else if (f->app_state == RASFLOW_APP_GUESSED)
		d->stats.guessed++;
	else
		d->stats.unknown++;
}

/* Inspection of a flow is over: record nDPI's final answer (asking it to
 * give up, with guessing, when it has none yet, as ndpiReader does), report
 * the server name, count the outcome and free the state. */
static void complete(struct rasflow_dpi *d, struct rasflow_flow *f, struct dpi_flow *df,
		     ndpi_protocol proto, bool ended)
{
	if (f->dpi == &d->reserved) {
		/* the answer was recorded when the slot was reserved */
		count_outcome(d, f);
		release(d, f);
		return;
	}
	if (ended || proto.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
		uint8_t guessed = 0;

		proto = ndpi_detection_giveup(d->ndpi, &df->nf, 1, &guessed);
	}
	record(f, &df->nf, proto);
	count_outcome(d, f);
	report_names(d, f, df);
	release(d, f);
}

/* Count a new holder of a slot under max_states. */
static void count_slot(struct rasflow_dpi *d)
{
	d->stats.flows++;
	if (++d->stats.active > d->stats.peak)
		d->stats.peak = d->stats.active;
}

/* Give a flow nDPI state; false (and the flow is no longer fed) when the
 * max_states cap or memory says no. A flow holding a reserved slot keeps
 * the slot (and its answer, when memory says no). */
static bool attach(struct rasflow_dpi *d, struct rasflow_flow *f)
{
	bool reserved = f->dpi == &d->reserved;
	struct dpi_flow *df = NULL;

	if (reserved || d->stats.active < d->opts.max_states)
		df = calloc(1, d->stats.state_size);
	if (df == NULL) {
		if (!reserved)
			d->stats.skipped++;
		f->want_pkts = reserved;
		return false;
	}
	f->dpi = df;
	if (!reserved)
		count_slot(d);
	if (++d->live > d->live_peak)
		d->live_peak = d->live;
	return true;
}

/* One packet to nDPI: from its IP header, packet time in milliseconds. */
static ndpi_protocol feed(struct rasflow_dpi *d, struct ndpi_flow_struct *nf,
			  const struct rasflow_pkt *p, rasflow_ts ts)
{
	d->stats.packets++;
	return ndpi_detection_process_packet(d->ndpi, nf, p->l3,
					     p->l3_caplen > 0xffff ? 0xffff :
								 (unsigned short)p->l3_caplen,
					     ts / 1000);
}

/* A TCP flow that begins without payload takes a slot but no nDPI state:
 * its answer, should no payload ever come, is what nDPI gives up with after
 * its first packet, worked out at once on the scratch state. */
static void reserve(struct rasflow_dpi *d, struct rasflow_flow *f, const struct rasflow_pkt *p,
		    rasflow_ts ts)
{
	struct ndpi_flow_struct *nf = d->scratch;
	uint8_t guessed = 0;
	ndpi_protocol proto;

	memset(nf, 0, ndpi_detection_get_sizeof_ndpi_flow_struct());
	feed(d, nf, p, ts);
	proto = ndpi_detection_giveup(d->ndpi, nf, 1, &guessed);
	record(f, nf, proto);
	ndpi_free_flow_data(nf);
	f->dpi = &d->reserved;
	count_slot(d);
}

void rasflow_dpi_flow_packet(struct rasflow_dpi *d, struct rasflow_flow *f,
			     const struct rasflow_pkt *p, int dir, rasflow_ts ts)
{
	static const ndpi_protocol none = { NDPI_PROTOCOL_UNKNOWN, NDPI_PROTOCOL_UNKNOWN,
					    NDPI_PROTOCOL_CATEGORY_UNSPECIFIED };
	struct dpi_flow *df;
	ndpi_protocol proto;
	unsigned limit;
	bool enough, closed, extra;

	(void)dir;
	if (p->l3 == NULL || p->l3_caplen == 0)
		return;
	/* ndpiReader's limit counts every packet of the flow */
	limit = f->proto == 17 ? d->opts.max_packets_udp : d->opts.max_packets;
	enough = (uint64_t)f->pkts[0] + f->pkts[1] > limit;
	/* a closed TCP flow carries no more data: nDPI's answer is final */
	closed = f->proto == 6 && (f->rst[0] || f->rst[1] || (f->fin[0] && f->fin[1]));
	if (f->proto == 6 && (p->payload_wire == 0 || p->l3_caplen < p->ip_len)) {
		/* nDPI 4.2 answers a flow with data the same whether or not it
		 * saw the TCP packets without payload (tests/check_ndpi_out.py),
		 * so they are not fed; nor are packets cut short, which nDPI
		 * takes for invalid. Flows that begin without data (SYN floods,
		 * unanswered attempts) get a slot only while fewer than half of
		 * max_states are in use, so they cannot crowd out real flows. */
		if (f->dpi == NULL) {
			if (d->stats.active >= d->opts.max_states / 2)
				return;
			reserve(d, f, p, ts);
		}
		if (enough || closed)
			complete(d, f, f->dpi, none, true);
		return;
	}
	if (f->dpi == NULL && p->payload_wire == 0 && d->stats.active >= d->opts.max_states / 2)
		return;		/* the same for other protocols, fed from their first packet */
	if ((f->dpi == NULL || f->dpi == &d->reserved) && !attach(d, f))
		return;
	df = f->dpi;
	proto = feed(d, &df->nf, p, ts);
	if (proto.app_protocol != NDPI_PROTOCOL_UNKNOWN)
		record(f, &df->nf, proto);
	if (!enough && !closed && proto.app_protocol == NDPI_PROTOCOL_UNKNOWN)
		return;
	/* detected: keep feeding while nDPI still wants to see more (the TLS
	 * certificate, the DNS answer, the HTTP response...) */
	extra = proto.app_protocol != NDPI_PROTOCOL_UNKNOWN &&
		ndpi_extra_dissection_possible(d->ndpi, &df->nf);
	if (!enough && !closed && extra)
		return;
	/* a flow closed while nDPI wanted more ends as at the end of the flow */
	complete(d, f, df, proto, closed && !enough && extra);
}

void rasflow_dpi_flow_end(struct rasflow_dpi *d, struct rasflow_flow *f)
{
	struct dpi_flow *df = f->dpi;
	ndpi_protocol proto = { NDPI_PROTOCOL_UNKNOWN, NDPI_PROTOCOL_UNKNOWN,
				NDPI_PROTOCOL_CATEGORY_UNSPECIFIED };

	if (df == NULL) {
		f->want_pkts = false;
		return;
	}
	complete(d, f, df, proto, true);
}

const char *rasflow_dpi_app_name(const struct rasflow_dpi *d, uint16_t master, uint16_t proto,
				 char *buf, size_t len)
{
	ndpi_protocol p = { master, proto, NDPI_PROTOCOL_CATEGORY_UNSPECIFIED };

	if (d == NULL || (master == NDPI_PROTOCOL_UNKNOWN && proto == NDPI_PROTOCOL_UNKNOWN))
		return NULL;
	if (master == proto)
		p.master_protocol = NDPI_PROTOCOL_UNKNOWN;
	return ndpi_protocol2name(d->ndpi, p, buf, (u_int)len);
}

int rasflow_dpi_name_matches(const char *name, const char *expected)
{
	const char *dot = strchr(name, '.');
	size_t n1 = dot ? (size_t)(dot - name) : strlen(name);
	const char *part2 = dot ? dot + 1 : NULL;
	const char *e = expected;

	while (*e) {
		size_t n = strcspn(e, "|");

		if ((n == n1 && strncmp(e, name, n) == 0) ||
		    (part2 && n == strlen(part2) && strncmp(e, part2, n) == 0) ||
		    (n == strlen(name) && strncmp(e, name, n) == 0))
			return 1;
		e += n;
		if (*e == '|')
			e++;
	}
	return 0;
}

const char *rasflow_dpi_risk_str(uint64_t risk, char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (int i = 1; i < NDPI_MAX_RISK && i < 64; i++) {
		const char *s;
		int n;

		if (!(risk & (1ULL << i)))
			continue;
		s = ndpi_risk2str((ndpi_risk_enum)i);
		n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", s);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	return buf;
}

const struct rasflow_dpi_stats *rasflow_dpi_stats(const struct rasflow_dpi *d)
{
	return &d->stats;
}
