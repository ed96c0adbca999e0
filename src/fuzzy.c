/* Fuzzy matching as a small alignment: every way of placing the
 * pattern's characters in order in the text is scored, and the best
 * wins.  A match earns points, more at the start of the text or of a
 * word and for following the previous match; skipping characters
 * between matches costs.  So "ref" finds "refund-policy" before
 * "chef-reference" before "prefer" before "r-e-f". */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzy.h"
#include "util.h"

#define SCORE_MATCH	16
#define BONUS_START	8	/* the text's first character, besides: */
#define BONUS_WORD	8	/* the first character of a word */
#define BONUS_CAMEL	6	/* an upper-case letter after a lower-case */
#define BONUS_RUN	6	/* right after the previous match */
/* Skipping costs GAP_START for one character, GAP_EXTEND more for each
 * further one, up to GAP_MAX: how far apart two word starts are says
 * little. */
#define GAP_START	3
#define GAP_EXTEND	1
#define GAP_MAX		6
#define GAP_FAR		(GAP_MAX - GAP_START + GAP_EXTEND)	/* skips */
/* Longer texts lose ties, by at most this much. */
#define LENGTH_MAX	4
/* Texts are aligned over their first characters only: a picker shows
 * names and short codes, and a long body must not stall typing. */
#define ALIGN_MAX	2048

#define NONE		(INT_MIN / 2)

/* One character of s at *i: its code point, or for a byte that is not
 * valid UTF-8, a value past Unicode that only matches itself. */
static uint32_t
decode(const unsigned char *s, size_t *i)
{
	uint32_t c = s[*i], min;
	int n;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		c &= 0x07;
		min = 0x10000;
	} else
		goto invalid;
	for (int k = 1; k <= n; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			goto invalid;
		c = c << 6 | (s[*i + k] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto invalid;
	*i += (size_t)n + 1;
	return c;
invalid:
	return 0x110000 + s[(*i)++];
}

static size_t
encode(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* Upper case to lower case for Latin (Basic, Latin-1, Extended-A),
 * Greek and Cyrillic: the scripts of the seeds' customers. */
static uint32_t
fold(uint32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 32;
	if (c >= 0x100 && c <= 0x17f) {
		if (c == 0x130)
			return 'i';
		if (c == 0x178)
			return 0xff;
		if (c == 0x17f)
			return 's';
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
			return c % 2 == 1 ? c + 1 : c;
		if (c == 0x131 || c == 0x138 || c == 0x149)
			return c;
		return c % 2 == 0 ? c + 1 : c;
	}
	if (c >= 0x386 && c <= 0x3ab) {
		if (c == 0x386)
			return 0x3ac;
		if (c >= 0x388 && c <= 0x38a)
			return c + 37;
		if (c == 0x38c)
			return 0x3cc;
		if (c == 0x38e || c == 0x38f)
			return c + 63;
		if (c >= 0x391 && c != 0x3a2)
			return c + 32;
		return c;
	}
	if (c == 0x3c2)			/* final sigma */
		return 0x3c3;
	if (c >= 0x400 && c <= 0x40f)
		return c + 80;
	if (c >= 0x410 && c <= 0x42f)
		return c + 32;
	if ((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) ||
	    (c >= 0x4d0 && c <= 0x52f))
		return c % 2 == 0 ? c + 1 : c;
	if (c == 0x4c0)
		return 0x4cf;
	if (c >= 0x4c1 && c <= 0x4ce)
		return c % 2 == 1 ? c + 1 : c;
	return c;
}

char *
fuzzy_fold(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t len = strlen(text), i = 0, n = 0;
	char *out = xmalloc(len * 2 + 1);	/* ı → i shrinks; ſ → s too */

	while (i < len) {
		size_t at = i;
		uint32_t c = decode(s, &i);

		if (c >= 0x110000)
			out[n++] = (char)s[at];
		else
			n += encode(fold(c), out + n);
	}
	out[n] = '\0';
	return out;
}

/* Letters and digits make words; anything else separates them. */
static bool
is_word(uint32_t c)
{
	if (c < 0x80)
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z');
	if (c >= 0x110000 || c == 0xd7 || c == 0xf7)
		return false;
	if (c < 0xc0 || (c >= 0x2000 && c <= 0x2bff) ||
	    (c >= 0x3000 && c <= 0x303f))
		return false;
	return true;
}

struct chars {
	uint32_t	*raw, *folded;
	size_t		 n;
};

static void
chars_of(const char *text, size_t max, struct chars *c)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t len = strlen(text), i = 0;

	c->raw = xcalloc(len + 1, sizeof *c->raw);
	c->folded = xcalloc(len + 1, sizeof *c->folded);
	c->n = 0;
	while (i < len && c->n < max) {
		c->raw[c->n] = decode(s, &i);
		c->folded[c->n] = fold(c->raw[c->n]);
		c->n++;
	}
}

static void
chars_free(struct chars *c)
{
	free(c->raw);
	free(c->folded);
}

static bool
is_subsequence(const struct chars *p, const struct chars *t)
{
	size_t i = 0;

	for (size_t j = 0; j < t->n && i < p->n; j++)
		if (t->folded[j] == p->folded[i])
			i++;
	return i == p->n;
}

static int
bonus(const struct chars *t, size_t j)
{
	uint32_t c = t->raw[j], prev;

	if (j == 0)
		return is_word(c) ? BONUS_START + BONUS_WORD : BONUS_START;
	prev = t->raw[j - 1];
	if (is_word(c) && !is_word(prev))
		return BONUS_WORD;
	if (fold(c) != c && fold(prev) == prev && is_word(prev) &&
	    (prev < '0' || prev > '9'))
		return BONUS_CAMEL;
	return 0;
}

static int
max(int a, int b)
{
	return a > b ? a : b;
}

/* The best alignment of p in t, or NONE. */
static int
align(const struct chars *p, const struct chars *t)
{
	int *prev = xcalloc(t->n + 1, sizeof *prev);
	int *cur = xcalloc(t->n + 1, sizeof *cur);
	int *bon = xcalloc(t->n + 1, sizeof *bon);
	int best = NONE;

	for (size_t j = 0; j < t->n; j++) {
		bon[j] = bonus(t, j);
		prev[j] = t->folded[j] == p->folded[0] ?
		    SCORE_MATCH + bon[j] : NONE;
	}
	for (size_t i = 1; i < p->n; i++) {
		/* The best match GAP_FAR or more characters back. */
		int far = NONE;

		for (size_t j = 0; j < t->n; j++) {
			int from = NONE;

			if (j >= GAP_FAR + 1)
				far = max(far, prev[j - GAP_FAR - 1]);
			from = far - GAP_MAX;
			/* Nearer ones, each at its own cost. */
			for (size_t skip = 1; skip < GAP_FAR && skip < j; skip++)
				from = max(from, prev[j - skip - 1] -
				    (GAP_START + GAP_EXTEND * ((int)skip - 1)));
			if (j >= 1 && prev[j - 1] > NONE)
				from = max(from, prev[j - 1] + BONUS_RUN);
			cur[j] = t->folded[j] == p->folded[i] && from > NONE / 2 ?
			    from + SCORE_MATCH + bon[j] : NONE;
		}
		memcpy(prev, cur, t->n * sizeof *prev);
	}
	for (size_t j = 0; j < t->n; j++)
		best = max(best, prev[j]);
	free(prev);
	free(cur);
	free(bon);
	return best;
}

int
fuzzy_score(const char *pattern, const char *text)
{
	struct chars p, t, whole;
	int score = -1, s;
	size_t extra;

	if (pattern[0] == '\0')
		return 0;
	chars_of(pattern, SIZE_MAX, &p);
	chars_of(text, SIZE_MAX, &whole);
	if (!is_subsequence(&p, &whole))
		goto out;
	t = whole;
	if (t.n > ALIGN_MAX)
		t.n = ALIGN_MAX;
	/* A match only past the aligned part still matches, at the least. */
	if ((s = align(&p, &t)) <= NONE / 2) {
		score = 0;
		goto out;
	}
	extra = whole.n - p.n;
	s -= (int)(extra < 4 * LENGTH_MAX ? extra : 4 * LENGTH_MAX) / 4;
	score = s > 0 ? s : 0;
out:
	chars_free(&p);
	chars_free(&whole);
	return score;
}
