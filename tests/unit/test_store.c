/* test_store.c - the SQLite incident store, on real database files in a
 * temporary directory: round trips, idempotence, attaching by event key,
 * merges, the evidence window, queries, schema versions, permissions and
 * failures (read-only location, full disk). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

#include "catalog.h"
#include "incident.h"
#include "rules.h"
#include "store.h"
#include "store_stats.h"
#include "util.h"

#define T0 INT64_C(1704110400000000) /* 2024-01-01T12:00:00Z */

struct fixture {
    char dir[64];
    char db[128];
};

/* rm -r of a test directory (regular files and directories only). */
static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[512];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            chmod(sub, 0700);
            remove_tree(sub);
        }
        closedir(d);
    }
    remove(path);
}

static int setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/dw-store-XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->db, sizeof fx->db, "%s/incidents.db", fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    chmod(fx->dir, 0700);
    remove_tree(fx->dir);
    free(fx);
    return 0;
}

/* A finding as the rules would make it, at T0 + us_offset seconds. */
static struct dw_finding *make_finding(const char *rule, const char *cls, int prio, long line,
                                       int64_t secs, const char *msg)
{
    struct dw_finding *f = xcalloc(1, sizeof *f);
    char iso[DW_TIME_ISO_MAX];
    f->rule_id = xstrdup(rule);
    f->class_name = xstrdup(cls);
    f->severity = DW_SEV_ERROR;
    f->priority = prio;
    f->summary = xstrdup("summary of it");
    f->remediation = xstrdup("fix it");
    f->input = xstrdup("sample.log");
    f->line = line;
    f->time.kind = DW_TIME_DATE;
    f->time.us = T0 + secs * 1000000 + 123456;
    f->time.has_offset = true;
    f->time.offset_min = -420;
    f->time.frac_digits = 6;
    dw_time_format(&f->time, iso);
    f->time_text = xstrdup(iso);
    f->process = xstrdup("kernelmanagerd");
    f->pid = 123;
    f->tid = UINT64_C(0xfffffffffffffff0); /* above INT64_MAX on purpose */
    f->has_tid = true;
    f->level = xstrdup("Error");
    f->subsystem = xstrdup("com.apple.sx");
    f->category = xstrdup("XPC");
    f->sender = xstrdup("/System/Library/X");
    f->message = xstrdup(msg);
    f->raw = xstrdup(msg);
    f->ncaps = 2;
    f->caps = xcalloc(2, sizeof *f->caps);
    f->caps[0].name = xstrdup("bundle");
    f->caps[0].value = xstrdup("com.example.driver");
    f->caps[1].name = xstrdup("code");
    f->caps[1].value = xstrdup("-67050");
    f->ndecoded = 1;
    f->decoded = xcalloc(1, sizeof *f->decoded);
    f->decoded[0].code = xstrdup("-67050");
    f->decoded[0].name = xstrdup("errSecCSReqFailed");
    f->decoded[0].meaning = xstrdup("code failed to satisfy its requirement");
    f->nkeys = 1;
    f->keys = xcalloc(1, sizeof *f->keys);
    f->keys[0] = xstrdup("bundle:com.example.driver");
    return f;
}

/* An incident of n findings, one second apart from start, one of them (at
 * root_at, or none if negative) with the highest priority. */
static struct dw_incident *make_incident(const char *tag, long n, int64_t start, long root_at)
{
    struct dw_incident *inc = incident_new();
    for (long i = 0; i < n; i++) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s finding %ld", tag, i);
        struct dw_finding *f =
            make_finding(i == root_at ? "dk.root" : "dk.other",
                         i == root_at ? "entitlement.provider-check" : "sysext.activation",
                         i == root_at ? 90 : 10, 100 + i, start + i, msg);
        incident_add(inc, f);
    }
    return inc;
}

static char *sanitized(const char *s)
{
    if (!s)
        return NULL;
    struct dw_buf b = {0};
    dw_utf8_sanitize(&b, s, strlen(s));
    return buf_steal(&b);
}

/* Strings equal after the store's UTF-8 sanitising of the original. */
static void assert_text(const char *orig, const char *loaded)
{
    if (!orig) {
        assert_null(loaded);
        return;
    }
    char *want = sanitized(orig);
    assert_non_null(loaded);
    assert_string_equal(want, loaded);
    free(want);
}

static void assert_time_equal(const struct dw_time *a, const struct dw_time *b)
{
    assert_int_equal(a->kind, b->kind);
    if (a->kind != DW_TIME_NONE)
        assert_int_equal(a->us, b->us);
    assert_int_equal(a->has_offset, b->has_offset);
    if (a->has_offset)
        assert_int_equal(a->offset_min, b->offset_min);
    assert_int_equal(a->frac_digits, b->frac_digits);
}

static void assert_finding_equal(const struct dw_finding *a, const struct dw_finding *b)
{
    assert_non_null(a);
    assert_non_null(b);
    assert_text(a->rule_id, b->rule_id);
    assert_text(a->class_name, b->class_name);
    assert_int_equal(a->severity, b->severity);
    assert_int_equal(a->priority, b->priority);
    assert_text(a->summary, b->summary);
    assert_text(a->remediation, b->remediation);
    assert_text(a->input, b->input);
    assert_int_equal(a->line, b->line);
    assert_time_equal(&a->time, &b->time);
    assert_text(a->time_text, b->time_text);
    assert_text(a->process, b->process);
    assert_int_equal(a->pid, b->pid);
    assert_int_equal(a->has_tid, b->has_tid);
    if (a->has_tid)
        assert_true(a->tid == b->tid);
    assert_text(a->level, b->level);
    assert_text(a->subsystem, b->subsystem);
    assert_text(a->category, b->category);
    assert_text(a->sender, b->sender);
    assert_text(a->message, b->message);
    assert_text(a->raw, b->raw);
    assert_int_equal(a->ncaps, b->ncaps);
    for (size_t i = 0; i < a->ncaps; i++) {
        assert_text(a->caps[i].name, b->caps[i].name);
        assert_text(a->caps[i].value, b->caps[i].value);
    }
    assert_int_equal(a->ndecoded, b->ndecoded);
    for (size_t i = 0; i < a->ndecoded; i++) {
        assert_text(a->decoded[i].code, b->decoded[i].code);
        assert_text(a->decoded[i].name, b->decoded[i].name);
        assert_text(a->decoded[i].meaning, b->decoded[i].meaning);
    }
    assert_int_equal(a->nkeys, b->nkeys);
    for (size_t i = 0; i < a->nkeys; i++)
        assert_text(a->keys[i], b->keys[i]);
}

static void assert_incident_equal(const struct dw_incident *a, const struct dw_incident *b)
{
    assert_int_equal(a->id, b->id);
    assert_text(a->subject, b->subject);
    assert_int_equal(a->subject_rank, b->subject_rank);
    assert_text(a->input, b->input);
    assert_time_equal(&a->first_seen, &b->first_seen);
    assert_time_equal(&a->last_seen, &b->last_seen);
    assert_text(a->first_seen_text, b->first_seen_text);
    assert_text(a->last_seen_text, b->last_seen_text);
    assert_int_equal(a->first_line, b->first_line);
    assert_int_equal(a->last_line, b->last_line);
    assert_int_equal(a->count, b->count);
    assert_int_equal(a->severity, b->severity);
    assert_int_equal(a->nclasses, b->nclasses);
    for (size_t i = 0; i < a->nclasses; i++)
        assert_text(a->classes[i], b->classes[i]);
    assert_finding_equal(a->root, b->root);
    assert_int_equal(a->nhead, b->nhead);
    assert_int_equal(incident_evidence_count(a), incident_evidence_count(b));
    for (size_t i = 0; i < incident_evidence_count(a); i++)
        assert_finding_equal(incident_evidence_at(a, i), incident_evidence_at(b, i));
    assert_int_equal(a->nremedies, b->nremedies);
    for (size_t i = 0; i < a->nremedies; i++) {
        assert_text(a->remedies[i].rule_id, b->remedies[i].rule_id);
        assert_text(a->remedies[i].text, b->remedies[i].text);
    }
    assert_int_equal(a->nkeys, b->nkeys);
    for (size_t i = 0; i < a->nkeys; i++)
        assert_text(a->keys[i], b->keys[i]);
    assert_false(b->dirty);
}

/* One integer from a query on a separate connection (as osquery would). */
static int64_t query_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static char *query_text(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char *v = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        v = xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void exec_raw(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static struct dw_store *open_ok(const char *path, enum dw_store_mode mode)
{
    struct dw_errors err = {0};
    struct dw_store *s = store_open(path, mode, &err);
    if (!s)
        fail_msg("store_open: %s", err.n ? err.msgs[0] : "?");
    dw_errors_clear(&err);
    return s;
}

static void save_ok(struct dw_store *s, struct dw_incident *inc, bool *created, size_t *added)
{
    struct dw_errors err = {0};
    int rc = store_incident_save(s, inc, created, added, &err);
    if (rc != 0)
        fail_msg("store_incident_save: %s", err.n ? err.msgs[0] : "?");
    assert_int_equal(err.n, 0);
}

static struct dw_incident *get_ok(struct dw_store *s, int64_t id)
{
    struct dw_errors err = {0};
    struct dw_incident *inc = NULL;
    assert_int_equal(store_get(s, id, &inc, &err), 0);
    assert_int_equal(err.n, 0);
    return inc;
}

/* Findings with hostile and odd text survive a save and a load, field for field. */
static void test_round_trip(void **state)
{
    struct fixture *fx = *state;
    struct dw_store *s = open_ok(fx->db, DW_STORE_WRITE);
    struct dw_incident *inc = incident_new();
    /* evidence loads in log order: undated findings first, then by time */
    struct dw_finding *undated =
        make_finding("dk.undated", "sysext.activation", 5, 300, 0, "no time here");
    undated->time = (struct dw_time){0};
    free(undated->time_text);
    undated->time_text = NULL;
    incident_add(inc, undated);
    for (long i = 0; i < 3; i++) {
        char msg[64];
        snprintf(msg, sizeof msg, "rt finding %ld", i);
        incident_add(inc, make_finding(i == 1 ? "dk.root" : "dk.other",
                                       i == 1 ? "entitlement.provider-check" : "sysext.activation",
                                       i == 1 ? 90 : 10, 100 + i, i, msg));
    }
    struct dw_finding *odd =
        make_finding("dk.odd", "amfi.odd'class", 20, 200, 10, "it's \"; DROP TABLE incidents; --");
    free(odd->raw);
    odd->raw = xstrdup("bad \xff\xfe utf8 \x01\x1b[31m ctl\tend");
    free(odd->caps[1].value);
    odd->caps[1].value = xstrdup("v\xc3\x28 '\"");
    free(odd->remediation);
    odd->remediation = xstrdup("run `systemextensionsctl reset`; then \"retry\"");
    odd->time.has_offset = false;
    odd->time.frac_digits = 3;
    odd->time.us = T0 + 10 * 1000000 + 123000;
    odd->has_tid = false;
    odd->pid = -1;
    free(odd->sender);
    odd->sender = NULL;
    incident_add(inc, odd);

    bool created = false;
    size_t added = 0;
    save_ok(s, inc, &created, &added);
    assert_true(created);
    assert_int_equal(added, 5);
    assert_true(inc->id > 0);
    assert_false(inc->dirty);

    struct dw_incident *back = get_ok(s, inc->id);
    assert_non_null(back);
    assert_incident_equal(inc, back);
    /* invalid UTF-8 became U+FFFD, the rest is kept byte for byte */
    const struct dw_finding *b = incident_evidence_at(back, 4);
    assert_string_equal(b->raw, "bad \xef\xbf\xbd\xef\xbf\xbd utf8 \x01\x1b[31m ctl\tend");
    assert_string_equal(b->message, "it's \"; DROP TABLE incidents; --");
    assert_string_equal(b->caps[1].value, "v\xef\xbf\xbd( '\"");
    incident_free(back);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM incidents"), 1);
    /* the documented columns osquery reads */
    char *classes = query_text(fx->db, "SELECT classes FROM incidents");
    assert_string_equal(classes, "[\"sysext.activation\",\"entitlement.provider-check\","
                                 "\"amfi.odd'class\"]");
    free(classes);
    char *last = query_text(fx->db, "SELECT last_seen FROM incidents");
    assert_string_equal(last, "2024-01-01T12:00:10.123");
    free(last);
    assert_int_equal(query_int(fx->db, "SELECT last_seen_us FROM incidents"),
                     T0 + 10 * 1000000 + 123000);
    assert_int_equal(query_int(fx->db, "SELECT severity_level FROM incidents"), DW_SEV_ERROR);
    incident_free(inc);
    store_close(s);
}

/* Saving the same incident twice writes nothing the second time. */
static void test_save_idempotent(void **state)
{
    struct fixture *fx = *state;
    struct dw_store *s = open_ok(fx->db, DW_STORE_WRITE);
    struct dw_incident *inc = make_incident("idem", 4, 0, 2);
    bool created;
    size_t added;
    save_ok(s, inc, &created, &added);
    int64_t id = inc->id;
    char *updated = query_text(fx->db, "SELECT updated_at || ':' || count(*) FROM incidents");
    int64_t changes = query_int(fx->db, "SELECT total_changes()"); /* sanity: readable */
    (void)changes;
    save_ok(s, inc, &created, &added);
    assert_false(created);
    assert_int_equal(added, 0);
    assert_int_equal(inc->id, id);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM incidents"), 1);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM findings"), 4);
    assert_int_equal(query_int(fx->db, "SELECT finding_count FROM incidents"), 4);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM remedies"), 2);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM incident_keys"), 1);
    char *again = query_text(fx->db, "SELECT updated_at || ':' || count(*) FROM incidents");
    assert_string_equal(updated, again);
    free(updated);
    free(again);
    incident_free(inc);
    store_close(s);
}

/* A new incident (id 0) whose findings are stored attaches to the stored one:
 * a second scan adds nothing; a restarted watcher's overlap adds only the new. */
static void test_attach_by_event_key(void **state)
{
    struct fixture *fx = *state;
    struct dw_store *s = open_ok(fx->db, DW_STORE_WRITE);
    struct dw_incident *first = make_incident("scan", 5, 0, 0);
    bool created;
    size_t added;
    save_ok(s, first, &created, &added);

    struct dw_incident *rescan = make_incident("scan", 5, 0, 0);
    save_ok(s, rescan, &created, &added);
    assert_false(created);
    assert_int_equal(added, 0);
    assert_int_equal(rescan->id, first->id);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM incidents"), 1);
    assert_int_equal(query_int(fx->db, "SELECT finding_count FROM incidents"), 5);

    /* overlap: findings 3..4 again, then 5..6 new */
    struct dw_incident *overlap = incident_new();
    for (long i = 3; i < 7; i++) {
        char msg[64];
        snprintf(msg, sizeof msg, "scan finding %ld", i);
        incident_add(overlap, make_finding("dk.other", "sysext.activation", 10, 100 + i, i, msg));
    }
    save_ok(s, overlap, &created, &added);
    assert_false(created);
    assert_int_equal(added, 2);
    assert_int_equal(overlap->id, first->id);
    assert_int_equal(query_int(fx->db, "SELECT finding_count FROM incidents"), 7);
    struct dw_incident *back = get_ok(s, first->id);
    assert_int_equal(back->count, 7);
    assert_int_equal(incident_evidence_count(back), 7);
    assert_int_equal(back->first_line, 100);
    assert_int_equal(back->last_line, 106);
    assert_int_equal(back->first_seen.us, first->first_seen.us);
    assert_int_equal(back->last_seen.us, overlap->last_seen.us);
    assert_string_equal(back->root->rule_id, "dk.root"); /* stored root outranks */
    incident_free(back);
    incident_free(first);
    incident_free(rescan);
    incident_free(overlap);
    store_close(s);
}

/* The correlator's MERGED flow: save A, save B, absorb B into A, save A,
 * delete B.  B's findings now belong to A and survive the delete. */
static void test_merge_flow(void **state)
{
    struct fixture *fx = *state;
    struct dw_store *s = open_ok(fx->db, DW_STORE_WRITE);
    struct dw_incident *a = make_incident("a", 3, 0, -1);
    struct dw_incident *b = make_incident("b", 2, 100, 0);
    bool created;
    size_t added;
    save_ok(s, a, &created, &added);
    save_ok(s, b, &created, &added);
    assert_true(created);
    int64_t bid = b->id;
    assert_true(bid != a->id);

    incident_absorb(a, b);
    save_ok(s, a, &created, &added);
    assert_false(created);
    assert_int_equal(added, 0);
    struct dw_errors err = {0};
    assert_int_equal(store_incident_delete(s, bid, &err), 0);

    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM incidents"), 1);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM findings"), 5);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM findings WHERE incident_id = %lld",
             (long long)a->id);
    assert_int_equal(query_int(fx->db, sql), 5);
    struct dw_incident *back = get_ok(s, a->id);
    assert_incident_equal(a, back);
    assert_string_equal(back->root->rule_id, "dk.root");
    incident_free(back);
    struct dw_incident *gone = get_ok(s, bid);
    assert_null(gone);
    /* the absorbed incident's id (the highest) is not given again, even
     * after a reopen: forwarded events are told apart by (host, id, version) */
    store_close(s);
    s = open_ok(fx->db, DW_STORE_WRITE);
    struct dw_incident *c = make_incident("c", 2, 200, 0);
    save_ok(s, c, &created, &added);
    assert_true(created);
    assert_true(c->id > bid);
    incident_free(c);
    incident_free(a);
    incident_free(b);
    store_close(s);
}

/* Many findings: the DB keeps exactly the evidence held in memory (first 20,
 * last 20) plus the root when it was evicted; the count holds the total.
 * Saving as the incident grows (a watcher) keeps it so. */
static void test_evidence_window(void **state)
{
    struct fixture *fx = *state;
    struct dw_store *s = open_ok(fx->db, DW_STORE_WRITE);
    struct dw_incident *inc = incident_new();
    bool created;
    size_t added, total_added = 0;
    for (long i = 0; i < 75; i++) {
        char msg[64];
        snprintf(msg, sizeof msg, "grow %ld", i);
        bool root = i == 30;
        incident_add(inc, make_finding(root ? "dk.root" : "dk.other", "sysext.activation",
                                       root ? 90 : 10, 1 + i, i, msg));
        if (i % 7 == 3 || i == 74) {
            save_ok(s, inc, &created, &added);
            total_added += added;
        }
    }
    assert_int_equal(inc->count, 75);
    assert_int_equal(total_added, 75); /* saved often enough that nothing was missed */
    assert_int_equal(query_int(fx->db, "SELECT finding_count FROM incidents"), 75);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM findings"), 41);
    struct dw_incident *back = get_ok(s, inc->id);
    assert_incident_equal(inc, back);
    assert_int_equal(back->root->line, 31);
    assert_int_equal(back->nhead, 20);
    assert_int_equal(back->ntail, 20);
    incident_free(back);
    incident_free(inc);
    store_close(s);
}

/* Adds an incident with the given subject, class and last-seen seconds
 * (negative: no time at all). */
/* Saves a new incident of the one finding f (inc is new and empty); its id. */
static int64_t save_one(struct dw_store *s, struct dw_incident *inc, struct dw_finding *f)
{
    incident_add(inc, f);
    bool created;
    size_t added;
    save_ok(s, inc, &created, &added);
    int64_t id = inc->id;
    incident_free(inc);
    return id;
}

static int64_t add_simple(struct dw_store *s, const char *subject, const char *cls, int64_t secs)
{
    struct dw_incident *inc = incident_new();
    char msg[128];
    snprintf(msg, sizeof msg, "%s %s %lld", subject, cls, (long long)secs);
    struct dw_finding *f = make_finding("dk.x", cls, 10, 1, secs < 0 ? 0 : secs, msg);
    free(f->caps[0].value);
    f->caps[0].value = xstrdup(subject);
    if (secs < 0) {
        f->time = (struct dw_time){0};
        free(f->time_text);
        f->time_text = NULL;
    }
    return save_one(s, inc, f);
}

static void recent_ids(struct dw_store *s, const struct dw_query *q, int64_t *ids, size_t *n)
{
    struct dw_errors err = {0};
    struct dw_incident **v = NULL;
    assert_int_equal(store_recent(s, q, &v, n, &err), 0);
    assert_int_equal(err.n, 0);
    for (size_t i = 0; i < *n; i++) {
        ids[i] = v[i]->id;
        assert_true(incident_evidence_count(v[i]) == 1);
    }
    store_incidents_free(v, *n);
}

/* recent: newest last_seen first (no time last, then id), since, class and
 * subject globs (case-insensitive), limit. */
static void test_recent_queries(void **state)
{
    struct fixture *fx = *state;
    struct dw_store *s = open_ok(fx->db, DW_STORE_WRITE);
    int64_t a = add_simple(s, "com.example.alpha", "entitlement.provider-check", 10);
    int64_t b = add_simple(s, "com.example.beta", "sysext.activation", 30);
    int64_t c = add_simple(s, "com.other.gamma", "amfi.code-signature", 20);
    int64_t d = add_simple(s, "com.example.delta", "sysext.activation", -1);
    int64_t e = add_simple(s, "com.other.eps", "entitlement.missing", 30);
    int64_t ids[16];
    size_t n;

    struct dw_query q = {0};
    recent_ids(s, &q, ids, &n);
    assert_int_equal(n, 5);
    int64_t want_all[] = {e, b, c, a, d};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(ids[i], want_all[i]);

    q.limit = 2;
    recent_ids(s, &q, ids, &n);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], e);
    assert_int_equal(ids[1], b);

    q = (struct dw_query){.has_since = true, .since_us = T0 + 20 * 1000000};
    recent_ids(s, &q, ids, &n);
    assert_int_equal(n, 3); /* b, c, e; the undated d is excluded */
    assert_int_equal(ids[0], e);
    assert_int_equal(ids[2], c);

    q = (struct dw_query){.class_glob = "ENTITLEMENT.*"};
    recent_ids(s, &q, ids, &n);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], e);
    assert_int_equal(ids[1], a);

    q = (struct dw_query){.subject_glob = "COM.Example.*", .class_glob = "sysext.*"};
    recent_ids(s, &q, ids, &n);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], b);
    assert_int_equal(ids[1], d);

    q = (struct dw_query){.subject_glob = "'; DROP TABLE incidents; --"};
    recent_ids(s, &q, ids, &n);
    assert_int_equal(n, 0);
    q = (struct dw_query){.subject_glob = "com.other.[!g]*"};
    recent_ids(s, &q, ids, &n);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], e);
    store_close(s);
}

/* An incident whose one finding is at us, with the log's offset (UTC) or
 * without one (a wall-clock time, stored as if UTC). */
static int64_t add_at(struct dw_store *s, const char *subject, int64_t us, bool has_offset)
{
    struct dw_incident *inc = incident_new();
    struct dw_finding *f = make_finding("dk.x", "dext.exit", 10, 1, 0, subject);
    free(f->caps[0].value);
    f->caps[0].value = xstrdup(subject);
    f->time.us = us;
    f->time.has_offset = has_offset;
    f->time.offset_min = 0;
    return save_one(s, inc, f);
}

/* recent orders and filters by the instant: a time without offset is local
 * time (TZ set here: UTC+1 in January), not UTC, whatever the stored value. */
static void test_recent_by_instant(void **state)
{
    struct fixture *fx = *state;
    int64_t min = 60 * INT64_C(1000000);
    setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
    tzset();
    struct dw_store *s = open_ok(fx->db, DW_STORE_WRITE);
    int64_t x = add_at(s, "com.x", T0, true);             /* 12:00Z */
    int64_t y = add_at(s, "com.y", T0 + 30 * min, false); /* 12:30 local = 11:30Z */
    int64_t z = add_at(s, "com.z", T0 - 45 * min, true);  /* 11:15Z */
    int64_t far = add_at(s, "com.far", T0 - 3 * 24 * 60 * min, true);
    int64_t ids[8];
    size_t n;
    struct dw_query q = {0};
    recent_ids(s, &q, ids, &n);
    assert_int_equal(n, 4);
    assert_int_equal(ids[0], x);
    assert_int_equal(ids[1], y);
    assert_int_equal(ids[2], z);
    assert_int_equal(ids[3], far);
    q.limit = 1;
    recent_ids(s, &q, ids, &n);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], x);
    q = (struct dw_query){.has_since = true, .since_us = T0 - 15 * min, .limit = 2};
    recent_ids(s, &q, ids, &n);
    assert_int_equal(n, 1); /* y is stored after 11:45Z but happened at 11:30Z */
    assert_int_equal(ids[0], x);
    q.since_us = T0 - 40 * min;
    recent_ids(s, &q, ids, &n);
    assert_int_equal(n, 2);
    assert_int_equal(ids[1], y);
    store_close(s);
    setenv("TZ", "UTC0", 1);
    tzset();
}

/* Class lines of `recent`: every matching incident counts (no limit), binned
 * by last_seen over the span; undated incidents count but fall in no bin. */
static void test_class_histogram(void **state)
{
    struct fx_hist { const char *subject, *cls; int64_t secs; } rows[] = {
        {"com.a", "entitlement.provider-check", 0},  {"com.b", "dext.exit", 0},
        {"com.c", "entitlement.provider-check", 23}, {"com.d", "entitlement.provider-check", -1},
        {"com.e", "sysext.activation", 12},
    };
    struct fixture *fx = *state;
    struct dw_store *s = open_ok(fx->db, DW_STORE_WRITE);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        add_simple(s, rows[i].subject, rows[i].cls, rows[i].secs);
    struct dw_errors err = {0};
    struct dw_query q = {.limit = 1};
    int64_t lo, hi;
    assert_int_equal(store_time_span(s, &q, &lo, &hi, &err), 0);
    assert_true(lo >= T0 && lo < T0 + 1000000);
    assert_int_equal(hi - lo, 23 * 1000000);
    struct dw_class_hist *h;
    size_t n;
    assert_int_equal(store_class_histogram(s, &q, lo, hi + 1000000, &h, &n, &err), 0);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        unsigned in_bins = 0;
        for (int b = 0; b < DW_HIST_BINS; b++)
            in_bins += h[i].bins[b];
        if (strcmp(h[i].class_name, "entitlement.provider-check") == 0) {
            assert_int_equal(h[i].count, 3);
            assert_int_equal(in_bins, 2);
            assert_int_equal(h[i].bins[0], 1);
            assert_int_equal(h[i].bins[DW_HIST_BINS - 1], 1);
        } else if (strcmp(h[i].class_name, "sysext.activation") == 0) {
            assert_int_equal(h[i].count, 1);
            assert_int_equal(h[i].bins[12], 1);
        } else {
            assert_string_equal(h[i].class_name, "dext.exit");
        }
    }
    store_class_histogram_free(h, n);
    q = (struct dw_query){.class_glob = "sysext.*"};
    assert_int_equal(store_class_histogram(s, &q, lo, hi, &h, &n, &err), 0);
    assert_int_equal(n, 1);
    store_class_histogram_free(h, n);
    assert_int_equal(err.n, 0);
    store_close(s);
}

/* The hourly aggregate (periods of a day or more) gives the same class lines
 * as counting the rows (forced by a "*" subject glob), after inserts,
 * updates that move last_seen and classes, and deletes. */
static void assert_hist_same(struct dw_store *s, struct dw_query q, int64_t start, int64_t end)
{
    struct dw_errors err = {0};
    struct dw_class_hist *a, *b;
    size_t na, nb;
    assert_int_equal(store_class_histogram(s, &q, start, end, &a, &na, &err), 0);
    q.subject_glob = "*";
    assert_int_equal(store_class_histogram(s, &q, start, end, &b, &nb, &err), 0);
    assert_int_equal(na, nb);
    assert_true(na > 0);
    for (size_t i = 0; i < na; i++) {
        size_t j = 0;
        while (j < nb && strcmp(a[i].class_name, b[j].class_name) != 0)
            j++;
        assert_true(j < nb);
        assert_int_equal(a[i].count, b[j].count);
        unsigned sa = 0, sb = 0;
        for (int k = 0; k < DW_HIST_BINS; k++) {
            sa += a[i].bins[k];
            sb += b[j].bins[k];
            /* an hour's incidents sit at the hour's middle: a bin may differ by
             * the incidents of the hour it straddles, never in total */
        }
        assert_int_equal(sa, sb);
    }
    store_class_histogram_free(a, na);
    store_class_histogram_free(b, nb);
}

static void test_class_histogram_hours(void **state)
{
    static const char *const cls[] = {"dext.exit", "codesign.requirement", "sysext.activation"};
    struct fixture *fx = *state;
    struct dw_store *s = open_ok(fx->db, DW_STORE_WRITE);
    int64_t ids[60];
    for (int i = 0; i < 60; i++) {
        char subject[32];
        snprintf(subject, sizeof subject, "com.v%d", i);
        ids[i] = add_simple(s, subject, cls[i % 3], i % 7 == 0 ? -1 : (int64_t)i * 7919);
    }
    /* move one incident in time and give it a second class, delete another */
    struct dw_incident *inc = get_ok(s, ids[5]);
    struct dw_finding *f = incident_evidence_at(inc, 0);
    struct dw_finding *g = finding_dup(f);
    free(g->class_name);
    g->class_name = xstrdup("kext.load-failed");
    g->time.us += 3 * 86400 * INT64_C(1000000);
    free(g->message);
    g->message = xstrdup("later");
    incident_add(inc, g);
    bool created;
    size_t added;
    save_ok(s, inc, &created, &added);
    incident_free(inc);
    struct dw_errors err = {0};
    assert_int_equal(store_incident_delete(s, ids[8], &err), 0);

    int64_t lo, hi;
    struct dw_query q = {0};
    assert_int_equal(store_time_span(s, &q, &lo, &hi, &err), 0);
    assert_true(hi - lo >= DW_HIST_BINS * INT64_C(3600000000));
    assert_hist_same(s, q, lo, hi);
    q = (struct dw_query){.has_since = true, .since_us = lo + 100000 * INT64_C(1000000) + 1234};
    assert_hist_same(s, q, q.since_us, hi);
    q.class_glob = "dext.*";
    assert_hist_same(s, q, q.since_us, hi);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM class_hours WHERE n <= 0"), 0);
    assert_int_equal(query_int(fx->db, "SELECT sum(n) FROM class_hours"),
                     query_int(fx->db, "SELECT count(*) FROM incidents, json_each(classes)"));
    store_close(s);
}

static void test_get_missing(void **state)
{
    struct fixture *fx = *state;
    struct dw_store *s = open_ok(fx->db, DW_STORE_WRITE);
    struct dw_incident *inc = (struct dw_incident *)&inc;
    struct dw_errors err = {0};
    assert_int_equal(store_get(s, 4242, &inc, &err), 0);
    assert_null(inc);
    assert_int_equal(err.n, 0);
    store_close(s);
}

static void expect_open_error(const char *path, enum dw_store_mode mode, const char *msg)
{
    struct dw_errors err = {0};
    struct dw_store *s = store_open(path, mode, &err);
    assert_null(s);
    assert_int_equal(err.n, 1);
    if (strstr(err.msgs[0], msg) == NULL)
        fail_msg("expected \"%s\" in \"%s\"", msg, err.msgs[0]);
    dw_errors_clear(&err);
}

/* A database from a newer dextwatch is refused, in both modes. */
static void test_newer_schema_refused(void **state)
{
    struct fixture *fx = *state;
    store_close(open_ok(fx->db, DW_STORE_WRITE));
    exec_raw(fx->db, "PRAGMA user_version = 7");
    char want[256];
    snprintf(want, sizeof want,
             "%s: database schema version 7 is newer than this dextwatch supports (%d); "
             "upgrade dextwatch",
             fx->db, DW_STORE_SCHEMA_VERSION);
    expect_open_error(fx->db, DW_STORE_WRITE, want);
    expect_open_error(fx->db, DW_STORE_READ, want);
    assert_int_equal(query_int(fx->db, "PRAGMA user_version"), 7);
}

/* An empty database (user_version 0) is migrated to the current version;
 * someone else's database is left alone. */
/* A reader of an older database that it may write migrates it first (so
 * `recent` works right after an upgrade); the data stays readable. */
static void test_reader_migrates_older(void **state)
{
    struct fixture *fx = *state;
    struct dw_store *s = open_ok(fx->db, DW_STORE_WRITE);
    int64_t id = add_simple(s, "com.old.driver", "dext.exit", 5);
    store_close(s);
    /* back to schema 2: no class_hours yet */
    exec_raw(fx->db, "DROP TRIGGER class_hours_insert; DROP TRIGGER class_hours_delete;"
                     " DROP TRIGGER class_hours_update; DROP TABLE class_hours;"
                     " PRAGMA user_version = 2");
    s = open_ok(fx->db, DW_STORE_READ);
    struct dw_incident *inc = get_ok(s, id);
    assert_string_equal(inc->subject, "com.old.driver");
    incident_free(inc);
    store_close(s);
    assert_int_equal(query_int(fx->db, "PRAGMA user_version"), DW_STORE_SCHEMA_VERSION);
    /* the migration filled the aggregate from the existing incidents */
    assert_int_equal(query_int(fx->db, "SELECT n FROM class_hours WHERE class = 'dext.exit'"), 1);
}

static void test_fresh_database_migrated(void **state)
{
    struct fixture *fx = *state;
    exec_raw(fx->db, "PRAGMA user_version = 0");
    assert_int_equal(query_int(fx->db, "PRAGMA user_version"), 0);
    struct dw_store *s = open_ok(fx->db, DW_STORE_WRITE);
    store_close(s);
    assert_int_equal(query_int(fx->db, "PRAGMA user_version"), DW_STORE_SCHEMA_VERSION);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                       "('incidents', 'findings', 'remedies', 'incident_keys',"
                                       " 'rule_packs', 'rules', 'state')"),
                     7);
    char *mode = query_text(fx->db, "PRAGMA journal_mode");
    assert_string_equal(mode, "wal");
    free(mode);
    /* reopening does not migrate again */
    store_close(open_ok(fx->db, DW_STORE_WRITE));

    char other[160];
    snprintf(other, sizeof other, "%s/other.db", fx->dir);
    exec_raw(other, "CREATE TABLE t(x)");
    expect_open_error(other, DW_STORE_WRITE, "not a dextwatch database");
}

/* READ mode never creates a database; it reads one and refuses writes. */
static void test_read_mode(void **state)
{
    struct fixture *fx = *state;
    char want[200];
    snprintf(want, sizeof want, "%s: no such database (run dextwatch scan first)", fx->db);
    expect_open_error(fx->db, DW_STORE_READ, want);
    struct stat st;
    assert_int_equal(stat(fx->db, &st), -1);
    assert_int_equal(errno, ENOENT);

    struct dw_store *w = open_ok(fx->db, DW_STORE_WRITE);
    int64_t id = add_simple(w, "com.example.read", "sysext.activation", 5);
    store_close(w);

    struct dw_store *r = open_ok(fx->db, DW_STORE_READ);
    assert_string_equal(store_path(r), fx->db);
    struct dw_incident *inc = get_ok(r, id);
    assert_non_null(inc);
    assert_string_equal(inc->subject, "com.example.read");
    struct dw_errors err = {0};
    assert_int_equal(store_state_set(r, "k", "v", &err), -1);
    assert_int_equal(err.n, 1);
    assert_non_null(strstr(err.msgs[0], fx->db));
    dw_errors_clear(&err);
    bool created;
    size_t added;
    inc->id = 0;
    inc->dirty = true;
    assert_int_equal(store_incident_save(r, inc, &created, &added, &err), -1);
    assert_true(inc->dirty);
    dw_errors_clear(&err);
    incident_free(inc);
    store_close(r);
}

/* WRITE creates missing directories 0700 and the file (and WAL) 0600. */
static void test_file_modes(void **state)
{
    struct fixture *fx = *state;
    char path[256], dir[200];
    snprintf(dir, sizeof dir, "%s/a/b", fx->dir);
    snprintf(path, sizeof path, "%s/incidents.db", dir);
    mode_t old = umask(022);
    struct dw_store *s = open_ok(path, DW_STORE_WRITE);
    umask(old);
    add_simple(s, "com.example.mode", "sysext.activation", 1);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(dir, sizeof dir, "%s/a", fx->dir);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", path);
    assert_int_equal(stat(wal, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    store_close(s);
}

/* Opens path for writing as the current user; 0 if refused with a message
 * naming the path, 1 if it opened, 2 if it failed without a good message. */
static int try_open_write(const char *path)
{
    struct dw_errors err = {0};
    struct dw_store *s = store_open(path, DW_STORE_WRITE, &err);
    int rc = s ? 1
             : (err.n == 1 && strncmp(err.msgs[0], path, strlen(path)) == 0 &&
                strstr(err.msgs[0], "ermission denied"))
                 ? 0
                 : 2;
    if (rc == 2 && err.n)
        fprintf(stderr, "message: %s\n", err.msgs[0]);
    store_close(s);
    dw_errors_clear(&err);
    return rc;
}

/* A read-only location gives a clear error, not a crash.  As root (CI) the
 * check runs in a child that drops to user nobody, since root ignores modes. */
static void test_readonly_location(void **state)
{
    struct fixture *fx = *state;
    char ro[160], path[200];
    snprintf(ro, sizeof ro, "%s/ro", fx->dir);
    snprintf(path, sizeof path, "%s/sub/incidents.db", ro);
    assert_int_equal(mkdir(ro, 0700), 0);
    assert_int_equal(chmod(ro, 0555), 0);
    assert_int_equal(chmod(fx->dir, 0755), 0);
    int rc;
    if (geteuid() != 0) {
        rc = try_open_write(path);
    } else {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            if (setgid(65534) != 0 || setuid(65534) != 0)
                _exit(3);
            _exit(try_open_write(path));
        }
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        rc = WEXITSTATUS(status);
        if (rc == 3)
            skip();
    }
    assert_int_equal(rc, 0);
    assert_int_equal(chmod(ro, 0700), 0);

    /* a path through a regular file: refused, whoever we are */
    char file[160], through[220];
    snprintf(file, sizeof file, "%s/plain", fx->dir);
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fclose(fp);
    snprintf(through, sizeof through, "%s/x/incidents.db", file);
    expect_open_error(through, DW_STORE_WRITE, "it is not a directory");
}

static int g_max_pages;

/* Auto-extension: caps every new connection's database size. */
static int limit_pages(sqlite3 *db, char **msg, const struct sqlite3_api_routines *api)
{
    (void)msg;
    (void)api;
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %d", g_max_pages);
    sqlite3_exec(db, sql, NULL, NULL, NULL);
    return SQLITE_OK;
}

/* A full disk: the save fails with an error, the database stays intact and
 * holds no part of the failed incident, alone or inside a batch. */
static void test_disk_full(void **state)
{
    struct fixture *fx = *state;
    struct dw_store *s = open_ok(fx->db, DW_STORE_WRITE);
    int64_t kept = add_simple(s, "com.example.kept", "sysext.activation", 1);
    store_close(s);

    g_max_pages = 1; /* clamped to the current size: no growth at all */
    sqlite3_auto_extension((void (*)(void))limit_pages);
    s = open_ok(fx->db, DW_STORE_WRITE);
    struct dw_incident *big = make_incident("big", 30, 500, 3);
    for (size_t i = 0; i < incident_evidence_count(big); i++) {
        struct dw_finding *f = incident_evidence_at(big, i);
        free(f->raw);
        f->raw = xcalloc(1, 20001);
        memset(f->raw, 'x', 20000);
    }
    struct dw_errors err = {0};
    bool created;
    size_t added;
    assert_int_equal(store_incident_save(s, big, &created, &added, &err), -1);
    assert_int_equal(err.n, 1);
    assert_non_null(strstr(err.msgs[0], fx->db));
    assert_non_null(strstr(err.msgs[0], "full"));
    assert_int_equal(big->id, 0);
    dw_errors_clear(&err);

    /* inside a caller's batch */
    assert_int_equal(store_begin(s, &err), 0);
    int rc = store_incident_save(s, big, &created, &added, &err);
    assert_int_equal(rc, -1);
    if (store_commit(s, &err) != 0)
        store_rollback(s);
    dw_errors_clear(&err);
    store_close(s);
    sqlite3_cancel_auto_extension((void (*)(void))limit_pages);

    char *check = query_text(fx->db, "PRAGMA integrity_check");
    assert_string_equal(check, "ok");
    free(check);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM incidents"), 1);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM findings"), 1);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM incident_keys"), 1);
    assert_int_equal(query_int(fx->db, "SELECT id FROM incidents"), kept);

    /* and with room again, the same incident saves */
    s = open_ok(fx->db, DW_STORE_WRITE);
    save_ok(s, big, &created, &added);
    assert_true(created);
    assert_int_equal(added, 30);
    incident_free(big);
    store_close(s);
}

/* Batched saves commit together or not at all. */
static void test_transactions(void **state)
{
    struct fixture *fx = *state;
    struct dw_store *s = open_ok(fx->db, DW_STORE_WRITE);
    struct dw_errors err = {0};
    assert_int_equal(store_begin(s, &err), 0);
    add_simple(s, "com.example.one", "sysext.activation", 1);
    add_simple(s, "com.example.two", "sysext.activation", 2);
    assert_int_equal(store_rollback(s), 0);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM incidents"), 0);
    assert_int_equal(store_begin(s, &err), 0);
    add_simple(s, "com.example.one", "sysext.activation", 1);
    add_simple(s, "com.example.two", "sysext.activation", 2);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM incidents"), 0);
    assert_int_equal(store_commit(s, &err), 0);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM incidents"), 2);
    assert_int_equal(store_rollback(s), 0); /* nothing open: harmless */
    assert_int_equal(err.n, 0);
    store_close(s);
}

static void test_state(void **state)
{
    struct fixture *fx = *state;
    struct dw_store *s = open_ok(fx->db, DW_STORE_WRITE);
    struct dw_errors err = {0};
    char *v = (char *)"unset";
    assert_int_equal(store_state_get(s, "watch.position", &v, &err), 0);
    assert_null(v);
    assert_int_equal(store_state_set(s, "watch.position", "2024-01-01 12:00:00", &err), 0);
    assert_int_equal(store_state_set(s, "watch.position", "it's \xff", &err), 0);
    assert_int_equal(store_state_get(s, "watch.position", &v, &err), 0);
    assert_string_equal(v, "it's \xef\xbf\xbd");
    free(v);
    assert_int_equal(store_state_set(s, "watch.position", NULL, &err), 0);
    assert_int_equal(store_state_get(s, "watch.position", &v, &err), 0);
    assert_null(v);
    assert_int_equal(err.n, 0);
    store_close(s);
}

/* Rule packs and rules are recorded; recording the same set changes nothing,
 * a changed pack replaces its rules. */
static void test_record_rules(void **state)
{
    struct fixture *fx = *state;
    struct dw_store *s = open_ok(fx->db, DW_STORE_WRITE);
    struct dw_rule rules[3] = {
        {.id = (char *)"dk.a", .class_name = (char *)"sysext.activation", .priority = 5},
        {.id = (char *)"dk.b", .class_name = (char *)"amfi.cs", .severity = DW_SEV_CRITICAL},
        {.id = (char *)"ent.c", .class_name = (char *)"entitlement.x", .priority = 9},
    };
    struct dw_rule_pack packs[2] = {
        {.name = (char *)"driverkit",
         .path = (char *)"rules/driverkit.yaml",
         .hash = UINT64_C(0xfedcba9876543210),
         .first_rule = 0,
         .nrules = 2},
        {.name = (char *)"entitlements",
         .path = (char *)"rules/entitlements.yaml",
         .hash = 1,
         .first_rule = 2,
         .nrules = 1},
    };
    struct dw_ruleset rs = {.rules = rules, .nrules = 3, .packs = packs, .npacks = 2};
    struct dw_errors err = {0};
    assert_int_equal(catalog_record(s, &rs, &err), 0);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM rule_packs"), 2);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM rules"), 3);
    char *hash = query_text(fx->db, "SELECT hash FROM rule_packs WHERE name = 'driverkit'");
    assert_string_equal(hash, "fedcba9876543210");
    free(hash);
    char *sev = query_text(fx->db, "SELECT severity || pack FROM rules WHERE id = 'dk.b'");
    assert_string_equal(sev, "criticaldriverkit");
    free(sev);

    assert_int_equal(catalog_record(s, &rs, &err), 0);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM rules"), 3);

    packs[0].hash = 2;
    packs[0].nrules = 1; /* dk.b removed from the pack */
    assert_int_equal(store_begin(s, &err), 0);
    assert_int_equal(catalog_record(s, &rs, &err), 0);
    assert_int_equal(store_commit(s, &err), 0);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM rules"), 2);
    assert_int_equal(query_int(fx->db, "SELECT count(*) FROM rules WHERE id = 'dk.b'"), 0);
    assert_int_equal(query_int(fx->db, "SELECT rule_count FROM rule_packs WHERE "
                                       "name = 'driverkit'"),
                     1);
    assert_int_equal(err.n, 0);
    store_close(s);
}

/* store_finding_stored tells yes, no and a failed lookup apart (a lookup
 * that fails must not pass for "not stored"). */
static void test_finding_stored(void **state)
{
    struct fixture *fx = *state;
    struct dw_store *s = open_ok(fx->db, DW_STORE_WRITE);
    struct dw_incident *inc = make_incident("stored", 2, 1700000000, 0);
    bool created;
    size_t added;
    save_ok(s, inc, &created, &added);
    struct dw_finding *other = make_finding("dk.other", "sysext.activation", 10, 999,
                                            1700009999, "never stored");
    struct dw_errors err = {0};
    assert_int_equal(store_finding_stored(s, inc->head[0], &err), DW_STORED_YES);
    assert_int_equal(store_finding_stored(s, other, &err), DW_STORED_NO);
    assert_int_equal(err.n, 0);
    exec_raw(fx->db, "ALTER TABLE findings RENAME TO findings_gone");
    assert_int_equal(store_finding_stored(s, inc->head[0], &err), DW_STORED_ERROR);
    assert_true(err.n > 0);
    dw_errors_clear(&err);
    finding_free(other);
    incident_free(inc);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_finding_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attach_by_event_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evidence_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recent_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recent_by_instant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_class_histogram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_class_histogram_hours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fresh_database_migrated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_migrates_older, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_location, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_rules, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
