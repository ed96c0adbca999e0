/* One conversation as the thread view shows it: its messages in order and
 * everything the side panel says about it.  Text is sanitized here (the
 * bodies keep their line breaks), so the UI draws what it gets. */
#ifndef MKT_THREAD_H
#define MKT_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

/* The newest messages a thread holds in memory; older ones stay in the
 * cache (and on the server) and the view says they exist. */
#define THREAD_MAX	5000

struct thread_msg {
	int64_t	 id;		/* negative while only local (sending) */
	bool	 inbound;	/* from the customer */
	char	 kind[8];	/* text, note, system */
	char	 author_kind[8];	/* contact, user, ai, system */
	char	*author;	/* who wrote it, for people */
	char	*body;		/* sanitized, line breaks kept */
	char	*attachment_url;	/* as stored: never drawn raw */
	char	*attachment_type;	/* sanitized */
	int64_t	 attachment_size;	/* bytes; -1 unknown */
	char	 delivery[12];	/* sending, sent, delivered, read, failed */
	bool	 pending;	/* not acknowledged by the server yet */
	int64_t	 created_at;
};

struct thread {
	int64_t			 conversation;
	struct thread_msg	*msgs;
	int			 nmsgs;
	long long		 older;	/* cached but not held */
};

/* Everything about the conversation outside its messages. */
struct thread_info {
	int64_t	 id, version;
	char	*contact, *phone, *email, *handle, *language, *lead_source;
	char	*company, *company_code;
	char	*platform, *channel, *channel_status;
	int64_t	 order_id;	/* 0: none */
	char	*order_number, *order_title, *order_status, *order_currency;
	int64_t	 order_total_minor;
	char	*status;	/* as people see it (conv_effective_status) */
	int64_t	 snoozed_until;
	char	*priority, *handler, *payment_status, *labels, *assignee;
	int64_t	 assignee_id;
	bool	 handoff_requested, payment_reminder;
	int	 unread;
	int64_t	 waiting_since;	/* 0: nobody waits */
};

/* Loads the newest THREAD_MAX messages of a conversation, oldest first.
 * 0, or -1 with a message; on error *t is empty. */
int	thread_load(sqlite3 *db, int64_t conversation, struct thread *t,
	    char *err, size_t errlen);
void	thread_free(struct thread *t);

/* 0, 1 when the conversation is not in the cache, -1 on error. */
int	thread_info_load(sqlite3 *db, int64_t conversation, int64_t now,
	    struct thread_info *info, char *err, size_t errlen);
void	thread_info_free(struct thread_info *info);

/* The conversation before or after this one in a list is the list's
 * business (listwin); this is the one place that decides what an
 * attachment URL may be handed to: http and https only. */
bool	thread_url_openable(const char *url);

#endif
