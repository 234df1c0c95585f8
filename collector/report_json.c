/* report_json.c - the JSON form of an incident (docs/incident.schema.json). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* A JSON string from log text: invalid UTF-8 becomes U+FFFD; NULL becomes null. */
static json_t *jstr(const char *s)
{
    if (!s)
        return json_null();
    struct dw_buf b = {0};
    dw_utf8_sanitize(&b, s, strlen(s));
    json_t *j = json_stringn(buf_cstr(&b), b.len);
    buf_free(&b);
    return j ? j : json_null();
}

static json_t *jtime(const struct dw_time *t)
{
    char iso[DW_TIME_ISO_MAX];
    return dw_time_format(t, iso) ? json_string(iso) : json_null();
}

static json_t *finding_json(const struct dw_finding *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "rule", jstr(f->rule_id));
    json_object_set_new(o, "class", jstr(f->class_name));
    json_object_set_new(o, "severity", json_string(dw_severity_name(f->severity)));
    json_object_set_new(o, "summary", jstr(f->summary));
    json_object_set_new(o, "file", jstr(f->input));
    json_object_set_new(o, "line", json_integer(f->line));
    json_object_set_new(o, "timestamp", jtime(&f->time));
    json_object_set_new(o, "process", jstr(f->process));
    json_object_set_new(o, "pid", f->pid >= 0 ? json_integer(f->pid) : json_null());
    json_object_set_new(o, "subsystem", jstr(f->subsystem));
    json_object_set_new(o, "category", jstr(f->category));
    json_object_set_new(o, "sender", jstr(f->sender));
    json_object_set_new(o, "message", jstr(f->message));
    json_t *caps = json_object();
    for (size_t i = 0; i < f->ncaps; i++)
        json_object_set_new(caps, f->caps[i].name, jstr(f->caps[i].value));
    json_object_set_new(o, "captures", caps);
    if (f->ndecoded) {
        json_t *dec = json_array();
        for (size_t i = 0; i < f->ndecoded; i++) {
            json_t *d = json_object();
            json_object_set_new(d, "code", jstr(f->decoded[i].code));
            json_object_set_new(d, "name", jstr(f->decoded[i].name));
            json_object_set_new(d, "meaning", jstr(f->decoded[i].meaning));
            json_array_append_new(dec, d);
        }
        json_object_set_new(o, "decoded", dec);
    }
    return o;
}

/* The scan's decision on the incident, for CI (scan --format json only). */
static void add_verdict(json_t *o, const struct dw_report_item *item)
{
    static const char *const names[] = {[DW_VERDICT_FAIL] = "fail",
                                        [DW_VERDICT_PASS] = "pass",
                                        [DW_VERDICT_BASELINED] = "baselined",
                                        [DW_VERDICT_SUPPRESSED] = "suppressed"};
    json_object_set_new(o, "verdict", json_string(names[item->verdict]));
    if (item->note)
        json_object_set_new(o, "verdict_note", jstr(item->note));
    if ((int)item->original_severity != item->inc->severity)
        json_object_set_new(o, "original_severity",
                            json_string(dw_severity_name(item->original_severity)));
}

static void json_incident(struct dw_buf *out, const struct dw_incident *inc, long long id,
                          const struct dw_report_item *item)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_integer(DW_JSON_FORMAT_VERSION));
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "subject", jstr(inc->subject));
    json_object_set_new(o, "input", jstr(inc->input));
    json_object_set_new(o, "first_seen", jtime(&inc->first_seen));
    json_object_set_new(o, "last_seen", jtime(&inc->last_seen));
    json_object_set_new(o, "severity", json_string(dw_severity_name(inc->severity)));
    json_object_set_new(o, "count", json_integer((json_int_t)inc->count));
    json_t *classes = json_array();
    for (size_t i = 0; i < inc->nclasses; i++)
        json_array_append_new(classes, jstr(inc->classes[i]));
    json_object_set_new(o, "classes", classes);
    json_t *root = json_object();
    if (inc->root) {
        json_object_set_new(root, "rule", jstr(inc->root->rule_id));
        json_object_set_new(root, "class", jstr(inc->root->class_name));
        json_object_set_new(root, "summary", jstr(inc->root->summary));
    }
    json_object_set_new(o, "root_cause", root);
    json_t *findings = json_array();
    for (size_t i = 0; i < incident_evidence_count(inc); i++)
        json_array_append_new(findings, finding_json(incident_evidence_at(inc, i)));
    json_object_set_new(o, "findings", findings);
    json_object_set_new(o, "findings_omitted",
                        json_integer((json_int_t)(inc->count - incident_evidence_count(inc))));
    json_t *rem = json_array();
    for (size_t i = 0; i < inc->nremedies; i++) {
        json_t *r = json_object();
        json_object_set_new(r, "rule", jstr(inc->remedies[i].rule_id));
        json_object_set_new(r, "text", jstr(inc->remedies[i].text));
        json_array_append_new(rem, r);
    }
    json_object_set_new(o, "remediation", rem);
    if (item)
        add_verdict(o, item);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    /* jansson escapes C0 only: DEL and the C1 controls (U+0080..U+009F, e.g.
     * U+009B CSI, which terminals obey) would reach a terminal raw, so they
     * become \u escapes too (they can only occur inside strings). */
    const unsigned char *p = (const unsigned char *)s, *run = p;
    for (; p && *p; p++) {
        if (*p != 0x7f && !(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
            continue;
        buf_append(out, run, (size_t)(p - run));
        if (*p == 0x7f) {
            buf_puts(out, "\\u007f");
        } else {
            buf_printf(out, "\\u%04x", (unsigned)p[1]);
            p++;
        }
        run = p + 1;
    }
    if (p)
        buf_append(out, run, (size_t)(p - run));
    free(s);
    json_decref(o);
}

/* ---- the json sink: one line per incident, nothing else ---- */

static void *json_create(const struct dw_report_opts *opts)
{
    (void)opts;
    return xcalloc(1, 1);
}

void report_json_incident(struct dw_buf *out, const struct dw_incident *inc, long long id)
{
    json_incident(out, inc, id, NULL);
}

static void json_on_incident(void *state, const struct dw_report_item *item, struct dw_buf *out)
{
    (void)state;
    json_incident(out, item->inc, item->id, item);
    buf_putc(out, '\n');
}

const struct dw_report_ops report_json_ops = {
    .name = "json",
    .create = json_create,
    .incident = json_on_incident,
    .destroy = free,
};
