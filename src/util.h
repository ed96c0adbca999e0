/* Small helpers every module needs: allocation that aborts on exhaustion
 * (mkt cannot do anything useful without memory), and XDG directories. */
#ifndef MKT_UTIL_H
#define MKT_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

void	*xmalloc(size_t n);
void	*xcalloc(size_t n, size_t size);
void	*xreallocarray(void *p, size_t n, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* $env/leaf, or $HOME/fallback/leaf when env is unset or empty.  Malloc'd;
 * NULL if neither variable is usable. */
char	*xdg_dir(const char *env, const char *fallback, const char *leaf);

/* mkdir -p with mode for each created component.  0 or -1 with errno. */
int	 mkdir_p(const char *path, mode_t mode);

#endif
