/* cli_progress.c - the one-line progress meter of a long scan on a terminal
 * (cli.h): "name: 12.3 MB / 100.0 MB  1.20 M lines/s  ETA 0:07". */
#include <stdio.h>

#include "cli.h"
#include "report.h"

static double elapsed(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void cli_progress_start(struct cli_progress *pr, bool on)
{
    *pr = (struct cli_progress){.on = on};
    clock_gettime(CLOCK_MONOTONIC, &pr->started);
}

void cli_progress_input(struct cli_progress *pr, const char *name, uint64_t size)
{
    pr->input = name;
    pr->input_size = size;
    pr->input_done = 0;
}

/* Redraws at most five times a second, and only after the first second, so a
 * short scan never shows the meter. */
void cli_progress_update(struct cli_progress *pr, uint64_t done, uint64_t lines,
                         uint64_t bytes_before)
{
    pr->input_done = done;
    if (!pr->on)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double total = elapsed(&pr->started, &now);
    if (total < 1.0 || elapsed(&pr->last_draw, &now) < 0.2)
        return;
    pr->last_draw = now;
    double rate = (double)lines / total;
    struct dw_buf name = {0};
    report_text_escaped(&name, pr->input);
    fprintf(stderr, "\r\033[K  %s: %.1f MB", buf_cstr(&name), (double)done / 1e6);
    buf_free(&name);
    if (pr->input_size) {
        fprintf(stderr, " / %.1f MB", (double)pr->input_size / 1e6);
        double bps = (double)(bytes_before + done) / total;
        if (bps > 0 && pr->input_size > done) {
            long left = (long)((double)(pr->input_size - done) / bps);
            fprintf(stderr, "  %.2f M lines/s  ETA %ld:%02ld", rate / 1e6, left / 60, left % 60);
        }
    } else {
        fprintf(stderr, "  %.2f M lines/s", rate / 1e6);
    }
    fflush(stderr);
}

void cli_progress_clear(const struct cli_progress *pr)
{
    if (pr->on)
        fputs("\r\033[K", stderr);
}
