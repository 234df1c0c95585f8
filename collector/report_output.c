/* report_output.c - the --format/--output pairs of `scan` and `recent`. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "numparse.h"
#include "report.h"

int outputs_add_format(struct dw_outputs *o, const char *name, struct dw_errors *err)
{
    enum dw_format f;
    if (dw_format_parse(name, &f) != 0) {
        dw_errors_add(err, "unknown --format '%s' (" DW_FORMAT_NAMES ")", name);
        return -1;
    }
    xgrow((void **)&o->v, &o->cap, o->n + 1, sizeof *o->v);
    o->v[o->n++] = (struct dw_output){.format = f};
    return 0;
}

int outputs_set_path(struct dw_outputs *o, const char *path, struct dw_errors *err)
{
    struct dw_output *last = o->n ? &o->v[o->n - 1] : NULL;
    if (!last || last->path) {
        dw_errors_add(err, "--output '%s' must follow the --format it is for", path);
        return -1;
    }
    const char *summary = getenv("GITHUB_STEP_SUMMARY");
    last->path = path;
    last->append = summary && *summary && strcmp(summary, path) == 0;
    return 0;
}

int outputs_settle(struct dw_outputs *o, bool stderr_summary, struct dw_errors *err)
{
    size_t to_stdout = 0;
    bool text_on_stdout = false;
    if (o->n == 0)
        outputs_add_format(o, "text", err);
    for (size_t i = 0; i < o->n; i++) {
        if (o->v[i].path) {
            for (size_t j = 0; j < i; j++)
                if (o->v[j].path && strcmp(o->v[i].path, o->v[j].path) == 0) {
                    dw_errors_add(err, "two formats write to '%s'", o->v[i].path);
                    return -1;
                }
        } else {
            to_stdout++;
            text_on_stdout = text_on_stdout || o->v[i].format == DW_FORMAT_TEXT;
        }
    }
    if (to_stdout > 1) {
        dw_errors_add(err, "more than one --format writes to stdout; give the others "
                           "--output FILE");
        return -1;
    }
    if (stderr_summary && !text_on_stdout) {
        xgrow((void **)&o->v, &o->cap, o->n + 1, sizeof *o->v);
        o->v[o->n++] = (struct dw_output){.format = DW_FORMAT_TEXT, .summary_only = true};
    }
    return 0;
}

/* For output `self`: the other outputs that hold every incident (not the capped github
 * annotations, not the stderr summary), for the pointer notice and the step summary's
 * omission note: "the step summary, dextwatch-junit.xml (junit)" (raw text). */
static void outputs_elsewhere(const struct dw_outputs *o, size_t self, struct dw_buf *b)
{
    buf_reset(b);
    for (size_t i = 0; i < o->n; i++) {
        const struct dw_output *x = &o->v[i];
        if (i == self || x->summary_only || x->format == DW_FORMAT_GITHUB)
            continue;
        if (b->len)
            buf_puts(b, ", ");
        if (x->append)
            buf_printf(b, "the step summary (%s)", dw_format_name(x->format));
        else
            buf_printf(b, "%s (%s)", x->path ? x->path : "standard output",
                       dw_format_name(x->format));
    }
}

/* $DEXTWATCH_GITHUB_ANNOTATIONS: how many annotations the github format may write in all
 * (1..50; unset or empty: 50).  0, or -1 with a message. */
static int outputs_annotation_limit(int *limit, struct dw_errors *err)
{
    const char *s = getenv(DW_GITHUB_ANNOTATIONS_ENV);
    int64_t v = DW_GITHUB_MAX_ANNOTATIONS;
    if (s && *s && dw_parse_int64(s, 1, DW_GITHUB_MAX_ANNOTATIONS, &v) != 0) {
        dw_errors_add(err, "%s='%s': give a whole number from 1 to %d", DW_GITHUB_ANNOTATIONS_ENV,
                      s, DW_GITHUB_MAX_ANNOTATIONS);
        return -1;
    }
    *limit = (int)v;
    return 0;
}

/* The room left in the step summary (appended to, and GitHub refuses one over 1 MiB). */
static size_t outputs_summary_room(FILE *fp)
{
    struct stat st;
    if (fstat(fileno(fp), &st) != 0 || st.st_size < 0)
        return DW_STEP_SUMMARY_MAX;
    if ((uint64_t)st.st_size >= DW_STEP_SUMMARY_MAX)
        return 1; /* full already: a limit of 1 byte writes nothing */
    return DW_STEP_SUMMARY_MAX - (size_t)st.st_size;
}

int outputs_open(struct dw_outputs *o, const struct dw_report_opts *opts, struct dw_errors *err)
{
    int annotations;
    if (outputs_annotation_limit(&annotations, err) != 0)
        return -1;
    struct dw_buf elsewhere = {0};
    for (size_t i = 0; i < o->n; i++) {
        struct dw_output *out = &o->v[i];
        if (out->summary_only) {
            out->fp = stderr;
        } else if (!out->path) {
            out->fp = stdout;
        } else {
            int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (out->append ? O_APPEND : O_TRUNC);
            int fd = open(out->path, flags, 0644);
            if (fd < 0 || !(out->fp = fdopen(fd, out->append ? "a" : "w"))) {
                dw_errors_add(err, "%s: %s", out->path, strerror(errno));
                if (fd >= 0)
                    close(fd);
                buf_free(&elsewhere);
                return -1;
            }
        }
        struct dw_report_opts ro = *opts;
        ro.summary_only = out->summary_only;
        ro.color = opts->color && out->fp == stdout;
        outputs_elsewhere(o, i, &elsewhere);
        ro.elsewhere = buf_cstr(&elsewhere);
        ro.max_bytes = out->append ? outputs_summary_room(out->fp) : 0;
        ro.max_annotations = annotations;
        out->report = report_new(out->format, &ro);
    }
    buf_free(&elsewhere);
    return 0;
}

void outputs_write(struct dw_output *out, struct dw_buf *b)
{
    if (b->len && out->fp && fwrite(b->data, 1, b->len, out->fp) != b->len)
        out->write_failed = true;
    buf_reset(b);
}

int outputs_close(struct dw_outputs *o, struct dw_errors *err)
{
    int rc = 0;
    for (size_t i = 0; i < o->n; i++) {
        struct dw_output *out = &o->v[i];
        if (!out->fp)
            continue;
        bool bad = out->write_failed || fflush(out->fp) != 0 || ferror(out->fp);
        if (out->path && fclose(out->fp) != 0)
            bad = true;
        out->fp = NULL;
        if (bad) {
            dw_errors_add(err, "%s: write error: %s", out->path ? out->path : "stdout",
                          strerror(errno));
            rc = -1;
        }
    }
    return rc;
}

void outputs_free(struct dw_outputs *o)
{
    for (size_t i = 0; i < o->n; i++) {
        if (o->v[i].fp && o->v[i].path)
            fclose(o->v[i].fp);
        report_free(o->v[i].report);
    }
    free(o->v);
    o->v = NULL;
    o->n = o->cap = 0;
}
