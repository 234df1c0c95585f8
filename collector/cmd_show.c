/* cmd_show.c - `dextwatch show ID`: one incident in full. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "numparse.h"
#include "report.h"
#include "store.h"

enum { SHOW_DB, SHOW_FORMAT, SHOW_COLOR, SHOW_UTC, SHOW_HELP };
static const struct cli_opt show_opts[] = {
    [SHOW_DB] = CLI_OPT_DB,
    [SHOW_FORMAT] = {"format", 0, "F", "text|json", "text (default) or json"},
    [SHOW_COLOR] = CLI_OPT_COLOR,
    [SHOW_UTC] = CLI_OPT_UTC,
    [SHOW_HELP] = CLI_OPT_HELP,
    {0},
};

static int cmd_show(const struct cli_cmd *self, int argc, char **argv);

const struct cli_cmd cmd_show_entry = {
    .name = "show",
    .summary = "show one incident with its evidence and remediation",
    .usage = "show [--db PATH] [--format text|json] [--color WHEN] [--utc] ID",
    .about = "Shows one stored incident: cause, classes, every kept evidence line (the first\n"
             "and last 20), decoded error codes and what to do.",
    .opts = show_opts,
    .operands = "ID",
    .run = cmd_show,
};

/* Prints incident id of the store in the format; the exit status. */
static int show_incident(struct dw_store *store, const char *path, long long id,
                         enum dw_format format, const struct dw_text_style *st)
{
    struct dw_errors err = {0};
    struct dw_incident *inc = NULL;
    struct dw_buf out = {0};
    int status = DW_EXIT_OK;
    if (store_get(store, id, &inc, &err) != 0) {
        cli_errors(&err);
        status = DW_EXIT_USAGE;
    } else if (!inc) {
        cli_error("show: no incident #%lld in %s", id, path);
        status = DW_EXIT_USAGE;
    } else if (format == DW_FORMAT_JSON) {
        report_json_incident(&out, inc, id);
        printf("%s\n", out.data);
    } else {
        report_text_incident(&out, inc, id, st);
        fputs(out.data, stdout);
    }
    incident_free(inc);
    buf_free(&out);
    dw_errors_clear(&err);
    return status;
}

static int cmd_show(const struct cli_cmd *self, int argc, char **argv)
{
    enum dw_format format = DW_FORMAT_TEXT;
    enum cli_color color = CLI_COLOR_AUTO;
    struct dw_text_style st = {.verbose = true};
    const char *db_opt = NULL;
    struct cli_parser p;
    cli_parse_begin(&p, self, argc, argv);
    for (int o; (o = cli_next(&p)) >= 0;) {
        switch (o) {
        case SHOW_DB:
            db_opt = p.arg;
            break;
        case SHOW_FORMAT:
            dw_format_parse(p.arg, &format);
            break; /* text|json: checked */
        case SHOW_COLOR:
            cli_color_parse(p.arg, &color);
            break;
        case SHOW_UTC:
            st.utc = true;
            break;
        }
    }
    if (p.status >= 0)
        return p.status;
    if (p.optind != argc - 1)
        return cli_usage_error(&cmd_show_entry, "give exactly one incident ID");
    int64_t id;
    if (dw_parse_int64(argv[p.optind], 1, INT64_MAX, &id) != 0)
        return cli_usage_error(&cmd_show_entry,
                               "'%s' is not an incident ID (a number from 'dextwatch recent')",
                               argv[p.optind]);
    st.color = cli_use_color(stdout, color);
    struct dw_buf path = {0};
    struct dw_store *store = cli_open_store(db_opt, DW_STORE_READ, &path);
    int status =
        store ? show_incident(store, path.data, (long long)id, format, &st) : DW_EXIT_USAGE;
    store_close(store);
    buf_free(&path);
    return status;
}
