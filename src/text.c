/* The one gate between untrusted strings and the terminal.  Everything here
 * runs on every visible cell of every frame, so the hot paths make a single
 * pass, never allocate and decode UTF-8 by hand: mbrtowc(3) is slower, keeps
 * state we do not want and accepts whatever the C library considers valid. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700	/* wcwidth(3), nl_langinfo(3) */
#endif

#include <langinfo.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "text.h"

#define REPLACEMENT	0xfffd
#define ELLIPSIS	"\xe2\x80\xa6"	/* U+2026, one column */

/* Decoder states of the escape sequence stripper.  The model is the DEC
 * VT500 parser that terminals implement, reduced to what decides where a
 * sequence ends: nothing inside one ever reaches the output. */
enum strip_state {
	S_GROUND,	/* ordinary text */
	S_ESC,		/* after ESC */
	S_ESC_INT,	/* ESC and intermediate bytes: ESC ( B, ESC # 8 */
	S_CSI,		/* ESC [ or U+009B: parameters and intermediates */
	S_OSC,		/* ESC ] or U+009D: ends at BEL or ST */
	S_STR,		/* DCS, SOS, PM, APC: ends at ST only */
	S_STR_ESC,	/* ESC seen inside OSC or another string */
};

struct writer {
	char	*dst;
	size_t	 cap;
	size_t	 len;
	int	 full;	/* a character did not fit: write nothing more */
};

/*
 * Decodes one character from s (at most n bytes; a NUL byte never continues
 * a sequence, so NUL-terminated callers may pass SIZE_MAX).  Returns the
 * bytes consumed, at least 1.  Ill-formed input yields U+FFFD for each
 * maximal subpart (Unicode 15, section 3.9, table 3-7): a valid lead byte
 * and the continuation bytes that may legally follow it are consumed
 * together, everything else one byte at a time.  The narrowed second-byte
 * ranges are what reject overlongs (E0, F0), surrogates (ED) and code
 * points past U+10FFFF (F4).
 */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		/* continuation byte, C0, C1 or F5..FF: never a lead */
		*cp = REPLACEMENT;
		return 1;
	}
	for (i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*cp = REPLACEMENT;
			return i;
		}
		v = (v << 6) | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = v;
	return i;
}

static size_t
utf8_encode(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

int
text_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t cp;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_decode(p + i, n - i, &cp);
		/* a genuine U+FFFD is EF BF BD; the replacement for an
		 * ill-formed subpart never spans three bytes led by EF */
		if (cp == REPLACEMENT && (k != 3 || p[i] != 0xef))
			return 0;
		i += k;
	}
	return 1;
}

/* Directional formatting characters: embeddings, overrides, isolates and
 * the implicit marks.  Data must not be able to reorder the line around it
 * ("Trojan Source"). */
static int
is_bidi_control(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* General_Category Cf.  Only consulted when wcwidth(3) does not know a
 * code point, so a linear scan costs nothing in practice. */
static int
is_format(uint32_t cp)
{
	static const uint32_t cf[][2] = {
		{ 0x00ad, 0x00ad }, { 0x0600, 0x0605 }, { 0x061c, 0x061c },
		{ 0x06dd, 0x06dd }, { 0x070f, 0x070f }, { 0x0890, 0x0891 },
		{ 0x08e2, 0x08e2 }, { 0x180e, 0x180e }, { 0x200b, 0x200f },
		{ 0x202a, 0x202e }, { 0x2060, 0x2064 }, { 0x2066, 0x206f },
		{ 0xfeff, 0xfeff }, { 0xfff9, 0xfffb }, { 0x110bd, 0x110bd },
		{ 0x110cd, 0x110cd }, { 0x13430, 0x1343f },
		{ 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a },
		{ 0xe0001, 0xe0001 }, { 0xe0020, 0xe007f },
	};

	for (size_t i = 0; i < sizeof cf / sizeof cf[0]; i++) {
		if (cp >= cf[i][0] && cp <= cf[i][1])
			return 1;
	}
	return 0;
}

/* Unassigned code points Unicode already reserves as wide: the CJK
 * ideograph blocks and planes 2 and 3 (EastAsianWidth.txt defaults), and
 * the pictograph blocks, where every emoji added since Unicode 9 has been
 * wide.  A C library older than the data meets these first. */
static int
is_default_wide(uint32_t cp)
{
	return (cp >= 0x3400 && cp <= 0x4dbf) ||
	    (cp >= 0x4e00 && cp <= 0x9fff) ||
	    (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0x1f300 && cp <= 0x1f64f) ||
	    (cp >= 0x1f900 && cp <= 0x1faff) ||
	    (cp >= 0x20000 && cp <= 0x3fffd);
}

/*
 * Columns one code point occupies.  wcwidth(3) answers for everything the
 * C library knows.  It returns -1 for controls, which take no cell of their
 * own (sanitized text has none but \n and \t, and cells are meant for
 * TEXT_ONELINE text), and for code points its Unicode tables predate.
 * Those are guessed the way a newer terminal will most likely draw them:
 * format characters 0, reserved-wide ranges 2, anything else 1, because an
 * unknown printable character is drawn as a one-column box or glyph and
 * counting it 0 would let the line overflow its cell.
 */
static int
cp_width(uint32_t cp)
{
	int w;

	if (cp >= 0x20 && cp < 0x7f)
		return 1;
	if ((w = wcwidth((wchar_t)cp)) >= 0)
		return w;
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || is_format(cp))
		return 0;
	if (is_default_wide(cp))
		return 2;
	return 1;
}

/* Length and width of the character at p, which is not the NUL. */
static inline size_t
next_char(const unsigned char *p, int *width)
{
	uint32_t cp;
	size_t n;

	if (*p >= 0x20 && *p < 0x7f) {
		*width = 1;
		return 1;
	}
	n = utf8_decode(p, SIZE_MAX, &cp);
	*width = cp_width(cp);
	return n;
}

/* Appends n bytes as one unit or, once a unit does not fit with room for
 * the NUL, nothing ever again: output is cut at a character boundary. */
static void
put(struct writer *w, const char *s, size_t n)
{
	if (w->full || w->cap - w->len <= n) {
		w->full = 1;
		return;
	}
	memcpy(w->dst + w->len, s, n);
	w->len += n;
}

static void
put_cp(struct writer *w, uint32_t cp)
{
	char buf[4];

	put(w, buf, utf8_encode(buf, cp));
}

/* The 8-bit C1 forms of the sequence introducers, recognised in every state
 * like their ESC forms.  Returns the new state, or S_GROUND for any other
 * C1 control (which is dropped). */
static enum strip_state
c1_state(uint32_t cp)
{
	switch (cp) {
	case 0x9b:
		return S_CSI;
	case 0x9d:
		return S_OSC;
	case 0x90:	/* DCS */
	case 0x98:	/* SOS */
	case 0x9e:	/* PM */
	case 0x9f:	/* APC */
		return S_STR;
	default:	/* ST (0x9c) and the rest */
		return S_GROUND;
	}
}

/* Ordinary text: keeps printable characters, \n and \t (or turns runs of
 * \n \r \t into one space), drops every other control and bidi control. */
static void
ground(struct writer *w, uint32_t cp, unsigned flags, int *in_run)
{
	if (cp == '\n' || cp == '\t' || cp == '\r') {
		if (flags & TEXT_ONELINE) {
			if (!*in_run)
				put(w, " ", 1);
			*in_run = 1;
		} else if (cp != '\r') {
			put_cp(w, cp);
			*in_run = 0;
		}
		return;
	}
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || is_bidi_control(cp))
		return;
	/* A zero-width joiner fuses emoji into one glyph on some terminals
	 * and not on others (tmux draws 👩‍👩‍👧 in 2 columns, wcwidth counts
	 * 6), so no width is right for the sequence: its parts are shown
	 * apart instead, at a width every terminal agrees on. */
	if (cp == 0x200d)
		return;
	put_cp(w, cp);
	*in_run = 0;
}

/*
 * One step of the stripper.  Nothing inside a sequence is ever written, so
 * these rules only decide which visible text survives, never safety; they
 * follow what a terminal would have shown.  Any ESC, C1 control, CAN or SUB
 * interrupts a sequence; an unterminated OSC, DCS, SOS, PM or APC hides
 * everything to the end of input; a character that cannot belong to an
 * ESC or CSI sequence ends it and is then shown as text.
 */
static enum strip_state
step(struct writer *w, enum strip_state st, uint32_t cp, unsigned flags,
    int *in_run)
{
	if (cp >= 0x80 && cp < 0xa0)
		return c1_state(cp);
	if (cp == 0x18 || cp == 0x1a)	/* CAN, SUB cancel a sequence */
		return S_GROUND;
	if (cp == 0x1b)
		return st == S_OSC || st == S_STR ? S_STR_ESC : S_ESC;
	if ((st == S_ESC || st == S_ESC_INT || st == S_CSI) &&
	    (cp < 0x20 || cp == 0x7f)) {
		/* terminals execute C0 inside ESC and CSI and carry on */
		ground(w, cp, flags, in_run);
		return st;
	}

	switch (st) {
	case S_GROUND:
		ground(w, cp, flags, in_run);
		return S_GROUND;
	case S_ESC:
		if (cp >= 0x20 && cp <= 0x2f)	/* intermediate */
			return S_ESC_INT;
		if (cp == '[')
			return S_CSI;
		if (cp == ']')
			return S_OSC;
		if (cp == 'P' || cp == 'X' || cp == '^' || cp == '_')
			return S_STR;
		if (cp >= 0x30 && cp <= 0x7e)	/* final byte */
			return S_GROUND;
		break;
	case S_ESC_INT:
		if (cp >= 0x20 && cp <= 0x2f)
			return S_ESC_INT;
		if (cp >= 0x30 && cp <= 0x7e)	/* final, even [ or ] */
			return S_GROUND;
		break;
	case S_CSI:
		if (cp >= 0x40 && cp <= 0x7e)	/* final byte */
			return S_GROUND;
		if (cp >= 0x20 && cp <= 0x3f)	/* parameter, intermediate */
			return S_CSI;
		break;
	case S_OSC:
		return cp == 0x07 ? S_GROUND : S_OSC;
	case S_STR:
		return S_STR;
	case S_STR_ESC:
		if (cp == '\\')			/* ST */
			return S_GROUND;
		/* ESC ended the string and begins a new sequence */
		return step(w, S_ESC, cp, flags, in_run);
	}
	/* not part of any sequence: the sequence is over, this is text */
	ground(w, cp, flags, in_run);
	return S_GROUND;
}

size_t
text_sanitize(char *dst, size_t dstcap, const char *src, size_t srclen,
    unsigned flags)
{
	const unsigned char *s = (const unsigned char *)src;
	struct writer w = { dst, dstcap, 0, 0 };
	enum strip_state st = S_GROUND;
	int in_run = 0;
	size_t i = 0;
	uint32_t cp;

	if (dstcap == 0)
		return 0;
	while (i < srclen && !w.full) {
		if (st == S_GROUND && s[i] >= 0x20 && s[i] < 0x7f) {
			/* a run of plain ASCII, the common case, in one copy */
			size_t j = i + 1, room = w.cap - w.len - 1;

			while (j < srclen && s[j] >= 0x20 && s[j] < 0x7f)
				j++;
			if (j - i > room) {
				j = i + room;
				w.full = 1;
			}
			memcpy(w.dst + w.len, s + i, j - i);
			w.len += j - i;
			in_run = 0;
			i = j;
			continue;
		}
		i += utf8_decode(s + i, srclen - i, &cp);
		st = step(&w, st, cp, flags, &in_run);
	}
	dst[w.len] = '\0';
	return w.len;
}

char *
text_sanitize_dup(const char *src, size_t srclen, unsigned flags)
{
	char *p, *q;
	size_t cap, n;

	/* a single bad byte grows into a three-byte U+FFFD; nothing more */
	if (srclen > (SIZE_MAX - 1) / 3)
		return NULL;
	cap = srclen * 3 + 1;
	if ((p = malloc(cap)) == NULL)
		return NULL;
	n = text_sanitize(p, cap, src, srclen, flags);
	if ((q = realloc(p, n + 1)) != NULL)
		p = q;
	return p;
}

int
text_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int width = 0, cw;

	while (*p != '\0') {
		p += next_char(p, &cw);
		width += cw;
	}
	return width;
}

/* Zero-width code points are taken whenever they are reached: the loop only
 * stops at a character with width, so the marks after the last base that
 * fits are always part of the prefix. */
size_t
text_fit(const char *s, int cols, int *width)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t pos = 0, n;
	int used = 0, cw;

	while (p[pos] != '\0') {
		n = next_char(p + pos, &cw);
		if (cw > 0 && used + cw > cols)
			break;
		used += cw;
		pos += n;
	}
	if (width != NULL)
		*width = used;
	return pos;
}

static void
put_spaces(struct writer *w, int n)
{
	while (n-- > 0)
		put(w, " ", 1);
}

/* Copies s[0..n), which is whole characters, dropping the tail at a
 * character boundary if dst is too small. */
static void
put_text(struct writer *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t room, cut;

	if (w->full)
		return;
	room = w->cap - w->len - 1;
	if (n <= room) {
		put(w, s, n);
		return;
	}
	cut = room;
	while (cut > 0 && (p[cut] & 0xc0) == 0x80)
		cut--;
	put(w, s, cut);
	w->full = 1;
}

/*
 * One pass that stops one character past cols: it tracks both the whole
 * prefix that fits in cols (used when s fits) and the prefix that fits in
 * cols - 1 (used with the ellipsis when it does not).  A wide character
 * that would straddle the edge leaves a column, which becomes a space.
 */
size_t
text_cell(char *dst, size_t dstcap, const char *s, int cols, int right_align)
{
	const unsigned char *p = (const unsigned char *)s;
	struct writer w = { dst, dstcap, 0, 0 };
	size_t pos = 0, cut = 0, n;
	int used = 0, cutw = 0, cw, truncated = 0, pad;

	if (dstcap == 0)
		return 0;
	if (cols <= 0) {
		dst[0] = '\0';
		return 0;
	}
	while (p[pos] != '\0') {
		n = next_char(p + pos, &cw);
		if (cw > 0 && used + cw > cols) {
			truncated = 1;
			break;
		}
		used += cw;
		pos += n;
		if (used <= cols - 1) {
			cut = pos;
			cutw = used;
		}
	}
	if (!truncated) {
		cut = pos;
		cutw = used;
	}
	pad = cols - cutw - (truncated ? 1 : 0);
	if (right_align)
		put_spaces(&w, pad);
	put_text(&w, s, cut);
	if (truncated)
		put(&w, ELLIPSIS, sizeof ELLIPSIS - 1);
	if (!right_align)
		put_spaces(&w, pad);
	dst[w.len] = '\0';
	return w.len;
}

static int
codeset_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "UTF8") == 0;
}

/* C.UTF-8 is in glibc since 2.35 and in the BSDs; macOS only has the
 * language ones, hence the last resort. */
int
text_init_locale(void)
{
	if (setlocale(LC_CTYPE, "") != NULL && codeset_is_utf8())
		return 0;
	if (setlocale(LC_CTYPE, "C.UTF-8") != NULL && codeset_is_utf8())
		return 0;
	if (setlocale(LC_CTYPE, "en_US.UTF-8") != NULL && codeset_is_utf8())
		return 0;
	return -1;
}
