/* check.c - runs the static checks of a bundle (check_<area>.c), one
 * incident per bundle and per system extension of an app. */
#include <string.h>

#include "check.h"

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
    check_provision(&c);
    check_personalities(&c);
    check_usb(&c);
    check_hid(&c);
    check_host(&c);
    for (size_t i = 0; i < opts->nioreg; i++) {
        check_ioreg(&c, &opts->ioreg[i]);
        check_ioreg_usb(&c, &opts->ioreg[i]);
    }
    return c.inc;
}

void check_bundle(const struct dw_bundle *b, const struct dw_check_opts *opts, dw_check_cb cb,
                  void *ctx)
{
    cb(check_one(b, NULL, opts), ctx);
    for (size_t i = 0; i < b->nchildren; i++)
        cb(check_one(b->children[i], b, opts), ctx);
}
