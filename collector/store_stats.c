/* store_stats.c - aggregate queries over incidents (the class lines of
 * `recent`).  Runs with the same filters as store_recent, without its limit. */
#include <stdlib.h>
#include <string.h>

#include "store_private.h"

#define HIST_FILTER                                                                                \
    " WHERE (?1 IS NULL OR dw_classes_glob(?1, classes)) AND (?2 IS NULL OR dw_glob(?2, subject))" \
    " AND (?3 IS NULL OR last_seen_us >= ?3)"

/* Prepares sql and binds the query's filters as ?1..?3. NULL on error. */
static sqlite3_stmt *prepare_filtered(struct dw_store *s, const char *sql, const struct dw_query *q,
                                      struct dw_errors *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        store_fail(s, err, "cannot query incidents");
        return NULL;
    }
    if (q->class_glob)
        store_bind_text(s, st, 1, q->class_glob);
    if (q->subject_glob)
        store_bind_text(s, st, 2, q->subject_glob);
    if (q->has_since)
        sqlite3_bind_int64(st, 3, q->since_us);
    return st;
}

int store_time_span(struct dw_store *s, const struct dw_query *q, int64_t *min_us,
                    int64_t *max_us, struct dw_errors *err)
{
    *min_us = *max_us = 0;
    sqlite3_stmt *st = prepare_filtered(
        s, "SELECT min(last_seen_us), max(last_seen_us) FROM incidents" HIST_FILTER, q, err);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *min_us = sqlite3_column_int64(st, 0);
        *max_us = sqlite3_column_int64(st, 1);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        store_fail(s, err, "cannot query incidents");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int store_class_histogram(struct dw_store *s, const struct dw_query *q, int64_t start_us,
                          int64_t end_us, struct dw_class_hist **out, size_t *n,
                          struct dw_errors *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = prepare_filtered(
        s,
        "SELECT j.value, i.last_seen_us FROM (SELECT classes, last_seen_us FROM incidents"
        HIST_FILTER ") AS i, json_each(i.classes) AS j",
        q, err);
    if (!st)
        return -1;
    struct dw_class_hist *v = NULL;
    size_t nv = 0, cap = 0;
    double span = end_us > start_us ? (double)(end_us - start_us) : 1.0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *cls = (const char *)sqlite3_column_text(st, 0);
        if (!cls)
            continue;
        size_t k = 0;
        while (k < nv && strcmp(v[k].class_name, cls) != 0)
            k++;
        if (k == nv) {
            xgrow((void **)&v, &cap, nv + 1, sizeof *v);
            memset(&v[nv], 0, sizeof v[nv]);
            v[nv++].class_name = xstrdup(cls);
        }
        v[k].count++;
        if (sqlite3_column_type(st, 1) == SQLITE_NULL)
            continue;
        double pos = (double)(sqlite3_column_int64(st, 1) - start_us) / span * DW_HIST_BINS;
        int b = pos < 0 ? 0 : pos >= DW_HIST_BINS ? DW_HIST_BINS - 1 : (int)pos;
        v[k].bins[b]++;
    }
    if (rc != SQLITE_DONE) {
        store_fail(s, err, "cannot query incidents");
        sqlite3_finalize(st);
        store_class_histogram_free(v, nv);
        return -1;
    }
    sqlite3_finalize(st);
    *out = v;
    *n = nv;
    return 0;
}

void store_class_histogram_free(struct dw_class_hist *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].class_name);
    free(v);
}
