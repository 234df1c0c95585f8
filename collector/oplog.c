/* oplog.c - messages for the operator, and the size-bounded log file
 * (oplog.h). */
#include "oplog.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void oplog_say(const struct dw_oplog *l, const char *fmt, ...)
{
    if (!l || !l->fn)
        return;
    struct dw_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    l->fn(l->ctx, buf_cstr(&b));
    buf_free(&b);
}

void oplog_errors(const struct dw_oplog *l, const char *prefix, struct dw_errors *e)
{
    for (size_t i = 0; i < e->n; i++)
        oplog_say(l, "%s%s", prefix, e->msgs[i]);
    dw_errors_clear(e);
}

struct dw_logfile {
    char *path;
    int64_t max_bytes;
    bool take_stderr;
    int fd;
    pthread_mutex_t mu;
};

/* (Re)opens lf->path, making it stderr when asked.  0, or -1 (err). */
static int logfile_reopen(struct dw_logfile *lf, struct dw_errors *err)
{
    int fd = dw_open_own_file(lf->path, O_WRONLY | O_APPEND | O_CREAT, 0644, err);
    if (fd < 0)
        return -1;
    fcntl(fd, F_SETFL, O_APPEND); /* blocking again: it is a regular file */
    if (lf->take_stderr && dup2(fd, STDERR_FILENO) < 0) {
        dw_errors_add(err, "%s: dup2: %s", lf->path, strerror(errno));
        close(fd);
        return -1;
    }
    if (lf->fd >= 0)
        close(lf->fd);
    lf->fd = fd;
    return 0;
}

struct dw_logfile *logfile_open(const char *path, int64_t max_bytes, bool take_stderr,
                                struct dw_errors *err)
{
    struct dw_logfile *lf = xcalloc(1, sizeof *lf);
    lf->path = xstrdup(path);
    lf->max_bytes = max_bytes;
    lf->take_stderr = take_stderr;
    lf->fd = -1;
    if (logfile_reopen(lf, err) != 0) {
        free(lf->path);
        free(lf);
        return NULL;
    }
    pthread_mutex_init(&lf->mu, NULL);
    return lf;
}

/* FILE -> FILE.1, and a new FILE.  On failure the old descriptor stays (the
 * line is not lost) and the reason goes into the log itself. */
static void logfile_rotate(struct dw_logfile *lf)
{
    struct dw_buf old = {0}, note = {0};
    struct dw_errors e = {0};
    buf_printf(&old, "%s.1", lf->path);
    if (rename(lf->path, old.data) != 0)
        buf_printf(&note, "dextwatch: cannot rotate %s: %s\n", lf->path, strerror(errno));
    else if (logfile_reopen(lf, &e) != 0)
        buf_printf(&note, "dextwatch: cannot reopen the log after rotating it: %s\n", e.msgs[0]);
    if (note.len && write(lf->fd, note.data, note.len) < 0) {
        /* nowhere else to say it */
    }
    dw_errors_clear(&e);
    buf_free(&old);
    buf_free(&note);
}

void logfile_write(struct dw_logfile *lf, const char *line, size_t n)
{
    pthread_mutex_lock(&lf->mu);
    struct stat st;
    if (lf->max_bytes > 0 && fstat(lf->fd, &st) == 0 && st.st_size > 0 &&
        (int64_t)st.st_size + (int64_t)n > lf->max_bytes)
        logfile_rotate(lf);
    while (n > 0) {
        ssize_t w = write(lf->fd, line, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* a full disk: the service goes on without its log */
        line += w;
        n -= (size_t)w;
    }
    pthread_mutex_unlock(&lf->mu);
}

void logfile_close(struct dw_logfile *lf)
{
    if (!lf)
        return;
    close(lf->fd);
    pthread_mutex_destroy(&lf->mu);
    free(lf->path);
    free(lf);
}
