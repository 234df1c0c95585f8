/* check_ioreg_usb.c - a dext's USB and HID personalities against the real
 * devices of a Mac, from `ioreg -a -l -r -c IOUSBHostDevice` (devices, their
 * IOUSBHostInterface children) or `ioreg -a -l -r -c IOHIDInterface`.
 *
 * A personality matches an entry of its IOProviderClass when every matching
 * key it has equals the entry's property (IOUSBHostFamily: the USB keys of
 * QA1076, idProductArray, idProductMask, bcdDeviceLow/High; IOHIDFamily
 * IOHIDInterface: VendorID, ProductID, usages, Transport ...).  The kernel
 * then asks for the transport entitlement: for USB, one dictionary of
 * com.apple.developer.driverkit.transport.usb must match the entry the same
 * way (idVendor "*" matches any vendor); for HID,
 * com.apple.developer.driverkit.transport.hid = true.  Otherwise "provider
 * entitlements check failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define USB_ENTITLEMENT "com.apple.developer.driverkit.transport.usb"
#define HID_ENTITLEMENT "com.apple.developer.driverkit.transport.hid"
#define ENTRIES_MAX 256

enum entry_kind { USB_DEVICE, USB_INTERFACE, HID_INTERFACE };
static const char *const kind_class[] = {"IOUSBHostDevice", "IOUSBHostInterface", "IOHIDInterface"};

struct reg_entry {
    plist_t dict;
    enum entry_kind kind;
};

static bool uint_of(plist_t dict, const char *key, uint64_t *out)
{
    plist_t v = plist_get_node_type(dict) == PLIST_DICT ? plist_dict_get_item(dict, key) : NULL;
    if (!v || plist_get_node_type(v) != PLIST_UINT)
        return false;
    plist_get_uint_val(v, out);
    return true;
}

/* What an entry is: its IOObjectClass, or (without one) its keys. */
static int kind_of(plist_t node)
{
    const char *cls = dw_plist_string(node, "IOObjectClass");
    uint64_t u;
    if (cls) {
        for (int k = USB_DEVICE; k <= HID_INTERFACE; k++)
            if (strcmp(cls, kind_class[k]) == 0)
                return k;
        return -1;
    }
    if (uint_of(node, "bInterfaceClass", &u))
        return USB_INTERFACE;
    if (uint_of(node, "idVendor", &u))
        return USB_DEVICE;
    if (uint_of(node, "PrimaryUsagePage", &u))
        return HID_INTERFACE;
    return -1;
}

struct entry_list {
    struct reg_entry *e;
    size_t n;
};

static void collect(plist_t node, void *ctx)
{
    struct entry_list *l = ctx;
    int k = kind_of(node);
    if (k >= 0 && l->n < ENTRIES_MAX) {
        l->e[l->n].dict = node;
        l->e[l->n++].kind = (enum entry_kind)k;
    }
}

/* The numeric keys compared for equality. */
static const char *const usb_keys[] = {
    "idVendor",         "bcdDevice",           "bDeviceClass",       "bDeviceSubClass",
    "bDeviceProtocol",  "bInterfaceClass",     "bInterfaceSubClass", "bInterfaceProtocol",
    "bInterfaceNumber", "bConfigurationValue",
};
static const char *const hid_keys[] = {"VendorID",         "ProductID",     "VersionNumber",
                                       "PrimaryUsagePage", "PrimaryUsage",  "LocationID",
                                       "CountryCode",      "VendorIDSource"};
static const char *const hid_strings[] = {"Transport", "Manufacturer", "Product", "SerialNumber"};

/* key of want (when present) equals key of have. */
static bool same_uint(plist_t want, plist_t have, const char *key)
{
    uint64_t w, h;
    if (!plist_dict_get_item(want, key))
        return true;
    return uint_of(want, key, &w) && uint_of(have, key, &h) && w == h;
}

/* idVendor "*" (a development entitlement's wildcard) matches any vendor. */
static bool vendor_wildcard(plist_t want)
{
    const char *v = dw_plist_string(want, "idVendor");
    return v && strcmp(v, "*") == 0;
}

static bool in_array(plist_t arr, uint64_t x)
{
    if (!arr || plist_get_node_type(arr) != PLIST_ARRAY)
        return false;
    for (uint32_t i = 0; i < plist_array_get_size(arr); i++) {
        plist_t v = plist_array_get_item(arr, i);
        uint64_t u;
        if (plist_get_node_type(v) == PLIST_UINT && (plist_get_uint_val(v, &u), u == x))
            return true;
    }
    return false;
}

/* A USB matching dictionary (personality or transport.usb entry) against an entry. */
static bool usb_matches(plist_t want, plist_t have)
{
    if (plist_get_node_type(want) != PLIST_DICT)
        return false;
    for (size_t i = 0; i < sizeof usb_keys / sizeof usb_keys[0]; i++)
        if (!(i == 0 && vendor_wildcard(want)) && !same_uint(want, have, usb_keys[i]))
            return false;
    uint64_t pid = 0, want_pid = 0, mask = 0, lo = 0, hi = 0, bcd = 0;
    bool has_pid = uint_of(have, "idProduct", &pid);
    plist_t arr = plist_dict_get_item(want, "idProductArray");
    if (arr && !(has_pid && in_array(arr, pid)))
        return false;
    if (plist_dict_get_item(want, "idProduct")) {
        if (!uint_of(want, "idProduct", &want_pid) || !has_pid)
            return false;
        if (!uint_of(want, "idProductMask", &mask))
            mask = ~(uint64_t)0;
        if ((pid & mask) != (want_pid & mask))
            return false;
    }
    bool has_bcd = uint_of(have, "bcdDevice", &bcd);
    if (uint_of(want, "bcdDeviceLow", &lo) && !(has_bcd && bcd >= lo))
        return false;
    if (uint_of(want, "bcdDeviceHigh", &hi) && !(has_bcd && bcd <= hi))
        return false;
    return true;
}

/* DeviceUsagePage/DeviceUsage of a personality against the entry's DeviceUsagePairs. */
static bool usage_pair_matches(plist_t want, plist_t have)
{
    uint64_t page = 0, usage = 0, p, u;
    bool has_page = uint_of(want, "DeviceUsagePage", &page);
    bool has_usage = uint_of(want, "DeviceUsage", &usage);
    if (!has_page && !has_usage)
        return true;
    plist_t pairs = plist_dict_get_item(have, "DeviceUsagePairs");
    for (uint32_t i = 0;
         pairs && plist_get_node_type(pairs) == PLIST_ARRAY && i < plist_array_get_size(pairs);
         i++) {
        plist_t pair = plist_array_get_item(pairs, i);
        if ((!has_page || (uint_of(pair, "DeviceUsagePage", &p) && p == page)) &&
            (!has_usage || (uint_of(pair, "DeviceUsage", &u) && u == usage)))
            return true;
    }
    return false;
}

static bool hid_matches(plist_t want, plist_t have)
{
    for (size_t i = 0; i < sizeof hid_keys / sizeof hid_keys[0]; i++)
        if (!same_uint(want, have, hid_keys[i]))
            return false;
    for (size_t i = 0; i < sizeof hid_strings / sizeof hid_strings[0]; i++) {
        const char *w = dw_plist_string(want, hid_strings[i]);
        const char *h = dw_plist_string(have, hid_strings[i]);
        if (plist_dict_get_item(want, hid_strings[i]) && !(w && h && strcmp(w, h) == 0))
            return false;
    }
    uint64_t pid;
    plist_t arr = plist_dict_get_item(want, "ProductIDArray");
    if (arr && !(uint_of(have, "ProductID", &pid) && in_array(arr, pid)))
        return false;
    return usage_pair_matches(want, have);
}

/* "USB device 'Name' (vendor 0x05ac product 0x024f)" into out. */
static void describe_entry(const struct reg_entry *e, char *out, size_t n)
{
    static const char *const what[] = {"USB device", "USB interface", "HID interface"};
    const char *name = dw_plist_string(e->dict, "USB Product Name");
    if (!name)
        name = dw_plist_string(e->dict, "Product");
    if (!name)
        name = dw_plist_string(e->dict, "IORegistryEntryName");
    uint64_t v = 0, p = 0, cls = 0;
    bool hid = e->kind == HID_INTERFACE;
    uint_of(e->dict, hid ? "VendorID" : "idVendor", &v);
    uint_of(e->dict, hid ? "ProductID" : "idProduct", &p);
    int len = snprintf(out, n, "%s '%s' (vendor 0x%04llx product 0x%04llx", what[e->kind],
                       name ? name : "(unnamed)", (unsigned long long)v, (unsigned long long)p);
    if (len < 0 || (size_t)len >= n)
        return;
    if (e->kind == USB_INTERFACE && uint_of(e->dict, "bInterfaceClass", &cls))
        len +=
            snprintf(out + len, n - (size_t)len, ", interface class %llu", (unsigned long long)cls);
    else if (hid && uint_of(e->dict, "PrimaryUsagePage", &cls)) {
        uint64_t usage = 0;
        uint_of(e->dict, "PrimaryUsage", &usage);
        len += snprintf(out + len, n - (size_t)len, ", usage page 0x%llx usage 0x%llx",
                        (unsigned long long)cls, (unsigned long long)usage);
    }
    if (len >= 0 && (size_t)len < n)
        snprintf(out + len, n - (size_t)len, ")");
}

/* One entry a personality matches: does the transport entitlement cover it? */
static void judge(struct dw_check_ctx *c, const char *file, const char *pname,
                  const struct reg_entry *e)
{
    char what[320];
    describe_entry(e, what, sizeof what);
    plist_t ent = c->b->entitlements;
    if (e->kind == HID_INTERFACE) {
        plist_t v = ent ? plist_dict_get_item(ent, HID_ENTITLEMENT) : NULL;
        if (v && plist_get_node_type(v) == PLIST_BOOLEAN && plist_bool_val_is_true(v))
            check_report(c, "check.ioreg-usb-match", -1, file, 0,
                         "%s is matched by personality %s and %s = true: the provider "
                         "entitlements check passes for it",
                         what, pname, HID_ENTITLEMENT);
        else
            check_report(c, "check.ioreg-usb-refused", -1, file, 0,
                         "%s is matched by personality %s but the dext lacks %s = true: "
                         "provider entitlements check failed",
                         what, pname, HID_ENTITLEMENT);
        return;
    }
    plist_t usb = ent ? plist_dict_get_item(ent, USB_ENTITLEMENT) : NULL;
    int entry = -1;
    for (uint32_t i = 0; usb && plist_get_node_type(usb) == PLIST_ARRAY &&
                         i < plist_array_get_size(usb) && entry < 0;
         i++)
        if (usb_matches(plist_array_get_item(usb, i), e->dict))
            entry = (int)i;
    if (entry >= 0)
        check_report(c, "check.ioreg-usb-match", -1, file, 0,
                     "%s is matched by personality %s and %s[%d]: the provider entitlements "
                     "check passes for it",
                     what, pname, USB_ENTITLEMENT, entry);
    else
        check_report(c, "check.ioreg-usb-refused", -1, file, 0,
                     "%s is matched by personality %s but %s: provider entitlements check "
                     "failed",
                     what, pname,
                     usb ? "no " USB_ENTITLEMENT " dictionary matches it"
                         : "the dext has no " USB_ENTITLEMENT " entitlement");
}

struct usb_walk {
    struct dw_check_ctx *c;
    const char *path; /* the listing's file */
    const struct reg_entry *e;
    size_t n, matched, personalities, listed[3];
};

static void judge_personality(const char *name, plist_t pers, void *ctx)
{
    struct usb_walk *w = ctx;
    const char *provider = dw_plist_string(pers, "IOProviderClass");
    int kind = -1;
    for (int k = USB_DEVICE; provider && k <= HID_INTERFACE; k++)
        if (strcmp(provider, kind_class[k]) == 0)
            kind = k;
    if (kind < 0 || !w->listed[kind])
        return; /* not a USB/HID personality, or the listing has no such entries */
    w->personalities++;
    for (size_t i = 0; i < w->n; i++) {
        const struct reg_entry *e = &w->e[i];
        if ((int)e->kind != kind ||
            !(kind == HID_INTERFACE ? hid_matches(pers, e->dict) : usb_matches(pers, e->dict)))
            continue;
        w->matched++;
        judge(w->c, w->path, name, e);
    }
}

void check_ioreg_usb(struct dw_check_ctx *c, const struct dw_ioreg_listing *l)
{
    const struct dw_bundle *b = c->b;
    plist_t all = b->info ? plist_dict_get_item(b->info, "IOKitPersonalities") : NULL;
    if (!l->plist || b->kind != DW_BUNDLE_DEXT || !all)
        return;
    struct reg_entry *e = xcalloc(ENTRIES_MAX, sizeof *e);
    struct usb_walk w = {.c = c, .path = l->path, .e = e};
    struct entry_list list = {e, 0};
    check_ioreg_each(l->plist, 0, collect, &list);
    w.n = list.n;
    for (size_t i = 0; i < w.n; i++)
        w.listed[e[i].kind]++;
    dw_plist_each(all, judge_personality, &w);
    if (w.personalities && !w.matched)
        check_report(c, "check.ioreg-usb-nomatch", -1, l->path, 0,
                     "none of the %zu USB or HID entr%s listed matches a USB or HID personality "
                     "of the dext",
                     w.n, w.n == 1 ? "y" : "ies");
    free(e);
}
