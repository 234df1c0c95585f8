/* rules_selftest.c - every rule's examples and counterexamples through the
 * whole rule set (`dextwatch rules test`).  The rules see events only: the
 * caller says how an example line becomes events (dw_example_read_fn), so
 * the rules layer never runs a reader itself. */
#include <stdbool.h>
#include <string.h>

#include "rules.h"

struct example_run {
    struct dw_ruleset *rs;
    struct dw_finding *f;
    size_t events;
};

static void example_event(const struct dw_event *ev, void *ctx)
{
    struct example_run *run = ctx;
    if (run->events++ == 0)
        run->f = ruleset_classify(run->rs, ev);
}

/* Has read turn one example line into events and classifies the first.
 * Returns the finding (caller frees) or NULL; *events gets the event count. */
static struct dw_finding *classify_line(struct dw_ruleset *rs, dw_example_read_fn read,
                                        const char *input, const char *line, size_t *events)
{
    struct example_run run = {rs, NULL, 0};
    read(input, line, example_event, &run);
    *events = run.events;
    return run.f;
}

/* Compares expected captures (a subset) with the finding's.  Appends the
 * first difference to why and returns false, or returns true. */
static bool captures_match(const struct dw_rule_example *ex, const struct dw_finding *f,
                           struct dw_buf *why)
{
    for (size_t i = 0; i < ex->ncaps; i++) {
        const char *got = finding_capture(f, ex->caps[i].name);
        if (!got) {
            buf_printf(why, "capture '%s' missing (expected '%s')", ex->caps[i].name,
                       ex->caps[i].value);
            return false;
        }
        if (strcmp(got, ex->caps[i].value) != 0) {
            buf_printf(why, "capture '%s' is '", ex->caps[i].name);
            dw_escape_term(why, got, strlen(got));
            buf_printf(why, "' (expected '%s')", ex->caps[i].value);
            return false;
        }
    }
    return true;
}

/* Soundness of the rule's literals: a message the rule matched must contain
 * one of them, or the prefilter would have dropped the line. */
static bool literals_contained(const struct dw_rule *r, const struct dw_finding *f,
                               struct dw_buf *why)
{
    if (r->nliterals == 0)
        return true;
    for (size_t i = 0; i < r->nliterals; i++)
        if (strstr(f->message, r->literals[i]))
            return true;
    buf_printf(why, "message contains none of the rule's %s literals (",
               r->literals_declared ? "declared" : "derived");
    for (size_t i = 0; i < r->nliterals; i++) {
        buf_puts(why, i ? ", '" : "'");
        dw_escape_term(why, r->literals[i], strlen(r->literals[i]));
        buf_putc(why, '\'');
    }
    buf_puts(why, "): the prefilter would drop it");
    return false;
}

size_t ruleset_self_test(struct dw_ruleset *rs, dw_example_read_fn read, struct dw_errors *err)
{
    size_t failures = 0;
    struct dw_buf why = {0};
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct dw_rule *r = &rs->rules[i];
        if (r->nexamples == 0) {
            dw_errors_add(err, "%s:%d:%d: rule '%s': no examples", r->file, r->src_line, r->src_col,
                          r->id);
            failures++;
        }
        for (size_t k = 0; k < r->nexamples + r->ncounterexamples; k++) {
            bool counter = k >= r->nexamples;
            const struct dw_rule_example *ex =
                counter ? &r->counterexamples[k - r->nexamples] : &r->examples[k];
            size_t num = counter ? k - r->nexamples + 1 : k + 1;
            size_t events = 0;
            struct dw_finding *f = classify_line(rs, read, r->file, ex->line, &events);
            buf_reset(&why);
            if (events == 0)
                buf_printf(&why, "the plain reader made no event of the line");
            else if (counter && f && strcmp(f->rule_id, r->id) == 0)
                buf_printf(&why, "classified as '%s'", r->id);
            else if (!counter && !f)
                buf_printf(&why, "not classified (expected '%s')", r->id);
            else if (!counter && strcmp(f->rule_id, r->id) != 0)
                buf_printf(&why, "classified as '%s' (expected '%s')", f->rule_id, r->id);
            else if (!counter && captures_match(ex, f, &why))
                literals_contained(r, f, &why);
            if (why.len) {
                dw_errors_add(err, "%s:%d:%d: rule '%s': %s %zu %s", r->file, ex->src_line,
                              ex->src_col, r->id, counter ? "counterexample" : "example", num,
                              buf_cstr(&why));
                failures++;
            }
            finding_free(f);
        }
    }
    buf_free(&why);
    return failures;
}
