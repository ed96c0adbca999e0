/* Secrets on disk: the refresh token kept in $XDG_STATE_HOME/mkt/ with
 * mode 0600, and the rule that a file holding a secret must not be
 * readable by group or others.  A token is replaced atomically (write,
 * fsync, rename), because the server revokes the whole family when an
 * old refresh token is presented again: losing the new one would log
 * the user out. */
#ifndef MKT_SESSION_H
#define MKT_SESSION_H

#include <stddef.h>

/* $XDG_STATE_HOME/mkt/<server>.token for a server URL, creating the
 * directory with mode 0700.  Malloc'd, or NULL with a message. */
char	*session_token_path(const char *server_url, char *err, size_t errlen);

/* 0 when path may hold a secret: a regular file owned by us that group
 * and others cannot read.  -1 with the reason ("FILE is readable by
 * others (mode 0644); run chmod 600 FILE") otherwise. */
int	 session_check_private(const char *path, char *err, size_t errlen);

/* Reads the refresh token.  0 with *token malloc'd; 1 when there is no
 * token file; -1 with a message when it is unsafe or unreadable. */
int	 session_load(const char *path, char **token, char *err,
	    size_t errlen);

/* Writes the token atomically with mode 0600.  0 or -1. */
int	 session_save(const char *path, const char *token, char *err,
	    size_t errlen);

/* Removes the token file; a missing file is not an error. */
int	 session_forget(const char *path, char *err, size_t errlen);

#endif
