/* out.c — writes rasgen's frames as a pcap (pcap_dump) or pcapng file.
 *
 * libpcap 1.10 cannot write pcapng, so the three block types needed (SHB,
 * IDB, EPB; microsecond timestamps, host byte order) are written here.
 * Frames longer than the snaplen are cut (caplen < len). The "damage
 * truncate" setting stops the file halfway through the last record.
 */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "rasgen.h"

#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101
#define LINKTYPE_LINUX_SLL2 276

int rg_linktype(const struct rg_settings *set)
{
	switch (set->link) {
	case RG_LINK_SLL2:
		return LINKTYPE_LINUX_SLL2;
	case RG_LINK_RAW:
		return LINKTYPE_RAW;
	default:
		return LINKTYPE_ETHERNET;
	}
}

static int dlt_of(const struct rg_settings *set)
{
	switch (set->link) {
	case RG_LINK_SLL2:
		return DLT_LINUX_SLL2;
	case RG_LINK_RAW:
		return DLT_RAW;
	default:
		return DLT_EN10MB;
	}
}

static uint32_t caplen_of(const struct scn *s, const struct rg_frame *f)
{
	return f->len > s->set.snaplen ? s->set.snaplen : f->len;
}

static int write_pcap(const struct scn *s, const struct rg_frames *fr, FILE *fp, char *err,
		      size_t errlen)
{
	pcap_t *p = pcap_open_dead(dlt_of(&s->set), (int)s->set.snaplen);
	pcap_dumper_t *d;
	int rc = 0;

	if (p == NULL) {
		snprintf(err, errlen, "pcap_open_dead failed");
		fclose(fp);
		return -1;
	}
	d = pcap_dump_fopen(p, fp);	/* owns fp from here on */
	if (d == NULL) {
		snprintf(err, errlen, "pcap_dump_fopen: %s", pcap_geterr(p));
		pcap_close(p);
		fclose(fp);
		return -1;
	}
	for (size_t i = 0; i < fr->n; i++) {
		const struct rg_frame *f = &fr->f[i];
		struct pcap_pkthdr h;

		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = (time_t)(f->t_us / 1000000);
		h.ts.tv_usec = (suseconds_t)(f->t_us % 1000000);
		h.caplen = caplen_of(s, f);
		h.len = f->len;
		if (s->set.truncate && i + 1 == fr->n) {
			/* the record header promises caplen bytes; half follow */
			uint32_t rec[4] = { (uint32_t)h.ts.tv_sec, (uint32_t)h.ts.tv_usec,
					    h.caplen, h.len };

			pcap_dump_flush(d);
			fwrite(rec, sizeof(rec), 1, pcap_dump_file(d));
			fwrite(f->data, h.caplen / 2, 1, pcap_dump_file(d));
			break;
		}
		pcap_dump((u_char *)d, &h, f->data);
	}
	if (pcap_dump_flush(d) < 0 || ferror(pcap_dump_file(d))) {
		snprintf(err, errlen, "write error");
		rc = -1;
	}
	pcap_dump_close(d);
	pcap_close(p);
	return rc;
}

struct blk {
	uint8_t *b;
	size_t n, cap;
	bool oom;
};

static void bput(struct blk *k, const void *p, size_t n)
{
	if (k->n + n > k->cap) {
		size_t cap = (k->n + n) * 2;
		uint8_t *nb = realloc(k->b, cap);

		if (nb == NULL) {
			k->oom = true;
			return;
		}
		k->b = nb;
		k->cap = cap;
	}
	memcpy(k->b + k->n, p, n);
	k->n += n;
}

static void bput16(struct blk *k, uint16_t v)
{
	bput(k, &v, 2);
}

static void bput32(struct blk *k, uint32_t v)
{
	bput(k, &v, 4);
}

static void bpad4(struct blk *k)
{
	static const uint8_t z[4];

	bput(k, z, (4 - k->n % 4) % 4);
}

/* Patches the block total length (at offset 4 and at the end). */
static void bclose(struct blk *k)
{
	uint32_t len = (uint32_t)k->n + 4;

	bput32(k, len);
	if (!k->oom)
		memcpy(k->b + 4, &len, 4);
}

static int write_pcapng(const struct scn *s, const struct rg_frames *fr, FILE *fp, char *err,
			size_t errlen)
{
	struct blk k = { 0 };
	static const char appl[] = "rasgen";
	int rc = 0;

	/* Section Header Block */
	bput32(&k, 0x0a0d0d0a);
	bput32(&k, 0);			/* total length, patched */
	bput32(&k, 0x1a2b3c4d);		/* byte-order magic */
	bput16(&k, 1);			/* version 1.0 */
	bput16(&k, 0);
	bput32(&k, 0xffffffff);		/* section length: unknown */
	bput32(&k, 0xffffffff);
	bput16(&k, 4);			/* shb_userappl */
	bput16(&k, sizeof(appl) - 1);
	bput(&k, appl, sizeof(appl) - 1);
	bpad4(&k);
	bput32(&k, 0);			/* opt_endofopt */
	bclose(&k);
	fwrite(k.b, k.n, 1, fp);
	k.n = 0;
	/* Interface Description Block: microsecond timestamps (the default) */
	bput32(&k, 0x00000001);
	bput32(&k, 0);
	bput16(&k, (uint16_t)rg_linktype(&s->set));
	bput16(&k, 0);			/* reserved */
	bput32(&k, s->set.snaplen);
	bclose(&k);
	fwrite(k.b, k.n, 1, fp);
	for (size_t i = 0; i < fr->n && !k.oom; i++) {
		const struct rg_frame *f = &fr->f[i];
		uint64_t ts = (uint64_t)f->t_us;
		uint32_t cap = caplen_of(s, f);

		k.n = 0;
		/* Enhanced Packet Block */
		bput32(&k, 0x00000006);
		bput32(&k, 0);
		bput32(&k, 0);		/* interface 0 */
		bput32(&k, (uint32_t)(ts >> 32));
		bput32(&k, (uint32_t)ts);
		bput32(&k, cap);
		bput32(&k, f->len);
		bput(&k, f->data, cap);
		bpad4(&k);
		bclose(&k);
		if (s->set.truncate && i + 1 == fr->n)
			k.n /= 2;
		fwrite(k.b, k.n, 1, fp);
	}
	if (k.oom) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	} else if (fflush(fp) != 0 || ferror(fp)) {
		snprintf(err, errlen, "write error");
		rc = -1;
	}
	free(k.b);
	if (fclose(fp) != 0 && rc == 0) {
		snprintf(err, errlen, "write error");
		rc = -1;
	}
	return rc;
}

int rg_write(const struct scn *s, const struct rg_frames *fr, enum rg_format fmt, FILE *fp,
	     char *err, size_t errlen)
{
	if (fmt == RG_FMT_PCAPNG)
		return write_pcapng(s, fr, fp, err, errlen);
	return write_pcap(s, fr, fp, err, errlen);
}
