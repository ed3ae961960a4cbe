/* payload.c — application messages for rasgen's payload templates.
 *
 * Builds the byte strings each side of a connection sends: a TLS 1.2
 * ClientHello with SNI and the server's reply, an RDP X.224 connection
 * request/confirm, SSH banners, an HTTP GET and its response, a DNS query and
 * answer, raw hex, or seeded filler. It knows nothing about TCP segments or
 * timing; gen.c does that.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rasgen.h"

#define DEFAULT_FILLER 64	/* bytes each way when no template and no "bytes" */

/* A small append-only byte buffer; over-long writes set ovf. */
struct bw {
	uint8_t b[4096];
	size_t n;
	bool ovf;
};

static void put(struct bw *w, const void *p, size_t n)
{
	if (w->n + n > sizeof(w->b)) {
		w->ovf = true;
		return;
	}
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void put8(struct bw *w, unsigned v)
{
	uint8_t b = (uint8_t)v;

	put(w, &b, 1);
}

static void put16(struct bw *w, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(w, b, 2);
}

static void put32(struct bw *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	put(w, b, 4);
}

static void putstr(struct bw *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Reserves a big-endian length field of `size` bytes; returns its offset. */
static size_t len_begin(struct bw *w, size_t size)
{
	size_t at = w->n;
	uint8_t z[3] = { 0, 0, 0 };

	put(w, z, size);
	return at;
}

/* Fills the length field at `at` with the bytes written after it. */
static void len_end(struct bw *w, size_t at, size_t size)
{
	size_t v;

	if (w->ovf)
		return;
	v = w->n - at - size;
	for (size_t i = 0; i < size; i++)
		w->b[at + i] = (uint8_t)(v >> (8 * (size - 1 - i)));
}

uint64_t rg_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Seeded pseudo-random bytes (splitmix64 stream). */
void rg_fill(uint8_t *buf, size_t n, uint64_t seed)
{
	uint64_t x = seed;

	for (size_t i = 0; i < n; i += 8) {
		uint64_t r = rg_mix(x++);

		for (size_t j = 0; j < 8 && i + j < n; j++)
			buf[i + j] = (uint8_t)(r >> (8 * j));
	}
}

static int add(struct rg_msgs *m, bool from_server, const uint8_t *p, size_t n)
{
	uint8_t *d;

	if (m->n == sizeof(m->m) / sizeof(m->m[0]))
		return -1;
	d = malloc(n ? n : 1);
	if (d == NULL)
		return -1;
	if (n)
		memcpy(d, p, n);
	m->m[m->n].from_server = from_server;
	m->m[m->n].data = d;
	m->m[m->n].len = n;
	m->n++;
	return 0;
}

static int add_bw(struct rg_msgs *m, bool from_server, const struct bw *w)
{
	if (w->ovf)
		return -1;
	return add(m, from_server, w->b, w->n);
}

static int add_filler(struct rg_msgs *m, bool from_server, size_t n, uint64_t seed)
{
	uint8_t *d = malloc(n ? n : 1);
	int rc;

	if (d == NULL)
		return -1;
	rg_fill(d, n, seed);
	rc = add(m, from_server, d, n);
	free(d);
	return rc;
}

/* TLS application-data records carrying n seeded bytes. */
static int add_tls_appdata(struct rg_msgs *m, bool from_server, size_t n, uint64_t seed)
{
	size_t nrec = n / 16384 + 1;
	uint8_t *d = malloc(n + 5 * nrec), *p = d;
	int rc;

	if (d == NULL)
		return -1;
	for (size_t left = n; nrec--;) {
		size_t chunk = left > 16384 ? 16384 : left;

		p[0] = 0x17;	/* application_data */
		p[1] = 0x03;	/* TLS 1.2 */
		p[2] = 0x03;
		p[3] = (uint8_t)(chunk >> 8);
		p[4] = (uint8_t)chunk;
		rg_fill(p + 5, chunk, seed + (uint64_t)(p - d));
		p += 5 + chunk;
		left -= chunk;
	}
	rc = add(m, from_server, d, (size_t)(p - d));
	free(d);
	return rc;
}

/* TLS 1.2 ClientHello with server_name, as a Windows client sends it. */
static void tls_client_hello(struct bw *w, const char *sni, uint64_t seed)
{
	static const uint16_t suites[] = { 0xc02c, 0xc02b, 0xc030, 0xc02f, 0xc024, 0xc023,
					   0xc028, 0xc027, 0x009f, 0x009e, 0x009d, 0x009c,
					   0x003d, 0x003c, 0x0035, 0x002f, 0x000a };
	static const uint16_t sigalgs[] = { 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0201,
					    0x0403, 0x0503, 0x0203, 0x0202, 0x0601, 0x0603 };
	uint8_t rnd[64];
	size_t rec, hs, sl, el, x, y;

	rg_fill(rnd, sizeof(rnd), seed);
	put8(w, 0x16);			/* handshake */
	put16(w, 0x0301);		/* record version TLS 1.0, as clients send */
	rec = len_begin(w, 2);
	put8(w, 0x01);			/* client_hello */
	hs = len_begin(w, 3);
	put16(w, 0x0303);		/* client_version TLS 1.2 */
	put(w, rnd, 32);		/* random */
	put8(w, 32);			/* session_id */
	put(w, rnd + 32, 32);
	sl = len_begin(w, 2);		/* cipher_suites */
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		put16(w, suites[i]);
	len_end(w, sl, 2);
	put8(w, 1);			/* compression_methods: null */
	put8(w, 0);
	el = len_begin(w, 2);		/* extensions */
	put16(w, 0x0000);		/* server_name */
	x = len_begin(w, 2);
	y = len_begin(w, 2);		/* server_name_list */
	put8(w, 0);			/* host_name */
	put16(w, (unsigned)strlen(sni));
	putstr(w, sni);
	len_end(w, y, 2);
	len_end(w, x, 2);
	put16(w, 0x000a);		/* supported_groups: x25519, secp256r1, secp384r1 */
	put16(w, 8);
	put16(w, 6);
	put16(w, 0x001d);
	put16(w, 0x0017);
	put16(w, 0x0018);
	put16(w, 0x000b);		/* ec_point_formats: uncompressed */
	put16(w, 2);
	put8(w, 1);
	put8(w, 0);
	put16(w, 0x000d);		/* signature_algorithms */
	x = len_begin(w, 2);
	y = len_begin(w, 2);
	for (size_t i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++)
		put16(w, sigalgs[i]);
	len_end(w, y, 2);
	len_end(w, x, 2);
	put16(w, 0x0010);		/* ALPN: http/1.1 */
	put16(w, 11);
	put16(w, 9);
	put8(w, 8);
	putstr(w, "http/1.1");
	put16(w, 0x0017);		/* extended_master_secret */
	put16(w, 0);
	put16(w, 0xff01);		/* renegotiation_info, empty */
	put16(w, 1);
	put8(w, 0);
	len_end(w, el, 2);
	len_end(w, hs, 3);
	len_end(w, rec, 2);
}

/* ServerHello (ECDHE-RSA-AES128-GCM-SHA256) + ServerHelloDone in one record. */
static void tls_server_hello(struct bw *w, uint64_t seed)
{
	uint8_t rnd[64];
	size_t rec, hs, el;

	rg_fill(rnd, sizeof(rnd), seed);
	put8(w, 0x16);			/* handshake */
	put16(w, 0x0303);
	rec = len_begin(w, 2);
	put8(w, 0x02);			/* server_hello */
	hs = len_begin(w, 3);
	put16(w, 0x0303);		/* server_version TLS 1.2 */
	put(w, rnd, 32);
	put8(w, 32);			/* session_id */
	put(w, rnd + 32, 32);
	put16(w, 0xc02f);		/* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
	put8(w, 0);			/* compression null */
	el = len_begin(w, 2);
	put16(w, 0xff01);		/* renegotiation_info */
	put16(w, 1);
	put8(w, 0);
	put16(w, 0x000b);		/* ec_point_formats */
	put16(w, 2);
	put8(w, 1);
	put8(w, 0);
	put16(w, 0x0017);		/* extended_master_secret */
	put16(w, 0);
	put16(w, 0x0010);		/* ALPN: http/1.1 */
	put16(w, 11);
	put16(w, 9);
	put8(w, 8);
	putstr(w, "http/1.1");
	len_end(w, el, 2);
	len_end(w, hs, 3);
	put8(w, 0x0e);			/* server_hello_done */
	put8(w, 0);
	put16(w, 0);
	len_end(w, rec, 2);
}

/* ClientKeyExchange + ChangeCipherSpec + encrypted Finished (client), or
 * ChangeCipherSpec + encrypted Finished (server). */
static void tls_finish(struct bw *w, bool server, uint64_t seed)
{
	uint8_t rnd[128];

	rg_fill(rnd, sizeof(rnd), seed);
	if (!server) {
		put8(w, 0x16);		/* handshake record */
		put16(w, 0x0303);
		put16(w, 70);
		put8(w, 0x10);		/* client_key_exchange */
		put8(w, 0);
		put16(w, 66);
		put8(w, 65);		/* ECDH public point, uncompressed */
		put8(w, 0x04);
		put(w, rnd, 64);
	}
	put8(w, 0x14);			/* change_cipher_spec */
	put16(w, 0x0303);
	put16(w, 1);
	put8(w, 1);
	put8(w, 0x16);			/* encrypted Finished */
	put16(w, 0x0303);
	put16(w, 40);
	put(w, rnd + 64, 40);
}

/* X.224 Connection Request with cookie and RDP Negotiation Request. */
static void rdp_request(struct bw *w)
{
	static const char cookie[] = "Cookie: mstshash=user\r\n";
	size_t tpkt;

	put8(w, 3);			/* TPKT version */
	put8(w, 0);
	tpkt = len_begin(w, 2);		/* TPKT length counts its own header */
	put8(w, (unsigned)(6 + strlen(cookie) + 8));	/* X.224 LI */
	put8(w, 0xe0);			/* CR, credit 0 */
	put16(w, 0);			/* DST-REF */
	put16(w, 0);			/* SRC-REF */
	put8(w, 0);			/* class 0 */
	putstr(w, cookie);
	put8(w, 0x01);			/* RDP_NEG_REQ */
	put8(w, 0);			/* flags */
	put8(w, 8);			/* length, little endian */
	put8(w, 0);
	put8(w, 0x0b);			/* requestedProtocols: SSL|HYBRID|HYBRID_EX (LE) */
	put8(w, 0);
	put8(w, 0);
	put8(w, 0);
	w->b[tpkt] = (uint8_t)(w->n >> 8);
	w->b[tpkt + 1] = (uint8_t)w->n;
}

/* X.224 Connection Confirm with RDP Negotiation Response (HYBRID). */
static void rdp_confirm(struct bw *w)
{
	put8(w, 3);			/* TPKT */
	put8(w, 0);
	put16(w, 19);
	put8(w, 14);			/* X.224 LI */
	put8(w, 0xd0);			/* CC */
	put16(w, 0);			/* DST-REF */
	put16(w, 0x1234);		/* SRC-REF */
	put8(w, 0);			/* class 0 */
	put8(w, 0x02);			/* RDP_NEG_RSP */
	put8(w, 0x1f);			/* flags */
	put8(w, 8);			/* length (LE) */
	put8(w, 0);
	put8(w, 0x02);			/* selectedProtocol: HYBRID (LE) */
	put8(w, 0);
	put8(w, 0);
	put8(w, 0);
}

static void dns_name(struct bw *w, const char *name)
{
	const char *p = name;

	while (*p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		if (n > 63)
			n = 63;
		if (n) {
			put8(w, (unsigned)n);
			put(w, p, n);
		}
		p += n;
		if (*p == '.')
			p++;
	}
	put8(w, 0);
}

/* A DNS query for name; the answer (if ans) carries the address `addr`. */
static void dns_msg(struct bw *w, const char *name, uint16_t id, bool ans, int af,
		    const uint8_t *addr)
{
	unsigned qtype = af == AF_INET6 ? 28 : 1;	/* AAAA or A */

	put16(w, id);
	put16(w, ans ? 0x8580 : 0x0100);	/* QR AA RD RA / RD */
	put16(w, 1);			/* QDCOUNT */
	put16(w, ans ? 1 : 0);		/* ANCOUNT */
	put16(w, 0);			/* NSCOUNT */
	put16(w, 0);			/* ARCOUNT */
	dns_name(w, name);
	put16(w, qtype);
	put16(w, 1);			/* IN */
	if (!ans)
		return;
	put16(w, 0xc00c);		/* name: pointer to the question */
	put16(w, qtype);
	put16(w, 1);
	put32(w, 1200);			/* TTL */
	put16(w, af == AF_INET6 ? 16 : 4);
	put(w, addr, af == AF_INET6 ? 16 : 4);
}

int rg_payload_build(const struct scn *s, const struct rg_event *ev, uint64_t ctx_seed,
		     struct rg_msgs *out)
{
	struct bw w;
	size_t filler = ev->has_bytes ? ev->bytes : DEFAULT_FILLER;
	const char *ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)";
	static const char body[] = "<html><body>RAS</body></html>\r\n";
	const struct rg_host *srv = ev->dst >= 0 ? &s->hosts[ev->dst] : &s->hosts[ev->src];

	memset(out, 0, sizeof(*out));
	switch (ev->tpl) {
	case RG_TPL_NONE:
		if (add_filler(out, false, filler, ctx_seed ^ 0xc1) ||
		    add_filler(out, true, filler, ctx_seed ^ 0x5e))
			goto fail;
		return 0;
	case RG_TPL_TLS:
		w.n = 0, w.ovf = false;
		tls_client_hello(&w, ev->arg, ctx_seed ^ 1);
		if (add_bw(out, false, &w))
			goto fail;
		w.n = 0;
		tls_server_hello(&w, ctx_seed ^ 2);
		if (add_bw(out, true, &w))
			goto fail;
		w.n = 0;
		tls_finish(&w, false, ctx_seed ^ 3);
		if (add_bw(out, false, &w))
			goto fail;
		w.n = 0;
		tls_finish(&w, true, ctx_seed ^ 4);
		if (add_bw(out, true, &w))
			goto fail;
		if (add_tls_appdata(out, false, ev->has_bytes ? filler : 120, ctx_seed ^ 5) ||
		    add_tls_appdata(out, true, ev->has_bytes ? filler : 480, ctx_seed ^ 6))
			goto fail;
		return 0;
	case RG_TPL_RDP:
		w.n = 0, w.ovf = false;
		rdp_request(&w);
		if (add_bw(out, false, &w))
			goto fail;
		w.n = 0;
		rdp_confirm(&w);
		if (add_bw(out, true, &w))
			goto fail;
		break;
	case RG_TPL_SSH:
		w.n = 0, w.ovf = false;
		putstr(&w, "SSH-2.0-OpenSSH_8.9\r\n");
		if (add_bw(out, true, &w))
			goto fail;
		w.n = 0;
		putstr(&w, "SSH-2.0-OpenSSH_for_Windows_8.1\r\n");
		if (add_bw(out, false, &w))
			goto fail;
		break;
	case RG_TPL_HTTP:
		w.n = 0, w.ovf = false;
		putstr(&w, "GET / HTTP/1.1\r\nHost: ");
		putstr(&w, ev->arg);
		putstr(&w, "\r\nUser-Agent: ");
		putstr(&w, ua);
		putstr(&w, "\r\nAccept: */*\r\n\r\n");
		if (add_bw(out, false, &w))
			goto fail;
		w.n = 0;
		putstr(&w, "HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/10.0\r\n"
			   "Content-Type: text/html\r\nContent-Length: ");
		{
			char num[16];

			snprintf(num, sizeof(num), "%zu", strlen(body));
			putstr(&w, num);
		}
		putstr(&w, "\r\n\r\n");
		putstr(&w, body);
		if (add_bw(out, true, &w))
			goto fail;
		break;
	case RG_TPL_DNS:
		w.n = 0, w.ovf = false;
		dns_msg(&w, ev->arg, (uint16_t)rg_mix(ctx_seed), false, srv->af, srv->addr);
		if (add_bw(out, false, &w))
			goto fail;
		w.n = 0;
		dns_msg(&w, ev->arg, (uint16_t)rg_mix(ctx_seed), true, srv->af, srv->addr);
		if (add_bw(out, true, &w))
			goto fail;
		break;
	case RG_TPL_RAW:
		if (add(out, false, ev->raw_c, ev->raw_c_len))
			goto fail;
		if (ev->raw_s_len && add(out, true, ev->raw_s, ev->raw_s_len))
			goto fail;
		break;
	}
	if (ev->has_bytes && ev->bytes &&
	    (add_filler(out, false, filler, ctx_seed ^ 0xc1) ||
	     add_filler(out, true, filler, ctx_seed ^ 0x5e)))
		goto fail;
	return 0;
fail:
	rg_msgs_free(out);
	return -1;
}

void rg_msgs_free(struct rg_msgs *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->m[i].data);
	m->n = 0;
}
