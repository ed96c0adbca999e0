#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "draw.h"
#include "keys.h"
#include "prompt.h"
#include "text.h"
#include "theme.h"
#include "util.h"

#define CTRL(c)	((c) & 0x1f)
#define FN(k)	(KEYF_FUNCTION | (k))

static char *
history_path(void)
{
	char *dir = xdg_dir("XDG_STATE_HOME", ".local/state", "mkt"), *path;

	if (dir == NULL)
		return NULL;
	if (mkdir_p(dir, 0700) != 0) {
		free(dir);
		return NULL;
	}
	path = xasprintf("%s/history", dir);
	free(dir);
	return path;
}

static void
history_add(struct prompt *p, const char *line)
{
	if (line[0] == '\0' || (p->nhistory > 0 &&
	    strcmp(p->history[p->nhistory - 1], line) == 0))
		return;
	if (p->nhistory == HISTORY_MAX) {
		free(p->history[0]);
		memmove(p->history, p->history + 1,
		    (HISTORY_MAX - 1) * sizeof *p->history);
		p->nhistory--;
	}
	p->history[p->nhistory++] = xstrdup(line);
}

void
prompt_load_history(struct prompt *p)
{
	char *path = history_path(), line[PROMPT_MAX * 4 + 2];
	FILE *f;

	if (path == NULL || (f = fopen(path, "r")) == NULL) {
		free(path);
		return;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		history_add(p, line);
	}
	fclose(f);
	free(path);
}

/* Rewritten whole on each entry: it is small, and a crash mid-write
 * loses at most the history, never anything else. */
static void
history_save(const struct prompt *p)
{
	char *path = history_path();
	FILE *f;

	if (path == NULL || (f = fopen(path, "w")) == NULL) {
		free(path);
		return;
	}
	for (int i = 0; i < p->nhistory; i++)
		fprintf(f, "%s\n", p->history[i]);
	fclose(f);
	free(path);
}

void
prompt_free(struct prompt *p)
{
	for (int i = 0; i < p->nhistory; i++)
		free(p->history[i]);
	p->nhistory = 0;
}

static void
set_line(struct prompt *p, const char *s)
{
	size_t n = mbstowcs(p->buf, s, PROMPT_MAX);

	p->len = p->cur = n == (size_t)-1 ? 0 : (int)n;
	p->buf[p->len] = L'\0';
}

/* Wipes the whole buffer, not just the text's length: a secret that
 * was edited shorter leaves characters past the end. */
static void
wipe(struct prompt *p)
{
	explicit_bzero(p->buf, sizeof p->buf);
	p->len = p->cur = 0;
}

void
prompt_open_mode(struct prompt *p, enum prompt_mode mode, const char *label,
    const char *initial, const char *hint)
{
	wipe(p);
	p->active = true;
	p->mode = mode;
	snprintf(p->label, sizeof p->label, "%s", label != NULL ? label : ":");
	if (initial != NULL && mode != PROMPT_SECRET)
		set_line(p, initial);
	p->browse = p->nhistory;
	snprintf(p->hint, sizeof p->hint, "%s", hint != NULL ? hint : "");
}

void
prompt_close(struct prompt *p)
{
	wipe(p);
	p->active = false;
	p->hint[0] = '\0';
}

static void
insert(struct prompt *p, const wchar_t *s, int n)
{
	if (p->len + n > PROMPT_MAX)
		n = PROMPT_MAX - p->len;
	if (n <= 0)
		return;
	wmemmove(p->buf + p->cur + n, p->buf + p->cur, (size_t)(p->len - p->cur));
	wmemcpy(p->buf + p->cur, s, (size_t)n);
	p->len += n;
	p->cur += n;
	p->buf[p->len] = L'\0';
}

static void
delete_back(struct prompt *p, int n)
{
	if (n > p->cur)
		n = p->cur;
	wmemmove(p->buf + p->cur - n, p->buf + p->cur, (size_t)(p->len - p->cur));
	p->cur -= n;
	p->len -= n;
	p->buf[p->len] = L'\0';
}

/* Completes the word before the cursor: a command name for the first
 * word, else one of the command's argument words.  A unique match is
 * completed with a space; several extend to their common prefix and are
 * listed in the hint. */
static void
complete(struct prompt *p)
{
	char line[PROMPT_MAX * 4 + 1], cmd[64] = "";
	const char *cands[64], *word;
	int ncand = 0, first;
	size_t wlen, common;
	wchar_t tmp[PROMPT_MAX + 1];

	wmemcpy(tmp, p->buf, (size_t)p->cur);
	tmp[p->cur] = L'\0';
	if (wcstombs(line, tmp, sizeof line) == (size_t)-1)
		return;
	word = strrchr(line, ' ');
	word = word != NULL ? word + 1 : line;
	wlen = strlen(word);
	first = sscanf(line, "%63s", cmd) != 1 || word == line;

	if (first) {
		for (size_t i = 0; i < cmd_count && ncand < 64; i++)
			if (strncmp(cmd_table[i].name, word, wlen) == 0)
				cands[ncand++] = cmd_table[i].name;
	} else {
		const struct cmd_entry *c = cmd_find(cmd);
		for (int i = 0; c != NULL && c->arg_words != NULL &&
		    c->arg_words[i] != NULL && ncand < 64; i++)
			if (strncmp(c->arg_words[i], word, wlen) == 0)
				cands[ncand++] = c->arg_words[i];
	}
	p->hint[0] = '\0';
	if (ncand == 0)
		return;
	common = strlen(cands[0]);
	for (int i = 1; i < ncand; i++) {
		size_t k = 0;
		while (k < common && cands[i][k] == cands[0][k])
			k++;
		common = k;
	}
	for (size_t k = wlen; k < common; k++) {
		wchar_t wc = (wchar_t)(unsigned char)cands[0][k];
		insert(p, &wc, 1);
	}
	if (ncand == 1)
		insert(p, L" ", 1);
	else {
		size_t used = 0;
		for (int i = 0; i < ncand && used < sizeof p->hint - 1; i++) {
			int w = snprintf(p->hint + used, sizeof p->hint - used,
			    "%s%s", i > 0 ? "  " : "", cands[i]);
			if (w < 0)
				break;
			used += (size_t)w;
		}
	}
}

static void
recall(struct prompt *p, int dir)
{
	int to = p->browse + dir;

	if (to < 0 || to > p->nhistory)
		return;
	p->browse = to;
	set_line(p, to < p->nhistory ? p->history[to] : "");
}

enum prompt_result
prompt_key(struct prompt *p, int key, char *out, size_t outlen)
{
	bool command = p->mode == PROMPT_COMMAND;

	switch (key) {
	case '\n':
		if (wcstombs(out, p->buf, outlen) == (size_t)-1)
			out[0] = '\0';
		out[outlen - 1] = '\0';
		if (command) {
			history_add(p, out);
			history_save(p);
		}
		prompt_close(p);
		return PROMPT_DONE;
	case 27:
	case CTRL('g'):
		prompt_close(p);
		return PROMPT_CANCEL;
	case '\t':
		if (command)
			complete(p);
		return PROMPT_EDITING;
	case FN(KEY_BACKSPACE):
	case CTRL('h'):
	case 127:
		/* Backspace on an empty command line leaves it, as in vi;
		 * an empty password or cell stays open until Esc or Enter. */
		if (p->len == 0) {
			if (!command)
				return PROMPT_EDITING;
			prompt_close(p);
			return PROMPT_CANCEL;
		}
		delete_back(p, 1);
		break;
	case FN(KEY_DC):
	case CTRL('d'):
		if (p->cur < p->len) {
			p->cur++;
			delete_back(p, 1);
		}
		break;
	case FN(KEY_LEFT):
	case CTRL('b'):
		if (p->cur > 0)
			p->cur--;
		break;
	case FN(KEY_RIGHT):
	case CTRL('f'):
		if (p->cur < p->len)
			p->cur++;
		break;
	case FN(KEY_HOME):
	case CTRL('a'):
		p->cur = 0;
		break;
	case FN(KEY_END):
	case CTRL('e'):
		p->cur = p->len;
		break;
	case CTRL('u'):
		delete_back(p, p->cur);
		break;
	case CTRL('w'): {
		int n = 0;
		while (p->cur - n > 0 && p->buf[p->cur - n - 1] == L' ')
			n++;
		while (p->cur - n > 0 && p->buf[p->cur - n - 1] != L' ')
			n++;
		delete_back(p, n);
		break;
	}
	case FN(KEY_UP):
	case CTRL('p'):
		if (command)
			recall(p, -1);
		break;
	case FN(KEY_DOWN):
	case CTRL('n'):
		if (command)
			recall(p, 1);
		break;
	default:
		if (!(key & KEYF_FUNCTION) && key >= 0x20 && key != 0x7f) {
			wchar_t wc = (wchar_t)key;
			insert(p, &wc, 1);
		}
		break;
	}
	/* Completion candidates go stale with the line; a label's note
	 * (why the last password failed) stays. */
	if (command)
		p->hint[0] = '\0';
	return PROMPT_EDITING;
}

/* The text before the cursor (or all of it), sanitized, with its width. */
static int
line_text(const struct prompt *p, int upto, char *clean, size_t len)
{
	char line[PROMPT_MAX * 4 + 2];
	wchar_t tmp[PROMPT_MAX + 1];

	wmemcpy(tmp, p->buf, (size_t)upto);
	tmp[upto] = L'\0';
	if (wcstombs(line, tmp, sizeof line) == (size_t)-1)
		line[0] = '\0';
	text_sanitize(clean, len, line, strlen(line), TEXT_ONELINE);
	return text_width(clean);
}

void
prompt_draw(const struct prompt *p, int y, int w)
{
	char label[sizeof p->label], clean[PROMPT_MAX * 4 + 2];
	int lw, tw = 0, curx;

	text_sanitize(label, sizeof label, p->label, strlen(p->label),
	    TEXT_ONELINE);
	lw = text_width(label);
	if (lw > w - 1)
		lw = w - 1;
	draw_cell(y, 0, label, lw, 0, theme_attr(p->mode == PROMPT_COMMAND ?
	    ROLE_NORMAL : ROLE_HEADER));
	/* A secret shows nothing, and the cursor stays put: even the
	 * length of a password is not the screen's business. */
	if (p->mode != PROMPT_SECRET) {
		tw = line_text(p, p->len, clean, sizeof clean);
		draw_cell(y, lw, clean, w - lw, 0, theme_attr(ROLE_NORMAL));
	}
	if (p->hint[0] != '\0' && w - lw - tw > 12)
		draw_text(y, lw + tw + 2, p->hint, w - lw - tw - 2,
		    theme_attr(ROLE_DIM));

	curx = lw;
	if (p->mode != PROMPT_SECRET)
		curx += line_text(p, p->cur, clean, sizeof clean);
	move(y, curx < w ? curx : w - 1);
}
