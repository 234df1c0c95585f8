/* outbox.c - the forwarding outbox in the incident database (outbox.h;
 * tables outbox, outbox_destinations, outbox_versions in docs/schema.md).
 *
 * The watcher's connection queues events (outbox_add) inside the transaction
 * that stores the incident; each sender thread, on its own connection, reads
 * its destination's rows in id order and deletes them once delivered.  ids
 * come from AUTOINCREMENT, so they are never reused and only grow: a sender
 * can keep "the last id written" as its cursor. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbox.h"
#include "store_private.h"

enum outbox_stmt {
    OB_VERSION_BUMP,
    OB_VERSION_GET,
    OB_INSERT,
    OB_DEST_QUEUED,
    OB_TRIM,
    OB_DEST_DROPPED,
    OB_DEST_DECLARE,
    OB_NEXT,
    OB_CONFIRM,
    OB_DEST_SENT,
    OB_DEST_ERROR,
    OB_PENDING,
    OB_COUNT
};

static const char *const outbox_sql[OB_COUNT] = {
    [OB_VERSION_BUMP] = "INSERT INTO outbox_versions (incident_id, version) VALUES (?1, 1)"
                        " ON CONFLICT (incident_id) DO UPDATE SET version = version + 1",
    [OB_VERSION_GET] = "SELECT version FROM outbox_versions WHERE incident_id = ?1",
    [OB_INSERT] = "INSERT INTO outbox (destination, incident_id, version, event, created_at,"
                  " head, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [OB_DEST_QUEUED] = "INSERT INTO outbox_destinations (destination, queued) VALUES (?1, 1)"
                       " ON CONFLICT (destination) DO UPDATE SET queued = queued + 1",
    /* everything older than the newest ?2 rows of the destination */
    [OB_TRIM] = "DELETE FROM outbox WHERE destination = ?1 AND id <= (SELECT id FROM outbox"
                " WHERE destination = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
    [OB_DEST_DROPPED] =
        "UPDATE outbox_destinations SET dropped = dropped + ?2 WHERE destination = ?1",
    [OB_DEST_DECLARE] = "INSERT INTO outbox_destinations (destination) VALUES (?1)"
                        " ON CONFLICT (destination) DO NOTHING",
    [OB_NEXT] = "SELECT id, head, body FROM outbox WHERE destination = ?1 AND id > ?2"
                " ORDER BY id LIMIT ?3",
    [OB_CONFIRM] = "DELETE FROM outbox WHERE destination = ?1 AND id <= ?2",
    [OB_DEST_SENT] = "UPDATE outbox_destinations SET sent = sent + ?2, last_sent_at = ?3"
                     " WHERE destination = ?1",
    [OB_DEST_ERROR] = "INSERT INTO outbox_destinations (destination, last_error, last_error_at)"
                      " VALUES (?1, ?2, ?3) ON CONFLICT (destination) DO UPDATE SET"
                      " last_error = excluded.last_error,"
                      " last_error_at = coalesce(excluded.last_error_at, last_error_at)",
    [OB_PENDING] = "SELECT count(*) FROM outbox WHERE destination = ?1",
};

struct dw_outbox {
    struct dw_store *s;
    sqlite3_stmt *st[OB_COUNT];
};

void outbox_close(struct dw_outbox *ob)
{
    if (!ob)
        return;
    for (int i = 0; i < OB_COUNT; i++)
        sqlite3_finalize(ob->st[i]);
    free(ob);
}

struct dw_outbox *outbox_open(struct dw_store *s, struct dw_errors *err)
{
    struct dw_outbox *ob = xcalloc(1, sizeof *ob);
    ob->s = s;
    for (int i = 0; i < OB_COUNT; i++) {
        if (sqlite3_prepare_v3(s->db, outbox_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &ob->st[i],
                               NULL) != SQLITE_OK) {
            store_fail(s, err, "cannot prepare an outbox statement");
            outbox_close(ob);
            return NULL;
        }
    }
    return ob;
}

/* Steps a statement that returns no rows, resets it; 0 or -1 (reported). */
static int run(struct dw_outbox *ob, enum outbox_stmt id, const char *what, struct dw_errors *err)
{
    sqlite3_stmt *st = ob->st[id];
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        store_fail(ob->s, err, what);
        store_reset(st);
        return -1;
    }
    store_reset(st);
    return 0;
}

/* Next version of incident id (1 for its first event). */
static int next_version(struct dw_outbox *ob, int64_t id, int64_t *version, struct dw_errors *err)
{
    sqlite3_bind_int64(ob->st[OB_VERSION_BUMP], 1, id);
    if (run(ob, OB_VERSION_BUMP, "cannot number the outbox event", err) < 0)
        return -1;
    sqlite3_stmt *st = ob->st[OB_VERSION_GET];
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    *version = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_reset(st);
    if (rc != SQLITE_ROW) {
        store_fail(ob->s, err, "cannot read the outbox event number");
        return -1;
    }
    return 0;
}

/* One destination's row, counter and trim. */
static int add_one(struct dw_outbox *ob, const char *dest, long limit, int64_t id, int64_t version,
                   const char *event, const char *now, struct dw_buf *head, const char *body,
                   struct dw_errors *err)
{
    sqlite3_stmt *st = ob->st[OB_INSERT];
    sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, id);
    sqlite3_bind_int64(st, 3, version);
    sqlite3_bind_text(st, 4, event, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, buf_cstr(head), (int)head->len, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, body, -1, SQLITE_STATIC);
    if (run(ob, OB_INSERT, "cannot queue an outbox event", err) < 0)
        return -1;
    sqlite3_bind_text(ob->st[OB_DEST_QUEUED], 1, dest, -1, SQLITE_STATIC);
    if (run(ob, OB_DEST_QUEUED, "cannot count an outbox event", err) < 0)
        return -1;
    sqlite3_bind_text(ob->st[OB_TRIM], 1, dest, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ob->st[OB_TRIM], 2, limit);
    if (run(ob, OB_TRIM, "cannot trim the outbox", err) < 0)
        return -1;
    int dropped = sqlite3_changes(ob->s->db);
    if (dropped > 0) {
        sqlite3_bind_text(ob->st[OB_DEST_DROPPED], 1, dest, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ob->st[OB_DEST_DROPPED], 2, dropped);
        if (run(ob, OB_DEST_DROPPED, "cannot count dropped outbox events", err) < 0)
            return -1;
    }
    return 0;
}

int outbox_add(struct dw_outbox *ob, const char *const *dests, size_t ndests, long limit,
               const struct dw_outbox_msg *m, struct dw_errors *err)
{
    if (ndests == 0)
        return 0;
    enum store_tx tx;
    if (store_tx_enter(ob->s, &tx, err) < 0)
        return -1;
    int64_t version = 0;
    bool ok = next_version(ob, m->incident_id, &version, err) == 0;
    struct dw_buf head = {0};
    char now[32];
    if (ok) {
        m->head(&head, version, m->head_ctx);
        store_now_iso(now);
    }
    for (size_t i = 0; ok && i < ndests; i++)
        ok = add_one(ob, dests[i], limit, m->incident_id, version, m->event, now, &head, m->body,
                     err) == 0;
    buf_free(&head);
    return store_tx_leave(ob->s, tx, ok, err);
}

int outbox_declare(struct dw_outbox *ob, const char *dest, struct dw_errors *err)
{
    sqlite3_bind_text(ob->st[OB_DEST_DECLARE], 1, dest, -1, SQLITE_STATIC);
    return run(ob, OB_DEST_DECLARE, "cannot record a forwarding destination", err);
}

int outbox_next(struct dw_outbox *ob, const char *dest, int64_t after, size_t max,
                struct dw_outbox_row **rows, size_t *n, struct dw_errors *err)
{
    *rows = NULL;
    *n = 0;
    sqlite3_stmt *st = ob->st[OB_NEXT];
    sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        xgrow((void **)rows, &cap, *n + 1, sizeof **rows);
        struct dw_outbox_row *r = &(*rows)[(*n)++];
        r->id = sqlite3_column_int64(st, 0);
        r->head = store_column_text(st, 1);
        r->body = store_column_text(st, 2);
        if (!r->head)
            r->head = xstrdup("");
        if (!r->body)
            r->body = xstrdup("");
    }
    store_reset(st);
    if (rc != SQLITE_DONE) {
        store_fail(ob->s, err, "cannot read the outbox");
        outbox_rows_free(*rows, *n);
        *rows = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

void outbox_rows_free(struct dw_outbox_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].head);
        free(rows[i].body);
    }
    free(rows);
}

int outbox_confirm(struct dw_outbox *ob, const char *dest, int64_t upto, struct dw_errors *err)
{
    enum store_tx tx;
    if (store_tx_enter(ob->s, &tx, err) < 0)
        return -1;
    sqlite3_bind_text(ob->st[OB_CONFIRM], 1, dest, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ob->st[OB_CONFIRM], 2, upto);
    bool ok = run(ob, OB_CONFIRM, "cannot remove delivered outbox events", err) == 0;
    int sent = ok ? sqlite3_changes(ob->s->db) : 0;
    if (ok && sent > 0) {
        char now[32];
        store_now_iso(now);
        sqlite3_stmt *st = ob->st[OB_DEST_SENT];
        sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, sent);
        sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
        ok = run(ob, OB_DEST_SENT, "cannot count delivered outbox events", err) == 0;
    }
    return store_tx_leave(ob->s, tx, ok, err);
}

int outbox_note_error(struct dw_outbox *ob, const char *dest, const char *msg,
                      struct dw_errors *err)
{
    char now[32];
    store_now_iso(now);
    sqlite3_stmt *st = ob->st[OB_DEST_ERROR];
    sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
    store_bind_text(ob->s, st, 2, msg);
    if (msg)
        sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
    return run(ob, OB_DEST_ERROR, "cannot record a forwarding error", err);
}

int outbox_pending(struct dw_outbox *ob, const char *dest, int64_t *n, struct dw_errors *err)
{
    sqlite3_stmt *st = ob->st[OB_PENDING];
    sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_reset(st);
    if (rc != SQLITE_ROW) {
        store_fail(ob->s, err, "cannot count the outbox");
        return -1;
    }
    return 0;
}

int outbox_stats(struct dw_store *s, struct dw_outbox_stats **out, size_t *n, struct dw_errors *err)
{
    static const char sql[] =
        "SELECT d.destination, (SELECT count(*) FROM outbox o WHERE o.destination ="
        " d.destination), d.queued, d.sent, d.dropped, d.last_sent_at, d.last_error,"
        " d.last_error_at FROM outbox_destinations d ORDER BY d.destination";
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        store_fail(s, err, "cannot read the outbox counters");
        return -1;
    }
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        xgrow((void **)out, &cap, *n + 1, sizeof **out);
        struct dw_outbox_stats *o = &(*out)[(*n)++];
        o->destination = store_column_text(st, 0);
        o->waiting = sqlite3_column_int64(st, 1);
        o->queued = sqlite3_column_int64(st, 2);
        o->sent = sqlite3_column_int64(st, 3);
        o->dropped = sqlite3_column_int64(st, 4);
        o->last_sent_at = store_column_text(st, 5);
        o->last_error = store_column_text(st, 6);
        o->last_error_at = store_column_text(st, 7);
        if (!o->destination)
            o->destination = xstrdup("");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_fail(s, err, "cannot read the outbox counters");
        outbox_stats_free(*out, *n);
        *out = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

void outbox_stats_free(struct dw_outbox_stats *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].destination);
        free(v[i].last_sent_at);
        free(v[i].last_error);
        free(v[i].last_error_at);
    }
    free(v);
}
