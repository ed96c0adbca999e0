/* Text safety: every string that came from data passes through here before
 * it reaches the terminal.  Input is untrusted bytes; output is valid UTF-8
 * with no control characters and no escape sequences, measured in terminal
 * columns with wcwidth(3).  Needs a UTF-8 LC_CTYPE (see text_init_locale). */
#ifndef MKT_TEXT_H
#define MKT_TEXT_H

#include <stddef.h>

enum {
	TEXT_ONELINE = 1 << 0,	/* newlines and tabs become one space */
};

/* Switches LC_CTYPE to a UTF-8 locale: the environment's if it is UTF-8,
 * otherwise C.UTF-8.  Returns 0, or -1 if no UTF-8 locale exists. */
int text_init_locale(void);

/* Writes the sanitized form of src[0..srclen) to dst (capacity dstcap,
 * always NUL-terminated when dstcap > 0) and returns the bytes written,
 * excluding the NUL.  Output is cut at a character boundary if it does not
 * fit.
 *   - invalid UTF-8 (bad bytes, overlong forms, surrogates, > U+10FFFF)
 *     becomes U+FFFD, one per maximal invalid subpart;
 *   - escape sequences are removed whole: ESC-started CSI, OSC, DCS, SOS,
 *     PM, APC, two-byte ESC forms, and their 8-bit C1 equivalents;
 *   - other C0 controls, DEL and C1 controls are removed; with
 *     TEXT_ONELINE, \n \r \t become a space (runs collapse to one);
 *     without it, \n and \t are kept;
 *   - bidi embedding, override and isolate controls are removed so text
 *     cannot reorder the rest of the line;
 *   - the zero-width joiner (U+200D) is removed: terminals disagree on the
 *     width of a joined emoji sequence, so its parts are shown apart. */
size_t text_sanitize(char *dst, size_t dstcap, const char *src, size_t srclen,
    unsigned flags);

/* The same, returning a malloc'd string (NULL only if out of memory). */
char *text_sanitize_dup(const char *src, size_t srclen, unsigned flags);

/* 1 if s[0..n) is well-formed UTF-8 by the decoder's strict rules (no
 * overlong forms, surrogates or code points past U+10FFFF), else 0.  Lets
 * trusted-but-checked input such as mkt.conf be rejected rather than
 * repaired.  Independent of the locale. */
int text_utf8_valid(const char *s, size_t n);

/* Display width in columns of sanitized UTF-8 s.  Combining marks count 0,
 * East Asian wide characters and emoji 2. */
int text_width(const char *s);

/* Length in bytes of the longest prefix of sanitized s that fits in cols
 * columns, never splitting a character or detaching its combining marks.
 * *width receives the prefix's width if width is not NULL. */
size_t text_fit(const char *s, int cols, int *width);

/* Writes s into dst so it occupies exactly cols columns: truncated with
 * "…" if too wide, padded with spaces otherwise (on the right, or on the
 * left when right_align is set).  Returns the bytes written. */
size_t text_cell(char *dst, size_t dstcap, const char *s, int cols,
    int right_align);

#endif
