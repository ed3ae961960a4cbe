/* site.c — parse the site inventory and answer longest-prefix lookups.
 *
 * Every entry lives in one open-addressing hash keyed by (prefix length,
 * network address); a lookup probes once per prefix length present in the
 * file, longest first. Role ids are resolved through rules.h; this module
 * does not infer roles and does not know about flows.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rasflow/site.h"

#define NAME_MAX_LEN 63		/* longest NAME accepted */
#define V4_BASE 96		/* IPv4 prefixes live at 96 + n in mapped space */

struct rasflow_site {
	struct rasflow_site_entry *ents;	/* file order */
	size_t n, cap;
	uint32_t *tab;			/* hash slots: entry index + 1, 0 = empty */
	size_t tabmask;			/* slot count - 1 (a power of two) */
	uint8_t plens[129];		/* distinct prefix lengths, longest first */
	unsigned nplens;
	rasflow_roleset roles;		/* every role some entry has */
};

/* State of one parse: where errors go and how many this parse added. */
struct parser {
	const char *file;
	const struct rasflow_ruleset *rs;
	struct rasflow_errlist *errs;
	struct rasflow_site *site;
	unsigned nerr;			/* errors reported by this parse */
	bool oom;
};

/* A run of non-blank bytes inside one line. */
struct tok {
	const char *p;
	size_t len;
	unsigned col;			/* 1-based byte column */
};

static void perr(struct parser *ps, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void perr(struct parser *ps, unsigned line, unsigned col, const char *fmt, ...)
{
	char msg[sizeof(((struct rasflow_err *)0)->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rasflow_err_add(ps->errs, ps->file, line, col, "%s", msg);
	ps->nerr++;
}

/* A token in an error message: at most 40 bytes of it, escaped (err.h). */
static const char *quote(char *buf, size_t size, const char *s, size_t n)
{
	return rasflow_err_quote(buf, size, s, n, 40);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Clear every bit of a beyond the first plen. */
static void mask_addr(struct rasflow_addr *a, unsigned plen)
{
	unsigned full = plen / 8;

	if (full >= 16)
		return;
	a->b[full] &= (uint8_t)(0xff00u >> (plen % 8));
	memset(a->b + full + 1, 0, 15 - full);
}

/* Hash of (plen, network address); splitmix64's finaliser over both halves. */
static uint64_t key_hash(const struct rasflow_addr *a, unsigned plen)
{
	uint64_t hi, lo, h;

	memcpy(&hi, a->b, 8);
	memcpy(&lo, a->b + 8, 8);
	h = hi * 0x9e3779b97f4a7c15ULL ^ lo ^ ((uint64_t)plen << 56);
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	h ^= lo * 0xc2b2ae3d27d4eb4fULL;
	h ^= h >> 29;
	return h;
}

/* Slot holding (plen, a), or the empty slot where it would go. */
static size_t tab_slot(const struct rasflow_site *s, const struct rasflow_addr *a, unsigned plen)
{
	size_t i = (size_t)key_hash(a, plen) & s->tabmask;

	for (;;) {
		uint32_t v = s->tab[i];
		const struct rasflow_site_entry *e;

		if (v == 0)
			return i;
		e = &s->ents[v - 1];
		if (e->plen == plen && memcmp(e->addr.b, a->b, 16) == 0)
			return i;
		i = (i + 1) & s->tabmask;
	}
}

/* Double the slot array and re-insert every entry. */
static int tab_grow(struct rasflow_site *s)
{
	size_t nslots = s->tab ? 2 * (s->tabmask + 1) : 64;
	uint32_t *old = s->tab;

	s->tab = calloc(nslots, sizeof(*s->tab));
	if (s->tab == NULL) {
		s->tab = old;
		return RASFLOW_ENOMEM;
	}
	free(old);
	s->tabmask = nslots - 1;
	for (size_t k = 0; k < s->n; k++) {
		const struct rasflow_site_entry *e = &s->ents[k];

		s->tab[tab_slot(s, &e->addr, e->plen)] = (uint32_t)(k + 1);
	}
	return 0;
}

/* Remember a prefix length, keeping plens[] sorted longest first. */
static void note_plen(struct rasflow_site *s, uint8_t plen)
{
	unsigned i = 0;

	while (i < s->nplens && s->plens[i] > plen)
		i++;
	if (i < s->nplens && s->plens[i] == plen)
		return;
	memmove(s->plens + i + 1, s->plens + i, s->nplens - i);
	s->plens[i] = plen;
	s->nplens++;
}

/* Add an entry (name copied). *dup gets the line of an existing entry with
 * the same network and prefix instead, and nothing is added then. */
static int site_add(struct rasflow_site *s, const struct rasflow_site_entry *proto,
		    const char *name, size_t namelen, unsigned *dup)
{
	struct rasflow_site_entry *e;
	size_t slot;

	*dup = 0;
	if (s->n >= UINT32_MAX - 1)
		return RASFLOW_ENOMEM;
	if (s->tab == NULL || 2 * (s->n + 1) > s->tabmask + 1) {
		if (tab_grow(s) < 0)
			return RASFLOW_ENOMEM;
	}
	slot = tab_slot(s, &proto->addr, proto->plen);
	if (s->tab[slot] != 0) {
		*dup = s->ents[s->tab[slot] - 1].line;
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 32;
		struct rasflow_site_entry *ents = realloc(s->ents, cap * sizeof(*ents));

		if (ents == NULL)
			return RASFLOW_ENOMEM;
		s->ents = ents;
		s->cap = cap;
	}
	e = &s->ents[s->n];
	*e = *proto;
	e->name = NULL;
	if (name != NULL) {
		e->name = malloc(namelen + 1);
		if (e->name == NULL)
			return RASFLOW_ENOMEM;
		memcpy(e->name, name, namelen);
		e->name[namelen] = '\0';
	}
	s->tab[slot] = (uint32_t)(s->n + 1);
	s->n++;
	s->roles |= e->roles;
	note_plen(s, proto->plen);
	return 0;
}

/* Parse "ADDRESS[/PREFIX]" into e->addr / e->plen (mapped space). Reports
 * its own errors and returns false if the token is unusable. */
static bool parse_prefix(struct parser *ps, unsigned line, const struct tok *t,
			 struct rasflow_site_entry *e)
{
	char abuf[RASFLOW_ADDR_STRLEN + 1], q[200];
	const char *slash = memchr(t->p, '/', t->len);
	size_t alen = slash ? (size_t)(slash - t->p) : t->len;
	bool ok = true, v6, have_plen = false;
	unsigned plen = 0, maxp;
	struct rasflow_addr net;

	if (alen == 0 || alen >= sizeof(abuf) || memchr(t->p, '\0', alen) != NULL) {
		ok = false;
	} else {
		memcpy(abuf, t->p, alen);
		abuf[alen] = '\0';
		ok = rasflow_addr_parse(abuf, &e->addr);
	}
	if (!ok) {
		perr(ps, line, t->col, "bad address '%s'", quote(q, sizeof(q), t->p, alen));
		return false;
	}
	v6 = memchr(abuf, ':', alen) != NULL;
	maxp = v6 ? 128 : 32;
	plen = maxp;
	if (slash != NULL) {
		const char *d = slash + 1;
		size_t dlen = t->len - alen - 1;
		unsigned pcol = t->col + (unsigned)alen + 1;

		plen = 0;
		for (size_t i = 0; i < dlen; i++) {
			if (d[i] < '0' || d[i] > '9') {
				perr(ps, line, pcol, "bad prefix length '%s'",
				     quote(q, sizeof(q), d, dlen));
				return false;
			}
			if (plen < 1000)
				plen = plen * 10 + (unsigned)(d[i] - '0');
		}
		if (dlen == 0) {
			perr(ps, line, pcol, "missing prefix length after '/'");
			return false;
		}
		if (plen > maxp) {
			perr(ps, line, pcol, "prefix length /%s out of range for %s (0-%u)",
			     quote(q, sizeof(q), d, dlen), v6 ? "IPv6" : "IPv4", maxp);
			return false;
		}
		have_plen = true;
	}
	e->plen = (uint8_t)(v6 ? plen : V4_BASE + plen);
	net = e->addr;
	mask_addr(&net, e->plen);
	if (have_plen && memcmp(net.b, e->addr.b, 16) != 0) {
		char nbuf[RASFLOW_ADDR_STRLEN];

		/* Suggest in the notation the user wrote (::ffff:a.b.c.d stays IPv6). */
		if (v6)
			inet_ntop(AF_INET6, net.b, nbuf, sizeof(nbuf));
		else
			rasflow_addr_str(&net, nbuf);
		perr(ps, line, t->col, "host bits set; did you mean %s/%u?", nbuf, plen);
		return false;
	}
	return true;
}

/* Parse "ROLE[,ROLE...]" into *set (implied roles not yet added). */
static bool parse_roles(struct parser *ps, unsigned line, const struct tok *t,
			rasflow_roleset *set)
{
	char id[64], q[200];
	size_t i = 0;
	bool ok = true;

	*set = 0;
	while (i <= t->len) {
		const char *r = t->p + i;
		const char *comma = memchr(r, ',', t->len - i);
		size_t rlen = comma ? (size_t)(comma - r) : t->len - i;
		unsigned col = t->col + (unsigned)i;
		int idx = -1;

		if (rlen == 0) {
			if (comma == NULL)
				perr(ps, line, col, "empty role after ','; separate roles with "
				     "commas and no spaces");
			else
				perr(ps, line, col, "empty role in list");
			ok = false;
		} else {
			if (rlen < sizeof(id) && memchr(r, '\0', rlen) == NULL) {
				memcpy(id, r, rlen);
				id[rlen] = '\0';
				idx = rasflow_rules_role(ps->rs, id);
			}
			if (idx < 0) {
				const char *sug = rlen < sizeof(id) && memchr(r, '\0', rlen) == NULL
						  ? rasflow_rules_suggest_role(ps->rs, id) : NULL;

				if (sug != NULL)
					perr(ps, line, col,
					     "unknown role '%s' (did you mean '%s'?)",
					     quote(q, sizeof(q), r, rlen), sug);
				else
					perr(ps, line, col, "unknown role '%s'",
					     quote(q, sizeof(q), r, rlen));
				ok = false;
			} else if (idx >= RASFLOW_MAX_ROLES) {
				perr(ps, line, col, "role '%s' has index %d, beyond the %d a "
				     "role set holds", id, idx, RASFLOW_MAX_ROLES);
				ok = false;
			} else if (*set & ((rasflow_roleset)1 << idx)) {
				perr(ps, line, col, "role '%s' listed twice", id);
				ok = false;
			} else {
				*set |= (rasflow_roleset)1 << idx;
			}
		}
		if (comma == NULL)
			break;
		i += rlen + 1;
	}
	return ok;
}

/* Check NAME: at most NAME_MAX_LEN printable ASCII characters. */
static bool check_name(struct parser *ps, unsigned line, const struct tok *t)
{
	if (t->len > NAME_MAX_LEN) {
		perr(ps, line, t->col, "name longer than %d characters", NAME_MAX_LEN);
		return false;
	}
	for (size_t i = 0; i < t->len; i++) {
		unsigned char c = (unsigned char)t->p[i];

		if (c <= 0x20 || c >= 0x7f) {
			perr(ps, line, t->col + (unsigned)i,
			     "name contains byte 0x%02x; names are printable ASCII", c);
			return false;
		}
	}
	return true;
}

static bool tok_is(const struct tok *t, const char *word)
{
	return t->len == strlen(word) && memcmp(t->p, word, t->len) == 0;
}

/* The fields after the roles: "[NAME] [standby]". *name gets the NAME token
 * and *standby the flag's (NULL for none); false after reporting an error. */
static bool parse_tail(struct parser *ps, unsigned line, const struct tok *t, unsigned nt,
		       const struct tok **name, const struct tok **standby)
{
	char q[200];
	bool ok = true;

	*name = NULL;
	*standby = NULL;
	for (unsigned k = 2; k < nt; k++) {
		if (tok_is(&t[k], "standby") && !*standby) {
			*standby = &t[k];
		} else if (k == 2) {
			*name = &t[k];
			ok = check_name(ps, line, &t[k]) && ok;
		} else {
			perr(ps, line, t[k].col, "unexpected '%s' after the %s",
			     quote(q, sizeof(q), t[k].p, t[k].len),
			     *standby ? "'standby' flag" : "name");
			return false;
		}
	}
	return ok;
}

/* One line (without its '\n'): split into tokens, check, add the entry. */
static void parse_line(struct parser *ps, unsigned line, const char *s, size_t len)
{
	struct tok t[5];
	unsigned nt = 0;
	struct rasflow_site_entry e;
	rasflow_roleset roles = 0;
	const struct tok *name, *standby;
	bool ok, net_ok;
	char nbuf[RASFLOW_SITE_PREFIX_STRLEN];
	unsigned dup;
	size_t i = 0;

	memset(&e, 0, sizeof(e));
	while (i < len && s[i] != '#') {
		size_t start;

		if (is_blank(s[i])) {
			i++;
			continue;
		}
		start = i;
		while (i < len && !is_blank(s[i]) && s[i] != '#')
			i++;
		if (nt < 5) {
			t[nt].p = s + start;
			t[nt].len = i - start;
			t[nt].col = (unsigned)start + 1;
			nt++;
		}
	}
	if (nt == 0)
		return;

	net_ok = parse_prefix(ps, line, &t[0], &e);
	ok = net_ok;
	if (nt < 2) {
		perr(ps, line, t[0].col + (unsigned)t[0].len,
		     "missing role list after the address");
		ok = false;
	} else if (!parse_roles(ps, line, &t[1], &roles)) {
		ok = false;
	}
	if (!parse_tail(ps, line, t, nt, &name, &standby))
		ok = false;
	if (!net_ok)
		return;
	if (standby && !rasflow_site_entry_is_host(&e)) {
		perr(ps, line, standby->col, "'standby' marks one host, and %s is a network",
		     rasflow_site_entry_str(&e, nbuf));
		ok = false;
	}

	/* A line with errors is still entered, so a later repeat of its
	 * network is reported as a duplicate too; the load fails anyway. */
	e.roles = rasflow_rules_close_roles(ps->rs, roles);
	e.standby = standby != NULL;
	e.line = line;
	if (site_add(ps->site, &e, name && ok ? name->p : NULL, name && ok ? name->len : 0,
		     &dup) < 0) {
		ps->oom = true;
		return;
	}
	if (dup)
		perr(ps, line, t[0].col, "duplicate entry for %s; first given on line %u",
		     rasflow_site_entry_str(&e, nbuf), dup);
}

struct rasflow_site *rasflow_site_parse_buf(const char *file, const char *buf, size_t len,
					    const struct rasflow_ruleset *rs,
					    struct rasflow_errlist *errs)
{
	struct parser ps = { .file = file, .rs = rs, .errs = errs };
	unsigned line = 0;
	size_t i = 0;

	if (rs == NULL || (buf == NULL && len > 0)) {
		rasflow_err_add(errs, file, 0, 0, "site file parsed without a ruleset");
		return NULL;
	}
	ps.site = calloc(1, sizeof(*ps.site));
	if (ps.site == NULL)
		goto oom;
	while (i < len && !ps.oom) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t llen = nl ? (size_t)(nl - (buf + i)) : len - i;

		if (line == UINT32_MAX) {
			rasflow_err_add(errs, file, 0, 0, "too many lines");
			ps.nerr++;
			break;
		}
		parse_line(&ps, ++line, buf + i, llen);
		i += llen + 1;
	}
	if (ps.oom)
		goto oom;
	if (ps.nerr > 0) {
		rasflow_site_free(ps.site);
		return NULL;
	}
	return ps.site;
oom:
	rasflow_err_add(errs, file, 0, 0, "out of memory");
	rasflow_site_free(ps.site);
	return NULL;
}

struct rasflow_site *rasflow_site_load(const char *path, const struct rasflow_ruleset *rs,
				       struct rasflow_errlist *errs)
{
	struct rasflow_site *site = NULL;
	size_t len = 0, cap = 0;
	char *buf = NULL;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL) {
		rasflow_err_add(errs, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			size_t ncap = cap ? 2 * cap : 65536;
			char *nbuf = realloc(buf, ncap);

			if (nbuf == NULL) {
				rasflow_err_add(errs, path, 0, 0, "out of memory");
				goto out;
			}
			buf = nbuf;
			cap = ncap;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rasflow_err_add(errs, path, 0, 0, "cannot read: %s", strerror(errno));
		goto out;
	}
	site = rasflow_site_parse_buf(path, buf, len, rs, errs);
out:
	fclose(f);
	free(buf);
	return site;
}

void rasflow_site_free(struct rasflow_site *site)
{
	if (site == NULL)
		return;
	for (size_t i = 0; i < site->n; i++)
		free(site->ents[i].name);
	free(site->ents);
	free(site->tab);
	free(site);
}

const struct rasflow_site_entry *rasflow_site_lookup(const struct rasflow_site *site,
						     const struct rasflow_addr *a)
{
	bool v4;

	if (site == NULL || site->n == 0)
		return NULL;
	v4 = rasflow_addr_is_v4(a);
	for (unsigned i = 0; i < site->nplens; i++) {
		unsigned plen = site->plens[i];
		struct rasflow_addr net;
		uint32_t v;

		/* An IPv6 prefix shorter than ::ffff:0:0/96 (::/0, say) never
		 * covers IPv4 hosts: the mapping is storage, not routing. */
		if (v4 && plen < V4_BASE)
			break;
		net = *a;
		mask_addr(&net, plen);
		v = site->tab[tab_slot(site, &net, plen)];
		if (v != 0)
			return &site->ents[v - 1];
	}
	return NULL;
}

size_t rasflow_site_count(const struct rasflow_site *site)
{
	return site ? site->n : 0;
}

rasflow_roleset rasflow_site_roles(const struct rasflow_site *site)
{
	return site ? site->roles : 0;
}

const struct rasflow_site_entry *rasflow_site_entry(const struct rasflow_site *site, size_t i)
{
	if (site == NULL || i >= site->n)
		return NULL;
	return &site->ents[i];
}

int rasflow_site_entry_is_host(const struct rasflow_site_entry *e)
{
	return e->plen == 128;
}

const char *rasflow_site_entry_str(const struct rasflow_site_entry *e,
				   char buf[RASFLOW_SITE_PREFIX_STRLEN])
{
	size_t n;

	rasflow_addr_str(&e->addr, buf);
	if (rasflow_site_entry_is_host(e))
		return buf;
	n = strlen(buf);
	if (rasflow_addr_is_v4(&e->addr) && e->plen >= V4_BASE)
		snprintf(buf + n, RASFLOW_SITE_PREFIX_STRLEN - n, "/%u", e->plen - V4_BASE);
	else
		snprintf(buf + n, RASFLOW_SITE_PREFIX_STRLEN - n, "/%u", e->plen);
	return buf;
}
