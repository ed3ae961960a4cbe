/* flowcount.c — count a capture's packets and flows by IP protocol.
 *
 *   flowcount [-v] CAPTURE...
 *
 * Runs rasflow's engine (capture -> decode -> flow table, default options,
 * no DPI, no classification) and prints one line
 *   packets N tcp N udp N other N undecoded N tcp_reuse N
 * where tcp/udp/other count flows as they leave the table (on_end). Used by
 * tests/check_tshark.py to compare with tshark's conversation counts. -v also
 * lists each flow as it ends and the decode failures by reason (on stderr),
 * for investigating a difference by hand.
 * Exit 0, or 1 with a message when a capture cannot be opened or read.
 */
#include <stdio.h>
#include <string.h>

#include "rasflow/addr.h"

#include "rasflow/capture.h"
#include "rasflow/engine.h"
#include "rasflow/flow.h"

struct counts {
	unsigned long long tcp, udp, other;
	int verbose;
};

static void on_end(void *user, struct rasflow_flow *f, enum rasflow_flow_end why)
{
	struct counts *n = user;

	if (n->verbose) {
		char a[RASFLOW_ADDR_STRLEN], b[RASFLOW_ADDR_STRLEN];

		fprintf(stderr, "flow %llu proto %u %s:%u -> %s:%u pkts %u/%u end %d\n",
			(unsigned long long)f->id, f->proto, rasflow_addr_str(&f->src, a),
			f->sport, rasflow_addr_str(&f->dst, b), f->dport, f->pkts[0], f->pkts[1],
			(int)why);
	}
	if (f->proto == 6)
		n->tcp++;
	else if (f->proto == 17)
		n->udp++;
	else
		n->other++;
}

int main(int argc, char **argv)
{
	struct rasflow_errlist err = { 0 };
	struct counts n = { 0 };
	struct rasflow_flow_hooks hooks = { .user = &n, .on_end = on_end };
	struct rasflow_capture *c;
	struct rasflow_engine *e;
	int rc, first = 1;

	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		n.verbose = 1;
		first = 2;
	}
	if (argc <= first) {
		fprintf(stderr, "usage: flowcount [-v] CAPTURE...\n");
		return 2;
	}
	c = rasflow_capture_open_offline((const char *const *)(argv + first),
					 (size_t)(argc - first), NULL, &err);
	if (!c) {
		rasflow_err_print(&err, stderr);
		return 1;
	}
	e = rasflow_engine_new(NULL, &hooks);
	if (!e) {
		fprintf(stderr, "flowcount: out of memory\n");
		rasflow_capture_free(c);
		return 1;
	}
	rc = rasflow_capture_run(c, e, NULL, NULL, NULL, &err);
	rasflow_engine_finish(e);
	printf("packets %llu tcp %llu udp %llu other %llu undecoded %llu tcp_reuse %llu\n",
	       (unsigned long long)e->st.packets, n.tcp, n.udp, n.other,
	       (unsigned long long)e->st.undecoded,
	       (unsigned long long)rasflow_flowtab_stats(e->ft)->tcp_reuse);
	for (int r = 1; n.verbose && r < RASFLOW_R_COUNT; r++)
		if (e->dec.reason[r])
			fprintf(stderr, "undecoded %s %llu\n",
				rasflow_dec_reason_name((enum rasflow_dec_reason)r),
				(unsigned long long)e->dec.reason[r]);
	if (rc != 0)
		rasflow_err_print(&err, stderr);
	rasflow_engine_free(e);
	rasflow_capture_free(c);
	return rc < 0 ? 1 : 0;
}
