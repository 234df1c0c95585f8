/* store_schema.c - opening the incident database: file and directory
 * permissions, pragmas, schema migrations, the prepared statements, and the
 * helpers the other store files share (errors, binding, transactions).
 * docs/schema.md documents the schema; keep the two in step, and never change
 * a released migration: add a new one. */
#include "store_private.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* PRAGMA application_id: "DXTW", marks the file as ours. */
#define STORE_APPLICATION_ID 0x44585457

/* migrations[n] takes a database from user_version n to n + 1.  All pending
 * steps run in one transaction together with the new user_version. */
static const char *const migrations[] = {
    /* 0 -> 1: the first schema */
    "PRAGMA application_id = 1146639447;" /* STORE_APPLICATION_ID */
    "CREATE TABLE incidents ("
    " id INTEGER PRIMARY KEY,"
    " subject TEXT NOT NULL,"
    " subject_rank INTEGER NOT NULL DEFAULT 0,"
    " input TEXT,"
    " first_seen TEXT,"
    " last_seen TEXT,"
    " first_seen_us INTEGER,"
    " last_seen_us INTEGER,"
    " first_line INTEGER,"
    " last_line INTEGER,"
    " severity TEXT NOT NULL,"
    " severity_level INTEGER NOT NULL,"
    " classes TEXT NOT NULL DEFAULT '[]',"
    " root_rule TEXT,"
    " root_class TEXT,"
    " root_summary TEXT,"
    " root_priority INTEGER,"
    " root_event_key INTEGER,"
    " finding_count INTEGER NOT NULL,"
    " created_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL,"
    " first_time_kind INTEGER NOT NULL DEFAULT 0,"
    " first_time_us INTEGER,"
    " first_time_offset_min INTEGER,"
    " first_time_frac_digits INTEGER NOT NULL DEFAULT 0,"
    " last_time_kind INTEGER NOT NULL DEFAULT 0,"
    " last_time_us INTEGER,"
    " last_time_offset_min INTEGER,"
    " last_time_frac_digits INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX incidents_by_last_seen ON incidents(last_seen_us);"
    "CREATE INDEX incidents_by_subject ON incidents(subject);"
    "CREATE TABLE findings ("
    " id INTEGER PRIMARY KEY,"
    " incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    " event_key INTEGER NOT NULL UNIQUE,"
    " rule TEXT,"
    " class TEXT,"
    " severity TEXT NOT NULL,"
    " severity_level INTEGER NOT NULL,"
    " priority INTEGER NOT NULL,"
    " summary TEXT,"
    " remediation TEXT,"
    " input TEXT,"
    " line INTEGER,"
    " timestamp TEXT,"
    " time_kind INTEGER NOT NULL,"
    " time_us INTEGER,"
    " offset_min INTEGER,"
    " frac_digits INTEGER NOT NULL,"
    " time_text TEXT,"
    " process TEXT,"
    " pid INTEGER,"
    " tid INTEGER,"
    " level TEXT,"
    " subsystem TEXT,"
    " category TEXT,"
    " sender TEXT,"
    " message TEXT,"
    " raw TEXT,"
    " captures TEXT NOT NULL DEFAULT '{}',"
    " decoded TEXT NOT NULL DEFAULT '[]',"
    " keys TEXT NOT NULL DEFAULT '[]');"
    "CREATE INDEX findings_by_incident ON findings(incident_id, time_kind, time_us, line);"
    "CREATE TABLE remedies ("
    " incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    " rule TEXT NOT NULL,"
    " text TEXT NOT NULL,"
    " ord INTEGER NOT NULL,"
    " PRIMARY KEY (incident_id, rule));"
    "CREATE TABLE incident_keys ("
    " incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    " key TEXT NOT NULL,"
    " ord INTEGER NOT NULL,"
    " PRIMARY KEY (incident_id, key));"
    "CREATE INDEX incident_keys_by_key ON incident_keys(key);"
    "CREATE TABLE rule_packs ("
    " name TEXT PRIMARY KEY,"
    " path TEXT,"
    " hash TEXT NOT NULL,"
    " rule_count INTEGER NOT NULL,"
    " recorded_at TEXT NOT NULL);"
    "CREATE TABLE rules ("
    " id TEXT PRIMARY KEY,"
    " pack TEXT NOT NULL REFERENCES rule_packs(name) ON DELETE CASCADE,"
    " class TEXT,"
    " severity TEXT,"
    " priority INTEGER);"
    "CREATE INDEX rules_by_pack ON rules(pack);"
    "CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    /* 1 -> 2: the forwarding outbox (collector/outbox.c, docs/schema.md) */
    "CREATE TABLE outbox ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " destination TEXT NOT NULL,"
    " incident_id INTEGER NOT NULL,"
    " version INTEGER NOT NULL,"
    " event TEXT NOT NULL,"
    " created_at TEXT NOT NULL,"
    " head TEXT NOT NULL,"
    " body TEXT NOT NULL);"
    "CREATE INDEX outbox_by_destination ON outbox(destination, id);"
    "CREATE TABLE outbox_destinations ("
    " destination TEXT PRIMARY KEY,"
    " queued INTEGER NOT NULL DEFAULT 0,"
    " sent INTEGER NOT NULL DEFAULT 0,"
    " dropped INTEGER NOT NULL DEFAULT 0,"
    " last_sent_at TEXT,"
    " last_error TEXT,"
    " last_error_at TEXT);"
    "CREATE TABLE outbox_versions ("
    " incident_id INTEGER PRIMARY KEY,"
    " version INTEGER NOT NULL);",
    /* 2 -> 3: incidents per class and hour of last_seen, kept by triggers so
     * every path that writes incidents keeps it right (collector/store_stats.c) */
    "CREATE TABLE class_hours ("
    " class TEXT NOT NULL,"
    " hour INTEGER NOT NULL," /* last_seen_us / 3600e6, or -1 without a calendar time */
    " n INTEGER NOT NULL,"
    " PRIMARY KEY (class, hour)) WITHOUT ROWID;"
    "INSERT INTO class_hours (class, hour, n)"
    " SELECT j.value, coalesce(i.last_seen_us / 3600000000, -1), count(*)"
    " FROM incidents AS i, json_each(i.classes) AS j GROUP BY 1, 2;"
    "CREATE TRIGGER class_hours_insert AFTER INSERT ON incidents BEGIN"
    " INSERT INTO class_hours (class, hour, n)"
    "  SELECT value, coalesce(NEW.last_seen_us / 3600000000, -1), 1 FROM json_each(NEW.classes)"
    "  WHERE true ON CONFLICT (class, hour) DO UPDATE SET n = n + 1;"
    " END;"
    "CREATE TRIGGER class_hours_delete AFTER DELETE ON incidents BEGIN"
    " UPDATE class_hours SET n = n - 1 WHERE hour = coalesce(OLD.last_seen_us / 3600000000, -1)"
    "  AND class IN (SELECT value FROM json_each(OLD.classes));"
    " DELETE FROM class_hours WHERE class IN (SELECT value FROM json_each(OLD.classes))"
    "  AND hour = coalesce(OLD.last_seen_us / 3600000000, -1) AND n <= 0;"
    " END;"
    "CREATE TRIGGER class_hours_update AFTER UPDATE OF classes, last_seen_us ON incidents BEGIN"
    " UPDATE class_hours SET n = n - 1 WHERE hour = coalesce(OLD.last_seen_us / 3600000000, -1)"
    "  AND class IN (SELECT value FROM json_each(OLD.classes));"
    " INSERT INTO class_hours (class, hour, n)"
    "  SELECT value, coalesce(NEW.last_seen_us / 3600000000, -1), 1 FROM json_each(NEW.classes)"
    "  WHERE true ON CONFLICT (class, hour) DO UPDATE SET n = n + 1;"
    " DELETE FROM class_hours WHERE class IN (SELECT value FROM json_each(OLD.classes))"
    "  AND hour = coalesce(OLD.last_seen_us / 3600000000, -1) AND n <= 0;"
    " END;",
};

#define STORE_MIGRATIONS (sizeof migrations / sizeof migrations[0])
_Static_assert(STORE_MIGRATIONS == DW_STORE_SCHEMA_VERSION, "one migration per schema version");

#define INCIDENT_COLUMNS                                                                           \
    "id, subject, subject_rank, input, first_seen, last_seen, first_line, last_line,"              \
    " severity_level, classes, root_rule, root_class, root_summary, root_priority,"                \
    " root_event_key, finding_count, first_time_kind, first_time_us, first_time_offset_min,"       \
    " first_time_frac_digits, last_time_kind, last_time_us, last_time_offset_min,"                 \
    " last_time_frac_digits"

#define FINDING_COLUMNS                                                                            \
    "event_key, rule, class, severity_level, priority, summary, remediation, input, line,"         \
    " time_kind, time_us, offset_min, frac_digits, time_text, process, pid, tid, level,"           \
    " subsystem, category, sender, message, raw, captures, decoded, keys"

/* The recent query: filters use our own glob functions (the same
 * case-insensitive fnmatch semantics as everywhere else in dextwatch), the
 * order is served by incidents_by_last_seen (DESC puts NULL last), and only
 * ids and times are read: store_load.c orders by the instant (a time without
 * offset is local time), which lies within DW_TIME_OFFSET_MAX_MIN of the
 * stored value, and stops reading once no later row can come before. */
#define RECENT_FILTER                                                                              \
    " (?1 IS NULL OR dw_classes_glob(?1, classes)) AND (?2 IS NULL OR dw_glob(?2, subject))"       \
    " ORDER BY last_seen_us DESC, id DESC"
#define RECENT_COLUMNS "SELECT id, last_seen_us, last_time_offset_min IS NOT NULL FROM incidents"

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_BEGIN_READ] = "BEGIN",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT dw_save",
    [ST_RELEASE] = "RELEASE dw_save",
    [ST_ROLLBACK_TO] = "ROLLBACK TO dw_save",
    [ST_FINDING_OWNER] = "SELECT incident_id FROM findings WHERE event_key = ?1",
    [ST_INCIDENT_SELECT] = "SELECT " INCIDENT_COLUMNS " FROM incidents WHERE id = ?1",
    /* an id is never given twice, even after its incident was merged away or
     * pruned: above both the highest row and the highest id ever given */
    [ST_INCIDENT_INSERT] =
        "INSERT INTO incidents (id, subject, subject_rank, input, first_seen, last_seen,"
        " first_seen_us, last_seen_us, first_line, last_line, severity, severity_level, classes,"
        " root_rule, root_class, root_summary, root_priority, root_event_key, finding_count,"
        " created_at, updated_at, first_time_kind, first_time_us, first_time_offset_min,"
        " first_time_frac_digits, last_time_kind, last_time_us, last_time_offset_min,"
        " last_time_frac_digits) VALUES (1 + max(coalesce((SELECT max(id) FROM incidents), 0),"
        " coalesce((SELECT CAST(value AS INTEGER) FROM state WHERE key = '" STORE_ID_HIGH "'), 0)),"
        " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
        " ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)",
    [ST_INCIDENT_UPDATE] =
        "UPDATE incidents SET subject = ?2, subject_rank = ?3, input = ?4, first_seen = ?5,"
        " last_seen = ?6, first_seen_us = ?7, last_seen_us = ?8, first_line = ?9,"
        " last_line = ?10, severity = ?11, severity_level = ?12, classes = ?13,"
        " root_rule = ?14, root_class = ?15, root_summary = ?16, root_priority = ?17,"
        " root_event_key = ?18, finding_count = ?19, updated_at = ?20,"
        " first_time_kind = ?21, first_time_us = ?22, first_time_offset_min = ?23,"
        " first_time_frac_digits = ?24, last_time_kind = ?25, last_time_us = ?26,"
        " last_time_offset_min = ?27, last_time_frac_digits = ?28"
        " WHERE id = ?1 AND (subject IS NOT ?2 OR subject_rank IS NOT ?3 OR input IS NOT ?4"
        " OR first_seen IS NOT ?5 OR last_seen IS NOT ?6 OR first_seen_us IS NOT ?7"
        " OR last_seen_us IS NOT ?8 OR first_line IS NOT ?9 OR last_line IS NOT ?10"
        " OR severity IS NOT ?11 OR severity_level IS NOT ?12 OR classes IS NOT ?13"
        " OR root_rule IS NOT ?14 OR root_class IS NOT ?15 OR root_summary IS NOT ?16"
        " OR root_priority IS NOT ?17 OR root_event_key IS NOT ?18 OR finding_count IS NOT ?19"
        " OR first_time_kind IS NOT ?21 OR first_time_us IS NOT ?22"
        " OR first_time_offset_min IS NOT ?23 OR first_time_frac_digits IS NOT ?24"
        " OR last_time_kind IS NOT ?25 OR last_time_us IS NOT ?26"
        " OR last_time_offset_min IS NOT ?27 OR last_time_frac_digits IS NOT ?28)",
    [ST_INCIDENT_DELETE] = "DELETE FROM incidents WHERE id = ?1",
    [ST_FINDING_UPSERT] =
        "INSERT INTO findings (incident_id, event_key, rule, class, severity, severity_level,"
        " priority, summary, remediation, input, line, timestamp, time_kind, time_us,"
        " offset_min, frac_digits, time_text, process, pid, tid, level, subsystem, category,"
        " sender, message, raw, captures, decoded, keys) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
        " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24,"
        " ?25, ?26, ?27, ?28, ?29)"
        " ON CONFLICT (event_key) DO UPDATE SET incident_id = excluded.incident_id",
    [ST_FINDING_TRIM] = "DELETE FROM findings WHERE incident_id = ?1 AND event_key IS NOT ?2"
                        " AND id NOT IN (SELECT id FROM findings WHERE incident_id = ?1"
                        " ORDER BY " STORE_FINDING_ORDER " LIMIT ?3)"
                        " AND id NOT IN (SELECT id FROM findings WHERE incident_id = ?1"
                        " ORDER BY " STORE_FINDING_ORDER_DESC " LIMIT ?4)",
    [ST_FINDINGS_SELECT] = "SELECT " FINDING_COLUMNS " FROM findings WHERE incident_id = ?1"
                           " ORDER BY " STORE_FINDING_ORDER,
    [ST_REMEDY_INSERT] =
        "INSERT INTO remedies (incident_id, rule, text, ord) VALUES (?1, ?2, ?3,"
        " (SELECT count(*) FROM remedies WHERE incident_id = ?1)) ON CONFLICT DO NOTHING",
    [ST_REMEDIES_SELECT] = "SELECT rule, text FROM remedies WHERE incident_id = ?1 ORDER BY ord",
    [ST_KEY_INSERT] =
        "INSERT INTO incident_keys (incident_id, key, ord) VALUES (?1, ?2,"
        " (SELECT count(*) FROM incident_keys WHERE incident_id = ?1)) ON CONFLICT DO NOTHING",
    [ST_KEYS_SELECT] = "SELECT key FROM incident_keys WHERE incident_id = ?1 ORDER BY ord",
    [ST_RECENT] = RECENT_COLUMNS " WHERE" RECENT_FILTER,
    [ST_RECENT_SINCE] = RECENT_COLUMNS " WHERE last_seen_us >= ?3 AND" RECENT_FILTER,
    [ST_STATE_SET] = "INSERT INTO state (key, value) VALUES (?1, ?2)"
                     " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [ST_STATE_DELETE] = "DELETE FROM state WHERE key = ?1",
    [ST_STATE_GET] = "SELECT value FROM state WHERE key = ?1",
    [ST_PACK_UPSERT] =
        "INSERT INTO rule_packs (name, path, hash, rule_count, recorded_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET path = excluded.path,"
        " hash = excluded.hash, rule_count = excluded.rule_count,"
        " recorded_at = excluded.recorded_at WHERE path IS NOT excluded.path"
        " OR hash IS NOT excluded.hash OR rule_count IS NOT excluded.rule_count",
    [ST_PACK_RULES_DELETE] = "DELETE FROM rules WHERE pack = ?1",
    [ST_RULE_INSERT] = "INSERT OR REPLACE INTO rules (id, pack, class, severity, priority)"
                       " VALUES (?1, ?2, ?3, ?4, ?5)",
};

void store_fail(struct dw_store *s, struct dw_errors *err, const char *what)
{
    dw_errors_add(err, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

void store_reset(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

int store_exec(struct dw_store *s, enum store_stmt id, const char *what, struct dw_errors *err)
{
    sqlite3_stmt *st = s->st[id];
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        store_fail(s, err, what);
        store_reset(st);
        return -1;
    }
    store_reset(st);
    return 0;
}

int store_bind_text(struct dw_store *s, sqlite3_stmt *st, int idx, const char *text)
{
    if (!text)
        return sqlite3_bind_null(st, idx);
    buf_reset(&s->text);
    dw_utf8_sanitize(&s->text, text, strlen(text));
    return sqlite3_bind_text(st, idx, buf_cstr(&s->text), (int)s->text.len, SQLITE_TRANSIENT);
}

char *store_column_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? xstrdup((const char *)t) : NULL;
}

void store_now_iso(char out[32])
{
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "1970-01-01T00:00:00Z");
}

int store_tx_enter(struct dw_store *s, enum store_tx *tx, struct dw_errors *err)
{
    *tx = TX_NONE;
    bool outside = sqlite3_get_autocommit(s->db) != 0;
    if (store_exec(s, outside ? ST_BEGIN : ST_SAVEPOINT, "cannot start a transaction", err) < 0)
        return -1;
    *tx = outside ? TX_OWN : TX_SAVEPOINT;
    return 0;
}

int store_tx_leave(struct dw_store *s, enum store_tx tx, bool ok, struct dw_errors *err)
{
    if (tx == TX_NONE)
        return ok ? 0 : -1;
    /* SQLite may already have rolled the whole transaction back on a full
     * disk or I/O error; then there is nothing left to undo. */
    bool open = sqlite3_get_autocommit(s->db) == 0;
    if (ok) {
        if (store_exec(s, tx == TX_OWN ? ST_COMMIT : ST_RELEASE, "cannot commit", err) == 0)
            return 0;
        if (tx == TX_OWN)
            store_rollback(s);
        return -1;
    }
    if (!open)
        return -1;
    if (tx == TX_OWN) {
        sqlite3_step(s->st[ST_ROLLBACK]);
        store_reset(s->st[ST_ROLLBACK]);
    } else {
        sqlite3_step(s->st[ST_ROLLBACK_TO]);
        store_reset(s->st[ST_ROLLBACK_TO]);
        sqlite3_step(s->st[ST_RELEASE]);
        store_reset(s->st[ST_RELEASE]);
    }
    return -1;
}

/* SQL function dw_glob(pattern, text): dw_glob_match, NULL text never matches. */
static void sql_glob(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *pat = sqlite3_value_text(argv[0]);
    const unsigned char *text = sqlite3_value_text(argv[1]);
    sqlite3_result_int(ctx, pat && text && dw_glob_match((const char *)pat, (const char *)text));
}

/* SQL function dw_classes_glob(pattern, classes): whether any string of the
 * JSON array `classes` matches the glob. */
static void sql_classes_glob(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *pat = sqlite3_value_text(argv[0]);
    const unsigned char *text = sqlite3_value_text(argv[1]);
    int match = 0;
    json_t *arr = pat && text ? json_loads((const char *)text, 0, NULL) : NULL;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && dw_glob_match((const char *)pat, json_string_value(v))) {
            match = 1;
            break;
        }
    }
    json_decref(arr);
    sqlite3_result_int(ctx, match);
}

/* Runs one pragma or statement without data; 0 or -1 (reported). */
static int exec_sql(struct dw_store *s, const char *sql, const char *what, struct dw_errors *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        dw_errors_add(err, "%s: %s: %s", s->path, what, msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Reads an integer pragma (user_version, application_id); -1 on error. */
static int pragma_int(struct dw_store *s, const char *sql, int64_t *out, struct dw_errors *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        store_fail(s, err, "cannot read the database header");
        sqlite3_finalize(st);
        return -1;
    }
    *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return 0;
}

/* Refuses a file whose header dextwatch did not write, before anything
 * (the switch to WAL included) changes it.  Every version we ever wrote is
 * 1..DW_STORE_SCHEMA_VERSION or newer, always with our application id
 * (migration 0 sets it); 0 with no id is an empty file we may take over.
 * Anything else (a negative version would index migrations[] out of bounds)
 * is "not a dextwatch database". */
static int schema_check_ours(struct dw_store *s, struct dw_errors *err)
{
    int64_t version, app_id;
    if (pragma_int(s, "PRAGMA application_id", &app_id, err) < 0 ||
        pragma_int(s, "PRAGMA user_version", &version, err) < 0)
        return -1;
    if (app_id != 0 && app_id != STORE_APPLICATION_ID) {
        dw_errors_add(err, "%s: not a dextwatch database (application id %lld)", s->path,
                      (long long)app_id);
        return -1;
    }
    if (version < 0 || (version > 0 && app_id != STORE_APPLICATION_ID)) {
        dw_errors_add(err, "%s: not a dextwatch database (schema version %lld%s)", s->path,
                      (long long)version, app_id ? "" : " without its application id");
        return -1;
    }
    return 0;
}

/* Brings the schema to DW_STORE_SCHEMA_VERSION inside one IMMEDIATE
 * transaction (re-reading the version inside it, in case another process
 * migrated meanwhile).  Refuses a newer version; schema_check_ours has
 * refused foreign files already. */
static int schema_migrate(struct dw_store *s, struct dw_errors *err)
{
    int64_t version, tables;
    bool writing = s->mode == DW_STORE_WRITE;
    if (writing && exec_sql(s, "BEGIN IMMEDIATE", "cannot start a transaction", err) < 0)
        return -1;
    if (pragma_int(s, "PRAGMA user_version", &version, err) < 0)
        goto fail;
    if (version < 0) { /* changed since schema_check_ours: still not ours */
        dw_errors_add(err, "%s: not a dextwatch database (schema version %lld)", s->path,
                      (long long)version);
        goto fail;
    }
    if (version > DW_STORE_SCHEMA_VERSION) {
        dw_errors_add(err,
                      "%s: database schema version %lld is newer than this dextwatch supports "
                      "(%d); upgrade dextwatch",
                      s->path, (long long)version, DW_STORE_SCHEMA_VERSION);
        goto fail;
    }
    if (version == DW_STORE_SCHEMA_VERSION) {
        if (writing && exec_sql(s, "COMMIT", "cannot commit", err) < 0)
            goto fail;
        return 0;
    }
    if (!writing && access(s->path, W_OK) == 0) {
        s->older_schema = true; /* store_open migrates it, then reads */
        return -1;
    }
    if (!writing) {
        dw_errors_add(err,
                      "%s: database schema version %lld is older than this dextwatch expects "
                      "(%d); run dextwatch scan to upgrade it",
                      s->path, (long long)version, DW_STORE_SCHEMA_VERSION);
        return -1;
    }
    if (version == 0) {
        if (pragma_int(s, "SELECT count(*) FROM sqlite_master", &tables, err) < 0)
            goto fail;
        if (tables > 0) {
            dw_errors_add(err, "%s: not a dextwatch database (it has tables but no schema version)",
                          s->path);
            goto fail;
        }
    }
    for (int64_t v = version; v < DW_STORE_SCHEMA_VERSION; v++) {
        char what[96];
        snprintf(what, sizeof what, "schema migration %lld to %lld failed", (long long)v,
                 (long long)v + 1);
        if (exec_sql(s, migrations[v], what, err) < 0)
            goto fail;
    }
    char set_version[64];
    snprintf(set_version, sizeof set_version, "PRAGMA user_version = %d", DW_STORE_SCHEMA_VERSION);
    if (exec_sql(s, set_version, "cannot set the schema version", err) < 0 ||
        exec_sql(s, "COMMIT", "cannot commit the schema migration", err) < 0)
        goto fail;
    return 0;
fail:
    if (writing && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* mkdir -p for the directory part of path; new directories get mode 0700. */
static int make_parent_dirs(const char *path, struct dw_errors *err)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    int rc = 0;
    if (!slash || slash == dir) {
        free(dir);
        return 0;
    }
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        bool end = *p == '\0';
        if (*p != '/' && !end)
            continue;
        *p = '\0';
        struct stat st;
        if (stat(dir, &st) != 0) {
            if (errno != ENOENT || (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
                dw_errors_add(err, "%s: cannot create directory %s: %s", path, dir,
                              strerror(errno));
                rc = -1;
                break;
            }
        } else if (!S_ISDIR(st.st_mode)) {
            dw_errors_add(err, "%s: cannot create directory %s: it is not a directory", path, dir);
            rc = -1;
            break;
        }
        if (end)
            break;
        *p = '/';
    }
    free(dir);
    return rc;
}

/* Creates the database file user-only (0600) if it does not exist yet;
 * SQLite gives its -wal and -shm files the same mode as the database. */
static int create_file(const char *path, struct dw_errors *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        dw_errors_add(err, "%s: cannot create the database: %s", path, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

/* Connection settings, custom functions and prepared statements. */
static int store_setup(struct dw_store *s, struct dw_errors *err)
{
    sqlite3_extended_result_codes(s->db, 1);
    /* a scan holds the write lock for a whole input (one transaction), which
     * on a big log takes seconds: a second writer (watch, another scan)
     * waits for it rather than fail (watch stops on a failed commit) */
    sqlite3_busy_timeout(s->db, 60000);
    if (exec_sql(s, "PRAGMA foreign_keys = ON", "cannot enable foreign keys", err) < 0 ||
        schema_check_ours(s, err) < 0)
        return -1;
    if (s->mode == DW_STORE_WRITE &&
        (exec_sql(s, "PRAGMA journal_mode = WAL", "cannot switch to WAL", err) < 0 ||
         exec_sql(s, "PRAGMA synchronous = NORMAL", "cannot set synchronous", err) < 0))
        return -1;
    if (schema_migrate(s, err) < 0)
        return -1;
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
    if (sqlite3_create_function(s->db, "dw_glob", 2, flags, NULL, sql_glob, NULL, NULL) !=
            SQLITE_OK ||
        sqlite3_create_function(s->db, "dw_classes_glob", 2, flags, NULL, sql_classes_glob, NULL,
                                NULL) != SQLITE_OK) {
        store_fail(s, err, "cannot register SQL functions");
        return -1;
    }
    for (int i = 0; i < ST_COUNT; i++) {
        if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
                               NULL) != SQLITE_OK) {
            store_fail(s, err, "cannot prepare a statement");
            return -1;
        }
    }
    return 0;
}

struct dw_store *store_open(const char *path, enum dw_store_mode mode, struct dw_errors *err)
{
    struct stat st;
    if (mode == DW_STORE_READ && stat(path, &st) != 0) {
        if (errno == ENOENT)
            dw_errors_add(err, "%s: no such database (run dextwatch scan first)", path);
        else
            dw_errors_add(err, "%s: cannot open the database: %s", path, strerror(errno));
        return NULL;
    }
    if (mode == DW_STORE_WRITE && stat(path, &st) != 0 &&
        (make_parent_dirs(path, err) < 0 || create_file(path, err) < 0))
        return NULL;

    struct dw_store *s = xcalloc(1, sizeof *s);
    s->path = xstrdup(path);
    s->mode = mode;
    int flags = mode == DW_STORE_READ ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        if (s->db)
            store_fail(s, err, "cannot open the database");
        else
            dw_errors_add(err, "%s: cannot open the database: out of memory", path);
        store_close(s);
        return NULL;
    }
    if (store_setup(s, err) < 0) {
        bool migrate = s->older_schema;
        store_close(s);
        if (!migrate)
            return NULL;
        /* a reader of an older database it may write migrates it first, so
         * `recent` keeps working right after an upgrade */
        struct dw_store *w = store_open(path, DW_STORE_WRITE, err);
        if (!w)
            return NULL;
        store_close(w);
        return store_open(path, DW_STORE_READ, err);
    }
    return s;
}

void store_close(struct dw_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    if (s->db && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(s->db);
    buf_free(&s->text);
    free(s->path);
    free(s);
}

const char *store_path(const struct dw_store *s)
{
    return s->path;
}

void store_keep_wal(struct dw_store *s)
{
    int on = 1;
    sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &on);
}

int store_begin(struct dw_store *s, struct dw_errors *err)
{
    return store_exec(s, ST_BEGIN, "cannot start a transaction", err);
}

int store_commit(struct dw_store *s, struct dw_errors *err)
{
    if (store_exec(s, ST_COMMIT, "cannot commit", err) == 0)
        return 0;
    /* a failed COMMIT (disk full, busy) leaves the transaction open: undo it
     * so the connection stays usable and nothing half-written remains */
    store_rollback(s);
    return -1;
}

int store_rollback(struct dw_store *s)
{
    if (sqlite3_get_autocommit(s->db))
        return 0;
    int rc = sqlite3_step(s->st[ST_ROLLBACK]);
    store_reset(s->st[ST_ROLLBACK]);
    return rc == SQLITE_DONE ? 0 : -1;
}
