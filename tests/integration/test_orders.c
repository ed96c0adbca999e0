/* Orders, offers, contact purchases and checkout payment status against a
 * real mktd --demo: the business rules of issue 3, every item of seed
 * 000's checklist ("Чеклист проверки"), seed 001's start/cancel work, and
 * an authorization matrix of every action against every role.
 *
 * One server serves the whole file.  Tests that change state make their
 * own orders through the API, so they do not depend on each other's
 * order; the demo data is only read (through the API, or the database
 * file opened read-only) to find users, companies and checkout orders. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "harness.h"

/* The six demo logins of enum role, then more demo users, all with
 * password "demo". */
enum {
	PERFORMER2 = NROLES,
	PERFORMER3,
	CUSTOMER2,		/* a marketplace customer who owns no company */
	NWHO
};

static const char *const who_name[NWHO] = {
	"admin", "manager", "billing", "support", "client", "performer",
	"performer2", "performer3", "customer2"
};

static struct mktd	*m;
static sqlite3		*db;		/* the server's file, read-only */
static char		*tok[NWHO];
static int64_t		 uid[NWHO];
static int64_t		 home_co;	/* client@demo's, managed by manager@demo */
static int64_t		 far_co;	/* neither theirs */
static int		 serial;	/* makes titles and keys unique */
static pid_t		 plain_pid;	/* a second mktd, without --demo */
static char		 plain_dir[64];

/* ---- helpers ------------------------------------------------------------- */

static struct api_reply
callv(int w, const char *method, const char *body,
    const char *const *extra, const char *fmt, va_list ap)
{
	char path[512];

	vsnprintf(path, sizeof path, fmt, ap);
	return api_call(m, tok[w], method, path, body, extra);
}

/* A request as w; the path is a printf format. */
static struct api_reply
req(int w, const char *method, const char *body, const char *fmt, ...)
{
	struct api_reply	r;
	va_list			ap;

	va_start(ap, fmt);
	r = callv(w, method, body, NULL, fmt, ap);
	va_end(ap);
	return r;
}

static struct api_reply
req_h(int w, const char *method, const char *body,
    const char *const *extra, const char *fmt, ...)
{
	struct api_reply	r;
	va_list			ap;

	va_start(ap, fmt);
	r = callv(w, method, body, extra, fmt, ap);
	va_end(ap);
	return r;
}

/* A request as w that must fail with status want and error.code code: a
 * macro, so that a failure names the line of the check. */
#define expect_refused(w, method, body, want, code, ...) do {		\
	struct api_reply r_ = req((w), (method), (body), __VA_ARGS__);	\
	expect_error(r_, (want), (code));				\
	api_reply_free(&r_);						\
} while (0)

/* The status alone, for the many checks that need nothing else. */
static long
status_of(int w, const char *method, const char *body, const char *fmt,
    ...)
{
	struct api_reply	r;
	va_list			ap;
	long			s;

	va_start(ap, fmt);
	r = callv(w, method, body, NULL, fmt, ap);
	va_end(ap);
	s = r.status;
	api_reply_free(&r);
	return s;
}

/* One text value into buf ("" when none), so a check needs no free. */
static const char *
dbs(char *buf, size_t len, const char *sql, int64_t id)
{
	char *v = db_text(db, sql, 1, id);

	snprintf(buf, len, "%s", v != NULL ? v : "");
	free(v);
	return buf;
}

static int64_t
num(const struct api_reply *r, const char *path)
{
	return (int64_t)json_num(r->json, path, -1);
}

static bool
is_null(const struct api_reply *r, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->json, key);

	return v != NULL && cJSON_IsNull(v);
}

static void
expect_str(const struct api_reply *r, const char *path, const char *want)
{
	const char *s = json_str(r->json, path);

	if (s == NULL || strcmp(s, want) != 0)
		fail_msg("%s is %s, want %s: %.400s", path,
		    s != NULL ? s : "(absent)", want,
		    r->body != NULL ? r->body : "");
}

static int64_t
order_version(int64_t order)
{
	return db_int(db, -1,
	    "SELECT version FROM orders WHERE id = ?", 1, order);
}

static const char *
order_status(char *buf, size_t len, int64_t order)
{
	return dbs(buf, len, "SELECT status FROM orders WHERE id = ?",
	    order);
}

static const char *
offer_status(char *buf, size_t len, int64_t offer)
{
	return dbs(buf, len, "SELECT status FROM offers WHERE id = ?",
	    offer);
}

/* A fresh open marketplace order: by w for itself when w is a customer,
 * or by w (staff) for customer. */
static int64_t
order_new_for(int w, int64_t company, int64_t customer)
{
	struct api_reply	r;
	char			body[512];
	int64_t			id;
	int			n = ++serial;

	snprintf(body, sizeof body, "{\"company_id\":%lld,\"customer_id\":"
	    "%lld,\"title\":\"Собрать шкаф-купе №%d\",\"description\":"
	    "\"Шкаф 2×2.4 м, материалы есть\",\"city\":\"Казань\","
	    "\"budget_minor\":1500000,\"currency\":\"RUB\","
	    "\"customer_phone\":\"+7 900 123-45-%02d\"}", (long long)company,
	    (long long)customer, n, n % 100);
	r = req(w, "POST", body, "/api/v1/orders");
	expect_status(r, 201);
	id = num(&r, "id");
	assert_true(id > 0);
	api_reply_free(&r);
	return id;
}

/* client@demo's own order in their own company. */
static int64_t
order_new(void)
{
	return order_new_for(CLIENT, home_co, uid[CLIENT]);
}

static int64_t
offer_new(int w, int64_t order)
{
	struct api_reply	r;
	int64_t			id;

	r = req(w, "POST", "{\"message\":\"Соберу за один день, опыт 7 лет\","
	    "\"price_minor\":1200000,\"currency\":\"RUB\"}",
	    "/api/v1/orders/%lld/offers", (long long)order);
	expect_status(r, 201);
	id = num(&r, "id");
	assert_true(id > 0);
	api_reply_free(&r);
	return id;
}

static void
offer_take(int w, int64_t order, int64_t offer)
{
	struct api_reply r;

	r = req(w, "POST", NULL, "/api/v1/orders/%lld/offers/%lld/accept",
	    (long long)order, (long long)offer);
	expect_status(r, 200);
	api_reply_free(&r);
}

/* An order in progress with performer@demo as executor; *other is
 * performer2's offer, rejected by the acceptance. */
static int64_t
order_taken(int64_t *offer, int64_t *other)
{
	int64_t order = order_new(), mine, theirs;

	theirs = offer_new(PERFORMER2, order);
	mine = offer_new(PERFORMER, order);
	offer_take(CLIENT, order, mine);
	if (offer != NULL)
		*offer = mine;
	if (other != NULL)
		*other = theirs;
	return order;
}

static int64_t
notifications(int64_t user, const char *kind, int64_t order)
{
	sqlite3_stmt	*st;
	int64_t		 n = 0;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM notifications"
	    " WHERE user_id = ? AND kind = ? AND ref_type = 'order' AND"
	    " ref_id = ?", -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s", sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, user);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, order);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* An open checkout order of client@demo's shop with a fresh cart and a
 * payment link sent.  Tests that pay an order use it up, so each call
 * takes the first that is still open and unpaid. */
static int64_t
checkout_fresh(void)
{
	struct api_reply	r;
	int64_t			id;

	id = db_int(db, -1, "SELECT id FROM orders WHERE kind = 'checkout' AND"
	    " status = 'open' AND payment_status <> 'paid' AND company_id = ?"
	    " ORDER BY id LIMIT 1", 1, home_co);
	if (id <= 0)
		fail_msg("no open checkout order left in company %lld",
		    (long long)home_co);
	r = req(ADMIN, "PUT", "{\"lines\":[{\"sku\":1000,\"name\":\"Ramo de"
	    " 12 rosas rojas\",\"quantity\":1,\"unit_price_minor\":3490}],"
	    "\"delivery_fee_minor\":890,\"free_delivery_minor\":8000}",
	    "/api/v1/orders/%lld/lines", (long long)id);
	expect_status(r, 200);
	api_reply_free(&r);
	r = req(ADMIN, "POST", NULL, "/api/v1/orders/%lld/payment-link",
	    (long long)id);
	expect_status(r, 200);
	expect_str(&r, "payment_status", "payment_link_sent");
	api_reply_free(&r);
	return id;
}

/* ---- setup --------------------------------------------------------------- */

static int
setup(void **state)
{
	char *extra[3];
	int rc = -1;

	(void)state;
	if ((m = mktd_start(true)) == NULL ||
	    demo_login(m, NROLES, role_email, tok, uid) != 0)
		return -1;
	db = mktd_db(m);
	extra[0] = db_text(db, "SELECT email FROM users WHERE role ="
	    " 'performer' AND id <> ? ORDER BY id LIMIT 1", 1, uid[PERFORMER]);
	extra[1] = db_text(db, "SELECT email FROM users WHERE role ="
	    " 'performer' AND id <> ? ORDER BY id LIMIT 1 OFFSET 1", 1,
	    uid[PERFORMER]);
	extra[2] = db_text(db, "SELECT email FROM users u WHERE"
	    " role = 'client' AND NOT EXISTS (SELECT 1 FROM companies c"
	    " WHERE c.owner_id = u.id) ORDER BY id LIMIT 1", 0);
	if (extra[0] != NULL && extra[1] != NULL && extra[2] != NULL)
		rc = demo_login(m, NWHO - NROLES, (const char *const *)extra,
		    tok + NROLES, uid + NROLES);
	for (int i = 0; i < 3; i++)
		free(extra[i]);
	if (rc != 0)
		return -1;
	home_co = db_int(db, -1,
	    "SELECT id FROM companies WHERE owner_id = ? AND"
	    " manager_id = ? AND status = 'active' ORDER BY id LIMIT 1", 2,
	    uid[CLIENT], uid[MANAGER]);
	far_co = db_int(db, -1,
	    "SELECT id FROM companies WHERE ifnull(owner_id, 0) <> ?"
	    " AND ifnull(manager_id, 0) <> ? AND status = 'active'"
	    " ORDER BY id LIMIT 1", 2, uid[CLIENT], uid[MANAGER]);
	if (home_co <= 0 || far_co <= 0) {
		fprintf(stderr, "test_orders: demo companies not found\n");
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (plain_pid > 0) {
		kill(plain_pid, SIGKILL);
		waitpid(plain_pid, NULL, 0);
	}
	for (int i = 0; i < NWHO; i++)
		free(tok[i]);
	if (m != NULL && mktd_stop(m) != 0)
		return -1;
	return 0;
}

/* ---- seed 000, "Чеклист проверки" ----------------------------------------- */

/* "Заказчик создает заказ → статус `open`" */
static void
checklist_customer_creates_order_open(void **state)
{
	struct api_reply	r;
	char			body[256];

	(void)state;
	snprintf(body, sizeof body, "{\"company_id\":%lld,\"title\":"
	    "\"Установить смеситель\"}", (long long)home_co);
	r = req(CLIENT, "POST", body, "/api/v1/orders");
	expect_status(r, 201);
	expect_str(&r, "status", "open");
	expect_str(&r, "kind", "marketplace");
	assert_int_equal(num(&r, "customer_id"), uid[CLIENT]);
	assert_true(is_null(&r, "executor_id"));
	/* "Заказ виден всем исполнителям": any performer sees it. */
	assert_int_equal(status_of(PERFORMER3, "GET", NULL,
	    "/api/v1/orders/%lld", (long long)num(&r, "id")), 200);
	api_reply_free(&r);
}

/* "Исполнитель откликается → создается offer со статусом `pending`" */
static void
checklist_performer_offer_pending(void **state)
{
	struct api_reply	r;
	int64_t			order = order_new();

	(void)state;
	r = req(PERFORMER, "POST", "{\"message\":\"Могу завтра\","
	    "\"price_minor\":900000,\"currency\":\"RUB\"}",
	    "/api/v1/orders/%lld/offers", (long long)order);
	expect_status(r, 201);
	expect_str(&r, "status", "pending");
	assert_int_equal(num(&r, "order_id"), order);
	assert_int_equal(num(&r, "performer_id"), uid[PERFORMER]);
	assert_int_equal(num(&r, "price_minor"), 900000);
	expect_str(&r, "currency", "RUB");
	api_reply_free(&r);
}

/* "Заказчик получает уведомление" */
static void
checklist_customer_notified(void **state)
{
	int64_t order = order_new();

	(void)state;
	assert_int_equal(notifications(uid[CLIENT], "new_offer", order), 0);
	offer_new(PERFORMER, order);
	assert_int_equal(notifications(uid[CLIENT], "new_offer", order), 1);
}

/* "Заказчик видит отклик на странице заказа" (with "имя исполнителя,
 * рейтинг, цену и сообщение", seed 000 §2) */
static void
checklist_customer_sees_offer(void **state)
{
	struct api_reply	 r;
	const cJSON		*a, *o;
	int64_t			 order = order_new(), offer;

	(void)state;
	offer = offer_new(PERFORMER, order);
	r = req(CLIENT, "GET", NULL, "/api/v1/orders/%lld/offers",
	    (long long)order);
	expect_status(r, 200);
	a = cJSON_GetObjectItem(r.json, "offers");
	assert_true(cJSON_IsArray(a));
	assert_int_equal(cJSON_GetArraySize(a), 1);
	o = cJSON_GetArrayItem(a, 0);
	assert_int_equal((int64_t)json_num(o, "id", 0), offer);
	assert_string_equal(json_str(o, "performer_name"), "Игорь Смирнов");
	assert_string_equal(json_str(o, "message"),
	    "Соберу за один день, опыт 7 лет");
	assert_int_equal((int64_t)json_num(o, "price_minor", 0), 1200000);
	assert_non_null(cJSON_GetObjectItem(o, "performer_rating"));
	assert_non_null(cJSON_GetObjectItem(o, "performer_reviews"));
	api_reply_free(&r);
}

/* "Заказчик принимает отклик → offer `accepted`, остальные `rejected`,
 * заказ `in_progress`" */
static void
checklist_accept_sets_statuses(void **state)
{
	struct api_reply	r;
	int64_t			order = order_new(), a, b, c;
	char			s[32];

	(void)state;
	a = offer_new(PERFORMER, order);
	b = offer_new(PERFORMER2, order);
	c = offer_new(PERFORMER3, order);
	r = req(CLIENT, "POST", NULL, "/api/v1/orders/%lld/offers/%lld/accept",
	    (long long)order, (long long)b);
	expect_status(r, 200);
	expect_str(&r, "status", "in_progress");
	assert_int_equal(num(&r, "executor_id"), uid[PERFORMER2]);
	api_reply_free(&r);
	assert_string_equal(offer_status(s, sizeof s, b), "accepted");
	assert_string_equal(offer_status(s, sizeof s, a), "rejected");
	assert_string_equal(offer_status(s, sizeof s, c), "rejected");
	assert_string_equal(order_status(s, sizeof s, order), "in_progress");
}

/* "Исполнитель получает уведомление о принятии" */
static void
checklist_performer_notified_of_acceptance(void **state)
{
	int64_t order = order_new(), offer;

	(void)state;
	offer = offer_new(PERFORMER, order);
	offer_new(PERFORMER2, order);
	offer_take(CLIENT, order, offer);
	assert_int_equal(notifications(uid[PERFORMER], "offer_accepted",
	    order), 1);
	assert_int_equal(notifications(uid[PERFORMER2], "offer_accepted",
	    order), 0);
}

/* "Исполнитель видит кнопку "Получить контакты"": the button is there
 * exactly when the API lets the performer buy, i.e. once their offer is
 * accepted, and never for the others. */
static void
checklist_performer_sees_get_contacts(void **state)
{
	struct api_reply	 r;
	const cJSON		*o;
	int64_t			 order = order_new(), offer;

	(void)state;
	offer = offer_new(PERFORMER, order);
	offer_new(PERFORMER2, order);
	assert_int_equal(status_of(PERFORMER, "POST", NULL,
	    "/api/v1/orders/%lld/contact-purchase", (long long)order), 403);
	offer_take(CLIENT, order, offer);
	r = req(PERFORMER, "GET", NULL, "/api/v1/orders/%lld/offers",
	    (long long)order);
	expect_status(r, 200);
	o = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "offers"), 0);
	assert_string_equal(json_str(o, "status"), "accepted");
	api_reply_free(&r);
	assert_int_equal(status_of(PERFORMER2, "POST", NULL,
	    "/api/v1/orders/%lld/contact-purchase", (long long)order), 403);
	assert_int_equal(status_of(PERFORMER, "POST", NULL,
	    "/api/v1/orders/%lld/contact-purchase", (long long)order), 201);
}

/* "Исполнитель оплачивает → получает доступ к контактам" */
static void
checklist_performer_pays_gets_contacts(void **state)
{
	struct api_reply	r;
	int64_t			order = order_taken(NULL, NULL);

	(void)state;
	r = req(PERFORMER, "POST", NULL, "/api/v1/orders/%lld/contact-purchase",
	    (long long)order);
	expect_status(r, 201);
	expect_str(&r, "status", "pending");
	assert_int_equal(num(&r, "price_minor"), 500);
	expect_str(&r, "currency", "EUR");
	api_reply_free(&r);
	/* "Контакты доступны только после оплаты" */
	r = req(PERFORMER, "GET", NULL, "/api/v1/orders/%lld", (long long)order);
	expect_status(r, 200);
	assert_true(is_null(&r, "customer_phone"));
	assert_true(is_null(&r, "customer_email"));
	assert_true(is_null(&r, "customer_name"));
	api_reply_free(&r);
	r = req(PERFORMER, "POST", NULL,
	    "/api/v1/orders/%lld/contact-purchase/confirm", (long long)order);
	expect_status(r, 200);
	expect_str(&r, "status", "paid");
	assert_true(num(&r, "paid_at") > 0);
	api_reply_free(&r);
	r = req(PERFORMER, "GET", NULL, "/api/v1/orders/%lld", (long long)order);
	expect_status(r, 200);
	expect_str(&r, "customer_email", "client@demo.mkt");
	expect_str(&r, "customer_name", "Carmen Ruiz");
	assert_non_null(json_str(r.json, "customer_phone"));
	api_reply_free(&r);
	/* Seed 000 §4: "Заказчик получает уведомление, что его контакты
	 * были куплены". */
	assert_int_equal(notifications(uid[CLIENT], "contacts_purchased",
	    order), 1);
}

/* "Контакты видны только купившему исполнителю" */
static void
checklist_contacts_only_for_buyer(void **state)
{
	struct api_reply	r;
	int64_t			order = order_taken(NULL, NULL);

	(void)state;
	r = req(PERFORMER, "POST", NULL,
	    "/api/v1/orders/%lld/contact-purchase", (long long)order);
	expect_status(r, 201);
	api_reply_free(&r);
	r = req(ADMIN, "POST", NULL,
	    "/api/v1/orders/%lld/contact-purchase/confirm",
	    (long long)order);
	expect_status(r, 200);
	api_reply_free(&r);
	r = req(PERFORMER, "GET", NULL, "/api/v1/orders/%lld", (long long)order);
	expect_str(&r, "customer_email", "client@demo.mkt");
	api_reply_free(&r);
	/* The customer always sees their own contacts, staff theirs. */
	r = req(CLIENT, "GET", NULL, "/api/v1/orders/%lld", (long long)order);
	expect_str(&r, "customer_email", "client@demo.mkt");
	api_reply_free(&r);
	r = req(SUPPORT, "GET", NULL, "/api/v1/orders/%lld", (long long)order);
	expect_str(&r, "customer_email", "client@demo.mkt");
	api_reply_free(&r);
}

/* "Другие исполнители не видят контакты" */
static void
checklist_other_performers_no_contacts(void **state)
{
	struct api_reply	r;
	int64_t			order = order_taken(NULL, NULL);

	(void)state;
	r = req(PERFORMER, "POST", NULL,
	    "/api/v1/orders/%lld/contact-purchase", (long long)order);
	expect_status(r, 201);
	api_reply_free(&r);
	r = req(PERFORMER, "POST", NULL,
	    "/api/v1/orders/%lld/contact-purchase/confirm",
	    (long long)order);
	expect_status(r, 200);
	api_reply_free(&r);
	/* performer2 made an offer, so sees the order, but not who. */
	r = req(PERFORMER2, "GET", NULL, "/api/v1/orders/%lld",
	    (long long)order);
	expect_status(r, 200);
	assert_true(is_null(&r, "customer_phone"));
	assert_true(is_null(&r, "customer_email"));
	assert_true(is_null(&r, "customer_name"));
	api_reply_free(&r);
	/* performer3 made none: the order is no longer open, so it is
	 * not theirs to see at all. */
	assert_int_equal(status_of(PERFORMER3, "GET", NULL,
	    "/api/v1/orders/%lld", (long long)order), 404);
	/* An open order shows no contacts to any performer. */
	order = order_new();
	r = req(PERFORMER3, "GET", NULL, "/api/v1/orders/%lld",
	    (long long)order);
	expect_status(r, 200);
	assert_true(is_null(&r, "customer_phone"));
	api_reply_free(&r);
}

/* Creating orders: an active company (a manager only in theirs), a
 * customer who is a client, a title; staff must say for whom. */
static void
order_create_validation(void **state)
{
	struct api_reply	r;
	char			body[256];

	(void)state;
	snprintf(body, sizeof body, "{\"company_id\":%lld,\"title\":\" \"}",
	    (long long)home_co);
	r = req(CLIENT, "POST", body, "/api/v1/orders");
	expect_error(r, 422, "missing_field");
	expect_str(&r, "error.field", "title");
	api_reply_free(&r);
	r = req(CLIENT, "POST", "{\"company_id\":999999,\"title\":\"x\"}",
	    "/api/v1/orders");
	expect_error(r, 422, "invalid_value");
	expect_str(&r, "error.field", "company_id");
	api_reply_free(&r);
	snprintf(body, sizeof body, "{\"company_id\":%lld,\"customer_id\":"
	    "%lld,\"title\":\"x\"}", (long long)far_co,
	    (long long)uid[CUSTOMER2]);
	expect_refused(MANAGER, "POST", body, 422, "invalid_value",
	    "/api/v1/orders");
	snprintf(body, sizeof body, "{\"company_id\":%lld,\"customer_id\":"
	    "%lld,\"title\":\"x\"}", (long long)home_co,
	    (long long)uid[PERFORMER]);
	r = req(SUPPORT, "POST", body, "/api/v1/orders");
	expect_error(r, 422, "invalid_value");
	expect_str(&r, "error.field", "customer_id");
	api_reply_free(&r);
	snprintf(body, sizeof body, "{\"company_id\":%lld,\"title\":\"x\"}",
	    (long long)home_co);
	r = req(ADMIN, "POST", body, "/api/v1/orders");
	expect_error(r, 422, "missing_field");
	expect_str(&r, "error.field", "customer_id");
	api_reply_free(&r);
	snprintf(body, sizeof body, "{\"company_id\":%lld,\"title\":\"x\","
	    "\"budget_minor\":100}", (long long)home_co);
	r = req(CLIENT, "POST", body, "/api/v1/orders");
	expect_error(r, 422, "missing_field");
	expect_str(&r, "error.field", "currency");
	api_reply_free(&r);
	/* Staff for a customer: the order is the customer's, and the audit
	 * log says who placed it. */
	snprintf(body, sizeof body, "{\"company_id\":%lld,\"customer_id\":"
	    "%lld,\"title\":\"Заменить розетки\"}", (long long)far_co,
	    (long long)uid[CUSTOMER2]);
	r = req(SUPPORT, "POST", body, "/api/v1/orders");
	expect_status(r, 201);
	assert_int_equal(num(&r, "customer_id"), uid[CUSTOMER2]);
	assert_int_equal(db_int(db, -1,
	    "SELECT count(*) FROM audit_log WHERE action ="
	    " 'order.create' AND ref_id = ? AND actor_id = ? AND"
	    " on_behalf_of_id = ?", 3, num(&r, "id"), uid[SUPPORT],
	    uid[CUSTOMER2]), 1);
	api_reply_free(&r);
}

/* ---- offers ----------------------------------------------------------------- */

/* Issue 3: "Offers are allowed only on open orders".  Seed 000 "Известные
 * ограничения" 2: "После принятия другие исполнители не могут
 * откликаться (заказ в `in_progress`)". */
static void
offer_only_on_open_orders(void **state)
{
	int64_t			order, other;

	(void)state;
	/* PERFORMER2's offer was rejected; they still see the order. */
	order = order_taken(NULL, &other);
	expect_refused(PERFORMER2, "POST",
	    "{\"message\":\"А если подешевле?\"}", 409, "order_not_open",
	    "/api/v1/orders/%lld/offers", (long long)order);
	/* A performer without an offer does not see it any more. */
	assert_int_equal(status_of(PERFORMER3, "POST",
	    "{\"message\":\"Возьму\"}", "/api/v1/orders/%lld/offers",
	    (long long)order), 404);
	/* A cancelled order takes none either. */
	order = order_new();
	offer_new(PERFORMER, order);
	assert_int_equal(status_of(CLIENT, "POST", NULL,
	    "/api/v1/orders/%lld/cancel", (long long)order), 200);
	expect_refused(PERFORMER, "POST", "{\"message\":\"Ещё актуально?\"}",
	    409, "order_not_open", "/api/v1/orders/%lld/offers",
	    (long long)order);
}

/* Seed 000 §2: "Исполнитель может откликнуться только один раз на каждый
 * заказ" — the UNIQUE (order_id, performer_id). */
static void
offer_one_per_performer(void **state)
{
	int64_t			order = order_new();

	(void)state;
	offer_new(PERFORMER, order);
	expect_refused(PERFORMER, "POST", "{\"message\":\"Второй отклик\"}",
	    409, "offer_exists", "/api/v1/orders/%lld/offers",
	    (long long)order);
	assert_int_equal(db_int(db, -1,
	    "SELECT count(*) FROM offers WHERE order_id = ?"
	    " AND performer_id = ?", 2, order, uid[PERFORMER]), 1);
	/* Another performer still may. */
	offer_new(PERFORMER2, order);
}

/* message required and limited; price_minor ≥ 0 and whole; currency a
 * 3-letter code, required with a price and only with one. */
static void
offer_body_validation(void **state)
{
	static const struct {
		const char	*body, *code, *field;
	} bad[] = {
		{ "{}", "missing_field", "message" },
		{ "{\"message\":\"   \"}", "missing_field", "message" },
		{ "{\"message\":42}", "invalid_type", "message" },
		{ "{\"message\":\"ok\",\"price_minor\":-1,\"currency\":\"EUR\"}",
		    "out_of_range", "price_minor" },
		{ "{\"message\":\"ok\",\"price_minor\":12.5,\"currency\":\"EUR\"}",
		    "invalid_type", "price_minor" },
		{ "{\"message\":\"ok\",\"price_minor\":\"100\",\"currency\":"
		    "\"EUR\"}", "invalid_type", "price_minor" },
		{ "{\"message\":\"ok\",\"price_minor\":100}", "missing_field",
		    "currency" },
		{ "{\"message\":\"ok\",\"currency\":\"EUR\"}", "missing_field",
		    "price_minor" },
		{ "{\"message\":\"ok\",\"price_minor\":100,\"currency\":\"eur\"}",
		    "invalid_value", "currency" },
		{ "{\"message\":\"ok\",\"price_minor\":100,\"currency\":\"EURO\"}",
		    "too_long", "currency" },
	};
	struct api_reply	 r;
	int64_t			 order = order_new();
	char			*big;
	size_t			 n;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = req(PERFORMER, "POST", bad[i].body,
		    "/api/v1/orders/%lld/offers", (long long)order);
		if (r.status != 422 || json_str(r.json, "error.code") == NULL ||
		    strcmp(json_str(r.json, "error.code"), bad[i].code) != 0 ||
		    json_str(r.json, "error.field") == NULL ||
		    strcmp(json_str(r.json, "error.field"), bad[i].field) != 0)
			fail_msg("%s: %ld %.300s, want 422 %s on %s",
			    bad[i].body, r.status, r.body, bad[i].code,
			    bad[i].field);
		api_reply_free(&r);
	}
	/* 2000 characters is the limit, counted as characters: Cyrillic
	 * takes two bytes each and still fits. */
	big = malloc(2 * 2001 + 64);
	assert_non_null(big);
	n = (size_t)sprintf(big, "{\"message\":\"");
	for (int i = 0; i < 2001; i++)
		n += (size_t)sprintf(big + n, "ж");
	sprintf(big + n, "\"}");
	expect_refused(PERFORMER, "POST", big, 422, "too_long",
	    "/api/v1/orders/%lld/offers", (long long)order);
	assert_int_equal(db_int(db, -1,
	    "SELECT count(*) FROM offers WHERE order_id = ?",
	    1, order), 0);
	/* Drop one character: accepted, without a price. */
	sprintf(big + n - 2, "\"}");
	r = req(PERFORMER, "POST", big, "/api/v1/orders/%lld/offers",
	    (long long)order);
	expect_status(r, 201);
	assert_true(is_null(&r, "price_minor"));
	assert_true(is_null(&r, "currency"));
	api_reply_free(&r);
	free(big);
	/* A price of 0 is a price (free work), not an absent one. */
	r = req(PERFORMER2, "POST", "{\"message\":\"Бесплатно, для отзыва\","
	    "\"price_minor\":0,\"currency\":\"RUB\"}",
	    "/api/v1/orders/%lld/offers", (long long)order);
	expect_status(r, 201);
	assert_int_equal(num(&r, "price_minor"), 0);
	api_reply_free(&r);
}

/* Staff and customers see every offer; a performer only their own. */
static void
offers_list_performer_sees_own(void **state)
{
	struct api_reply	r;
	int64_t			order = order_new(), mine;

	(void)state;
	mine = offer_new(PERFORMER, order);
	offer_new(PERFORMER2, order);
	r = req(PERFORMER, "GET", NULL, "/api/v1/orders/%lld/offers",
	    (long long)order);
	expect_status(r, 200);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json,
	    "offers")), 1);
	assert_int_equal((int64_t)json_num(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(r.json, "offers"), 0), "id", 0), mine);
	api_reply_free(&r);
	for (int w = ADMIN; w <= CLIENT; w++) {
		r = req(w, "GET", NULL, "/api/v1/orders/%lld/offers",
		    (long long)order);
		expect_status(r, 200);
		if (cJSON_GetArraySize(cJSON_GetObjectItem(r.json,
		    "offers")) != 2)
			fail_msg("%s sees %.300s", who_name[w], r.body);
		api_reply_free(&r);
	}
}

/* ---- accept --------------------------------------------------------------- */

/* "Only the owner of the order, or staff acting for them (recorded in the
 * audit log), may accept." */
static void
accept_by_staff_is_audited(void **state)
{
	static const int staff[] = { ADMIN, MANAGER, SUPPORT };

	(void)state;
	for (size_t i = 0; i < sizeof staff / sizeof staff[0]; i++) {
		int64_t order = order_new(), offer = offer_new(PERFORMER, order);

		offer_take(staff[i], order, offer);
		if (db_int(db, -1,
		    "SELECT count(*) FROM audit_log WHERE action ="
		    " 'offer.accept' AND ref_type = 'offer' AND ref_id = ? AND"
		    " actor_id = ? AND on_behalf_of_id = ?", 3, offer,
		    uid[staff[i]], uid[CLIENT]) != 1)
			fail_msg("no audit entry for %s acting for the"
			    " customer", who_name[staff[i]]);
	}
}

static void
accept_by_owner_is_audited_as_self(void **state)
{
	int64_t order = order_new(), offer = offer_new(PERFORMER, order);

	(void)state;
	offer_take(CLIENT, order, offer);
	assert_int_equal(db_int(db, -1,
	    "SELECT count(*) FROM audit_log WHERE action ="
	    " 'offer.accept' AND ref_id = ? AND actor_id = ? AND"
	    " on_behalf_of_id IS NULL", 2, offer, uid[CLIENT]), 1);
}

/* Seed 000 §3: "Принять предложение может только владелец заказа" — the
 * customer, not the owner of the company the order is placed with, not
 * billing, not a performer. */
static void
accept_not_by_others(void **state)
{
	int64_t			order, offer;
	char			s[32];

	(void)state;
	/* customer2's order in client@demo's company: client@demo sees it
	 * (their company) but it is not theirs to accept. */
	order = order_new_for(ADMIN, home_co, uid[CUSTOMER2]);
	offer = offer_new(PERFORMER, order);
	expect_refused(CLIENT, "POST", NULL, 403, "forbidden",
	    "/api/v1/orders/%lld/offers/%lld/accept", (long long)order,
	    (long long)offer);
	assert_int_equal(status_of(BILLING, "POST", NULL,
	    "/api/v1/orders/%lld/offers/%lld/accept", (long long)order,
	    (long long)offer), 403);
	assert_int_equal(status_of(PERFORMER, "POST", NULL,
	    "/api/v1/orders/%lld/offers/%lld/accept", (long long)order,
	    (long long)offer), 403);
	assert_string_equal(offer_status(s, sizeof s, offer), "pending");
	/* The customer may. */
	offer_take(CUSTOMER2, order, offer);
	assert_string_equal(offer_status(s, sizeof s, offer), "accepted");
}

/* "Only pending offers can be accepted."  Seed 000 "Известные
 * ограничения" 1: "Заказчик может принять только одно предложение". */
static void
accept_only_pending(void **state)
{
	int64_t			order = order_new(), a, b;

	(void)state;
	a = offer_new(PERFORMER, order);
	b = offer_new(PERFORMER2, order);
	offer_take(CLIENT, order, a);
	expect_refused(CLIENT, "POST", NULL, 409, "offer_not_pending",
	    "/api/v1/orders/%lld/offers/%lld/accept", (long long)order,
	    (long long)b);
	expect_refused(CLIENT, "POST", NULL, 409, "offer_not_pending",
	    "/api/v1/orders/%lld/offers/%lld/accept", (long long)order,
	    (long long)a);
	assert_int_equal(db_int(db, -1,
	    "SELECT executor_id FROM orders WHERE id = ?", 1,
	    order), uid[PERFORMER]);
	/* An offer of another order is not found under this one. */
	expect_refused(CLIENT, "POST", NULL, 404, "not_found",
	    "/api/v1/orders/%lld/offers/%lld/accept", (long long)order_new(),
	    (long long)b);
}

/* Issue 3: "Every write honours Idempotency-Key: the same key returns the
 * same result and never applies twice." */
static void
accept_idempotent_retry(void **state)
{
	struct api_reply	r1, r2;
	int64_t			order = order_new(), a, b, v;
	char			key[80], s[32];
	const char		*hdr[2] = { key, NULL };

	(void)state;
	a = offer_new(PERFORMER, order);
	b = offer_new(PERFORMER2, order);
	v = order_version(order);
	snprintf(key, sizeof key, "Idempotency-Key: accept-%lld-%d",
	    (long long)order, ++serial);
	r1 = req_h(CLIENT, "POST", NULL, hdr,
	    "/api/v1/orders/%lld/offers/%lld/accept", (long long)order,
	    (long long)a);
	expect_status(r1, 200);
	r2 = req_h(CLIENT, "POST", NULL, hdr,
	    "/api/v1/orders/%lld/offers/%lld/accept", (long long)order,
	    (long long)a);
	expect_status(r2, 200);
	assert_non_null(r1.body);
	assert_non_null(r2.body);
	assert_string_equal(r1.body, r2.body);
	assert_int_equal(order_version(order), v + 1);
	assert_int_equal(num(&r2, "version"), v + 1);
	assert_int_equal(db_int(db, -1,
	    "SELECT count(*) FROM audit_log WHERE action ="
	    " 'offer.accept' AND ref_id = ?", 1, a), 1);
	assert_int_equal(notifications(uid[PERFORMER], "offer_accepted",
	    order), 1);
	assert_string_equal(offer_status(s, sizeof s, b), "rejected");
	api_reply_free(&r1);
	api_reply_free(&r2);
}

/* Issue 3: "A write to a versioned row honours If-Match and answers 412
 * with the current row when the version is stale." */
static void
stale_if_match_412(void **state)
{
	struct api_reply	r;
	int64_t			order = order_new(), offer, v;
	char			stale[64], fresh[64];
	const char		*hs[2] = { stale, NULL }, *hf[2] = { fresh, NULL };
	char			s[32];

	(void)state;
	offer = offer_new(PERFORMER, order);
	v = order_version(order);
	snprintf(stale, sizeof stale, "If-Match: \"%lld\"", (long long)v - 1);
	snprintf(fresh, sizeof fresh, "If-Match: \"%lld\"", (long long)v);
	r = req_h(CLIENT, "POST", NULL, hs,
	    "/api/v1/orders/%lld/offers/%lld/accept", (long long)order,
	    (long long)offer);
	expect_error(r, 412, "version_mismatch");
	assert_int_equal((int64_t)json_num(r.json, "current.version", -1), v);
	assert_int_equal((int64_t)json_num(r.json, "current.id", -1), order);
	api_reply_free(&r);
	assert_string_equal(offer_status(s, sizeof s, offer), "pending");
	assert_int_equal(order_version(order), v);
	r = req_h(CLIENT, "POST", NULL, hf,
	    "/api/v1/orders/%lld/offers/%lld/accept", (long long)order,
	    (long long)offer);
	expect_status(r, 200);
	api_reply_free(&r);
	/* The version moved: the old one is stale for the next step too. */
	r = req_h(PERFORMER, "POST", NULL, hf, "/api/v1/orders/%lld/start-work",
	    (long long)order);
	expect_error(r, 412, "version_mismatch");
	api_reply_free(&r);
	r = req_h(CLIENT, "POST", NULL, hf, "/api/v1/orders/%lld/cancel",
	    (long long)order);
	expect_error(r, 412, "version_mismatch");
	api_reply_free(&r);
	assert_string_equal(order_status(s, sizeof s, order), "in_progress");
}

/* Every changed row reaches the change feed: the order and each offer
 * whose status changed. */
static void
accept_records_feed(void **state)
{
	int64_t order = order_new(), a, b, seq;

	(void)state;
	a = offer_new(PERFORMER, order);
	b = offer_new(PERFORMER2, order);
	seq = db_int(db, -1, "SELECT ifnull(max(seq), 0) FROM changes", 0);
	offer_take(CLIENT, order, a);
	assert_int_equal(db_int(db, -1,
	    "SELECT count(*) FROM changes WHERE seq > ? AND"
	    " ((type = 'order' AND row_id = ?) OR (type = 'offer' AND"
	    " row_id IN (?, ?)))", 4, seq, order, a, b), 3);
}

/* ---- seed 001: start work, cancel work ----------------------------------- */

/* "Start work: only the chosen executor, and only while in_progress.  It
 * sets work_started_at." */
static void
start_work_only_executor_in_progress(void **state)
{
	struct api_reply	r;
	int64_t			order = order_new(), offer;

	(void)state;
	offer = offer_new(PERFORMER, order);
	offer_new(PERFORMER2, order);
	/* Not yet chosen. */
	expect_refused(PERFORMER, "POST", NULL, 403, "forbidden",
	    "/api/v1/orders/%lld/start-work", (long long)order);
	offer_take(CLIENT, order, offer);
	/* Not the chosen one, nor the customer, nor staff. */
	assert_int_equal(status_of(PERFORMER2, "POST", NULL,
	    "/api/v1/orders/%lld/start-work", (long long)order), 403);
	assert_int_equal(status_of(CLIENT, "POST", NULL,
	    "/api/v1/orders/%lld/start-work", (long long)order), 403);
	assert_int_equal(status_of(ADMIN, "POST", NULL,
	    "/api/v1/orders/%lld/start-work", (long long)order), 403);
	assert_int_equal(db_int(db, -1,
	    "SELECT work_started_at IS NULL FROM orders"
	    " WHERE id = ?", 1, order), 1);
	r = req(PERFORMER, "POST", NULL, "/api/v1/orders/%lld/start-work",
	    (long long)order);
	expect_status(r, 200);
	expect_str(&r, "status", "in_progress");
	assert_true(num(&r, "work_started_at") > 0);
	api_reply_free(&r);
	/* Seed 001: "Уведомление заказчику". */
	assert_int_equal(notifications(uid[CLIENT], "work_started", order), 1);
	expect_refused(PERFORMER, "POST", NULL, 409, "work_already_started",
	    "/api/v1/orders/%lld/start-work", (long long)order);
	/* Once completed, there is no work to start. */
	assert_int_equal(status_of(CLIENT, "POST", "{\"rating\":5}",
	    "/api/v1/orders/%lld/complete", (long long)order), 200);
	expect_refused(PERFORMER, "POST", NULL, 409, "order_not_in_progress",
	    "/api/v1/orders/%lld/start-work", (long long)order);
}

/* "Cancel work: the order returns to open, the executor and
 * work_started_at are cleared, the other offers go back to pending, the
 * reason is kept, and the owner is notified."  Seed 001: "Отмена отклика
 * исполнителя" — the executor's own offer is withdrawn (rejected), and
 * "Другие исполнители могут откликнуться". */
static void
cancel_work_restores_open(void **state)
{
	struct api_reply	 r;
	int64_t			 order = order_new(), mine, other;
	char			 s[256], *title;
	const char		*reason = "Не согласовали цену после замера";

	(void)state;
	other = offer_new(PERFORMER2, order);
	mine = offer_new(PERFORMER, order);
	offer_take(CLIENT, order, mine);
	assert_int_equal(status_of(PERFORMER, "POST", NULL,
	    "/api/v1/orders/%lld/start-work", (long long)order), 200);
	r = req(PERFORMER, "POST",
	    "{\"reason\":\"Не согласовали цену после замера\"}",
	    "/api/v1/orders/%lld/cancel-work", (long long)order);
	expect_status(r, 200);
	expect_str(&r, "status", "open");
	assert_true(is_null(&r, "executor_id"));
	assert_true(is_null(&r, "work_started_at"));
	expect_str(&r, "cancel_work_reason", reason);
	api_reply_free(&r);
	assert_string_equal(offer_status(s, sizeof s, other), "pending");
	assert_string_equal(offer_status(s, sizeof s, mine), "rejected");
	assert_int_equal(notifications(uid[CLIENT], "work_cancelled", order),
	    1);
	title = db_text(db, "SELECT title FROM notifications WHERE user_id ="
	    " ? AND kind = 'work_cancelled' AND ref_id = ?", 2, uid[CLIENT],
	    order);
	assert_non_null(title);
	assert_non_null(strstr(title, reason));
	free(title);
	assert_int_equal(db_int(db, -1,
	    "SELECT count(*) FROM audit_log WHERE action ="
	    " 'order.cancel_work' AND ref_id = ? AND actor_id = ?", 2, order,
	    uid[PERFORMER]), 1);
	/* Open again: new performers respond, the walker cannot. */
	offer_new(PERFORMER3, order);
	expect_refused(PERFORMER, "POST", "{\"message\":\"Передумал, возьму\"}",
	    409, "offer_exists", "/api/v1/orders/%lld/offers",
	    (long long)order);
	/* And the customer chooses again among the pending ones. */
	offer_take(CLIENT, order, other);
	assert_string_equal(order_status(s, sizeof s, order), "in_progress");
}

/* Who walked away stays out: a second cancel restores only the offers of
 * performers who never held the work. */
static void
cancel_work_walkers_stay_rejected(void **state)
{
	int64_t order = order_new(), a, b, c;
	char s[32];

	(void)state;
	a = offer_new(PERFORMER, order);
	b = offer_new(PERFORMER2, order);
	c = offer_new(PERFORMER3, order);
	offer_take(CLIENT, order, a);
	assert_int_equal(status_of(PERFORMER, "POST", "{\"reason\":\"Заболел\"}",
	    "/api/v1/orders/%lld/cancel-work", (long long)order), 200);
	offer_take(CLIENT, order, b);
	assert_int_equal(status_of(PERFORMER2, "POST",
	    "{\"reason\":\"Срочный выезд на другой объект\"}",
	    "/api/v1/orders/%lld/cancel-work", (long long)order), 200);
	assert_string_equal(offer_status(s, sizeof s, a), "rejected");
	assert_string_equal(offer_status(s, sizeof s, b), "rejected");
	assert_string_equal(offer_status(s, sizeof s, c), "pending");
	assert_string_equal(order_status(s, sizeof s, order), "open");
}

static void
cancel_work_rules(void **state)
{
	int64_t			order, offer;
	char			s[32];

	(void)state;
	order = order_taken(&offer, NULL);
	/* The reason is required. */
	expect_refused(PERFORMER, "POST", "{}", 422, "missing_field",
	    "/api/v1/orders/%lld/cancel-work", (long long)order);
	expect_refused(PERFORMER, "POST", "{\"reason\":\" \"}", 422,
	    "missing_field", "/api/v1/orders/%lld/cancel-work",
	    (long long)order);
	/* Not the customer's to press (theirs is /cancel), nor billing's. */
	expect_refused(CLIENT, "POST", "{\"reason\":\"Передумал\"}", 403,
	    "forbidden", "/api/v1/orders/%lld/cancel-work", (long long)order);
	assert_int_equal(status_of(BILLING, "POST", "{\"reason\":\"x\"}",
	    "/api/v1/orders/%lld/cancel-work", (long long)order), 403);
	assert_int_equal(status_of(PERFORMER2, "POST", "{\"reason\":\"x\"}",
	    "/api/v1/orders/%lld/cancel-work", (long long)order), 403);
	assert_string_equal(order_status(s, sizeof s, order), "in_progress");
	/* Support presses it on the executor's word, and it says so. */
	assert_int_equal(status_of(SUPPORT, "POST",
	    "{\"reason\":\"Исполнитель позвонил: не сможет приехать\"}",
	    "/api/v1/orders/%lld/cancel-work", (long long)order), 200);
	assert_int_equal(db_int(db, -1,
	    "SELECT count(*) FROM audit_log WHERE action ="
	    " 'order.cancel_work' AND ref_id = ? AND actor_id = ? AND"
	    " on_behalf_of_id = ?", 3, order, uid[SUPPORT], uid[PERFORMER]), 1);
	assert_string_equal(offer_status(s, sizeof s, offer), "rejected");
	/* Only work in progress can be cancelled. */
	expect_refused(ADMIN, "POST", "{\"reason\":\"x\"}", 409,
	    "order_not_in_progress", "/api/v1/orders/%lld/cancel-work",
	    (long long)order);
}

/* ---- complete, cancel ---------------------------------------------------- */

/* "A review completes the order and its accepted offer."  Rating 1–5. */
static void
complete_with_rating(void **state)
{
	static const char *const bad[] = {
		"{\"rating\":0}", "{\"rating\":6}", "{\"rating\":-1}",
	};
	struct api_reply	r;
	int64_t			order, offer, other;
	char			s[256];

	(void)state;
	order = order_taken(&offer, &other);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_refused(CLIENT, "POST", bad[i], 422, "out_of_range",
		    "/api/v1/orders/%lld/complete", (long long)order);
	}
	expect_refused(CLIENT, "POST", "{\"review\":\"Отлично\"}", 422,
	    "missing_field", "/api/v1/orders/%lld/complete", (long long)order);
	expect_refused(CLIENT, "POST", "{\"rating\":\"5\"}", 422,
	    "invalid_type", "/api/v1/orders/%lld/complete", (long long)order);
	expect_refused(CLIENT, "POST", "{\"rating\":4.5}", 422, "invalid_type",
	    "/api/v1/orders/%lld/complete", (long long)order);
	assert_int_equal(db_int(db, -1,
	    "SELECT count(*) FROM reviews WHERE order_id = ?",
	    1, order), 0);
	r = req(CLIENT, "POST", "{\"rating\":5,\"review\":\"Собрал быстро и"
	    " аккуратно, убрал за собой\"}", "/api/v1/orders/%lld/complete",
	    (long long)order);
	expect_status(r, 200);
	expect_str(&r, "status", "completed");
	api_reply_free(&r);
	assert_string_equal(offer_status(s, sizeof s, offer), "completed");
	assert_string_equal(offer_status(s, sizeof s, other), "rejected");
	assert_int_equal(db_int(db, -1,
	    "SELECT rating FROM reviews WHERE order_id = ?",
	    1, order), 5);
	assert_int_equal(db_int(db, -1,
	    "SELECT author_id FROM reviews WHERE order_id = ?",
	    1, order), uid[CLIENT]);
	assert_string_equal(dbs(s, sizeof s, "SELECT body FROM reviews WHERE"
	    " order_id = ?", order), "Собрал быстро и аккуратно, убрал"
	    " за собой");
	assert_int_equal(notifications(uid[PERFORMER], "review_received",
	    order), 1);
	/* Once. */
	expect_refused(CLIENT, "POST", "{\"rating\":1}", 409,
	    "order_not_in_progress", "/api/v1/orders/%lld/complete",
	    (long long)order);
	assert_int_equal(db_int(db, -1,
	    "SELECT rating FROM reviews WHERE order_id = ?",
	    1, order), 5);
}

/* Seed 000 "Известные ограничения" 4: "Отзыв можно оставить только после
 * выполнения заказа" — not on an open order; and the review belongs to
 * the customer even when support enters it. */
static void
complete_only_in_progress(void **state)
{
	int64_t			order = order_new();

	(void)state;
	offer_new(PERFORMER, order);
	expect_refused(CLIENT, "POST", "{\"rating\":5}", 409,
	    "order_not_in_progress", "/api/v1/orders/%lld/complete",
	    (long long)order);
	order = order_taken(NULL, NULL);
	assert_int_equal(status_of(PERFORMER, "POST", "{\"rating\":5}",
	    "/api/v1/orders/%lld/complete", (long long)order), 403);
	assert_int_equal(status_of(SUPPORT, "POST", "{\"rating\":3}",
	    "/api/v1/orders/%lld/complete", (long long)order), 200);
	assert_int_equal(db_int(db, -1,
	    "SELECT author_id FROM reviews WHERE order_id = ?",
	    1, order), uid[CLIENT]);
	assert_int_equal(db_int(db, -1,
	    "SELECT count(*) FROM audit_log WHERE action ="
	    " 'order.complete' AND ref_id = ? AND actor_id = ? AND"
	    " on_behalf_of_id = ?", 3, order, uid[SUPPORT], uid[CLIENT]), 1);
}

/* Cancel: owner or staff, open or in_progress orders only; live offers
 * are rejected. */
static void
cancel_open_or_in_progress_only(void **state)
{
	struct api_reply	r;
	int64_t			order = order_new(), offer;
	char			s[32];

	(void)state;
	offer = offer_new(PERFORMER, order);
	r = req(CLIENT, "POST", "{\"reason\":\"Нашёл мастера сам\"}",
	    "/api/v1/orders/%lld/cancel", (long long)order);
	expect_status(r, 200);
	expect_str(&r, "status", "cancelled");
	api_reply_free(&r);
	assert_string_equal(offer_status(s, sizeof s, offer), "rejected");
	expect_refused(CLIENT, "POST", NULL, 409, "order_closed",
	    "/api/v1/orders/%lld/cancel", (long long)order);
	expect_refused(CLIENT, "POST", "{\"rating\":5}", 409,
	    "order_not_in_progress", "/api/v1/orders/%lld/complete",
	    (long long)order);
	/* In progress: the executor is told. */
	order = order_taken(&offer, NULL);
	assert_int_equal(status_of(MANAGER, "POST", NULL,
	    "/api/v1/orders/%lld/cancel", (long long)order), 200);
	assert_string_equal(offer_status(s, sizeof s, offer), "rejected");
	assert_int_equal(notifications(uid[PERFORMER], "order_cancelled",
	    order), 1);
	/* A completed order stays completed. */
	order = order_taken(NULL, NULL);
	assert_int_equal(status_of(CLIENT, "POST", "{\"rating\":4}",
	    "/api/v1/orders/%lld/complete", (long long)order), 200);
	expect_refused(ADMIN, "POST", NULL, 409, "order_closed",
	    "/api/v1/orders/%lld/cancel", (long long)order);
}

/* ---- contact purchase ---------------------------------------------------- */

/* "Contacts can be bought only by the performer whose offer was accepted,
 * once per order (a unique constraint).  Contacts stay hidden until the
 * purchase is paid." */
static void
contact_purchase_rules(void **state)
{
	struct api_reply	r;
	int64_t			order = order_taken(NULL, NULL);

	(void)state;
	expect_refused(PERFORMER2, "POST", NULL, 403, "forbidden",
	    "/api/v1/orders/%lld/contact-purchase", (long long)order);
	r = req(PERFORMER, "POST", NULL,
	    "/api/v1/orders/%lld/contact-purchase", (long long)order);
	expect_status(r, 201);
	api_reply_free(&r);
	expect_refused(PERFORMER, "POST", NULL, 409, "purchase_exists",
	    "/api/v1/orders/%lld/contact-purchase", (long long)order);
	assert_int_equal(db_int(db, -1,
	    "SELECT count(*) FROM contact_purchases WHERE"
	    " order_id = ?", 1, order), 1);
	/* Pending: hidden. */
	r = req(PERFORMER, "GET", NULL, "/api/v1/orders/%lld", (long long)order);
	assert_true(is_null(&r, "customer_phone"));
	api_reply_free(&r);
	/* Only an admin confirms; with --demo the buyer may, as here. */
	assert_int_equal(status_of(MANAGER, "POST", NULL,
	    "/api/v1/orders/%lld/contact-purchase/confirm", (long long)order),
	    403);
	assert_int_equal(status_of(CLIENT, "POST", NULL,
	    "/api/v1/orders/%lld/contact-purchase/confirm", (long long)order),
	    403);
	expect_refused(PERFORMER2, "POST", NULL, 409, "no_purchase",
	    "/api/v1/orders/%lld/contact-purchase/confirm", (long long)order);
	r = req(ADMIN, "POST", NULL,
	    "/api/v1/orders/%lld/contact-purchase/confirm", (long long)order);
	expect_status(r, 200);
	expect_str(&r, "status", "paid");
	api_reply_free(&r);
	expect_refused(PERFORMER, "POST", NULL, 409, "already_paid",
	    "/api/v1/orders/%lld/contact-purchase/confirm", (long long)order);
	r = req(PERFORMER, "GET", NULL, "/api/v1/orders/%lld", (long long)order);
	expect_str(&r, "customer_email", "client@demo.mkt");
	api_reply_free(&r);
	/* The paid purchase re-sent the order to the buyer's feed. */
	assert_int_equal(db_int(db, -1,
	    "SELECT count(*) FROM changes WHERE type ="
	    " 'contact_purchase' AND row_id = (SELECT id FROM"
	    " contact_purchases WHERE order_id = ?)", 1, order), 1);
}

/* A second mktd, without --demo, on a copy of this one's database: the
 * harness starts only fresh databases, and the rule below is about the
 * same data under a server without the flag.  Its port, or -1. */
static int
plain_start(void)
{
	const char	*bin = getenv("MKTD_BIN") != NULL ? getenv("MKTD_BIN") :
			    "./mktd";
	char		 path[128], line[256];
	sqlite3		*copy;
	sqlite3_backup	*b;
	struct timespec	 t0, t;
	size_t		 n = 0;
	int		 fd[2], rc;
	const char	*p;

	snprintf(plain_dir, sizeof plain_dir, "/tmp/test_orders.XXXXXX");
	if (mkdtemp(plain_dir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/copy.db", plain_dir);
	/* The backup API copies a consistent snapshot, WAL included. */
	if (sqlite3_open(path, &copy) != SQLITE_OK)
		return -1;
	b = sqlite3_backup_init(copy, "main", db, "main");
	rc = b != NULL ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
	sqlite3_backup_finish(b);
	sqlite3_close(copy);
	if (rc != SQLITE_DONE || pipe(fd) != 0)
		return -1;
	if ((plain_pid = fork()) == 0) {
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		execl(bin, bin, "--listen", "127.0.0.1:0", "--db", path,
		    (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	if (plain_pid < 0) {
		close(fd[0]);
		return -1;
	}
	/* At most 20 s for "listening on http://127.0.0.1:<port>". */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	line[0] = '\0';
	while (strchr(line, '\n') == NULL && n < sizeof line - 1) {
		struct pollfd	pfd = { fd[0], POLLIN, 0 };
		ssize_t		r;

		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= 20 || poll(&pfd, 1, 250) < 0)
			break;
		if ((pfd.revents & (POLLIN | POLLHUP)) == 0)
			continue;
		if ((r = read(fd[0], line + n, sizeof line - 1 - n)) <= 0)
			break;
		n += (size_t)r;
		line[n] = '\0';
	}
	close(fd[0]);
	p = strstr(line, "listening on http://127.0.0.1:");
	return p != NULL ? atoi(p + strlen("listening on http://127.0.0.1:")) :
	    -1;
}

static void
plain_stop(void)
{
	char	path[128];
	int	st;

	if (plain_pid <= 0)
		return;
	kill(plain_pid, SIGTERM);
	for (int i = 0; i < 200; i++) {		/* at most 10 s */
		if (waitpid(plain_pid, &st, WNOHANG) == plain_pid) {
			plain_pid = 0;
			break;
		}
		usleep(50 * 1000);
	}
	if (plain_pid > 0) {
		kill(plain_pid, SIGKILL);
		waitpid(plain_pid, NULL, 0);
		plain_pid = 0;
	}
	snprintf(path, sizeof path, "%s/copy.db", plain_dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/copy.db-wal", plain_dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/copy.db-shm", plain_dir);
	unlink(path);
	rmdir(plain_dir);
}

static size_t
discard(char *d, size_t size, size_t n, void *u)
{
	(void)d;
	(void)u;
	return size * n;
}

/* The status of a bodiless POST to the plain server; -1 on failure. */
static long
plain_post(int port, const char *token, const char *path)
{
	CURL			*c = curl_easy_init();
	struct curl_slist	*h = NULL;
	char			 url[256], auth[1024];
	long			 status = -1;

	if (c == NULL)
		return -1;
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	h = curl_slist_append(h, auth);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

/* The demo flag: "a test endpoint or demo flag to confirm the payment".
 * A performer confirms their own purchase only on a server run with
 * --demo; without it only an admin does.  (The copy keeps the JWT key,
 * so this server's tokens work there.) */
static void
confirm_self_needs_demo_flag(void **state)
{
	struct api_reply	r;
	char			path[128];
	int64_t			order = order_taken(NULL, NULL);
	int			port;

	(void)state;
	r = req(PERFORMER, "POST", NULL, "/api/v1/orders/%lld/contact-purchase",
	    (long long)order);
	expect_status(r, 201);
	api_reply_free(&r);
	if ((port = plain_start()) <= 0) {
		plain_stop();
		fail_msg("cannot start mktd without --demo");
	}
	snprintf(path, sizeof path, "/api/v1/orders/%lld/contact-purchase/"
	    "confirm", (long long)order);
	if (plain_post(port, tok[PERFORMER], path) != 403) {
		plain_stop();
		fail_msg("a performer confirmed their own purchase without"
		    " --demo");
	}
	if (plain_post(port, tok[ADMIN], path) != 200) {
		plain_stop();
		fail_msg("the admin could not confirm without --demo");
	}
	plain_stop();
	/* The demo server itself was untouched: still pending here. */
	assert_int_equal(db_int(db, -1,
	    "SELECT count(*) FROM contact_purchases WHERE"
	    " order_id = ? AND status = 'pending'", 1, order), 1);
}

/* ---- checkout orders ----------------------------------------------------- */

static struct api_reply
set_lines(int64_t order, const char *lines, int64_t fee, int64_t threshold)
{
	char body[1024];

	snprintf(body, sizeof body, "{\"lines\":%s,\"delivery_fee_minor\":%lld,"
	    "\"free_delivery_minor\":%lld}", lines, (long long)fee,
	    (long long)threshold);
	return req(ADMIN, "PUT", body, "/api/v1/orders/%lld/lines",
	    (long long)order);
}

static void
expect_totals(const struct api_reply *r, int64_t products, int64_t delivery,
    int64_t total)
{
	if (num(r, "products_sum_minor") != products ||
	    num(r, "delivery_minor") != delivery ||
	    num(r, "total_minor") != total)
		fail_msg("want products %lld delivery %lld total %lld: %.500s",
		    (long long)products, (long long)delivery, (long long)total,
		    r->body);
}

/* Seed 002: "products_sum = Σ price_eur × quantity"; "delivery_sum =
 * logistics_price_eur once per order, or 0 if total ≥ free_delivery" —
 * at the threshold exactly, delivery is free. */
static void
checkout_totals_and_waiver(void **state)
{
	struct api_reply	 r;
	int64_t			 order = checkout_fresh();
	const cJSON		*lines;

	(void)state;
	/* 2 × 2500 + 1 × 2999 = 7999, one cent short of 8000: delivery
	 * is charged, once although there are two lines. */
	r = set_lines(order, "[{\"sku\":1002,\"name\":\"Ramo de tulipanes\","
	    "\"quantity\":2,\"unit_price_minor\":2500},{\"sku\":1005,\"name\":"
	    "\"Caja sombrerera\",\"quantity\":1,\"unit_price_minor\":2999}]",
	    890, 8000);
	expect_status(r, 200);
	expect_totals(&r, 7999, 890, 8889);
	lines = cJSON_GetObjectItem(r.json, "lines");
	assert_int_equal(cJSON_GetArraySize(lines), 2);
	assert_int_equal((int64_t)json_num(cJSON_GetArrayItem(lines, 0),
	    "amount_minor", 0), 5000);
	api_reply_free(&r);
	/* Exactly at the threshold: waived. */
	r = set_lines(order, "[{\"sku\":1002,\"name\":\"Ramo de tulipanes\","
	    "\"quantity\":2,\"unit_price_minor\":2500},{\"sku\":1005,\"name\":"
	    "\"Caja sombrerera\",\"quantity\":1,\"unit_price_minor\":3000}]",
	    890, 8000);
	expect_status(r, 200);
	expect_totals(&r, 8000, 0, 8000);
	api_reply_free(&r);
	/* Above it: waived. */
	r = set_lines(order, "[{\"sku\":1001,\"name\":\"Ramo de 24 rosas\","
	    "\"quantity\":3,\"unit_price_minor\":5990}]", 890, 8000);
	expect_status(r, 200);
	expect_totals(&r, 17970, 0, 17970);
	assert_int_equal(db_int(db, -1,
	    "SELECT total_minor FROM orders WHERE id = ?", 1,
	    order), 17970);
	assert_int_equal(db_int(db, -1,
	    "SELECT sum(amount_minor) FROM order_lines WHERE"
	    " order_id = ?", 1, order), 17970);
	api_reply_free(&r);
	/* Bad carts change nothing. */
	r = set_lines(order, "[{\"sku\":1,\"name\":\"x\",\"quantity\":0,"
	    "\"unit_price_minor\":100}]", 890, 8000);
	expect_error(r, 422, "out_of_range");
	expect_str(&r, "error.field", "lines[0].quantity");
	api_reply_free(&r);
	r = set_lines(order, "[{\"sku\":1,\"name\":\"x\",\"quantity\":1,"
	    "\"unit_price_minor\":-5}]", 890, 8000);
	expect_error(r, 422, "out_of_range");
	api_reply_free(&r);
	r = set_lines(order, "[{\"sku\":1,\"quantity\":1,"
	    "\"unit_price_minor\":5}]", 890, 8000);
	expect_error(r, 422, "missing_field");
	expect_str(&r, "error.field", "lines[0].name");
	api_reply_free(&r);
	r = set_lines(order, "[]", 890, 8000);
	expect_error(r, 422, "out_of_range");
	api_reply_free(&r);
	assert_int_equal(db_int(db, -1,
	    "SELECT total_minor FROM orders WHERE id = ?", 1,
	    order), 17970);
}

/* A new cart makes the link sent for the old one invalid (seed 002,
 * change_payment_status); a free order never asks for payment. */
static void
checkout_cart_change_resets_link(void **state)
{
	struct api_reply	r;
	int64_t			order = checkout_fresh();

	(void)state;
	r = set_lines(order, "[{\"sku\":1016,\"name\":\"Botella de cava\","
	    "\"quantity\":1,\"unit_price_minor\":1290}]", 890, 8000);
	expect_status(r, 200);
	expect_str(&r, "payment_status", "no_payment_link");
	api_reply_free(&r);
	r = set_lines(order, "[{\"sku\":1099,\"name\":\"Tarjeta regalo\","
	    "\"quantity\":1,\"unit_price_minor\":0}]", 0, 8000);
	expect_status(r, 200);
	expect_totals(&r, 0, 0, 0);
	api_reply_free(&r);
	expect_refused(ADMIN, "POST", NULL, 409, "nothing_to_pay",
	    "/api/v1/orders/%lld/payment-link", (long long)order);
}

/* "Payment status goes no_payment_link → payment_link_sent → paid." */
static void
checkout_payment_transitions(void **state)
{
	struct api_reply	r;
	int64_t			order = checkout_fresh(), v;
	char			s[32];

	(void)state;
	r = set_lines(order, "[{\"sku\":1000,\"name\":\"Ramo de 12 rosas\","
	    "\"quantity\":1,\"unit_price_minor\":3490}]", 890, 8000);
	expect_str(&r, "payment_status", "no_payment_link");
	api_reply_free(&r);
	/* Paid without a link: illegal. */
	expect_refused(BILLING, "POST", NULL, 409, "illegal_payment_transition",
	    "/api/v1/orders/%lld/mark-paid", (long long)order);
	r = req(SUPPORT, "POST", NULL, "/api/v1/orders/%lld/payment-link",
	    (long long)order);
	expect_status(r, 200);
	expect_str(&r, "payment_status", "payment_link_sent");
	api_reply_free(&r);
	/* A new link: still sent, a new version. */
	v = order_version(order);
	r = req(MANAGER, "POST", NULL, "/api/v1/orders/%lld/payment-link",
	    (long long)order);
	expect_status(r, 200);
	expect_str(&r, "payment_status", "payment_link_sent");
	assert_int_equal(num(&r, "version"), v + 1);
	api_reply_free(&r);
	r = req(BILLING, "POST", NULL, "/api/v1/orders/%lld/mark-paid",
	    (long long)order);
	expect_status(r, 200);
	expect_str(&r, "payment_status", "paid");
	/* Pay first, then book: the paid order is under way. */
	expect_str(&r, "status", "in_progress");
	api_reply_free(&r);
	expect_refused(BILLING, "POST", NULL, 409, "order_not_open",
	    "/api/v1/orders/%lld/mark-paid", (long long)order);
	expect_refused(ADMIN, "POST", NULL, 409, "order_not_open",
	    "/api/v1/orders/%lld/payment-link", (long long)order);
	r = set_lines(order, "[{\"sku\":1000,\"name\":\"x\",\"quantity\":1,"
	    "\"unit_price_minor\":1}]", 890, 8000);
	expect_error(r, 409, "order_not_open");
	api_reply_free(&r);
	assert_string_equal(dbs(s, sizeof s, "SELECT payment_status FROM"
	    " orders WHERE id = ?", order), "paid");
	assert_int_equal(db_int(db, -1,
	    "SELECT count(*) FROM audit_log WHERE action ="
	    " 'order.mark_paid' AND ref_id = ? AND actor_id = ?", 2, order,
	    uid[BILLING]), 1);
}

/* The payment machine belongs to checkout orders; the marketplace cycle
 * to marketplace orders. */
static void
checkout_and_marketplace_apart(void **state)
{
	int64_t			market = order_new(), shop = checkout_fresh();

	(void)state;
	expect_refused(ADMIN, "POST", NULL, 409, "not_checkout",
	    "/api/v1/orders/%lld/payment-link", (long long)market);
	expect_refused(ADMIN, "POST", NULL, 409, "not_checkout",
	    "/api/v1/orders/%lld/mark-paid", (long long)market);
	/* Performers never see checkout orders. */
	assert_int_equal(status_of(PERFORMER, "GET", NULL,
	    "/api/v1/orders/%lld", (long long)shop), 404);
	expect_refused(ADMIN, "POST", "{\"rating\":5}", 409, "not_marketplace",
	    "/api/v1/orders/%lld/complete", (long long)shop);
}

/* ---- scope and the authorization matrix --------------------------------- */

/* "Anything out of scope answers 404 (not 403), so that ids do not
 * leak": a manager outside their companies, a client outside their own
 * orders and companies, a performer on an order that is neither open nor
 * theirs, and ids that do not exist. */
static void
scope_out_of_scope_is_404(void **state)
{
	static const struct {
		const char *method, *path, *body;
	} act[] = {
		{ "GET", "/api/v1/orders/%lld", NULL },
		{ "GET", "/api/v1/orders/%lld/offers", NULL },
		{ "POST", "/api/v1/orders/%lld/offers", "{\"message\":\"x\"}" },
		{ "POST", "/api/v1/orders/%lld/offers/%lld/accept", NULL },
		{ "POST", "/api/v1/orders/%lld/start-work", NULL },
		{ "POST", "/api/v1/orders/%lld/cancel-work",
		    "{\"reason\":\"x\"}" },
		{ "POST", "/api/v1/orders/%lld/complete", "{\"rating\":5}" },
		{ "POST", "/api/v1/orders/%lld/cancel", NULL },
		{ "POST", "/api/v1/orders/%lld/contact-purchase", NULL },
		{ "POST", "/api/v1/orders/%lld/contact-purchase/confirm", NULL },
		{ "PUT", "/api/v1/orders/%lld/lines", "{}" },
		{ "POST", "/api/v1/orders/%lld/payment-link", NULL },
		{ "POST", "/api/v1/orders/%lld/mark-paid", NULL },
	};
	int64_t	far, taken, offer, missing;
	char	path[256], s[32];

	(void)state;
	far = order_new_for(ADMIN, far_co, uid[CUSTOMER2]);
	offer = offer_new(PERFORMER2, far);
	taken = order_taken(NULL, NULL);
	missing = db_int(db, -1, "SELECT max(id) + 1000 FROM orders", 0);
	for (size_t i = 0; i < sizeof act / sizeof act[0]; i++) {
		const struct {
			int	w;
			int64_t		order;
		} cell[] = {
			{ MANAGER, far }, { CLIENT, far },
			{ PERFORMER3, taken }, { ADMIN, missing },
		};

		for (size_t k = 0; k < sizeof cell / sizeof cell[0]; k++) {
			struct api_reply r;

			snprintf(path, sizeof path, act[i].path,
			    (long long)cell[k].order, (long long)offer);
			r = req(cell[k].w, act[i].method, act[i].body, "%s",
			    path);
			if (r.status != 404)
				fail_msg("%s %s as %s: %ld, want 404: %.300s",
				    act[i].method, path, who_name[cell[k].w],
				    r.status, r.body);
			api_reply_free(&r);
		}
	}
	assert_string_equal(order_status(s, sizeof s, far), "open");
	assert_string_equal(order_status(s, sizeof s, taken), "in_progress");
}

enum fixture {
	FX_NONE,	/* nothing: creating an order */
	FX_OPEN,	/* an open order, no offers */
	FX_OFFER,	/* an open order with performer@demo's pending offer */
	FX_TAKEN,	/* in progress, performer@demo the executor */
	FX_ELSEWHERE,	/* in progress, performer2 the executor */
	FX_BOUGHT,	/* FX_TAKEN with a pending contact purchase */
	FX_CHECKOUT,	/* an open checkout order with a link sent */
};

struct fx {
	int64_t	order, offer;
};

static struct fx
fixture_make(enum fixture f)
{
	struct fx		x = { 0, 0 };
	struct api_reply	r;

	switch (f) {
	case FX_NONE:
		break;
	case FX_OPEN:
		x.order = order_new();
		break;
	case FX_OFFER:
		x.order = order_new();
		x.offer = offer_new(PERFORMER, x.order);
		break;
	case FX_TAKEN:
	case FX_BOUGHT:
		x.order = order_taken(&x.offer, NULL);
		if (f == FX_BOUGHT) {
			r = req(PERFORMER, "POST", NULL,
			    "/api/v1/orders/%lld/contact-purchase",
			    (long long)x.order);
			expect_status(r, 201);
			api_reply_free(&r);
		}
		break;
	case FX_ELSEWHERE:
		x.order = order_new();
		x.offer = offer_new(PERFORMER2, x.order);
		offer_take(CLIENT, x.order, x.offer);
		break;
	case FX_CHECKOUT:
		x.order = checkout_fresh();
		break;
	}
	return x;
}

/* Issue 3: "an authorization matrix: every role against every action,
 * with 403/404 where due".  Each cell runs on a fresh fixture so that one
 * role's success does not change what the next one meets.  Roles in
 * order: admin, manager, billing, support, client, performer; the client
 * is the customer, and the company is the client's and the manager's. */
static void
authorization_matrix(void **state)
{
	static const struct action {
		const char	*name, *method, *path, *body;
		enum fixture	 fx;
		int		 want[NROLES];
	} act[] = {
		{ "view", "GET", "/api/v1/orders/%lld", NULL, FX_OPEN,
		    { 200, 200, 200, 200, 200, 200 } },
		{ "view another's work", "GET", "/api/v1/orders/%lld", NULL,
		    FX_ELSEWHERE, { 200, 200, 200, 200, 200, 404 } },
		{ "list offers", "GET", "/api/v1/orders/%lld/offers", NULL,
		    FX_OFFER, { 200, 200, 200, 200, 200, 200 } },
		{ "create order", "POST", "/api/v1/orders",
		    "{\"company_id\":%lld,\"customer_id\":%lld,\"title\":"
		    "\"Повесить люстру\"}", FX_NONE,
		    { 201, 201, 403, 201, 201, 403 } },
		{ "make offer", "POST", "/api/v1/orders/%lld/offers",
		    "{\"message\":\"Сделаю сегодня\",\"price_minor\":300000,"
		    "\"currency\":\"RUB\"}", FX_OPEN,
		    { 403, 403, 403, 403, 403, 201 } },
		{ "accept", "POST", "/api/v1/orders/%lld/offers/%lld/accept",
		    NULL, FX_OFFER, { 200, 200, 403, 200, 200, 403 } },
		{ "start work", "POST", "/api/v1/orders/%lld/start-work", NULL,
		    FX_TAKEN, { 403, 403, 403, 403, 403, 200 } },
		{ "cancel work", "POST", "/api/v1/orders/%lld/cancel-work",
		    "{\"reason\":\"Не успеваю\"}", FX_TAKEN,
		    { 200, 200, 403, 200, 403, 200 } },
		{ "complete", "POST", "/api/v1/orders/%lld/complete",
		    "{\"rating\":4,\"review\":\"Хорошо\"}", FX_TAKEN,
		    { 200, 200, 403, 200, 200, 403 } },
		{ "cancel open", "POST", "/api/v1/orders/%lld/cancel", NULL,
		    FX_OFFER, { 200, 200, 403, 200, 200, 403 } },
		{ "cancel in progress", "POST", "/api/v1/orders/%lld/cancel",
		    NULL, FX_TAKEN, { 200, 200, 403, 200, 200, 403 } },
		{ "buy contacts", "POST",
		    "/api/v1/orders/%lld/contact-purchase", NULL, FX_TAKEN,
		    { 403, 403, 403, 403, 403, 201 } },
		{ "confirm purchase", "POST",
		    "/api/v1/orders/%lld/contact-purchase/confirm", NULL,
		    FX_BOUGHT, { 200, 403, 403, 403, 403, 200 } },
		{ "set cart", "PUT", "/api/v1/orders/%lld/lines",
		    "{\"lines\":[{\"sku\":1011,\"name\":\"Ramo de lavanda\","
		    "\"quantity\":1,\"unit_price_minor\":1800}],"
		    "\"delivery_fee_minor\":890}", FX_CHECKOUT,
		    { 200, 200, 403, 200, 403, 404 } },
		{ "send payment link", "POST",
		    "/api/v1/orders/%lld/payment-link", NULL, FX_CHECKOUT,
		    { 200, 200, 403, 200, 403, 404 } },
		{ "mark paid", "POST", "/api/v1/orders/%lld/mark-paid", NULL,
		    FX_CHECKOUT, { 200, 200, 200, 403, 403, 404 } },
	};
	int	failures = 0, cells = 0;
	char	path[256], body[512];

	(void)state;
	for (size_t i = 0; i < sizeof act / sizeof act[0]; i++) {
		for (int w = 0; w < NROLES; w++) {
			struct fx		x = fixture_make(act[i].fx);
			struct api_reply	r;

			snprintf(path, sizeof path, act[i].path,
			    (long long)x.order, (long long)x.offer);
			if (act[i].body != NULL)
				snprintf(body, sizeof body, act[i].body,
				    (long long)home_co,
				    (long long)uid[CUSTOMER2]);
			r = req(w, act[i].method,
			    act[i].body != NULL ? body : NULL, "%s", path);
			cells++;
			if (r.status != act[i].want[w]) {
				print_error("%-18s as %-9s: %ld, want %d:"
				    " %.200s\n", act[i].name, who_name[w],
				    r.status, act[i].want[w],
				    r.body != NULL ? r.body : "");
				failures++;
			}
			/* 403 must be the "forbidden" error, never a
			 * state or validation error in disguise. */
			else if (r.status == 403 && (json_str(r.json,
			    "error.code") == NULL || strcmp(json_str(r.json,
			    "error.code"), "forbidden") != 0)) {
				print_error("%s as %s: 403 with %.200s\n",
				    act[i].name, who_name[w], r.body);
				failures++;
			}
			api_reply_free(&r);
		}
	}
	if (failures > 0)
		fail_msg("%d of %d cells wrong", failures, cells);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(checklist_customer_creates_order_open),
		cmocka_unit_test(checklist_performer_offer_pending),
		cmocka_unit_test(checklist_customer_notified),
		cmocka_unit_test(checklist_customer_sees_offer),
		cmocka_unit_test(checklist_accept_sets_statuses),
		cmocka_unit_test(checklist_performer_notified_of_acceptance),
		cmocka_unit_test(checklist_performer_sees_get_contacts),
		cmocka_unit_test(checklist_performer_pays_gets_contacts),
		cmocka_unit_test(checklist_contacts_only_for_buyer),
		cmocka_unit_test(checklist_other_performers_no_contacts),
		cmocka_unit_test(order_create_validation),
		cmocka_unit_test(offer_only_on_open_orders),
		cmocka_unit_test(offer_one_per_performer),
		cmocka_unit_test(offer_body_validation),
		cmocka_unit_test(offers_list_performer_sees_own),
		cmocka_unit_test(accept_by_staff_is_audited),
		cmocka_unit_test(accept_by_owner_is_audited_as_self),
		cmocka_unit_test(accept_not_by_others),
		cmocka_unit_test(accept_only_pending),
		cmocka_unit_test(accept_idempotent_retry),
		cmocka_unit_test(stale_if_match_412),
		cmocka_unit_test(accept_records_feed),
		cmocka_unit_test(start_work_only_executor_in_progress),
		cmocka_unit_test(cancel_work_restores_open),
		cmocka_unit_test(cancel_work_walkers_stay_rejected),
		cmocka_unit_test(cancel_work_rules),
		cmocka_unit_test(complete_with_rating),
		cmocka_unit_test(complete_only_in_progress),
		cmocka_unit_test(cancel_open_or_in_progress_only),
		cmocka_unit_test(contact_purchase_rules),
		cmocka_unit_test(confirm_self_needs_demo_flag),
		cmocka_unit_test(checkout_totals_and_waiver),
		cmocka_unit_test(checkout_cart_change_resets_link),
		cmocka_unit_test(checkout_payment_transitions),
		cmocka_unit_test(checkout_and_marketplace_apart),
		cmocka_unit_test(scope_out_of_scope_is_404),
		cmocka_unit_test(authorization_matrix),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
