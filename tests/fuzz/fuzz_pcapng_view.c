/* fuzz_pcapng_view.c — libFuzzer target for the pcapng views (pcapng_view.h).
 *
 * Input: a pcapng file (or anything). Its link types are listed as capture.c
 * lists them; then, for each type listed (or type 1 when none is), the view
 * of that type is read twice: once whole with fread, where every byte must
 * come back in bounded time and the view must end, and once through
 * libpcap, as capture.c reads it, touching every packet's captured bytes so
 * ASan sees a bad length. The first view also counts packets no view reads.
 */
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rasflow/pcapng_view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *view(const uint8_t *data, size_t size, int type, const int *types, int n,
		  struct rasflow_pcapng_view_stats *st)
{
	FILE *src = fmemopen((void *)data, size, "rb");
	FILE *v;

	if (!src)
		return NULL;
	v = rasflow_pcapng_view_open(src, type, types, n, st);
	if (!v)
		fclose(src);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int types[RASFLOW_PCAPNG_MAX_TYPES] = { 1 };
	struct rasflow_pcapng_view_stats st = { 0 };
	FILE *f;
	int n;

	if (size == 0)
		return 0;		/* fmemopen refuses an empty buffer */
	f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	n = rasflow_pcapng_link_types(f, types);
	fclose(f);
	if (n < 0 || n > RASFLOW_PCAPNG_MAX_TYPES)
		abort();
	for (int i = 0; i < (n > 0 ? n : 1); i++) {
		char buf[4096], errbuf[PCAP_ERRBUF_SIZE];
		size_t total = 0, got;
		struct pcap_pkthdr *h;
		const u_char *d;
		pcap_t *p;

		/* whole: a view never holds more than the file, plus nothing */
		f = view(data, size, types[i], types, n > 0 ? n : 1, NULL);
		if (!f)
			continue;
		while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
			total += got;
		if (total > size)
			abort();
		fclose(f);

		/* through libpcap */
		f = view(data, size, types[i], types, n > 0 ? n : 1, i == 0 ? &st : NULL);
		if (!f)
			continue;
		p = pcap_fopen_offline(f, errbuf);
		if (!p) {
			fclose(f);
			continue;
		}
		while (pcap_next_ex(p, &h, &d) == 1) {
			volatile uint8_t sink = 0;

			for (uint32_t k = 0; k < h->caplen; k++)
				sink ^= d[k];
			(void)sink;
		}
		pcap_close(p);
	}
	return 0;
}
