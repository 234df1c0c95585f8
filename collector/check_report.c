/* check_report.c - what every check shares: the rule table lookup, the
 * finding a check reports (in the model the report writers print), and the
 * Info.plist line of a key.  The checks call down to this file; it calls no
 * check. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

const struct dw_check_rule *check_rule(const char *id)
{
    for (size_t i = 0; i < dw_check_nrules; i++)
        if (strcmp(dw_check_rules[i].id, id) == 0)
            return &dw_check_rules[i];
    return NULL;
}

long check_info_line(const struct dw_bundle *b, const char *after, const char *key)
{
    if (!b->info_bytes || b->info_len < 6 || memcmp(b->info_bytes, "bplist", 6) == 0)
        return 0;
    const char *text = (const char *)b->info_bytes; /* NUL-terminated */
    const char *from = text;
    struct dw_buf needle = {0};
    if (after) {
        buf_printf(&needle, "<key>%s</key>", after);
        from = strstr(text, needle.data);
        buf_reset(&needle);
    }
    buf_printf(&needle, "<key>%s</key>", key);
    const char *hit = from ? strstr(from, needle.data) : NULL;
    buf_free(&needle);
    if (!hit)
        return 0;
    long line = 1;
    for (const char *p = text; p < hit; p++)
        line += *p == '\n';
    return line;
}

void check_report(struct dw_check_ctx *c, const char *id, int severity, const char *input,
                  long line, const char *fmt, ...)
{
    const struct dw_check_rule *r = check_rule(id);
    if (!r)
        return;
    struct dw_buf msg = {0}, rem = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    if (r->remediation) {
        buf_puts(&rem, r->remediation);
        if (r->references && *r->references)
            buf_printf(&rem, "\nReferences:\n%s", r->references);
    }
    struct dw_finding *f = xcalloc(1, sizeof *f);
    f->rule_id = xstrdup(r->id);
    f->class_name = xstrdup(r->class_name);
    f->severity = severity >= 0 ? severity : r->severity;
    f->priority = r->priority;
    f->summary = xstrdup(msg.data);
    f->remediation = r->remediation ? buf_steal(&rem) : NULL;
    f->input = xstrdup(input ? input : c->b->path);
    f->line = line;
    f->process = xstrdup("check");
    f->pid = -1;
    f->message = buf_steal(&msg);
    f->raw = xstrdup(f->message);
    f->caps = xcalloc(1, sizeof *f->caps);
    f->caps[0].name = xstrdup("bundle");
    f->caps[0].value = xstrdup(c->subject);
    f->ncaps = 1;
    struct dw_buf key = {0};
    buf_printf(&key, "bundle:%s", c->subject);
    f->keys = xcalloc(1, sizeof *f->keys);
    f->keys[0] = buf_steal(&key);
    f->nkeys = 1;
    incident_add(c->inc, f);
}
