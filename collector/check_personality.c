/* check_personality.c - IOKitPersonalities of a dext or kext: the keys IOKit
 * needs to match and start it, and the PCI match strings of the
 * personalities and of the transport.pci entitlement (check_pci.c). */
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define PCI_ENTITLEMENT "com.apple.developer.driverkit.transport.pci"

static const struct {
    const char *key;
    uint32_t default_mask;
} pci_keys[] = {
    {"IOPCIPrimaryMatch", 0xffffffffu},
    {"IOPCIMatch", 0xffffffffu},
    {"IOPCISecondaryMatch", 0xffffffffu},
    {"IOPCIClassMatch", 0xffffff00u},
};

/* Where a match string came from, for messages and line numbers. */
struct origin {
    const char *file;
    long line;
    const char *what; /* "personality MyDriver" or "entitlement transport.pci[0]" */
};

/* Reports the syntax slips and the match-everything terms of one string. */
static void check_match_string(struct dw_check_ctx *c, const struct origin *o, const char *key,
                               const char *s, uint32_t default_mask)
{
    struct dw_pci_term t[DW_PCI_MAX_TERMS];
    const char *rest = NULL;
    size_t n = pci_parse_match(s, default_mask, t, &rest);
    if (strstr(s, "&amp;"))
        check_report(c, "check.pci-match-syntax", -1, o->file, o->line,
                     "%s: %s \"%s\" contains \"&amp;\" (an XML escape left in the value): "
                     "IOPCIFamily reads the mask as 0xa and ignores what follows",
                     o->what, key, s);
    else if (n == 0)
        check_report(c, "check.pci-match-syntax", -1, o->file, o->line,
                     "%s: %s \"%s\" holds no hex number, so it matches no device", o->what, key, s);
    else if (*rest)
        check_report(c, "check.pci-match-syntax", -1, o->file, o->line,
                     "%s: %s \"%s\": IOPCIFamily stops reading at \"%s\"", o->what, key, s, rest);
    for (size_t i = 0; i < n; i++) {
        if (t[i].has_mask && t[i].mask_digits != 8)
            check_report(c, "check.pci-match-syntax", -1, o->file, o->line,
                         "%s: %s \"%s\": term %zu has a mask of %d hex digits, not 8%s", o->what,
                         key, s, i + 1, t[i].mask_digits,
                         t[i].truncated ? " (its value does not fit 32 bits and is cut)" : "");
        else if (t[i].truncated)
            check_report(c, "check.pci-match-syntax", -1, o->file, o->line,
                         "%s: %s \"%s\": term %zu does not fit 32 bits and is cut", o->what, key, s,
                         i + 1);
        if (t[i].mask == 0)
            check_report(c, "check.pci-match-all", -1, o->file, o->line,
                         "%s: %s \"%s\": term %zu has mask 0, so it matches every PCI device, "
                         "built-in ones included",
                         o->what, key, s, i + 1);
    }
}

/* Every PCI key of dict, checked. */
static void check_pci_dict(struct dw_check_ctx *c, const struct origin *o, plist_t dict,
                           const char *after)
{
    for (size_t k = 0; k < sizeof pci_keys / sizeof pci_keys[0]; k++) {
        const char *s = dw_plist_string(dict, pci_keys[k].key);
        if (!s)
            continue;
        struct origin at = *o;
        if (after)
            at.line = check_info_line(c->b, after, pci_keys[k].key);
        check_match_string(c, &at, pci_keys[k].key, s, pci_keys[k].default_mask);
    }
}

/* Whether every IOPCIPrimaryMatch term of the personality is covered by a
 * term of some entry of the transport.pci entitlement (an array of dicts). */
static bool covered(plist_t entitlement, const struct dw_pci_term *t)
{
    if (plist_get_node_type(entitlement) != PLIST_ARRAY)
        return false;
    for (uint32_t i = 0; i < plist_array_get_size(entitlement); i++) {
        const char *s = dw_plist_string(plist_array_get_item(entitlement, i), "IOPCIPrimaryMatch");
        struct dw_pci_term e[DW_PCI_MAX_TERMS];
        const char *rest;
        size_t n = s ? pci_parse_match(s, 0xffffffffu, e, &rest) : 0;
        for (size_t j = 0; j < n; j++)
            if (pci_term_covers(&e[j], t))
                return true;
    }
    return false;
}

static void check_coverage(struct dw_check_ctx *c, const struct origin *o, plist_t pers)
{
    const char *s = dw_plist_string(pers, "IOPCIPrimaryMatch");
    plist_t ent =
        c->b->entitlements ? plist_dict_get_item(c->b->entitlements, PCI_ENTITLEMENT) : NULL;
    if (!s && !dw_plist_string(pers, "IOPCIMatch") && !dw_plist_string(pers, "IOPCIClassMatch"))
        return;
    if (!ent) {
        if (c->b->entitlements)
            check_report(c, "check.transport-coverage", -1, o->file, o->line,
                         "%s matches PCI devices but the signature has no %s entitlement", o->what,
                         PCI_ENTITLEMENT);
        return;
    }
    struct dw_pci_term t[DW_PCI_MAX_TERMS];
    const char *rest;
    size_t n = s ? pci_parse_match(s, 0xffffffffu, t, &rest) : 0;
    for (size_t i = 0; i < n; i++)
        if (!covered(ent, &t[i]))
            check_report(c, "check.transport-coverage", -1, o->file, o->line,
                         "%s: IOPCIPrimaryMatch term 0x%08x&0x%08x is not covered by any "
                         "IOPCIPrimaryMatch of the %s entitlement",
                         o->what, t[i].value, t[i].mask, PCI_ENTITLEMENT);
}

/* The keys one personality needs, its bundle id, and its match strings. */
static void check_one(const char *name, plist_t pers, void *ctx)
{
    struct dw_check_ctx *c = ctx;
    const struct dw_bundle *b = c->b;
    struct dw_buf what = {0};
    buf_printf(&what, "personality %s", name);
    struct origin o = {b->info_path, check_info_line(b, NULL, name), what.data};
    if (plist_get_node_type(pers) != PLIST_DICT) {
        check_report(c, "check.personality-incomplete", -1, o.file, o.line,
                     "%s is not a dictionary", o.what);
        buf_free(&what);
        return;
    }
    static const char *const dext_keys[] = {"CFBundleIdentifier", "IOClass", "IOProviderClass",
                                            "IOUserClass", "IOUserServerName"};
    size_t nkeys = b->kind == DW_BUNDLE_DEXT ? 5 : 3; /* a kext's: the first three */
    for (size_t i = 0; i < nkeys; i++)
        if (!dw_plist_string(pers, dext_keys[i]))
            check_report(c, "check.personality-incomplete", -1, o.file, o.line,
                         "%s has no %s string", o.what, dext_keys[i]);
    const char *id = dw_plist_string(pers, "CFBundleIdentifier");
    if (id && b->bundle_id && strcmp(id, b->bundle_id) != 0)
        check_report(c, "check.personality-bundle-id", -1, o.file,
                     check_info_line(b, name, "CFBundleIdentifier"),
                     "%s: CFBundleIdentifier '%s' is not the bundle's '%s'", o.what, id,
                     b->bundle_id);
    const char *server = dw_plist_string(pers, "IOUserServerName");
    if (b->kind == DW_BUNDLE_DEXT && server && b->bundle_id && strcmp(server, b->bundle_id) != 0)
        check_report(c, "check.personality-bundle-id", DW_SEV_WARNING, o.file,
                     check_info_line(b, name, "IOUserServerName"),
                     "%s: IOUserServerName '%s' is not the bundle's '%s'", o.what, server,
                     b->bundle_id);
    check_pci_dict(c, &o, pers, name);
    if (b->kind == DW_BUNDLE_DEXT) {
        check_coverage(c, &o, pers);
        check_family(c, o.what, pers, name);
    }
    buf_free(&what);
}

/* The transport.pci entitlement's own match strings. */
static void check_pci_entitlement(struct dw_check_ctx *c)
{
    plist_t ent =
        c->b->entitlements ? plist_dict_get_item(c->b->entitlements, PCI_ENTITLEMENT) : NULL;
    if (!ent || plist_get_node_type(ent) != PLIST_ARRAY)
        return;
    for (uint32_t i = 0; i < plist_array_get_size(ent); i++) {
        struct dw_buf what = {0};
        buf_printf(&what, "entitlement %s[%u]", PCI_ENTITLEMENT, i);
        struct origin o = {c->b->exec_path, 0, what.data};
        check_pci_dict(c, &o, plist_array_get_item(ent, i), NULL);
        buf_free(&what);
    }
}

void check_personalities(struct dw_check_ctx *c)
{
    const struct dw_bundle *b = c->b;
    check_pci_entitlement(c);
    if (!b->info || (b->kind != DW_BUNDLE_DEXT && b->kind != DW_BUNDLE_KEXT))
        return;
    plist_t all = plist_dict_get_item(b->info, "IOKitPersonalities");
    if (!all || plist_get_node_type(all) != PLIST_DICT || plist_dict_get_size(all) == 0) {
        if (b->kind == DW_BUNDLE_DEXT)
            check_report(c, "check.personality-incomplete", -1, b->info_path, 0,
                         "Info.plist has no IOKitPersonalities: nothing will ever match the dext");
        return;
    }
    dw_plist_each(all, check_one, c);
}
