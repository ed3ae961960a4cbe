/* appdump.c — rasflow's nDPI verdict for every flow of a capture.
 *
 *   appdump CAPTURE...
 *
 * Runs capture -> engine with the DPI hooks wired as cmd_analyze.c wires
 * them (default flow table and DPI options, no classification) and prints,
 * as each flow leaves the table, one line
 *   flow PROTO SRC:SPORT DST:DPORT APP STATE PACKETS
 * (PROTO the IP protocol number, IPv6 addresses in brackets, APP the nDPI name
 * or "Unknown", STATE none, guessed or detected, PACKETS both directions), and
 * for every server name the DPI module reports one line
 *   name ADDR NAME
 * then one line of DPI counters. tests/check_ndpi_out.py compares the flow
 * lines with nDPI's own results. Exit 0, or 1 when a capture cannot be read.
 */
#include <stdio.h>
#include <string.h>

#include "rasflow/addr.h"
#include "rasflow/capture.h"
#include "rasflow/dpi.h"
#include "rasflow/engine.h"
#include "rasflow/flow.h"

/* addr:port with IPv6 addresses in brackets. */
static const char *endpoint(const struct rasflow_addr *a, uint16_t port, char *buf, size_t len)
{
	char s[RASFLOW_ADDR_STRLEN];

	rasflow_addr_str(a, s);
	snprintf(buf, len, strchr(s, ':') ? "[%s]:%u" : "%s:%u", s, port);
	return buf;
}

static void on_new(void *user, struct rasflow_flow *f, const struct rasflow_pkt *p)
{
	(void)p;
	rasflow_dpi_flow_new(user, f);
}

static void on_packet(void *user, struct rasflow_flow *f, const struct rasflow_pkt *p, int dir,
		      rasflow_ts ts)
{
	rasflow_dpi_flow_packet(user, f, p, dir, ts);
}

static void on_end(void *user, struct rasflow_flow *f, enum rasflow_flow_end why)
{
	static const char *const states[] = { "none", "guessed", "detected" };
	char a[RASFLOW_ADDR_STRLEN + 8], b[RASFLOW_ADDR_STRLEN + 8], nb[128];
	const char *app;

	(void)why;
	rasflow_dpi_flow_end(user, f);
	app = rasflow_dpi_app_name(user, f->app_master, f->app_proto, nb, sizeof(nb));
	printf("flow %u %s %s %s %s %u\n", f->proto, endpoint(&f->src, f->sport, a, sizeof(a)),
	       endpoint(&f->dst, f->dport, b, sizeof(b)), app ? app : "Unknown",
	       f->app_state <= RASFLOW_APP_DETECTED ? states[f->app_state] : "?",
	       f->pkts[0] + f->pkts[1]);
}

static void on_name(void *user, const struct rasflow_addr *addr, const char *name,
		    rasflow_ts since)
{
	char s[RASFLOW_ADDR_STRLEN];

	(void)user;
	(void)since;
	printf("name %s %s\n", rasflow_addr_str(addr, s), name);
}

int main(int argc, char **argv)
{
	struct rasflow_errlist err = { 0 };
	struct rasflow_dpi_opts dopts;
	struct rasflow_flow_hooks hooks;
	const struct rasflow_dpi_stats *st;
	struct rasflow_capture *c;
	struct rasflow_engine *e;
	struct rasflow_dpi *d;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: appdump CAPTURE...\n");
		return 2;
	}
	c = rasflow_capture_open_offline((const char *const *)(argv + 1), (size_t)(argc - 1), NULL,
					 &err);
	if (c == NULL) {
		rasflow_err_print(&err, stderr);
		return 1;
	}
	rasflow_dpi_default_opts(&dopts);
	dopts.on_name = on_name;
	d = rasflow_dpi_new(&dopts);
	memset(&hooks, 0, sizeof(hooks));
	hooks.user = d;
	hooks.on_new = on_new;
	hooks.on_packet = on_packet;
	hooks.on_end = on_end;
	e = d != NULL ? rasflow_engine_new(NULL, &hooks) : NULL;
	if (e == NULL) {
		fprintf(stderr, "appdump: out of memory\n");
		rasflow_dpi_free(d);
		rasflow_capture_free(c);
		return 1;
	}
	rc = rasflow_capture_run(c, e, NULL, NULL, NULL, &err);
	rasflow_engine_finish(e);
	st = rasflow_dpi_stats(d);
	printf("stats flows %llu detected %llu guessed %llu unknown %llu skipped %llu",
	       (unsigned long long)st->flows, (unsigned long long)st->detected,
	       (unsigned long long)st->guessed, (unsigned long long)st->unknown,
	       (unsigned long long)st->skipped);
	printf(" packets %llu active %zu peak %zu\n", (unsigned long long)st->packets, st->active,
	       st->peak);
	if (rc != 0)
		rasflow_err_print(&err, stderr);
	rasflow_engine_free(e);
	rasflow_dpi_free(d);
	rasflow_capture_free(c);
	return rc < 0 ? 1 : 0;
}
