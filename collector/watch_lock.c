/* watch_lock.c - the one-watcher lock on a database's device and inode, and
 * the pidfile of the `log` children (watch_lock.h). */
#include "watch_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logcmd_guard.h"

#define LOCK_TRIES 8 /* a holder that removes the file as we open it: try again */

struct dw_dblock {
    char *db;   /* resolved */
    char *path; /* the lock file */
    int fd;
};

/* One attempt: opens and locks path.  1 locked (*fd set), 0 the file was
 * removed or replaced meanwhile (try again), -1 error in err. */
static int lock_once(const char *db, const char *path, int *fd, struct dw_errors *err)
{
    *fd = dw_open_own_file(path, O_RDWR | O_CREAT, 0644, err);
    if (*fd < 0)
        return -1;
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(*fd, F_SETLK, &lk) != 0) {
        int why = errno;
        struct flock who = lk;
        if ((why == EAGAIN || why == EACCES) && fcntl(*fd, F_GETLK, &who) == 0 &&
            who.l_type != F_UNLCK)
            dw_errors_add(err,
                          "%s: already watched by pid %ld (another `dextwatch watch` holds %s); "
                          "stop it first",
                          db, (long)who.l_pid, path);
        else
            dw_errors_add(err, "%s: cannot lock: %s", path, strerror(why));
        close(*fd);
        return -1;
    }
    /* the holder before us removes the file before it unlocks: a file we
     * opened just before that is no longer the one at path */
    struct stat st, now;
    if (fstat(*fd, &st) != 0 || lstat(path, &now) != 0 || st.st_dev != now.st_dev ||
        st.st_ino != now.st_ino) {
        close(*fd);
        return 0;
    }
    return 1;
}

struct dw_dblock *dblock_take(const char *db_path, struct dw_errors *err)
{
    char *db = realpath(db_path, NULL);
    struct stat st;
    if (!db || stat(db, &st) != 0) {
        dw_errors_add(err, "%s: %s", db_path, strerror(errno));
        free(db);
        return NULL;
    }
    struct dw_buf path = {0};
    const char *slash = strrchr(db, '/'); /* realpath is absolute */
    buf_append(&path, db, (size_t)(slash - db));
    buf_printf(&path, "/.dextwatch-watch-%" PRIuMAX "-%" PRIuMAX ".lock", (uintmax_t)st.st_dev,
               (uintmax_t)st.st_ino);
    int fd = -1, got = 0;
    for (int i = 0; i < LOCK_TRIES && got == 0; i++)
        got = lock_once(db_path, path.data, &fd, err);
    if (got == 0)
        dw_errors_add(err, "%s: the lock file keeps being replaced", path.data);
    if (got == 1 && st.st_nlink > 1) {
        dw_errors_add(err,
                      "%s: has %ju hard links: SQLite names its -wal after the path, so two "
                      "names would keep two journals (sqlite.org/howtocorrupt.html 2.6) and a "
                      "second watcher could use the other name; watch a database with one link",
                      db_path, (uintmax_t)st.st_nlink);
        unlink(path.data);
        close(fd);
        got = -1;
    }
    if (got != 1) {
        free(db);
        buf_free(&path);
        return NULL;
    }
    struct dw_buf me = {0};
    buf_printf(&me, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, me.data, me.len, 0) < 0) {
        /* for people only: the lock, not the content, keeps watchers apart */
    }
    buf_free(&me);
    struct dw_dblock *l = xcalloc(1, sizeof *l);
    l->db = db;
    l->path = buf_steal(&path);
    l->fd = fd;
    return l;
}

const char *dblock_db_path(const struct dw_dblock *l)
{
    return l->db;
}

void dblock_release(struct dw_dblock *l)
{
    if (!l)
        return;
    unlink(l->path); /* before unlocking: see lock_once */
    close(l->fd);
    free(l->db);
    free(l->path);
    free(l);
}

struct dw_pidfile {
    char *path;
    char *cmd;
    int fd;
};

/* Ends each child listed in an old pidfile that is still one of ours. */
static void end_leftovers(const char *text, const char *cmd, const char *path,
                          struct dw_errors *notes)
{
    const char *line = text;
    while (line && *line) {
        long pid = 0;
        if (sscanf(line, "child %ld", &pid) == 1 && pid > 1) {
            if (logcmd_pid_is_ours((pid_t)pid, cmd)) {
                kill((pid_t)pid, SIGKILL);
                dw_errors_add(notes, "%s: ended pid %ld, a `log` child left by an earlier watcher",
                              path, pid);
            } else if (kill((pid_t)pid, 0) == 0) {
                dw_errors_add(notes,
                              "%s: pid %ld is listed but is not (verifiably) our `log` "
                              "child; left alone",
                              path, pid);
            }
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
}

struct dw_pidfile *pidfile_open(const char *db_path, const char *cmd, struct dw_errors *err,
                                struct dw_errors *notes)
{
    struct dw_buf path = {0};
    buf_printf(&path, "%s-watch.pid", db_path);
    int fd = dw_open_own_file(path.data, O_RDWR | O_CREAT, 0644, err);
    if (fd < 0) {
        buf_free(&path);
        return NULL;
    }
    char old[4096];
    ssize_t n = pread(fd, old, sizeof old - 1, 0);
    old[n > 0 ? n : 0] = '\0';
    end_leftovers(old, cmd, path.data, notes);
    struct dw_pidfile *pf = xcalloc(1, sizeof *pf);
    pf->path = buf_steal(&path);
    pf->cmd = xstrdup(cmd);
    pf->fd = fd;
    pidfile_record(pf, NULL, 0);
    return pf;
}

void pidfile_record(struct dw_pidfile *pf, const pid_t *pids, size_t n)
{
    if (!pf)
        return;
    struct dw_buf b = {0};
    buf_printf(&b, "watch %ld\n", (long)getpid());
    for (size_t i = 0; i < n; i++)
        if (pids[i] > 0)
            buf_printf(&b, "child %ld %s\n", (long)pids[i], pf->cmd);
    if (ftruncate(pf->fd, 0) == 0 && pwrite(pf->fd, b.data, b.len, 0) < 0) {
        /* best effort: the lock (dblock), not the content, keeps watchers apart */
    }
    buf_free(&b);
}

void pidfile_close(struct dw_pidfile *pf)
{
    if (!pf)
        return;
    unlink(pf->path);
    close(pf->fd);
    free(pf->path);
    free(pf->cmd);
    free(pf);
}
