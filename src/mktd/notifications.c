/* Notifications: each user reads and dismisses their own; an admin may
 * send one (an announcement, or a nudge from support tooling).  Other
 * domains create theirs with notify(). */
#include <stdio.h>
#include <string.h>

#include "api.h"

static int
not_found(struct response *resp)
{
	return api_error(resp, 404, "not_found", "no such notification", NULL);
}

static int
send_one(struct server *srv, struct request *req, struct response *resp)
{
	const char *kind = NULL, *title = NULL, *ref_type = NULL;
	int64_t user_id = 0, ref_id = 0, id;
	sqlite3_stmt *st;
	cJSON *who;
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
	if ((who = api_fetch_row(srv->db, "SELECT id FROM users WHERE id = ?",
	    1, user_id)) == NULL)
		return api_error(resp, 422, "invalid_value", "no such user",
		    "user_id");
	cJSON_Delete(who);

	/* Not notify(): the new row's id is the answer. */
	if (sqlite3_prepare_v2(srv->db, "INSERT INTO notifications(user_id, "
	    "kind, title, ref_type, ref_id, created_at) VALUES "
	    "(?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return api_error(resp, 500, "internal", "insert failed", NULL);
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ref_type, -1, SQLITE_STATIC);
	if (ref_type != NULL && ref_id > 0)
		sqlite3_bind_int64(st, 5, ref_id);
	sqlite3_bind_int64(st, 6, req->now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	id = sqlite3_last_insert_rowid(srv->db);
	if (rc != SQLITE_DONE ||
	    feed_record(srv, "notification", id, "upsert") != 0)
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
	sqlite3_stmt *st;
	cJSON *row;
	int rc;

	if ((row = feed_render(srv, req->user, "notification", id)) == NULL)
		return not_found(resp);
	cJSON_Delete(row);
	if (sqlite3_prepare_v2(srv->db, "UPDATE notifications SET read_at = "
	    "coalesce(read_at, ?) WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return api_error(resp, 500, "internal", "update failed", NULL);
	sqlite3_bind_int64(st, 1, req->now);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE ||
	    feed_record(srv, "notification", id, "upsert") != 0)
		return api_error(resp, 500, "internal", "update failed", NULL);
	resp->json = feed_render(srv, req->user, "notification", id);
	return resp->status = 200;
}

static int
dismiss(struct server *srv, struct request *req, struct response *resp)
{
	int64_t id = req->ids[0];
	sqlite3_stmt *st;
	cJSON *row;
	int rc;

	if ((row = feed_render(srv, req->user, "notification", id)) == NULL)
		return not_found(resp);
	cJSON_Delete(row);
	if (feed_record(srv, "notification", id, "delete") != 0 ||
	    sqlite3_prepare_v2(srv->db, "DELETE FROM notifications WHERE "
	    "id = ?", -1, &st, NULL) != SQLITE_OK)
		return api_error(resp, 500, "internal", "delete failed", NULL);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return api_error(resp, 500, "internal", "delete failed", NULL);
	return resp->status = 204;
}

const struct route notification_routes[] = {
	{ "POST", "/api/v1/notifications", ROUTE_WRITE, send_one },
	{ "POST", "/api/v1/notifications/{id}/read", ROUTE_WRITE, mark_read },
	{ "DELETE", "/api/v1/notifications/{id}", ROUTE_WRITE, dismiss },
	{ NULL, NULL, 0, NULL }
};
