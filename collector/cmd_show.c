/* cmd_show.c - `dextwatch show ID`: one incident in full. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "platform.h"
#include "report.h"
#include "store.h"

static const char show_usage[] =
    "usage: dextwatch show [--db PATH] [--format text|json] ID\n"
    "\n"
    "Shows one stored incident: cause, classes, every kept evidence line (the first\n"
    "and last 20), decoded error codes and what to do.\n"
    "\n"
    "  --db PATH    database (default: $DEXTWATCH_DB, else the per-user state dir)\n"
    "  --format F   text (default) or json\n";

int cmd_show(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    enum dw_format format = DW_FORMAT_TEXT;
    const char *db_opt = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db_opt = optarg; break;
        case 'f':
            if (dw_format_parse(optarg, &format) != 0) {
                cli_error("show: unknown --format '%s' (text|json)", optarg);
                return DW_EXIT_USAGE;
            }
            break;
        case 'h': fputs(show_usage, stdout); return DW_EXIT_OK;
        default: fputs(show_usage, stderr); return DW_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        cli_error("show: give exactly one incident ID");
        fputs(show_usage, stderr);
        return DW_EXIT_USAGE;
    }
    char *end;
    long long id = strtoll(argv[optind], &end, 10);
    if (*argv[optind] == '\0' || *end || id <= 0) {
        cli_error("show: '%s' is not an incident ID (a number from 'dextwatch recent')",
                  argv[optind]);
        return DW_EXIT_USAGE;
    }

    struct dw_errors err = {0};
    struct dw_buf path = {0}, out = {0};
    struct dw_store *store = NULL;
    struct dw_incident *inc = NULL;
    int status = DW_EXIT_OK;
    if (!dw_db_path(db_opt, &path, &err) || !(store = store_open(path.data, DW_STORE_READ, &err)) ||
        store_get(store, id, &inc, &err) != 0) {
        for (size_t i = 0; i < err.n; i++)
            cli_error("%s", err.msgs[i]);
        status = DW_EXIT_USAGE;
    } else if (!inc) {
        cli_error("show: no incident #%lld in %s", id, path.data);
        status = DW_EXIT_USAGE;
    } else if (format == DW_FORMAT_JSON) {
        report_json_incident(&out, inc, id);
        printf("%s\n", out.data);
    } else {
        struct dw_text_style st = {.color = cli_use_color(stdout), .verbose = true};
        report_text_incident(&out, inc, id, &st);
        fputs(out.data, stdout);
    }
    incident_free(inc);
    store_close(store);
    buf_free(&path);
    buf_free(&out);
    dw_errors_clear(&err);
    return status;
}
