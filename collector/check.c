/* check.c - runs the static checks of a bundle and builds its incident. */
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

/* The Info.plist problems every bundle kind shares. */
static void check_info(struct dw_check_ctx *c)
{
    const struct dw_bundle *b = c->b;
    if (b->kind == DW_BUNDLE_MACHO)
        return;
    if (!b->info) {
        check_report(c, "check.unreadable", -1, b->info_path, 0, "Info.plist: %s",
                     b->info_error ? b->info_error : "missing");
        return;
    }
    if (!dw_plist_string(b->info, "CFBundleIdentifier"))
        check_report(c, "check.unreadable", -1, b->info_path, 0,
                     "Info.plist has no CFBundleIdentifier string");
    if (!b->exec_path)
        check_report(c, "check.unreadable", -1, b->info_path,
                     check_info_line(b, NULL, "CFBundleExecutable"),
                     "Info.plist names no usable CFBundleExecutable");
    else if (!b->exec_found)
        check_report(c, "check.unreadable", -1, b->exec_path, 0,
                     "the executable %s named by CFBundleExecutable is missing", b->exec_path);
    if (b->kind == DW_BUNDLE_DEXT) {
        const char *type = dw_plist_string(b->info, "CFBundlePackageType");
        if (!type || strcmp(type, "DEXT") != 0)
            check_report(c, "check.package-type", -1, b->info_path,
                         check_info_line(b, NULL, "CFBundlePackageType"),
                         "CFBundlePackageType is %s%s%s, not DEXT", type ? "'" : "",
                         type ? type : "missing", type ? "'" : "");
        if (!dw_plist_string(b->info, "OSBundleUsageDescription"))
            check_report(c, "check.package-type", DW_SEV_WARNING, b->info_path, 0,
                         "Info.plist has no OSBundleUsageDescription (shown to the user who "
                         "approves the extension)");
    }
}

/* Checks one bundle (not its children) into a new incident. */
static struct dw_incident *check_one(const struct dw_bundle *b, const struct dw_bundle *host,
                                     const struct dw_check_opts *opts)
{
    struct dw_check_ctx c = {.b = b, .opts = opts, .inc = incident_new(), .host = host};
    c.subject = b->bundle_id ? b->bundle_id : b->name;
    check_info(&c);
    check_signature(&c);
    check_resources(&c);
    check_entitlements(&c);
    check_personalities(&c);
    check_usb(&c);
    check_host(&c);
    check_ioreg(&c);
    return c.inc;
}

void check_bundle(const struct dw_bundle *b, const struct dw_check_opts *opts, dw_check_cb cb,
                  void *ctx)
{
    cb(check_one(b, NULL, opts), ctx);
    for (size_t i = 0; i < b->nchildren; i++)
        cb(check_one(b->children[i], b, opts), ctx);
}
