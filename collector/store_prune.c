/* store_prune.c - retention (`watch --retain`, `prune --older-than`) and the
 * grouped counts of `stats`.  One-off statements, prepared per call: they run
 * hourly or once per command, not per event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_extra.h"
#include "store_private.h"

int store_prune(struct dw_store *s, int64_t cutoff_us, int64_t *deleted, struct dw_errors *err)
{
    *deleted = 0;
    char iso[32];
    time_t secs = (time_t)(cutoff_us / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    sqlite3_stmt *st = NULL;
    const char *sql = "DELETE FROM incidents WHERE last_seen_us < ?1"
                      " OR (last_seen_us IS NULL AND updated_at < ?2)";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        store_fail(s, err, "cannot prune");
        return -1;
    }
    sqlite3_bind_int64(st, 1, cutoff_us);
    sqlite3_bind_text(st, 2, iso, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        *deleted = sqlite3_changes(s->db);
    else
        store_fail(s, err, "cannot prune");
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

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
    return counts(s,
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
