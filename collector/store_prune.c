/* store_prune.c - retention (`watch --retain`, `prune --older-than`;
 * store_prune.h).  A one-off statement, prepared per call: it runs hourly or
 * once per command, not per event. */
#include <time.h>

#include "store_prune.h"
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
