/* bench.c — throughput and peak memory of rasflow's packet path.
 *
 *   bench [--rasflow BIN] [--runs N] [--max-flows N] [--modes M,...] [--site FILE] CAPTURE
 *
 * Each mode runs in its own child process, so its peak RSS (wait4's
 * ru_maxrss) is its own; the wall time of the best of N runs is kept:
 *   bare      pcap_next_ex over the file, touching each frame: the limit
 *             for any libpcap tool (the yardstick)
 *   bare64k   the same loop, the file read through a RASFLOW_FILE_BUFFER
 *             stdio buffer without stdio's locks, as rasflow reads it: the
 *             limit for a tool that reads as rasflow does
 *   decode    bare64k plus rasflow_decode_frame on every frame, no flow
 *             table: the engine's cost splits into decoding (decode minus
 *             bare64k) and the flow table with its read-ahead (engine minus
 *             decode)
 *   floor     decode plus the least a flow table can be: one 64-byte entry
 *             per conversation in an open-addressed array sized in advance,
 *             keyed on rasflow's tuple (both directions alike) and hashed
 *             with its mixing steps, packet and byte counts and the latest
 *             time, loaded 16 frames ahead; no growth, LRU,
 *             timeouts, TCP state, events, hooks or eviction. Not a usable
 *             tracker: a lower bound for what any flow table adds
 *   engine    rasflow's capture -> decode -> flow table path (no DPI, no
 *             classification; a mirror's copies counted, as analyze and
 *             monitor count them), flows flushed at the end
 *   nocopies  engine without looking for a mirror's copies (not a default
 *             mode): engine minus nocopies is what dedup.h costs
 *   analyze   `rasflow analyze --no-dpi -o /dev/null` (report written)
 *   dpi       `rasflow analyze -o /dev/null` (nDPI on)
 * (both with `--site FILE` when given: benchgen --farm writes one),
 * and prints packets/s, ns/packet, flows and peak RSS per mode and the ratio
 * of each to the bare loop: by wall time (best run) and by CPU time (user +
 * system of the child, best run); and page faults (the fewest of the runs),
 * which on a VM are much of the cost of fresh memory and, unlike times,
 * repeat from run to run. On a loaded machine the CPU figures are the
 * steadier ones: waiting for a core counts in wall time, not in CPU time.
 * With bare64k measured, the engine's and analyze's CPU ratios to it follow.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rasflow/capture.h"
#include "rasflow/config.h"
#include "rasflow/engine.h"
#include "rasflow/flow.h"
#include "hash.h"

struct result {
	double secs;		/* best wall time */
	double cpu;		/* best CPU time (user + system) */
	long rss_kb;		/* peak RSS (largest of the runs) */
	long faults;		/* page faults (fewest of the runs: repeatable to a few) */
	unsigned long long packets, flows;
	unsigned long long table_bytes, table_peak;	/* engine: flow table memory, peak flows */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The capture for a child's loop: read through stdio's own buffer or, when
 * buffered, through one of RASFLOW_FILE_BUFFER bytes without stdio's locks,
 * as capture.c reads files. NULL with a message. */
static pcap_t *open_capture(const char *path, bool buffered)
{
	static char iobuf[RASFLOW_FILE_BUFFER];
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;

	if (buffered) {
		FILE *f = fopen(path, "rb");

		if (f == NULL) {
			fprintf(stderr, "bench: %s: cannot open: %s\n", path, strerror(errno));
			return NULL;
		}
		setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
		__fsetlocking(f, FSETLOCKING_BYCALLER);
		p = pcap_fopen_offline(f, errbuf);
		if (p == NULL)
			fclose(f);
	} else {
		p = pcap_open_offline(path, errbuf);
	}
	if (p == NULL)
		fprintf(stderr, "bench: %s: cannot read %s\n", path, errbuf);
	return p;
}

/* Child: the bare libpcap loop (open_capture says how it reads), each
 * frame decoded when decode is set. Writes "packets flows" to fd. */
static int run_bare(const char *path, bool buffered, bool decode, int fd)
{
	struct rasflow_dec_stats ds = { 0 };
	struct rasflow_pkt pkt;
	pcap_t *p = open_capture(path, buffered);
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned long long n = 0, sum = 0;
	int dlt;

	if (p == NULL)
		return 2;
	dlt = pcap_datalink(p);
	while (pcap_next_ex(p, &h, &d) == 1) {
		n++;
		sum += d[0] + h->caplen;	/* touch the frame like any tool must */
		if (decode && rasflow_decode_frame(dlt, d, h->caplen, &pkt, &ds) == RASFLOW_DEC_OK)
			sum += pkt.sport;
	}
	pcap_close(p);
	dprintf(fd, "%llu 0 %llu\n", n, sum & 1);
	return 0;
}

/* The floor mode's table: 2^20 entries of 64 bytes in one open-addressed
 * array, sized in advance so that it never grows (a real table must, or
 * must reserve for its cap: a lower bound is the point), 64 MiB as the
 * engine takes on the stress capture, huge pages advised as for rasflow's
 * tables. Past 3/4 full (786,432 conversations) it adds no more, so that
 * probes end; its flows column then shows the cap. */
#define FLOOR_BITS 20
#define FLOOR_AHEAD 16

struct floor_ent {
	struct rasflow_addr a, b;	/* canonical order: lower (address, port) first */
	uint16_t ap, bp;
	uint8_t proto, used, flags, pad;
	uint32_t pkts[2];		/* per direction, [0] = from a */
	uint64_t bytes, last;
};

struct floor_key {
	struct floor_ent k;		/* a, b, ap, bp, proto, flags */
	uint32_t hash;
	uint8_t dir;
	uint32_t len;
	uint64_t ts;
};

struct floor_tab {
	struct floor_ent *e;
	size_t mask;			/* entries - 1 */
	size_t n;			/* entries used: conversations */
};

static uint32_t floor_hash(const struct floor_ent *k)
{
	uint64_t h = (uint64_t)k->proto << 32 | (uint64_t)k->ap << 16 | k->bp;

	h = rasflow_hash_round(h, rasflow_addr_half(&k->a, 0));
	h = rasflow_hash_round(h, rasflow_addr_half(&k->a, 1));
	h = rasflow_hash_round(h, rasflow_addr_half(&k->b, 0));
	h = rasflow_hash_round(h, rasflow_addr_half(&k->b, 1));
	return (uint32_t)rasflow_hash_final(h);
}

static void floor_key(const struct rasflow_pkt *p, uint64_t ts, struct floor_key *k)
{
	int c = memcmp(&p->src, &p->dst, sizeof(p->src));
	bool swap = c > 0 || (c == 0 && p->sport > p->dport);

	k->k.a = swap ? p->dst : p->src;
	k->k.b = swap ? p->src : p->dst;
	k->k.ap = swap ? p->dport : p->sport;
	k->k.bp = swap ? p->sport : p->dport;
	k->k.proto = p->proto;
	k->k.flags = p->tcp_flags;
	k->dir = swap;
	k->len = p->ip_len;
	k->ts = ts;
	k->hash = floor_hash(&k->k);
}

static struct floor_ent *floor_map(size_t entries)
{
	size_t size = entries * sizeof(struct floor_ent);
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	madvise(m, size, MADV_HUGEPAGE);
	return m;
}

static void floor_update(struct floor_tab *t, const struct floor_key *k)
{
	for (size_t i = k->hash & t->mask;; i = (i + 1) & t->mask) {
		struct floor_ent *e = &t->e[i];

		if (!e->used) {
			if (t->n >= t->mask / 4 * 3)
				return;		/* full: the conversation is not counted */
			*e = k->k;
			e->used = 1;
			t->n++;
		} else if (e->ap != k->k.ap || e->bp != k->k.bp || e->proto != k->k.proto ||
			   !rasflow_addr_eq(&e->a, &k->k.a) || !rasflow_addr_eq(&e->b, &k->k.b)) {
			continue;
		}
		e->pkts[k->dir]++;
		e->bytes += k->len;
		e->flags |= k->k.flags;
		e->last = k->ts;
		return;
	}
}

/* Child: the floor mode (see the top of the file). */
static int run_floor(const char *path, int fd)
{
	static struct floor_key ring[FLOOR_AHEAD];
	struct rasflow_dec_stats ds = { 0 };
	struct floor_tab t = { floor_map((size_t)1 << FLOOR_BITS), ((size_t)1 << FLOOR_BITS) - 1, 0 };
	struct rasflow_pkt pkt;
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned long long n = 0;
	unsigned long head = 0, tail = 0;
	pcap_t *p;
	int dlt;

	if (t.e == NULL) {
		fprintf(stderr, "bench: floor: no memory for its table\n");
		return 2;
	}
	if ((p = open_capture(path, true)) == NULL)
		return 2;
	dlt = pcap_datalink(p);
	while (pcap_next_ex(p, &h, &d) == 1) {
		struct floor_key *k;

		n++;
		if (rasflow_decode_frame(dlt, d, h->caplen, &pkt, &ds) != RASFLOW_DEC_OK ||
		    pkt.frag == RASFLOW_FRAG_LATER)
			continue;
		k = &ring[head++ % FLOOR_AHEAD];
		floor_key(&pkt, (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec, k);
		__builtin_prefetch(&t.e[k->hash & t.mask], 1, 3);
		if (head - tail == FLOOR_AHEAD)
			floor_update(&t, &ring[tail++ % FLOOR_AHEAD]);
	}
	while (tail < head)
		floor_update(&t, &ring[tail++ % FLOOR_AHEAD]);
	pcap_close(p);
	dprintf(fd, "%llu %zu\n", n, t.n);
	return 0;
}

/* Child: capture -> engine, no hooks; copies: what it does with a mirror's
 * copies (analyze and monitor count them). */
static int run_engine(const char *path, size_t max_flows, enum rasflow_copies copies, int fd)
{
	struct rasflow_errlist err = { 0 };
	struct rasflow_capture_opts co;
	struct rasflow_flowtab_opts fo;
	struct rasflow_capture *c;
	struct rasflow_engine *e;
	const char *paths[1] = { path };

	rasflow_capture_default_opts(&co);
	rasflow_flowtab_default_opts(&fo);
	if (max_flows)
		fo.max_flows = max_flows;
	c = rasflow_capture_open_offline(paths, 1, &co, &err);
	e = rasflow_engine_new(&fo, NULL);
	if (e != NULL && rasflow_engine_copies(e, copies) < 0) {
		rasflow_engine_free(e);
		e = NULL;
	}
	if (c == NULL || e == NULL) {
		rasflow_err_print(&err, stderr);
		return 2;
	}
	rasflow_capture_run(c, e, NULL, NULL, NULL, &err);
	rasflow_engine_finish(e);
	dprintf(fd, "%llu %llu 0 %llu %llu\n", (unsigned long long)e->st.packets,
		(unsigned long long)rasflow_flowtab_stats(e->ft)->created,
		(unsigned long long)rasflow_flowtab_stats(e->ft)->bytes,
		(unsigned long long)rasflow_flowtab_stats(e->ft)->peak);
	rasflow_engine_free(e);
	rasflow_capture_free(c);
	return 0;
}

/* Run one mode `runs` times in children; keep the fastest. */
static int measure(const char *mode, const char *path, const char *bin, const char *site,
		   size_t max_flows, int runs, struct result *best)
{
	best->secs = 0;
	best->cpu = 0;
	for (int r = 0; r < runs; r++) {
		int pfd[2], status;
		struct rusage ru;
		double t0, t;
		pid_t pid;
		char buf[128] = "";
		unsigned long long pk = 0, fl = 0, x = 0, tb = 0, tp = 0;

		if (pipe(pfd) != 0)
			return -1;
		t0 = now();
		pid = fork();
		if (pid == 0) {
			close(pfd[0]);
			if (strcmp(mode, "bare") == 0)
				_exit(run_bare(path, false, false, pfd[1]));
			if (strcmp(mode, "bare64k") == 0 || strcmp(mode, "decode") == 0)
				_exit(run_bare(path, true, strcmp(mode, "decode") == 0, pfd[1]));
			if (strcmp(mode, "floor") == 0)
				_exit(run_floor(path, pfd[1]));
			if (strcmp(mode, "engine") == 0)
				_exit(run_engine(path, max_flows, RASFLOW_COPIES_COUNT, pfd[1]));
			if (strcmp(mode, "nocopies") == 0)
				_exit(run_engine(path, max_flows, RASFLOW_COPIES_IGNORE, pfd[1]));
			dup2(open("/dev/null", O_WRONLY), 1);
			{
				char mf[32];
				const char *av[16];
				int n = 0;

				snprintf(mf, sizeof(mf), "%zu", max_flows ? max_flows : 1000000);
				av[n++] = bin;
				av[n++] = "analyze";
				if (strcmp(mode, "analyze") == 0)
					av[n++] = "--no-dpi";
				if (site != NULL) {
					av[n++] = "--site";
					av[n++] = site;
				}
				av[n++] = "--max-flows";
				av[n++] = mf;
				av[n++] = "--fail-on";
				av[n++] = "";
				av[n++] = "-o";
				av[n++] = "/dev/null";
				av[n++] = path;
				av[n] = NULL;
				execv(bin, (char *const *)av);
			}
			perror(bin);
			_exit(127);
		}
		close(pfd[1]);
		if (read(pfd[0], buf, sizeof(buf) - 1) > 0)
			sscanf(buf, "%llu %llu %llu %llu %llu", &pk, &fl, &x, &tb, &tp);
		close(pfd[0]);
		wait4(pid, &status, 0, &ru);
		t = now() - t0;
		if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
			fprintf(stderr, "bench: mode %s failed (status %d)\n", mode, status);
			return -1;
		}
		double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;

		if (best->cpu == 0 || cpu < best->cpu)
			best->cpu = cpu;
		if (ru.ru_maxrss > best->rss_kb)
			best->rss_kb = ru.ru_maxrss;
		if (best->faults == 0 || ru.ru_minflt + ru.ru_majflt < best->faults)
			best->faults = ru.ru_minflt + ru.ru_majflt;
		if (best->secs == 0 || t < best->secs) {
			best->secs = t;
			if (pk)
				best->packets = pk, best->flows = fl;
			best->table_bytes = tb;
			best->table_peak = tp;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "rasflow", required_argument, NULL, 'b' },
		{ "runs", required_argument, NULL, 'r' },
		{ "max-flows", required_argument, NULL, 'm' },
		{ "modes", required_argument, NULL, 'M' },
		{ "site", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 } };
	const char *bin = "build/rasflow", *site = NULL;
	const char *modes = "bare,bare64k,decode,floor,engine,analyze,dpi";
	size_t max_flows = 0;
	int runs = 3, c;
	struct result bare = { 0 }, engine = { 0 }, bare64k = { 0 }, analyze = { 0 }, floor = { 0 };

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'b': bin = optarg; break;
		case 'r': runs = atoi(optarg); break;
		case 'm': max_flows = strtoul(optarg, NULL, 10); break;
		case 'M': modes = optarg; break;
		case 's': site = optarg; break;
		default:
			fprintf(stderr, "usage: bench [--rasflow BIN] [--runs N] [--max-flows N] "
					"[--modes bare,bare64k,decode,floor,engine,nocopies,analyze,dpi] [--site FILE] "
					"CAPTURE\n");
			return 2;
		}
	}
	if (optind != argc - 1 || runs < 1) {
		fprintf(stderr, "bench: one capture file expected\n");
		return 2;
	}
	if (measure("bare", argv[optind], bin, site, max_flows, runs, &bare) != 0)
		return 1;
	printf("%-8s %12s %10s %8s %10s %10s %8s %8s %8s\n", "mode", "packets/s", "ns/packet",
	       "vs bare", "cpu ns/pkt", "flows", "peak RSS", "cpu vs", "faults");
	for (const char *m = modes; *m;) {
		size_t n = strcspn(m, ",");
		char mode[16];
		struct result r = { 0 };

		snprintf(mode, sizeof(mode), "%.*s", (int)n, m);
		m += n + (m[n] == ',');
		if (strcmp(mode, "bare") == 0)
			r = bare;
		else if (measure(mode, argv[optind], bin, site, max_flows, runs, &r) != 0)
			return 1;
		if (r.packets == 0)
			r.packets = bare.packets;
		if (strcmp(mode, "engine") == 0)
			engine = r;
		if (strcmp(mode, "bare64k") == 0)
			bare64k = r;
		if (strcmp(mode, "analyze") == 0)
			analyze = r;
		if (strcmp(mode, "floor") == 0)
			floor = r;
		printf("%-8s %12.0f %10.1f %7.0f%% %10.1f %10llu %4ld MiB %7.0f%% %8ld\n", mode,
		       (double)r.packets / r.secs, r.secs * 1e9 / (double)r.packets,
		       100.0 * bare.secs / r.secs, r.cpu * 1e9 / (double)r.packets, r.flows,
		       r.rss_kb / 1024, 100.0 * bare.cpu / r.cpu, r.faults);
	}
	printf("(%llu packets; best of %d runs; times of the whole process, including "
	       "start-up: packets/s and ns/packet from wall time, cpu ns/pkt from user + "
	       "system time)\n", bare.packets, runs);
	if (bare64k.cpu > 0 && floor.cpu > 0)
		printf("floor: %.0f%% of bare64k (CPU)\n", 100.0 * bare64k.cpu / floor.cpu);
	if (bare64k.cpu > 0 && engine.cpu > 0)
		printf("engine: %.0f%% of bare64k (CPU)\n", 100.0 * bare64k.cpu / engine.cpu);
	if (bare64k.cpu > 0 && analyze.cpu > 0)
		printf("analyze: %.0f%% of bare64k (CPU)\n", 100.0 * bare64k.cpu / analyze.cpu);
	if (engine.table_peak > 0)
		printf("engine flow table: %llu bytes at its peak of %llu flows, %.1f bytes per "
		       "flow\n", engine.table_bytes, engine.table_peak,
		       (double)engine.table_bytes / (double)engine.table_peak);
	return 0;
}
