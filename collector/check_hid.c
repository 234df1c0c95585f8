/* check_hid.c - HID personalities against the
 * com.apple.developer.driverkit.transport.hid entitlement, which Apple
 * documents as a Boolean ("whether the driver communicates with human
 * interface devices"): a personality whose provider is IOHIDInterface needs it
 * true, and a value of another type (an array of matching dictionaries, as
 * transport.usb takes) grants nothing. */
#include <string.h>

#include "check.h"

#define HID_ENTITLEMENT "com.apple.developer.driverkit.transport.hid"

static const char *type_name(plist_t v)
{
    switch (plist_get_node_type(v)) {
    case PLIST_ARRAY:
        return "an array";
    case PLIST_DICT:
        return "a dictionary";
    case PLIST_STRING:
        return "a string";
    case PLIST_UINT:
        return "an integer";
    default:
        return "not a Boolean";
    }
}

static void check_hid_personality(const char *name, plist_t pers, void *ctx)
{
    struct dw_check_ctx *c = ctx;
    const char *provider = dw_plist_string(pers, "IOProviderClass");
    if (!provider || strcmp(provider, "IOHIDInterface") != 0)
        return;
    plist_t v = plist_dict_get_item(c->b->entitlements, HID_ENTITLEMENT);
    if (v && plist_get_node_type(v) == PLIST_BOOLEAN && plist_bool_val_is_true(v))
        return;
    check_report(c, "check.transport-coverage", -1, c->b->info_path,
                 check_info_line(c->b, NULL, name),
                 "personality %s matches HID interfaces (IOProviderClass IOHIDInterface) but the "
                 "signature has no %s = true",
                 name, HID_ENTITLEMENT);
}

void check_hid(struct dw_check_ctx *c)
{
    const struct dw_bundle *b = c->b;
    if (b->kind != DW_BUNDLE_DEXT || !b->info || !b->entitlements)
        return;
    plist_t v = plist_dict_get_item(b->entitlements, HID_ENTITLEMENT);
    if (v && plist_get_node_type(v) != PLIST_BOOLEAN)
        check_report(c, "check.hid-entitlement", -1, b->exec_path, 0,
                     "entitlement %s is %s; Apple documents it as a Boolean (<true/>)",
                     HID_ENTITLEMENT, type_name(v));
    dw_plist_each(plist_dict_get_item(b->info, "IOKitPersonalities"), check_hid_personality, c);
}
