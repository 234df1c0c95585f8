/* verdict.h - what a scan decides about each incident, and so its exit status.
 *
 * Three inputs, applied in this order:
 *   1. the project config (.dextwatch.yaml, config.h): an incident whose
 *      findings all come from disabled rules is "suppressed"; a rule's lowered
 *      severity applies to its findings, so the incident's severity is the
 *      highest that remains;
 *   2. the baseline (baseline.h): an incident whose subject and root-cause rule
 *      match an entry is "baselined";
 *   3. --fail-on: any other incident "fails" at or above that severity (never:
 *      none does) and "passes" below it.
 * Suppressed and baselined incidents never fail the run.  The scan exits 2 on
 * an input or usage error, else 1 when an incident failed, else 0. */
#ifndef DW_VERDICT_H
#define DW_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "baseline.h"
#include "config.h"
#include "incident.h"
#include "util.h"

enum dw_verdict {
    DW_VERDICT_FAIL,       /* at or above --fail-on: makes the run exit 1 */
    DW_VERDICT_PASS,       /* below --fail-on */
    DW_VERDICT_BASELINED,  /* matched an entry of --baseline */
    DW_VERDICT_SUPPRESSED, /* every finding's rule is disabled by the config */
};
/* "failing", "below threshold", "baselined", "suppressed". */
const char *dw_verdict_name(enum dw_verdict v);

/* --fail-on: a severity, or never. */
enum dw_fail_on {
    DW_FAIL_ON_INFO = DW_SEV_INFO,
    DW_FAIL_ON_WARNING = DW_SEV_WARNING,
    DW_FAIL_ON_ERROR = DW_SEV_ERROR,
    DW_FAIL_ON_CRITICAL = DW_SEV_CRITICAL,
    DW_FAIL_ON_NEVER,
};
#define DW_FAIL_ON_NAMES "info|warning|error|critical|never"
/* 0 and *out for a name of DW_FAIL_ON_NAMES; -1 otherwise. */
int verdict_fail_on_parse(const char *s, enum dw_fail_on *out);

struct dw_verdict_policy {
    const struct dw_config *config;     /* NULL: no project config */
    const struct dw_baseline *baseline; /* NULL: no baseline */
    enum dw_fail_on fail_on;
};

/* The decision about one incident. */
struct dw_verdict_result {
    enum dw_verdict verdict;
    enum dw_severity severity;             /* the incident's, lowered by the config */
    const char *note;                      /* the baseline entry's note, else the config's
                                              reason that applied, or NULL (borrowed) */
    const struct dw_baseline_entry *known; /* the matching baseline entry, or NULL */
};

/* Decides about inc.  The config is applied to the findings held in memory
 * (the root and the kept evidence).  Nothing is kept. */
void verdict_decide(const struct dw_verdict_policy *p, const struct dw_incident *inc,
                    struct dw_verdict_result *out);

/* Counts of a run's decisions. */
struct dw_verdict_tally {
    uint64_t failing, passing, baselined, suppressed;
    uint64_t by_severity[DW_SEV_CRITICAL + 1]; /* by the severity after the config */
};
void verdict_count(struct dw_verdict_tally *t, const struct dw_verdict_result *r);

/* The scan's exit status: 2 when input_error, else 1 when an incident
 * failed, else 0 (the values of cli.h's DW_EXIT_*). */
int verdict_exit_status(const struct dw_verdict_tally *t, bool input_error);

/* --write-baseline: adds inc to b (unless suppressed, or without subject or
 * root rule), noted with the entry it already matched, else with its
 * severity, findings and first time.  True when an entry was added. */
bool verdict_baseline_add(struct dw_baseline *b, const struct dw_incident *inc,
                          const struct dw_verdict_result *r);

#endif
