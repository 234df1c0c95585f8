/* cmd_stats.c - `dextwatch stats`: what the watcher has read and found. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "forward.h"
#include "platform.h"
#include "store.h"
#include "store_stats.h"
#include "watch.h"

enum { STATS_DB, STATS_HELP };
static const struct cli_opt stats_opts[] = {
    [STATS_DB] = CLI_OPT_DB,
    [STATS_HELP] = CLI_OPT_HELP,
    {0},
};

static int cmd_stats(const struct cli_cmd *self, int argc, char **argv);

const struct cli_cmd cmd_stats_entry = {
    .name = "stats",
    .summary = "what watch has read and found; incidents per class and subject",
    .usage = "stats [--db PATH]",
    .about = "Lines read, events, findings (lines a rule matched), malformed lines, `log`\n"
             "child restarts and duplicates dropped after a resume, counted by `watch` over\n"
             "all its runs; then the stored incidents per class and per subject; then, per\n"
             "--forward destination, the outbox: events waiting, queued, sent and dropped\n"
             "(past --outbox-limit) over all runs, the last delivery and the last problem.",
    .opts = stats_opts,
    .run = cmd_stats,
};

static void print_outbox(struct dw_outbox_stats *v, size_t n)
{
    if (n == 0)
        return;
    printf("\nforwarding (outbox, all runs):\n");
    struct dw_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        buf_reset(&b);
        dw_escape_term(&b, v[i].destination, strlen(v[i].destination));
        printf("  %s\n", buf_cstr(&b));
        printf("    waiting     %" PRId64 "\n    queued      %" PRId64 "\n"
               "    sent        %" PRId64 "\n    dropped     %" PRId64 "\n",
               v[i].waiting, v[i].queued, v[i].sent, v[i].dropped);
        printf("    last sent   %s\n", v[i].last_sent_at ? v[i].last_sent_at : "never");
        if (v[i].last_error) {
            buf_reset(&b);
            dw_escape_term(&b, v[i].last_error, strlen(v[i].last_error));
            printf("    last error  %s: %s\n", v[i].last_error_at ? v[i].last_error_at : "?",
                   buf_cstr(&b));
        }
    }
    buf_free(&b);
}

static void print_counts(const char *title, struct dw_store_count *v, size_t n)
{
    printf("\nincidents per %s:\n", title);
    struct dw_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        buf_reset(&b);
        dw_escape_term(&b, v[i].name, strlen(v[i].name));
        printf("  %8" PRId64 "  %s\n", v[i].count, b.len ? buf_cstr(&b) : "(none)");
    }
    if (n == 0)
        puts("  (none)");
    buf_free(&b);
}

/* Prints the watch counters and the counts of the store; 0, or -1 with the
 * messages in err. */
static int print_stats(struct dw_store *s, struct dw_errors *err)
{
    char *value = NULL;
    struct dw_watch_counters w;
    store_state_get(s, DW_STATE_COUNTERS, &value, err);
    watch_counters_parse(value, &w);
    free(value);
    int64_t total = 0;
    struct dw_store_count *byclass = NULL, *bysubject = NULL;
    size_t ncl = 0, nsu = 0, nob = 0;
    struct dw_outbox_stats *outbox = NULL;
    store_count_incidents(s, &total, err);
    store_count_by_class(s, &byclass, &ncl, err);
    store_count_by_subject(s, &bysubject, &nsu, err);
    outbox_stats(s, &outbox, &nob, err);
    if (!err->n) {
        printf("watch (all runs):\n"
               "  lines read      %" PRIu64 "\n  events          %" PRIu64 "\n"
               "  matched         %" PRIu64 "\n  malformed       %" PRIu64 "\n"
               "  child restarts  %" PRIu64 "\n  duplicates      %" PRIu64 "\n"
               "incidents stored  %" PRId64 "\n",
               w.lines, w.events, w.findings, w.malformed, w.restarts, w.duplicates, total);
        print_counts("class", byclass, ncl);
        print_counts("subject", bysubject, nsu);
        print_outbox(outbox, nob);
    }
    store_counts_free(byclass, ncl);
    store_counts_free(bysubject, nsu);
    outbox_stats_free(outbox, nob);
    return err->n ? -1 : 0;
}

static int cmd_stats(const struct cli_cmd *self, int argc, char **argv)
{
    const char *db_opt = NULL;
    struct cli_parser p;
    cli_parse_begin(&p, self, argc, argv);
    for (int o; (o = cli_next(&p)) >= 0;)
        if (o == STATS_DB)
            db_opt = p.arg;
    if (p.status >= 0)
        return p.status;
    struct dw_store *s = cli_open_store(db_opt, DW_STORE_READ, NULL);
    if (!s)
        return DW_EXIT_USAGE;
    struct dw_errors err = {0};
    int rc = print_stats(s, &err) == 0 ? DW_EXIT_OK : DW_EXIT_USAGE;
    store_close(s);
    cli_errors(&err);
    dw_errors_clear(&err);
    return rc;
}
