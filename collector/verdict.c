/* verdict.c - the scan verdict: config, baseline and --fail-on (verdict.h). */
#include "verdict.h"

#include <string.h>

const char *dw_verdict_name(enum dw_verdict v)
{
    switch (v) {
    case DW_VERDICT_FAIL:
        return "failing";
    case DW_VERDICT_PASS:
        return "below threshold";
    case DW_VERDICT_BASELINED:
        return "baselined";
    case DW_VERDICT_SUPPRESSED:
        return "suppressed";
    }
    return "?";
}

int verdict_fail_on_parse(const char *s, enum dw_fail_on *out)
{
    int sev;
    if (s && strcmp(s, "never") == 0) {
        *out = DW_FAIL_ON_NEVER;
        return 0;
    }
    if (dw_severity_parse(s, &sev) != 0)
        return -1;
    *out = (enum dw_fail_on)sev;
    return 0;
}

/* What the config makes of an incident: its severity with lowered rules in
 * *severity, and whether every finding comes from a disabled rule.  Returns
 * the config reason that applied, or NULL when the config does not touch the
 * incident (then *severity is the incident's and *suppressed false). */
static const char *apply_config(const struct dw_config *c, const struct dw_incident *inc,
                                enum dw_severity *severity, bool *suppressed)
{
    *severity = (enum dw_severity)inc->severity;
    *suppressed = false;
    if (!c)
        return NULL;
    const char *reason = NULL;
    bool all_disabled = true;
    int sev = -1;
    size_t n = incident_evidence_count(inc);
    for (size_t i = 0; i <= n; i++) {
        const struct dw_finding *f = i < n ? incident_evidence_at(inc, i) : inc->root;
        if (!f)
            continue;
        const struct dw_config_rule *cr = config_rule(c, f->rule_id);
        if (cr && !reason)
            reason = cr->reason;
        if (cr && cr->disable)
            continue;
        all_disabled = false;
        int s = cr ? (int)cr->severity : f->severity;
        if (s > sev)
            sev = s;
    }
    if (!reason)
        return NULL;
    if (all_disabled)
        *suppressed = true;
    else
        *severity = (enum dw_severity)sev;
    return reason;
}

static bool fails(enum dw_fail_on fail_on, enum dw_severity severity)
{
    return fail_on != DW_FAIL_ON_NEVER && (int)severity >= (int)fail_on;
}

void verdict_decide(const struct dw_verdict_policy *p, const struct dw_incident *inc,
                    struct dw_verdict_result *out)
{
    bool suppressed;
    *out = (struct dw_verdict_result){0};
    out->note = apply_config(p->config, inc, &out->severity, &suppressed);
    if (suppressed) {
        out->verdict = DW_VERDICT_SUPPRESSED;
        return;
    }
    const char *rule = inc->root ? inc->root->rule_id : NULL;
    out->known = p->baseline ? baseline_match(p->baseline, inc->subject, rule) : NULL;
    if (out->known) {
        out->verdict = DW_VERDICT_BASELINED;
        out->note = out->known->note;
    } else {
        out->verdict = fails(p->fail_on, out->severity) ? DW_VERDICT_FAIL : DW_VERDICT_PASS;
    }
}

void verdict_count(struct dw_verdict_tally *t, const struct dw_verdict_result *r)
{
    switch (r->verdict) {
    case DW_VERDICT_FAIL:
        t->failing++;
        break;
    case DW_VERDICT_PASS:
        t->passing++;
        break;
    case DW_VERDICT_BASELINED:
        t->baselined++;
        break;
    case DW_VERDICT_SUPPRESSED:
        t->suppressed++;
        break;
    }
    if (r->severity >= DW_SEV_INFO && r->severity <= DW_SEV_CRITICAL)
        t->by_severity[r->severity]++;
}

int verdict_exit_status(const struct dw_verdict_tally *t, bool input_error)
{
    if (input_error)
        return 2;
    return t->failing ? 1 : 0;
}

bool verdict_baseline_add(struct dw_baseline *b, const struct dw_incident *inc,
                          const struct dw_verdict_result *r)
{
    const char *rule = inc->root ? inc->root->rule_id : NULL;
    if (r->verdict == DW_VERDICT_SUPPRESSED || !inc->subject || !rule)
        return false;
    struct dw_buf note = {0};
    if (r->known && r->known->note)
        buf_puts(&note, r->known->note);
    else
        buf_printf(&note, "%s, %zu finding%s; first seen %s", dw_severity_name(inc->severity),
                   inc->count, inc->count == 1 ? "" : "s",
                   inc->first_seen_text ? inc->first_seen_text : "(no time in log)");
    bool added = baseline_add(b, inc->subject, rule, inc->root->class_name, note.data);
    buf_free(&note);
    return added;
}
