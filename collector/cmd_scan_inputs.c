/* cmd_scan_inputs.c - `dextwatch scan`'s inputs: files (plain or gzip),
 * directories, stdin and `log show` output through the pipeline, each ended
 * with its report (skipped lines, no events) to every output. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_scan_private.h"
#include "input.h"
#include "logcmd.h"
#include "logpump.h"
#include "outpath.h"
#include "walk.h"

#define READ_BLOCK (1u << 20)
#define CHILD_STDERR_MAX 4096

/* Moves the progress meter on: done bytes of the current input read. */
static void progress(struct scan *sc, const struct dw_pipeline *p, uint64_t done)
{
    uint64_t lines = pipeline_stats(p)->lines + pipeline_reader_stats(p)->lines;
    cli_progress_update(&sc->progress, done, lines, pipeline_stats(p)->bytes);
}

/* Ends an input: closes its incidents, reports skipped lines and an input
 * without events, and tells every output. */
static int end_input(struct scan *sc, struct dw_pipeline *p, const char *name, bool read_error,
                     struct dw_errors *err)
{
    int rc = read_error ? -1 : 0;
    if (pipeline_end(p, err) != 0)
        rc = -1;
    const struct dw_reader_stats *rs = pipeline_reader_stats(p);
    struct dw_buf esc = {0};
    report_text_escaped(&esc, name);
    if (rs->malformed || rs->oversized) {
        cli_progress_clear(&sc->progress);
        struct dw_buf why = {0};
        report_text_escaped(&why, rs->first_malformed_why);
        fprintf(stderr,
                "dextwatch: %s: %llu line(s) skipped as unparseable, %llu oversized record(s)",
                esc.data, (unsigned long long)rs->malformed, (unsigned long long)rs->oversized);
        if (rs->first_malformed_line)
            fprintf(stderr, " (first at line %ld: %s)", rs->first_malformed_line, buf_cstr(&why));
        fputc('\n', stderr);
        buf_free(&why);
    }
    if (rs->records == 0 && !read_error) {
        cli_progress_clear(&sc->progress);
        fprintf(stderr,
                "dextwatch: %s: %s: no log events in this input (a failed log "
                "collection?)\n",
                sc->require_events ? "error" : "warning", esc.data);
        if (sc->require_events)
            sc->input_error = true;
    }
    buf_free(&esc);
    struct dw_report_input in = {.name = name,
                                 .events = rs->records,
                                 .read_error = read_error,
                                 .no_events_is_error = sc->require_events};
    for (size_t i = 0; i < sc->outs.n; i++) {
        report_input(sc->outs.v[i].report, &in, &sc->out);
        scan_emit(sc, &sc->outs.v[i]);
    }
    return rc;
}

/* Feeds one open descriptor (plain or gzip) through the pipeline.  Returns 0,
 * or -1 on a read or decompression error (reported). */
static int scan_fd(struct scan *sc, struct dw_pipeline *p, const char *name, int fd,
                   struct dw_errors *err)
{
    struct stat st;
    cli_progress_input(&sc->progress, name,
                       (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) ? (uint64_t)st.st_size : 0);
    char *block = xmalloc(READ_BLOCK);
    struct dw_input *in = input_new(fd, name);
    bool failed = false;
    pipeline_begin(p, name);
    for (;;) {
        ssize_t n = input_read(in, block, READ_BLOCK, err);
        if (n < 0) {
            failed = true;
            break;
        }
        if (n == 0)
            break;
        pipeline_feed(p, block, (size_t)n);
        progress(sc, p, input_raw_bytes(in));
    }
    input_free(in);
    free(block);
    return end_input(sc, p, name, failed, err);
}

/* Writes sc->out to output o (and empties it), clearing the progress meter
 * first when o is the terminal. */
void scan_emit(struct scan *sc, struct dw_output *o)
{
    if (sc->out.len && (o->fp == stdout || o->fp == stderr))
        cli_progress_clear(&sc->progress);
    outputs_write(o, &sc->out);
}

/* What the `log show` pump feeds: the pipeline, and the child's stderr
 * (bounded) for the error message. */
struct log_show {
    struct scan *sc;
    struct dw_pipeline *p;
    struct dw_buf child_err;
};

static void show_out(void *ctx, const char *data, size_t n)
{
    struct log_show *ls = ctx;
    pipeline_feed(ls->p, data, n);
    progress(ls->sc, ls->p, ls->sc->progress.input_done + (uint64_t)n);
}

static void show_err(void *ctx, const char *line, size_t n)
{
    struct log_show *ls = ctx;
    if (ls->child_err.len < CHILD_STDERR_MAX) {
        size_t room = CHILD_STDERR_MAX - ls->child_err.len;
        buf_append(&ls->child_err, line, n < room ? n : room);
        buf_putc(&ls->child_err, '\n');
    }
}

/* Runs `<log> show --style ndjson --info [--predicate P] <what> <arg>` and
 * scans its output through the log pump (logpump.h, shared with watch); its
 * stderr is kept (bounded) for the error message. */
int scan_log_show(struct scan *sc, struct dw_pipeline *p, const char *logcmd, const char *predicate,
                  const char *what, const char *arg, struct dw_errors *err)
{
    struct dw_buf name = {0};
    buf_printf(&name, "log show %s %s", what, arg);
    char *args[10];
    size_t k = 0;
    args[k++] = "show";
    args[k++] = "--style";
    args[k++] = "ndjson";
    args[k++] = "--info";
    if (predicate) {
        args[k++] = "--predicate";
        args[k++] = (char *)predicate;
    }
    args[k++] = (char *)what;
    args[k++] = (char *)arg;
    args[k] = NULL;
    struct log_show ls = {.sc = sc, .p = p};
    struct dw_logpump pump;
    logpump_init(&pump, "show", &(struct dw_logpump_sink){show_out, show_err, &ls});
    if (logpump_start(&pump, logcmd, args, err) != 0) {
        pipeline_begin(p, name.data);
        end_input(sc, p, name.data, true, err);
        buf_free(&name);
        return -1;
    }
    cli_progress_input(&sc->progress, name.data, 0);
    pipeline_begin(p, name.data);
    size_t nerr = err->n;
    int status = logpump_run(&pump, err);
    bool failed = status < 0 || err->n > nerr;
    if (!failed && status != 0) {
        struct dw_buf why = {0};
        while (ls.child_err.len && (ls.child_err.data[ls.child_err.len - 1] == '\n'))
            ls.child_err.data[--ls.child_err.len] = '\0';
        dw_escape_term(&why, buf_cstr(&ls.child_err), ls.child_err.len);
        dw_errors_add(err, "%s: %s exited with status %d%s%s", name.data, logcmd, status,
                      why.len ? ": " : "", buf_cstr(&why));
        buf_free(&why);
        failed = true;
    }
    logpump_reset(&pump);
    buf_free(&ls.child_err);
    int rc = end_input(sc, p, name.data, failed, err);
    buf_free(&name);
    return rc;
}

bool scan_is_logarchive(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    return n > 11 && strncmp(path + n - 11, ".logarchive", 11) == 0;
}

/* Files a directory walk passes over, by the end of their name: artifacts
 * that sit beside logs and are known not to be logs.  Each is counted and
 * the count reported, never dropped silently.  A file named on the command
 * line is always read. */
static const char *const walk_skip_suffixes[] = {
    ".expected.json", /* a test's expected incidents, beside its log (tests/logs/) */
};

static bool scan_walk_skips(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof walk_skip_suffixes / sizeof walk_skip_suffixes[0]; i++) {
        size_t k = strlen(walk_skip_suffixes[i]);
        if (n > k && strcmp(path + n - k, walk_skip_suffixes[i]) == 0 && path[n - k - 1] != '/')
            return true;
    }
    return false;
}

struct scan_walk {
    struct scan *sc;
    struct dw_pipeline *p;
    struct dw_errors *err;
    uint64_t skipped;    /* files passed over (scan_walk_skips) */
    uint64_t skipped_db; /* the database's own files (sc->db and its -wal, -shm) */
};

/* A file the walk found: passed over when scan_walk_skips says so or when it
 * is a file of the database this scan writes, refused when it is one of our
 * --output files (a link to it inside the directory), else scanned. */
static int scan_walked(const char *path, void *ctx)
{
    struct scan_walk *w = ctx;
    if (scan_walk_skips(path)) {
        w->skipped++;
        return 0;
    }
    struct stat st;
    bool known = stat(path, &st) == 0;
    if (known && dw_store_file_suffix(w->sc->db, &st)) {
        w->skipped_db++;
        return 0;
    }
    const char *out = known ? outputs_same_file(&w->sc->outs, &st) : NULL;
    if (out) {
        dw_errors_add(w->err, "%s: is the output %s; refusing to read an output as input", path,
                      out);
        return -1;
    }
    return scan_path(w->sc, w->p, path, w->err);
}

/* Walks a directory; the number of files it passed over is said on stderr. */
static int scan_dir(struct scan *sc, struct dw_pipeline *p, const char *dir, struct dw_errors *err)
{
    struct scan_walk w = {sc, p, err, 0, 0};
    int rc = dw_walk(dir, scan_walked, &w, err);
    if (w.skipped || w.skipped_db) {
        cli_progress_clear(&sc->progress);
        struct dw_buf esc = {0};
        report_text_escaped(&esc, dir);
        if (w.skipped)
            fprintf(stderr,
                    "dextwatch: %s: %llu file(s) skipped, not logs (*.expected.json: test "
                    "expectations)\n",
                    esc.data, (unsigned long long)w.skipped);
        if (w.skipped_db)
            fprintf(stderr,
                    "dextwatch: %s: %llu file(s) skipped, the database this scan writes and "
                    "its -wal/-shm\n",
                    esc.data, (unsigned long long)w.skipped_db);
        buf_free(&esc);
    }
    return rc;
}

/* Scans a path: a regular file, or a directory recursively (walk.h: name
 * order, each file once, directory links inside not followed). */
int scan_path(struct scan *sc, struct dw_pipeline *p, const char *path, struct dw_errors *err)
{
    struct stat st;
    if (strcmp(path, "-") == 0)
        return scan_fd(sc, p, "-", STDIN_FILENO, err);
    if (stat(path, &st) != 0) {
        dw_errors_add(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return scan_dir(sc, p, path, err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        dw_errors_add(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    int rc = scan_fd(sc, p, path, fd, err);
    close(fd);
    return rc;
}
