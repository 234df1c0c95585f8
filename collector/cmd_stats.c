/* cmd_stats.c - `dextwatch stats`: what the watcher has read and found. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "forward.h"
#include "platform.h"
#include "store.h"
#include "store_stats.h"
#include "watch.h"

enum { STATS_DB, STATS_FORMAT, STATS_HELP };
static const struct cli_opt stats_opts[] = {
    [STATS_DB] = CLI_OPT_DB,
    [STATS_FORMAT] = {"format", 0, "F", "text|json",
                      "text (default) or json: one object, described by\n"
                      "docs/stats.schema.json"},
    [STATS_HELP] = CLI_OPT_HELP,
    {0},
};

static int cmd_stats(const struct cli_cmd *self, int argc, char **argv);

const struct cli_cmd cmd_stats_entry = {
    .name = "stats",
    .summary = "what watch has read and found; incidents per class and subject",
    .usage = "stats [--db PATH] [--format text|json]",
    .about = "Lines read, events, findings (lines a rule matched), malformed lines, `log`\n"
             "child restarts and duplicates dropped after a resume, counted by `watch` over\n"
             "all its runs; then the stored incidents per class and per subject; then, per\n"
             "--forward destination, the outbox: events waiting, queued, sent and dropped\n"
             "(past --outbox-limit) over all runs, the last delivery and the last problem.\n"
             "--format json prints the same as one JSON object (docs/stats.schema.json).",
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

/* What `stats` reports, read from the store. */
struct stats {
    struct dw_watch_counters watch;
    int64_t total;
    struct dw_store_count *byclass, *bysubject;
    size_t ncl, nsu, nob;
    struct dw_outbox_stats *outbox;
};

static json_t *counts_json(const struct dw_store_count *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            a, json_pack("{s:s, s:I}", "name", v[i].name, "count", (json_int_t)v[i].count));
    return a;
}

/* A string or null. */
static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* The documented object of docs/stats.schema.json, on one line. */
static void print_json(const struct stats *st)
{
    const struct dw_watch_counters *w = &st->watch;
    json_t *outbox = json_array();
    for (size_t i = 0; i < st->nob; i++) {
        const struct dw_outbox_stats *o = &st->outbox[i];
        json_array_append_new(
            outbox,
            json_pack("{s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "destination", o->destination,
                      "waiting", (json_int_t)o->waiting, "queued", (json_int_t)o->queued, "sent",
                      (json_int_t)o->sent, "dropped", (json_int_t)o->dropped, "last_sent_at",
                      string_or_null(o->last_sent_at), "last_error", string_or_null(o->last_error),
                      "last_error_at", string_or_null(o->last_error_at)));
    }
    json_t *root = json_pack("{s:i, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:I, s:o, s:o, s:o}",
                             "version", 1, "watch", "lines", (json_int_t)w->lines, "events",
                             (json_int_t)w->events, "matched", (json_int_t)w->findings, "malformed",
                             (json_int_t)w->malformed, "child_restarts", (json_int_t)w->restarts,
                             "duplicates", (json_int_t)w->duplicates, "incidents",
                             (json_int_t)st->total, "by_class", counts_json(st->byclass, st->ncl),
                             "by_subject", counts_json(st->bysubject, st->nsu), "outbox", outbox);
    char *text = root ? json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(root);
}

static void print_text(const struct stats *st)
{
    const struct dw_watch_counters *w = &st->watch;
    printf("watch (all runs):\n"
           "  lines read      %" PRIu64 "\n  events          %" PRIu64 "\n"
           "  matched         %" PRIu64 "\n  malformed       %" PRIu64 "\n"
           "  child restarts  %" PRIu64 "\n  duplicates      %" PRIu64 "\n"
           "incidents stored  %" PRId64 "\n",
           w->lines, w->events, w->findings, w->malformed, w->restarts, w->duplicates, st->total);
    print_counts("class", st->byclass, st->ncl);
    print_counts("subject", st->bysubject, st->nsu);
    print_outbox(st->outbox, st->nob);
}

/* Prints the watch counters and the counts of the store, as text or JSON;
 * 0, or -1 with the messages in err. */
static int print_stats(struct dw_store *s, bool json, struct dw_errors *err)
{
    char *value = NULL;
    struct stats st = {0};
    store_state_get(s, DW_STATE_COUNTERS, &value, err);
    watch_counters_parse(value, &st.watch);
    free(value);
    store_count_incidents(s, &st.total, err);
    store_count_by_class(s, &st.byclass, &st.ncl, err);
    store_count_by_subject(s, &st.bysubject, &st.nsu, err);
    outbox_stats(s, &st.outbox, &st.nob, err);
    if (!err->n) {
        if (json)
            print_json(&st);
        else
            print_text(&st);
    }
    store_counts_free(st.byclass, st.ncl);
    store_counts_free(st.bysubject, st.nsu);
    outbox_stats_free(st.outbox, st.nob);
    return err->n ? -1 : 0;
}

static int cmd_stats(const struct cli_cmd *self, int argc, char **argv)
{
    const char *db_opt = NULL;
    struct cli_parser p;
    cli_parse_begin(&p, self, argc, argv);
    bool json = false;
    for (int o; (o = cli_next(&p)) >= 0;) {
        if (o == STATS_DB)
            db_opt = p.arg;
        else if (o == STATS_FORMAT)
            json = strcmp(p.arg, "json") == 0;
    }
    if (p.status >= 0)
        return p.status;
    struct dw_store *s = cli_open_store(db_opt, DW_STORE_READ, NULL);
    if (!s)
        return DW_EXIT_USAGE;
    struct dw_errors err = {0};
    int rc = print_stats(s, json, &err) == 0 ? DW_EXIT_OK : DW_EXIT_USAGE;
    store_close(s);
    cli_errors(&err);
    dw_errors_clear(&err);
    return rc;
}
