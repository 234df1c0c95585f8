#!/usr/bin/env bash
# Builds the `dextwatch check` fixture bundles into DIR from tests/bundle/src:
#
#   make_fixtures.sh GEN_MACHO SRC_DIR DIR
#
# Certificates are throwaway ones made here with `openssl req` ("Apple
# Development: Test (TEAMID1234)", "Apple Development: Other (OTHERTEAM9)" and
# a profile signer); provisioning profiles are `openssl cms -sign` over a plist
# (TN3125's shape); executables are gen_macho's signed Mach-O files.
# Expiry dates stay before 2069: libplist 2.2 keeps dates as 32-bit seconds since 2001.
#
#   seed/PCIDriver.dext     the case of issue 14: ad-hoc, transport.pci, no
#                           profile, a zero mask of nine digits in the personality
#   hid/VirtualHIDDevice.dext  Karabiner-shaped, signed + profile, universal: clean
#                           (for development; a release is warned it is development-signed)
#   pci/PCIDriver.dext      signed + profile, binary Info.plist, fat64: clean (as hid)
#   modified/VirtualHIDDevice.dext  hid, then a page, Info.plist and the sealed
#                           embedded.provisionprofile changed
#   bad/BadDriver.dext      another team's certificate, expired profile, a value
#                           the profile does not allow, stale personality id,
#                           no IOUserServerName, `&amp;` in the match, arm64e only,
#                           built for the macOS platform, IOClass IOUserSerial without
#                           the serial family entitlement, a profile for another App ID
#   derdiff/VirtualHIDDevice.dext  hid with DER entitlements that say something else,
#                           x86_64 only, CodeResources edited after signing
#   unsealed/VirtualHIDDevice.dext  hid with files put in after signing (a script, a
#                           file in a new directory, a name with escapes and a newline;
#                           a .DS_Store, which the seal omits)
#   usb/USBDriver.dext      knightsc/USBApp-shaped; transport.usb idVendor as a hex string
#   usbok/USBDriver.dext    usb with idVendor an integer (1921): clean
#   hidif/KeyboardDriver.dext  shaped like Apple's HIDDriverKit keyboard sample (IOHIDInterface
#                           provider), transport.hid written as an array of dictionaries
#   Host.app                an app with hid's dext in Contents/Library/SystemExtensions
#   HostBad.app             no system-extension.install, a user-client access list
#                           without its dext, which another team signed
#   ioreg-pci.plist         `ioreg -a -l -r -c IOPCIDevice`: one external, one built-in device
#   ioreg-usb.plist         `ioreg -a -l -r -c IOUSBHostDevice`: a SanDisk stick, an Apple keyboard
#   ioreg-hid.plist         `ioreg -a -l -r -c IOHIDInterface`: the keyboard's two interfaces
#   hostile/Evil.dext       escapes, newlines and markup in every Info.plist string
#   patched/PCIDriver.dext  pci with two CodeDirectories (SHA-1 primary, SHA-256
#                           alternate); a page patched and only the SHA-256 one rewritten
#   stripped/PCIDriver.dext  pci signed with both CodeDirectories, the SHA-256 one then
#                           removed from the SuperBlob (only the CMS's CDHashes say so)
#   nodevices/PCIDriver.dext  pci with a profile that lists no Macs (development certificate)
#   expiring/PCIDriver.dext   pci with a profile that expires in ten days
#   unsigned/Tool           a Mach-O without LC_CODE_SIGNATURE
#   broken/PCIDriver        seed's executable cut short (its signature runs past the end)
set -eu
GEN=$1
SRC=$2
DIR=$3
rm -rf "$DIR"
mkdir -p "$DIR/keys"
K=$DIR/keys

cert() { # name subject
    openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj "$2" \
        -keyout "$K/$1.key" -out "$K/$1.pem" 2>/dev/null
    openssl x509 -in "$K/$1.pem" -outform DER -out "$K/$1.der"
}
cert dev "/CN=Apple Development: Test (TEAMID1234)/OU=TEAMID1234/O=Test/C=US"
cert other "/CN=Apple Development: Other (OTHERTEAM9)/OU=OTHERTEAM9/O=Other/C=US"
cert profsign "/CN=Test Provisioning Profile Signing/O=Test/C=US"

# The inner lines of an entitlements file's top dictionary.
ent_body() {
    awk '{l[NR] = $0} /<dict>/ && !f {f = NR} /^[ \t]*<\/dict>[ \t]*$/ {last = NR}
         END {for (i = f + 1; i < last; i++) print l[i]}' "$1"
}

profile() { # out name team expiry entitlements-file [sed-expr]
    local body
    body=$(ent_body "$5" | sed -e "${6:-s/^//}")
    local certb64
    certb64=$(base64 -w0 <"$K/dev.der")
    awk -v body="$body" '{ if ($0 == "@ENTITLEMENTS@") print body; else print }' \
        "${TEMPLATE:-$SRC/profile.plist.in}" |
        sed -e "s|@NAME@|$2|g" -e "s|@TEAM@|$3|g" -e "s|@EXPIRY@|$4|" -e "s|@CERT@|$certb64|" \
            >"$K/$2.plist"
    openssl cms -sign -nodetach -binary -outform DER -signer "$K/profsign.pem" \
        -inkey "$K/profsign.key" -in "$K/$2.plist" -out "$1"
}

# _CodeSignature/CodeResources sealing FILE... of bundle DIR, as codesign
# writes it: "files" (SHA-1) and "files2" ({hash2 = SHA-256}).
seal() { # dir file...
    local d=$1 f
    shift
    mkdir -p "$d/_CodeSignature"
    {
        printf '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
        printf '\t<key>files</key>\n\t<dict>\n'
        for f in "$@"; do
            printf '\t\t<key>%s</key>\n\t\t<data>%s</data>\n' "$f" \
                "$(openssl dgst -sha1 -binary "$d/$f" | base64 -w0)"
        done
        printf '\t</dict>\n\t<key>files2</key>\n\t<dict>\n'
        for f in "$@"; do
            printf '\t\t<key>%s</key>\n\t\t<dict>\n\t\t\t<key>hash2</key>\n\t\t\t<data>%s</data>\n\t\t</dict>\n' \
                "$f" "$(openssl dgst -sha256 -binary "$d/$f" | base64 -w0)"
        done
        printf '\t</dict>\n</dict>\n</plist>\n'
    } >"$d/_CodeSignature/CodeResources"
}

dext() { # dir name info entitlements gen-args...
    local d=$1 name=$2 info=$3 ent=$4
    shift 4
    mkdir -p "$d"
    cp "$info" "$d/Info.plist"
    "$GEN" --out "$d/$name" --entitlements "$ent" --info "$d/Info.plist" "$@"
}

DEV="--cert $K/dev.pem --key $K/dev.key --team TEAMID1234"

# the seed case: "Sign to Run Locally"
dext "$DIR/seed/PCIDriver.dext" PCIDriver "$SRC/seed.Info.plist" "$SRC/seed.entitlements" \
    --id com.example.PCIDriver --arch arm64

# clean, signed, universal (fat32)
# (the profile is sealed in _CodeSignature/CodeResources, bound by slot 3)
H=$DIR/hid/VirtualHIDDevice.dext
mkdir -p "$H"
cp "$SRC/hid.Info.plist" "$H/Info.plist"
profile "$H/embedded.provisionprofile" "VirtualHIDDevice Development" TEAMID1234 \
    2060-01-01T00:00:00Z "$SRC/hid.entitlements"
seal "$H" embedded.provisionprofile
"$GEN" --out "$H/com.example.VirtualHIDDevice" --entitlements "$SRC/hid.entitlements" \
    --info "$H/Info.plist" --resources "$H/_CodeSignature/CodeResources" \
    --id com.example.VirtualHIDDevice $DEV --arch arm64 --arch x86_64

# clean, signed, binary Info.plist, fat64
P=$DIR/pci/PCIDriver.dext
mkdir -p "$P"
"$GEN" --xml2bin "$SRC/pci.Info.plist" "$P/Info.plist"
"$GEN" --out "$P/PCIDriver" --entitlements "$SRC/pci.entitlements" --info "$P/Info.plist" \
    --id com.example.PCIDriver $DEV --arch arm64 --arch x86_64 --fat64
profile "$P/embedded.provisionprofile" "PCIDriver Development" TEAMID1234 \
    2060-01-01T00:00:00Z "$SRC/pci.entitlements"

# modified after signing: one page of the code and Info.plist
M=$DIR/modified/VirtualHIDDevice.dext
mkdir -p "$DIR/modified"
cp -R "$H" "$M"
"$GEN" --out "$M/com.example.VirtualHIDDevice" --entitlements "$SRC/hid.entitlements" \
    --info "$H/Info.plist" --resources "$H/_CodeSignature/CodeResources" \
    --id com.example.VirtualHIDDevice $DEV --arch arm64 --corrupt
sed -i -e 's|<string>1.0.0</string>|<string>1.0.1</string>|' "$M/Info.plist"
profile "$M/embedded.provisionprofile" "VirtualHIDDevice Development 2" TEAMID1234 \
    2060-01-01T00:00:00Z "$SRC/hid.entitlements"

# the DER entitlements (what the kernel reads) disagree with the XML ones
D=$DIR/derdiff/VirtualHIDDevice.dext
mkdir -p "$DIR/derdiff"
cp -R "$H" "$D"
"$GEN" --out "$D/com.example.VirtualHIDDevice" --entitlements "$SRC/hid.entitlements" \
    --der-from "$SRC/seed.entitlements" --info "$D/Info.plist" --id com.example.VirtualHIDDevice \
    --resources "$D/_CodeSignature/CodeResources" $DEV --arch x86_64
echo '<!-- edited -->' >>"$D/_CodeSignature/CodeResources"

# files added after signing: not in CodeResources' files2
S=$DIR/unsealed/VirtualHIDDevice.dext
mkdir -p "$DIR/unsealed"
cp -R "$H" "$S"
printf '#!/bin/sh\n' >"$S/postinstall.sh"
mkdir -p "$S/Resources"
echo extra >"$S/Resources/extra.txt"
echo finder >"$S/.DS_Store"
: >"$S/$(printf 'evil\033[31m\nname<b>')" # a hostile file name, escaped in every format

# everything the profile and the personality can get wrong
B=$DIR/bad/BadDriver.dext
mkdir -p "$B"
"$GEN" --xml2bin "$SRC/bad.Info.plist" "$B/Info.plist"
"$GEN" --out "$B/BadDriver" --entitlements "$SRC/bad.entitlements" --info "$B/Info.plist" \
    --id com.example.BadDriver --cert "$K/other.pem" --key "$K/other.key" --team OTHERTEAM9 \
    --arch arm64e --platform 1
profile "$B/embedded.provisionprofile" "BadDriver Development" TEAMID1234 2020-01-01T00:00:00Z \
    "$SRC/pci.entitlements" 's/0x0000abcd/0x0000beef/;0,/<true\/>/s||<true/>\n\t<key>com.apple.application-identifier</key>\n\t<string>TEAMID1234.com.example.Other</string>|'

# codesign's two-CodeDirectory layout, then a page patched under the SHA-256 one
Q=$DIR/patched/PCIDriver.dext
mkdir -p "$DIR/patched"
cp -R "$P" "$Q"
"$GEN" --out "$Q/PCIDriver" --entitlements "$SRC/pci.entitlements" --info "$Q/Info.plist" \
    --id com.example.PCIDriver $DEV --arch arm64 --two-cds --patch-alternate

# the same layout with the SHA-256 CodeDirectory left out after signing: every page
# and the CMS over the SHA-1 one verify, only the CMS's CDHashes attributes tell
R=$DIR/stripped/PCIDriver.dext
mkdir -p "$DIR/stripped"
cp -R "$P" "$R"
"$GEN" --out "$R/PCIDriver" --entitlements "$SRC/pci.entitlements" --info "$R/Info.plist" \
    --id com.example.PCIDriver $DEV --arch arm64 --two-cds --drop-alternate

# a development-signed dext whose profile lists no Macs (a Developer ID profile's shape
# without ProvisionsAllDevices), and one whose profile expires in ten days
N=$DIR/nodevices/PCIDriver.dext
mkdir -p "$DIR/nodevices"
cp -R "$P" "$N"
sed -e '/<key>ProvisionedDevices<\/key>/,/<\/array>/d' "$SRC/profile.plist.in" >"$K/nodevices.plist.in"
TEMPLATE=$K/nodevices.plist.in profile "$N/embedded.provisionprofile" "PCIDriver No Devices" \
    TEAMID1234 2060-01-01T00:00:00Z "$SRC/pci.entitlements"
E=$DIR/expiring/PCIDriver.dext
mkdir -p "$DIR/expiring"
cp -R "$P" "$E"
profile "$E/embedded.provisionprofile" "PCIDriver Expiring" TEAMID1234 \
    "$(date -u -d '+10 days 12 hours' +%Y-%m-%dT%H:%M:%SZ)" "$SRC/pci.entitlements"

# a USB dext whose entitlement writes idVendor as a hex string
U=$DIR/usb/USBDriver.dext
dext "$U" USBDriver "$SRC/usb.Info.plist" "$SRC/usb.entitlements" --id com.example.USBDriver \
    $DEV --arch arm64 --arch x86_64
profile "$U/embedded.provisionprofile" "USBDriver Development" TEAMID1234 2060-01-01T00:00:00Z \
    "$SRC/usb.entitlements"

# the same USB dext with idVendor an integer, as Apple documents it
V=$DIR/usbok/USBDriver.dext
dext "$V" USBDriver "$SRC/usb.Info.plist" "$SRC/usbok.entitlements" --id com.example.USBDriver \
    $DEV --arch arm64 --arch x86_64
profile "$V/embedded.provisionprofile" "USBDriver Development" TEAMID1234 2060-01-01T00:00:00Z \
    "$SRC/usbok.entitlements"

# a HID event service on IOHIDInterface whose transport.hid is an array, not a Boolean
K2=$DIR/hidif/KeyboardDriver.dext
dext "$K2" KeyboardDriver "$SRC/hidif.Info.plist" "$SRC/hidif.entitlements" \
    --id com.example.KeyboardDriver $DEV --arch arm64 --arch x86_64
profile "$K2/embedded.provisionprofile" "KeyboardDriver Development" TEAMID1234 \
    2060-01-01T00:00:00Z "$SRC/hidif.entitlements"

# a host app with the clean dext inside
A=$DIR/Host.app/Contents
mkdir -p "$A/MacOS" "$A/Library/SystemExtensions"
cp "$SRC/host.Info.plist" "$A/Info.plist"
"$GEN" --out "$A/MacOS/Host" --entitlements "$SRC/host.entitlements" --info "$A/Info.plist" \
    --id com.example.Host $DEV --arch arm64 --arch x86_64
profile "$A/embedded.provisionprofile" "Host Development" TEAMID1234 2060-01-01T00:00:00Z \
    "$SRC/host.entitlements"
cp -R "$H" "$A/Library/SystemExtensions/"

# a host app that cannot install its dext, signed by two teams
A=$DIR/HostBad.app/Contents
mkdir -p "$A/MacOS" "$A/Library/SystemExtensions"
cp "$SRC/host.Info.plist" "$A/Info.plist"
"$GEN" --out "$A/MacOS/Host" --entitlements "$SRC/host-bad.entitlements" --info "$A/Info.plist" \
    --id com.example.Host $DEV --arch arm64
profile "$A/embedded.provisionprofile" "Host Development" TEAMID1234 2060-01-01T00:00:00Z \
    "$SRC/host-bad.entitlements"
cp -R "$H" "$A/Library/SystemExtensions/"
"$GEN" --out "$A/Library/SystemExtensions/VirtualHIDDevice.dext/com.example.VirtualHIDDevice" \
    --entitlements "$SRC/hid.entitlements" --id com.example.VirtualHIDDevice \
    --info "$H/Info.plist" --cert "$K/other.pem" --key "$K/other.key" --team OTHERTEAM9 --arch arm64

# a Mach-O whose LC_CODE_SIGNATURE points past its end (truncated download)
mkdir -p "$DIR/broken"
head -c 13000 "$DIR/seed/PCIDriver.dext/PCIDriver" >"$DIR/broken/PCIDriver"

mkdir -p "$DIR/unsigned"
"$GEN" --out "$DIR/unsigned/Tool" --id Tool --unsigned --arch x86_64

cp "$SRC/ioreg-pci.plist" "$SRC/ioreg-usb.plist" "$SRC/ioreg-hid.plist" "$DIR/"

mkdir -p "$DIR/hostile/Evil.dext"
cp "$SRC/hostile.Info.plist" "$DIR/hostile/Evil.dext/Info.plist"
