/* cmd_prune.c - `dextwatch prune --older-than DURATION`: retention by hand. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "duration.h"
#include "platform.h"
#include "store.h"
#include "store_prune.h"

static const char prune_usage[] =
    "usage: dextwatch prune --older-than DURATION [--db PATH]\n"
    "\n"
    "Deletes the incidents whose last finding is older than DURATION (30d, 12h, ...)\n"
    "in log time, with their evidence.  `watch --retain` does the same hourly.\n"
    "\n"
    "  --older-than DURATION   required\n"
    "  --db PATH               database (default: $DEXTWATCH_DB or the per-user one)\n"
    "  -h, --help              this help\n";

int cmd_prune(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"older-than", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db_opt = NULL, *older = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db_opt = optarg; break;
        case 'o': older = optarg; break;
        case 'h': fputs(prune_usage, stdout); return DW_EXIT_OK;
        default: fputs(prune_usage, stderr); return DW_EXIT_USAGE;
        }
    }
    int64_t age;
    if (!older || dw_duration_parse(older, &age) != 0 || optind < argc) {
        cli_error("prune: --older-than DURATION is required (e.g. 30d)");
        fputs(prune_usage, stderr);
        return DW_EXIT_USAGE;
    }
    struct dw_buf db = {0};
    struct dw_errors err = {0};
    struct dw_store *s = NULL;
    int64_t n = 0;
    if (dw_db_path(db_opt, &db, &err))
        s = store_open(buf_cstr(&db), DW_STORE_WRITE, &err);
    if (s && store_prune(s, dw_now_us() - age, &n, &err) == 0)
        printf("pruned %" PRId64 " incident(s) older than %s\n", n, older);
    if (s)
        store_close(s);
    int rc = err.n ? DW_EXIT_USAGE : DW_EXIT_OK;
    for (size_t i = 0; i < err.n; i++)
        cli_error("%s", err.msgs[i]);
    dw_errors_clear(&err);
    buf_free(&db);
    return rc;
}
