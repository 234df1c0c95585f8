/* cmd_prune.c - `dextwatch prune --older-than DURATION`: retention by hand. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "duration.h"
#include "platform.h"
#include "store.h"
#include "store_prune.h"

enum { PRUNE_OLDER_THAN, PRUNE_DB, PRUNE_HELP };
static const struct cli_opt prune_opts[] = {
    [PRUNE_OLDER_THAN] = {"older-than", 0, "DURATION", NULL, "required (30d, 12h, ...)"},
    [PRUNE_DB] = CLI_OPT_DB,
    [PRUNE_HELP] = CLI_OPT_HELP,
    {0},
};

static int cmd_prune(const struct cli_cmd *self, int argc, char **argv);

const struct cli_cmd cmd_prune_entry = {
    .name = "prune",
    .summary = "delete incidents older than a duration",
    .usage = "prune --older-than DURATION [--db PATH]",
    .about = "Deletes the incidents whose last finding is older than DURATION (30d, 12h, ...)\n"
             "in log time, with their evidence.  `watch --retain` does the same hourly.",
    .opts = prune_opts,
    .run = cmd_prune,
};

static int cmd_prune(const struct cli_cmd *self, int argc, char **argv)
{
    const char *db_opt = NULL, *older = NULL;
    struct cli_parser p;
    cli_parse_begin(&p, self, argc, argv);
    for (int o; (o = cli_next(&p)) >= 0;) {
        switch (o) {
        case PRUNE_DB:
            db_opt = p.arg;
            break;
        case PRUNE_OLDER_THAN:
            older = p.arg;
            break;
        }
    }
    if (p.status >= 0)
        return p.status;
    int64_t age;
    if (!older)
        return cli_usage_error(&cmd_prune_entry, "--older-than DURATION is required (e.g. 30d)");
    if (dw_duration_parse(older, &age) != 0)
        return cli_usage_error(
            &cmd_prune_entry,
            "--older-than: '%s' is not a duration (units s, m, h, d, w: 90s, 12h, 30d)", older);
    struct dw_errors err = {0};
    struct dw_store *s = cli_open_store(db_opt, DW_STORE_WRITE, NULL);
    int64_t n = 0;
    if (!s)
        return DW_EXIT_USAGE;
    if (store_prune(s, dw_now_us() - age, &n, &err) == 0)
        printf("pruned %" PRId64 " incident(s) older than %s\n", n, older);
    store_close(s);
    int rc = err.n ? DW_EXIT_USAGE : DW_EXIT_OK;
    cli_errors(&err);
    dw_errors_clear(&err);
    return rc;
}
