#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conv.h"
#include "store.h"
#include "text.h"
#include "thread.h"
#include "util.h"

/* Newest first with a limit, so a thread of years costs what it shows;
 * reversed into reading order afterwards. */
static const char messages_sql[] =
    "SELECT m.id, m.direction, m.kind, m.author_kind,"
    " CASE m.author_kind WHEN 'contact' THEN k.name WHEN 'ai' THEN 'AI'"
    "  WHEN 'user' THEN ifnull(u.name, 'staff') ELSE NULL END,"
    " m.body, m.attachment_url, m.attachment_type,"
    " ifnull(m.attachment_size, -1), m.delivery, m.pending, m.created_at"
    " FROM messages m"
    " JOIN conversations c ON c.id = m.conversation_id"
    " LEFT JOIN contacts k ON k.id = c.contact_id"
    " LEFT JOIN users u ON u.id = m.author_id"
    " WHERE m.conversation_id = ?"
    " ORDER BY m.created_at DESC, m.id DESC LIMIT ?";

int
thread_load(sqlite3 *db, int64_t conversation, struct thread *t, char *err,
    size_t errlen)
{
	sqlite3_stmt *st;
	int rc, n = 0, size = 0;

	memset(t, 0, sizeof *t);
	t->conversation = conversation;
	if (sqlite3_prepare_v2(db, messages_sql, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, conversation);
	sqlite3_bind_int(st, 2, THREAD_MAX + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct thread_msg *m;

		if (n == THREAD_MAX) {
			t->older = 1;
			break;
		}
		if (n == size) {
			size = size != 0 ? size * 2 : 64;
			t->msgs = xreallocarray(t->msgs, (size_t)size,
			    sizeof *t->msgs);
		}
		m = &t->msgs[n++];
		memset(m, 0, sizeof *m);
		m->id = sqlite3_column_int64(st, 0);
		m->inbound = strcmp((const char *)sqlite3_column_text(st, 1),
		    "in") == 0;
		store_column_copy(m->kind, sizeof m->kind, st, 2);
		store_column_copy(m->author_kind, sizeof m->author_kind, st, 3);
		m->author = store_column_text(st, 4, TEXT_ONELINE);
		m->body = store_column_text(st, 5, 0);
		if (m->body == NULL)
			m->body = xstrdup("");
		/* Kept raw: it is only ever passed to an opener as an
		 * argument, after thread_url_openable(). */
		if (sqlite3_column_text(st, 6) != NULL)
			m->attachment_url = xstrdup(
			    (const char *)sqlite3_column_text(st, 6));
		m->attachment_type = store_column_text(st, 7, TEXT_ONELINE);
		m->attachment_size = sqlite3_column_int64(st, 8);
		store_column_copy(m->delivery, sizeof m->delivery, st, 9);
		m->pending = sqlite3_column_int(st, 10) > 0;
		m->created_at = sqlite3_column_int64(st, 11);
	}
	t->nmsgs = n;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	for (int i = 0, j = n - 1; i < j; i++, j--) {
		struct thread_msg tmp = t->msgs[i];

		t->msgs[i] = t->msgs[j];
		t->msgs[j] = tmp;
	}
	if (t->older) {
		/* How many more the cache has: one count, on open only. */
		if (sqlite3_prepare_v2(db, "SELECT count(*) FROM messages "
		    "WHERE conversation_id = ?", -1, &st, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_int64(st, 1, conversation);
		if (sqlite3_step(st) == SQLITE_ROW)
			t->older = sqlite3_column_int64(st, 0) - n;
		sqlite3_finalize(st);
	}
	return 0;
fail:
	snprintf(err, errlen, "thread %lld: %s", (long long)conversation,
	    sqlite3_errmsg(db));
	sqlite3_finalize(st);
	thread_free(t);
	return -1;
}

void
thread_free(struct thread *t)
{
	for (int i = 0; i < t->nmsgs; i++) {
		free(t->msgs[i].author);
		free(t->msgs[i].body);
		free(t->msgs[i].attachment_url);
		free(t->msgs[i].attachment_type);
	}
	free(t->msgs);
	memset(t, 0, sizeof *t);
}

static const char info_sql[] =
    "SELECT c.id, c.version, k.name, k.phone, k.email, k.handle,"
    " k.language, k.lead_source, co.name, co.code, ch.platform, ch.name,"
    " ch.status, ifnull(c.order_id, 0), o.number, o.title, o.status,"
    " o.currency, CASE o.kind WHEN 'checkout' THEN o.total_minor"
    "  ELSE o.budget_minor END,"
    " c.status, ifnull(c.snoozed_until, 0), c.priority, c.handler,"
    " c.payment_status,"
    " (SELECT group_concat(label, ' ') FROM (SELECT label FROM"
    "   conversation_labels WHERE conversation_id = c.id ORDER BY label)),"
    " u.name, ifnull(c.assignee_id, 0), c.handoff_requested,"
    " c.payment_reminder, c.unread_count, ifnull(c.waiting_since, 0)"
    " FROM conversations c"
    " LEFT JOIN contacts k ON k.id = c.contact_id"
    " LEFT JOIN companies co ON co.id = c.company_id"
    " LEFT JOIN channels ch ON ch.id = c.channel_id"
    " LEFT JOIN orders o ON o.id = c.order_id"
    " LEFT JOIN users u ON u.id = c.assignee_id"
    " WHERE c.id = ?";

int
thread_info_load(sqlite3 *db, int64_t conversation, int64_t now,
    struct thread_info *in, char *err, size_t errlen)
{
	char **strings[] = {
		&in->contact, &in->phone, &in->email, &in->handle,
		&in->language, &in->lead_source, &in->company,
		&in->company_code, &in->platform, &in->channel,
		&in->channel_status,
	};
	sqlite3_stmt *st;
	const char *status;
	int rc;

	memset(in, 0, sizeof *in);
	if (sqlite3_prepare_v2(db, info_sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "conversation: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, conversation);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		if (rc != SQLITE_DONE)
			snprintf(err, errlen, "conversation: %s",
			    sqlite3_errmsg(db));
		else
			snprintf(err, errlen, "conversation %lld is not in "
			    "the cache", (long long)conversation);
		sqlite3_finalize(st);
		return rc == SQLITE_DONE ? 1 : -1;
	}
	in->id = sqlite3_column_int64(st, 0);
	in->version = sqlite3_column_int64(st, 1);
	for (size_t i = 0; i < nitems(strings); i++)
		*strings[i] = store_column_text(st, 2 + (int)i,
		    TEXT_ONELINE);
	in->order_id = sqlite3_column_int64(st, 13);
	in->order_number = store_column_text(st, 14, TEXT_ONELINE);
	in->order_title = store_column_text(st, 15, TEXT_ONELINE);
	in->order_status = store_column_text(st, 16, TEXT_ONELINE);
	in->order_currency = store_column_text(st, 17, TEXT_ONELINE);
	in->order_total_minor = sqlite3_column_int64(st, 18);
	in->snoozed_until = sqlite3_column_int64(st, 20);
	status = (const char *)sqlite3_column_text(st, 19);
	in->status = xstrdup(conv_effective_status(status != NULL ? status :
	    "open", in->snoozed_until, now));
	in->priority = store_column_text(st, 21, TEXT_ONELINE);
	in->handler = store_column_text(st, 22, TEXT_ONELINE);
	in->payment_status = store_column_text(st, 23, TEXT_ONELINE);
	in->labels = store_column_text(st, 24, TEXT_ONELINE);
	in->assignee = store_column_text(st, 25, TEXT_ONELINE);
	in->assignee_id = sqlite3_column_int64(st, 26);
	in->handoff_requested = sqlite3_column_int(st, 27) != 0;
	in->payment_reminder = sqlite3_column_int(st, 28) != 0;
	in->unread = sqlite3_column_int(st, 29);
	in->waiting_since = sqlite3_column_int64(st, 30);
	sqlite3_finalize(st);
	return 0;
}

void
thread_info_free(struct thread_info *in)
{
	char **all[] = {
		&in->contact, &in->phone, &in->email, &in->handle,
		&in->language, &in->lead_source, &in->company,
		&in->company_code, &in->platform, &in->channel,
		&in->channel_status, &in->order_number, &in->order_title,
		&in->order_status, &in->order_currency, &in->status,
		&in->priority, &in->handler, &in->payment_status, &in->labels,
		&in->assignee,
	};

	for (size_t i = 0; i < nitems(all); i++)
		free(*all[i]);
	memset(in, 0, sizeof *in);
}

/* Anything else (file:, javascript:, a shell-looking string) could make
 * an opener do something other than show a page. */
bool
thread_url_openable(const char *url)
{
	const unsigned char *p;

	if (url == NULL || (strncasecmp(url, "https://", 8) != 0 &&
	    strncasecmp(url, "http://", 7) != 0))
		return false;
	for (p = (const unsigned char *)url; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}
