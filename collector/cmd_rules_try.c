/* cmd_rules_try.c - two `rules` actions that look at patterns rather than
 * packs:
 *   rules try FILE|-        a rule tester in the spirit of fail2ban-regex: the
 *                           lines the catch-alls (class other.*) took, how
 *                           many lines each rule matched, the lines of the
 *                           rules' processes that no rule matched, the time
 *   rules try FILE|- REGEX  one ad-hoc PCRE2 pattern against each event's
 *                           message: the lines it matched and the counts
 *   rules export --format rg  the patterns, one per line, for ripgrep's
 *                           default (Rust regex) engine */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "platform.h"
#include "reader.h"
#include "rules.h"

#define TRY_UNMATCHED_DEFAULT 20

enum { TRY_RULES, TRY_NO_DEFAULT_RULES, TRY_STYLE, TRY_ALL, TRY_HELP };
const struct cli_opt cmd_rules_try_opts[] = {
    [TRY_RULES] = CLI_OPT_RULES,
    [TRY_NO_DEFAULT_RULES] = CLI_OPT_NO_DEFAULT_RULES,
    [TRY_STYLE] = {"style", 0, "S", CLI_STYLE_VALUES, "the input's style (default auto)"},
    [TRY_ALL] = {"all", 0, NULL, NULL, "every unmatched line, not the first 20"},
    [TRY_HELP] = CLI_OPT_HELP,
    {0},
};

enum { EXPORT_RULES, EXPORT_NO_DEFAULT_RULES, EXPORT_FORMAT, EXPORT_HELP };
const struct cli_opt cmd_rules_export_opts[] = {
    [EXPORT_RULES] = CLI_OPT_RULES,
    [EXPORT_NO_DEFAULT_RULES] = CLI_OPT_NO_DEFAULT_RULES,
    [EXPORT_FORMAT] = {"format", 0, "F", "rg", "rg (ripgrep's default engine); required"},
    [EXPORT_HELP] = CLI_OPT_HELP,
    {0},
};

struct try_state {
    struct dw_ruleset *rs;     /* the packs, or NULL with a pattern */
    struct dw_pattern *regex;  /* the ad-hoc pattern, or NULL */
    uint64_t regex_limit_hits; /* its matches abandoned at a PCRE2 limit */
    size_t *counts;            /* per rule */
    char **processes;          /* union of the rules' process filters */
    size_t nprocesses;
    size_t events, matched, unmatched_relevant, shown;
    size_t other, other_shown; /* findings of class other.* (the catch-alls) */
    size_t limit;              /* 0: all */
    struct dw_buf out;         /* the unmatched (or, with a pattern, matched) lines */
    struct dw_buf other_out;   /* the catch-alls' lines */
};

/* "  LINE: raw text" (escaped, without its line end) to out. */
static void put_line(struct dw_buf *out, const struct dw_event *ev)
{
    buf_printf(out, "  %6ld: ", ev->line);
    size_t n = ev->raw_len;
    while (n && (ev->raw[n - 1] == '\n' || ev->raw[n - 1] == '\r'))
        n--;
    dw_escape_term(out, ev->raw, n);
    buf_putc(out, '\n');
}

/* Adds the event's line to the list t->out, unless the list is full (the
 * first 20; --all: never full). */
static void list_line(struct try_state *t, const struct dw_event *ev)
{
    if (t->limit && t->shown >= t->limit)
        return;
    t->shown++;
    put_line(&t->out, ev);
}

/* With a pattern: the event's message against it. */
static void try_regex_event(struct try_state *t, const struct dw_event *ev)
{
    if (!pattern_match(t->regex, ev->message, ev->message_len, &t->regex_limit_hits))
        return;
    t->matched++;
    list_line(t, ev);
}

static bool process_relevant(const struct try_state *t, const char *process)
{
    if (!process)
        return true;
    for (size_t i = 0; i < t->nprocesses; i++)
        if (strcmp(t->processes[i], process) == 0)
            return true;
    return false;
}

static void try_event(const struct dw_event *ev, void *ctx)
{
    struct try_state *t = ctx;
    t->events++;
    if (t->regex) {
        try_regex_event(t, ev);
        return;
    }
    struct dw_finding *f = ruleset_classify(t->rs, ev);
    if (f) {
        t->matched++;
        bool other = strncmp(f->class_name, "other.", 6) == 0;
        t->other += other;
        if (other && (!t->limit || t->other_shown < t->limit)) {
            t->other_shown++;
            buf_printf(&t->other_out, "  [%s]\n", f->rule_id);
            put_line(&t->other_out, ev);
        }
        for (size_t i = 0; i < t->rs->nrules; i++)
            if (strcmp(t->rs->rules[i].id, f->rule_id) == 0) {
                t->counts[i]++;
                break;
            }
        finding_free(f);
        return;
    }
    if (!process_relevant(t, ev->process))
        return;
    t->unmatched_relevant++;
    list_line(t, ev);
}

/* Collects the distinct process names of all rule filters. */
static void collect_processes(struct try_state *t)
{
    size_t cap = 0;
    for (size_t i = 0; i < t->rs->nrules; i++) {
        const struct dw_rule *r = &t->rs->rules[i];
        for (size_t k = 0; k < r->nprocesses; k++) {
            bool seen = false;
            for (size_t j = 0; j < t->nprocesses && !seen; j++)
                seen = strcmp(t->processes[j], r->processes[k]) == 0;
            if (!seen) {
                xgrow((void **)&t->processes, &cap, t->nprocesses + 1, sizeof(char *));
                t->processes[t->nprocesses++] = r->processes[k];
            }
        }
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Feeds the whole input to the reader.  Returns 0, or -1 (message printed). */
static int feed_input(struct dw_reader *rd, const char *path)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp) {
        cli_error("rules try: %s: %s", path, strerror(errno));
        return -1;
    }
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, fp)) > 0)
        reader_feed(rd, buf, got);
    int bad = ferror(fp);
    if (fp != stdin)
        fclose(fp);
    reader_finish(rd);
    if (bad) {
        cli_error("rules try: %s: read error", path);
        return -1;
    }
    return 0;
}

/* The reader's unparseable lines, then the time. */
static void print_try_tail(const struct dw_reader_stats *st, double seconds)
{
    if (st->malformed)
        printf("\n%llu line%s could not be parsed (first at line %ld: %s)\n",
               (unsigned long long)st->malformed, st->malformed == 1 ? "" : "s",
               st->first_malformed_line, st->first_malformed_why);
    printf("\nTime: %.3f s (%.0f lines/s)\n", seconds,
           seconds > 0 ? (double)st->lines / seconds : 0.0);
}

/* With a pattern: the counts, the lines it matched. */
static void print_regex_report(struct try_state *t, const struct dw_reader_stats *st,
                               double seconds)
{
    printf("Lines: %llu lines, %zu events, %zu matched, %llu skipped as unparseable\n\n",
           (unsigned long long)st->lines, t->events, t->matched,
           (unsigned long long)(st->malformed + st->oversized));
    printf("Lines the pattern matched");
    if (t->matched > t->shown)
        printf(" (first %zu of %zu; --all for all)", t->shown, t->matched);
    printf(":\n%s", t->shown ? buf_cstr(&t->out) : "  (none)\n");
    print_try_tail(st, seconds);
}

static void print_try_report(struct try_state *t, const struct dw_reader_stats *st, double seconds)
{
    printf("Lines: %llu lines, %zu events, %zu matched, %zu not matched from the rules' "
           "processes\n\n",
           (unsigned long long)st->lines, t->events, t->matched, t->unmatched_relevant);
    /* first what no specific rule knows: the lines to write a rule for */
    printf("Lines only a catch-all (class other.*) matched, to write a rule for");
    if (t->other > t->other_shown)
        printf(" (first %zu of %zu; --all for all)", t->other_shown, t->other);
    printf(":\n%s\n", t->other_shown ? buf_cstr(&t->other_out) : "  (none)\n");
    printf("Rules that matched:\n");
    size_t any = 0;
    for (size_t i = 0; i < t->rs->nrules; i++)
        if (t->counts[i]) {
            any++;
            printf("  %7zu  %-36s %s\n", t->counts[i], t->rs->rules[i].id,
                   t->rs->rules[i].class_name);
        }
    if (!any)
        printf("  (none)\n");
    printf("\nLines of the rules' processes no rule matched");
    if (t->unmatched_relevant > t->shown)
        printf(" (first %zu of %zu; --all for all)", t->shown, t->unmatched_relevant);
    printf(":\n%s", t->shown ? buf_cstr(&t->out) : "  (none)\n");
    print_try_tail(st, seconds);
}

int cmd_rules_try_run(const struct cli_cmd *self, int argc, char **argv)
{
    struct cli_rules rules = {0};
    enum dw_style style = DW_STYLE_AUTO;
    size_t limit = TRY_UNMATCHED_DEFAULT;
    struct cli_parser p;
    cli_parse_begin(&p, self, argc, argv);
    p.in_order = true;
    for (int o; (o = cli_next(&p)) >= 0;) {
        if (cli_rules_option(&rules, &p, o))
            continue;
        switch (o) {
        case TRY_STYLE:
            dw_style_parse(p.arg, &style);
            break; /* checked by the table */
        case TRY_ALL:
            limit = 0;
            break;
        }
    }
    int nops = argc - p.optind;
    if (p.status < 0 && nops != 1 && nops != 2)
        p.status = cli_usage_error(self, "give FILE (or - for stdin) and, to try one, a REGEX");
    struct try_state t = {.limit = limit};
    if (p.status < 0 && nops == 2) {
        struct dw_buf why = {0};
        t.regex = pattern_compile(argv[p.optind + 1], &why);
        if (!t.regex) {
            cli_error("rules try: REGEX: %s", buf_cstr(&why));
            p.status = DW_EXIT_USAGE;
        }
        buf_free(&why);
    }
    struct dw_ruleset *rs = p.status >= 0 || t.regex ? NULL : cli_load_rules(&rules);
    cli_rules_free(&rules);
    if (p.status >= 0)
        return p.status;
    const char *path = argv[p.optind];
    if (!rs && !t.regex)
        return DW_EXIT_USAGE;
    t.rs = rs;
    t.counts = xcalloc(rs && rs->nrules ? rs->nrules : 1, sizeof(*t.counts));
    if (rs)
        collect_processes(&t);
    double start = now_seconds();
    struct dw_reader *rd = reader_new(path, style, try_event, &t);
    int rc = feed_input(rd, path);
    double seconds = now_seconds() - start;
    if (rc == 0 && t.regex)
        print_regex_report(&t, reader_stats(rd), seconds);
    else if (rc == 0)
        print_try_report(&t, reader_stats(rd), seconds);
    if (t.regex_limit_hits)
        cli_error("warning: REGEX: %llu match(es) abandoned at the PCRE2 match/depth limit "
                  "(catastrophic backtracking?); those lines were taken as not matching",
                  (unsigned long long)t.regex_limit_hits);
    struct dw_errors limits = {0}; /* rules that hit the PCRE2 limits, by id */
    ruleset_limit_report(rs, &limits);
    for (size_t i = 0; i < limits.n; i++)
        cli_error("warning: %s", limits.msgs[i]);
    dw_errors_clear(&limits);
    reader_free(rd);
    pattern_free(t.regex);
    buf_free(&t.out);
    buf_free(&t.other_out);
    free(t.counts);
    free(t.processes);
    ruleset_free(rs);
    return rc == 0 ? DW_EXIT_OK : DW_EXIT_USAGE;
}

/* ---- export ---- */

/* Rust regex meta characters: the only punctuation it lets be escaped in
 * older versions (ripgrep 13). */
static bool rust_meta(char c)
{
    return c && strchr("\\.+*?()|[]{}^$#&-~", c) != NULL;
}

/* The escape \e (e is not NUL) as Rust's regex writes it.  NULL, or why
 * Rust cannot. */
static const char *escape_to_rust(struct dw_buf *b, char e, bool in_class)
{
    if (e >= '1' && e <= '9')
        return "back reference";
    if (strchr("KGQERXCgkZhHvVN", e))
        return "PCRE2-only escape";
    if (e == 'n' && !in_class)
        return "line break (ripgrep matches within one line)";
    if (!(e >= 'a' && e <= 'z') && !(e >= 'A' && e <= 'Z') && !(e >= '0' && e <= '9') &&
        !rust_meta(e) && !(in_class && (e == ':')))
        buf_putc(b, e); /* \: \/ \' \" : plain characters for Rust */
    else
        buf_printf(b, "\\%c", e);
    return NULL;
}

/* The group opening at p[*i]: a named one becomes non-capturing (names would
 * clash when rg joins the patterns; *i moves to the name's end), the
 * PCRE2-only kinds are refused.  NULL, or why Rust cannot. */
static const char *group_to_rust(struct dw_buf *b, const char *p, size_t *i)
{
    const char *q = p + *i;
    if (strncmp(q, "(?=", 3) == 0 || strncmp(q, "(?!", 3) == 0 || strncmp(q, "(?<=", 4) == 0 ||
        strncmp(q, "(?<!", 4) == 0)
        return "lookaround";
    if (strncmp(q, "(?>", 3) == 0)
        return "atomic group";
    if (strncmp(q, "(?|", 3) == 0)
        return "branch reset";
    if (strncmp(q, "(*", 2) == 0 || strncmp(q, "(?R", 3) == 0 ||
        (q[1] == '?' && q[2] >= '0' && q[2] <= '9'))
        return "PCRE2 verb or recursion";
    if (strncmp(q, "(?<", 3) == 0 || strncmp(q, "(?P<", 4) == 0 || strncmp(q, "(?'", 3) == 0) {
        const char *e = strpbrk(q + 3, ">'");
        if (!e)
            return "unterminated group name";
        buf_puts(b, "(?:");
        *i = (size_t)(e - p);
        return NULL;
    }
    buf_putc(b, '(');
    return NULL;
}

/* Rewrites one PCRE2 pattern for Rust regex.  Returns NULL (and sets *why)
 * when it uses syntax Rust does not have. */
static char *pattern_to_rust(const char *p, const char **why)
{
    struct dw_buf b = {0};
    size_t n = strlen(p);
    int depth = 0;
    bool in_class = false, branch_start = true;
    *why = NULL;
    for (size_t i = 0; i < n && !*why; i++) {
        char c = p[i];
        if (c == '\\' && i + 1 < n) {
            *why = escape_to_rust(&b, p[++i], in_class);
            branch_start = false;
            continue;
        }
        if (in_class) {
            if (c == ']')
                in_class = false;
            buf_putc(&b, c);
            continue;
        }
        if (c == '[') {
            in_class = true;
            buf_putc(&b, c);
            if (i + 1 < n && p[i + 1] == '^')
                buf_putc(&b, p[++i]);
            if (i + 1 < n && p[i + 1] == ']')
                buf_putc(&b, p[++i]);
            branch_start = false;
            continue;
        }
        if (c == '(') {
            depth++;
            *why = group_to_rust(&b, p, &i);
            branch_start = false;
            continue;
        }
        if (c == ')') {
            depth--;
        } else if ((c == '+' || c == '?') && i > 0 && strchr("*+?}", p[i - 1]) &&
                   !(i > 1 && p[i - 2] == '\\') && !(p[i - 1] == '?' && c == '?')) {
            if (c == '+')
                *why = "possessive quantifier";
        } else if (c == '^' && depth == 0 && branch_start) {
            continue; /* rules match the message; ripgrep sees the whole line */
        } else if (c == '$' && depth == 0 && (i + 1 == n || p[i + 1] == '|')) {
            continue;
        }
        branch_start = depth == 0 && c == '|';
        buf_putc(&b, c);
    }
    if (*why) {
        buf_free(&b);
        return NULL;
    }
    return b.data ? buf_steal(&b) : xstrdup("");
}

int cmd_rules_export_run(const struct cli_cmd *self, int argc, char **argv)
{
    struct cli_rules rules = {0};
    bool format = false;
    struct cli_parser p;
    cli_parse_begin(&p, self, argc, argv);
    for (int o; (o = cli_next(&p)) >= 0;)
        if (!cli_rules_option(&rules, &p, o) && o == EXPORT_FORMAT)
            format = true; /* rg: checked by the table */
    if (p.status < 0 && !format)
        p.status = cli_usage_error(self, "--format rg is required (the only format)");
    struct dw_ruleset *rs = p.status >= 0 ? NULL : cli_load_rules(&rules);
    cli_rules_free(&rules);
    if (p.status >= 0)
        return p.status;
    if (!rs)
        return DW_EXIT_USAGE;
    for (size_t i = 0; i < rs->nrules; i++) {
        const char *why;
        char *rx = pattern_to_rust(rs->rules[i].pattern, &why);
        if (rx)
            printf("%s\n", rx);
        else
            fprintf(stderr, "# skipped %s: %s\n", rs->rules[i].id, why);
        free(rx);
    }
    ruleset_free(rs);
    return DW_EXIT_OK;
}
