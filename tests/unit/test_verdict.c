/* test_verdict.c - the scan verdict: config, baseline, --fail-on, the tally,
 * the exit status and --write-baseline entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "verdict.h"

static struct dw_finding *finding(const char *rule, enum dw_severity sev, int priority)
{
    struct dw_finding *f = xcalloc(1, sizeof *f);
    f->rule_id = xstrdup(rule);
    f->class_name = xstrdup("cls");
    f->severity = (int)sev;
    f->priority = priority;
    f->summary = xstrdup("s");
    f->input = xstrdup("t.log");
    f->message = xstrdup("m");
    f->raw = xstrdup("m");
    return f;
}

/* An incident of com.Acme.Drv whose root is the first rule (highest priority). */
static struct dw_incident *incident2(const char *root, enum dw_severity root_sev,
                                     const char *other, enum dw_severity other_sev)
{
    struct dw_incident *inc = incident_new();
    incident_add(inc, finding(root, root_sev, 10));
    if (other)
        incident_add(inc, finding(other, other_sev, 1));
    free(inc->subject);
    inc->subject = xstrdup("com.Acme.Drv");
    return inc;
}

static struct dw_config *config(const char *text)
{
    struct dw_errors err = {0};
    struct dw_config *c = config_parse(".dextwatch.yaml", text, strlen(text), &err);
    assert_int_equal(err.n, 0);
    assert_non_null(c);
    return c;
}

static void test_fail_on(void **state)
{
    (void)state;
    enum dw_fail_on f;
    assert_int_equal(verdict_fail_on_parse("never", &f), 0);
    assert_int_equal(f, DW_FAIL_ON_NEVER);
    assert_int_equal(verdict_fail_on_parse("warning", &f), 0);
    assert_int_equal(f, DW_FAIL_ON_WARNING);
    assert_int_equal(verdict_fail_on_parse("loud", &f), -1);
    assert_int_equal(verdict_fail_on_parse(NULL, &f), -1);

    struct dw_incident *inc = incident2("r.crit", DW_SEV_CRITICAL, NULL, DW_SEV_INFO);
    struct dw_verdict_result r;
    struct dw_verdict_policy p = {.fail_on = DW_FAIL_ON_CRITICAL};
    verdict_decide(&p, inc, &r);
    assert_int_equal(r.verdict, DW_VERDICT_FAIL); /* at the level fails */
    assert_int_equal(r.severity, DW_SEV_CRITICAL);
    assert_null(r.note);
    p.fail_on = DW_FAIL_ON_NEVER; /* not even critical */
    verdict_decide(&p, inc, &r);
    assert_int_equal(r.verdict, DW_VERDICT_PASS);
    incident_free(inc);

    inc = incident2("r.warn", DW_SEV_WARNING, NULL, DW_SEV_INFO);
    p.fail_on = DW_FAIL_ON_ERROR;
    verdict_decide(&p, inc, &r);
    assert_int_equal(r.verdict, DW_VERDICT_PASS); /* below the level passes */
    p.fail_on = DW_FAIL_ON_INFO;
    verdict_decide(&p, inc, &r);
    assert_int_equal(r.verdict, DW_VERDICT_FAIL);
    incident_free(inc);
}

static void test_config_lowers_and_suppresses(void **state)
{
    (void)state;
    struct dw_config *c = config("rules:\n"
                                 "  - {id: r.exit, severity: warning, reason: harness stops it}\n"
                                 "  - {id: r.noise, disable: true, reason: ad-hoc helpers}\n");
    struct dw_verdict_policy p = {.config = c, .fail_on = DW_FAIL_ON_ERROR};
    struct dw_verdict_result r;

    /* lowered: the incident's severity is the highest that remains */
    struct dw_incident *inc = incident2("r.exit", DW_SEV_ERROR, "r.other", DW_SEV_INFO);
    verdict_decide(&p, inc, &r);
    assert_int_equal(r.severity, DW_SEV_WARNING);
    assert_int_equal(r.verdict, DW_VERDICT_PASS);
    assert_string_equal(r.note, "harness stops it");
    incident_free(inc);

    /* a disabled rule's findings do not count; the rest still fail */
    inc = incident2("r.noise", DW_SEV_CRITICAL, "r.other", DW_SEV_ERROR);
    verdict_decide(&p, inc, &r);
    assert_int_equal(r.severity, DW_SEV_ERROR);
    assert_int_equal(r.verdict, DW_VERDICT_FAIL);
    assert_string_equal(r.note, "ad-hoc helpers");
    incident_free(inc);

    /* every finding from disabled rules: suppressed, never failing */
    inc = incident2("r.noise", DW_SEV_CRITICAL, "r.noise", DW_SEV_CRITICAL);
    verdict_decide(&p, inc, &r);
    assert_int_equal(r.verdict, DW_VERDICT_SUPPRESSED);
    incident_free(inc);

    /* untouched by the config: its own severity, no note */
    inc = incident2("r.other", DW_SEV_ERROR, NULL, DW_SEV_INFO);
    verdict_decide(&p, inc, &r);
    assert_int_equal(r.severity, DW_SEV_ERROR);
    assert_int_equal(r.verdict, DW_VERDICT_FAIL);
    assert_null(r.note);
    incident_free(inc);
    config_free(c);
}

static void test_baseline(void **state)
{
    (void)state;
    struct dw_baseline *b = baseline_new();
    baseline_add(b, "COM.ACME.DRV", "r.root", "cls", "known since 1.2");
    struct dw_config *c = config("rules:\n  - {id: r.root, disable: true, reason: off}\n");
    struct dw_verdict_policy p = {.baseline = b, .fail_on = DW_FAIL_ON_INFO};
    struct dw_verdict_result r;

    struct dw_incident *inc = incident2("r.root", DW_SEV_CRITICAL, NULL, DW_SEV_INFO);
    verdict_decide(&p, inc, &r);
    assert_int_equal(r.verdict, DW_VERDICT_BASELINED);
    assert_string_equal(r.note, "known since 1.2");
    assert_non_null(r.known);
    /* suppressed wins over baselined (the config comes first) */
    p.config = c;
    verdict_decide(&p, inc, &r);
    assert_int_equal(r.verdict, DW_VERDICT_SUPPRESSED);
    assert_null(r.known);
    incident_free(inc);

    /* another root rule of the same subject is not baselined */
    p.config = NULL;
    inc = incident2("r.other", DW_SEV_WARNING, NULL, DW_SEV_INFO);
    verdict_decide(&p, inc, &r);
    assert_int_equal(r.verdict, DW_VERDICT_FAIL);
    incident_free(inc);
    config_free(c);
    baseline_free(b);
}

static void test_tally_and_exit_status(void **state)
{
    (void)state;
    struct dw_verdict_tally t = {0};
    assert_int_equal(verdict_exit_status(&t, false), 0);
    struct dw_verdict_result pass = {.verdict = DW_VERDICT_PASS, .severity = DW_SEV_WARNING};
    struct dw_verdict_result known = {.verdict = DW_VERDICT_BASELINED, .severity = DW_SEV_ERROR};
    struct dw_verdict_result off = {.verdict = DW_VERDICT_SUPPRESSED, .severity = DW_SEV_ERROR};
    verdict_count(&t, &pass);
    verdict_count(&t, &known);
    verdict_count(&t, &off);
    assert_int_equal(verdict_exit_status(&t, false), 0); /* none of these fails the run */
    struct dw_verdict_result fail = {.verdict = DW_VERDICT_FAIL, .severity = DW_SEV_CRITICAL};
    verdict_count(&t, &fail);
    assert_int_equal(t.failing, 1);
    assert_int_equal(t.passing, 1);
    assert_int_equal(t.baselined, 1);
    assert_int_equal(t.suppressed, 1);
    assert_int_equal(t.by_severity[DW_SEV_ERROR], 2);
    assert_int_equal(t.by_severity[DW_SEV_CRITICAL], 1);
    assert_int_equal(verdict_exit_status(&t, false), 1);
    assert_int_equal(verdict_exit_status(&t, true), 2); /* 2 wins over 1 */
}

static void test_write_baseline(void **state)
{
    (void)state;
    struct dw_baseline *b = baseline_new();
    struct dw_incident *inc = incident2("r.root", DW_SEV_ERROR, "r.other", DW_SEV_INFO);
    struct dw_verdict_result r = {.verdict = DW_VERDICT_FAIL};
    assert_true(verdict_baseline_add(b, inc, &r));
    assert_false(verdict_baseline_add(b, inc, &r)); /* once per subject and rule */
    assert_int_equal(b->n, 1);
    assert_string_equal(b->entries[0].rule, "r.root");
    assert_string_equal(b->entries[0].note, "error, 2 findings; first seen (no time in log)");
    r.verdict = DW_VERDICT_SUPPRESSED;
    struct dw_incident *other = incident2("r.x", DW_SEV_ERROR, NULL, DW_SEV_INFO);
    assert_false(verdict_baseline_add(b, other, &r));
    /* an incident already baselined keeps its entry's note */
    struct dw_baseline_entry known = {.note = "ticket 42"};
    r = (struct dw_verdict_result){.verdict = DW_VERDICT_BASELINED, .known = &known};
    assert_true(verdict_baseline_add(b, other, &r));
    assert_string_equal(b->entries[1].note, "ticket 42");
    incident_free(inc);
    incident_free(other);
    baseline_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_on),
        cmocka_unit_test(test_config_lowers_and_suppresses),
        cmocka_unit_test(test_baseline),
        cmocka_unit_test(test_tally_and_exit_status),
        cmocka_unit_test(test_write_baseline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
