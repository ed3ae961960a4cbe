/* rules.c — parser for the rules language (docs/rules-format.md).
 *
 * The text is cut into statements (a line that starts in column 1 plus its
 * indented continuation lines) made of word and quoted-string tokens. Role
 * statements are read first, so rules and "implies:" may name roles declared
 * later; then everything else in file order. Every error is collected with its
 * line and column, the list is sorted by position, and any error fails the
 * load. Classification lives in match.c, printing in rules_emit.c.
 */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match_priv.h"
#include "rasflow/rules.h"

#define DEFAULT_WINDOW 60		/* seconds: "steady" without "window:" */
#define MAX_WINDOW (7 * 86400)		/* longest window accepted */
#define MAX_COLLECTED 10000		/* errors kept before sorting; the rest are counted */

/* One token. Words point into the buffer; strings into the unescape area. */
struct tok {
	const char *s;
	size_t len;
	size_t rawlen;			/* bytes in the file, quotes included */
	unsigned line, col;		/* 1-based; col counts bytes */
	bool str;			/* a quoted string */
};

/* A statement: tokens [first, first + n). A statement with a lexical error
 * (unterminated string, NUL byte) is not interpreted further, so one typo
 * does not cascade into a screenful of follow-up errors. */
struct stmt {
	size_t first, n;
	bool bad;
};

/* An error before sorting; seq keeps equal positions in discovery order. */
struct perr {
	unsigned line, col;
	size_t seq;
	char msg[sizeof(((struct rasflow_err *)0)->msg)];
};

/* Where a rule id was written, for the duplicate check. */
struct idpos {
	const char *id;			/* the rule's own copy */
	unsigned line, col;
};

struct parser {
	const char *file;
	struct tok *toks;
	size_t ntoks, captoks;
	struct stmt *stmts;
	size_t nstmts, capstmts;
	char *strbuf;			/* unescaped strings, each NUL-terminated */
	size_t strused;
	struct perr *errs;
	size_t nerrs, caperrs, dropped;
	bool nomem;
	struct rasflow_ruleset *rs;
	size_t caproles, caprules, capapps;
	size_t *implies_tok;		/* per role: token index of "implies:", or SIZE_MAX */
	struct idpos *ids;		/* per rule: where its id was written */
	size_t capids;
	unsigned ruleset_line;		/* line of the "ruleset" directive, 0 = none yet */
};

static const char *const class_names[] = { "ras", "infra", "external", "user", "pseudo" };
static const char *const traffic_names[] = { "unknown", "steady", "mixed", "ondemand" };
static const char *const directives[] = { "ruleset", "role", "app", "rule" };

/* Bare rule flags and the RASFLOW_RF_* bit each sets. */
static const struct {
	const char *name;
	unsigned bit;
} bare_flags[] = {
	{ "bcast", RASFLOW_RF_BCAST },     { "mcast", RASFLOW_RF_MCAST },
	{ "oneway", RASFLOW_RF_ONEWAY },   { "local", RASFLOW_RF_LOCAL },
	{ "ext", RASFLOW_RF_EXT },         { "reverse", RASFLOW_RF_REVERSE },
	{ "cfgport", RASFLOW_RF_CFGPORT }, { "supp", RASFLOW_RF_SUPP },
	{ "doubtful", RASFLOW_RF_DOUBTFUL }, { "optional-url", RASFLOW_RF_OPTURL },
};

/* Every flag spelling, for "did you mean" (keys carry their ':'). */
static const char *const flag_words[] = {
	"bcast", "mcast", "oneway", "local", "ext", "reverse", "cfgport", "supp", "doubtful",
	"optional-url", "steady", "mixed", "ondemand", "unknown", "traffic:", "window:", "opt:",
	"legacy:", "amb:", "host:", "path:", "tag:", "gov:", "seed:", "app:", "desc", "note",
};

static void perr(struct parser *p, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Record an error at line:col. */
static void perr(struct parser *p, unsigned line, unsigned col, const char *fmt, ...)
{
	struct perr *e;
	va_list ap;

	if (p->nerrs >= MAX_COLLECTED) {
		p->dropped++;
		return;
	}
	if (p->nerrs == p->caperrs) {
		size_t cap = p->caperrs ? p->caperrs * 2 : 16;
		struct perr *n = realloc(p->errs, cap * sizeof(*n));

		if (n == NULL) {
			p->nomem = true;
			p->dropped++;
			return;
		}
		p->errs = n;
		p->caperrs = cap;
	}
	e = &p->errs[p->nerrs];
	e->line = line;
	e->col = col;
	e->seq = p->nerrs++;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

/* Tokens in messages: at most 60 bytes of one, escaped (err.h). */
#define Q(buf, s, n) rasflow_err_quote(buf, sizeof(buf), s, n, 60)

static bool tok_is(const struct tok *t, const char *word)
{
	return !t->str && t->len == strlen(word) && memcmp(t->s, word, t->len) == 0;
}

/* The nearest candidate to word[0..n), or NULL if none is close enough to
 * be a plausible typo (distance at most 2 and less than the word length). */
static const char *nearest(const char *word, size_t n, const char *const *cand, size_t ncand)
{
	char w[64];
	const char *best = NULL;
	unsigned bestd = ~0u;

	if (n == 0 || n >= sizeof(w))
		return NULL;
	memcpy(w, word, n);
	w[n] = '\0';
	for (size_t i = 0; i < ncand; i++) {
		unsigned d = rasflow_edit_distance(w, cand[i]);

		if (d < bestd) {
			bestd = d;
			best = cand[i];
		}
	}
	if (best == NULL || bestd == 0 || bestd > 2 || bestd >= n)
		return NULL;
	return best;
}

/* " (did you mean 'x'?)" or "" into buf. */
static const char *mean(char *buf, size_t size, const char *suggestion)
{
	if (suggestion == NULL)
		buf[0] = '\0';
	else
		snprintf(buf, size, " (did you mean '%s'?)", suggestion);
	return buf;
}

static void *grow(struct parser *p, void *arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *na;

	if (n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 16;
	na = realloc(arr, ncap * elem);
	if (na == NULL) {
		p->nomem = true;
		return NULL;
	}
	*cap = ncap;
	return na;
}

static char *dupn(struct parser *p, const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d == NULL) {
		p->nomem = true;
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* ---- step 1: tokens and statements ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void add_tok(struct parser *p, const char *s, size_t len, size_t rawlen, unsigned line,
		    unsigned col, bool str)
{
	struct tok *n = grow(p, p->toks, &p->captoks, p->ntoks, sizeof(*n));

	if (n == NULL)
		return;
	p->toks = n;
	p->toks[p->ntoks++] = (struct tok){ s, len, rawlen, line, col, str };
}

/* Cut one line [bol, eol) into tokens appended to p->toks; false if the
 * line had a lexical error. */
static bool tokenize_line(struct parser *p, const char *buf, size_t bol, size_t eol, unsigned line)
{
	size_t j = bol;
	bool ok = true;

	while (j < eol) {
		char c = buf[j];
		unsigned col = (unsigned)(j - bol + 1);

		if (is_blank(c)) {
			j++;
		} else if (c == '\0') {
			perr(p, line, col, "NUL byte in rules text");
			ok = false;
			j++;
		} else if (c == '#') {
			break;
		} else if (c == '"') {
			char *out = p->strbuf + p->strused;
			size_t k = j + 1, o = 0;

			while (k < eol && buf[k] != '"') {
				if (buf[k] == '\\' && k + 1 < eol)
					k++;
				out[o++] = buf[k++];
			}
			if (k >= eol) {
				perr(p, line, col, "unterminated string");
				return false;
			}
			out[o] = '\0';
			p->strused += o + 1;
			add_tok(p, out, o, k + 1 - j, line, col, true);
			j = k + 1;
		} else {
			size_t k = j;

			while (k < eol && !is_blank(buf[k]) && buf[k] != '\0')
				k++;
			add_tok(p, buf + j, k - j, k - j, line, col, false);
			j = k;
		}
	}
	return ok;
}

/* Cut the whole text into statements. Blank and comment lines are skipped
 * without ending the current statement. */
static void tokenize(struct parser *p, const char *buf, size_t len)
{
	size_t i = 0;
	unsigned line = 1;
	bool open = false;

	while (i < len) {
		size_t eol = i, before = p->ntoks;
		bool bad;

		while (eol < len && buf[eol] != '\n')
			eol++;
		bad = !tokenize_line(p, buf, i, eol, line);
		if (p->ntoks > before || bad) {
			if (i < eol && !is_blank(buf[i])) {
				struct stmt *n = grow(p, p->stmts, &p->capstmts, p->nstmts,
						      sizeof(*n));

				if (n != NULL) {
					p->stmts = n;
					p->stmts[p->nstmts++] = (struct stmt){ before,
									      p->ntoks - before, bad };
					open = true;
				}
			} else if (open) {
				p->stmts[p->nstmts - 1].n += p->ntoks - before;
				p->stmts[p->nstmts - 1].bad |= bad;
			} else {
				if (p->ntoks > before)
					perr(p, line, p->toks[before].col,
					     "continuation line without a statement");
				p->ntoks = before;
			}
		}
		i = eol + 1;
		line++;
	}
}

/* ---- step 2: meaning ---- */

/* Position just past the last token of a statement, for "missing" errors. */
static void end_of(const struct parser *p, const struct stmt *st, unsigned *line, unsigned *col)
{
	const struct tok *t = &p->toks[st->first + st->n - 1];

	*line = t->line;
	*col = t->col + (unsigned)t->rawlen;
}

static void missing(struct parser *p, const struct stmt *st, const char *what)
{
	unsigned line, col;

	end_of(p, st, &line, &col);
	perr(p, line, col, "missing %s", what);
}

static bool id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

static bool valid_id(const struct tok *t)
{
	if (t->str || t->len == 0 || t->len > 63)
		return false;
	for (size_t i = 0; i < t->len; i++)
		if (!id_char(t->s[i]))
			return false;
	return true;
}

static int find_role_n(const struct rasflow_ruleset *rs, const char *s, size_t n)
{
	for (size_t i = 0; i < rs->nroles; i++)
		if (strlen(rs->roles[i].id) == n && memcmp(rs->roles[i].id, s, n) == 0)
			return (int)i;
	return -1;
}

/* Resolve a role name at (s, n) found at line:col; -1 after reporting. */
static int resolve_role(struct parser *p, const char *s, size_t n, unsigned line, unsigned col)
{
	char q[80], m[96], w[64];
	int r = find_role_n(p->rs, s, n);

	if (r >= 0)
		return r;
	if (n > 0 && n < sizeof(w)) {
		memcpy(w, s, n);
		w[n] = '\0';
		perr(p, line, col, "unknown role '%s'%s", Q(q, s, n),
		     mean(m, sizeof(m), rasflow_rules_suggest_role(p->rs, w)));
	} else {
		perr(p, line, col, "unknown role '%s'", Q(q, s, n));
	}
	return -1;
}

/* role ID CLASS "Display name" [implies:ROLE,...] */
static void parse_role(struct parser *p, const struct stmt *st)
{
	const struct tok *t = &p->toks[st->first];
	struct rasflow_role *role, *nr;
	char q[80], m[96];
	int cls = -1, dup;
	size_t imp = SIZE_MAX, *ni;

	if (st->n < 2) {
		missing(p, st, "role id");
		return;
	}
	if (!valid_id(&t[1])) {
		perr(p, t[1].line, t[1].col, "bad role id '%s'", Q(q, t[1].s, t[1].len));
		return;
	}
	dup = find_role_n(p->rs, t[1].s, t[1].len);
	if (dup >= 0) {
		perr(p, t[1].line, t[1].col, "duplicate role '%s' (first declared at line %u)",
		     Q(q, t[1].s, t[1].len), p->rs->roles[dup].line);
		return;
	}
	if (st->n < 3) {
		missing(p, st, "role class");
		return;
	}
	for (size_t i = 0; i < sizeof(class_names) / sizeof(*class_names); i++)
		if (tok_is(&t[2], class_names[i]))
			cls = (int)i;
	if (cls < 0) {
		perr(p, t[2].line, t[2].col, "unknown role class '%s'%s", Q(q, t[2].s, t[2].len),
		     mean(m, sizeof(m), nearest(t[2].s, t[2].len, class_names,
						 sizeof(class_names) / sizeof(*class_names))));
		return;
	}
	if (st->n < 4) {
		missing(p, st, "role name");
		return;
	}
	if (!t[3].str) {
		perr(p, t[3].line, t[3].col, "expected a quoted role name, not '%s'",
		     Q(q, t[3].s, t[3].len));
		return;
	}
	for (size_t i = 4; i < st->n; i++) {
		if (!t[i].str && t[i].len >= 8 && memcmp(t[i].s, "implies:", 8) == 0 &&
		    imp == SIZE_MAX) {
			imp = st->first + i;
			continue;
		}
		perr(p, t[i].line, t[i].col, "unexpected '%s' in role declaration",
		     Q(q, t[i].s, t[i].len));
		return;
	}
	if (p->rs->nroles >= RASFLOW_MAX_ROLES) {
		perr(p, t[1].line, t[1].col, "too many roles (at most %d)", RASFLOW_MAX_ROLES);
		return;
	}
	nr = grow(p, p->rs->roles, &p->caproles, p->rs->nroles, sizeof(*nr));
	if (nr == NULL)
		return;
	p->rs->roles = nr;
	ni = realloc(p->implies_tok, p->caproles * sizeof(*ni));
	if (ni == NULL) {
		p->nomem = true;
		return;
	}
	p->implies_tok = ni;
	role = &p->rs->roles[p->rs->nroles];
	memset(role, 0, sizeof(*role));
	role->id = dupn(p, t[1].s, t[1].len);
	role->name = dupn(p, t[3].s, t[3].len);
	role->cls = (enum rasflow_role_class)cls;
	role->line = t[1].line;
	p->implies_tok[p->rs->nroles] = imp;
	p->rs->nroles++;
}

/* Resolve the "implies:" list of every role (roles may be declared later). */
static void resolve_implies(struct parser *p)
{
	for (size_t r = 0; r < p->rs->nroles; r++) {
		const struct tok *t;
		size_t k;

		if (p->implies_tok[r] == SIZE_MAX)
			continue;
		t = &p->toks[p->implies_tok[r]];
		k = 8;
		if (k == t->len) {
			perr(p, t->line, t->col + 8, "missing role after 'implies:'");
			continue;
		}
		while (k <= t->len) {
			size_t e = k;
			int idx;

			while (e < t->len && t->s[e] != ',')
				e++;
			idx = resolve_role(p, t->s + k, e - k, t->line, t->col + (unsigned)k);
			if (idx >= 0)
				p->rs->roles[r].implies |= (rasflow_roleset)1 << idx;
			k = e + 1;
		}
	}
}

/* A decimal number of up to 6 digits at s[0..n); false if not all digits. */
static bool number(const char *s, size_t n, unsigned long *out)
{
	unsigned long v = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v < 1000000)
			v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* "tcp", "udp", "tcp,udp", "ip:112" into RASFLOW_T_* bits; false after reporting. */
static bool parse_transports(struct parser *p, const struct tok *t, unsigned *tr, uint8_t *proto)
{
	static const char *const names[] = { "tcp", "udp" };
	char q[80], m[96];
	size_t k = 0;

	*tr = 0;
	*proto = 0;
	if (t->str) {
		perr(p, t->line, t->col, "expected a transport, not a string");
		return false;
	}
	while (k <= t->len) {
		size_t e = k;
		unsigned col = t->col + (unsigned)k, bit = 0;
		unsigned long v;

		while (e < t->len && t->s[e] != ',')
			e++;
		if (e - k == 3 && memcmp(t->s + k, "tcp", 3) == 0) {
			bit = RASFLOW_T_TCP;
		} else if (e - k == 3 && memcmp(t->s + k, "udp", 3) == 0) {
			bit = RASFLOW_T_UDP;
		} else if (e - k > 3 && memcmp(t->s + k, "ip:", 3) == 0) {
			if (!number(t->s + k + 3, e - k - 3, &v) || v > 255) {
				perr(p, t->line, col, "bad IP protocol number '%s'",
				     Q(q, t->s + k, e - k));
				return false;
			}
			if (v == 6 || v == 17) {
				perr(p, t->line, col, "write '%s' instead of 'ip:%lu'",
				     v == 6 ? "tcp" : "udp", v);
				return false;
			}
			bit = RASFLOW_T_IP;
			*proto = (uint8_t)v;
		} else {
			perr(p, t->line, col, "unknown transport '%s'%s", Q(q, t->s + k, e - k),
			     mean(m, sizeof(m), nearest(t->s + k, e - k, names, 2)));
			return false;
		}
		if (*tr & bit) {
			perr(p, t->line, col, "transport '%s' listed twice", Q(q, t->s + k, e - k));
			return false;
		}
		*tr |= bit;
		if ((*tr & RASFLOW_T_IP) && *tr != RASFLOW_T_IP) {
			perr(p, t->line, t->col, "ip:N cannot be combined with tcp or udp");
			return false;
		}
		k = e + 1;
	}
	return true;
}

static int cmp_range(const void *a, const void *b)
{
	const struct rasflow_portrange *x = a, *y = b;

	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* A port list ("80,443", "135,49152-65535") into a new array; "-" gives
 * none. Returns false after reporting. */
static bool parse_ports(struct parser *p, const struct tok *t, struct rasflow_portrange **out,
			size_t *nout)
{
	struct rasflow_portrange *pr = NULL, *sorted;
	size_t n = 0, cap = 0, k = 0;
	char q[80];
	bool ok = true;

	*out = NULL;
	*nout = 0;
	if (t->str) {
		perr(p, t->line, t->col, "expected ports, not a string");
		return false;
	}
	if (t->len == 1 && t->s[0] == '-')
		return true;
	while (k <= t->len && ok) {
		size_t e = k, dash;
		unsigned long lo, hi = 0;
		unsigned col = t->col + (unsigned)k;

		while (e < t->len && t->s[e] != ',')
			e++;
		for (dash = k; dash < e && t->s[dash] != '-'; dash++)
			;
		if (!number(t->s + k, dash - k, &lo) ||
		    (dash < e && !number(t->s + dash + 1, e - dash - 1, &hi))) {
			perr(p, t->line, col, "bad port '%s'", Q(q, t->s + k, e - k));
			ok = false;
			break;
		}
		if (dash == e)
			hi = lo;
		if (lo < 1 || lo > 65535) {
			perr(p, t->line, col, "port %lu out of range (1-65535)", lo);
			ok = false;
		} else if (hi < 1 || hi > 65535) {
			perr(p, t->line, t->col + (unsigned)(dash + 1), "port %lu out of range (1-65535)",
			     hi);
			ok = false;
		} else if (hi < lo) {
			perr(p, t->line, col, "reversed range %lu-%lu", lo, hi);
			ok = false;
		} else {
			struct rasflow_portrange *np = grow(p, pr, &cap, n, sizeof(*np));

			if (np == NULL) {
				ok = false;
				break;
			}
			pr = np;
			pr[n].lo = (uint16_t)lo;
			pr[n].hi = (uint16_t)hi;
			n++;
		}
		k = e + 1;
	}
	if (ok && n > 1) {
		sorted = malloc(n * sizeof(*sorted));
		if (sorted == NULL) {
			p->nomem = true;
			ok = false;
		} else {
			memcpy(sorted, pr, n * sizeof(*sorted));
			qsort(sorted, n, sizeof(*sorted), cmp_range);
			for (size_t i = 1; i < n && ok; i++) {
				if (sorted[i].lo <= sorted[i - 1].hi) {
					perr(p, t->line, t->col, "port %u listed twice",
					     (unsigned)sorted[i].lo);
					ok = false;
				}
			}
			free(sorted);
		}
	}
	if (!ok) {
		free(pr);
		return false;
	}
	*out = pr;
	*nout = n;
	return true;
}

/* An application list "TLS|QUIC" ("-" = expect nothing, stored as "");
 * NULL after reporting. */
static char *parse_apps(struct parser *p, const char *s, size_t n, unsigned line, unsigned col)
{
	char q[80];
	bool ok = n > 0;

	if (n == 1 && s[0] == '-')
		return dupn(p, "", 0);
	for (size_t i = 0; i < n && ok; i++) {
		if (s[i] == '|')
			ok = i > 0 && i + 1 < n && s[i + 1] != '|';
		else
			ok = id_char(s[i]);
	}
	if (!ok) {
		perr(p, line, col, "bad application list '%s' (nDPI names joined by '|', or '-')",
		     Q(q, s, n));
		return NULL;
	}
	return dupn(p, s, n);
}

static bool rule_has_port(const struct rasflow_rule *r, unsigned port)
{
	for (size_t i = 0; i < r->nports; i++)
		if (port >= r->ports[i].lo && port <= r->ports[i].hi)
			return true;
	return false;
}

/* app TRANSPORTS PORTS APPS — one global expectation per transport and port. */
static void parse_app(struct parser *p, const struct stmt *st)
{
	const struct tok *t = &p->toks[st->first];
	struct rasflow_portrange *ports = NULL;
	size_t nports = 0;
	unsigned tr;
	uint8_t proto;
	char *apps;
	char q[80];

	if (st->n < 2) {
		missing(p, st, "transport");
		return;
	}
	if (!parse_transports(p, &t[1], &tr, &proto))
		return;
	if (st->n < 3) {
		missing(p, st, "ports");
		return;
	}
	if (!parse_ports(p, &t[2], &ports, &nports))
		return;
	if (tr == RASFLOW_T_IP && nports) {
		perr(p, t[2].line, t[2].col, "ip:%u has no ports; write '-'", (unsigned)proto);
		goto out;
	}
	if (tr != RASFLOW_T_IP && nports == 0) {
		perr(p, t[2].line, t[2].col, "tcp and udp need ports, not '-'");
		goto out;
	}
	for (size_t i = 0; i < nports; i++) {
		if (ports[i].lo != ports[i].hi) {
			perr(p, t[2].line, t[2].col, "app directives take single ports, not ranges");
			goto out;
		}
	}
	if (st->n < 4) {
		missing(p, st, "application list");
		goto out;
	}
	if (t[3].str) {
		perr(p, t[3].line, t[3].col, "expected an application list, not a string");
		goto out;
	}
	if (st->n > 4) {
		perr(p, t[4].line, t[4].col, "unexpected '%s' after the application list",
		     Q(q, t[4].s, t[4].len));
		goto out;
	}
	/* an IP protocol is stored as one entry with port = protocol number */
	for (size_t i = 0; i < (nports ? nports : 1); i++) {
		uint16_t port = nports ? ports[i].lo : proto;
		struct rasflow_ruleset *rs = p->rs;
		struct rasflow_app_expect *na;

		for (size_t j = 0; j < rs->napps; j++) {
			if ((rs->apps[j].transports & tr) && rs->apps[j].port == port) {
				perr(p, t[2].line, t[2].col,
				     "second app directive for port %u (the first is %s)",
				     (unsigned)port, rs->apps[j].apps);
				goto out;
			}
		}
		apps = parse_apps(p, t[3].s, t[3].len, t[3].line, t[3].col);
		if (apps == NULL)
			goto out;
		na = grow(p, rs->apps, &p->capapps, rs->napps, sizeof(*na));
		if (na == NULL) {
			free(apps);
			goto out;
		}
		rs->apps = na;
		rs->apps[rs->napps++] = (struct rasflow_app_expect){ (uint8_t)tr, port, apps };
	}
out:
	free(ports);
}

/* Append sep and v (just v if *list is empty) to a string. */
static void list_add_sep(struct parser *p, char **list, const char *sep, const char *v, size_t n)
{
	size_t old = *list ? strlen(*list) : 0, sl = old ? strlen(sep) : 0;
	char *nl = realloc(*list, old + sl + n + 1);

	if (nl == NULL) {
		p->nomem = true;
		return;
	}
	memcpy(nl + old, sep, sl);
	memcpy(nl + old + sl, v, n);
	nl[old + sl + n] = '\0';
	*list = nl;
}

static void list_add(struct parser *p, char **list, const char *v, size_t n)
{
	list_add_sep(p, list, ",", v, n);
}

/* "window:" value: N, Ns, Nm or Nh; 0 after reporting. */
static unsigned parse_window(struct parser *p, const struct tok *t, const char *v, size_t n)
{
	unsigned long x, mult = 1;
	char q[80];

	if (n > 1 && (v[n - 1] == 's' || v[n - 1] == 'm' || v[n - 1] == 'h')) {
		mult = v[n - 1] == 's' ? 1 : v[n - 1] == 'm' ? 60 : 3600;
		n--;
	}
	if (!number(v, n, &x) || x == 0 || x * mult > MAX_WINDOW) {
		perr(p, t->line, t->col + 7, "bad window '%s' (e.g. 60s, 2m; at most 7 days)",
		     Q(q, t->s + 7, t->len - 7));
		return 0;
	}
	return (unsigned)(x * mult);
}

/* "app:[tcp/|udp/]PORT=APPS" on a rule. */
static void parse_rule_app(struct parser *p, struct rasflow_rule *r, const struct tok *t)
{
	const char *v = t->s + 4, *eq = memchr(v, '=', t->len - 4);
	unsigned tr = r->transports & (RASFLOW_T_TCP | RASFLOW_T_UDP);
	unsigned long port;
	size_t pn;
	char q[80];
	char *apps;
	struct rasflow_app_expect *na;

	if (eq == NULL) {
		perr(p, t->line, t->col, "expected app:PORT=APPS, not '%s'", Q(q, t->s, t->len));
		return;
	}
	if (eq - v > 4 && memcmp(v, "tcp/", 4) == 0) {
		tr &= RASFLOW_T_TCP;
		v += 4;
	} else if (eq - v > 4 && memcmp(v, "udp/", 4) == 0) {
		tr &= RASFLOW_T_UDP;
		v += 4;
	}
	pn = (size_t)(eq - v);
	if (!number(v, pn, &port) || port < 1 || port > 65535) {
		perr(p, t->line, t->col + (unsigned)(v - t->s), "bad port '%s' in app:",
		     Q(q, v, pn));
		return;
	}
	if (tr == 0 || !rule_has_port(r, (unsigned)port)) {
		perr(p, t->line, t->col + (unsigned)(v - t->s), "app: port %lu is not a port of this rule",
		     port);
		return;
	}
	for (size_t i = 0; i < r->napps; i++) {
		if ((r->apps[i].transports & tr) && r->apps[i].port == port) {
			perr(p, t->line, t->col, "second app: for port %lu", port);
			return;
		}
	}
	apps = parse_apps(p, eq + 1, t->len - (size_t)(eq + 1 - t->s), t->line,
			  t->col + (unsigned)(eq + 1 - t->s));
	if (apps == NULL)
		return;
	na = realloc(r->apps, (r->napps + 1) * sizeof(*na));
	if (na == NULL) {
		p->nomem = true;
		free(apps);
		return;
	}
	r->apps = na;
	r->apps[r->napps++] = (struct rasflow_app_expect){ (uint8_t)tr, (uint16_t)port, apps };
}

/* Set a single-valued string field, refusing a second one. */
static void set_once(struct parser *p, char **field, const struct tok *t, size_t keylen,
		     const char *v, size_t n)
{
	char q[80];

	if (*field != NULL) {
		perr(p, t->line, t->col, "second '%s' on this rule", Q(q, t->s, keylen));
		return;
	}
	if (n == 0) {
		perr(p, t->line, t->col + (unsigned)keylen, "missing value after '%s'",
		     Q(q, t->s, keylen));
		return;
	}
	*field = dupn(p, v, n);
}

static void free_rule(struct rasflow_rule *r)
{
	free(r->id);
	free(r->ports);
	free(r->features);
	free(r->legacy);
	free(r->amb);
	free(r->host);
	free(r->path);
	free(r->tag);
	free(r->gov);
	free(r->seed);
	free(r->note);
	free(r->desc);
	for (size_t i = 0; i < r->napps; i++)
		free(r->apps[i].apps);
	free(r->apps);
}

/* One option token of a rule (flags, key:value, desc/note with a string).
 * Returns how many tokens it used. */
static size_t rule_option(struct parser *p, struct rasflow_rule *r, const struct tok *t,
			  size_t left, bool *traffic_set, const struct tok **window_tok)
{
	static const struct {
		const char *key;
		size_t off;
	} strkeys[] = {
		{ "legacy:", offsetof(struct rasflow_rule, legacy) },
		{ "host:", offsetof(struct rasflow_rule, host) },
		{ "path:", offsetof(struct rasflow_rule, path) },
		{ "tag:", offsetof(struct rasflow_rule, tag) },
		{ "gov:", offsetof(struct rasflow_rule, gov) },
		{ "seed:", offsetof(struct rasflow_rule, seed) },
	};
	const char *colon;
	size_t klen, used;
	char q[80], m[96];

	if (t->str) {
		perr(p, t->line, t->col, "unexpected string; write desc \"...\" or note \"...\"");
		return 1;
	}
	if (tok_is(t, "desc") || tok_is(t, "note")) {
		char **field = t->s[0] == 'd' ? &r->desc : &r->note;

		if (left < 2 || !t[1].str) {
			perr(p, t->line, t->col + (unsigned)t->len, "missing quoted text after '%s'",
			     t->s[0] == 'd' ? "desc" : "note");
			return 1;
		}
		used = 2;
		while (used < left && t[used].str)
			used++;
		if (*field != NULL) {
			perr(p, t->line, t->col, "second '%s' on this rule",
			     t->s[0] == 'd' ? "desc" : "note");
			return used;
		}
		/* adjacent strings join with one space, for text over several lines */
		for (size_t i = 1; i < used; i++) {
			if (i > 1)
				list_add_sep(p, field, " ", t[i].s, t[i].len);
			else
				*field = dupn(p, t[i].s, t[i].len);
		}
		return used;
	}
	for (size_t i = 0; i < sizeof(bare_flags) / sizeof(*bare_flags); i++) {
		if (tok_is(t, bare_flags[i].name)) {
			r->flags |= bare_flags[i].bit;
			return 1;
		}
	}
	for (size_t i = 0; i < sizeof(traffic_names) / sizeof(*traffic_names); i++) {
		if (tok_is(t, traffic_names[i]) ||
		    (t->len == 8 + strlen(traffic_names[i]) && memcmp(t->s, "traffic:", 8) == 0 &&
		     memcmp(t->s + 8, traffic_names[i], t->len - 8) == 0)) {
			if (*traffic_set)
				perr(p, t->line, t->col, "second traffic class on this rule");
			*traffic_set = true;
			r->traffic = (enum rasflow_traffic)i;
			return 1;
		}
	}
	colon = memchr(t->s, ':', t->len);
	klen = colon ? (size_t)(colon - t->s) + 1 : t->len;
	if (colon && klen == 8 && memcmp(t->s, "traffic:", 8) == 0) {
		perr(p, t->line, t->col + 8, "unknown traffic class '%s'%s",
		     Q(q, t->s + 8, t->len - 8),
		     mean(m, sizeof(m), nearest(t->s + 8, t->len - 8, traffic_names,
						 sizeof(traffic_names) / sizeof(*traffic_names))));
		return 1;
	}
	if (colon && klen == 7 && memcmp(t->s, "window:", 7) == 0) {
		if (*window_tok)
			perr(p, t->line, t->col, "second 'window:' on this rule");
		*window_tok = t;
		r->window = parse_window(p, t, t->s + 7, t->len - 7);
		return 1;
	}
	if (colon && klen == 4 && (memcmp(t->s, "opt:", 4) == 0 || memcmp(t->s, "amb:", 4) == 0)) {
		const char *v = t->s + 4;
		size_t n = t->len - 4;

		if (n == 0 || v[0] == ',' || v[n - 1] == ',') {
			perr(p, t->line, t->col + 4, "missing value after '%s'", Q(q, t->s, 4));
			return 1;
		}
		list_add(p, t->s[0] == 'o' ? &r->features : &r->amb, v, n);
		return 1;
	}
	if (colon && klen == 4 && memcmp(t->s, "app:", 4) == 0) {
		parse_rule_app(p, r, t);
		return 1;
	}
	for (size_t i = 0; colon && i < sizeof(strkeys) / sizeof(*strkeys); i++) {
		if (klen == strlen(strkeys[i].key) && memcmp(t->s, strkeys[i].key, klen) == 0) {
			set_once(p, (char **)((char *)r + strkeys[i].off), t, klen, t->s + klen,
				 t->len - klen);
			return 1;
		}
	}
	perr(p, t->line, t->col, "unknown flag '%s'%s", Q(q, t->s, t->len),
	     mean(m, sizeof(m), nearest(t->s, klen, flag_words,
					 sizeof(flag_words) / sizeof(*flag_words))));
	return 1;
}

/* rule ID SRC -> DST TRANSPORTS PORTS [options...] */
static void parse_rule(struct parser *p, const struct stmt *st)
{
	const struct tok *t = &p->toks[st->first];
	const struct tok *window_tok = NULL;
	struct rasflow_rule r, *nr;
	struct idpos *ids;
	size_t before = p->nerrs;
	bool traffic_set = false, src_ok, dst_ok;
	int s, d;
	char q[80];

	memset(&r, 0, sizeof(r));
	if (st->n < 2) {
		missing(p, st, "rule id");
		return;
	}
	if (!valid_id(&t[1])) {
		perr(p, t[1].line, t[1].col, "bad rule id '%s'", Q(q, t[1].s, t[1].len));
		return;
	}
	if (st->n < 3) {
		missing(p, st, "source role");
		return;
	}
	s = resolve_role(p, t[2].s, t[2].len, t[2].line, t[2].col);
	src_ok = s >= 0;
	if (st->n < 4) {
		missing(p, st, "'->'");
		return;
	}
	if (!tok_is(&t[3], "->")) {
		perr(p, t[3].line, t[3].col, "expected '->' after the source role, not '%s'",
		     Q(q, t[3].s, t[3].len));
		return;
	}
	if (st->n < 5) {
		missing(p, st, "destination role");
		return;
	}
	d = resolve_role(p, t[4].s, t[4].len, t[4].line, t[4].col);
	dst_ok = d >= 0;
	if (st->n < 6) {
		missing(p, st, "transport");
		return;
	}
	if (!parse_transports(p, &t[5], &r.transports, &r.ipproto))
		return;
	if (st->n < 7) {
		missing(p, st, "ports");
		return;
	}
	if (!parse_ports(p, &t[6], &r.ports, &r.nports))
		return;
	if (r.transports == RASFLOW_T_IP && r.nports) {
		perr(p, t[6].line, t[6].col, "ip:%u has no ports; write '-'", (unsigned)r.ipproto);
		goto fail;
	}
	if (r.transports != RASFLOW_T_IP && r.nports == 0) {
		perr(p, t[6].line, t[6].col, "tcp and udp need ports, not '-'");
		goto fail;
	}
	for (size_t i = 7; i < st->n;)
		i += rule_option(p, &r, &t[i], st->n - i, &traffic_set, &window_tok);
	if (window_tok && r.traffic != RASFLOW_TRAFFIC_STEADY) {
		perr(p, window_tok->line, window_tok->col, "'window:' needs a steady rule");
	}
	if (r.traffic == RASFLOW_TRAFFIC_STEADY && r.window == 0 && window_tok == NULL)
		r.window = DEFAULT_WINDOW;
	if (!src_ok || !dst_ok || p->nerrs != before || p->nomem)
		goto fail;
	r.src = (unsigned)s;
	r.dst = (unsigned)d;
	r.id = dupn(p, t[1].s, t[1].len);
	r.line = t[1].line;
	nr = grow(p, p->rs->rules, &p->caprules, p->rs->nrules, sizeof(*nr));
	if (nr == NULL || r.id == NULL)
		goto fail;
	p->rs->rules = nr;
	ids = grow(p, p->ids, &p->capids, p->rs->nrules, sizeof(*ids));
	if (ids == NULL)
		goto fail;
	p->ids = ids;
	p->ids[p->rs->nrules] = (struct idpos){ r.id, t[1].line, t[1].col };
	p->rs->rules[p->rs->nrules++] = r;
	return;
fail:
	free_rule(&r);
}

/* ruleset "name" */
static void parse_ruleset(struct parser *p, const struct stmt *st)
{
	const struct tok *t = &p->toks[st->first];
	char q[80];

	if (st->n < 2) {
		missing(p, st, "ruleset name");
		return;
	}
	if (!t[1].str) {
		perr(p, t[1].line, t[1].col, "expected a quoted ruleset name, not '%s'",
		     Q(q, t[1].s, t[1].len));
		return;
	}
	if (st->n > 2) {
		perr(p, t[2].line, t[2].col, "unexpected '%s' after the ruleset name",
		     Q(q, t[2].s, t[2].len));
		return;
	}
	if (p->ruleset_line) {
		perr(p, t[0].line, t[0].col, "second ruleset directive (the first is at line %u)",
		     p->ruleset_line);
		return;
	}
	p->ruleset_line = t[0].line;
	free(p->rs->name);
	p->rs->name = dupn(p, t[1].s, t[1].len);
}


static int cmp_idpos(const void *a, const void *b)
{
	const struct idpos *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->col > y->col) - (x->col < y->col);
}

/* Report every rule whose id was used by an earlier rule. */
static void check_duplicate_ids(struct parser *p)
{
	size_t n = p->rs->nrules;

	if (n < 2)
		return;
	qsort(p->ids, n, sizeof(*p->ids), cmp_idpos);
	for (size_t i = 1, first = 0; i < n; i++) {
		if (strcmp(p->ids[i].id, p->ids[first].id) != 0) {
			first = i;
			continue;
		}
		perr(p, p->ids[i].line, p->ids[i].col,
		     "duplicate rule id '%s' (first defined at line %u)", p->ids[i].id,
		     p->ids[first].line);
	}
}

static int cmp_perr(const void *a, const void *b)
{
	const struct perr *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Statement dispatch: roles first (pass 0), then the rest in file order. */
static void run_pass(struct parser *p, int pass)
{
	for (size_t i = 0; i < p->nstmts && !p->nomem; i++) {
		const struct stmt *st = &p->stmts[i];
		const struct tok *t;
		char q[80], m[96];

		if (st->bad || st->n == 0)
			continue;	/* before indexing: toks may still be NULL */
		t = &p->toks[st->first];

		if (tok_is(t, "role")) {
			if (pass == 0)
				parse_role(p, st);
			continue;
		}
		if (pass == 0)
			continue;
		if (tok_is(t, "rule"))
			parse_rule(p, st);
		else if (tok_is(t, "app"))
			parse_app(p, st);
		else if (tok_is(t, "ruleset"))
			parse_ruleset(p, st);
		else if (t->str)
			perr(p, t->line, t->col, "expected a directive (ruleset, role, app, rule)");
		else
			perr(p, t->line, t->col, "unknown directive '%s'%s", Q(q, t->s, t->len),
			     mean(m, sizeof(m), nearest(t->s, t->len, directives,
							 sizeof(directives) / sizeof(*directives))));
	}
}

void rasflow_rules_free(struct rasflow_ruleset *rs)
{
	if (rs == NULL)
		return;
	free(rs->name);
	for (size_t i = 0; i < rs->nroles; i++) {
		free(rs->roles[i].id);
		free(rs->roles[i].name);
	}
	free(rs->roles);
	for (size_t i = 0; i < rs->nrules; i++)
		free_rule(&rs->rules[i]);
	free(rs->rules);
	for (size_t i = 0; i < rs->napps; i++)
		free(rs->apps[i].apps);
	free(rs->apps);
	rasflow_match_free(rs->index);
	free(rs);
}

struct rasflow_ruleset *rasflow_rules_parse_buf(const char *file, const char *buf, size_t len,
						struct rasflow_errlist *errs)
{
	struct parser p;
	struct rasflow_ruleset *rs;

	memset(&p, 0, sizeof(p));
	p.file = file;
	p.rs = rs = calloc(1, sizeof(*rs));
	p.strbuf = malloc(len + 1);
	if (rs == NULL || p.strbuf == NULL) {
		p.nomem = true;
		goto out;
	}
	tokenize(&p, buf, len);
	run_pass(&p, 0);
	if (!p.nomem)
		resolve_implies(&p);
	run_pass(&p, 1);
	if (!p.nomem)
		check_duplicate_ids(&p);
	if (!p.nomem && rs->name == NULL)
		rs->name = dupn(&p, file ? file : "rules", strlen(file ? file : "rules"));
	if (!p.nomem && p.nerrs == 0 && p.dropped == 0 && rasflow_match_build(rs) != 0)
		p.nomem = true;
out:
	if (p.nerrs > 1)
		qsort(p.errs, p.nerrs, sizeof(*p.errs), cmp_perr);
	for (size_t i = 0; i < p.nerrs; i++)
		rasflow_err_add(errs, file, p.errs[i].line, p.errs[i].col, "%s", p.errs[i].msg);
	if (errs != NULL)
		errs->dropped += p.dropped;
	if (p.nomem)
		rasflow_err_add(errs, file, 0, 0, "out of memory");
	if (p.nomem || p.nerrs || p.dropped) {
		rasflow_rules_free(rs);
		rs = NULL;
	}
	free(p.toks);
	free(p.stmts);
	free(p.strbuf);
	free(p.errs);
	free(p.implies_tok);
	free(p.ids);
	return rs;
}

struct rasflow_ruleset *rasflow_rules_load(const char *path, struct rasflow_errlist *errs)
{
	struct rasflow_ruleset *rs;
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (f == NULL) {
		rasflow_err_add(errs, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			char *nb = realloc(buf, cap ? cap * 2 : 65536);

			if (nb == NULL) {
				rasflow_err_add(errs, path, 0, 0, "out of memory");
				goto fail;
			}
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rasflow_err_add(errs, path, 0, 0, "cannot read: %s", strerror(errno));
		goto fail;
	}
	fclose(f);
	rs = rasflow_rules_parse_buf(path, buf ? buf : "", len, errs);
	free(buf);
	return rs;
fail:
	fclose(f);
	free(buf);
	return NULL;
}

struct rasflow_ruleset *rasflow_rules_builtin(struct rasflow_errlist *errs)
{
	return rasflow_rules_parse_buf("<built-in>", rasflow_builtin_rules,
				       rasflow_builtin_rules_len, errs);
}

int rasflow_rules_role(const struct rasflow_ruleset *rs, const char *id)
{
	return find_role_n(rs, id, strlen(id));
}

const char *rasflow_rules_suggest_role(const struct rasflow_ruleset *rs, const char *id)
{
	const char *cand[RASFLOW_MAX_ROLES];
	size_t n = rs->nroles < RASFLOW_MAX_ROLES ? rs->nroles : RASFLOW_MAX_ROLES;

	for (size_t i = 0; i < n; i++)
		cand[i] = rs->roles[i].id;
	return nearest(id, strlen(id), cand, n);
}

rasflow_roleset rasflow_rules_close_roles(const struct rasflow_ruleset *rs, rasflow_roleset set)
{
	rasflow_roleset prev;

	do {
		prev = set;
		for (size_t i = 0; i < rs->nroles; i++)
			if (set & ((rasflow_roleset)1 << i))
				set |= rs->roles[i].implies;
	} while (set != prev);
	return set;
}

static const char *find_app(const struct rasflow_app_expect *a, size_t n, unsigned tbit,
			    uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if ((a[i].transports & tbit) && a[i].port == port)
			return a[i].apps;
	return NULL;
}

const char *rasflow_rules_expected_app(const struct rasflow_ruleset *rs,
				       const struct rasflow_rule *r, uint8_t ipproto,
				       uint16_t port)
{
	unsigned tbit = ipproto == 6 ? RASFLOW_T_TCP : ipproto == 17 ? RASFLOW_T_UDP : RASFLOW_T_IP;
	const char *a;

	if (tbit == RASFLOW_T_IP)
		port = ipproto;		/* bare IP protocols are keyed by protocol number */
	a = r ? find_app(r->apps, r->napps, tbit, port) : NULL;
	if (a == NULL)
		a = find_app(rs->apps, rs->napps, tbit, port);
	return a == NULL || a[0] == '\0' ? NULL : a;
}

bool rasflow_rule_has_feature(const struct rasflow_rule *r, const char *feature)
{
	size_t n = strlen(feature);
	const char *s = r->features;

	while (s != NULL && *s) {
		const char *e = strchr(s, ',');
		size_t l = e ? (size_t)(e - s) : strlen(s);

		if (l == n && memcmp(s, feature, n) == 0)
			return true;
		s = e ? e + 1 : NULL;
	}
	return false;
}

rasflow_roleset rasflow_rule_feature_roles(const struct rasflow_ruleset *rs,
					   const struct rasflow_rule *r)
{
	rasflow_roleset set = 0;

	for (size_t i = 0; r->features != NULL && i < rs->nroles && i < RASFLOW_MAX_ROLES; i++)
		if ((rs->roles[i].cls == RASFLOW_CLASS_RAS || rs->roles[i].cls == RASFLOW_CLASS_INFRA) &&
		    rasflow_rule_has_feature(r, rs->roles[i].id))
			set |= (rasflow_roleset)1 << i;
	return set;
}

const char *rasflow_role_class_name(enum rasflow_role_class c)
{
	if ((unsigned)c < sizeof(class_names) / sizeof(*class_names))
		return class_names[c];
	return "?";
}

const char *rasflow_traffic_name(enum rasflow_traffic t)
{
	if ((unsigned)t < sizeof(traffic_names) / sizeof(*traffic_names))
		return traffic_names[t];
	return "?";
}
