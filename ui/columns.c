#include <stdlib.h>
#include <string.h>

#include "columns.h"
#include "money.h"
#include "theme.h"
#include "timefmt.h"

const char *
row_cell(const struct list_row *row, int cell)
{
	return cell >= 0 && cell < row->ncells ? row->cells[cell] : "";
}

const char *
fmt_ago(const struct list_row *row, const struct vcolumn *col, char *buf,
    size_t len, time_t now, int *role)
{
	const char *s = row_cell(row, col->cell);

	(void)role;
	if (s[0] == '\0')
		return "";
	time_ago(buf, len, now, strtoll(s, NULL, 10));
	return buf;
}

const char *
fmt_waiting(const struct list_row *row, const struct vcolumn *col,
    char *buf, size_t len, time_t now, int *role)
{
	const char *s = row_cell(row, col->cell);
	long long since;

	if (s[0] == '\0')
		return "";
	since = strtoll(s, NULL, 10);
	if (now - since >= 86400)
		*role = ROLE_URGENT;
	else if (now - since >= 3600)
		*role = ROLE_WARN;
	time_ago(buf, len, now, since);
	return buf;
}

const char *
fmt_money(const struct list_row *row, const struct vcolumn *col, char *buf,
    size_t len, time_t now, int *role)
{
	const char *s = row_cell(row, col->cell);

	(void)now; (void)role;
	if (s[0] == '\0')
		return "";
	money_format(buf, len, strtoll(s, NULL, 10), row_cell(row, col->aux));
	return buf;
}

int
status_role(const char *status)
{
	static const struct {
		const char	*word;
		int		 role;
	} roles[] = {
		{ "overdue", ROLE_URGENT }, { "error", ROLE_URGENT },
		{ "failed", ROLE_URGENT }, { "cancelled", ROLE_DIM },
		{ "resolved", ROLE_DIM }, { "draft", ROLE_DIM },
		{ "completed", ROLE_DIM }, { "paid", ROLE_GOOD },
		{ "open", ROLE_GOOD }, { "sent", ROLE_WARN },
		{ "pending", ROLE_WARN }, { "snoozed", ROLE_DIM },
		{ "in_progress", ROLE_WARN },
	};

	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(status, roles[i].word) == 0)
			return roles[i].role;
	return -1;
}

const char *
fmt_status(const struct list_row *row, const struct vcolumn *col,
    char *buf, size_t len, time_t now, int *role)
{
	const char *s = row_cell(row, col->cell);
	int r = status_role(s);

	(void)buf; (void)len; (void)now;
	if (r >= 0)
		*role = r;
	return s;
}

const char *
fmt_count(const struct list_row *row, const struct vcolumn *col, char *buf,
    size_t len, time_t now, int *role)
{
	const char *s = row_cell(row, col->cell);

	(void)buf; (void)len; (void)now; (void)role;
	return strcmp(s, "0") == 0 ? "" : s;
}
