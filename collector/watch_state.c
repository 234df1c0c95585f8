/* watch_state.c - what `dextwatch watch` keeps in its database (watch_state.h):
 * counters and the resume position in the state table, the incidents a
 * restart reopens, and the group access of the daemon's database. */
#include "watch_state.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REOPEN_MAX 64 /* incidents reopened after a restart, newest first */

_Static_assert(WATCH_POSITION_TEXT_MAX >= DW_TIME_ISO_MAX, "a formatted time fits a position");

void watch_counters_parse(const char *text, struct dw_watch_counters *c)
{
    memset(c, 0, sizeof *c);
    struct {
        const char *name;
        uint64_t *v;
    } f[] = {
        {"lines", &c->lines},         {"events", &c->events},     {"findings", &c->findings},
        {"malformed", &c->malformed}, {"restarts", &c->restarts}, {"duplicates", &c->duplicates},
    };
    for (const char *p = text; p && *p;) {
        while (*p == ' ')
            p++;
        const char *eq = strchr(p, '=');
        if (!eq)
            break;
        for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
            if ((size_t)(eq - p) == strlen(f[i].name) && strncmp(p, f[i].name, eq - p) == 0)
                *f[i].v = strtoull(eq + 1, NULL, 10);
        p = strchr(eq, ' ');
    }
}

void watch_counters_format(const struct dw_watch_counters *c, struct dw_buf *out)
{
    buf_printf(out,
               "lines=%" PRIu64 " events=%" PRIu64 " findings=%" PRIu64 " malformed=%" PRIu64
               " restarts=%" PRIu64 " duplicates=%" PRIu64,
               c->lines, c->events, c->findings, c->malformed, c->restarts, c->duplicates);
}

/* A position's time as logged, or formatted when there is no usable text. */
void watch_position_text(const struct dw_time *t, const char *time_text,
                         char out[WATCH_POSITION_TEXT_MAX])
{
    if (time_text && strlen(time_text) < WATCH_POSITION_TEXT_MAX)
        snprintf(out, WATCH_POSITION_TEXT_MAX, "%s", time_text);
    else
        dw_time_format(t, out);
}

void watch_state_save(struct dw_store *s, struct dw_pipeline *p, const struct watch_position *cur,
                      const struct dw_watch_counters *c, const struct dw_oplog *log)
{
    struct dw_errors e = {0};
    struct dw_buf b = {0};
    if (cur && cur->known) {
        /* A finding still waiting for a keyed neighbour is in no stored
         * incident yet: the position stays at its line, so a start after a
         * SIGKILL reads it again (and what it re-reads after it is already
         * stored under the same event keys). */
        const struct dw_finding *f = pipeline_oldest_waiting(p);
        if (f && f->time.kind == DW_TIME_DATE && f->time.us <= cur->t.us) {
            char text[WATCH_POSITION_TEXT_MAX];
            watch_position_text(&f->time, f->time_text, text);
            buf_printf(&b, "0 %s", text);
        } else {
            buf_printf(&b, "%ld %s", cur->count, cur->text);
        }
        store_state_set(s, DW_STATE_POSITION, buf_cstr(&b), &e);
    }
    buf_reset(&b);
    watch_counters_format(c, &b);
    store_state_set(s, DW_STATE_COUNTERS, buf_cstr(&b), &e);
    buf_free(&b);
    oplog_errors(log, "cannot save the watch state: ", &e);
}

/* "<count> <timestamp text>" (DW_STATE_POSITION); false when unreadable. */
static bool position_parse(const char *text, struct watch_position *pos)
{
    memset(pos, 0, sizeof *pos);
    char *end;
    long count = strtol(text, &end, 10);
    if (end == text || *end != ' ' || count < 0)
        return false;
    const char *t = end + 1;
    size_t n = strlen(t);
    if (n == 0 || n >= sizeof pos->text || dw_time_parse(t, n, &pos->t) != n ||
        pos->t.kind != DW_TIME_DATE)
        return false;
    memcpy(pos->text, t, n + 1);
    pos->count = count;
    pos->known = true;
    return true;
}

int watch_state_load(struct dw_store *s, const char *hash, struct watch_position *cur,
                     struct dw_watch_counters *base, const struct dw_oplog *log,
                     struct dw_errors *err)
{
    char *value = NULL;
    store_state_get(s, DW_STATE_COUNTERS, &value, err);
    watch_counters_parse(value, base);
    free(value);
    if (!cur)
        return err->n ? -1 : 0;
    char *saved_hash = NULL, *pos = NULL;
    store_state_get(s, DW_STATE_PREDICATE, &saved_hash, err);
    store_state_get(s, DW_STATE_POSITION, &pos, err);
    if (pos && (!saved_hash || strcmp(saved_hash, hash) != 0)) {
        oplog_say(log,
                  "the predicate changed since the saved position (%s): dropping the "
                  "position, starting from now",
                  pos);
        store_state_set(s, DW_STATE_POSITION, NULL, err);
    } else if (pos && !position_parse(pos, cur)) {
        oplog_say(log, "unreadable saved position '%s': starting from now", pos);
    }
    store_state_set(s, DW_STATE_PREDICATE, hash, err);
    free(saved_hash);
    free(pos);
    return err->n ? -1 : 0;
}

/* Gives gid and mode to the file at path, through a descriptor opened without
 * following a symlink (dw_open_own_file): a planted link never hands its
 * target to the group.  A missing file is skipped quietly (the -wal and -shm
 * appear with the first write); any other refusal is logged. */
static void share_file(const char *path, gid_t gid, mode_t mode, const char *group,
                       const struct dw_oplog *log)
{
    struct stat st;
    if (lstat(path, &st) != 0 && errno == ENOENT)
        return;
    struct dw_errors e = {0};
    int fd = dw_open_own_file(path, O_RDONLY, 0, &e);
    if (fd < 0) {
        oplog_errors(log, "--group: ", &e);
        return;
    }
    if (fchown(fd, (uid_t)-1, gid) != 0 || fchmod(fd, mode) != 0)
        oplog_say(log, "%s: cannot give group %s access: %s", path, group, strerror(errno));
    close(fd);
}

/* The directory of the database: 0750 and the group, when it is ours and not
 * a shared one (world-writable or sticky, like /tmp: left as it is). */
static void share_dir(const char *dir, gid_t gid, const char *group, const struct dw_oplog *log)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        oplog_say(log, "%s: cannot give group %s access: %s", dir, group, strerror(errno));
    } else if (st.st_uid != geteuid() || (st.st_mode & (S_ISVTX | S_IWOTH))) {
        oplog_say(log, "%s: a directory not ours alone: its group and mode stay as they are", dir);
    } else if (fchown(fd, (uid_t)-1, gid) != 0 || fchmod(fd, 0750) != 0) {
        oplog_say(log, "%s: cannot give group %s access: %s", dir, group, strerror(errno));
    }
    if (fd >= 0)
        close(fd);
}

/* The daemon's DB: readable by a group (admin) so that `recent` works without
 * sudo.  The -shm file must be writable for a WAL reader.  db_path is
 * resolved (no symlink in it): SQLite keeps the -wal and -shm next to the
 * file itself, not next to a link to it. */
void watch_share_db(struct dw_store *s, const char *db_path, const char *group,
                    const struct dw_oplog *log, struct dw_errors *err)
{
    struct group *g = getgrnam(group);
    if (!g) {
        dw_errors_add(err, "--group %s: no such group", group);
        return;
    }
    /* without -wal/-shm (deleted when the last connection closes), a
     * reader that cannot create them could not open the DB at all */
    store_keep_wal(s);
    const char *suffix[] = {"", "-wal", "-shm"};
    mode_t mode[] = {0640, 0640, 0660};
    for (int i = 0; i < 3; i++) {
        struct dw_buf path = {0};
        buf_printf(&path, "%s%s", db_path, suffix[i]);
        share_file(path.data, g->gr_gid, mode[i], group, log);
        buf_free(&path);
    }
    struct dw_buf dir = {0};
    buf_puts(&dir, db_path);
    char *slash = strrchr(dir.data, '/');
    if (slash && slash != dir.data) {
        *slash = '\0';
        share_dir(dir.data, g->gr_gid, group, log);
    }
    buf_free(&dir);
}

/* After a restart: the stored incidents still within the correlation window
 * of the saved position stay open, so that the lines after it (read again,
 * or new) join them instead of starting a second incident.  0 or -1. */
int watch_reopen_recent(struct dw_store *s, struct dw_pipeline *p, const struct watch_position *cur,
                        int64_t window_us, const struct dw_oplog *log, struct dw_errors *err)
{
    struct dw_query q = {.has_since = true, .since_us = cur->t.us - window_us, .limit = REOPEN_MAX};
    struct dw_incident **v = NULL;
    size_t n = 0;
    if (store_recent(s, &q, &v, &n, err) < 0)
        return -1;
    size_t kept = 0;
    for (size_t i = n; i-- > 0;) { /* newest first: open the oldest first */
        /* one that ends well after the position came from elsewhere (a scan
         * of another Mac's log, a clock change): it is not this stream's */
        if (v[i]->last_seen.us > cur->t.us + window_us) {
            incident_free(v[i]);
            continue;
        }
        pipeline_reopen(p, v[i]);
        kept++;
    }
    free(v);
    if (kept)
        oplog_say(log,
                  "%zu incident(s) ending less than %" PRId64 " s before the saved position stay "
                  "open: what follows can join them",
                  kept, window_us / 1000000);
    return 0;
}
