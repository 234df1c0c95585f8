/* check_ioreg.c - a dext's PCI personalities against the real devices of a
 * Mac, from `ioreg -a -l -r -c IOPCIDevice` (an XML plist of registry
 * entries with their children).
 *
 * For each device a personality matches (IOPCIFamily's value&mask rules,
 * check_pci.c), what the kernel then asks (IOPCIDevice::matchPropertyTable,
 * IOUserServer::checkEntitlements): one dictionary of the dext's
 * com.apple.developer.driverkit.transport.pci entitlement must match the
 * device too; a device with the "built-in" property also needs
 * com.apple.developer.driverkit.builtin; and one inner list of the device's
 * IOServiceDEXTEntitlements (IOPCIBridge sets [[transport.pci]]) must be held
 * entirely by the dext.  Otherwise "provider entitlements check failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define PCI_ENTITLEMENT "com.apple.developer.driverkit.transport.pci"
#define BUILTIN_ENTITLEMENT "com.apple.developer.driverkit.builtin"
#define WALK_DEPTH_MAX 64
#define DEVICES_MAX 256

struct pci_device {
    const char *name;
    uint32_t reg0, reg08, reg2c; /* device<<16|vendor, class<<8|revision, subsystem */
    bool builtin;
    plist_t dext_entitlements; /* IOServiceDEXTEntitlements, borrowed; may be NULL */
};

/* A little-endian number from a data property (what ioreg prints for ids). */
static bool data_u32(plist_t dict, const char *key, uint32_t *out)
{
    plist_t v = plist_dict_get_item(dict, key);
    uint64_t n = 0;
    const char *d = v && plist_get_node_type(v) == PLIST_DATA ? plist_get_data_ptr(v, &n) : NULL;
    if (!d || n == 0)
        return false;
    uint32_t u = 0;
    for (uint64_t i = 0; i < n && i < 4; i++)
        u |= (uint32_t)(unsigned char)d[i] << (8 * i);
    *out = u;
    return true;
}

void check_ioreg_each(plist_t node, int depth, void (*fn)(plist_t entry, void *ctx), void *ctx)
{
    if (!node || depth > WALK_DEPTH_MAX)
        return;
    if (plist_get_node_type(node) == PLIST_ARRAY) {
        for (uint32_t i = 0; i < plist_array_get_size(node); i++)
            check_ioreg_each(plist_array_get_item(node, i), depth + 1, fn, ctx);
        return;
    }
    if (plist_get_node_type(node) != PLIST_DICT)
        return;
    fn(node, ctx);
    check_ioreg_each(plist_dict_get_item(node, "IORegistryEntryChildren"), depth + 1, fn, ctx);
}

struct pci_list {
    struct pci_device *dev;
    size_t n;
};

/* Keeps an entry with vendor-id and device-id (up to DEVICES_MAX). */
static void collect(plist_t node, void *ctx)
{
    struct pci_list *l = ctx;
    uint32_t vendor, device;
    if (l->n >= DEVICES_MAX || !data_u32(node, "vendor-id", &vendor) ||
        !data_u32(node, "device-id", &device))
        return;
    struct pci_device *d = &l->dev[l->n++];
    memset(d, 0, sizeof *d);
    d->name = dw_plist_string(node, "IORegistryEntryName");
    if (!d->name)
        d->name = "(unnamed)";
    d->reg0 = (device & 0xffff) << 16 | (vendor & 0xffff);
    uint32_t cls = 0, rev = 0, sv = 0, sd = 0;
    data_u32(node, "class-code", &cls);
    data_u32(node, "revision-id", &rev);
    data_u32(node, "subsystem-vendor-id", &sv);
    data_u32(node, "subsystem-id", &sd);
    d->reg08 = cls << 8 | (rev & 0xff);
    d->reg2c = (sd & 0xffff) << 16 | (sv & 0xffff);
    d->builtin = plist_dict_get_item(node, "built-in") != NULL;
    plist_t e = plist_dict_get_item(node, "IOServiceDEXTEntitlements");
    d->dext_entitlements = e && plist_get_node_type(e) == PLIST_ARRAY ? e : NULL;
}

static bool key_matches(plist_t dict, const char *key, uint32_t mask, uint32_t reg)
{
    const char *s = dw_plist_string(dict, key);
    struct dw_pci_term t[DW_PCI_MAX_TERMS];
    const char *rest;
    return !s || pci_terms_match(t, pci_parse_match(s, mask, t, &rest), reg);
}

/* Every PCI key of the dictionary matches the device (no key: every device). */
static bool dict_matches(plist_t dict, const struct pci_device *d)
{
    if (!dict || plist_get_node_type(dict) != PLIST_DICT)
        return false;
    const char *any = dw_plist_string(dict, "IOPCIMatch");
    struct dw_pci_term t[DW_PCI_MAX_TERMS];
    const char *rest;
    size_t n = any ? pci_parse_match(any, 0xffffffffu, t, &rest) : 0;
    if (any && !pci_terms_match(t, n, d->reg0) && !pci_terms_match(t, n, d->reg2c))
        return false;
    return key_matches(dict, "IOPCIPrimaryMatch", 0xffffffffu, d->reg0) &&
           key_matches(dict, "IOPCISecondaryMatch", 0xffffffffu, d->reg2c) &&
           key_matches(dict, "IOPCIClassMatch", 0xffffff00u, d->reg08);
}

/* The index of the first transport.pci dictionary matching d; -1 none; -2
 * for the plain `true` form (matches anything). */
static int entitlement_entry(plist_t ent, const struct pci_device *d)
{
    plist_t pci = ent ? plist_dict_get_item(ent, PCI_ENTITLEMENT) : NULL;
    if (pci && plist_get_node_type(pci) == PLIST_BOOLEAN && plist_bool_val_is_true(pci))
        return -2;
    if (!pci || plist_get_node_type(pci) != PLIST_ARRAY)
        return -1;
    for (uint32_t i = 0; i < plist_array_get_size(pci); i++)
        if (dict_matches(plist_array_get_item(pci, i), d))
            return (int)i;
    return -1;
}

static bool holds(plist_t ent, const char *name)
{
    plist_t v = ent ? plist_dict_get_item(ent, name) : NULL;
    return v && !(plist_get_node_type(v) == PLIST_BOOLEAN && !plist_bool_val_is_true(v));
}

/* The first entitlement the device's IOServiceDEXTEntitlements asks for that
 * the dext lacks (in the inner list that lacks fewest), or NULL when one list
 * is held entirely.  Without the property, IOPCIBridge's [[transport.pci]]. */
static const char *missing_requirement(plist_t ent, const struct pci_device *d)
{
    if (!d->dext_entitlements)
        return holds(ent, PCI_ENTITLEMENT) ? NULL : PCI_ENTITLEMENT;
    const char *first_missing = NULL;
    for (uint32_t i = 0; i < plist_array_get_size(d->dext_entitlements); i++) {
        plist_t list = plist_array_get_item(d->dext_entitlements, i);
        const char *missing = NULL;
        if (plist_get_node_type(list) == PLIST_STRING) {
            uint64_t n;
            const char *s = plist_get_string_ptr(list, &n);
            missing = holds(ent, s) ? NULL : s;
        } else if (plist_get_node_type(list) == PLIST_ARRAY) {
            for (uint32_t j = 0; j < plist_array_get_size(list) && !missing; j++) {
                plist_t s = plist_array_get_item(list, j);
                uint64_t n;
                const char *name =
                    plist_get_node_type(s) == PLIST_STRING ? plist_get_string_ptr(s, &n) : "?";
                missing = holds(ent, name) ? NULL : name;
            }
        }
        if (!missing)
            return NULL;
        if (!first_missing)
            first_missing = missing;
    }
    return first_missing;
}

/* One device a personality matches: can the dext start on it, and if not, why. */
static void judge(struct dw_check_ctx *c, const char *file, const char *pname,
                  const struct pci_device *d)
{
    plist_t ent = c->b->entitlements;
    int entry = entitlement_entry(ent, d);
    const char *missing = missing_requirement(ent, d);
    char what[160];
    snprintf(what, sizeof what, "%s (vendor 0x%04x device 0x%04x, %s)", d->name, d->reg0 & 0xffff,
             d->reg0 >> 16, d->builtin ? "built-in" : "external");
    if (entry == -1)
        check_report(c, "check.ioreg-refused", -1, file, 0,
                     "device %s is matched by personality %s but no %s dictionary matches it: "
                     "provider entitlements check failed",
                     what, pname, PCI_ENTITLEMENT);
    else if (d->builtin && !holds(ent, BUILTIN_ENTITLEMENT))
        check_report(c, "check.ioreg-refused", -1, file, 0,
                     "device %s is matched by personality %s and %s[%d], but it is built-in and "
                     "the dext lacks %s (not granted to third parties): narrow the match so it "
                     "does not cover this device",
                     what, pname, PCI_ENTITLEMENT, entry, BUILTIN_ENTITLEMENT);
    else if (missing)
        check_report(c, "check.ioreg-refused", -1, file, 0,
                     "device %s is matched by personality %s but its IOServiceDEXTEntitlements "
                     "ask for %s, which the dext lacks",
                     what, pname, missing);
    else
        check_report(c, "check.ioreg-match", -1, file, 0,
                     "device %s is matched by personality %s and %s%s%d%s: the provider "
                     "entitlements check passes for it",
                     what, pname, PCI_ENTITLEMENT, entry >= 0 ? "[" : " (true",
                     entry >= 0 ? entry : 0, entry >= 0 ? "]" : ")");
}

struct ioreg_walk {
    struct dw_check_ctx *c;
    const char *path; /* the listing's file */
    const struct pci_device *dev;
    size_t ndev, matched, pci_personalities;
};

/* One personality against every device. */
static void judge_personality(const char *name, plist_t pers, void *ctx)
{
    struct ioreg_walk *w = ctx;
    const char *provider = dw_plist_string(pers, "IOProviderClass");
    if (!provider || strcmp(provider, "IOPCIDevice") != 0)
        return;
    w->pci_personalities++;
    for (size_t i = 0; i < w->ndev; i++)
        if (dict_matches(pers, &w->dev[i])) {
            w->matched++;
            judge(w->c, w->path, name, &w->dev[i]);
        }
}

void check_ioreg(struct dw_check_ctx *c, const struct dw_ioreg_listing *l)
{
    const struct dw_bundle *b = c->b;
    plist_t all = b->info ? plist_dict_get_item(b->info, "IOKitPersonalities") : NULL;
    if (!l->plist || b->kind != DW_BUNDLE_DEXT || !all)
        return;
    struct pci_device *dev = xcalloc(DEVICES_MAX, sizeof *dev);
    struct ioreg_walk w = {.c = c, .path = l->path, .dev = dev};
    struct pci_list list = {dev, 0};
    check_ioreg_each(l->plist, 0, collect, &list);
    w.ndev = list.n;
    dw_plist_each(all, judge_personality, &w);
    if (w.pci_personalities && w.ndev && !w.matched)
        check_report(c, "check.ioreg-nomatch", -1, l->path, 0,
                     "none of the %zu PCI device%s listed matches a personality of the dext",
                     w.ndev, w.ndev == 1 ? "" : "s");
    free(dev);
}
