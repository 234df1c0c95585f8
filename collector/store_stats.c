/* store_stats.c - aggregate queries over incidents (store_stats.h): the
 * class lines of `recent`, and the grouped counts of `stats` (one-off
 * statements, prepared per call: they run once per command).
 *
 * Counting classes over a million incidents row by row takes most of a
 * second, so the store keeps class_hours (incidents per class and hour of
 * last_seen, maintained by triggers: schema migration 2 -> 3).  A histogram
 * over at least DW_HIST_BINS hours is read from it; the partial first hour of
 * a --since period is corrected from the rows themselves, so counts stay
 * exact.  Shorter periods, and --subject filters (which the aggregate cannot
 * see), read the incidents in the period through the last_seen index. */
#include <stdlib.h>
#include <string.h>

#include "store_private.h"
#include "store_stats.h"

#define HOUR_US INT64_C(3600000000)

/* Prepares sql; NULL with an error on failure. */
static sqlite3_stmt *prepare(struct dw_store *s, const char *sql, struct dw_errors *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        store_fail(s, err, "cannot query incidents");
        return NULL;
    }
    return st;
}

/* One end of the last_seen index: the first value >= from (or the smallest),
 * or the largest.  false when there is none. */
static int index_end(struct dw_store *s, bool largest, bool has_from, int64_t from, int64_t *out,
                     bool *found, struct dw_errors *err)
{
    static const char *const sql[2][2] = {
        {"SELECT last_seen_us FROM incidents WHERE last_seen_us IS NOT NULL"
         " ORDER BY last_seen_us LIMIT 1",
         "SELECT last_seen_us FROM incidents WHERE last_seen_us >= ?1"
         " ORDER BY last_seen_us LIMIT 1"},
        {"SELECT last_seen_us FROM incidents WHERE last_seen_us IS NOT NULL"
         " ORDER BY last_seen_us DESC LIMIT 1",
         "SELECT last_seen_us FROM incidents WHERE last_seen_us >= ?1"
         " ORDER BY last_seen_us DESC LIMIT 1"},
    };
    sqlite3_stmt *st = prepare(s, sql[largest][has_from], err);
    if (!st)
        return -1;
    if (has_from)
        sqlite3_bind_int64(st, 1, from);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found)
        *out = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        store_fail(s, err, "cannot query incidents");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* The span of the period over all dated incidents from --since on: the
 * class and subject filters choose what is counted, not the time axis, and
 * ignoring them keeps this two index look-ups. */
int store_time_span(struct dw_store *s, const struct dw_query *q, int64_t *min_us, int64_t *max_us,
                    struct dw_errors *err)
{
    bool found;
    *min_us = *max_us = 0;
    if (index_end(s, false, q->has_since, q->since_us, min_us, &found, err) < 0)
        return -1;
    if (!found)
        return 0;
    return index_end(s, true, q->has_since, q->since_us, max_us, &found, err);
}

struct hist {
    struct dw_class_hist *v;
    size_t n, cap;
    const char *class_glob;
    int64_t start, end;
};

/* Adds `count` incidents of cls whose last_seen is at us (has_time false:
 * counted, no bin).  Classes outside the --class glob are not listed. */
static void hist_add(struct hist *h, const char *cls, bool has_time, int64_t us, long count)
{
    if (h->class_glob && !dw_glob_match(h->class_glob, cls))
        return;
    size_t k = 0;
    while (k < h->n && strcmp(h->v[k].class_name, cls) != 0)
        k++;
    if (k == h->n) {
        xgrow((void **)&h->v, &h->cap, h->n + 1, sizeof *h->v);
        memset(&h->v[h->n], 0, sizeof h->v[h->n]);
        h->v[h->n++].class_name = xstrdup(cls);
    }
    h->v[k].count += (size_t)count;
    if (!has_time)
        return;
    double span = h->end > h->start ? (double)(h->end - h->start) : 1.0;
    double pos = (double)(us - h->start) / span * DW_HIST_BINS;
    int b = pos < 0 ? 0 : pos >= DW_HIST_BINS ? DW_HIST_BINS - 1 : (int)pos;
    h->v[k].bins[b] += (unsigned)count;
}

/* Row by row: incidents with last_seen in [from, to) (without from: every
 * incident, undated ones included), each counted `sign` (+1 or -1).  The SQL
 * is put together from fixed pieces so that each bound is a plain range on
 * the last_seen index (an "?1 IS NULL OR" form would scan every row). */
static int hist_rows(struct dw_store *s, const struct dw_query *q, struct hist *h, bool has_from,
                     int64_t from, bool has_to, int64_t to, int sign, struct dw_errors *err)
{
    struct dw_buf sql = {0};
    buf_puts(&sql,
             "SELECT j.value, i.last_seen_us FROM (SELECT classes, last_seen_us FROM incidents"
             " WHERE 1");
    if (q->subject_glob)
        buf_puts(&sql, " AND dw_glob(?1, subject)");
    if (has_from)
        buf_puts(&sql, " AND last_seen_us >= ?2");
    if (has_to)
        buf_puts(&sql, " AND last_seen_us < ?3");
    buf_puts(&sql, ") AS i, json_each(i.classes) AS j");
    sqlite3_stmt *st = prepare(s, sql.data, err);
    buf_free(&sql);
    if (!st)
        return -1;
    if (q->subject_glob)
        store_bind_text(s, st, 1, q->subject_glob);
    if (has_from)
        sqlite3_bind_int64(st, 2, from);
    if (has_to)
        sqlite3_bind_int64(st, 3, to);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *cls = (const char *)sqlite3_column_text(st, 0);
        bool timed = sqlite3_column_type(st, 1) != SQLITE_NULL;
        if (cls)
            hist_add(h, cls, timed, timed ? sqlite3_column_int64(st, 1) : 0, sign);
    }
    if (rc != SQLITE_DONE)
        store_fail(s, err, "cannot query incidents");
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* From class_hours: every hour from the --since hour on (all hours and the
 * undated incidents without --since), each placed at its middle. */
static int hist_hours(struct dw_store *s, const struct dw_query *q, struct hist *h,
                      struct dw_errors *err)
{
    sqlite3_stmt *st = prepare(
        s, "SELECT class, hour, n FROM class_hours WHERE n > 0 AND (?1 IS NULL OR hour >= ?1)",
        err);
    if (!st)
        return -1;
    if (q->has_since)
        sqlite3_bind_int64(st, 1, q->since_us / HOUR_US);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *cls = (const char *)sqlite3_column_text(st, 0);
        int64_t hour = sqlite3_column_int64(st, 1);
        if (cls)
            hist_add(h, cls, hour >= 0, hour * HOUR_US + HOUR_US / 2, sqlite3_column_int64(st, 2));
    }
    if (rc != SQLITE_DONE)
        store_fail(s, err, "cannot query incidents");
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_class_histogram(struct dw_store *s, const struct dw_query *q, int64_t start_us,
                          int64_t end_us, struct dw_class_hist **out, size_t *n,
                          struct dw_errors *err)
{
    struct hist h = {.class_glob = q->class_glob, .start = start_us, .end = end_us};
    bool coarse_ok = !q->subject_glob && end_us - start_us >= DW_HIST_BINS * HOUR_US;
    int rc;
    if (!coarse_ok) {
        rc = hist_rows(s, q, &h, q->has_since, q->since_us, false, 0, 1, err);
    } else {
        rc = hist_hours(s, q, &h, err);
        /* the --since hour was counted whole: take back what lies before since */
        if (rc == 0 && q->has_since)
            rc = hist_rows(s, q, &h, true, q->since_us / HOUR_US * HOUR_US, true, q->since_us, -1,
                           err);
    }
    if (rc != 0) {
        store_class_histogram_free(h.v, h.n);
        *out = NULL;
        *n = 0;
        return -1;
    }
    *out = h.v;
    *n = h.n;
    return 0;
}

void store_class_histogram_free(struct dw_class_hist *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].class_name);
    free(v);
}

/* ---- the counts of `stats` ---- */

/* Rows of (name, count) from sql. */
static int counts(struct dw_store *s, const char *sql, struct dw_store_count **out, size_t *n,
                  struct dw_errors *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        store_fail(s, err, "cannot count incidents");
        return -1;
    }
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        xgrow((void **)out, &cap, *n + 1, sizeof **out);
        (*out)[*n].name = store_column_text(st, 0);
        if (!(*out)[*n].name)
            (*out)[*n].name = xstrdup("");
        (*out)[*n].count = sqlite3_column_int64(st, 1);
        (*n)++;
    }
    if (rc != SQLITE_DONE)
        store_fail(s, err, "cannot count incidents");
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_count_by_class(struct dw_store *s, struct dw_store_count **out, size_t *n,
                         struct dw_errors *err)
{
    return counts(
        s,
        "SELECT c.value, count(DISTINCT i.id) AS n FROM incidents i, json_each(i.classes) c"
        " GROUP BY c.value ORDER BY n DESC, c.value",
        out, n, err);
}

int store_count_by_subject(struct dw_store *s, struct dw_store_count **out, size_t *n,
                           struct dw_errors *err)
{
    return counts(s,
                  "SELECT subject, count(*) AS n FROM incidents GROUP BY subject"
                  " ORDER BY n DESC, subject",
                  out, n, err);
}

int store_count_incidents(struct dw_store *s, int64_t *n, struct dw_errors *err)
{
    struct dw_store_count *v;
    size_t k;
    int rc = counts(s, "SELECT '', count(*) FROM incidents", &v, &k, err);
    *n = rc == 0 && k ? v[0].count : 0;
    store_counts_free(v, k);
    return rc;
}

void store_counts_free(struct dw_store_count *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
}
