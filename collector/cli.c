/* cli.c - what the subcommands share: the table-driven option parser, help
 * and usage errors generated from the command table, error printing, and
 * loading the rules and opening the database the way every command does. */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"
#include "rules.h"
#include "util.h"

#define HELP_COLUMN 24 /* where an option's help starts */

const struct cli_cmd *cli_find(const struct cli_cmd *const *list, const char *name)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(list[i]->name, name) == 0)
            return list[i];
    return NULL;
}

void cli_cmd_path(const struct cli_cmd *c, struct dw_buf *buf)
{
    if (c->parent)
        cli_cmd_path(c->parent, buf);
    else
        buf_puts(buf, "dextwatch");
    buf_printf(buf, " %s", c->name);
}

/* Writes text with every line after the first indented by `indent` spaces. */
static void put_lines(FILE *out, const char *text, int indent)
{
    for (const char *p = text; *p; p++) {
        fputc(*p, out);
        if (*p == '\n' && p[1])
            fprintf(out, "%*s", indent, "");
    }
    fputc('\n', out);
}

/* "  -q, --quiet         no summary": the left part, then the help at
 * HELP_COLUMN (on the next line when the left part is too long). */
static void put_option(FILE *out, const struct cli_opt *o)
{
    char shortname[5] = "    ";
    if (o->short_name)
        snprintf(shortname, sizeof shortname, "-%c, ", o->short_name);
    int n =
        fprintf(out, "  %s--%s%s%s", shortname, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    if (n + 2 > HELP_COLUMN)
        fprintf(out, "\n%*s", HELP_COLUMN, "");
    else
        fprintf(out, "%*s", HELP_COLUMN - n, "");
    put_lines(out, o->help, HELP_COLUMN);
}

void cli_help(const struct cli_cmd *c, FILE *out)
{
    fprintf(out, "usage: dextwatch %s\n", c->usage);
    if (c->about)
        fprintf(out, "\n%s\n", c->about);
    if (c->actions) {
        fputs("\n", out);
        for (size_t i = 0; c->actions[i]; i++)
            fprintf(out, "  %-10s %s\n", c->actions[i]->name, c->actions[i]->summary);
    }
    if (c->opts && c->opts[0].name) {
        fputs("\n", out);
        for (const struct cli_opt *o = c->opts; o->name; o++)
            put_option(out, o);
    }
    if (c->epilog)
        fprintf(out, "\n%s\n", c->epilog);
    if (c->actions) {
        struct dw_buf path = {0};
        cli_cmd_path(c, &path);
        fprintf(out, "\nRun '%s ACTION --help' for an action's options.\n", path.data);
        buf_free(&path);
    }
}

void cli_overview(const struct cli_cmd *const *cmds, FILE *out)
{
    fputs("usage: dextwatch <command> [options] [args]\n"
          "\n"
          "Tells why a DriverKit extension (dext) or system extension did not load:\n"
          "classifies macOS unified-log lines with the rule packs, correlates them into\n"
          "incidents, stores them in SQLite and says what to do.\n"
          "\n"
          "commands:\n",
          out);
    for (size_t i = 0; cmds[i]; i++)
        fprintf(out, "  %-10s %s\n", cmds[i]->name, cmds[i]->summary);
    fputs("\n"
          "Run 'dextwatch help <command>' (or '<command> --help') for its options;\n"
          "'dextwatch --version' (-V) prints the version; 'dextwatch completion bash|zsh|fish'\n"
          "a shell completion script.\n"
          "Exit status: 0 nothing at or above --fail-on, 1 incidents at or above it,\n"
          "2 usage or input error.\n"
          "Environment: DEXTWATCH_DB (database path), DEXTWATCH_RULES (rule directory),\n"
          "NO_COLOR (no colours on a terminal unless --color=always), TZ (the local\n"
          "time of log times without an offset).\n",
          out);
}

int cli_usage_error(const struct cli_cmd *c, const char *fmt, ...)
{
    struct dw_buf path = {0}, msg = {0}, esc = {0};
    cli_cmd_path(c, &path);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    dw_escape_term(&esc, buf_cstr(&msg), msg.len);
    fprintf(stderr, "%s: %s\nTry 'dextwatch help %s'.\n", path.data, buf_cstr(&esc),
            path.data + strlen("dextwatch "));
    buf_free(&path);
    buf_free(&msg);
    buf_free(&esc);
    return DW_EXIT_USAGE;
}

int cli_run(const struct cli_cmd *c, int argc, char **argv)
{
    if (c->run)
        return c->run(c, argc, argv);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        cli_help(c, stdout);
        return DW_EXIT_OK;
    }
    const struct cli_cmd *a = argc >= 2 ? cli_find(c->actions, argv[1]) : NULL;
    if (a)
        return cli_run(a, argc - 1, argv + 1);
    struct dw_buf names = {0};
    for (size_t i = 0; c->actions[i]; i++)
        buf_printf(&names, "%s%s", i ? ", " : "", c->actions[i]->name);
    if (argc < 2)
        cli_usage_error(c, "which action? (%s)", names.data);
    else
        cli_usage_error(c, "unknown action '%s' (%s)", argv[1], names.data);
    buf_free(&names);
    return DW_EXIT_USAGE;
}

bool cli_value_in(const char *values, const char *value)
{
    size_t n = strlen(value);
    for (const char *p = values; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, value, n) == 0)
            return true;
        p += len + (bar ? 1 : 0);
    }
    return false;
}

/* ---- the parser ---- */

#define LONG_BASE 256 /* getopt_long's val for option i is LONG_BASE + i */

void cli_parse_begin(struct cli_parser *p, const struct cli_cmd *c, int argc, char **argv)
{
    *p = (struct cli_parser){.cmd = c, .argc = argc, .argv = argv, .status = -1};
    size_t n = 0;
    while (c->opts && c->opts[n].name)
        n++;
    struct option *lo = xcalloc(n + 1, sizeof *lo);
    size_t k = 0;
    p->shortopts[k++] = '+'; /* replaced by ':' unless in_order, see cli_next */
    p->shortopts[k++] = ':'; /* report a missing argument as ':' */
    for (size_t i = 0; i < n; i++) {
        const struct cli_opt *o = &c->opts[i];
        lo[i] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL,
                                (int)(LONG_BASE + i)};
        if (o->short_name && k + 3 < sizeof p->shortopts) {
            p->shortopts[k++] = o->short_name;
            if (o->arg)
                p->shortopts[k++] = ':';
        }
    }
    p->shortopts[k] = '\0';
    p->longopts = lo;
    optind = 0; /* a full reset of getopt's state, in glibc and the BSDs */
    opterr = 0;
}

void cli_parse_end(struct cli_parser *p)
{
    free(p->longopts);
    p->longopts = NULL;
}

/* The option index of short name ch, or -1. */
static int short_index(const struct cli_cmd *c, int ch)
{
    for (int i = 0; c->opts && c->opts[i].name; i++)
        if (c->opts[i].short_name && c->opts[i].short_name == ch)
            return i;
    return -1;
}

/* "--x" for an unknown long option (without "=value"), "-x" for a short one. */
static int unknown_option(struct cli_parser *p)
{
    if (optopt && optopt < LONG_BASE)
        return cli_usage_error(p->cmd, "unknown option '-%c'", optopt);
    const char *a = optind > 0 && optind <= p->argc ? p->argv[optind - 1] : "?";
    size_t n = strcspn(a, "=");
    return cli_usage_error(p->cmd, "unknown option '%.*s'", (int)n, a);
}

static int stop(struct cli_parser *p, int status)
{
    p->status = status;
    cli_parse_end(p);
    return CLI_STOP;
}

int cli_next(struct cli_parser *p)
{
    const char *shortopts = p->in_order ? p->shortopts : p->shortopts + 1;
    int ch = getopt_long(p->argc, p->argv, shortopts, p->longopts, NULL);
    if (ch == -1) {
        p->optind = optind;
        if (!p->cmd->operands && optind < p->argc)
            return stop(p, cli_usage_error(p->cmd, "unexpected argument '%s'", p->argv[optind]));
        cli_parse_end(p);
        return CLI_END;
    }
    bool missing = ch == ':'; /* an option without its argument: which is in optopt */
    if (missing)
        ch = optopt;
    int i = ch >= LONG_BASE ? ch - LONG_BASE : short_index(p->cmd, ch);
    if (ch == '?' || i < 0)
        return stop(p, unknown_option(p));
    if (missing)
        return stop(p, cli_usage_error(p->cmd, "option '--%s' needs an argument (%s)",
                                       p->cmd->opts[i].name, p->cmd->opts[i].arg));
    const struct cli_opt *o = &p->cmd->opts[i];
    p->arg = o->arg ? optarg : NULL;
    if (strcmp(o->name, "help") == 0) {
        cli_help(p->cmd, stdout);
        return stop(p, DW_EXIT_OK);
    }
    if (o->values && !cli_value_in(o->values, p->arg))
        return stop(p,
                    cli_usage_error(p->cmd, "--%s takes %s, not '%s'", o->name, o->values, p->arg));
    return i;
}

/* ---- shared by the commands ---- */

/* Messages may quote file names, config values or a child's stderr: they are
 * made safe for a terminal (and a CI log) like every other text we print. */
void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct dw_buf msg = {0}, esc = {0};
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    dw_escape_term(&esc, buf_cstr(&msg), msg.len);
    fprintf(stderr, "dextwatch: %s\n", buf_cstr(&esc));
    buf_free(&msg);
    buf_free(&esc);
}

void cli_errors(const struct dw_errors *err)
{
    for (size_t i = 0; i < err->n; i++)
        cli_error("%s", err->msgs[i]);
}

void cli_rules_add(struct cli_rules *r, const char *dir)
{
    xgrow((void **)&r->dirs, &r->cap, r->ndirs + 1, sizeof *r->dirs);
    r->dirs[r->ndirs++] = dir;
}

bool cli_rules_option(struct cli_rules *r, const struct cli_parser *p, int o)
{
    const char *name = p->cmd->opts[o].name;
    if (strcmp(name, "rules") == 0)
        cli_rules_add(r, p->arg);
    else if (strcmp(name, "no-default-rules") == 0)
        r->no_default = true;
    else
        return false;
    return true;
}

int cli_rules_resolve(struct cli_rules *r)
{
    if (r->no_default && r->ndirs == 0) {
        cli_error("--no-default-rules needs at least one --rules DIR");
        return -1;
    }
    free(r->layers);
    r->layers = xcalloc(r->ndirs + 2, sizeof *r->layers);
    r->nlayers = 0;
    if (!r->no_default) {
        r->layers[r->nlayers++] = (struct dw_rule_layer){dw_rules_dir(NULL, &r->shipped), false};
        if (dw_user_rules_dir(&r->user))
            r->layers[r->nlayers++] = (struct dw_rule_layer){buf_cstr(&r->user), true};
    }
    for (size_t i = 0; i < r->ndirs; i++)
        r->layers[r->nlayers++] = (struct dw_rule_layer){r->dirs[i], false};
    return 0;
}

void cli_rules_free(struct cli_rules *r)
{
    free(r->dirs);
    free(r->layers);
    buf_free(&r->shipped);
    buf_free(&r->user);
    *r = (struct cli_rules){0};
}

struct dw_ruleset *cli_load_rules(struct cli_rules *r)
{
    if (cli_rules_resolve(r) != 0)
        return NULL;
    struct dw_errors err = {0};
    struct dw_ruleset *rs = ruleset_load_layers(r->layers, r->nlayers, &err);
    if (!rs)
        cli_errors(&err);
    dw_errors_clear(&err);
    return rs;
}

struct dw_store *cli_open_store(const char *opt, enum dw_store_mode mode, struct dw_buf *path)
{
    struct dw_buf own = {0};
    struct dw_buf *b = path ? path : &own;
    struct dw_errors err = {0};
    struct dw_store *s = NULL;
    const char *p = dw_db_path(opt, b, &err);
    if (p)
        s = store_open(p, mode, &err);
    if (!s)
        cli_errors(&err);
    dw_errors_clear(&err);
    buf_free(&own);
    return s;
}

void cli_color_parse(const char *name, enum cli_color *out)
{
    *out = strcmp(name, "always") == 0  ? CLI_COLOR_ALWAYS
           : strcmp(name, "never") == 0 ? CLI_COLOR_NEVER
                                        : CLI_COLOR_AUTO;
}

bool cli_use_color(FILE *f, enum cli_color when)
{
    if (when != CLI_COLOR_AUTO)
        return when == CLI_COLOR_ALWAYS;
    const char *nc = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    return isatty(fileno(f)) && !(nc && *nc) && !(term && strcmp(term, "dumb") == 0);
}
