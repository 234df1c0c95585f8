/* check_usb.c - USB personalities against the
 * com.apple.developer.driverkit.transport.usb entitlement: an array of
 * dictionaries keyed by USB device-descriptor fields, of which the kernel
 * matches the entitlement's dictionary against the device as it does the
 * personality.  idVendor is an integer (written in decimal in the plist) or,
 * in development profiles, the string "*". */
#include <string.h>

#include "check.h"

#define USB_ENTITLEMENT "com.apple.developer.driverkit.transport.usb"

static bool is_usb_provider(const char *provider)
{
    return provider && (strcmp(provider, "IOUSBHostDevice") == 0 ||
                        strcmp(provider, "IOUSBHostInterface") == 0);
}

/* Whether one transport.usb dictionary allows the personality's vendor. */
static bool entry_allows(plist_t entry, plist_t vendor)
{
    plist_t v =
        plist_get_node_type(entry) == PLIST_DICT ? plist_dict_get_item(entry, "idVendor") : NULL;
    uint64_t n = 0;
    if (!v)
        return true; /* no vendor constraint in this dictionary */
    if (plist_get_node_type(v) == PLIST_STRING)
        return strcmp(plist_get_string_ptr(v, &n), "*") == 0;
    return vendor && plist_get_node_type(v) == PLIST_UINT &&
           plist_get_node_type(vendor) == PLIST_UINT && plist_compare_node_value(v, vendor);
}

/* The entitlement's own values: idVendor an integer or "*". */
static void check_entitlement_values(struct dw_check_ctx *c, plist_t ent)
{
    for (uint32_t i = 0; i < plist_array_get_size(ent); i++) {
        plist_t e = plist_array_get_item(ent, i);
        plist_t v =
            plist_get_node_type(e) == PLIST_DICT ? plist_dict_get_item(e, "idVendor") : NULL;
        uint64_t n = 0;
        if (v && plist_get_node_type(v) == PLIST_STRING &&
            strcmp(plist_get_string_ptr(v, &n), "*") != 0)
            check_report(c, "check.usb-entitlement", -1, c->b->exec_path, 0,
                         "entitlement %s[%u]: idVendor is the string \"%s\"; it must be an "
                         "integer (decimal in the plist) or \"*\"",
                         USB_ENTITLEMENT, i, plist_get_string_ptr(v, &n));
    }
}

struct usb_walk {
    struct dw_check_ctx *c;
    plist_t ent;
};

static void check_usb_personality(const char *name, plist_t pers, void *ctx)
{
    struct usb_walk *w = ctx;
    if (!is_usb_provider(dw_plist_string(pers, "IOProviderClass")))
        return;
    const struct dw_bundle *b = w->c->b;
    long line = check_info_line(b, NULL, name);
    if (!w->ent) {
        check_report(w->c, "check.transport-coverage", -1, b->info_path, line,
                     "personality %s matches USB devices but the signature has no %s entitlement",
                     name, USB_ENTITLEMENT);
        return;
    }
    plist_t vendor = plist_dict_get_item(pers, "idVendor");
    bool allowed = false;
    for (uint32_t i = 0; i < plist_array_get_size(w->ent) && !allowed; i++)
        allowed = entry_allows(plist_array_get_item(w->ent, i), vendor);
    if (!allowed) {
        uint64_t id = 0;
        if (vendor && plist_get_node_type(vendor) == PLIST_UINT)
            plist_get_uint_val(vendor, &id);
        check_report(w->c, "check.transport-coverage", -1, b->info_path, line,
                     "personality %s: idVendor %llu (0x%04llx) is not allowed by any %s "
                     "dictionary",
                     name, (unsigned long long)id, (unsigned long long)id, USB_ENTITLEMENT);
    }
}

void check_usb(struct dw_check_ctx *c)
{
    const struct dw_bundle *b = c->b;
    if (b->kind != DW_BUNDLE_DEXT || !b->info || !b->entitlements)
        return;
    plist_t ent = plist_dict_get_item(b->entitlements, USB_ENTITLEMENT);
    if (ent && plist_get_node_type(ent) != PLIST_ARRAY)
        ent = NULL;
    if (ent)
        check_entitlement_values(c, ent);
    struct usb_walk w = {c, ent};
    dw_plist_each(plist_dict_get_item(b->info, "IOKitPersonalities"), check_usb_personality, &w);
}
