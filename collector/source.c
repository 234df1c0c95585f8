/* source.c - the followed file (tail -F). */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct dw_follow {
    char *path;
    int fd;
    dev_t dev;
    ino_t ino;
    off_t offset;
    bool missing_noted;
    bool last_nl; /* the last byte delivered was a newline (or none yet) */
};

struct dw_follow *follow_open(const char *path)
{
    struct dw_follow *f = xcalloc(1, sizeof *f);
    f->path = xstrdup(path);
    f->fd = -1;
    f->last_nl = true;
    return f;
}

static void end_line(struct dw_follow *f, dw_source_data_fn fn, void *ctx)
{
    if (!f->last_nl)
        fn("\n", 1, ctx);
    f->last_nl = true;
}

/* Reads fd from the current offset to its end. */
static size_t drain(struct dw_follow *f, dw_source_data_fn fn, void *ctx, struct dw_errors *notes)
{
    char buf[65536];
    size_t total = 0;
    for (;;) {
        ssize_t n = read(f->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break; /* a FIFO with nothing in it yet (opened O_NONBLOCK) */
        if (n < 0) {
            dw_errors_add(notes, "%s: read: %s", f->path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        fn(buf, (size_t)n, ctx);
        f->last_nl = buf[n - 1] == '\n';
        f->offset += n;
        total += (size_t)n;
        if (total >= DW_SOURCE_ROUND_MAX)
            break; /* let the caller commit and look at signals */
    }
    return total;
}

static void open_current(struct dw_follow *f, struct dw_errors *notes)
{
    int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        if (!f->missing_noted)
            dw_errors_add(notes, "%s: %s; waiting for it", f->path, strerror(errno));
        f->missing_noted = true;
        return;
    }
    if (S_ISDIR(st.st_mode)) { /* replaced by a directory after the start */
        close(fd);
        if (!f->missing_noted)
            dw_errors_add(notes, "%s: is a directory; waiting for a file", f->path);
        f->missing_noted = true;
        return;
    }
    if (f->missing_noted)
        dw_errors_add(notes, "%s: appeared, reading it", f->path);
    f->missing_noted = false;
    f->fd = fd;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->offset = 0;
}

size_t follow_read(struct dw_follow *f, dw_source_data_fn fn, void *ctx, struct dw_errors *notes)
{
    size_t total = 0;
    if (f->fd < 0)
        open_current(f, notes);
    if (f->fd < 0)
        return 0;
    struct stat cur;
    /* only a regular file can be truncated: a FIFO's size is always 0 */
    if (fstat(f->fd, &cur) == 0 && S_ISREG(cur.st_mode) && cur.st_size < f->offset) {
        dw_errors_add(notes, "%s: truncated, reading from the start", f->path);
        end_line(f, fn, ctx);
        lseek(f->fd, 0, SEEK_SET);
        f->offset = 0;
    }
    total += drain(f, fn, ctx, notes);
    struct stat now;
    bool replaced = stat(f->path, &now) != 0 || now.st_dev != f->dev || now.st_ino != f->ino;
    if (replaced) {
        /* rotated: finish the old file (a writer may have added a last line) */
        total += drain(f, fn, ctx, notes);
        end_line(f, fn, ctx);
        close(f->fd);
        f->fd = -1;
        dw_errors_add(notes, "%s: replaced (rotated), reopening", f->path);
        open_current(f, notes);
        if (f->fd >= 0)
            total += drain(f, fn, ctx, notes);
    }
    return total;
}

void follow_close(struct dw_follow *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    free(f->path);
    free(f);
}
