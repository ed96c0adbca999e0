/* Notifications: each user reads and dismisses their own; an admin may
 * send one (an announcement, or a nudge from support tooling).  Other
 * domains create theirs with notify(). */
#include <stdio.h>
#include <string.h>

#include "api.h"

/* The caller's notification of the path, or 404: staff may not touch
 * others' notifications, which the feed does not show them either. */
static int
notification_find(struct server *srv, struct request *req,
    struct response *resp)
{
	cJSON *row;

	if ((row = feed_render(srv, req->user, "notification",
	    req->ids[0])) == NULL)
		return api_not_found(resp, "notification");
	cJSON_Delete(row);
	return 0;
}

static int
send_one(struct server *srv, struct request *req, struct response *resp)
{
	const char *kind = NULL, *title = NULL, *ref_type = NULL;
	int64_t user_id = 0, ref_id = 0, id;
	int rc;

	if (req->user->role != USER_ADMIN)
		return api_error(resp, 403, "forbidden",
		    "only an admin sends notifications", NULL);
	if ((rc = api_body_int(req, resp, "user_id", true, 1, INT64_MAX,
	    &user_id)) != 0 ||
	    (rc = api_body_string(req, resp, "kind", true, 64, &kind)) != 0 ||
	    (rc = api_body_string(req, resp, "title", true, 500, &title)) ||
	    (rc = api_body_string(req, resp, "ref_type", false, 32,
	    &ref_type)) != 0 ||
	    (rc = api_body_int(req, resp, "ref_id", false, 1, INT64_MAX,
	    &ref_id)) != 0)
		return rc;
	if (api_int(srv->db, &id, "SELECT id FROM users WHERE id = ?", "i",
	    user_id) != 1)
		return api_error(resp, 422, "invalid_value", "no such user",
		    "user_id");

	/* Not notify(): the new row's id is the answer. */
	if (api_exec(srv->db, "INSERT INTO notifications(user_id, kind, "
	    "title, ref_type, ref_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
	    "itttzi", user_id, kind, title, ref_type,
	    ref_type != NULL ? ref_id : 0, req->now) < 0)
		return api_error(resp, 500, "internal", "insert failed", NULL);
	id = sqlite3_last_insert_rowid(srv->db);
	if (feed_record(srv, "notification", id, "upsert") != 0)
		return api_error(resp, 500, "internal", "insert failed", NULL);
	/* The recipient's row: staff do not see others' notifications in
	 * the feed, but the sender may see what it sent. */
	resp->json = api_fetch_row(srv->db, "SELECT * FROM notifications "
	    "WHERE id = ?", 1, id);
	return resp->status = 201;
}

static int
mark_read(struct server *srv, struct request *req, struct response *resp)
{
	int64_t id = req->ids[0];
	int rc;

	if ((rc = notification_find(srv, req, resp)) != 0)
		return rc;
	if (api_exec(srv->db, "UPDATE notifications SET read_at = "
	    "coalesce(read_at, ?) WHERE id = ?", "ii", req->now, id) < 0 ||
	    feed_record(srv, "notification", id, "upsert") != 0)
		return api_error(resp, 500, "internal", "update failed", NULL);
	resp->json = feed_render(srv, req->user, "notification", id);
	return resp->status = 200;
}

static int
dismiss(struct server *srv, struct request *req, struct response *resp)
{
	int64_t id = req->ids[0];
	int rc;

	if ((rc = notification_find(srv, req, resp)) != 0)
		return rc;
	if (feed_record(srv, "notification", id, "delete") != 0 ||
	    api_exec(srv->db, "DELETE FROM notifications WHERE id = ?", "i",
	    id) < 0)
		return api_error(resp, 500, "internal", "delete failed", NULL);
	return resp->status = 204;
}

const struct route notification_routes[] = {
	{ "POST", "/api/v1/notifications", ROUTE_WRITE, send_one },
	{ "POST", "/api/v1/notifications/{id}/read", ROUTE_WRITE, mark_read },
	{ "DELETE", "/api/v1/notifications/{id}", ROUTE_WRITE, dismiss },
	{ NULL, NULL, 0, NULL }
};
