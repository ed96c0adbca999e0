/* Server rows into the cache: change-feed entries, children replaced with
 * their owner, the full-text indexes kept in step, the pending rule, and
 * rows read back exactly as the server sends them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "store.h"

static sqlite3 *db;
static struct applier *ap;

/* The sync connection's setting: a scoped feed refers to rows it cannot
 * see, and apply must not lean on cascades. */
static int
setup(void **state)
{
	char err[256];

	(void)state;
	if (store_open(":memory:", &db, err, sizeof err) != 0 ||
	    store_exec(db, "PRAGMA foreign_keys = OFF", err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	ap = applier_new(db);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	applier_free(ap);
	sqlite3_close(db);
	return 0;
}

/* JSON written with ' for " so the literals below stay readable. */
static cJSON *
js(const char *text)
{
	size_t n = strlen(text) + 1;
	char *s = malloc(n);
	cJSON *v;

	memcpy(s, text, n);
	for (char *p = s; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	v = cJSON_Parse(s);
	if (v == NULL)
		fail_msg("bad JSON in test: %s", s);
	free(s);
	return v;
}

static long long
num(const char *fmt, ...)
{
	char sql[1024];
	va_list ap_;
	long long v;

	va_start(ap_, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap_);
	va_end(ap_);
	v = store_scalar(db, sql);
	if (v < 0)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	return v;
}

/* The first column of the first row as text ("NULL" for NULL). */
static char *
text(const char *sql)
{
	static char buf[1024];
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("%s: no row", sql);
	snprintf(buf, sizeof buf, "%s", sqlite3_column_type(st, 0) ==
	    SQLITE_NULL ? "NULL" : (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static void
exec(const char *sql)
{
	char err[256];

	if (store_exec(db, sql, err, sizeof err) != 0)
		fail_msg("%s: %s", sql, err);
}

/* Applies {"seq":1,"type":type,"id":id,"op":"upsert","data":data}. */
static unsigned
upsert(const char *type, long long id, const char *data)
{
	cJSON *c = cJSON_CreateObject();
	unsigned kinds = 0;
	char err[256] = "";

	cJSON_AddNumberToObject(c, "seq", 1);
	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddNumberToObject(c, "id", (double)id);
	cJSON_AddStringToObject(c, "op", "upsert");
	cJSON_AddItemToObject(c, "data", js(data));
	if (apply_change(ap, c, &kinds, err, sizeof err) != 0)
		fail_msg("apply %s %lld: %s", type, id, err);
	cJSON_Delete(c);
	return kinds;
}

static unsigned
tombstone(const char *type, long long id)
{
	char json[128], err[256] = "";
	unsigned kinds = 0;
	cJSON *c;

	snprintf(json, sizeof json, "{'seq':2,'type':'%s','id':%lld,"
	    "'op':'delete','data':null}", type, id);
	c = js(json);
	if (apply_change(ap, c, &kinds, err, sizeof err) != 0)
		fail_msg("delete %s %lld: %s", type, id, err);
	cJSON_Delete(c);
	return kinds;
}

static void
assert_fts_intact(const char *fts)
{
	char sql[128], err[256];

	snprintf(sql, sizeof sql, "INSERT INTO %s(%s) VALUES "
	    "('integrity-check')", fts, fts);
	if (store_exec(db, sql, err, sizeof err) != 0)
		fail_msg("%s: %s", fts, err);
}

#define CONVERSATION(id, status, labels) "{'id':" #id ",'company_id':1," \
	"'channel_id':2,'contact_id':3,'order_id':null,'status':'" status \
	"','snoozed_until':null,'priority':'high','assignee_id':7," \
	"'handler':'human','handoff_requested':1,'unread_count':4," \
	"'last_activity_at':1700000100,'waiting_since':1700000050," \
	"'last_message_preview':'¿Hay envío?','payment_status':" \
	"'payment_link_sent','payment_reminder':0,'version':3," \
	"'created_at':1700000000,'labels':" labels "}"

#define INVOICE(notes, lines) "{'id':5,'company_id':1,'project_id':null," \
	"'kind':'commission','number':'INV-2026-000005','status':'sent'," \
	"'currency':'EUR','subtotal_minor':12000,'discount_minor':0," \
	"'tax_minor':2520,'total_minor':14520,'amount_paid_minor':0," \
	"'amount_due_minor':14520,'issue_date':'2026-03-01','due_date':" \
	"'2026-03-16','period_start':'2026-02-01','period_end':'2026-02-28'," \
	"'notes':'" notes "','cancel_reason':null,'version':2,'created_at':" \
	"1700000000,'updated_at':1700000500,'lines':" lines "}"

#define LINE(id, pos, desc) "{'id':" #id ",'position':" #pos ",'description'" \
	":'" desc "','quantity':2,'unit_price_minor':3000,'amount_minor':6000," \
	"'ref_kind':'booking','ref_id':'B-" #id "','fee_breakdown':null}"

static void
test_type_kinds(void **state)
{
	(void)state;
	assert_int_equal(apply_type_kind("conversation"), KIND_CONVERSATIONS);
	assert_int_equal(apply_type_kind("message"), KIND_CONVERSATIONS);
	assert_int_equal(apply_type_kind("order"), KIND_ORDERS);
	assert_int_equal(apply_type_kind("offer"), KIND_ORDERS);
	assert_int_equal(apply_type_kind("contact_purchase"), KIND_ORDERS);
	assert_int_equal(apply_type_kind("review"), KIND_ORDERS);
	assert_int_equal(apply_type_kind("kb_table"), KIND_KB);
	assert_int_equal(apply_type_kind("kb_row"), KIND_KB);
	assert_int_equal(apply_type_kind("project"), KIND_INVOICES);
	assert_int_equal(apply_type_kind("invoice"), KIND_INVOICES);
	assert_int_equal(apply_type_kind("payment"), KIND_INVOICES);
	assert_int_equal(apply_type_kind("commission_terms"), KIND_INVOICES);
	assert_int_equal(apply_type_kind("notification"), KIND_OTHER);
	/* shown by name in the other panes' lists */
	assert_int_equal(apply_type_kind("company"), KIND_CONVERSATIONS |
	    KIND_ORDERS | KIND_KB | KIND_INVOICES | KIND_OTHER);
	assert_int_equal(apply_type_kind("contact"), KIND_CONVERSATIONS |
	    KIND_OTHER);
	assert_int_equal(apply_type_kind("channel"), KIND_CONVERSATIONS |
	    KIND_OTHER);
	assert_int_equal(apply_type_kind("user"), KIND_CONVERSATIONS |
	    KIND_ORDERS | KIND_OTHER);
	assert_int_equal(apply_type_kind("spaceship"), 0);
	assert_int_equal(apply_type_kind("orders"), 0);
	assert_ptr_equal(applier_db(ap), db);
	assert_true(apply_type_known("kb_row"));
	assert_false(apply_type_known("kb_rows"));
	assert_false(apply_type_known(""));
}

static void
test_order_upsert_inserts_then_updates_and_replaces_lines(void **state)
{
	unsigned k;

	(void)state;
	k = upsert("order", 10, "{'id':10,'number':'ORD-10','kind':'checkout',"
	    "'company_id':1,'customer_id':null,'contact_id':3,'customer_name':"
	    "'Ana','customer_phone':'+34 600','customer_email':null,'title':"
	    "'Roses','currency':'EUR','status':'open','total_minor':4500,"
	    "'version':1,'created_at':100,'updated_at':100,'lines':["
	    "{'id':1,'sku':11,'name':'Rosas','quantity':3,'unit_price_minor':"
	    "1000,'amount_minor':3000},{'id':2,'sku':12,'name':'Tulipanes',"
	    "'quantity':1,'unit_price_minor':1500,'amount_minor':1500}]}");
	assert_int_equal(k, KIND_ORDERS);
	assert_string_equal(text("SELECT title FROM orders WHERE id = 10"),
	    "Roses");
	assert_string_equal(text("SELECT typeof(total_minor) || total_minor "
	    "FROM orders WHERE id = 10"), "integer4500");
	assert_string_equal(text("SELECT customer_email FROM orders WHERE "
	    "id = 10"), "NULL");
	assert_int_equal(num("SELECT count(*) FROM order_lines WHERE "
	    "order_id = 10"), 2);
	assert_int_equal(num("SELECT sum(amount_minor) FROM order_lines WHERE "
	    "order_id = 10"), 4500);

	/* Line 1 changed, line 2 gone, line 3 new. */
	k = upsert("order", 10, "{'id':10,'number':'ORD-10','kind':'checkout',"
	    "'company_id':1,'contact_id':3,'customer_name':'Ana',"
	    "'customer_phone':null,'title':'Roses and lilies','currency':"
	    "'EUR','status':'in_progress','total_minor':5000,'version':2,"
	    "'created_at':100,'updated_at':200,'lines':[{'id':1,'sku':11,"
	    "'name':'Rosas','quantity':2,'unit_price_minor':1000,"
	    "'amount_minor':2000},{'id':3,'sku':13,'name':'Lirios',"
	    "'quantity':1,'unit_price_minor':3000,'amount_minor':3000}]}");
	assert_int_equal(k, KIND_ORDERS);
	assert_int_equal(num("SELECT count(*) FROM orders"), 1);
	assert_string_equal(text("SELECT title || '|' || status || '|' || "
	    "version || '|' || ifnull(customer_phone, 'none') FROM orders "
	    "WHERE id = 10"), "Roses and lilies|in_progress|2|none");
	assert_string_equal(text("SELECT group_concat(id || ':' || name || ':' "
	    "|| quantity, ',') FROM (SELECT * FROM order_lines WHERE "
	    "order_id = 10 ORDER BY id)"), "1:Rosas:2,3:Lirios:1");

	/* An order without "lines" (a partial answer) keeps its lines. */
	upsert("order", 10, "{'id':10,'number':'ORD-10','kind':'checkout',"
	    "'company_id':1,'title':'Lilies','currency':'EUR','created_at':100,"
	    "'updated_at':300}");
	assert_string_equal(text("SELECT title FROM orders WHERE id = 10"),
	    "Lilies");
	assert_int_equal(num("SELECT count(*) FROM order_lines WHERE "
	    "order_id = 10"), 2);
	/* An empty array empties them. */
	upsert("order", 10, "{'id':10,'number':'ORD-10','kind':'checkout',"
	    "'company_id':1,'title':'Lilies','currency':'EUR','created_at':100,"
	    "'updated_at':300,'lines':[]}");
	assert_int_equal(num("SELECT count(*) FROM order_lines"), 0);
}

static void
test_invoice_lines_replaced_and_searchable(void **state)
{
	unsigned k;

	(void)state;
	exec("INSERT INTO companies(id, code, name, kind, created_at, "
	    "updated_at) VALUES (1, 'COMP001', 'Flores Sol', 'product', 0, 0)");
	k = upsert("invoice", 5, INVOICE("march", "[" LINE(51, 1, "grooming")
	    "," LINE(52, 2, "boarding") "]"));
	assert_int_equal(k, KIND_INVOICES);
	assert_int_equal(num("SELECT count(*) FROM invoice_lines WHERE "
	    "invoice_id = 5"), 2);
	assert_int_equal(num("SELECT count(*) FROM invoices_fts WHERE "
	    "invoices_fts MATCH 'grooming AND boarding AND COMP001 AND "
	    "march'"), 1);

	k = upsert("invoice", 5, INVOICE("april", "[" LINE(53, 1, "walking")
	    "]"));
	assert_int_equal(k, KIND_INVOICES);
	assert_int_equal(num("SELECT count(*) FROM invoices"), 1);
	assert_string_equal(text("SELECT group_concat(id || ':' || "
	    "description) FROM invoice_lines WHERE invoice_id = 5"),
	    "53:walking");
	assert_string_equal(text("SELECT notes FROM invoices WHERE id = 5"),
	    "april");
	assert_int_equal(num("SELECT count(*) FROM invoices_fts WHERE "
	    "invoices_fts MATCH 'walking'"), 1);
	assert_int_equal(num("SELECT count(*) FROM invoices_fts WHERE "
	    "invoices_fts MATCH 'april AND COMP001'"), 1);
	assert_int_equal(num("SELECT count(*) FROM invoices_fts WHERE "
	    "invoices_fts MATCH 'grooming OR boarding OR march'"), 0);
	assert_int_equal(num("SELECT count(*) FROM invoices_fts"), 1);
	assert_fts_intact("invoices_fts");
}

static void
test_conversation_labels_replaced(void **state)
{
	(void)state;
	assert_int_equal(upsert("conversation", 12, CONVERSATION(12, "open",
	    "['vip','delivery']")), KIND_CONVERSATIONS);
	assert_string_equal(text("SELECT group_concat(label, ',') FROM (SELECT "
	    "label FROM conversation_labels WHERE conversation_id = 12 ORDER "
	    "BY label)"), "delivery,vip");
	assert_string_equal(text("SELECT status || priority || assignee_id "
	    "FROM conversations WHERE id = 12"), "openhigh7");

	upsert("conversation", 12, CONVERSATION(12, "resolved",
	    "['refund','vip','refund']"));
	assert_string_equal(text("SELECT status FROM conversations WHERE "
	    "id = 12"), "resolved");
	assert_string_equal(text("SELECT group_concat(label, ',') FROM (SELECT "
	    "label FROM conversation_labels WHERE conversation_id = 12 ORDER "
	    "BY label)"), "refund,vip");
}

static void
test_kb_columns_and_cells_stored_as_json(void **state)
{
	(void)state;
	assert_int_equal(upsert("kb_table", 4, "{'id':4,'company_id':1,'name':"
	    "'Flowers','kind':'product','version':1,'created_at':1,"
	    "'updated_at':1,'columns':[{'position':1,'name':'product_name',"
	    "'type':'text','required':1,'enum_values':null},{'position':2,"
	    "'name':'colour','type':'enum','required':0,'enum_values':"
	    "['red','white']}]}"), KIND_KB);
	assert_string_equal(text("SELECT enum_values FROM kb_columns WHERE "
	    "table_id = 4 AND position = 2"), "[\"red\",\"white\"]");
	assert_string_equal(text("SELECT enum_values FROM kb_columns WHERE "
	    "table_id = 4 AND position = 1"), "NULL");

	upsert("kb_table", 4, "{'id':4,'company_id':1,'name':'Flowers',"
	    "'kind':'product','version':2,'created_at':1,'updated_at':2,"
	    "'columns':[{'position':1,'name':'colour','type':'enum','required':"
	    "1,'enum_values':['red','white','pink']}]}");
	assert_int_equal(num("SELECT count(*) FROM kb_columns"), 1);
	assert_string_equal(text("SELECT name || required || enum_values FROM "
	    "kb_columns WHERE table_id = 4"),
	    "colour1[\"red\",\"white\",\"pink\"]");

	assert_int_equal(upsert("kb_row", 40, "{'id':40,'table_id':4,"
	    "'position':1,'cells':{'product_name':'Rosas rojas','price':450,"
	    "'tags':['a','b']},'version':1,'updated_at':5}"), KIND_KB);
	assert_string_equal(text("SELECT json_extract(cells, '$.product_name') "
	    "|| json_extract(cells, '$.price') || json_extract(cells, "
	    "'$.tags[1]') FROM kb_rows WHERE id = 40"), "Rosas rojas450b");
	assert_int_equal(num("SELECT count(*) FROM kb_rows_fts WHERE "
	    "kb_rows_fts MATCH 'rosas'"), 1);

	upsert("kb_row", 40, "{'id':40,'table_id':4,'position':1,'cells':"
	    "{'product_name':'Tulipanes'},'version':2,'updated_at':6}");
	assert_string_equal(text("SELECT cells || version FROM kb_rows WHERE "
	    "id = 40"), "{\"product_name\":\"Tulipanes\"}2");
	assert_int_equal(num("SELECT count(*) FROM kb_rows_fts WHERE "
	    "kb_rows_fts MATCH 'tulipanes'"), 1);
	assert_int_equal(num("SELECT count(*) FROM kb_rows_fts WHERE "
	    "kb_rows_fts MATCH 'rosas'"), 0);
	assert_fts_intact("kb_rows_fts");
}

static void
test_message_body_change_keeps_fts_consistent(void **state)
{
	(void)state;
	upsert("message", 77, "{'id':77,'conversation_id':12,'direction':'in',"
	    "'kind':'text','author_kind':'contact','author_id':null,'body':"
	    "'Quiero manzanas','attachment_url':null,'attachment_type':null,"
	    "'attachment_size':null,'x8_type':null,'delivery':null,"
	    "'version':1,'created_at':10}");
	assert_int_equal(num("SELECT count(*) FROM messages_fts WHERE "
	    "messages_fts MATCH 'manzanas'"), 1);

	/* The same body again: the UPDATE trigger re-indexes it once. */
	upsert("message", 77, "{'id':77,'conversation_id':12,'direction':'in',"
	    "'kind':'text','author_kind':'contact','body':'Quiero manzanas',"
	    "'version':1,'created_at':10}");
	assert_int_equal(num("SELECT count(*) FROM messages_fts WHERE "
	    "messages_fts MATCH 'manzanas'"), 1);

	assert_int_equal(upsert("message", 77, "{'id':77,'conversation_id':12,"
	    "'direction':'in','kind':'text','author_kind':'contact','body':"
	    "'Quiero naranjas','version':2,'created_at':10}"),
	    KIND_CONVERSATIONS);
	assert_string_equal(text("SELECT body FROM messages WHERE id = 77"),
	    "Quiero naranjas");
	assert_int_equal(num("SELECT count(*) FROM messages_fts WHERE "
	    "messages_fts MATCH 'naranjas'"), 1);
	assert_int_equal(num("SELECT count(*) FROM messages_fts WHERE "
	    "messages_fts MATCH 'manzanas'"), 0);
	assert_fts_intact("messages_fts");
}

static void
test_unknown_keys_and_pending_from_the_wire_ignored(void **state)
{
	(void)state;
	upsert("contact", 3, "{'id':3,'company_id':1,'name':'Мария','phone':"
	    "'+7 900','email':null,'handle':null,'language':'ru',"
	    "'lead_source':'tiktok → whatsapp','version':1,'created_at':1,"
	    "'favourite_colour':'green','nested':{'a':[1,2]},"
	    "'x; DROP TABLE contacts; --':1}");
	assert_string_equal(text("SELECT name || language || lead_source FROM "
	    "contacts WHERE id = 3"), "Марияrutiktok → whatsapp");
	upsert("message", 8, "{'id':8,'conversation_id':1,'direction':'out',"
	    "'author_kind':'user','body':'x','created_at':1,'pending':5}");
	assert_int_equal(num("SELECT pending FROM messages WHERE id = 8"), 0);
}

static void
test_unknown_type_skipped(void **state)
{
	cJSON *c = js("{'seq':9,'type':'spaceship','id':1,'op':'upsert',"
	    "'data':{'id':1,'name':'x'}}");
	int before = sqlite3_total_changes(db);
	unsigned kinds = 0;
	char err[256] = "";

	(void)state;
	assert_int_equal(apply_change(ap, c, &kinds, err, sizeof err), 0);
	assert_int_equal(kinds, 0);
	assert_int_equal(sqlite3_total_changes(db), before);
	cJSON_Delete(c);

	/* The direct calls name it. */
	c = js("{'id':1}");
	assert_int_equal(apply_upsert(ap, "spaceship", c, &kinds, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "spaceship"));
	assert_int_equal(apply_delete(ap, "spaceship", 1, &kinds, err,
	    sizeof err), -1);
	assert_null(apply_row_json(ap, "spaceship", 1));
	assert_int_equal(apply_recount_pending(ap, "spaceship", 1), -1);
	cJSON_Delete(c);
}

static void
test_delete_removes_owned_children(void **state)
{
	unsigned k;

	(void)state;
	upsert("order", 10, "{'id':10,'number':'ORD-10','kind':'checkout',"
	    "'company_id':1,'title':'x','currency':'EUR','created_at':1,"
	    "'updated_at':1,'lines':[{'id':1,'sku':1,'name':'a','quantity':1,"
	    "'unit_price_minor':1,'amount_minor':1}]}");
	upsert("order", 11, "{'id':11,'number':'ORD-11','kind':'checkout',"
	    "'company_id':1,'title':'y','currency':'EUR','created_at':1,"
	    "'updated_at':1,'lines':[{'id':2,'sku':1,'name':'b','quantity':1,"
	    "'unit_price_minor':1,'amount_minor':1}]}");
	upsert("invoice", 5, INVOICE("march", "[" LINE(51, 1, "grooming")
	    "]"));
	upsert("conversation", 12, CONVERSATION(12, "open", "['vip']"));
	upsert("conversation", 13, CONVERSATION(13, "open", "['vip']"));
	upsert("message", 77, "{'id':77,'conversation_id':12,'direction':'in',"
	    "'author_kind':'contact','body':'manzanas','created_at':1}");
	upsert("message", 78, "{'id':78,'conversation_id':13,'direction':'in',"
	    "'author_kind':'contact','body':'peras','created_at':1}");
	upsert("kb_table", 4, "{'id':4,'company_id':1,'name':'F','kind':"
	    "'product','created_at':1,'updated_at':1,'columns':[{'position':1,"
	    "'name':'n','type':'text','required':0,'enum_values':null}]}");
	upsert("kb_row", 40, "{'id':40,'table_id':4,'position':1,'cells':"
	    "{'n':'rosas'},'updated_at':1}");

	assert_int_equal(tombstone("order", 10), KIND_ORDERS);
	assert_int_equal(num("SELECT count(*) FROM orders"), 1);
	assert_int_equal(num("SELECT count(*) FROM order_lines"), 1);
	assert_int_equal(num("SELECT order_id FROM order_lines"), 11);

	assert_int_equal(tombstone("invoice", 5), KIND_INVOICES);
	assert_int_equal(num("SELECT count(*) FROM invoices"), 0);
	assert_int_equal(num("SELECT count(*) FROM invoice_lines"), 0);
	assert_int_equal(num("SELECT count(*) FROM invoices_fts"), 0);

	assert_int_equal(tombstone("conversation", 12), KIND_CONVERSATIONS);
	assert_int_equal(num("SELECT count(*) FROM conversations"), 1);
	assert_int_equal(num("SELECT count(*) FROM conversation_labels"), 1);
	assert_int_equal(num("SELECT count(*) FROM messages"), 1);
	assert_int_equal(num("SELECT count(*) FROM messages_fts WHERE "
	    "messages_fts MATCH 'manzanas'"), 0);
	assert_int_equal(num("SELECT count(*) FROM messages_fts WHERE "
	    "messages_fts MATCH 'peras'"), 1);
	assert_fts_intact("messages_fts");

	assert_int_equal(tombstone("kb_table", 4), KIND_KB);
	assert_int_equal(num("SELECT count(*) FROM kb_tables"), 0);
	assert_int_equal(num("SELECT count(*) FROM kb_columns"), 0);
	assert_int_equal(num("SELECT count(*) FROM kb_rows"), 0);
	assert_int_equal(num("SELECT count(*) FROM kb_rows_fts WHERE "
	    "kb_rows_fts MATCH 'rosas'"), 0);
	assert_fts_intact("kb_rows_fts");

	/* A row never seen is fine and touches nothing. */
	k = tombstone("order", 999);
	assert_int_equal(k, 0);
}

static void
assert_rejected(const char *change, const char *words)
{
	int before = sqlite3_total_changes(db);
	unsigned kinds = 0;
	char err[256] = "";
	cJSON *c = js(change);

	assert_int_equal(apply_change(ap, c, &kinds, err, sizeof err), -1);
	if (strstr(err, words) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", change, err, words);
	assert_int_equal(kinds, 0);
	assert_int_equal(sqlite3_total_changes(db), before);
	cJSON_Delete(c);
}

static void
test_malformed_entries_write_nothing(void **state)
{
	cJSON *arr;
	unsigned kinds = 0;
	char err[64];

	(void)state;
	assert_rejected("{'seq':1,'id':1,'op':'upsert','data':{'id':1}}",
	    "type");
	assert_rejected("{'seq':1,'type':7,'id':1,'op':'upsert','data':"
	    "{'id':1}}", "type");
	assert_rejected("{'seq':1,'type':'message','op':'upsert','data':"
	    "{'id':1}}", "id");
	assert_rejected("{'seq':1,'type':'message','id':'1','op':'upsert',"
	    "'data':{'id':1}}", "id");
	assert_rejected("{'seq':1,'type':'message','id':1.5,'op':'delete',"
	    "'data':null}", "id");
	assert_rejected("{'seq':1,'type':'message','id':1,'op':'upsert',"
	    "'data':'hello'}", "not an object");
	assert_rejected("{'seq':1,'type':'message','id':1,'op':'upsert',"
	    "'data':[1,2]}", "not an object");
	assert_rejected("{'seq':1,'type':'message','id':1,'op':'upsert',"
	    "'data':null}", "not an object");
	assert_rejected("{'seq':1,'type':'message','id':1,'op':'merge',"
	    "'data':{'id':1}}", "op");
	assert_rejected("{'seq':1,'type':'message','id':1,'data':{'id':1}}",
	    "op");
	assert_rejected("{'seq':1,'type':'message','id':1,'op':'upsert',"
	    "'data':{'id':2,'conversation_id':1,'direction':'in',"
	    "'author_kind':'contact','body':'x','created_at':1}}", "id 2");
	assert_rejected("{'seq':1,'type':'order','id':1,'op':'upsert','data':"
	    "{'id':1,'number':'O','kind':'checkout','company_id':1,'title':"
	    "'x','currency':'EUR','created_at':1,'updated_at':1,'lines':"
	    "{'id':1}}}", "lines is not an array");
	assert_rejected("{'seq':1,'type':'conversation','id':1,'op':'upsert',"
	    "'data':" CONVERSATION(1, "open", "['a',{'b':1}]") "}",
	    "not a string");
	assert_rejected("{'seq':1,'type':'invoice','id':5,'op':'upsert',"
	    "'data':" INVOICE("x", "[7]") "}", "not an object");
	/* A row the cache refuses (NOT NULL title missing) names the row. */
	assert_rejected("{'seq':1,'type':'order','id':1,'op':'upsert','data':"
	    "{'id':1,'number':'O','kind':'checkout','company_id':1,"
	    "'currency':'EUR','created_at':1,'updated_at':1}}", "order 1");
	assert_int_equal(num("SELECT count(*) FROM orders"), 0);

	arr = js("[]");
	assert_int_equal(apply_change(ap, arr, &kinds, err, sizeof err), -1);
	assert_int_equal(apply_upsert(ap, "order", arr, &kinds, err,
	    sizeof err), -1);
	cJSON_Delete(arr);
	/* A tiny buffer is filled, not overrun. */
	arr = js("{'seq':1,'type':'message','id':1,'op':'upsert','data':1}");
	assert_int_equal(apply_change(ap, arr, &kinds, err, 8), -1);
	assert_int_equal(strlen(err), 7);
	assert_int_equal(apply_change(ap, arr, &kinds, NULL, 0), -1);
	cJSON_Delete(arr);
}

static void
queue(long long id, const char *type, long long ref, const char *state_,
    const char *undo)
{
	char sql[512];

	snprintf(sql, sizeof sql, "INSERT INTO outbox(id, idem_key, method, "
	    "path, ref_type, ref_id, state, undo, created_at) VALUES (%lld, "
	    "'k%lld', 'PATCH', '/x', '%s', %lld, '%s', %s, 0)", id, id, type,
	    ref, state_, undo);
	exec(sql);
}

static void
test_pending_row_keeps_local_value_and_sets_undo(void **state)
{
	const char *server = CONVERSATION(12, "snoozed", "['server']");
	cJSON *want, *undo, *row;
	unsigned kinds = 0;
	char err[256];

	(void)state;
	upsert("conversation", 12, CONVERSATION(12, "open", "['vip']"));
	/* The user resolved it here; two actions wait for the server. */
	exec("UPDATE conversations SET status = 'resolved' WHERE id = 12");
	queue(1, "conversation", 12, "done", "'old'");
	queue(2, "conversation", 12, "inflight", "'before-2'");
	queue(3, "conversation", 12, "queued", "NULL");
	queue(4, "conversation", 99, "queued", "NULL");
	queue(5, "message", 12, "queued", "NULL");
	assert_int_equal(apply_recount_pending(ap, "conversation", 12), 0);
	assert_int_equal(num("SELECT pending FROM conversations WHERE "
	    "id = 12"), 2);

	kinds = upsert("conversation", 12, server);
	assert_int_equal(kinds, 0);
	assert_string_equal(text("SELECT status FROM conversations WHERE "
	    "id = 12"), "resolved");
	assert_string_equal(text("SELECT group_concat(label) FROM "
	    "conversation_labels WHERE conversation_id = 12"), "vip");
	/* The oldest unacknowledged entry rolls back to the server's row. */
	want = js(server);
	undo = cJSON_Parse(text("SELECT undo FROM outbox WHERE id = 2"));
	assert_non_null(undo);
	assert_true(cJSON_Compare(want, undo, true));
	cJSON_Delete(undo);
	assert_string_equal(text("SELECT undo FROM outbox WHERE id = 1"), "old");
	assert_string_equal(text("SELECT undo FROM outbox WHERE id = 3"),
	    "NULL");

	/* apply_upsert writes whatever is pending, and recounts. */
	assert_int_equal(apply_upsert(ap, "conversation", want, &kinds, err,
	    sizeof err), 0);
	assert_int_equal(kinds, KIND_CONVERSATIONS);
	assert_string_equal(text("SELECT status || pending FROM conversations "
	    "WHERE id = 12"), "snoozed2");
	assert_string_equal(text("SELECT group_concat(label) FROM "
	    "conversation_labels WHERE conversation_id = 12"), "server");
	exec("UPDATE outbox SET state = 'done' WHERE id = 2");
	exec("UPDATE outbox SET state = 'rejected' WHERE id = 3");
	assert_int_equal(apply_recount_pending(ap, "conversation", 12), 0);
	assert_int_equal(num("SELECT pending FROM conversations WHERE "
	    "id = 12"), 0);
	exec("UPDATE outbox SET state = 'queued' WHERE id = 3");
	assert_int_equal(apply_upsert(ap, "conversation", want, &kinds, err,
	    sizeof err), 0);
	assert_int_equal(num("SELECT pending FROM conversations WHERE "
	    "id = 12"), 1);
	/* The row with no pending column is left alone by the recount. */
	upsert("contact", 3, "{'id':3,'company_id':1,'name':'A','created_at':1}");
	queue(6, "contact", 3, "queued", "NULL");
	assert_int_equal(apply_recount_pending(ap, "contact", 3), 0);
	row = apply_row_json(ap, "contact", 3);
	assert_non_null(row);
	assert_null(cJSON_GetObjectItem(row, "pending"));
	cJSON_Delete(row);
	/* ...but the pending rule holds for it too. */
	upsert("contact", 3, "{'id':3,'company_id':1,'name':'B','created_at':1}");
	assert_string_equal(text("SELECT name FROM contacts WHERE id = 3"), "A");
	assert_string_equal(text("SELECT json_extract(undo, '$.name') FROM "
	    "outbox WHERE id = 6"), "B");

	/* A delete of a pending row does delete it. */
	assert_int_equal(tombstone("conversation", 12), KIND_CONVERSATIONS);
	assert_int_equal(num("SELECT count(*) FROM conversations"), 0);
	assert_int_equal(num("SELECT count(*) FROM conversation_labels"), 0);
	cJSON_Delete(want);
}

/* The row read back is the row the server sent, and applying it again
 * changes nothing. */
static void
round_trip(const char *type, long long id, const char *data)
{
	cJSON *sent = js(data), *got, *again;
	unsigned kinds = 0;
	char err[256];

	upsert(type, id, data);
	got = apply_row_json(ap, type, id);
	assert_non_null(got);
	if (!cJSON_Compare(sent, got, true)) {
		char *a = cJSON_PrintUnformatted(sent);
		char *b = cJSON_PrintUnformatted(got);

		fail_msg("%s %lld:\nsent %s\ngot  %s", type, id, a, b);
	}
	assert_int_equal(apply_upsert(ap, type, got, &kinds, err, sizeof err),
	    0);
	again = apply_row_json(ap, type, id);
	assert_true(cJSON_Compare(got, again, true));
	cJSON_Delete(again);
	cJSON_Delete(got);
	cJSON_Delete(sent);
}

static void
test_row_json_round_trips(void **state)
{
	(void)state;
	exec("INSERT INTO companies(id, code, name, kind, created_at, "
	    "updated_at) VALUES (1, 'COMP001', 'Flores Sol', 'product', 0, 0)");
	round_trip("conversation", 12, CONVERSATION(12, "open",
	    "['delivery','vip']"));
	round_trip("conversation", 13, CONVERSATION(13, "open", "[]"));
	round_trip("invoice", 5, INVOICE("march", "[" LINE(51, 1, "grooming")
	    "," LINE(52, 2, "boarding") "]"));
	round_trip("kb_table", 4, "{'id':4,'company_id':1,'name':'Flowers',"
	    "'kind':'product','version':1,'created_at':1,'updated_at':1,"
	    "'columns':[{'position':1,'name':'product_name','type':'text',"
	    "'required':1,'enum_values':null},{'position':2,'name':'colour',"
	    "'type':'enum','required':0,'enum_values':['red','white']}]}");
	round_trip("kb_row", 40, "{'id':40,'table_id':4,'position':1,'cells':"
	    "{'product_name':'Rosas','price':450},'version':1,'updated_at':5}");
	round_trip("commission_terms", 1, "{'company_id':1,'type':'tiered',"
	    "'percent_bp':null,'fixed_minor':null,'currency':'EUR',"
	    "'min_minor':null,'max_minor':null,'tiers':[{'from_minor':0,"
	    "'percent_bp':500},{'from_minor':100000,'percent_bp':300}],"
	    "'valid_from':'2026-01-01','valid_to':null}");
	round_trip("user", 7, "{'id':7,'email':'a@x','name':'Ana','role':"
	    "'support','language':'es','created_at':1}");
	assert_string_equal(text("SELECT tiers FROM commission_terms WHERE "
	    "company_id = 1"), "[{\"from_minor\":0,\"percent_bp\":500},"
	    "{\"from_minor\":100000,\"percent_bp\":300}]");
	assert_null(apply_row_json(ap, "invoice", 6));
}

static void
test_server_wins_a_unique_name_and_a_reused_line_id(void **state)
{
	(void)state;
	/* A table created here whose answer was lost, then the server's. */
	upsert("kb_table", -1, "{'id':-1,'company_id':1,'name':'Prices',"
	    "'kind':'custom','created_at':1,'updated_at':1,'columns':"
	    "[{'position':1,'name':'n','type':'text','required':0}]}");
	upsert("kb_row", -2, "{'id':-2,'table_id':-1,'position':1,'cells':"
	    "{'n':'x'},'updated_at':1}");
	assert_int_equal(upsert("kb_table", 57, "{'id':57,'company_id':1,"
	    "'name':'Prices','kind':'custom','created_at':1,'updated_at':1,"
	    "'columns':[]}"), KIND_KB);
	assert_string_equal(text("SELECT group_concat(id) FROM kb_tables"),
	    "57");
	assert_int_equal(num("SELECT count(*) FROM kb_columns"), 0);
	assert_int_equal(num("SELECT count(*) FROM kb_rows"), 0);
	/* The same name in another company is no conflict. */
	upsert("kb_table", 58, "{'id':58,'company_id':2,'name':'Prices',"
	    "'kind':'custom','created_at':1,'updated_at':1}");
	assert_int_equal(num("SELECT count(*) FROM kb_tables"), 2);

	/* Line 1 left order 10 for order 11 on the server. */
	upsert("order", 10, "{'id':10,'number':'ORD-10','kind':'checkout',"
	    "'company_id':1,'title':'x','currency':'EUR','created_at':1,"
	    "'updated_at':1,'lines':[{'id':1,'sku':1,'name':'a','quantity':1,"
	    "'unit_price_minor':1,'amount_minor':1}]}");
	upsert("order", 11, "{'id':11,'number':'ORD-11','kind':'checkout',"
	    "'company_id':1,'title':'y','currency':'EUR','created_at':1,"
	    "'updated_at':1,'lines':[{'id':1,'sku':2,'name':'b','quantity':1,"
	    "'unit_price_minor':1,'amount_minor':1}]}");
	assert_string_equal(text("SELECT order_id || name FROM order_lines"),
	    "11b");
	assert_int_equal(num("SELECT count(*) FROM order_lines"), 1);
}

/* More statement shapes than the cache holds: evicted statements are
 * prepared again and every row still lands right. */
static void
test_many_row_shapes(void **state)
{
	static const char *const optional[] = { "customer_name",
	    "customer_phone", "customer_email", "description", "city",
	    "cancel_work_reason", "payment_status", "budget_minor" };
	static const char *const values[] = { "'n'", "'p'", "'e'", "'d'",
	    "'c'", "'r'", "'paid'", "7" };
	char json[1024];

	(void)state;
	for (int round = 0; round < 2; round++)
		for (int mask = 0; mask < 256; mask++) {
			int n = snprintf(json, sizeof json, "{'id':%d,'number':"
			    "'O-%d','kind':'marketplace','company_id':1,"
			    "'title':'t%d','currency':'EUR','created_at':1,"
			    "'updated_at':%d", mask + 1, mask, round, round);

			for (int b = 0; b < 8; b++)
				if (mask & (1 << b))
					n += snprintf(json + n, sizeof json -
					    (size_t)n, ",'%s':%s", optional[b],
					    values[b]);
			snprintf(json + n, sizeof json - (size_t)n, "}");
			upsert("order", mask + 1, json);
		}
	assert_int_equal(num("SELECT count(*) FROM orders"), 256);
	assert_int_equal(num("SELECT count(*) FROM orders WHERE title = 't1'"),
	    256);
	assert_int_equal(num("SELECT count(*) FROM orders WHERE city = 'c'"),
	    128);
	assert_int_equal(num("SELECT sum(budget_minor) FROM orders"), 7 * 128);
	assert_string_equal(text("SELECT customer_name || payment_status FROM "
	    "orders WHERE id = 256"), "npaid");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_type_kinds),
		T(test_order_upsert_inserts_then_updates_and_replaces_lines),
		T(test_invoice_lines_replaced_and_searchable),
		T(test_conversation_labels_replaced),
		T(test_kb_columns_and_cells_stored_as_json),
		T(test_message_body_change_keeps_fts_consistent),
		T(test_unknown_keys_and_pending_from_the_wire_ignored),
		T(test_unknown_type_skipped),
		T(test_delete_removes_owned_children),
		T(test_malformed_entries_write_nothing),
		T(test_pending_row_keeps_local_value_and_sets_undo),
		T(test_row_json_round_trips),
		T(test_server_wins_a_unique_name_and_a_reused_line_id),
		T(test_many_row_shapes),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
