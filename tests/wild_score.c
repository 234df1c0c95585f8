/* wild_score.c - scores dextwatch on a line-labelled corpus of real logs.
 *
 *   wild_score [--misses] [--min-recall R] [--min-precision P] DEXTWATCH LABELS.tsv LOGDIR
 *
 * LABELS.tsv (header line first) has one row per physical line of every log:
 *     file  line_number  expected_class  subject  source
 * with expected_class a failure class, `none` (harmless line) or
 * `continuation` (a wrapped part of the line above).  Each LOGDIR/file is
 * scanned with `DEXTWATCH scan --no-store --format json --quiet FILE` (no
 * shell) and each finding's line and class are compared with the labels:
 *
 *   - a continuation line takes the class of the line above (so it extends
 *     that line's event, or is `none` after a `none` line);
 *   - event recall: a run of consecutive lines with the same failure class is
 *     one event; it is found if any of its lines has a finding whose class is
 *     that class or a sub-class of it ("a.b" covers "a.b.c"); for `dext.exit`
 *     a finding of `entitlement.provider-check` also counts;
 *   - line precision: of the lines that have a finding, those whose every
 *     finding has a right class in that sense; a finding on a `none` line, or
 *     on a line past the labelled ones, is wrong.
 *
 * The half of a file is read from its name: wild-a-* is half A (the logs the
 * rules may be written from), wild-b-* half B (held out); both count in the
 * overall line.  Exit status: 0 when the overall recall and precision are at
 * or above the floors, 1 when not, 2 on a usage, label or scan error. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run_capture.h"

enum { HALF_A, HALF_B, HALF_ALL, NHALVES };
static const char *const half_names[NHALVES] = {"A", "B", "overall"};

struct tally {
    long files, events, found, flagged, right, failing, silent;
};

struct flags { /* findings on one line: their classes, joined by ',' */
    char *classes;
};

struct labelled_file {
    char *name;
    char **cls; /* cls[1..nlines], as labelled */
    size_t nlines, cap;
};

static struct labelled_file *files;
static size_t nfiles, files_cap;
static int show_misses;

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "wild_score: out of memory\n");
        exit(2);
    }
    return q;
}

static struct labelled_file *file_named(const char *name)
{
    for (size_t i = 0; i < nfiles; i++)
        if (strcmp(files[i].name, name) == 0)
            return &files[i];
    if (nfiles == files_cap)
        files = xrealloc(files, (files_cap = files_cap ? files_cap * 2 : 64) * sizeof *files);
    struct labelled_file *f = &files[nfiles++];
    memset(f, 0, sizeof *f);
    f->name = strdup(name);
    return f;
}

/* Reads LABELS.tsv into files[]; returns 0, or -1 after printing the place
 * and reason of a malformed row (a missing or repeated line is malformed). */
static int read_labels(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "wild_score: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *row = NULL;
    size_t rcap = 0;
    long rowno = 0;
    int rc = 0;
    while (rc == 0 && getline(&row, &rcap, fp) > 0) {
        if (++rowno == 1)
            continue; /* header */
        char *save = NULL, *name = strtok_r(row, "\t\n", &save);
        char *num = strtok_r(NULL, "\t\n", &save), *cls = strtok_r(NULL, "\t\n", &save);
        char *end = NULL;
        long line = num ? strtol(num, &end, 10) : 0;
        if (!name || !cls || !end || *end || line < 1 || line > 100000) {
            fprintf(stderr, "wild_score: %s:%ld: expected file, line_number, class\n", path, rowno);
            rc = -1;
            break;
        }
        struct labelled_file *f = file_named(name);
        if ((size_t)line >= f->cap) {
            size_t ncap = (size_t)line * 2;
            f->cls = xrealloc(f->cls, ncap * sizeof *f->cls);
            memset(f->cls + f->cap, 0, (ncap - f->cap) * sizeof *f->cls);
            f->cap = ncap;
        }
        if (f->cls[line]) {
            fprintf(stderr, "wild_score: %s:%ld: %s line %ld labelled twice\n", path, rowno, name,
                    line);
            rc = -1;
        }
        f->cls[line] = strdup(cls);
        if ((size_t)line > f->nlines)
            f->nlines = (size_t)line;
    }
    free(row);
    fclose(fp);
    return rc;
}

/* Every line 1..n of the file is labelled and the log has exactly n lines. */
static int labels_cover(const struct labelled_file *f, const char *path)
{
    for (size_t i = 1; i <= f->nlines; i++)
        if (!f->cls[i]) {
            fprintf(stderr, "wild_score: %s: line %zu has no label\n", f->name, i);
            return 0;
        }
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "wild_score: %s: %s\n", path, strerror(errno));
        return 0;
    }
    size_t lines = 0;
    int c, last = '\n';
    while ((c = getc(fp)) != EOF) {
        lines += c == '\n';
        last = c;
    }
    lines += last != '\n';
    fclose(fp);
    if (lines != f->nlines)
        fprintf(stderr, "wild_score: %s has %zu lines, %zu labelled\n", path, lines, f->nlines);
    return lines == f->nlines;
}

static void add_flag(struct flags *fl, const char *cls)
{
    size_t old = fl->classes ? strlen(fl->classes) : 0, add = strlen(cls);
    fl->classes = xrealloc(fl->classes, old + add + 2);
    if (old)
        fl->classes[old++] = ',';
    memcpy(fl->classes + old, cls, add + 1);
}

/* Scans path; fills flags[line] (lines 1..nflags-1; a finding past that is
 * put on line 0 = "outside the labels") and returns the number of incidents,
 * or -1 when dextwatch fails or prints something that is not an incident. */
static long scan(const char *exe, const char *path, struct flags *flags, size_t nflags)
{
    char *argv[] = {(char *)exe, "scan",    "--no-store", "--format",
                    "json",      "--quiet", (char *)path, NULL};
    char *out = NULL;
    int status = run_capture(argv, &out);
    if (status < 0 || status > 1) {
        fprintf(stderr, "wild_score: %s scan %s: exit status %d\n", exe, path, status);
        free(out);
        return -1;
    }
    long incidents = 0;
    char *save = NULL;
    for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        json_error_t e;
        json_t *inc = json_loads(l, 0, &e), *fs = json_object_get(inc, "findings");
        if (!json_is_array(fs)) {
            fprintf(stderr, "wild_score: %s: not an incident: %.120s\n", path, l);
            json_decref(inc);
            free(out);
            return -1;
        }
        incidents++;
        if (json_integer_value(json_object_get(inc, "findings_omitted")) > 0)
            fprintf(stderr, "wild_score: %s: warning: an incident omits findings\n", path);
        size_t i;
        json_t *f;
        json_array_foreach(fs, i, f)
        {
            json_int_t line = json_integer_value(json_object_get(f, "line"));
            const char *cls = json_string_value(json_object_get(f, "class"));
            add_flag(&flags[line >= 1 && (size_t)line < nflags ? (size_t)line : 0],
                     cls ? cls : "?");
        }
        json_decref(inc);
    }
    free(out);
    return incidents;
}

/* The finding class `got` is right for the expected class `want`: the same,
 * a sub-class, or provider-check for dext.exit (its reason in these logs). */
static int class_ok(const char *want, const char *got)
{
    size_t n = strlen(want);
    if (strncmp(want, got, n) == 0 && (got[n] == '\0' || got[n] == '.'))
        return 1;
    return strcmp(want, "dext.exit") == 0 && strcmp(got, "entitlement.provider-check") == 0;
}

/* Every class in the comma-joined list `got` is right for `want` (any = 0)
 * or at least one is (any = 1). */
static int classes_ok(const char *want, const char *got, int any)
{
    if (strcmp(want, "none") == 0)
        return 0;
    char *copy = strdup(got), *save = NULL;
    int all = 1, some = 0;
    for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
        int ok = class_ok(want, c);
        all &= ok;
        some |= ok;
    }
    free(copy);
    return any ? some : all;
}

/* Counts the events and flagged lines of one file into t[] (its half and the
 * overall line), listing misses and wrong lines when asked. */
static void score_file(const struct labelled_file *f, const struct flags *flags, long incidents,
                       struct tally *t)
{
    const char **eff = xrealloc(NULL, (f->nlines + 1) * sizeof *eff);
    long events = 0, found = 0, flagged = 0, right = 0;
    for (size_t i = 1; i <= f->nlines; i++)
        eff[i] = strcmp(f->cls[i], "continuation") != 0 ? f->cls[i] : i > 1 ? eff[i - 1] : "none";
    for (size_t i = 1; i <= f->nlines; i++) {
        if (strcmp(eff[i], "none") == 0 || (i > 1 && strcmp(eff[i - 1], eff[i]) == 0))
            continue;
        size_t end = i;
        while (end < f->nlines && strcmp(eff[end + 1], eff[i]) == 0)
            end++;
        int hit = 0;
        for (size_t k = i; k <= end && !hit; k++)
            hit = flags[k].classes && classes_ok(eff[i], flags[k].classes, 1);
        events++;
        found += hit;
        if (!hit && show_misses)
            printf("missed  %s:%zu-%zu  expected %s\n", f->name, i, end, eff[i]);
    }
    for (size_t i = 0; i <= f->nlines; i++) {
        if (!flags[i].classes)
            continue;
        const char *want = i ? eff[i] : "none";
        int ok = classes_ok(want, flags[i].classes, 0);
        flagged++;
        right += ok;
        if (!ok && show_misses)
            printf("wrong   %s:%zu  expected %s, got %s\n", f->name, i,
                   i ? want : "(a line past the labelled ones)", flags[i].classes);
    }
    int half = strncmp(f->name, "wild-a-", 7) == 0   ? HALF_A
               : strncmp(f->name, "wild-b-", 7) == 0 ? HALF_B
                                                     : HALF_ALL;
    int into[2] = {half, HALF_ALL};
    for (int k = half == HALF_ALL; k < 2; k++) {
        struct tally *h = &t[into[k]];
        h->files++;
        h->events += events;
        h->found += found;
        h->flagged += flagged;
        h->right += right;
        h->failing += events > 0;
        h->silent += events > 0 && incidents == 0;
    }
    free(eff);
}

static double ratio(long num, long den)
{
    return den ? (double)num / (double)den : 1.0;
}

static void print_table(const struct tally *t)
{
    printf("%-8s %5s %17s %7s %18s %9s  %s\n", "half", "files", "events found/all", "recall",
           "flagged right/all", "precision", "failing files with 0 incidents");
    for (int h = 0; h < NHALVES; h++) {
        char ev[32], fl[32];
        snprintf(ev, sizeof ev, "%ld/%ld", t[h].found, t[h].events);
        snprintf(fl, sizeof fl, "%ld/%ld", t[h].right, t[h].flagged);
        printf("%-8s %5ld %17s %7.3f %18s %9.3f  %ld/%ld\n", half_names[h], t[h].files, ev,
               ratio(t[h].found, t[h].events), fl, ratio(t[h].right, t[h].flagged), t[h].silent,
               t[h].failing);
    }
}

static int parse_floor(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    *out = strtod(s, &end);
    return errno == 0 && end != s && *end == '\0' && *out >= 0.0 && *out <= 1.0;
}

static int usage(void)
{
    fprintf(stderr, "usage: wild_score [--misses] [--min-recall R] [--min-precision P]\n"
                    "                  DEXTWATCH LABELS.tsv LOGDIR\n");
    return 2;
}

int main(int argc, char **argv)
{
    double min_recall = 0.0, min_precision = 0.0;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        int ok = 1;
        if (strcmp(argv[i], "--misses") == 0)
            show_misses = 1;
        else if (strcmp(argv[i], "--min-recall") == 0 && i + 1 < argc)
            ok = parse_floor(argv[++i], &min_recall);
        else if (strcmp(argv[i], "--min-precision") == 0 && i + 1 < argc)
            ok = parse_floor(argv[++i], &min_precision);
        else
            ok = 0;
        if (!ok)
            return usage();
    }
    if (argc - i != 3 || read_labels(argv[i + 1]) != 0)
        return argc - i != 3 ? usage() : 2;
    struct tally t[NHALVES] = {{0}};
    for (size_t k = 0; k < nfiles; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[i + 2], files[k].name);
        if (!labels_cover(&files[k], path))
            return 2;
        struct flags *flags = calloc(files[k].nlines + 1, sizeof *flags);
        long incidents = scan(argv[i], path, flags, files[k].nlines + 1);
        if (incidents < 0)
            return 2;
        score_file(&files[k], flags, incidents, t);
        for (size_t l = 0; l <= files[k].nlines; l++)
            free(flags[l].classes);
        free(flags);
    }
    print_table(t);
    const struct tally *all = &t[HALF_ALL];
    int met = ratio(all->found, all->events) >= min_recall &&
              ratio(all->right, all->flagged) >= min_precision;
    printf("floors: recall %.2f, precision %.2f: %s\n", min_recall, min_precision,
           met ? "met" : "NOT met");
    return met ? 0 : 1;
}
