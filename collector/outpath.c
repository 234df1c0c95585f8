/* outpath.c - refuse an output that would overwrite what the run reads or
 * keeps; check that stdout was written (outpath.h). */
#include "outpath.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* True when a and b name the same existing file. */
static bool same_file(const struct stat *a, const char *b)
{
    struct stat st;
    return stat(b, &st) == 0 && st.st_dev == a->st_dev && st.st_ino == a->st_ino;
}

/* True when out would be written inside the directory dir (or one below it)
 * at a place a walk of dir reads (walk.h: no hidden name on the way).  Compared
 * by device and inode up the resolved chain of out's directory, so another
 * spelling of either (./d, a symlink, a bind mount) is caught; a file not
 * yet there is caught too, as it will be by the time the walk reaches it. */
static bool walk_reaches(const char *out, const struct stat *dir)
{
    const char *slash = strrchr(out, '/');
    bool hidden = (slash ? slash[1] : out[0]) == '.';
    struct dw_buf parent = {0};
    if (!slash)
        buf_puts(&parent, ".");
    else if (slash == out)
        buf_puts(&parent, "/");
    else
        buf_append(&parent, out, (size_t)(slash - out));
    char *real = realpath(parent.data, NULL);
    buf_free(&parent);
    if (!real)
        return false; /* no such directory: the output cannot be opened either */
    bool reaches = false;
    for (;;) {
        struct stat st;
        if (stat(real, &st) == 0 && st.st_dev == dir->st_dev && st.st_ino == dir->st_ino) {
            reaches = !hidden;
            break;
        }
        char *last = strrchr(real, '/'); /* realpath is absolute */
        if (!last || last == real)
            break;
        hidden |= last[1] == '.';
        *last = '\0';
    }
    free(real);
    return reaches;
}

const char *dw_store_file_suffix(const char *db, const struct stat *st)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    if (!db)
        return NULL;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        struct dw_buf p = {0};
        buf_printf(&p, "%s%s", db, suffixes[i]);
        bool same = same_file(st, p.data);
        buf_free(&p);
        if (same)
            return suffixes[i];
    }
    return NULL;
}

int dw_output_check(const char *out, const char *db, char *const *inputs, size_t ninputs,
                    struct dw_errors *err)
{
    if (!out)
        return 0;
    /* a directory scanned (recursively) would read an output placed in it,
     * on a rerun if not during this walk */
    for (size_t i = 0; i < ninputs; i++) {
        struct stat dir;
        if (strcmp(inputs[i], "-") == 0 || stat(inputs[i], &dir) != 0 || !S_ISDIR(dir.st_mode))
            continue;
        if (walk_reaches(out, &dir)) {
            dw_errors_add(err,
                          "%s: refusing to write inside %s, a directory being scanned (it "
                          "would be read as input); write it elsewhere or under a hidden name",
                          out, inputs[i]);
            return -1;
        }
    }
    struct stat st;
    /* a file that does not exist yet is none of them (the database exists
     * by the time outputs are opened); a FIFO or terminal is never harmed */
    if (stat(out, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    const char *suffix = dw_store_file_suffix(db, &st);
    if (suffix && !*suffix) {
        dw_errors_add(err, "%s: refusing to write over the database %s", out, db);
        return -1;
    }
    if (suffix) {
        dw_errors_add(err, "%s: refusing to write over %s%s, a file of the database", out, db,
                      suffix);
        return -1;
    }
    for (size_t i = 0; i < ninputs; i++) {
        if (strcmp(inputs[i], "-") != 0 && same_file(&st, inputs[i])) {
            dw_errors_add(err, "%s: refusing to write over an input (%s)", out, inputs[i]);
            return -1;
        }
    }
    return 0;
}

int outputs_check_paths(const struct dw_outputs *o, const char *db, char *const *inputs,
                        size_t ninputs, struct dw_errors *err)
{
    for (size_t i = 0; i < o->n; i++)
        if (o->v[i].path && dw_output_check(o->v[i].path, db, inputs, ninputs, err) != 0)
            return -1;
    return 0;
}

const char *outputs_same_file(const struct dw_outputs *o, const struct stat *st)
{
    for (size_t i = 0; i < o->n; i++) {
        struct stat ost;
        const struct dw_output *out = &o->v[i];
        if (out->path && out->fp && fstat(fileno(out->fp), &ost) == 0 && ost.st_dev == st->st_dev &&
            ost.st_ino == st->st_ino)
            return out->path;
    }
    return NULL;
}

int dw_stdout_finish(struct dw_errors *err)
{
    /* ferror alone does not say why; the flush of what is still buffered
     * does, and a failed earlier write that left nothing buffered is
     * reported with the generic reason */
    errno = 0;
    bool failed = fflush(stdout) != 0 || ferror(stdout);
    int why = errno;
    if (fclose(stdout) != 0 && !failed) {
        failed = true;
        why = errno;
    }
    if (!failed || why == EPIPE)
        return 0;
    dw_errors_add(err, "stdout: write error: %s", why ? strerror(why) : "output was lost");
    return -1;
}
