/* walk.c - a directory's files, each once, without following directory
 * links (walk.h). */
#include "walk.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The files and directories seen, by device and inode: an open-addressing
 * hash set (a slot with used == false is empty), at most half full. */
struct seen_id {
    dev_t dev;
    ino_t ino;
    bool used;
};

struct walk {
    dw_walk_fn fn;
    void *ctx;
    struct dw_errors *err;
    struct seen_id *seen;
    size_t nseen, cap; /* cap is 0 or a power of two */
};

static size_t id_slot(const struct walk *w, dev_t dev, ino_t ino)
{
    uint64_t h = ((uint64_t)dev * UINT64_C(0x9e3779b97f4a7c15)) ^ (uint64_t)ino;
    h *= UINT64_C(0xff51afd7ed558ccd);
    size_t i = (size_t)(h >> 17) & (w->cap - 1);
    while (w->seen[i].used && (w->seen[i].dev != dev || w->seen[i].ino != ino))
        i = (i + 1) & (w->cap - 1);
    return i;
}

/* Records st's file; false when it was seen before. */
static bool first_visit(struct walk *w, const struct stat *st)
{
    if (2 * (w->nseen + 1) > w->cap) {
        struct seen_id *old = w->seen;
        size_t oldcap = w->cap;
        w->cap = oldcap ? 2 * oldcap : 64;
        w->seen = xcalloc(w->cap, sizeof *w->seen);
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].used)
                w->seen[id_slot(w, old[i].dev, old[i].ino)] = old[i];
        free(old);
    }
    size_t i = id_slot(w, st->st_dev, st->st_ino);
    if (w->seen[i].used)
        return false;
    w->seen[i] = (struct seen_id){st->st_dev, st->st_ino, true};
    w->nseen++;
    return true;
}

static int walk_dir(struct walk *w, const char *dir)
{
    char **names;
    size_t n;
    if (dw_dir_list(dir, "", &names, &n) != 0) {
        dw_errors_add(w->err, "%s: %s", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    size_t dlen = strlen(dir);
    for (size_t i = 0; i < n; i++) {
        struct dw_buf child = {0};
        buf_printf(&child, "%s%s%s", dir, dlen && dir[dlen - 1] == '/' ? "" : "/", names[i]);
        struct stat lst, st;
        /* a dangling link or a file that went away meanwhile is skipped */
        if (lstat(child.data, &lst) == 0 && stat(child.data, &st) == 0) {
            if (S_ISDIR(st.st_mode) && !S_ISLNK(lst.st_mode) && first_visit(w, &st))
                rc |= walk_dir(w, child.data);
            else if (S_ISREG(st.st_mode) && first_visit(w, &st) && w->fn(child.data, w->ctx) != 0)
                rc = -1;
        }
        buf_free(&child);
    }
    dw_strv_free(names, n);
    return rc;
}

int dw_walk(const char *dir, dw_walk_fn fn, void *ctx, struct dw_errors *err)
{
    struct walk w = {.fn = fn, .ctx = ctx, .err = err};
    struct stat st;
    if (stat(dir, &st) != 0) {
        dw_errors_add(err, "%s: %s", dir, strerror(errno));
        return -1;
    }
    first_visit(&w, &st);
    int rc = walk_dir(&w, dir);
    free(w.seen);
    return rc;
}
