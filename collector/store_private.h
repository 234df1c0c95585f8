/* store_private.h - shared between the store's files: store_schema.c (open,
 * migrations, statements, transactions and the helpers below), store.c
 * (saving and deleting incidents, state, rule packs), store_load.c (loading
 * and querying), store_prune.c, store_stats.c and outbox.c (their own
 * statements over the same connection).  Not a public interface;
 * docs/schema.md documents the database itself. */
#ifndef DW_STORE_PRIVATE_H
#define DW_STORE_PRIVATE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "util.h"

/* Every statement the store runs, prepared once by store_open. */
enum store_stmt {
    ST_BEGIN,
    ST_BEGIN_READ,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_ROLLBACK_TO,
    ST_FINDING_OWNER,   /* event_key -> incident_id */
    ST_INCIDENT_SELECT, /* id -> summary row */
    ST_INCIDENT_INSERT,
    ST_INCIDENT_UPDATE, /* only when a column differs */
    ST_INCIDENT_DELETE,
    ST_FINDING_UPSERT,
    ST_FINDING_TRIM,
    ST_FINDINGS_SELECT, /* incident_id -> findings in log order */
    ST_REMEDY_INSERT,
    ST_REMEDIES_SELECT,
    ST_KEY_INSERT,
    ST_KEYS_SELECT,
    ST_RECENT, /* without since */
    ST_RECENT_SINCE,
    ST_STATE_SET,
    ST_STATE_DELETE,
    ST_STATE_GET,
    ST_PACK_UPSERT,
    ST_PACK_RULES_DELETE,
    ST_RULE_INSERT,
    ST_COUNT
};

struct dw_store {
    sqlite3 *db;
    char *path;
    enum dw_store_mode mode;
    sqlite3_stmt *st[ST_COUNT];
    struct dw_buf text; /* scratch for sanitised text before binding */
    bool older_schema;  /* READ found an older schema in a file we may write */
};

/* Columns of incidents in the order ST_INCIDENT_SELECT returns them. */
enum incident_col {
    IC_ID,
    IC_SUBJECT,
    IC_SUBJECT_RANK,
    IC_INPUT,
    IC_FIRST_SEEN,
    IC_LAST_SEEN,
    IC_FIRST_LINE,
    IC_LAST_LINE,
    IC_SEVERITY_LEVEL,
    IC_CLASSES,
    IC_ROOT_RULE,
    IC_ROOT_CLASS,
    IC_ROOT_SUMMARY,
    IC_ROOT_PRIORITY,
    IC_ROOT_EVENT_KEY,
    IC_FINDING_COUNT,
    IC_FIRST_TIME_KIND,
    IC_FIRST_TIME_US,
    IC_FIRST_TIME_OFFSET,
    IC_FIRST_TIME_FRAC,
    IC_LAST_TIME_KIND,
    IC_LAST_TIME_US,
    IC_LAST_TIME_OFFSET,
    IC_LAST_TIME_FRAC,
};

/* Columns of findings in the order ST_FINDINGS_SELECT returns them. */
enum finding_col {
    FC_EVENT_KEY,
    FC_RULE,
    FC_CLASS,
    FC_SEVERITY_LEVEL,
    FC_PRIORITY,
    FC_SUMMARY,
    FC_REMEDIATION,
    FC_INPUT,
    FC_LINE,
    FC_TIME_KIND,
    FC_TIME_US,
    FC_OFFSET_MIN,
    FC_FRAC_DIGITS,
    FC_TIME_TEXT,
    FC_PROCESS,
    FC_PID,
    FC_TID,
    FC_LEVEL,
    FC_SUBSYSTEM,
    FC_CATEGORY,
    FC_SENDER,
    FC_MESSAGE,
    FC_RAW,
    FC_CAPTURES,
    FC_DECODED,
    FC_KEYS,
};

/* An incident's summary row, owned strings; used to merge on save. */
struct store_row {
    int64_t id;
    char *subject;
    int subject_rank;
    char *input;
    struct dw_time first, last;
    long first_line, last_line;
    int severity;
    char **classes;
    size_t nclasses;
    bool has_root;
    char *root_rule, *root_class, *root_summary;
    int root_priority;
    int64_t root_key;
    int64_t count;
};

/* Reads the summary row of incident id; 1 found, 0 absent, -1 error. */
int store_row_read(struct dw_store *s, int64_t id, struct store_row *row, struct dw_errors *err);
void store_row_clear(struct store_row *row);

/* Adds "path: what: sqlite message" to err. */
void store_fail(struct dw_store *s, struct dw_errors *err, const char *what);
/* Steps a statement that returns no rows, then resets it.  0 or -1 (reported). */
int store_exec(struct dw_store *s, enum store_stmt id, const char *what, struct dw_errors *err);
/* Resets a statement and clears its bindings for the next use. */
void store_reset(sqlite3_stmt *st);

/* Binds text sanitised to UTF-8 (NULL binds NULL). */
int store_bind_text(struct dw_store *s, sqlite3_stmt *st, int idx, const char *text);
/* Returns a new copy of a text column, NULL for SQL NULL. */
char *store_column_text(sqlite3_stmt *st, int col);

/* A write that must be atomic: BEGIN IMMEDIATE when no transaction is open,
 * else a SAVEPOINT inside the caller's.  tx_leave commits or undoes it. */
enum store_tx { TX_NONE, TX_OWN, TX_SAVEPOINT };
int store_tx_enter(struct dw_store *s, enum store_tx *tx, struct dw_errors *err);
int store_tx_leave(struct dw_store *s, enum store_tx tx, bool ok, struct dw_errors *err);

/* Current wall-clock time as "YYYY-MM-DDTHH:MM:SSZ". */
void store_now_iso(char out[32]);

/* Event keys are unsigned 64-bit; SQLite integers are signed: same bits. */
static inline int64_t store_key_to_db(uint64_t k)
{
    return (int64_t)k;
}

/* state key: the highest incident id ever given (ids are never reused) */
#define STORE_ID_HIGH "incident_id_high"
/* Sort order of evidence inside an incident: log time (within one kind of
 * time), then line, then insertion.  Used by the trim and the load. */
#define STORE_FINDING_ORDER "time_kind, time_us, line, id"
#define STORE_FINDING_ORDER_DESC "time_kind DESC, time_us DESC, line DESC, id DESC"

#endif
