/* check_rules.c - the static checks as rules: class, severity, what to do and
 * the public sources each one rests on.  (The log rules live in the rule packs under rules/;
 * these are code, because what they test is code, but they print the same.) */
#include "check.h"

#define REF_CS_BLOBS "xnu osfmk/kern/cs_blobs.h (CodeDirectory, slots, CS_ADHOC, CS_RUNTIME)"
#define REF_TN3126                                                                                 \
    "TN3126 Inside Code Signing: Hashes "                                                          \
    "https://developer.apple.com/documentation/technotes/tn3126-inside-code-signing-hashes"
#define REF_TN3125                                                                                 \
    "TN3125 Inside Code Signing: Provisioning Profiles "                                           \
    "https://developer.apple.com/documentation/technotes/"                                         \
    "tn3125-inside-code-signing-provisioning-profiles"
#define REF_DK_ENT                                                                                 \
    "Requesting Entitlements for DriverKit Development "                                           \
    "https://developer.apple.com/documentation/driverkit/"                                         \
    "requesting-entitlements-for-driverkit-development"
#define REF_DK_DEBUG                                                                               \
    "Debugging and testing system extensions "                                                     \
    "https://developer.apple.com/documentation/driverkit/debugging-and-testing-system-extensions"
#define REF_PCI_ENT                                                                                \
    "com.apple.developer.driverkit.transport.pci "                                                 \
    "https://developer.apple.com/documentation/bundleresources/entitlements/"                      \
    "com.apple.developer.driverkit.transport.pci"
#define REF_HID_ENT                                                                                \
    "com.apple.developer.driverkit.transport.hid (a Boolean) "                                     \
    "https://developer.apple.com/documentation/bundleresources/entitlements/"                      \
    "com.apple.developer.driverkit.transport.hid"
#define REF_USB_ENT                                                                                \
    "com.apple.developer.driverkit.transport.usb "                                                 \
    "https://developer.apple.com/documentation/bundleresources/entitlements/"                      \
    "com.apple.developer.driverkit.transport.usb"
#define REF_USB_MATCH                                                                              \
    "Technical Q&A QA1076 Tips on USB driver matching "                                            \
    "https://developer.apple.com/library/archive/qa/qa1076/_index.html"
#define REF_IOPCI "IOPCIFamily IOPCIBridge.cpp IOPCIBridge::matchKeys / matchNubWithPropertyTable"
#define REF_PERSONALITIES                                                                          \
    "IOKitPersonalities "                                                                          \
    "https://developer.apple.com/documentation/bundleresources/information-property-list/"         \
    "iokitpersonalities"

const struct dw_check_rule dw_check_rules[] = {
    {"check.unreadable", "bundle.unreadable", DW_SEV_ERROR, 90,
     "Rebuild the bundle: macOS reads Info.plist and the executable it names before anything "
     "else; a bundle that lacks them, or a Mach-O whose structure is broken, is refused.",
     "Bundle Programming Guide: Anatomy of a macOS bundle\nmach-o/loader.h, mach-o/fat.h"},
    {"check.unsigned", "codesign.unsigned", DW_SEV_ERROR, 80,
     "Sign the executable (Xcode: Signing & Capabilities; or codesign --sign \"Apple Development: "
     "...\" --entitlements X.entitlements) and embed the provisioning profile.  Confirm with "
     "`codesign -dvvv --entitlements - BUNDLE` (errSecCSUnsigned -67062 on the Mac).",
     REF_CS_BLOBS "\nSecurity CSCommon.h errSecCSUnsigned"},
    {"check.modified", "codesign.modified", DW_SEV_ERROR, 85,
     "The bundle was changed after it was signed (a patched binary, an edited Info.plist or "
     "entitlements, a copy that rewrote files).  Sign again as the last build step and never "
     "modify the bundle afterwards; confirm with `codesign --verify --deep --strict -vv BUNDLE` "
     "(errSecCSSignatureFailed -67061, errSecCSInfoPlistFailed -67030 on the Mac).",
     REF_TN3126 "\n" REF_CS_BLOBS},
    {"check.unsealed", "codesign.unsealed", DW_SEV_ERROR, 83,
     "A file was put into the bundle after it was signed: the seal "
     "(_CodeSignature/CodeResources) does not cover it, so `codesign --verify --deep --strict "
     "-vv BUNDLE` fails (\"a sealed resource is missing or invalid\", \"file added\") and so do "
     "Gatekeeper and notarization.  Copy every file into the bundle before the signing step "
     "(Xcode: a Copy Files phase of the target, never a script after Code Sign) or remove it, "
     "then sign again.",
     "Security libsecurity_codesigning bundlediskrep.cpp (BundleDiskRep::defaultResourceRules: "
     "rules2; adjustResources: the exclusions) and resources.cpp (ResourceBuilder)\n"
     "TN2206 macOS Code Signing In Depth "
     "https://developer.apple.com/library/archive/technotes/tn2206/_index.html\n" REF_TN3126},
    {"check.cdhashes", "codesign.cdhashes", DW_SEV_ERROR, 86,
     "The CMS signature lists the hash of every CodeDirectory it signed (its CDHashes "
     "attributes); a CodeDirectory that was rewritten, added or removed afterwards is a "
     "tampered or re-assembled signature, and macOS refuses it (errSecCSSignatureFailed -67061; "
     "`codesign --verify -vv` \"invalid signature\").  Sign the final binary again with codesign "
     "(after lipo, strip or any patch) instead of splicing signature blobs.",
     "Security libsecurity_codesigning SecStaticCode.cpp SecStaticCode::verifySignature (hash "
     "agility: 1.2.840.113635.100.9.1 plist of cdhashes, 1.2.840.113635.100.9.2 digest OID and "
     "untruncated hash per CodeDirectory)\n" REF_TN3126 "\n" REF_CS_BLOBS},
    {"check.der-entitlements", "codesign.der-entitlements", DW_SEV_ERROR, 84,
     "Since macOS 12 the kernel and AMFI read the DER form of the entitlements; it must say "
     "what the XML form says.  Sign again with a current codesign (Xcode 13 or later writes "
     "both from the same .entitlements file); never edit one blob alone.",
     "Using the latest code signature format "
     "https://developer.apple.com/documentation/xcode/"
     "using-the-latest-code-signature-format\n" REF_CS_BLOBS},
    {"check.adhoc-restricted", "codesign.adhoc-restricted", DW_SEV_ERROR, 95,
     "An ad-hoc (\"Sign to Run Locally\") signature cannot carry restricted entitlements: with "
     "SIP on, AMFI refuses the dext (-67050 errSecCSReqFailed, -413 \"No matching profile "
     "found\").  Sign with an Apple Development (or, for release, Developer ID) certificate and "
     "a provisioning profile whose entitlements grant these.  Development only: SIP off and "
     "`systemextensionsctl developer on` accept it; undo with `systemextensionsctl developer "
     "off` and `csrutil enable` from Recovery.",
     REF_DK_ENT "\n" REF_DK_DEBUG "\n" REF_CS_BLOBS},
    {"check.development-signing", "codesign.development", DW_SEV_WARNING, 20,
     "For distribution, sign with a Developer ID Application certificate and a Developer ID "
     "provisioning profile (no device list), then notarize; a development signature and "
     "profile load only on the Macs the profile lists.  Pass --development when checking a "
     "build meant for your own test Macs.",
     REF_TN3125 "\n"
                "Signing Mac Software with Developer ID https://developer.apple.com/developer-id/"},
    {"check.profile-missing", "profile.missing", DW_SEV_ERROR, 70,
     "Restricted entitlements (com.apple.developer.*) must be granted by an "
     "embedded.provisionprofile in the bundle: create a profile for this bundle id with the "
     "DriverKit capabilities Apple granted your team, and let Xcode embed it (or copy it to "
     "embedded.provisionprofile before signing).",
     REF_TN3125 "\n" REF_DK_ENT},
    {"check.profile-unreadable", "profile.unreadable", DW_SEV_ERROR, 71,
     "embedded.provisionprofile must be the CMS-signed profile as downloaded from the developer "
     "site, unmodified.  Confirm with `security cms -D -i embedded.provisionprofile`; download "
     "it again.",
     REF_TN3125},
    {"check.profile-bundle-id", "profile.bundle-id", DW_SEV_ERROR, 73,
     "The profile's application identifier (TEAMID.bundle-id) must name this bundle's "
     "CFBundleIdentifier: create or pick the profile of this App ID (each dext has its own) "
     "and embed it.",
     REF_TN3125},
    {"check.profile-expired", "profile.expired", DW_SEV_ERROR, 75,
     "The provisioning profile has expired: regenerate it on the developer site (or let Xcode "
     "renew it), embed the new one and sign again.",
     REF_TN3125},
    {"check.profile-expiring", "profile.expiring", DW_SEV_WARNING, 35,
     "The provisioning profile expires within 30 days; from then on macOS refuses to load the "
     "code it signs.  Regenerate the profile (or let Xcode renew it), embed it, sign again and "
     "ship the update before the date.",
     REF_TN3125},
    {"check.profile-devices", "profile.devices", DW_SEV_WARNING, 36,
     "A development provisioning profile lists the Macs it allows (ProvisionedDevices, each "
     "Mac's Provisioning UDID from `system_profiler SPHardwareDataType`); a Developer ID profile "
     "allows all (ProvisionsAllDevices) and goes with a Developer ID certificate.  Register the "
     "test Mac under Devices in the developer account and regenerate the development profile, "
     "or sign with the certificate the profile is for.",
     REF_TN3125},
    {"check.profile-certificate", "profile.certificate", DW_SEV_ERROR, 72,
     "The certificate that signed the code is not one of the profile's DeveloperCertificates: "
     "sign with a certificate the profile lists, or regenerate the profile including it.  "
     "Compare `codesign -dvvv` (Authority) with `security cms -D -i embedded.provisionprofile`.",
     REF_TN3125},
    {"check.team-mismatch", "codesign.team-mismatch", DW_SEV_ERROR, 74,
     "The team id of the signature, its certificate and the profile must be the same team, and "
     "a system extension's team that of its host app (unless the extension is signed with "
     "com.apple.developer.system-extension.redistributable).  Sign with that team's certificate "
     "and its profile (Xcode: Signing & Capabilities, Team).",
     REF_TN3125 "\n" REF_CS_BLOBS},
    {"check.entitlement-not-in-profile", "entitlement.not-in-profile", DW_SEV_ERROR, 78,
     "Every restricted entitlement in the signature must be allowed by the profile, value by "
     "value (taskgated-helper: \"Unsatisfied entitlements\", amfid -413).  Use exactly the value "
     "Apple granted (the profile's), or request the entitlement for this value.",
     REF_TN3125 "\n" REF_DK_ENT},
    {"check.driverkit-missing", "entitlement.driverkit-missing", DW_SEV_ERROR, 76,
     "A dext must be signed with com.apple.developer.driverkit = true (and the transport and "
     "family entitlements its personalities need).  Add it to the dext's .entitlements file.",
     REF_DK_ENT},
    {"check.family-entitlement", "entitlement.family", DW_SEV_ERROR, 77,
     "The family class the personality's IOClass names requires its family entitlement (the "
     "kernel: \"family entitlements check failed\"): add it to the dext's .entitlements and "
     "request it from Apple for your team if your profile lacks it.",
     REF_DK_ENT
     "\n"
     "xnu iokit/Kernel/IOUserServer.cpp IOUserServer::checkEntitlements (the service's "
     "IOServiceDEXTEntitlements)\n"
     "com.apple.developer.driverkit.family.hid.device, .hid.eventservice, .networking, .serial, "
     ".scsicontroller, .block-storage-device "
     "https://developer.apple.com/documentation/bundleresources/driverkit\n"
     "HID Entitlement Configuration Guide https://developer.apple.com/forums/thread/843327\n"
     "the table with a source per class: collector/check_family.c, docs/check.md"},
    {"check.personality-incomplete", "personality.incomplete", DW_SEV_ERROR, 60,
     "Each IOKitPersonalities entry of a dext needs CFBundleIdentifier (the dext's bundle id), "
     "IOClass, IOUserClass, IOUserServerName and IOProviderClass; without them the dext is "
     "never matched and nothing is logged.",
     REF_PERSONALITIES},
    {"check.personality-bundle-id", "personality.bundle-id", DW_SEV_ERROR, 62,
     "Set the personality's CFBundleIdentifier (and IOUserServerName) to the dext's "
     "CFBundleIdentifier, e.g. $(PRODUCT_BUNDLE_IDENTIFIER): IOKit loads the bundle the "
     "personality names, so a stale id starts nothing and logs nothing.",
     REF_PERSONALITIES},
    {"check.pci-match-all", "pci.match-everything", DW_SEV_ERROR, 65,
     "A zero mask matches every PCI device, the Mac's built-in ones included; IOPCIFamily "
     "refuses a built-in device unless the dext holds com.apple.developer.driverkit.builtin, "
     "which third parties are not granted (\"provider entitlements check failed\").  Match "
     "your device: IOPCIPrimaryMatch \"0xDDDDVVVV\" (device id, vendor id) or "
     "\"0x0000VVVV&0x0000FFFF\" for every device of your vendor id.",
     REF_IOPCI "\n" REF_PCI_ENT},
    {"check.pci-match-syntax", "pci.match-syntax", DW_SEV_ERROR, 64,
     "Write each term as 0xVVVVVVVV or 0xVVVVVVVV&0xMMMMMMMM (8 hex digits each, terms "
     "separated by spaces).  IOPCIFamily reads them with strtoul: a digit too many shifts the "
     "mask, and `&amp;` (an XML escape left in the value) makes the mask 0xa and ends the list.",
     REF_IOPCI "\n" REF_PCI_ENT},
    {"check.transport-coverage", "entitlement.transport-coverage", DW_SEV_ERROR, 66,
     "Each PCI, USB or HID personality must be covered by the transport entitlement "
     "(com.apple.developer.driverkit.transport.pci: dictionaries with IOPCIPrimaryMatch etc.; "
     ".transport.usb: dictionaries with idVendor; .transport.hid: true for an IOHIDInterface "
     "provider): the kernel matches the entitlement's dictionary against the device as it does "
     "the personality, so a device the entitlement does not cover fails the provider "
     "entitlements check.",
     REF_PCI_ENT "\n" REF_DK_ENT "\n" REF_HID_ENT},
    {"check.usb-entitlement", "usb.entitlement-value", DW_SEV_ERROR, 64,
     "In com.apple.developer.driverkit.transport.usb each dictionary's idVendor is an integer "
     "(<integer>1452</integer>, decimal, for 0x05ac) or, in a development profile, the string "
     "\"*\"; a hex string matches no device.",
     REF_USB_ENT},
    {"check.hid-entitlement", "hid.entitlement-value", DW_SEV_ERROR, 64,
     "com.apple.developer.driverkit.transport.hid is a Boolean: write <true/>.  Unlike "
     "transport.usb it takes no matching dictionaries; a value of another type grants nothing, "
     "so the dext's IOHIDInterface personalities fail the provider entitlements check.",
     REF_HID_ENT "\n"
                 "HID Entitlement Configuration Guide (Apple Developer Forums) "
                 "https://developer.apple.com/forums/thread/843327"},
    {"check.ioreg-usb-refused", "provider.refused", DW_SEV_ERROR, 91,
     "The kernel refuses this device: a USB device or interface needs one dictionary of "
     "com.apple.developer.driverkit.transport.usb that matches it as the personality does "
     "(idVendor an integer, or \"*\" in a development profile), an IOHIDInterface needs "
     "com.apple.developer.driverkit.transport.hid = true (\"provider entitlements check "
     "failed\").  Request the entitlement for this vendor id, or narrow the personality.",
     "xnu iokit/Kernel/IOUserServer.cpp IOUserServer::checkEntitlements\n" REF_USB_ENT
     "\n" REF_HID_ENT "\n" REF_USB_MATCH},
    {"check.ioreg-usb-match", "provider.match", DW_SEV_INFO, 2, NULL, REF_USB_MATCH},
    {"check.ioreg-usb-nomatch", "provider.no-match", DW_SEV_WARNING, 49,
     "No USB device, USB interface or HID interface of this Mac matches the dext's "
     "personalities, so it never starts (and nothing is logged).  Compare idVendor, idProduct "
     "and the class keys (bInterfaceClass ...; PrimaryUsagePage, PrimaryUsage for HID) with "
     "what `ioreg -l -r -c IOUSBHostDevice` (or -c IOHIDInterface) shows; idVendor and "
     "idProduct are decimal integers in the plist.",
     REF_USB_MATCH "\n" REF_PERSONALITIES},
    {"check.host-app", "sysext.host-app", DW_SEV_ERROR, 68,
     "The app that activates a system extension must be signed with "
     "com.apple.developer.system-extension.install = true (OSSystemExtensionErrorDomain 2, "
     "missingEntitlement, otherwise); if it lists com.apple.developer.driverkit.userclient-access, "
     "the list must name each dext it opens.",
     "com.apple.developer.system-extension.install "
     "https://developer.apple.com/documentation/bundleresources/entitlements/"
     "com.apple.developer.system-extension.install\n"
     "com.apple.developer.driverkit.userclient-access "
     "https://developer.apple.com/documentation/bundleresources/entitlements/"
     "com.apple.developer.driverkit.userclient-access"},
    {"check.ioreg-refused", "provider.refused", DW_SEV_ERROR, 92,
     "The kernel refuses this device: one dictionary of com.apple.developer.driverkit."
     "transport.pci must match it as the personality does, a built-in device also needs "
     "com.apple.developer.driverkit.builtin (not granted to third parties), and one list of "
     "the device's IOServiceDEXTEntitlements must be held entirely (\"provider entitlements "
     "check failed\").  Narrow the personality to your device, or request the entitlement "
     "value that covers it.",
     "xnu iokit/Kernel/IOUserServer.cpp IOUserServer::checkEntitlements\n"
     "IOPCIFamily IOPCIDevice.cpp IOPCIDevice::matchPropertyTable; IOPCIBridge.cpp "
     "(IOServiceDEXTEntitlements of the nub)\n" REF_PCI_ENT},
    /* a device the dext can start on: a fact, nothing to do */
    {"check.ioreg-match", "provider.match", DW_SEV_INFO, 2, NULL, REF_IOPCI},
    {"check.ioreg-nomatch", "provider.no-match", DW_SEV_WARNING, 50,
     "No device of this Mac matches the dext's PCI personalities, so it never starts (and "
     "nothing is logged).  Compare IOPCIPrimaryMatch with the vendor-id and device-id that "
     "`ioreg -l -r -c IOPCIDevice` shows (little-endian bytes: <cd ab 00 00> is 0xabcd).",
     REF_IOPCI "\n" REF_PERSONALITIES},
    {"check.architecture", "arch.slices", DW_SEV_WARNING, 40,
     "Build the dext for arm64 and x86_64 against the DriverKit SDK (Xcode's DriverKit target: "
     "SDKROOT = driverkit, ARCHS = arm64 x86_64): third-party arm64e code runs only with the "
     "arm64e preview ABI boot argument, drivers do not run under Rosetta, and a dext built "
     "for the macOS SDK cannot link the DriverKit runtime.",
     "Preparing your app to work with pointer authentication "
     "https://developer.apple.com/documentation/security/"
     "preparing-your-app-to-work-with-pointer-authentication"},
    {"check.package-type", "bundle.package-type", DW_SEV_ERROR, 30,
     "A dext's Info.plist sets CFBundlePackageType DEXT and OSBundleUsageDescription (Xcode's "
     "DriverKit driver template does).",
     REF_PERSONALITIES},
    /* what the bundle is signed as (`codesign -dvvv`): a fact, nothing to do */
    {"check.signature", "codesign.identity", DW_SEV_INFO, 1, NULL, REF_CS_BLOBS},
};
const size_t dw_check_nrules = sizeof dw_check_rules / sizeof dw_check_rules[0];
