/* mkt.conf parser.  Deliberately strict: a typo in a key or a value out of
 * range is an error with its line, never a silent default, because a
 * config that half applies is harder to debug than one that refuses. */
#if !defined(_POSIX_C_SOURCE) && !defined(_XOPEN_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config.h"
#include "session.h"
#include "text.h"
#include "util.h"

#define CONFIG_MAX	(1024 * 1024)	/* no real mkt.conf comes close */

enum section { SEC_NONE, SEC_SERVER, SEC_SYNC, SEC_UI, SEC_KEYS };

static const char *const section_names[] = {
	[SEC_NONE] = "", [SEC_SERVER] = "server", [SEC_SYNC] = "sync",
	[SEC_UI] = "ui", [SEC_KEYS] = "keys",
};

enum kind {
	K_STRING,	/* empty means unset (NULL) */
	K_URL,		/* http:// or https://, empty means unset */
	K_TEXT,		/* must not be empty */
	K_BOOL,
	K_INT,
	K_COLOR,
};

static const struct setting {
	enum section	 sec;
	const char	*name;
	enum kind	 kind;
	size_t		 off;
	int		 min, max;
} settings[] = {
	{ SEC_SERVER, "url", K_URL, offsetof(struct mkt_config, url), 0, 0 },
	{ SEC_SERVER, "user", K_STRING,
	  offsetof(struct mkt_config, user), 0, 0 },
	{ SEC_SERVER, "password", K_STRING,
	  offsetof(struct mkt_config, password), 0, 0 },
	{ SEC_SERVER, "ca_file", K_STRING,
	  offsetof(struct mkt_config, ca_file), 0, 0 },
	{ SEC_SERVER, "insecure", K_BOOL,
	  offsetof(struct mkt_config, insecure), 0, 0 },
	{ SEC_SYNC, "history_days", K_INT,
	  offsetof(struct mkt_config, history_days), 1, 3650 },
	{ SEC_SYNC, "poll_wait", K_INT,
	  offsetof(struct mkt_config, poll_wait), 1, 3600 },
	{ SEC_SYNC, "page_size", K_INT,
	  offsetof(struct mkt_config, page_size), 10, 5000 },
	{ SEC_SYNC, "low_bandwidth", K_BOOL,
	  offsetof(struct mkt_config, low_bandwidth), 0, 0 },
	{ SEC_UI, "color", K_COLOR, offsetof(struct mkt_config, color), 0, 0 },
	{ SEC_UI, "bell", K_BOOL, offsetof(struct mkt_config, bell), 0, 0 },
	{ SEC_UI, "clock_format", K_TEXT,
	  offsetof(struct mkt_config, clock_format), 0, 0 },
	{ SEC_UI, "view", K_TEXT,
	  offsetof(struct mkt_config, conversations_view), 0, 0 },
	{ SEC_UI, "notify_bell", K_BOOL,
	  offsetof(struct mkt_config, notify_bell), 0, 0 },
	{ SEC_UI, "arrow_cursor", K_BOOL,
	  offsetof(struct mkt_config, arrow_cursor), 0, 0 },
};

#define NSETTINGS	(sizeof settings / sizeof settings[0])

struct parser {
	struct mkt_config *cfg;
	const char	*path;
	int		 line;
	enum section	 sec;
	int		 seen[NSETTINGS];	/* line that set it, or 0 */
	size_t		 keys_base;	/* first binding from this file */
	char		*err;
	size_t		 errlen;
};

static int fail(struct parser *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct parser *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (p->errlen > 0)
		snprintf(p->err, p->errlen, "%s:%d: %s", p->path, p->line, msg);
	return -1;
}

void
config_defaults(struct mkt_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->history_days = 90;
	cfg->poll_wait = 3600;
	cfg->page_size = 500;
	cfg->color = COLOR_AUTO;
	cfg->bell = true;
	cfg->clock_format = xstrdup("%H:%M");
	cfg->conversations_view = xstrdup("all");
	cfg->notify_bell = true;
	cfg->arrow_cursor = true;
}

void
config_free(struct mkt_config *cfg)
{
	free(cfg->path);
	free(cfg->url);
	free(cfg->user);
	free(cfg->password);
	free(cfg->ca_file);
	free(cfg->clock_format);
	free(cfg->conversations_view);
	for (size_t i = 0; i < cfg->nkeys; i++) {
		free(cfg->keys[i].key);
		free(cfg->keys[i].command);
	}
	free(cfg->keys);
	/* leaves a harmless all-NULL config, so a second free is a no-op */
	memset(cfg, 0, sizeof *cfg);
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*e = '\0';
	return s;
}

/* True if s holds nothing but blanks and perhaps a comment. */
static int
only_comment(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0' || *s == '#' || *s == ';';
}

/* Unquotes in place the string starting at the '"' at s.  *end is set just
 * past the closing quote. */
static int
unquote(struct parser *p, char *s, char **out, char **end)
{
	char *r = s + 1, *w = s;

	for (;;) {
		if (*r == '\0')
			return fail(p, "unterminated quote");
		if (*r == '"')
			break;
		if (*r == '\\') {
			r++;
			if (*r != '"' && *r != '\\') {
				if (*r > ' ' && *r < 0x7f)
					return fail(p, "unknown escape '\\%c' "
					    "(only \\\" and \\\\)", *r);
				return fail(p, "unknown escape in quoted "
				    "value (only \\\" and \\\\)");
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
	*out = s;
	*end = r + 1;
	return 0;
}

/* The value after '=': quoted, or bare up to a " #" comment. */
static int
parse_value(struct parser *p, char *s, char **out)
{
	char *end;

	s = trim(s);
	if (*s == '"') {
		if (unquote(p, s, out, &end) != 0)
			return -1;
		if (!only_comment(end))
			return fail(p, "unexpected text after closing quote");
		return 0;
	}
	for (char *c = s; *c != '\0'; c++) {
		if (*c == '#' && (c == s || c[-1] == ' ' || c[-1] == '\t')) {
			*c = '\0';
			break;
		}
	}
	*out = trim(s);
	return 0;
}

static int
parse_bool(const char *s, bool *v)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < nitems(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*v = false;
			return 0;
		}
	}
	return -1;
}

/* Plain decimal only: "0x10", "1e3", "+5" and "5 days" are not numbers
 * here.  Returns -1 if not a number; out-of-range values saturate so the
 * caller reports them as a range error rather than garbage. */
static int
parse_int(const char *s, long *v)
{
	int neg = 0;
	long n = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (n < LONG_MAX / 10)
			n = n * 10 + (*s - '0');
	}
	*v = neg ? -n : n;
	return 0;
}

static void
set_string(char **field, const char *v)
{
	free(*field);
	*field = *v == '\0' ? NULL : xstrdup(v);
}

static int
apply(struct parser *p, const struct setting *st, const char *v)
{
	char *base = (char *)p->cfg + st->off;
	long n;
	bool b;

	switch (st->kind) {
	case K_URL:
		if (*v != '\0' && strncasecmp(v, "http://", 7) != 0 &&
		    strncasecmp(v, "https://", 8) != 0)
			return fail(p, "url must start with http:// or https://");
		/* FALLTHROUGH */
	case K_STRING:
		set_string((char **)(void *)base, v);
		return 0;
	case K_TEXT:
		if (*v == '\0')
			return fail(p, "%s must not be empty", st->name);
		set_string((char **)(void *)base, v);
		return 0;
	case K_BOOL:
		if (parse_bool(v, &b) != 0)
			return fail(p, "expected true or false");
		*(bool *)(void *)base = b;
		return 0;
	case K_INT:
		if (parse_int(v, &n) != 0)
			return fail(p, "%s must be an integer", st->name);
		if (n < st->min || n > st->max)
			return fail(p, "%s must be between %d and %d",
			    st->name, st->min, st->max);
		*(int *)(void *)base = (int)n;
		return 0;
	case K_COLOR:
		if (strcmp(v, "auto") == 0)
			p->cfg->color = COLOR_AUTO;
		else if (strcmp(v, "256") == 0)
			p->cfg->color = COLOR_256;
		else if (strcmp(v, "8") == 0)
			p->cfg->color = COLOR_8;
		else if (strcmp(v, "none") == 0)
			p->cfg->color = COLOR_MONO;
		else
			return fail(p, "color must be auto, 256, 8 or none");
		return 0;
	}
	return 0;
}

/*
 * Bindings keep file order.  Two for one key in the same file is a mistake
 * worth reporting; a binding from a file loaded earlier is replaced in
 * place, since each load is "on top of" the previous ones.
 */
static int
bind_key(struct parser *p, const char *key, const char *command)
{
	struct mkt_config *cfg = p->cfg;
	struct key_binding *kb;

	for (size_t i = 0; i < cfg->nkeys; i++) {
		kb = &cfg->keys[i];
		if (strcmp(kb->key, key) != 0)
			continue;
		if (i >= p->keys_base)
			return fail(p, "duplicate binding for '%s' in [keys] "
			    "(first on line %d)", key, kb->line);
		free(kb->command);
		kb->command = xstrdup(command);
		kb->line = p->line;
		return 0;
	}
	cfg->keys = xreallocarray(cfg->keys, cfg->nkeys + 1, sizeof *cfg->keys);
	kb = &cfg->keys[cfg->nkeys++];
	kb->key = xstrdup(key);
	kb->command = xstrdup(command);
	kb->line = p->line;
	return 0;
}

static int
parse_section(struct parser *p, char *s)
{
	char *close = strchr(s, ']'), *name;

	if (close == NULL)
		return fail(p, "expected ']' to close the section name");
	*close = '\0';
	name = trim(s + 1);
	if (!only_comment(close + 1))
		return fail(p, "unexpected text after [%s]", name);
	for (size_t i = SEC_SERVER; i < nitems(section_names); i++) {
		if (strcmp(name, section_names[i]) == 0) {
			p->sec = (enum section)i;
			return 0;
		}
	}
	return fail(p, "unknown section [%s]", name);
}

/* The index in settings[], or NSETTINGS. */
static size_t
find_setting(enum section sec, const char *name)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if (settings[i].sec == sec &&
		    strcmp(settings[i].name, name) == 0)
			break;
	return i;
}

static int
parse_pair(struct parser *p, char *s)
{
	char *eq, *key, *value, *end;
	size_t i;

	if (*s == '"') {
		/* lets [keys] bind keys like '#' or '=' */
		if (unquote(p, s, &key, &end) != 0)
			return -1;
		end += strspn(end, " \t");
		if (*end != '=')
			return fail(p, "expected 'key = value'");
		eq = end;
	} else {
		if ((eq = strchr(s, '=')) == NULL)
			return fail(p, "expected 'key = value'");
		*eq = '\0';
		key = trim(s);
	}
	if (*key == '\0')
		return fail(p, "expected 'key = value'");
	if (p->sec == SEC_NONE)
		return fail(p, "key outside any section");
	if (parse_value(p, eq + 1, &value) != 0)
		return -1;

	if (p->sec == SEC_KEYS)
		return bind_key(p, key, value);
	if ((i = find_setting(p->sec, key)) == NSETTINGS)
		return fail(p, "unknown key '%s' in [%s]", key,
		    section_names[p->sec]);
	if (p->seen[i] != 0)
		return fail(p, "duplicate key '%s' in [%s] (first set on "
		    "line %d)", key, section_names[p->sec], p->seen[i]);
	p->seen[i] = p->line;
	return apply(p, &settings[i], value);
}

/* Controls have no business in a config file, and rejecting them here
 * means no error message can carry one to the terminal. */
static int
check_line(struct parser *p, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (memchr(s, '\0', n) != NULL)
		return fail(p, "NUL byte in line");
	if (!text_utf8_valid(s, n))
		return fail(p, "line is not valid UTF-8");
	for (size_t i = 0; i < n; i++) {
		if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f ||
		    (u[i] == 0xc2 && i + 1 < n && u[i + 1] < 0xa0))
			return fail(p, "control character in line");
	}
	return 0;
}

static int
parse_line(struct parser *p, char *s, size_t n)
{
	if (n > 0 && s[n - 1] == '\r')		/* CRLF files */
		s[--n] = '\0';
	if (check_line(p, s, n) != 0)
		return -1;
	s = trim(s);
	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	if (*s == '[')
		return parse_section(p, s);
	return parse_pair(p, s);
}

/*
 * A password in a file others can read is a leaked password, so such a
 * file is refused outright rather than used with a warning nobody reads.
 * session_check_private() says "PATH is readable by group or others
 * (mode 0644); run: chmod 600 PATH"; its "is ..." part is kept.
 */
static int
check_secret(struct mkt_config *cfg, const char *path, char *err,
    size_t errlen)
{
	char why[1024];
	size_t n = strlen(path);

	if (session_check_private(path, why, sizeof why) == 0)
		return 0;
	if (errlen == 0)
		;
	else if (strncmp(why, path, n) == 0 && strncmp(why + n, " is ", 4) == 0)
		snprintf(err, errlen, "%s: holds a password but %s", path,
		    why + n + 1);
	else	/* it could not be checked at all (lstat failed) */
		snprintf(err, errlen, "%s: holds a password but cannot be "
		    "checked: %s", path, why);
	free(cfg->password);
	cfg->password = NULL;
	return -1;
}

/* The whole file, NUL-terminated, refusing anything past CONFIG_MAX. */
static char *
slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f;
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			cap = cap == 0 ? 4096 : cap * 2;
			if (cap > CONFIG_MAX + 1)
				cap = CONFIG_MAX + 1;
			buf = xreallocarray(buf, cap + 1, 1);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > CONFIG_MAX) {
			snprintf(err, errlen, "%s: file is larger than 1 MiB",
			    path);
			break;
		}
		if (got == 0) {
			if (!ferror(f)) {
				fclose(f);
				buf[n] = '\0';
				*len = n;
				return buf;
			}
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			break;
		}
	}
	fclose(f);
	free(buf);
	return NULL;
}

int
config_load(struct mkt_config *cfg, const char *path, char *err,
    size_t errlen)
{
	struct parser p = { .cfg = cfg, .path = path, .err = err,
	    .errlen = errlen, .keys_base = cfg->nkeys };
	char *buf, *s, *nl;
	size_t len, n;
	int rc = 0;

	if (errlen > 0)
		err[0] = '\0';
	if ((buf = slurp(path, &len, err, errlen)) == NULL)
		return -1;
	free(cfg->path);
	cfg->path = xstrdup(path);

	s = buf;
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;		/* byte order mark some editors write */
	while (s < buf + len && rc == 0) {
		p.line++;
		if ((nl = memchr(s, '\n', (size_t)(buf + len - s))) == NULL)
			nl = buf + len;
		n = (size_t)(nl - s);
		*nl = '\0';
		rc = parse_line(&p, s, n);
		s = nl + 1;
	}
	free(buf);
	/* After a line error too: its message stays, but a password from
	 * an unsafe file is not one of the "valid earlier values". */
	if (cfg->password != NULL &&
	    p.seen[find_setting(SEC_SERVER, "password")] != 0 &&
	    check_secret(cfg, path, rc == 0 ? err : NULL,
	    rc == 0 ? errlen : 0) != 0)
		rc = -1;
	return rc;
}

/* Only an explicitly named file may be missing: the caller must say so
 * rather than silently run on defaults. */
char *
config_find(const char *cli_path)
{
	struct stat sb;
	const char *env;
	char *path;

	if (cli_path != NULL)
		return xstrdup(cli_path);
	if ((env = getenv("MKT_CONFIG")) != NULL && *env != '\0')
		return xstrdup(env);
	path = xdg_dir("XDG_CONFIG_HOME", ".config", "mkt/mkt.conf");
	if (path != NULL) {
		if (stat(path, &sb) == 0)
			return path;
		free(path);
	}
	if (stat("mkt.conf", &sb) == 0)
		return xstrdup("./mkt.conf");
	return NULL;
}
