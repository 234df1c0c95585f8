/* store_load.c - reading incidents back: the summary row, the evidence in log
 * order (first DW_EVIDENCE_HEAD in head, the rest in tail), the root finding,
 * remedies and keys; and the recent query.  The structs built here are the
 * same the correlator builds, so reports print either. */
#include "store_private.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* A dw_time from kind, us, offset (NULL = none) and fraction columns. */
static struct dw_time column_time(sqlite3_stmt *st, int kind, int us, int offset, int frac)
{
    struct dw_time t = {0};
    t.kind = (enum dw_time_kind)sqlite3_column_int(st, kind);
    t.us = sqlite3_column_int64(st, us);
    t.has_offset = sqlite3_column_type(st, offset) != SQLITE_NULL;
    t.offset_min = sqlite3_column_int(st, offset);
    t.frac_digits = sqlite3_column_int(st, frac);
    return t;
}

/* Parses a JSON column; NULL if absent or malformed (treated as empty). */
static json_t *column_json(sqlite3_stmt *st, int col)
{
    const unsigned char *text = sqlite3_column_text(st, col);
    return text ? json_loads((const char *)text, 0, NULL) : NULL;
}

static char **json_to_strings(json_t *arr, size_t *n)
{
    char **v = NULL;
    size_t i;
    json_t *item;
    *n = 0;
    if (json_array_size(arr))
        v = xcalloc(json_array_size(arr), sizeof *v);
    json_array_foreach(arr, i, item)
    {
        if (json_is_string(item))
            v[(*n)++] = xstrdup(json_string_value(item));
    }
    return v;
}

void store_row_clear(struct store_row *r)
{
    free(r->subject);
    free(r->input);
    for (size_t i = 0; i < r->nclasses; i++)
        free(r->classes[i]);
    free(r->classes);
    free(r->root_rule);
    free(r->root_class);
    free(r->root_summary);
    memset(r, 0, sizeof *r);
}

int store_row_read(struct dw_store *s, int64_t id, struct store_row *r, struct dw_errors *err)
{
    sqlite3_stmt *st = s->st[ST_INCIDENT_SELECT];
    memset(r, 0, sizeof *r);
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        r->id = sqlite3_column_int64(st, IC_ID);
        r->subject = store_column_text(st, IC_SUBJECT);
        r->subject_rank = sqlite3_column_int(st, IC_SUBJECT_RANK);
        r->input = store_column_text(st, IC_INPUT);
        r->first = column_time(st, IC_FIRST_TIME_KIND, IC_FIRST_TIME_US, IC_FIRST_TIME_OFFSET,
                               IC_FIRST_TIME_FRAC);
        r->last = column_time(st, IC_LAST_TIME_KIND, IC_LAST_TIME_US, IC_LAST_TIME_OFFSET,
                              IC_LAST_TIME_FRAC);
        r->first_line = (long)sqlite3_column_int64(st, IC_FIRST_LINE);
        r->last_line = (long)sqlite3_column_int64(st, IC_LAST_LINE);
        r->severity = sqlite3_column_int(st, IC_SEVERITY_LEVEL);
        json_t *classes = column_json(st, IC_CLASSES);
        r->classes = json_to_strings(classes, &r->nclasses);
        json_decref(classes);
        r->has_root = sqlite3_column_type(st, IC_ROOT_EVENT_KEY) != SQLITE_NULL;
        r->root_rule = store_column_text(st, IC_ROOT_RULE);
        r->root_class = store_column_text(st, IC_ROOT_CLASS);
        r->root_summary = store_column_text(st, IC_ROOT_SUMMARY);
        r->root_priority = sqlite3_column_int(st, IC_ROOT_PRIORITY);
        r->root_key = sqlite3_column_int64(st, IC_ROOT_EVENT_KEY);
        r->count = sqlite3_column_int64(st, IC_FINDING_COUNT);
    } else if (rc != SQLITE_DONE) {
        store_fail(s, err, "cannot read an incident");
    }
    store_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Fills f's captures, decoded codes and keys from their JSON columns. */
static void finding_json_fields(struct dw_finding *f, sqlite3_stmt *st)
{
    json_t *caps = column_json(st, FC_CAPTURES);
    const char *name;
    json_t *v;
    if (json_object_size(caps))
        f->caps = xcalloc(json_object_size(caps), sizeof *f->caps);
    json_object_foreach(caps, name, v)
    {
        f->caps[f->ncaps].name = xstrdup(name);
        f->caps[f->ncaps].value = xstrdup(json_is_string(v) ? json_string_value(v) : "");
        f->ncaps++;
    }
    json_decref(caps);

    json_t *decoded = column_json(st, FC_DECODED);
    size_t i;
    if (json_array_size(decoded))
        f->decoded = xcalloc(json_array_size(decoded), sizeof *f->decoded);
    json_array_foreach(decoded, i, v)
    {
        if (!json_is_object(v))
            continue;
        struct dw_decoded *d = &f->decoded[f->ndecoded++];
        d->code = xstrdup(json_string_value(json_object_get(v, "code")));
        d->name = xstrdup(json_string_value(json_object_get(v, "name")));
        d->meaning = xstrdup(json_string_value(json_object_get(v, "meaning")));
    }
    json_decref(decoded);

    json_t *keys = column_json(st, FC_KEYS);
    f->keys = json_to_strings(keys, &f->nkeys);
    json_decref(keys);
}

/* One findings row as a new dw_finding. */
static struct dw_finding *finding_from_row(sqlite3_stmt *st)
{
    struct dw_finding *f = xcalloc(1, sizeof *f);
    f->rule_id = store_column_text(st, FC_RULE);
    f->class_name = store_column_text(st, FC_CLASS);
    f->severity = sqlite3_column_int(st, FC_SEVERITY_LEVEL);
    f->priority = sqlite3_column_int(st, FC_PRIORITY);
    f->summary = store_column_text(st, FC_SUMMARY);
    f->remediation = store_column_text(st, FC_REMEDIATION);
    f->input = store_column_text(st, FC_INPUT);
    f->line = (long)sqlite3_column_int64(st, FC_LINE);
    f->time = column_time(st, FC_TIME_KIND, FC_TIME_US, FC_OFFSET_MIN, FC_FRAC_DIGITS);
    f->time_text = store_column_text(st, FC_TIME_TEXT);
    f->process = store_column_text(st, FC_PROCESS);
    f->pid = sqlite3_column_type(st, FC_PID) == SQLITE_NULL
                 ? -1
                 : (long)sqlite3_column_int64(st, FC_PID);
    f->has_tid = sqlite3_column_type(st, FC_TID) != SQLITE_NULL;
    f->tid = (uint64_t)sqlite3_column_int64(st, FC_TID);
    f->level = store_column_text(st, FC_LEVEL);
    f->subsystem = store_column_text(st, FC_SUBSYSTEM);
    f->category = store_column_text(st, FC_CATEGORY);
    f->sender = store_column_text(st, FC_SENDER);
    f->message = store_column_text(st, FC_MESSAGE);
    f->raw = store_column_text(st, FC_RAW);
    finding_json_fields(f, st);
    return f;
}

/* Loads the findings of inc: the root (its row is kept even when it fell out
 * of the evidence window) and the evidence split into head and tail. */
static int load_findings(struct dw_store *s, struct dw_incident *inc, const struct store_row *r,
                         struct dw_errors *err)
{
    sqlite3_stmt *st = s->st[ST_FINDINGS_SELECT];
    struct dw_finding **all = NULL;
    int64_t *keys = NULL;
    size_t n = 0, cap = 0, kcap = 0;
    sqlite3_bind_int64(st, 1, r->id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        xgrow((void **)&all, &cap, n + 1, sizeof *all);
        xgrow((void **)&keys, &kcap, n + 1, sizeof *keys);
        keys[n] = sqlite3_column_int64(st, FC_EVENT_KEY);
        all[n++] = finding_from_row(st);
    }
    if (rc != SQLITE_DONE)
        store_fail(s, err, "cannot read findings");
    store_reset(st);

    const size_t window = DW_EVIDENCE_HEAD + DW_EVIDENCE_TAIL;
    for (size_t i = 0; i < n; i++) {
        bool is_root = r->has_root && keys[i] == r->root_key && !inc->root;
        bool in_window = n <= window || i < DW_EVIDENCE_HEAD || i >= n - DW_EVIDENCE_TAIL;
        if (is_root && !in_window) {
            inc->root = all[i]; /* kept only as the root */
            continue;
        }
        if (is_root)
            inc->root = finding_dup(all[i]);
        if (inc->nhead < DW_EVIDENCE_HEAD) {
            inc->head[inc->nhead++] = all[i];
        } else if (i >= n - DW_EVIDENCE_TAIL || n <= window) {
            inc->tail[inc->ntail++] = all[i];
        } else {
            finding_free(all[i]); /* not expected: the store trims to the window */
        }
    }
    free(all);
    free(keys);
    if (!inc->root && r->has_root) {
        /* root row missing (edited database): rebuild from the summary */
        struct dw_finding *f = xcalloc(1, sizeof *f);
        f->rule_id = xstrdup(r->root_rule);
        f->class_name = xstrdup(r->root_class);
        f->summary = xstrdup(r->root_summary);
        f->priority = r->root_priority;
        f->severity = r->severity;
        f->pid = -1;
        inc->root = f;
    }
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Loads remedies and keys of inc in their stored order. */
static int load_remedies_and_keys(struct dw_store *s, struct dw_incident *inc,
                                  struct dw_errors *err)
{
    sqlite3_stmt *st = s->st[ST_REMEDIES_SELECT];
    size_t cap = 0;
    int rc;
    sqlite3_bind_int64(st, 1, inc->id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        xgrow((void **)&inc->remedies, &cap, inc->nremedies + 1, sizeof *inc->remedies);
        inc->remedies[inc->nremedies].rule_id = store_column_text(st, 0);
        inc->remedies[inc->nremedies].text = store_column_text(st, 1);
        inc->nremedies++;
    }
    store_reset(st);
    if (rc != SQLITE_DONE) {
        store_fail(s, err, "cannot read remedies");
        return -1;
    }
    st = s->st[ST_KEYS_SELECT];
    cap = 0;
    sqlite3_bind_int64(st, 1, inc->id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        xgrow((void **)&inc->keys, &cap, inc->nkeys + 1, sizeof *inc->keys);
        inc->keys[inc->nkeys++] = store_column_text(st, 0);
    }
    store_reset(st);
    if (rc != SQLITE_DONE) {
        store_fail(s, err, "cannot read keys");
        return -1;
    }
    return 0;
}

/* Loads incident id fully; *out NULL when absent.  0 or -1. */
static int load_incident(struct dw_store *s, int64_t id, struct dw_incident **out,
                         struct dw_errors *err)
{
    struct store_row r;
    char iso[DW_TIME_ISO_MAX];
    *out = NULL;
    int found = store_row_read(s, id, &r, err);
    if (found <= 0)
        return found;
    struct dw_incident *inc = incident_new();
    inc->id = r.id;
    inc->subject = r.subject_rank == 0 && r.subject && !*r.subject ? NULL : xstrdup(r.subject);
    inc->subject_rank = r.subject_rank;
    inc->input = xstrdup(r.input);
    inc->first_seen = r.first;
    inc->last_seen = r.last;
    inc->first_seen_text = dw_time_format(&r.first, iso) ? xstrdup(iso) : NULL;
    inc->last_seen_text = dw_time_format(&r.last, iso) ? xstrdup(iso) : NULL;
    inc->first_line = r.first_line;
    inc->last_line = r.last_line;
    inc->count = r.count > 0 ? (size_t)r.count : 0;
    inc->severity = r.severity;
    inc->classes = r.classes;
    inc->nclasses = r.nclasses;
    r.classes = NULL;
    r.nclasses = 0;
    int rc = load_findings(s, inc, &r, err);
    if (rc == 0)
        rc = load_remedies_and_keys(s, inc, err);
    store_row_clear(&r);
    if (rc < 0) {
        incident_free(inc);
        return -1;
    }
    inc->dirty = false;
    *out = inc;
    return 0;
}

/* Starts a read transaction when none is open, so that everything loaded
 * comes from one snapshot even while a watcher writes; true if started. */
static bool snapshot_begin(struct dw_store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        return false;
    int rc = sqlite3_step(s->st[ST_BEGIN_READ]);
    store_reset(s->st[ST_BEGIN_READ]);
    return rc == SQLITE_DONE;
}

static void snapshot_end(struct dw_store *s, bool started)
{
    if (!started)
        return;
    sqlite3_step(s->st[ST_COMMIT]); /* read-only: nothing to fail on */
    store_reset(s->st[ST_COMMIT]);
}

int store_get(struct dw_store *s, int64_t id, struct dw_incident **out, struct dw_errors *err)
{
    bool snap = snapshot_begin(s);
    int rc = load_incident(s, id, out, err);
    snapshot_end(s, snap);
    return rc;
}

static int recent_locked(struct dw_store *s, const struct dw_query *q, struct dw_incident ***out,
                         size_t *n, struct dw_errors *err);

int store_recent(struct dw_store *s, const struct dw_query *q, struct dw_incident ***out, size_t *n,
                 struct dw_errors *err)
{
    bool snap = snapshot_begin(s);
    int rc = recent_locked(s, q, out, n, err);
    snapshot_end(s, snap);
    return rc;
}

/* A row of the recent query: its id and the instant of its last finding. */
struct recent_row {
    int64_t id;
    int64_t instant;
    bool dated;
};

/* Newest instant first, undated rows last, then the higher id first. */
static int recent_row_cmp(const void *a, const void *b)
{
    const struct recent_row *x = a, *y = b;
    if (x->dated != y->dated)
        return x->dated ? -1 : 1;
    if (x->dated && x->instant != y->instant)
        return x->instant > y->instant ? -1 : 1;
    return x->id > y->id ? -1 : x->id < y->id;
}

/* A limit up to which the rows read are ranked as they come, so reading can
 * stop early; a larger one reads every matching row. */
#define RECENT_EARLY_STOP_MAX 1024
#define MIN_US (60 * INT64_C(1000000))

/* How much later than its stored value the instant of a time without an
 * offset stored near around_us can be: the most the local zone lies west of
 * UTC in January or July of that year, plus two hours for DST rules and zone
 * changes of other years (zones east of UTC: only those two hours, as such a
 * time happened before its stored value). */
static int64_t local_lateness_us(int64_t around_us)
{
    int64_t y;
    int m, d;
    int64_t days = around_us / (1440 * MIN_US);
    dw_time_civil(days, &y, &m, &d);
    int year = y < 1902 ? 1902 : y > 9999 ? 9999 : (int)y;
    int jan = dw_time_local_offset_min(dw_time_from_civil(year, 1, 1, 12, 0, 0));
    int jul = dw_time_local_offset_min(dw_time_from_civil(year, 7, 1, 12, 0, 0));
    int west = -(jan < jul ? jan : jul);
    return ((west > 0 ? west : 0) + 120) * MIN_US;
}

/* Inserts instant into top[0..*n) (newest first, at most limit kept). */
static void top_insert(int64_t *top, size_t *n, size_t limit, int64_t instant)
{
    size_t k = *n < limit ? (*n)++ : limit;
    if (k == limit && (limit == 0 || instant <= top[limit - 1]))
        return;
    if (k == limit)
        k--;
    while (k > 0 && top[k - 1] < instant) {
        top[k] = top[k - 1];
        k--;
    }
    top[k] = instant;
}

/* The ids of the incidents matching q, ordered by recent_row_cmp and cut to
 * the limit, into *ids.  The query gives rows by the stored last_seen_us; a
 * row's instant is never later than that by more than local_lateness_us
 * (only times without an offset differ), so once limit rows are ranked, a row
 * stored more than that before the limit-th instant ends the reading.  0, or
 * -1 with a message. */
static int recent_ids(struct dw_store *s, const struct dw_query *q, int64_t **ids, size_t *nids,
                      struct dw_errors *err)
{
    sqlite3_stmt *st = s->st[q->has_since ? ST_RECENT_SINCE : ST_RECENT];
    size_t limit = q->limit > 0 ? (size_t)q->limit : 0;
    bool early = limit > 0 && limit <= RECENT_EARLY_STOP_MAX;
    int64_t *top = early ? xcalloc(limit, sizeof *top) : NULL;
    struct recent_row *rows = NULL;
    size_t n = 0, cap = 0, ntop = 0;
    if (q->class_glob)
        store_bind_text(s, st, 1, q->class_glob);
    if (q->subject_glob)
        store_bind_text(s, st, 2, q->subject_glob);
    if (q->has_since) {
        int64_t late = local_lateness_us(q->since_us);
        sqlite3_bind_int64(st, 3, q->since_us > INT64_MIN + late ? q->since_us - late : INT64_MIN);
    }
    int64_t late = -1; /* from the first dated row */
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct recent_row r = {.id = sqlite3_column_int64(st, 0),
                               .dated = sqlite3_column_type(st, 1) != SQLITE_NULL};
        if (r.dated && late < 0)
            late = local_lateness_us(sqlite3_column_int64(st, 1));
        if (early && ntop == limit &&
            (!r.dated || sqlite3_column_int64(st, 1) < top[limit - 1] - late))
            break; /* nothing from here on comes before the limit-th row */
        if (r.dated) {
            struct dw_time t = {.kind = DW_TIME_DATE,
                                .us = sqlite3_column_int64(st, 1),
                                .has_offset = sqlite3_column_int(st, 2) != 0};
            r.instant = dw_time_instant(&t);
            if (q->has_since && r.instant < q->since_us)
                continue;
            if (early)
                top_insert(top, &ntop, limit, r.instant);
        }
        xgrow((void **)&rows, &cap, n + 1, sizeof *rows);
        rows[n++] = r;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        store_fail(s, err, "cannot query incidents");
    store_reset(st);
    free(top);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        free(rows);
        return -1;
    }
    if (n > 1)
        qsort(rows, n, sizeof *rows, recent_row_cmp);
    if (limit > 0 && n > limit)
        n = limit;
    *ids = n ? xcalloc(n, sizeof **ids) : NULL;
    for (size_t i = 0; i < n; i++)
        (*ids)[i] = rows[i].id;
    *nids = n;
    free(rows);
    return 0;
}

/* The body of store_recent, inside a read snapshot. */
static int recent_locked(struct dw_store *s, const struct dw_query *q, struct dw_incident ***out,
                         size_t *n, struct dw_errors *err)
{
    int64_t *ids = NULL;
    size_t nids = 0;
    *out = NULL;
    *n = 0;
    if (recent_ids(s, q, &ids, &nids, err) != 0)
        return -1;
    /* the ids were read first so that only the limited rows are loaded, and
     * no statement is reused while the query still runs */
    struct dw_incident **v = nids ? xcalloc(nids, sizeof *v) : NULL;
    size_t got = 0;
    for (size_t i = 0; i < nids; i++) {
        struct dw_incident *inc = NULL;
        if (load_incident(s, ids[i], &inc, err) < 0) {
            store_incidents_free(v, got);
            free(ids);
            return -1;
        }
        if (inc)
            v[got++] = inc;
    }
    free(ids);
    *out = v;
    *n = got;
    return 0;
}

void store_incidents_free(struct dw_incident **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        incident_free(v[i]);
    free(v);
}
