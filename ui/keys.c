#include <curses.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "app.h"
#include "cmd.h"
#include "keys.h"
#include "util.h"

#define CTRL(c)	((c) & 0x1f)
#define FN(k)	(KEYF_FUNCTION | (k))

/* The defaults.  The help screen lists keys in this order. */
static const struct key_binding_entry defaults[] = {
	{ 'j',			PANE_ANY,	"down" },
	{ FN(KEY_DOWN),		PANE_ANY,	"down" },
	{ 'k',			PANE_ANY,	"up" },
	{ FN(KEY_UP),		PANE_ANY,	"up" },
	{ FN(KEY_NPAGE),	PANE_ANY,	"page-down" },
	{ CTRL('f'),		PANE_ANY,	"page-down" },
	{ ' ',			PANE_ANY,	"page-down" },
	{ FN(KEY_PPAGE),	PANE_ANY,	"page-up" },
	{ CTRL('b'),		PANE_ANY,	"page-up" },
	{ CTRL('d'),		PANE_ANY,	"half-page-down" },
	{ CTRL('u'),		PANE_ANY,	"half-page-up" },
	{ 'g',			PANE_ANY,	"top" },
	{ FN(KEY_HOME),		PANE_ANY,	"top" },
	{ 'G',			PANE_ANY,	"bottom" },
	{ FN(KEY_END),		PANE_ANY,	"bottom" },
	{ '1',			PANE_ANY,	"pane conversations" },
	{ '2',			PANE_ANY,	"pane orders" },
	{ '3',			PANE_ANY,	"pane kb" },
	{ '4',			PANE_ANY,	"pane invoices" },
	{ '\t',			PANE_ANY,	"next-pane" },
	{ FN(KEY_BTAB),		PANE_ANY,	"previous-pane" },
	{ ':',			PANE_ANY,	"command-prompt" },
	{ '?',			PANE_ANY,	"help" },
	{ FN(KEY_F(1)),		PANE_ANY,	"help" },
	{ CTRL('l'),		PANE_ANY,	"redraw" },
	{ 'q',			PANE_ANY,	"quit" },
	{ '!',			PANE_ANY,	"problems" },
	{ '$',			PANE_ANY,	"sync" },
	{ '@',			PANE_ANY,	"notifications" },
	/* Conversations, as neomutt and Chatwoot drive them: r replies,
	 * x ticks a conversation off, t tags for the next action. */
	{ '\n',			PANE_CONVERSATIONS, "open" },
	{ 27,			PANE_CONVERSATIONS, "back" },
	{ 'm',			PANE_CONVERSATIONS, "view mine" },
	{ 'u',			PANE_CONVERSATIONS, "view unassigned" },
	{ 'w',			PANE_CONVERSATIONS, "view waiting" },
	{ 'U',			PANE_CONVERSATIONS, "view unpaid" },
	{ '*',			PANE_CONVERSATIONS, "view all" },
	{ 'X',			PANE_CONVERSATIONS, "view resolved" },
	{ ']',			PANE_CONVERSATIONS, "view next" },
	{ '[',			PANE_CONVERSATIONS, "view previous" },
	{ 's',			PANE_CONVERSATIONS, "sort" },
	{ 'f',			PANE_CONVERSATIONS, "filter" },
	{ 'F',			PANE_CONVERSATIONS, "filter none" },
	{ '/',			PANE_CONVERSATIONS, "search" },
	{ 't',			PANE_CONVERSATIONS, "tag" },
	{ 'T',			PANE_CONVERSATIONS, "untag" },
	{ 'r',			PANE_CONVERSATIONS, "reply" },
	{ 'E',			PANE_CONVERSATIONS, "reply-editor" },
	{ 'N',			PANE_CONVERSATIONS, "note" },
	{ 'C',			PANE_CONVERSATIONS, "canned" },
	{ 'x',			PANE_CONVERSATIONS, "resolve" },
	{ 'o',			PANE_CONVERSATIONS, "reopen" },
	{ 'P',			PANE_CONVERSATIONS, "pending" },
	{ 'z',			PANE_CONVERSATIONS, "snooze" },
	{ '+',			PANE_CONVERSATIONS, "priority up" },
	{ '-',			PANE_CONVERSATIONS, "priority down" },
	{ 'p',			PANE_CONVERSATIONS, "priority" },
	{ 'a',			PANE_CONVERSATIONS, "assign me" },
	{ 'A',			PANE_CONVERSATIONS, "assign" },
	{ 'l',			PANE_CONVERSATIONS, "label" },
	{ 'H',			PANE_CONVERSATIONS, "handoff human" },
	{ 'R',			PANE_CONVERSATIONS, "reminder" },
	{ 'L',			PANE_CONVERSATIONS, "load-history" },
	/* In a thread: Chatwoot's J and K walk the queue; o is the
	 * attachment, so reopen moves to O. */
	{ 'J',			PANE_THREAD,	"next-conversation" },
	{ 'K',			PANE_THREAD,	"previous-conversation" },
	{ 'o',			PANE_THREAD,	"open-attachment" },
	{ 'O',			PANE_THREAD,	"reopen" },
	{ 'q',			PANE_THREAD,	"back" },
	{ 27,			PANE_THREAD,	"back" },
	{ FN(KEY_LEFT),		PANE_THREAD,	"back" },
	{ '\n',			PANE_NOTIFICATIONS, "open" },
	{ 'q',			PANE_NOTIFICATIONS, "close" },
	{ 27,			PANE_NOTIFICATIONS, "close" },
	{ '\n',			PANE_KB,	"open" },
	{ 'e',			PANE_KB,	"edit-cell" },
	{ 'l',			PANE_KB,	"right" },
	{ FN(KEY_RIGHT),	PANE_KB,	"right" },
	{ 'h',			PANE_KB,	"left" },
	{ FN(KEY_LEFT),		PANE_KB,	"left" },
	{ 27,			PANE_KB,	"back" },
	{ '\n',			PANE_INVOICES,	"open" },
	{ 'p',			PANE_INVOICES,	"pay" },
	/* An open invoice: J and K walk the list as in a thread; Enter
	 * spells out the selected line. */
	{ 'J',			PANE_INVOICE,	"next-invoice" },
	{ 'K',			PANE_INVOICE,	"previous-invoice" },
	{ 'q',			PANE_INVOICE,	"back" },
	{ 27,			PANE_INVOICE,	"back" },
	{ FN(KEY_LEFT),		PANE_INVOICE,	"back" },
	{ 'r',			PANE_PROBLEMS,	"retry" },
	{ 'e',			PANE_PROBLEMS,	"edit-request" },
	{ 'd',			PANE_PROBLEMS,	"discard" },
	{ 'q',			PANE_PROBLEMS,	"close" },
	{ 27,			PANE_PROBLEMS,	"close" },
};

static const struct {
	const char	*name;
	int		 key;
} named[] = {
	{ "Tab", '\t' },	{ "BTab", FN(KEY_BTAB) },
	{ "Enter", '\n' },	{ "Esc", 27 },		{ "Space", ' ' },
	{ "Up", FN(KEY_UP) },	{ "Down", FN(KEY_DOWN) },
	{ "Left", FN(KEY_LEFT) }, { "Right", FN(KEY_RIGHT) },
	{ "PgUp", FN(KEY_PPAGE) }, { "PgDn", FN(KEY_NPAGE) },
	{ "Home", FN(KEY_HOME) }, { "End", FN(KEY_END) },
	{ "Backspace", FN(KEY_BACKSPACE) }, { "Delete", FN(KEY_DC) },
	{ "Insert", FN(KEY_IC) },
};

static struct key_binding_entry *table;	/* defaults + [keys] */
static size_t ntable;

int
key_parse(const char *name, int *key)
{
	wchar_t wc;
	size_t n;

	for (size_t i = 0; i < nitems(named); i++)
		if (strcmp(name, named[i].name) == 0) {
			*key = named[i].key;
			return 0;
		}
	if (name[0] == 'F' && name[1] >= '1' && name[1] <= '9') {
		int f = atoi(name + 1);
		if (f >= 1 && f <= 12 && strspn(name + 1, "0123456789") ==
		    strlen(name + 1)) {
			*key = FN(KEY_F(f));
			return 0;
		}
	}
	if (name[0] == 'C' && name[1] == '-' && name[2] != '\0' &&
	    name[3] == '\0') {
		char c = name[2];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			*key = CTRL(c);
			return 0;
		}
		return -1;
	}
	/* A single printable character, in any script. */
	n = mbrtowc(&wc, name, strlen(name), NULL);
	if (n == 0 || n == (size_t)-1 || n == (size_t)-2 || name[n] != '\0' ||
	    wc < 0x21 || wcwidth(wc) < 1)
		return -1;
	*key = (int)wc;
	return 0;
}

const char *
key_describe(int key, char *buf, size_t len)
{
	for (size_t i = 0; i < nitems(named); i++)
		if (named[i].key == key)
			return snprintf(buf, len, "%s", named[i].name), buf;
	if (key & KEYF_FUNCTION) {
		int k = key & ~KEYF_FUNCTION;
		if (k >= KEY_F(1) && k <= KEY_F(12))
			snprintf(buf, len, "F%d", k - KEY_F0);
		else
			snprintf(buf, len, "<%d>", k);
	} else if (key > 0 && key < 0x20)
		snprintf(buf, len, "C-%c", key + 'a' - 1);
	else {
		char mb[8] = "";
		int n = wctomb(mb, (wchar_t)key);
		snprintf(buf, len, "%.*s", n > 0 ? n : 0, mb);
	}
	return buf;
}

static void
table_add(int key, int pane, const char *command)
{
	for (size_t i = 0; i < ntable; i++)
		if (table[i].key == key && table[i].pane == pane) {
			free((char *)table[i].command);
			table[i].command = xstrdup(command);
			return;
		}
	table = xreallocarray(table, ntable + 1, sizeof *table);
	table[ntable].key = key;
	table[ntable].pane = pane;
	table[ntable++].command = xstrdup(command);
}

void
keys_free(void)
{
	for (size_t i = 0; i < ntable; i++)
		free((char *)table[i].command);
	free(table);
	table = NULL;
	ntable = 0;
}

int
keys_configure(const struct mkt_config *cfg, char *err, size_t errlen)
{
	keys_free();
	for (size_t i = 0; i < nitems(defaults); i++)
		table_add(defaults[i].key, defaults[i].pane, defaults[i].command);
	for (size_t i = 0; i < cfg->nkeys; i++) {
		const struct key_binding *b = &cfg->keys[i];
		char why[200];
		int key;

		if (key_parse(b->key, &key) != 0) {
			snprintf(err, errlen, "%s:%d: unknown key name '%s'",
			    cfg->path, b->line, b->key);
			return -1;
		}
		if (cmd_check(b->command, why, sizeof why) != 0) {
			snprintf(err, errlen, "%s:%d: %s", cfg->path, b->line,
			    why);
			return -1;
		}
		/* A global binding replaces the pane defaults for that key
		 * too, or the user's choice would be shadowed. */
		for (size_t j = 0; j < ntable; j++)
			if (table[j].key == key && table[j].pane != PANE_ANY)
				table[j].key = 0;
		table_add(key, PANE_ANY, b->command);
	}
	return 0;
}

/* The view's own bindings first, then its parent's (app_view_parent),
 * then the global ones. */
const char *
keys_lookup(int key, int pane)
{
	const char *global = NULL, *parent = NULL;
	int up = app_view_parent(pane);

	for (size_t i = 0; i < ntable; i++) {
		if (table[i].key != key)
			continue;
		if (table[i].pane == pane)
			return table[i].command;
		if (up != PANE_ANY && table[i].pane == up)
			parent = table[i].command;
		if (table[i].pane == PANE_ANY)
			global = table[i].command;
	}
	return parent != NULL ? parent : global;
}

/* Whether a bound command line runs the named command, with or without
 * arguments: "pane orders" runs "pane". */
static bool
runs_command(const char *line, const char *name)
{
	size_t n = strlen(name);

	return strncmp(line, name, n) == 0 && (line[n] == '\0' ||
	    line[n] == ' ');
}

int
keys_for(const char *command, int pane, char *buf, size_t len)
{
	size_t used = 0;
	int n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ntable; i++) {
		char name[32];

		if (table[i].key == 0 || table[i].pane != pane ||
		    !runs_command(table[i].command, command))
			continue;
		key_describe(table[i].key, name, sizeof name);
		int w = snprintf(buf + used, len - used, "%s%s",
		    n > 0 ? ", " : "", name);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
		n++;
	}
	return n;
}
