/* pipeline.c — the wiring `analyze`, `monitor` and the pipeline fuzzer share.
 *
 * Rules and site loading, nDPI start-up, the engine hooks that feed DPI and
 * the analysis, the capture summary and the final report. Messages go to
 * stderr as the commands word them; exit statuses stay with the commands.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rasflow/err.h"
#include "rasflow/pipeline.h"

int rasflow_pipeline_load(const char *rules, const char *site, struct rasflow_ruleset **rs,
			  struct rasflow_site **out_site)
{
	struct rasflow_errlist errs;

	*rs = NULL;
	*out_site = NULL;
	memset(&errs, 0, sizeof(errs));
	*rs = rules ? rasflow_rules_load(rules, &errs) : rasflow_rules_builtin(&errs);
	if (*rs == NULL) {
		if (errs.n == 0)
			fprintf(stderr, "%s: cannot load the rules (out of memory)\n",
				rules ? rules : "built-in rules");
		rasflow_err_print(&errs, stderr);
		return -1;
	}
	if (site == NULL)
		return 0;
	memset(&errs, 0, sizeof(errs));
	*out_site = rasflow_site_load(site, *rs, &errs);
	if (*out_site == NULL) {
		if (errs.n == 0)
			fprintf(stderr, "%s: cannot load the site (out of memory)\n", site);
		rasflow_err_print(&errs, stderr);
		rasflow_rules_free(*rs);
		*rs = NULL;
		return -1;
	}
	return 0;
}

/* A name nDPI found (TLS SNI, HTTP Host, DNS answer) goes to the analysis. */
static void on_name(void *user, const struct rasflow_addr *a, const char *name,
		    rasflow_ts since)
{
	struct rasflow_pipeline *p = user;
	int err;

	if (p->an == NULL)
		return;
	err = rasflow_analysis_name(p->an, a, name, since);
	if (err && p->err == 0)
		p->err = err;
}

static const char *app_name(void *ctx, uint16_t master, uint16_t proto, char *buf, size_t len)
{
	return rasflow_dpi_app_name(ctx, master, proto, buf, len);
}

int rasflow_pipeline_dpi_start(struct rasflow_pipeline *p, const char *cmd,
			       struct rasflow_analysis_opts *ao)
{
	struct rasflow_dpi_opts dopts;

	rasflow_dpi_default_opts(&dopts);
	dopts.on_name = on_name;
	dopts.user = p;
	p->dpi = rasflow_dpi_new(&dopts);
	if (p->dpi == NULL) {
		fprintf(stderr, "rasflow %s: cannot start nDPI (out of memory)\n", cmd);
		return -1;
	}
	ao->app_name = app_name;
	ao->app_ctx = p->dpi;
	return 0;
}

static bool hook_service_port(void *user, uint8_t proto, uint16_t port)
{
	struct rasflow_pipeline *p = user;

	return rasflow_rules_known_port(p->rs, proto, port);
}

static void hook_new(void *user, struct rasflow_flow *f, const struct rasflow_pkt *pkt)
{
	struct rasflow_pipeline *p = user;

	(void)pkt;
	if (p->dpi != NULL)
		rasflow_dpi_flow_new(p->dpi, f);
	if (p->watch.on_new != NULL)
		p->watch.on_new(p->watch.user, f);
}

static void hook_packet(void *user, struct rasflow_flow *f, const struct rasflow_pkt *pkt, int dir,
			rasflow_ts ts)
{
	struct rasflow_pipeline *p = user;
	uint8_t before = f->app_state;

	if (p->dpi == NULL)
		return;
	rasflow_dpi_flow_packet(p->dpi, f, pkt, dir, ts);
	if (p->watch.on_app != NULL && before != RASFLOW_APP_DETECTED &&
	    f->app_state == RASFLOW_APP_DETECTED)
		p->watch.on_app(p->watch.user, f, ts);
}

static void hook_event(void *user, struct rasflow_flow *f, int event, rasflow_ts ts)
{
	struct rasflow_pipeline *p = user;

	p->watch.on_event(p->watch.user, f, event, ts);
}

static void hook_end(void *user, struct rasflow_flow *f, enum rasflow_flow_end why)
{
	struct rasflow_pipeline *p = user;
	int err;

	if (p->dpi != NULL)
		rasflow_dpi_flow_end(p->dpi, f);
	if (p->watch.on_end != NULL)
		p->watch.on_end(p->watch.user, f, why);
	err = rasflow_analysis_flow(p->an, f);
	if (err && p->err == 0)
		p->err = err;
}

void rasflow_pipeline_hooks(struct rasflow_pipeline *p, struct rasflow_flow_hooks *h)
{
	memset(h, 0, sizeof(*h));
	h->user = p;
	h->is_service_port = hook_service_port;
	/* only hooks with work to do: the engine keeps each frame's bytes
	 * for read-ahead while a hook is given packets (engine.h) */
	h->on_new = p->dpi != NULL || p->watch.on_new != NULL ? hook_new : NULL;
	h->on_packet = p->dpi != NULL ? hook_packet : NULL;
	h->on_event = p->watch.on_event != NULL ? hook_event : NULL;
	h->on_end = hook_end;
}

struct rasflow_engine *rasflow_pipeline_engine(struct rasflow_pipeline *p, const char *cmd,
					       size_t max_flows, bool dedup)
{
	struct rasflow_flow_hooks hooks;
	struct rasflow_flowtab_opts fopts;
	struct rasflow_engine *eng;

	rasflow_pipeline_hooks(p, &hooks);
	rasflow_flowtab_default_opts(&fopts);
	if (max_flows)
		fopts.max_flows = max_flows;
	eng = rasflow_engine_new(&fopts, &hooks);
	if (eng != NULL &&
	    rasflow_engine_copies(eng, dedup ? RASFLOW_COPIES_DROP : RASFLOW_COPIES_COUNT) < 0) {
		rasflow_engine_free(eng);
		eng = NULL;
	}
	if (eng == NULL)
		fprintf(stderr, "rasflow %s: out of memory\n", cmd);
	return eng;
}

void rasflow_pipeline_capture_info(struct rasflow_capture_info *ci,
				   const struct rasflow_engine *eng, const char *const *files,
				   size_t nfiles)
{
	memset(ci, 0, sizeof(*ci));
	ci->files = files;
	ci->nfiles = nfiles;
	ci->packets = eng->st.packets;
	ci->bytes = eng->st.wire_bytes;
	ci->start = eng->st.packets ? eng->st.first_ts : 0;
	ci->end = eng->st.packets ? eng->st.last_ts : 0;
	ci->decode_errors = eng->st.undecoded;
	ci->copies = eng->st.copies;
	ci->copies_sought = eng->dedup != NULL;
	ci->copies_dropped = eng->drop_copies;
	ci->dec = &eng->dec;
	ci->flows = rasflow_engine_flow_stats(eng);
}

int rasflow_pipeline_finish(struct rasflow_pipeline *p, const char *cmd,
			    const struct rasflow_capture_info *ci)
{
	int err = rasflow_analysis_finish(p->an, ci);

	if (err < 0)
		fprintf(stderr, "rasflow %s: out of memory while classifying\n", cmd);
	return err;
}

int rasflow_pipeline_report(const struct rasflow_pipeline *p, enum rasflow_report_format fmt,
			    struct rasflow_report_opts *ro, FILE *out, const char *output)
{
	int err;

	ro->ndpi_version = p->dpi != NULL ? rasflow_dpi_version() : NULL;
	if (fmt == RASFLOW_FMT_TEXT) {
		bool tty = isatty(fileno(out));
		const char *nc = getenv("NO_COLOR");

		ro->utf8 = tty;
		ro->color = tty && (nc == NULL || *nc == '\0');
		err = rasflow_report_text(p->an, ro, out);
	} else if (fmt == RASFLOW_FMT_JSON) {
		err = rasflow_report_json(p->an, ro, out);
	} else if (fmt == RASFLOW_FMT_DOT) {
		err = rasflow_report_dot(p->an, ro, out);
	} else {
		err = rasflow_report_jsonl(p->an, ro, out);
	}
	if (err == 0 && fflush(out) != 0)
		err = RASFLOW_EIO;
	if (err < 0)
		fprintf(stderr, "%s: cannot write the report%s\n",
			output ? output : "standard output",
			err == RASFLOW_ENOMEM ? " (out of memory)" : "");
	return err;
}
