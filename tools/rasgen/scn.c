/* scn.c — the scenario file parser of rasgen.
 *
 * Reads settings, hosts and timed events (docs/rasgen.md shows the format by
 * example) into a struct scn, expanding "every" repetitions. Two passes:
 * settings and hosts first, so events may name hosts defined further down.
 * Every error is reported as file:line:col; it does not build any packet.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rasgen.h"

#define MAX_TOKS 48
#define MAX_EVENTS 200000	/* after expansion; a capture must stay small */

struct tok {
	char *s;
	unsigned col;		/* 1-based */
};

struct line {
	char *text;		/* owned, tokens point into it */
	unsigned no;
	struct tok t[MAX_TOKS];
	size_t n;
};

struct parser {
	const char *file;
	struct rasflow_errlist *errs;
	struct scn *s;
	struct line *lines;
	size_t nlines;
};

static const char *const event_words[] = { "tcp", "udp", "icmp-unreach", "vrrp", "bcast" };
static const char *const setting_words[] = { "start", "link", "snaplen", "seed", "rtt", "format",
					     "pad", "damage", "unseen", "host", "every" };

/* Splits a line into whitespace-separated tokens; '#' starts a comment. */
static int tokenize(struct parser *p, struct line *ln)
{
	char *c = ln->text;

	ln->n = 0;
	for (;;) {
		while (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n')
			c++;
		if (*c == '\0' || *c == '#')
			return 0;
		if (ln->n == MAX_TOKS) {
			rasflow_err_add(p->errs, p->file, ln->no, (unsigned)(c - ln->text) + 1,
					"too many words on one line (at most %d)", MAX_TOKS);
			return -1;
		}
		ln->t[ln->n].s = c;
		ln->t[ln->n].col = (unsigned)(c - ln->text) + 1;
		ln->n++;
		while (*c && *c != ' ' && *c != '\t' && *c != '\r' && *c != '\n' && *c != '#')
			c++;
		if (*c == '#') {
			*c = '\0';
			return 0;
		}
		if (*c)
			*c++ = '\0';
	}
}

static void err(struct parser *p, const struct line *ln, const struct tok *t, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

static void err(struct parser *p, const struct line *ln, const struct tok *t, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rasflow_err_add(p->errs, p->file, ln->no, t ? t->col : 1, "%s", msg);
}

/* Error for a missing word: points just past the last token of the line. */
static void err_end(struct parser *p, const struct line *ln, const char *what)
{
	unsigned col = 1;

	if (ln->n) {
		const struct tok *last = &ln->t[ln->n - 1];

		col = last->col + (unsigned)strlen(last->s) + 1;
	}
	rasflow_err_add(p->errs, p->file, ln->no, col, "expected %s", what);
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

/* "12", "1.5", "250ms", "2m", "100us" -> microseconds (truncated). */
static bool parse_dur(const char *s, int64_t *us)
{
	int64_t ip = 0, frac = 0, fscale = 1, mult = 1000000;
	size_t nint = 0, nfrac = 0;

	while (isdigit((unsigned char)*s)) {
		if (++nint > 7)
			return false;
		ip = ip * 10 + (*s++ - '0');
	}
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s)) {
			if (++nfrac > 9)
				return false;
			frac = frac * 10 + (*s++ - '0');
			fscale *= 10;
		}
		if (nfrac == 0)
			return false;
	}
	if (nint == 0 && nfrac == 0)
		return false;
	if (strcmp(s, "") == 0 || strcmp(s, "s") == 0)
		mult = 1000000;
	else if (strcmp(s, "ms") == 0)
		mult = 1000;
	else if (strcmp(s, "us") == 0)
		mult = 1;
	else if (strcmp(s, "m") == 0 || strcmp(s, "min") == 0)
		mult = 60000000;
	else
		return false;
	*us = ip * mult + frac * mult / fscale;
	return true;
}

/* "+12.5" (an offset from the start) -> microseconds. */
static bool parse_offset(const char *s, int64_t *us)
{
	return s[0] == '+' && parse_dur(s + 1, us);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* "2024-05-06T09:00:00Z" or "...:00.250Z" -> microseconds since 1970. */
static bool parse_rfc3339(const char *s, int64_t *us)
{
	unsigned y, mo, d, h, mi, sec;
	int n = 0;
	int64_t frac = 0, scale = 1000000;

	if (sscanf(s, "%4u-%2u-%2uT%2u:%2u:%2u%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	s += n;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s)) {
			if (scale > 1) {
				scale /= 10;
				frac += (*s - '0') * scale;
			}
			s++;
		}
	}
	if (strcmp(s, "Z") != 0)
		return false;
	*us = ((days_from_civil(y, mo, d) * 86400) + h * 3600 + mi * 60 + sec) * 1000000 + frac;
	return true;
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	int n = 0;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &n) != 6 || s[n] != '\0')
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return true;
}

static bool parse_addr(const char *s, int *af, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1) {
		*af = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*af = AF_INET6;
		return true;
	}
	return false;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes n hex digits (even count) into a new buffer. */
static bool parse_hex(const char *s, size_t n, uint8_t **out, size_t *len)
{
	uint8_t *b;

	if (n == 0 || n % 2)
		return false;
	b = malloc(n / 2);
	if (b == NULL)
		return false;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);

		if (hi < 0 || lo < 0) {
			free(b);
			return false;
		}
		b[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*out = b;
	*len = n / 2;
	return true;
}

static int find_host(const struct scn *s, const char *name)
{
	for (size_t i = 0; i < s->nhosts; i++)
		if (strcmp(s->hosts[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Resolves a host name, reporting an unknown one with the nearest name. */
static int need_host(struct parser *p, const struct line *ln, const struct tok *t,
		     const char *name)
{
	int h = find_host(p->s, name);
	const char *best = NULL;
	unsigned bestd = 3;

	if (h >= 0)
		return h;
	for (size_t i = 0; i < p->s->nhosts; i++) {
		unsigned d = rasflow_edit_distance(name, p->s->hosts[i].name);

		if (d < bestd) {
			bestd = d;
			best = p->s->hosts[i].name;
		}
	}
	if (best)
		err(p, ln, t, "unknown host '%s' (did you mean '%s'?)", name, best);
	else
		err(p, ln, t, "unknown host '%s'", name);
	return -1;
}

static bool valid_name(const char *s)
{
	if (!isalnum((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

/* A deterministic MAC for a host without one: Hyper-V OUI + name hash. */
static void default_mac(const char *name, uint8_t mac[6])
{
	uint64_t h = 1469598103934665603ULL;

	for (const char *c = name; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	mac[0] = 0x00;
	mac[1] = 0x15;
	mac[2] = 0x5d;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

/* host NAME ADDRESS [mac MAC] [ttl N] [via HOST]; via is resolved later. */
static void parse_host(struct parser *p, struct line *ln)
{
	struct rg_host *h, *nh;
	uint64_t v;

	if (ln->n < 3) {
		err_end(p, ln, ln->n < 2 ? "a host name" : "an IPv4 or IPv6 address");
		return;
	}
	if (!valid_name(ln->t[1].s) || strlen(ln->t[1].s) >= RG_NAME_MAX) {
		err(p, ln, &ln->t[1], "bad host name '%s' (letters, digits, '-', '_', '.')",
		    ln->t[1].s);
		return;
	}
	if (find_host(p->s, ln->t[1].s) >= 0) {
		err(p, ln, &ln->t[1], "host '%s' is defined twice (first on line %u)", ln->t[1].s,
		    p->s->hosts[find_host(p->s, ln->t[1].s)].line);
		return;
	}
	nh = realloc(p->s->hosts, (p->s->nhosts + 1) * sizeof(*nh));
	if (nh == NULL) {
		err(p, ln, NULL, "out of memory");
		return;
	}
	p->s->hosts = nh;
	h = &nh[p->s->nhosts];
	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", ln->t[1].s);
	h->ttl = 128;
	h->via = -1;
	h->line = ln->no;
	if (!parse_addr(ln->t[2].s, &h->af, h->addr)) {
		err(p, ln, &ln->t[2], "bad address '%s'", ln->t[2].s);
		goto out;
	}
	default_mac(h->name, h->mac);
	for (size_t i = 3; i < ln->n; i += 2) {
		const char *k = ln->t[i].s;

		if (i + 1 >= ln->n) {
			err_end(p, ln, "a value");
			goto out;
		}
		if (strcmp(k, "mac") == 0) {
			if (!parse_mac(ln->t[i + 1].s, h->mac)) {
				err(p, ln, &ln->t[i + 1], "bad MAC address '%s'", ln->t[i + 1].s);
				goto out;
			}
		} else if (strcmp(k, "ttl") == 0) {
			if (!parse_u64(ln->t[i + 1].s, 255, &v) || v == 0) {
				err(p, ln, &ln->t[i + 1], "bad ttl '%s' (1-255)", ln->t[i + 1].s);
				goto out;
			}
			h->ttl = (uint8_t)v;
		} else if (strcmp(k, "via") == 0) {
			/* resolved once every host is known */
		} else {
			err(p, ln, &ln->t[i], "unknown host option '%s' (mac, ttl, via)", k);
			goto out;
		}
	}
out:
	/* kept even when invalid, so later lines do not report it unknown */
	p->s->nhosts++;
}

static void resolve_via(struct parser *p, struct line *ln)
{
	int self = find_host(p->s, ln->t[1].s);

	if (self < 0)
		return;
	for (size_t i = 3; i + 1 < ln->n; i += 2) {
		if (strcmp(ln->t[i].s, "via") != 0)
			continue;
		int r = need_host(p, ln, &ln->t[i + 1], ln->t[i + 1].s);

		if (r == self)
			err(p, ln, &ln->t[i + 1], "host '%s' cannot be its own router",
			    ln->t[i + 1].s);
		else if (r >= 0)
			p->s->hosts[self].via = r;
	}
}

static void parse_setting(struct parser *p, struct line *ln)
{
	struct rg_settings *st = &p->s->set;
	const char *k = ln->t[0].s;
	const struct tok *v = ln->n > 1 ? &ln->t[1] : NULL;
	size_t want = 2;
	uint64_t n;

	if (v == NULL) {
		err_end(p, ln, "a value");
		return;
	}
	if (strcmp(k, "start") == 0) {
		if (!parse_rfc3339(v->s, &st->start_us))
			err(p, ln, v, "bad start time '%s' (want 2024-05-06T09:00:00Z)", v->s);
	} else if (strcmp(k, "link") == 0) {
		if (strcmp(v->s, "ethernet") == 0) {
			st->link = RG_LINK_ETH;
		} else if (strcmp(v->s, "vlan") == 0 || strcmp(v->s, "qinq") == 0) {
			bool qinq = v->s[0] == 'q';

			want = qinq ? 4 : 3;
			st->link = qinq ? RG_LINK_QINQ : RG_LINK_VLAN;
			for (size_t i = 2; i < want; i++) {
				if (i >= ln->n) {
					err_end(p, ln, "a VLAN ID");
					return;
				}
				if (!parse_u64(ln->t[i].s, 4094, &n) || n == 0) {
					err(p, ln, &ln->t[i], "bad VLAN ID '%s' (1-4094)",
					    ln->t[i].s);
					return;
				}
				if (i == 2)
					st->vlan_outer = (uint16_t)n;
				else
					st->vlan_inner = (uint16_t)n;
			}
		} else if (strcmp(v->s, "sll2") == 0) {
			st->link = RG_LINK_SLL2;
			if (ln->n > 2) {
				want = 3;
				st->sll2_host = need_host(p, ln, &ln->t[2], ln->t[2].s);
			}
		} else if (strcmp(v->s, "raw") == 0) {
			st->link = RG_LINK_RAW;
		} else if (strcmp(v->s, "erspan") == 0) {
			want = 4;
			st->link = RG_LINK_ERSPAN;
			for (size_t i = 2; i < want; i++) {
				int h;

				if (i >= ln->n) {
					err_end(p, ln, i == 2 ? "the mirroring switch's host name"
							      : "the collector's host name");
					return;
				}
				h = need_host(p, ln, &ln->t[i], ln->t[i].s);
				if (h >= 0 && p->s->hosts[h].af != AF_INET) {
					err(p, ln, &ln->t[i], "ERSPAN host '%s' must have an IPv4 address",
					    ln->t[i].s);
					return;
				}
				if (i == 2)
					st->erspan_src = h;
				else
					st->erspan_dst = h;
			}
		} else {
			err(p, ln, v, "unknown link type '%s' (ethernet, vlan ID, "
				      "qinq OUTER INNER, sll2, raw, erspan SWITCH COLLECTOR)", v->s);
			return;
		}
	} else if (strcmp(k, "snaplen") == 0) {
		if (!parse_u64(v->s, 262144, &n) || n < 1)
			err(p, ln, v, "bad snaplen '%s' (1-262144)", v->s);
		else
			st->snaplen = (uint32_t)n;
	} else if (strcmp(k, "seed") == 0) {
		if (!parse_u64(v->s, UINT64_MAX, &n))
			err(p, ln, v, "bad seed '%s'", v->s);
		else
			st->seed = n;
	} else if (strcmp(k, "rtt") == 0) {
		if (!parse_dur(v->s, &st->rtt_us) || st->rtt_us < 2)
			err(p, ln, v, "bad rtt '%s' (e.g. 0.4ms, at least 2us)", v->s);
	} else if (strcmp(k, "format") == 0) {
		if (strcmp(v->s, "pcap") == 0)
			st->format = RG_FMT_PCAP;
		else if (strcmp(v->s, "pcapng") == 0)
			st->format = RG_FMT_PCAPNG;
		else
			err(p, ln, v, "unknown format '%s' (pcap, pcapng)", v->s);
	} else if (strcmp(k, "pad") == 0) {
		if (strcmp(v->s, "on") == 0)
			st->pad = true;
		else if (strcmp(v->s, "off") == 0)
			st->pad = false;
		else
			err(p, ln, v, "bad pad '%s' (on, off)", v->s);
	} else if (strcmp(k, "unseen") == 0) {
		/* unseen A -> B: the capture point misses what A sends to B */
		int a, b;

		want = 4;
		if (ln->n < 4) {
			err_end(p, ln, "A -> B");
			return;
		}
		if (strcmp(ln->t[2].s, "->") != 0) {
			err(p, ln, &ln->t[2], "expected '->' after the host, not '%s'", ln->t[2].s);
			return;
		}
		a = need_host(p, ln, &ln->t[1], ln->t[1].s);
		b = need_host(p, ln, &ln->t[3], ln->t[3].s);
		if (a < 0 || b < 0)
			return;
		if (st->nunseen == RG_UNSEEN_MAX) {
			err(p, ln, &ln->t[0], "more than %d unseen settings", RG_UNSEEN_MAX);
			return;
		}
		st->unseen[st->nunseen].from = a;
		st->unseen[st->nunseen].to = b;
		st->nunseen++;
	} else if (strcmp(k, "damage") == 0) {
		if (strcmp(v->s, "truncate") == 0)
			st->truncate = true;
		else
			err(p, ln, v, "unknown damage '%s' (truncate)", v->s);
	}
	if (ln->n > want)
		err(p, ln, &ln->t[want], "unexpected '%s'", ln->t[want].s);
}

/* SRC -> DST:PORT starting at token i; fills ev->src, dst, port. */
static bool parse_pair(struct parser *p, struct line *ln, size_t i, struct rg_event *ev)
{
	char *colon;
	uint64_t port;
	struct tok dt;

	if (i + 2 >= ln->n) {
		err_end(p, ln, "SRC -> DST:PORT");
		return false;
	}
	if (strcmp(ln->t[i + 1].s, "->") != 0) {
		err(p, ln, &ln->t[i + 1], "expected '->' after the source host, not '%s'",
		    ln->t[i + 1].s);
		return false;
	}
	ev->src = need_host(p, ln, &ln->t[i], ln->t[i].s);
	dt = ln->t[i + 2];
	colon = strrchr(dt.s, ':');
	if (colon == NULL) {
		err(p, ln, &dt, "expected DST:PORT, not '%s'", dt.s);
		return false;
	}
	*colon = '\0';
	ev->dst = need_host(p, ln, &dt, dt.s);
	*colon = ':';
	if (!parse_u64(colon + 1, 65535, &port) || port == 0) {
		struct tok pt = { colon + 1, dt.col + (unsigned)(colon + 1 - dt.s) };

		err(p, ln, &pt, "bad port '%s' (1-65535)", colon + 1);
		return false;
	}
	ev->port = (uint16_t)port;
	if (ev->src < 0 || ev->dst < 0)
		return false;
	if (ev->src == ev->dst) {
		err(p, ln, &dt, "source and destination are the same host");
		return false;
	}
	if (p->s->hosts[ev->src].af != p->s->hosts[ev->dst].af) {
		err(p, ln, &dt, "'%s' and '%s' are of different address families",
		    p->s->hosts[ev->src].name, p->s->hosts[ev->dst].name);
		return false;
	}
	return true;
}

/* payload TEMPLATE [ARG]: returns the number of tokens used, 0 on error. */
static size_t parse_payload(struct parser *p, struct line *ln, size_t i, struct rg_event *ev)
{
	static const struct {
		const char *name;
		enum rg_tpl tpl;
		bool arg;
	} tpls[] = {
		{ "tls-sni", RG_TPL_TLS, true }, { "rdp", RG_TPL_RDP, false },
		{ "ssh", RG_TPL_SSH, false },	  { "http-get", RG_TPL_HTTP, true },
		{ "dns", RG_TPL_DNS, true },	  { "raw", RG_TPL_RAW, true },
	};
	const struct tok *t;

	if (i + 1 >= ln->n) {
		err_end(p, ln, "a payload template (tls-sni, rdp, ssh, http-get, dns, raw)");
		return 0;
	}
	t = &ln->t[i + 1];
	for (size_t k = 0; k < sizeof(tpls) / sizeof(tpls[0]); k++) {
		if (strcmp(t->s, tpls[k].name) != 0)
			continue;
		ev->tpl = tpls[k].tpl;
		if (!tpls[k].arg)
			return 2;
		if (i + 2 >= ln->n) {
			err_end(p, ln, tpls[k].tpl == RG_TPL_RAW ? "HEX[:HEX]" : "a name");
			return 0;
		}
		t = &ln->t[i + 2];
		if (ev->tpl == RG_TPL_RAW) {
			const char *c = strchr(t->s, ':');
			size_t nc = c ? (size_t)(c - t->s) : strlen(t->s);

			if (!parse_hex(t->s, nc, &ev->raw_c, &ev->raw_c_len) ||
			    (c && !parse_hex(c + 1, strlen(c + 1), &ev->raw_s, &ev->raw_s_len))) {
				err(p, ln, t, "bad raw payload '%s' (hex bytes, optionally "
					      "CLIENT:SERVER)", t->s);
				return 0;
			}
		} else {
			if (strlen(t->s) >= RG_NAME_MAX || strlen(t->s) > 253) {
				err(p, ln, t, "name too long");
				return 0;
			}
			snprintf(ev->arg, sizeof(ev->arg), "%s", t->s);
		}
		return 3;
	}
	err(p, ln, t, "unknown payload template '%s' (tls-sni, rdp, ssh, http-get, dns, raw)",
	    t->s);
	return 0;
}

/* The optional words after an event: payload, bytes, from, code, vrrp's. */
static bool parse_opts(struct parser *p, struct line *ln, size_t i, struct rg_event *ev)
{
	uint64_t n;

	while (i < ln->n) {
		const struct tok *k = &ln->t[i];
		const struct tok *v = i + 1 < ln->n ? &ln->t[i + 1] : NULL;
		bool vrrp = ev->kind == RG_EV_VRRP;
		bool data = ev->kind == RG_EV_TCP || ev->kind == RG_EV_UDP ||
			    ev->kind == RG_EV_BCAST;

		if (vrrp && (strcmp(k->s, "v2") == 0 || strcmp(k->s, "v3") == 0)) {
			ev->vrrp_ver = (uint8_t)(k->s[1] - '0');
			i++;
			continue;
		}
		if (data && strcmp(k->s, "payload") == 0) {
			size_t used = parse_payload(p, ln, i, ev);

			if (used == 0)
				return false;
			i += used;
			continue;
		}
		if (v == NULL) {
			err_end(p, ln, "a value");
			return false;
		}
		if ((data || ev->kind == RG_EV_UNREACH) && strcmp(k->s, "bytes") == 0) {
			if (!parse_u64(v->s, 1000000, &n)) {
				err(p, ln, v, "bad byte count '%s' (0-1000000)", v->s);
				return false;
			}
			ev->has_bytes = true;
			ev->bytes = (uint32_t)n;
		} else if (ev->kind == RG_EV_UNREACH && strcmp(k->s, "from") == 0) {
			ev->router = need_host(p, ln, v, v->s);
			if (ev->router < 0)
				return false;
			if (p->s->hosts[ev->router].af != p->s->hosts[ev->src].af) {
				err(p, ln, v, "router '%s' is of another address family", v->s);
				return false;
			}
		} else if (ev->kind == RG_EV_UNREACH && strcmp(k->s, "code") == 0) {
			if (!parse_u64(v->s, 255, &n)) {
				err(p, ln, v, "bad ICMP code '%s' (0-255)", v->s);
				return false;
			}
			ev->code = (int)n;
		} else if (vrrp && (strcmp(k->s, "vrid") == 0 || strcmp(k->s, "prio") == 0)) {
			if (!parse_u64(v->s, 255, &n) || n == 0) {
				err(p, ln, v, "bad %s '%s' (1-255)", k->s, v->s);
				return false;
			}
			if (k->s[0] == 'v')
				ev->vrid = (uint8_t)n;
			else
				ev->prio = (uint8_t)n;
		} else if (vrrp && strcmp(k->s, "vip") == 0) {
			int af;

			if (!parse_addr(v->s, &af, ev->vip)) {
				err(p, ln, v, "bad address '%s'", v->s);
				return false;
			}
			if (af != p->s->hosts[ev->src].af) {
				err(p, ln, v, "vip '%s' is of another address family than '%s'",
				    v->s, p->s->hosts[ev->src].name);
				return false;
			}
			ev->has_vip = true;
		} else if (vrrp && strcmp(k->s, "interval") == 0) {
			int64_t us;

			if (!parse_dur(v->s, &us) || us < 10000 || us > 40950000) {
				err(p, ln, v, "bad interval '%s' (0.01s-40.95s)", v->s);
				return false;
			}
			ev->interval_cs = (uint16_t)(us / 10000);
		} else {
			err(p, ln, k, "unexpected '%s'", k->s);
			return false;
		}
		i += 2;
	}
	return true;
}

static bool check_event(struct parser *p, struct line *ln, size_t first, struct rg_event *ev)
{
	const struct rg_host *src = &p->s->hosts[ev->src];
	const struct tok *t = &ln->t[first];
	bool tcp = ev->kind == RG_EV_TCP || (ev->kind == RG_EV_UNREACH && ev->l4 == IPPROTO_TCP);

	if (ev->kind == RG_EV_VRRP) {
		if (ev->vrid == 0 || ev->prio == 0) {
			err(p, ln, t, "vrrp needs 'vrid N' and 'prio P'");
			return false;
		}
		if (src->af == AF_INET6 && ev->vrrp_ver == 2) {
			err(p, ln, t, "VRRPv2 is IPv4 only; use v3 for '%s'", src->name);
			return false;
		}
		if (ev->vrrp_ver == 0)
			ev->vrrp_ver = src->af == AF_INET6 ? 3 : 2;
	}
	if (ev->kind == RG_EV_BCAST && src->af != AF_INET) {
		err(p, ln, t, "bcast needs an IPv4 host ('%s' is IPv6)", src->name);
		return false;
	}
	switch (ev->tpl) {
	case RG_TPL_TLS:
	case RG_TPL_RDP:
	case RG_TPL_SSH:
	case RG_TPL_HTTP:
		if (!tcp) {
			err(p, ln, t, "this payload template needs tcp");
			return false;
		}
		break;
	case RG_TPL_DNS:
		if (tcp) {
			err(p, ln, t, "the dns template is for udp");
			return false;
		}
		break;
	default:
		break;
	}
	return true;
}

/* An event starting at token i (its kind word); fills ev. */
static bool parse_event(struct parser *p, struct line *ln, size_t i, struct rg_event *ev)
{
	const struct tok *k = &ln->t[i];
	const struct tok *o;
	uint64_t n;

	memset(ev, 0, sizeof(*ev));
	ev->line = ln->no;
	ev->router = -1;
	ev->dst = -1;
	ev->code = -1;
	ev->vrrp_ver = 0;	/* unset: v2 for IPv4, v3 for IPv6 */
	ev->interval_cs = 100;
	if (strcmp(k->s, "tcp") == 0 || strcmp(k->s, "udp") == 0 ||
	    strcmp(k->s, "icmp-unreach") == 0) {
		static const char *const outcomes[] = { "ok", "refused", "unanswered", "reset",
							"reply", "noreply" };

		ev->kind = k->s[0] == 't' ? RG_EV_TCP : k->s[0] == 'u' ? RG_EV_UDP : RG_EV_UNREACH;
		if (!parse_pair(p, ln, i + 1, ev))
			return false;
		if (i + 4 >= ln->n) {
			err_end(p, ln, ev->kind == RG_EV_TCP ? "ok, refused, unanswered or reset" :
				       ev->kind == RG_EV_UDP ? "reply or noreply" : "udp or tcp");
			return false;
		}
		o = &ln->t[i + 4];
		if (ev->kind == RG_EV_UNREACH) {
			if (strcmp(o->s, "udp") != 0 && strcmp(o->s, "tcp") != 0) {
				err(p, ln, o, "expected udp or tcp, not '%s'", o->s);
				return false;
			}
			ev->l4 = o->s[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP;
		} else {
			size_t lo = ev->kind == RG_EV_TCP ? 0 : 4;
			size_t hi = ev->kind == RG_EV_TCP ? 4 : 6;
			size_t j;

			for (j = lo; j < hi; j++)
				if (strcmp(o->s, outcomes[j]) == 0)
					break;
			if (j == hi) {
				err(p, ln, o, "unknown outcome '%s' (%s)", o->s,
				    ev->kind == RG_EV_TCP ? "ok, refused, unanswered, reset" :
							    "reply, noreply");
				return false;
			}
			ev->outcome = (enum rg_outcome)j;
		}
		if (!parse_opts(p, ln, i + 5, ev))
			return false;
	} else if (strcmp(k->s, "vrrp") == 0 || strcmp(k->s, "bcast") == 0) {
		ev->kind = k->s[0] == 'v' ? RG_EV_VRRP : RG_EV_BCAST;
		if (i + 1 >= ln->n) {
			err_end(p, ln, "a host");
			return false;
		}
		ev->src = need_host(p, ln, &ln->t[i + 1], ln->t[i + 1].s);
		if (ev->src < 0)
			return false;
		if (ev->kind == RG_EV_BCAST) {
			if (i + 3 >= ln->n) {
				err_end(p, ln, "udp PORT");
				return false;
			}
			if (strcmp(ln->t[i + 2].s, "udp") != 0) {
				err(p, ln, &ln->t[i + 2], "expected udp, not '%s'", ln->t[i + 2].s);
				return false;
			}
			ev->l4 = IPPROTO_UDP;
			if (!parse_u64(ln->t[i + 3].s, 65535, &n) || n == 0) {
				err(p, ln, &ln->t[i + 3], "bad port '%s' (1-65535)",
				    ln->t[i + 3].s);
				return false;
			}
			ev->port = (uint16_t)n;
			ev->outcome = RG_NOREPLY;
			if (!parse_opts(p, ln, i + 4, ev))
				return false;
		} else if (!parse_opts(p, ln, i + 2, ev)) {
			return false;
		}
	} else {
		const char *best = NULL;
		unsigned bestd = 3;

		for (size_t j = 0; j < sizeof(event_words) / sizeof(event_words[0]); j++) {
			unsigned d = rasflow_edit_distance(k->s, event_words[j]);

			if (d < bestd) {
				bestd = d;
				best = event_words[j];
			}
		}
		if (best)
			err(p, ln, k, "unknown event '%s' (did you mean '%s'?)", k->s, best);
		else
			err(p, ln, k, "unknown event '%s' (tcp, udp, icmp-unreach, vrrp, bcast)",
			    k->s);
		return false;
	}
	return check_event(p, ln, i, ev);
}

static bool push_event(struct parser *p, struct line *ln, const struct rg_event *ev)
{
	struct scn *s = p->s;

	if (s->nev >= MAX_EVENTS) {
		err(p, ln, NULL, "too many events (at most %d after repetition)", MAX_EVENTS);
		return false;
	}
	if (s->nev == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct rg_event *n = realloc(s->ev, cap * sizeof(*n));

		if (n == NULL) {
			err(p, ln, NULL, "out of memory");
			return false;
		}
		s->ev = n;
		s->cap = cap;
	}
	s->ev[s->nev] = *ev;
	/* copies of a repeated event own copies of its raw bytes */
	s->ev[s->nev].raw_c = NULL;
	s->ev[s->nev].raw_s = NULL;
	if (ev->raw_c_len) {
		s->ev[s->nev].raw_c = malloc(ev->raw_c_len);
		if (s->ev[s->nev].raw_c)
			memcpy(s->ev[s->nev].raw_c, ev->raw_c, ev->raw_c_len);
	}
	if (ev->raw_s_len) {
		s->ev[s->nev].raw_s = malloc(ev->raw_s_len);
		if (s->ev[s->nev].raw_s)
			memcpy(s->ev[s->nev].raw_s, ev->raw_s, ev->raw_s_len);
	}
	if ((ev->raw_c_len && !s->ev[s->nev].raw_c) || (ev->raw_s_len && !s->ev[s->nev].raw_s)) {
		free(s->ev[s->nev].raw_c);
		free(s->ev[s->nev].raw_s);
		err(p, ln, NULL, "out of memory");
		return false;
	}
	s->nev++;
	return true;
}

/* "+T EVENT" or "every D from +T1 to +T2 EVENT". */
static void parse_timed(struct parser *p, struct line *ln)
{
	struct rg_event ev;
	int64_t t0, t1, step = 0;
	size_t first;

	if (ln->t[0].s[0] == '+') {
		if (!parse_offset(ln->t[0].s, &t0)) {
			err(p, ln, &ln->t[0], "bad time '%s' (e.g. +0, +1.5, +250ms, +2m)",
			    ln->t[0].s);
			return;
		}
		t1 = t0;
		first = 1;
	} else {
		if (ln->n < 6 || strcmp(ln->t[2].s, "from") != 0 || strcmp(ln->t[4].s, "to") != 0) {
			err(p, ln, &ln->t[0], "expected 'every DURATION from +T to +T EVENT'");
			return;
		}
		if (!parse_dur(ln->t[1].s, &step) || step <= 0) {
			err(p, ln, &ln->t[1], "bad duration '%s' (e.g. 15s, 500ms)", ln->t[1].s);
			return;
		}
		if (!parse_offset(ln->t[3].s, &t0)) {
			err(p, ln, &ln->t[3], "bad time '%s' (e.g. +0, +1.5)", ln->t[3].s);
			return;
		}
		if (!parse_offset(ln->t[5].s, &t1) || t1 < t0) {
			err(p, ln, &ln->t[5], "bad time '%s' (not before the 'from' time)",
			    ln->t[5].s);
			return;
		}
		first = 6;
	}
	if (first >= ln->n) {
		err_end(p, ln, "an event (tcp, udp, icmp-unreach, vrrp, bcast)");
		return;
	}
	if (!parse_event(p, ln, first, &ev))
		goto out;
	if (step && (t1 - t0) / step >= MAX_EVENTS) {
		err(p, ln, &ln->t[1], "too many repetitions");
		goto out;
	}
	for (int64_t t = t0; t <= t1; t += step) {
		ev.t_us = t;
		if (!push_event(p, ln, &ev) || step == 0)
			break;
	}
out:
	free(ev.raw_c);
	free(ev.raw_s);
}

static bool is_setting(const char *w)
{
	for (size_t i = 0; i < sizeof(setting_words) / sizeof(setting_words[0]); i++)
		if (strcmp(w, setting_words[i]) == 0)
			return strcmp(w, "host") != 0 && strcmp(w, "every") != 0;
	return false;
}

static int read_lines(struct parser *p, FILE *fp)
{
	char *buf = NULL;
	size_t bufsz = 0;
	ssize_t got;
	size_t cap = 0;
	unsigned no = 0;

	while ((got = getline(&buf, &bufsz, fp)) >= 0) {
		struct line *ln;

		no++;
		if (p->nlines == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct line *nl = realloc(p->lines, nc * sizeof(*nl));

			if (nl == NULL)
				goto oom;
			p->lines = nl;
			cap = nc;
		}
		ln = &p->lines[p->nlines];
		ln->text = strdup(buf);
		if (ln->text == NULL)
			goto oom;
		ln->no = no;
		p->nlines++;
		if (tokenize(p, ln) < 0)
			ln->n = 0;
	}
	free(buf);
	return 0;
oom:
	free(buf);
	rasflow_err_add(p->errs, p->file, no, 0, "out of memory");
	return -1;
}

static int cmp_err(const void *a, const void *b)
{
	const struct rasflow_err *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

struct scn *rg_scn_load(const char *path, struct rasflow_errlist *errs)
{
	struct parser p = { .file = path, .errs = errs };
	FILE *fp = fopen(path, "r");
	size_t nerr0 = errs->n + errs->dropped;

	if (fp == NULL) {
		rasflow_err_add(errs, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	p.s = calloc(1, sizeof(*p.s));
	if (p.s == NULL) {
		fclose(fp);
		rasflow_err_add(errs, path, 0, 0, "out of memory");
		return NULL;
	}
	p.s->set.start_us = RG_DEFAULT_START;
	p.s->set.link = RG_LINK_ETH;
	p.s->set.sll2_host = -1;
	p.s->set.snaplen = 65535;
	p.s->set.seed = 1;
	p.s->set.rtt_us = 400;
	p.s->set.pad = true;
	if (read_lines(&p, fp) < 0)
		goto fail;
	/* pass 1: hosts; pass 2: settings (link sll2 names a host), routers, events */
	for (size_t i = 0; i < p.nlines; i++)
		if (p.lines[i].n && strcmp(p.lines[i].t[0].s, "host") == 0)
			parse_host(&p, &p.lines[i]);
	for (size_t i = 0; i < p.nlines; i++) {
		struct line *ln = &p.lines[i];

		if (ln->n == 0)
			continue;
		if (strcmp(ln->t[0].s, "host") == 0)
			resolve_via(&p, ln);
		else if (is_setting(ln->t[0].s))
			parse_setting(&p, ln);
		else if (ln->t[0].s[0] == '+' || strcmp(ln->t[0].s, "every") == 0)
			parse_timed(&p, ln);
		else if (isdigit((unsigned char)ln->t[0].s[0]))
			err(&p, ln, &ln->t[0], "bad time '%s' (offsets start with '+')",
			    ln->t[0].s);
		else
			err(&p, ln, &ln->t[0], "unknown setting or event '%s' (events start with "
					       "'+TIME' or 'every')", ln->t[0].s);
	}
	qsort(errs->e, errs->n, sizeof(errs->e[0]), cmp_err);
	if (errs->n + errs->dropped != nerr0)
		goto fail;
	for (size_t i = 0; i < p.nlines; i++)
		free(p.lines[i].text);
	free(p.lines);
	fclose(fp);
	return p.s;
fail:
	for (size_t i = 0; i < p.nlines; i++)
		free(p.lines[i].text);
	free(p.lines);
	fclose(fp);
	rg_scn_free(p.s);
	return NULL;
}

void rg_scn_free(struct scn *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nev; i++) {
		free(s->ev[i].raw_c);
		free(s->ev[i].raw_s);
	}
	free(s->ev);
	free(s->hosts);
	free(s);
}
