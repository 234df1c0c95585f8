/* store.c - writing: incidents (the summary row, the evidence findings,
 * remedies and keys, merged with what the database already holds so that
 * saving is idempotent and a re-scan or a restarted watcher adds nothing
 * twice), the rule packs in use, and key/value state.  Opening and the schema
 * are in store_schema.c, loading in store_load.c. */
#include "store_private.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A JSON string of s sanitised to UTF-8 (jansson refuses invalid UTF-8). */
static json_t *json_text(const char *s)
{
    struct dw_buf b = {0};
    dw_utf8_sanitize(&b, s ? s : "", s ? strlen(s) : 0);
    json_t *j = json_stringn(buf_cstr(&b), b.len);
    buf_free(&b);
    return j;
}

/* Serialises j (reference taken) compactly; caller frees the string. */
static char *json_finish(json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return text ? text : xstrdup("null");
}

static char *json_strings(char *const *v, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_text(v[i]));
    return json_finish(arr);
}

/* Captures as a JSON object in capture order; a repeated name keeps its first
 * value (an object cannot hold it twice). */
static char *json_captures(const struct dw_finding *f)
{
    json_t *obj = json_object();
    struct dw_buf name = {0};
    for (size_t i = 0; i < f->ncaps; i++) {
        const char *n = f->caps[i].name ? f->caps[i].name : "";
        buf_reset(&name);
        dw_utf8_sanitize(&name, n, strlen(n));
        if (!json_object_get(obj, buf_cstr(&name)))
            json_object_set_new(obj, buf_cstr(&name), json_text(f->caps[i].value));
    }
    buf_free(&name);
    return json_finish(obj);
}

static char *json_decoded(const struct dw_finding *f)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < f->ndecoded; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "code", json_text(f->decoded[i].code));
        json_object_set_new(o, "name", json_text(f->decoded[i].name));
        json_object_set_new(o, "meaning", json_text(f->decoded[i].meaning));
        json_array_append_new(arr, o);
    }
    return json_finish(arr);
}

/* Binds (and frees) a string built by this file. */
static void bind_owned(struct dw_store *s, sqlite3_stmt *st, int idx, char *text)
{
    store_bind_text(s, st, idx, text);
    free(text);
}

/* Binds the columns of one findings row (see ST_FINDING_UPSERT). */
static void bind_finding(struct dw_store *s, sqlite3_stmt *st, int64_t incident_id,
                         const struct dw_finding *f)
{
    char iso[DW_TIME_ISO_MAX];
    sqlite3_bind_int64(st, 1, incident_id);
    sqlite3_bind_int64(st, 2, store_key_to_db(finding_event_key(f)));
    store_bind_text(s, st, 3, f->rule_id);
    store_bind_text(s, st, 4, f->class_name);
    store_bind_text(s, st, 5, dw_severity_name(f->severity));
    sqlite3_bind_int(st, 6, f->severity);
    sqlite3_bind_int(st, 7, f->priority);
    store_bind_text(s, st, 8, f->summary);
    store_bind_text(s, st, 9, f->remediation);
    store_bind_text(s, st, 10, f->input);
    sqlite3_bind_int64(st, 11, f->line);
    store_bind_text(s, st, 12, dw_time_format(&f->time, iso) ? iso : NULL);
    sqlite3_bind_int(st, 13, (int)f->time.kind);
    if (f->time.kind != DW_TIME_NONE)
        sqlite3_bind_int64(st, 14, f->time.us);
    if (f->time.has_offset)
        sqlite3_bind_int(st, 15, f->time.offset_min);
    sqlite3_bind_int(st, 16, f->time.frac_digits);
    store_bind_text(s, st, 17, f->time_text);
    store_bind_text(s, st, 18, f->process);
    if (f->pid >= 0)
        sqlite3_bind_int64(st, 19, f->pid);
    if (f->has_tid)
        sqlite3_bind_int64(st, 20, (int64_t)f->tid);
    store_bind_text(s, st, 21, f->level);
    store_bind_text(s, st, 22, f->subsystem);
    store_bind_text(s, st, 23, f->category);
    store_bind_text(s, st, 24, f->sender);
    store_bind_text(s, st, 25, f->message);
    store_bind_text(s, st, 26, f->raw);
    bind_owned(s, st, 27, json_captures(f));
    bind_owned(s, st, 28, json_decoded(f));
    bind_owned(s, st, 29, json_strings(f->keys, f->nkeys));
}

/* Binds the four columns that keep a dw_time exact, from index idx. */
static void bind_time(sqlite3_stmt *st, int idx, const struct dw_time *t)
{
    sqlite3_bind_int(st, idx, (int)t->kind);
    if (t->kind != DW_TIME_NONE)
        sqlite3_bind_int64(st, idx + 1, t->us);
    if (t->has_offset)
        sqlite3_bind_int(st, idx + 2, t->offset_min);
    sqlite3_bind_int(st, idx + 3, t->frac_digits);
}

/* Binds ?2..?28 of ST_INCIDENT_INSERT / ST_INCIDENT_UPDATE from a row. */
static void bind_row(struct dw_store *s, sqlite3_stmt *st, const struct store_row *r,
                     const char *now)
{
    char first[DW_TIME_ISO_MAX], last[DW_TIME_ISO_MAX];
    store_bind_text(s, st, 2, r->subject ? r->subject : "");
    sqlite3_bind_int(st, 3, r->subject_rank);
    store_bind_text(s, st, 4, r->input);
    store_bind_text(s, st, 5, dw_time_format(&r->first, first) ? first : NULL);
    store_bind_text(s, st, 6, dw_time_format(&r->last, last) ? last : NULL);
    if (r->first.kind == DW_TIME_DATE)
        sqlite3_bind_int64(st, 7, r->first.us);
    if (r->last.kind == DW_TIME_DATE)
        sqlite3_bind_int64(st, 8, r->last.us);
    sqlite3_bind_int64(st, 9, r->first_line);
    sqlite3_bind_int64(st, 10, r->last_line);
    store_bind_text(s, st, 11, dw_severity_name(r->severity));
    sqlite3_bind_int(st, 12, r->severity);
    bind_owned(s, st, 13, json_strings(r->classes, r->nclasses));
    if (r->has_root) {
        store_bind_text(s, st, 14, r->root_rule);
        store_bind_text(s, st, 15, r->root_class);
        store_bind_text(s, st, 16, r->root_summary);
        sqlite3_bind_int(st, 17, r->root_priority);
        sqlite3_bind_int64(st, 18, r->root_key);
    }
    sqlite3_bind_int64(st, 19, r->count);
    store_bind_text(s, st, 20, now);
    bind_time(st, 21, &r->first);
    bind_time(st, 25, &r->last);
}

static bool strv_has(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] && s && strcmp(v[i], s) == 0)
            return true;
    return false;
}

static void row_take_root(struct store_row *r, const struct dw_finding *root)
{
    free(r->root_rule);
    free(r->root_class);
    free(r->root_summary);
    r->has_root = true;
    r->root_rule = xstrdup(root->rule_id);
    r->root_class = xstrdup(root->class_name);
    r->root_summary = xstrdup(root->summary);
    r->root_priority = root->priority;
    r->root_key = store_key_to_db(finding_event_key(root));
}

/* Folds the in-memory incident into the stored row r so that r describes the
 * union of both: better subject, earliest first and latest last time, line
 * range, max severity, union of classes, the higher-priority root (the stored
 * one on ties: it was first).  The count is settled by the caller. */
static void row_merge(struct store_row *r, const struct dw_incident *inc)
{
    if (inc->subject && (inc->subject_rank > r->subject_rank || !r->subject)) {
        free(r->subject);
        r->subject = xstrdup(inc->subject);
        r->subject_rank = inc->subject_rank;
    }
    if (!r->input)
        r->input = xstrdup(inc->input);
    if (inc->first_seen.kind != DW_TIME_NONE &&
        (r->first.kind == DW_TIME_NONE || inc->first_seen.us < r->first.us))
        r->first = inc->first_seen;
    if (inc->last_seen.kind != DW_TIME_NONE &&
        (r->last.kind == DW_TIME_NONE || inc->last_seen.us > r->last.us))
        r->last = inc->last_seen;
    if (inc->first_line > 0 && (r->first_line <= 0 || inc->first_line < r->first_line))
        r->first_line = inc->first_line;
    if (inc->last_line > r->last_line)
        r->last_line = inc->last_line;
    if (inc->severity > r->severity)
        r->severity = inc->severity;
    for (size_t i = 0; i < inc->nclasses; i++) {
        if (!inc->classes[i] || strv_has(r->classes, r->nclasses, inc->classes[i]))
            continue;
        r->classes = xrealloc(r->classes, (r->nclasses + 1) * sizeof *r->classes);
        r->classes[r->nclasses++] = xstrdup(inc->classes[i]);
    }
    if (inc->root && (!r->has_root || inc->root->priority > r->root_priority))
        row_take_root(r, inc->root);
}

/* The row of an incident not stored yet. */
static void row_from_incident(struct store_row *r, const struct dw_incident *inc)
{
    memset(r, 0, sizeof *r);
    r->subject_rank = -1; /* so that row_merge takes every field */
    row_merge(r, inc);
    if (r->subject_rank < 0)
        r->subject_rank = 0;
    r->first = inc->first_seen;
    r->last = inc->last_seen;
    r->first_line = inc->first_line;
    r->last_line = inc->last_line;
    r->count = (int64_t)inc->count;
}

/* The id of the incident that holds a finding with f's event key: 0 if none,
 * -1 on error. */
static int64_t store_finding_owner(struct dw_store *s, const struct dw_finding *f,
                                   struct dw_errors *err)
{
    sqlite3_stmt *st = s->st[ST_FINDING_OWNER];
    sqlite3_bind_int64(st, 1, store_key_to_db(finding_event_key(f)));
    int rc = sqlite3_step(st);
    int64_t owner = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        store_fail(s, err, "cannot look up a finding");
        owner = -1;
    }
    store_reset(st);
    return owner;
}

enum dw_stored store_finding_stored(struct dw_store *s, const struct dw_finding *f,
                                    struct dw_errors *err)
{
    int64_t owner = store_finding_owner(s, f, err);
    return owner < 0 ? DW_STORED_ERROR : owner > 0 ? DW_STORED_YES : DW_STORED_NO;
}

/* Stores f under incident id unless it is already there: inserts a new
 * finding (counted in *added) or re-homes one held by another incident
 * (after a merge).  0 or -1. */
static int save_finding(struct dw_store *s, int64_t id, const struct dw_finding *f, size_t *added,
                        struct dw_errors *err)
{
    int64_t owner = store_finding_owner(s, f, err);
    if (owner < 0)
        return -1;
    if (owner == id)
        return 0;
    bind_finding(s, s->st[ST_FINDING_UPSERT], id, f);
    if (store_exec(s, ST_FINDING_UPSERT, "cannot save a finding", err) < 0)
        return -1;
    if (owner == 0)
        (*added)++;
    return 0;
}

/* Adds inc's remedies and keys not stored yet, after the stored ones. */
static int save_remedies_and_keys(struct dw_store *s, int64_t id, const struct dw_incident *inc,
                                  struct dw_errors *err)
{
    for (size_t i = 0; i < inc->nremedies; i++) {
        sqlite3_stmt *st = s->st[ST_REMEDY_INSERT];
        sqlite3_bind_int64(st, 1, id);
        store_bind_text(s, st, 2, inc->remedies[i].rule_id ? inc->remedies[i].rule_id : "");
        store_bind_text(s, st, 3, inc->remedies[i].text ? inc->remedies[i].text : "");
        if (store_exec(s, ST_REMEDY_INSERT, "cannot save a remedy", err) < 0)
            return -1;
    }
    for (size_t i = 0; i < inc->nkeys; i++) {
        if (!inc->keys[i])
            continue;
        sqlite3_stmt *st = s->st[ST_KEY_INSERT];
        sqlite3_bind_int64(st, 1, id);
        store_bind_text(s, st, 2, inc->keys[i]);
        if (store_exec(s, ST_KEY_INSERT, "cannot save a key", err) < 0)
            return -1;
    }
    return 0;
}

/* Keeps the first DW_EVIDENCE_HEAD and last DW_EVIDENCE_TAIL findings of
 * incident id in log order, plus its root finding; deletes the middle. */
static int trim_evidence(struct dw_store *s, const struct store_row *r, struct dw_errors *err)
{
    sqlite3_stmt *st = s->st[ST_FINDING_TRIM];
    sqlite3_bind_int64(st, 1, r->id);
    if (r->has_root)
        sqlite3_bind_int64(st, 2, r->root_key);
    sqlite3_bind_int(st, 3, DW_EVIDENCE_HEAD);
    sqlite3_bind_int(st, 4, DW_EVIDENCE_TAIL);
    return store_exec(s, ST_FINDING_TRIM, "cannot trim evidence", err);
}

/* Inserts a new incident row; sets r->id. */
static int insert_row(struct dw_store *s, struct store_row *r, struct dw_errors *err)
{
    char now[32];
    store_now_iso(now);
    bind_row(s, s->st[ST_INCIDENT_INSERT], r, now);
    if (store_exec(s, ST_INCIDENT_INSERT, "cannot save an incident", err) < 0)
        return -1;
    r->id = sqlite3_last_insert_rowid(s->db);
    char high[24];
    snprintf(high, sizeof high, "%lld", (long long)r->id);
    return store_state_set(s, STORE_ID_HIGH, high, err);
}

/* Rewrites a stored row when (and only when) a column changed. */
static int update_row(struct dw_store *s, const struct store_row *r, struct dw_errors *err)
{
    char now[32];
    store_now_iso(now);
    sqlite3_bind_int64(s->st[ST_INCIDENT_UPDATE], 1, r->id);
    bind_row(s, s->st[ST_INCIDENT_UPDATE], r, now);
    return store_exec(s, ST_INCIDENT_UPDATE, "cannot update an incident", err);
}

/* The body of store_incident_save, inside its transaction or savepoint. */
static int save_locked(struct dw_store *s, struct dw_incident *inc, bool *created, size_t *added,
                       int64_t *id_out, struct dw_errors *err)
{
    size_t n = incident_evidence_count(inc);
    struct store_row row = {0};
    int64_t id = inc->id;
    int found = 0;
    if (id > 0 && (found = store_row_read(s, id, &row, err)) < 0)
        return -1;
    /* not stored (or no longer there): attach to the incident that already
     * holds one of its findings, if any */
    for (size_t i = 0; !found && i <= n; i++) {
        const struct dw_finding *f = i < n ? incident_evidence_at(inc, i) : inc->root;
        if (!f)
            continue;
        int64_t owner = store_finding_owner(s, f, err);
        if (owner < 0)
            return -1;
        if (owner > 0 && (found = store_row_read(s, owner, &row, err)) < 0)
            return -1;
    }
    int rc = 0;
    if (found) {
        row_merge(&row, inc);
    } else {
        row_from_incident(&row, inc);
        rc = insert_row(s, &row, err);
        *created = rc == 0;
    }
    int64_t stored_count = found ? row.count : 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = save_finding(s, row.id, incident_evidence_at(inc, i), added, err);
    if (rc == 0 && inc->root)
        rc = save_finding(s, row.id, inc->root, added, err);
    if (rc == 0 && found) {
        /* the union: what was stored plus what is new, unless memory saw
         * more (findings evicted from the tail between saves) */
        int64_t count = stored_count + (int64_t)*added;
        row.count = (int64_t)inc->count > count ? (int64_t)inc->count : count;
        rc = update_row(s, &row, err);
    }
    if (rc == 0)
        rc = save_remedies_and_keys(s, row.id, inc, err);
    if (rc == 0)
        rc = trim_evidence(s, &row, err);
    *id_out = row.id;
    store_row_clear(&row);
    return rc;
}

int store_incident_save(struct dw_store *s, struct dw_incident *inc, bool *created,
                        size_t *added_findings, struct dw_errors *err)
{
    bool made = false;
    size_t added = 0;
    int64_t id = 0;
    enum store_tx tx;
    if (created)
        *created = false;
    if (added_findings)
        *added_findings = 0;
    if (store_tx_enter(s, &tx, err) < 0)
        return -1;
    bool ok = save_locked(s, inc, &made, &added, &id, err) == 0;
    if (store_tx_leave(s, tx, ok, err) < 0)
        return -1;
    inc->id = id;
    inc->dirty = false;
    if (created)
        *created = made;
    if (added_findings)
        *added_findings = added;
    return 0;
}

int store_incident_delete(struct dw_store *s, int64_t id, struct dw_errors *err)
{
    /* findings cascade; those re-homed by saving the absorbing incident first
     * belong to it now and are not touched */
    sqlite3_bind_int64(s->st[ST_INCIDENT_DELETE], 1, id);
    return store_exec(s, ST_INCIDENT_DELETE, "cannot delete an incident", err);
}

int store_state_set(struct dw_store *s, const char *key, const char *value, struct dw_errors *err)
{
    enum store_stmt id = value ? ST_STATE_SET : ST_STATE_DELETE;
    sqlite3_stmt *st = s->st[id];
    store_bind_text(s, st, 1, key);
    if (value)
        store_bind_text(s, st, 2, value);
    return store_exec(s, id, "cannot save state", err);
}

int store_state_get(struct dw_store *s, const char *key, char **value, struct dw_errors *err)
{
    sqlite3_stmt *st = s->st[ST_STATE_GET];
    *value = NULL;
    store_bind_text(s, st, 1, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *value = store_column_text(st, 0);
    else if (rc != SQLITE_DONE)
        store_fail(s, err, "cannot read state");
    store_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Upserts one pack; when it is new or changed, rewrites its rules. */
static int record_pack(struct dw_store *s, const struct dw_store_pack *p, const char *now,
                       struct dw_errors *err)
{
    sqlite3_stmt *st = s->st[ST_PACK_UPSERT];
    char hash[17];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)p->hash);
    store_bind_text(s, st, 1, p->name);
    store_bind_text(s, st, 2, p->path);
    store_bind_text(s, st, 3, hash);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)p->nrules);
    store_bind_text(s, st, 5, now);
    if (store_exec(s, ST_PACK_UPSERT, "cannot record a rule pack", err) < 0)
        return -1;
    if (sqlite3_changes(s->db) == 0)
        return 0; /* same pack as recorded: its rules are too */
    store_bind_text(s, s->st[ST_PACK_RULES_DELETE], 1, p->name);
    if (store_exec(s, ST_PACK_RULES_DELETE, "cannot record rules", err) < 0)
        return -1;
    for (size_t i = 0; i < p->nrules; i++) {
        const struct dw_store_rule *r = &p->rules[i];
        st = s->st[ST_RULE_INSERT];
        store_bind_text(s, st, 1, r->id);
        store_bind_text(s, st, 2, p->name);
        store_bind_text(s, st, 3, r->class_name);
        store_bind_text(s, st, 4, dw_severity_name(r->severity));
        sqlite3_bind_int(st, 5, r->priority);
        if (store_exec(s, ST_RULE_INSERT, "cannot record rules", err) < 0)
            return -1;
    }
    return 0;
}

int store_record_rules(struct dw_store *s, const struct dw_store_pack *packs, size_t npacks,
                       struct dw_errors *err)
{
    enum store_tx tx;
    char now[32];
    store_now_iso(now);
    if (store_tx_enter(s, &tx, err) < 0)
        return -1;
    bool ok = true;
    for (size_t i = 0; ok && i < npacks; i++)
        ok = record_pack(s, &packs[i], now, err) == 0;
    return store_tx_leave(s, tx, ok, err);
}
