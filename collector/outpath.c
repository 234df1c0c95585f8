/* outpath.c - refuse an output that would overwrite what the run reads or
 * keeps; check that stdout was written (outpath.h). */
#include "outpath.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* True when a and b name the same existing file. */
static bool same_file(const struct stat *a, const char *b)
{
    struct stat st;
    return stat(b, &st) == 0 && st.st_dev == a->st_dev && st.st_ino == a->st_ino;
}

int dw_output_check(const char *out, const char *db, char *const *inputs, size_t ninputs,
                    struct dw_errors *err)
{
    struct stat st;
    /* a file that does not exist yet is none of them (the database exists
     * by the time outputs are opened); a FIFO or terminal is never harmed */
    if (!out || stat(out, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    if (db) {
        static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
        for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
            struct dw_buf p = {0};
            buf_printf(&p, "%s%s", db, suffixes[i]);
            bool same = same_file(&st, p.data);
            buf_free(&p);
            if (same && !*suffixes[i])
                dw_errors_add(err, "%s: refusing to write over the database %s", out, db);
            else if (same)
                dw_errors_add(err, "%s: refusing to write over %s%s, a file of the database", out,
                              db, suffixes[i]);
            if (same)
                return -1;
        }
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
