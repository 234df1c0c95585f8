/* check_family.c - DriverKit family entitlements.  A dext's personality
 * names, as IOClass, the kernel class that stands for its driver; the family
 * classes list their family entitlement in IOServiceDEXTEntitlements, and
 * without it the kernel refuses the dext ("family entitlements check
 * failed", xnu IOUserServer::checkEntitlements).
 *
 * The table is data: one row per kernel class, each with the public page
 * that pairs the class (or its framework) with the entitlement.  Families
 * whose personalities use a generic IOClass (AudioDriverKit, MIDIDriverKit:
 * IOUserService with the driver's own IOUserClass) cannot be told from the
 * Info.plist and have no row. */
#include <string.h>

#include "check.h"

#define ENT "com.apple.developer.driverkit."
#define DOC "https://developer.apple.com/documentation/"
#define HID_GUIDE                                                                                  \
    "HID Entitlement Configuration Guide https://developer.apple.com/forums/thread/843327"

const struct dw_family_row dw_family_table[] = {
    {"AppleUserHIDDevice", ENT "family.hid.device", "HIDDriverKit", HID_GUIDE},
    /* the USB transport subclass of AppleUserHIDDevice (IOHIDFamily
     * AppleUserHIDDrivers, whose own entitlements list family.hid.device) */
    {"AppleUserUSBHostHIDDevice", ENT "family.hid.device", "HIDDriverKit",
     "IOHIDFamily AppleUserHIDDrivers-Entitlements.plist "
     "https://opensource.apple.com/source/IOHIDFamily/IOHIDFamily-1446.61.2/AppleUserHIDDrivers/"},
    {"AppleUserHIDEventService", ENT "family.hid.eventservice", "HIDDriverKit", HID_GUIDE},
    {"IOUserNetworkEthernet", ENT "family.networking", "NetworkingDriverKit",
     DOC "bundleresources/entitlements/com.apple.developer.driverkit.family.networking"},
    {"IOUserSerial", ENT "family.serial", "SerialDriverKit",
     DOC "bundleresources/entitlements/com.apple.developer.driverkit.family.serial"},
    {"IOUserSCSIParallelInterfaceController", ENT "family.scsicontroller",
     "SCSIControllerDriverKit",
     DOC "bundleresources/entitlements/com.apple.developer.driverkit.family.scsicontroller"},
    /* "Add this entitlement to every BlockStorageDeviceDriverKit driver you create" */
    {"IOUserBlockStorageDevice", ENT "family.block-storage-device", "BlockStorageDeviceDriverKit",
     DOC "bundleresources/entitlements/com.apple.developer.driverkit.family.block-storage-device"},
};
const size_t dw_family_nrows = sizeof dw_family_table / sizeof dw_family_table[0];

void check_family(struct dw_check_ctx *c, const char *what, plist_t pers, const char *name)
{
    const char *io_class = dw_plist_string(pers, "IOClass");
    if (!io_class || !c->b->entitlements)
        return;
    for (size_t i = 0; i < dw_family_nrows; i++) {
        const struct dw_family_row *r = &dw_family_table[i];
        if (strcmp(io_class, r->io_class) != 0)
            continue;
        plist_t v = plist_dict_get_item(c->b->entitlements, r->entitlement);
        if (!v || !(plist_get_node_type(v) == PLIST_BOOLEAN && plist_bool_val_is_true(v)))
            check_report(c, "check.family-entitlement", -1, c->b->info_path,
                         check_info_line(c->b, name, "IOClass"),
                         "%s: IOClass %s (%s) needs %s = true, which the signature lacks (%s)",
                         what, io_class, r->framework, r->entitlement, r->source);
    }
}
