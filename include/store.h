/* store.h - incidents in SQLite.
 *
 * One file, WAL mode, busy timeout, schema version in PRAGMA user_version with
 * forward migrations (a newer version is refused).  Statements are prepared
 * once.  Log text is always bound as a parameter, never spliced into SQL.
 * Writes go inside store_begin/store_commit so a caller can batch them.
 *
 * Idempotence: each finding carries finding_event_key(); the findings table
 * keeps it UNIQUE.  store_incident_save() of an incident with id 0 whose
 * findings are already stored (same input scanned twice, or overlap after a
 * restart) attaches to the stored incident instead of creating a new one, so a
 * second scan adds nothing.
 *
 * This header's sections follow the files; the aggregates (store_stats.h),
 * retention (store_prune.h) and the forwarding outbox (outbox.h) have their
 * own headers. */
#ifndef DW_STORE_H
#define DW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "incident.h"
#include "util.h"

#define DW_STORE_SCHEMA_VERSION 3

/* ---- open, close, transactions (collector/store_schema.c) ---- */

enum dw_store_mode { DW_STORE_READ, DW_STORE_WRITE };

struct dw_store;

/* Opens (WRITE: creating the file and its directory, user-only permissions)
 * and migrates.  NULL with a message in err ("path: reason"). */
struct dw_store *store_open(const char *path, enum dw_store_mode mode, struct dw_errors *err);
void store_close(struct dw_store *s);
const char *store_path(const struct dw_store *s);
/* Keeps the -wal and -shm files when the last connection closes (SQLite's
 * SQLITE_FCNTL_PERSIST_WAL), so that a reader without write access to the
 * directory (the daemon's group-readable DB) can still open the DB. */
void store_keep_wal(struct dw_store *s);

int store_begin(struct dw_store *s, struct dw_errors *err);
int store_commit(struct dw_store *s, struct dw_errors *err);
int store_rollback(struct dw_store *s);

/* ---- saving incidents, state, rule packs (collector/store.c) ---- */

/* Inserts or updates inc (sets inc->id) and its findings, classes and
 * remediation.  *created tells whether a new incident row was made (false when
 * it already existed, including a match by findings' event keys).
 * *added_findings counts findings not stored before.  0 ok, -1 error. */
int store_incident_save(struct dw_store *s, struct dw_incident *inc, bool *created,
                        size_t *added_findings, struct dw_errors *err);
/* Whether a finding with f's event key is stored (in any incident); a
 * failed lookup is an error with its reason in err, not a "no". */
enum dw_stored { DW_STORED_NO, DW_STORED_YES, DW_STORED_ERROR };
enum dw_stored store_finding_stored(struct dw_store *s, const struct dw_finding *f,
                                    struct dw_errors *err);
/* Removes an incident and its findings (after a merge). */
int store_incident_delete(struct dw_store *s, int64_t id, struct dw_errors *err);

/* The rule packs in use, as the store records them: a plain list (catalog.h
 * builds it from a rule set; the store knows nothing of rules). */
struct dw_store_rule {
    const char *id;
    const char *class_name;
    int severity; /* dw_severity_name() gives its name */
    int priority;
};
struct dw_store_pack {
    const char *name;
    const char *path;
    uint64_t hash; /* of the pack's content: an unchanged pack is not rewritten */
    const struct dw_store_rule *rules;
    size_t nrules;
};
/* Records the packs (name, path, content hash) and, for a pack new or
 * changed since it was recorded, its rules.  Atomic.  0 or -1. */
int store_record_rules(struct dw_store *s, const struct dw_store_pack *packs, size_t npacks,
                       struct dw_errors *err);

/* Key/value state (e.g. watch position). value NULL when absent. */
int store_state_set(struct dw_store *s, const char *key, const char *value, struct dw_errors *err);
int store_state_get(struct dw_store *s, const char *key, char **value, struct dw_errors *err);

/* ---- loading incidents (collector/store_load.c) ---- */

struct dw_query {
    bool has_since;
    int64_t since_us;         /* last_seen >= since_us (log time, dw_time.us of DATE) */
    const char *class_glob;   /* any class matches; NULL = all */
    const char *subject_glob; /* NULL = all */
    long limit;               /* <= 0: no limit */
};

/* Incidents matching q, newest last_seen first, fully loaded (evidence,
 * remedies, captures, decoded codes).  *out is an array the caller frees
 * with store_incidents_free. */
int store_recent(struct dw_store *s, const struct dw_query *q, struct dw_incident ***out, size_t *n,
                 struct dw_errors *err);
/* One incident by id; *out NULL when not found (returns 0). */
int store_get(struct dw_store *s, int64_t id, struct dw_incident **out, struct dw_errors *err);
void store_incidents_free(struct dw_incident **v, size_t n);

#endif
