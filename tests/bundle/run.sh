#!/usr/bin/env bash
# `dextwatch check` on the generated fixture bundles (make_fixtures.sh):
# exit status per case and golden output (tests/bundle/golden/<case>.<ext>),
# the seed case of issue 14 in every format.
#
#   run.sh DEXTWATCH GEN_MACHO SRC_DIR FIXTURE_DIR [--update]
#
# Paths are given relative to FIXTURE_DIR, so the goldens do not depend on
# where the build tree is.  The certificates are new on every run; nothing
# of them but their subject reaches the output.
set -u
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
DW=$(abs "$1")
GEN=$(abs "$2")
SRC=$(abs "$3")
FX=$(abs "$4")
UPDATE=${5:-}
GOLD=$SRC/golden
unset GITHUB_STEP_SUMMARY
export NO_COLOR=1 CI=1
pass=0 fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

"$SRC/make_fixtures.sh" "$GEN" "$SRC/src" "$FX" || { echo "FAIL: fixtures" >&2; exit 1; }
cd "$FX" || exit 1
mkdir -p "$GOLD"

ext_of() {
    case $1 in
    junit) echo junit.xml ;;
    markdown) echo md ;;
    *) echo "$1" ;;
    esac
}

# case  expected-exit  formats  arguments...
run_case() {
    local name=$1 want=$2 formats=$3
    shift 3
    for f in $formats; do
        local out=$FX/$name.$(ext_of "$f")
        "$DW" check -q --format "$f" "$@" >"$out" 2>"$FX/$name.err"
        local st=$?
        [ "$st" -eq "$want" ] || bad "$name $f: exit $st, expected $want ($(cat "$FX/$name.err"))"
        # no control byte but LF in any format (bundle text is attacker-controlled)
        [ "$(LC_ALL=C tr -d '\n\040-\176\200-\377' <"$out" | wc -c)" -eq 0 ] ||
            bad "$name $f: raw control byte"
        if [ "$f" = junit ] && command -v xmllint >/dev/null; then
            xmllint --noout --schema "$SRC/../junit/junit.xsd" "$out" 2>/dev/null ||
                bad "$name junit: not valid against tests/junit/junit.xsd"
        fi
        local gold=$GOLD/$name.$(ext_of "$f")
        if [ "$UPDATE" = --update ]; then
            cp "$out" "$gold"
        elif ! diff -u "$gold" "$out" >&2; then
            bad "$name $f: differs from $gold"
        else
            pass=$((pass + 1))
        fi
    done
}

run_case seed 1 "text json github junit markdown" seed/PCIDriver.dext
run_case seed-development 1 "text" --development seed/PCIDriver.dext
run_case seed-ioreg 1 "text json" --ioreg ioreg-pci.plist seed/PCIDriver.dext
run_case pci-ioreg 0 "text" --ioreg ioreg-pci.plist pci/PCIDriver.dext
run_case hid 0 "text json" hid/VirtualHIDDevice.dext
run_case hid-development 0 "text" --development --fail-on warning hid/VirtualHIDDevice.dext
run_case pci 0 "text json" pci/PCIDriver.dext
run_case modified 1 "text json" modified/VirtualHIDDevice.dext
run_case bad 1 "text json" bad/BadDriver.dext
run_case derdiff 1 "text" derdiff/VirtualHIDDevice.dext
run_case unsealed 1 "text json github junit markdown" unsealed/VirtualHIDDevice.dext
run_case usb 1 "text json" usb/USBDriver.dext
run_case usb-ioreg 1 "text json github junit markdown" --ioreg ioreg-usb.plist usb/USBDriver.dext
run_case usbok-ioreg 0 "text json" --ioreg ioreg-usb.plist usbok/USBDriver.dext
run_case usbok-two-ioreg 0 "text" --ioreg ioreg-pci.plist --ioreg ioreg-usb.plist usbok/USBDriver.dext
run_case hidif 1 "text json" hidif/KeyboardDriver.dext
run_case hidif-ioreg 1 "text json github junit markdown" --ioreg ioreg-hid.plist hidif/KeyboardDriver.dext
run_case host 0 "text json" Host.app
run_case host-bad 1 "text" HostBad.app
run_case hostile 1 "text json github junit markdown" hostile/Evil.dext
run_case patched 1 "text" patched/PCIDriver.dext
run_case stripped 1 "text json" stripped/PCIDriver.dext
run_case nodevices 0 "text json" nodevices/PCIDriver.dext
run_case nodevices-fail 1 "text" --fail-on warning --development nodevices/PCIDriver.dext
run_case expiring 0 "text" --development expiring/PCIDriver.dext
run_case unsigned 1 "text" unsigned/Tool
run_case broken 1 "text" broken/PCIDriver

# what the seed case is about, independent of wording
for cls in codesign.adhoc-restricted profile.missing pci.match-everything pci.match-syntax; do
    grep -q "\"class\":\"$cls\"" "$FX/seed.json" || bad "seed: no $cls finding"
done
grep -q 'a mask of 9 hex digits' "$FX/seed.text" || bad "seed: the nine-digit mask is not named"
# with the Mac's devices: the external one passes, the built-in one is refused, and why
grep -q 'device pci-card (vendor 0xabcd device 0x1234, external) is matched by personality PCIDriver and com.apple.developer.driverkit.transport.pci\[0\]: the provider entitlements check passes' \
    "$FX/seed-ioreg.text" || bad "seed-ioreg: the external device is not accepted"
grep -q 'device pci106b,2005 (vendor 0x106b device 0x2005, built-in) .* it is built-in and the dext lacks com.apple.developer.driverkit.builtin' \
    "$FX/seed-ioreg.text" || bad "seed-ioreg: the built-in device is not refused"
grep -q 'pci106b,2005' "$FX/pci-ioreg.text" && bad "pci-ioreg: the narrow personality matched the built-in device"
# USB and HID devices: which personality and entitlement entry match, and why one is refused
grep -q "USB interface 'IOUSBHostInterface@0' (vendor 0x0781 product 0x5530, interface class 8) is matched by personality USBDriver and com.apple.developer.driverkit.transport.usb\[0\]: the provider entitlements check passes" \
    "$FX/usbok-ioreg.text" || bad "usbok-ioreg: the stick is not accepted"
grep -q "vendor 0x05ac" "$FX/usbok-ioreg.text" && bad "usbok-ioreg: the keyboard matched a SanDisk personality"
grep -q "USB interface 'IOUSBHostInterface@0' (vendor 0x0781 product 0x5530, interface class 8) is matched by personality USBDriver but no com.apple.developer.driverkit.transport.usb dictionary matches it" \
    "$FX/usb-ioreg.text" || bad "usb-ioreg: the hex-string idVendor is not refused"
# two listings: the PCI one says nothing about USB personalities, the USB one names the stick
grep -q "ioreg-pci.plist" "$FX/usbok-two-ioreg.text" &&
    bad "usbok-two-ioreg: the PCI listing said something about USB personalities"
grep -q "ioreg-usb.plist:0  check: USB interface 'IOUSBHostInterface@0' (vendor 0x0781" "$FX/usbok-two-ioreg.text" ||
    bad "usbok-two-ioreg: the second listing was not read"
grep -q 'entitlement com.apple.developer.driverkit.transport.hid is an array; Apple documents it as a Boolean' \
    "$FX/hidif.text" || bad "hidif: the array-valued transport.hid is not named"
grep -qF "HID interface 'Magic <b>Keyboard\\nsecond line' (vendor 0x05ac product 0x0281, usage page 0x1 usage 0x6) is matched by personality KeyboardDriver but the dext lacks com.apple.developer.driverkit.transport.hid = true" \
    "$FX/hidif-ioreg.text" || bad "hidif-ioreg: the keyboard interface is not refused"
grep -q "usage page 0xc" "$FX/hidif-ioreg.text" && bad "hidif-ioreg: the consumer interface matched a keyboard personality"
# the profile's devices and expiry
grep -q "signed with a development certificate ('Apple Development: Test (TEAMID1234)') but the profile 'PCIDriver No Devices' lists no Macs" \
    "$FX/nodevices.text" || bad "nodevices: the profile without devices is not named"
grep -q "lists no Macs" "$FX/pci.text" && bad "pci: a profile with ProvisionedDevices said to list none"
grep -q "the development profile 'VirtualHIDDevice Development' lists 1 Mac: the test Mac's Provisioning UDID must be one of them" \
    "$FX/hid-development.text" || bad "hid-development: the device list is not pointed at"
grep -q "the provisioning profile 'PCIDriver Expiring' expires in 10 days" "$FX/expiring.text" ||
    bad "expiring: the coming expiry is not named"
grep -q "expires in" "$FX/pci.text" && bad "pci: a profile valid until 2060 said to expire soon"
"$DW" check -q --ioreg ioreg-usb.plist seed/PCIDriver.dext 2>/dev/null | grep -q 'none of the 0' &&
    bad "a USB listing said no PCI device matches the seed's PCI personality"
# --fail-on never passes; a missing PATH is exit 2
"$DW" check -q --fail-on never seed/PCIDriver.dext >/dev/null 2>&1 || bad "--fail-on never: exit $?"
"$DW" check -q no/such.dext >/dev/null 2>&1
[ $? -eq 2 ] || bad "a missing PATH is not exit 2"
# the signed fixtures verify; the modified one names its page and Info.plist
grep -q 'page 1 at slice offset 0x1000' "$FX/modified.text" || bad "modified: page not named"
# a page patched with only the SHA-256 alternate CodeDirectory rewritten: the SHA-1 one tells
grep -q 'arm64: 1 of 4 pages differ from their hashes in the signature (2 CodeDirectories checked; first: page 1' \
    "$FX/patched.text" || bad "patched: the page under the stale SHA-1 CodeDirectory is not found"
# the CMS names the CodeDirectories it signed: a rewritten or removed one is named
grep -q 'CodeDirectory 2 (slot 0x1000, SHA-256) has CDHash [0-9a-f]\{40\}, but the CMS signed' \
    "$FX/patched.text" || bad "patched: the rewritten CodeDirectory's CDHash is not named"
grep -q 'the CMS signed 2 CodeDirectory hashes (CDHashes attribute), the signature holds 1' \
    "$FX/stripped.text" || bad "stripped: the removed CodeDirectory is not found"
grep -q 'codesign.modified' "$FX/stripped.json" && bad "stripped: pages or CMS failed (only the CDHashes should)"
grep -q "the CMS's CDHashes match" "$FX/pci.text" || bad "pci: the CDHashes attributes are not verified"
grep -q 'Info.plist does not match' "$FX/modified.text" || bad "modified: Info.plist not named"
grep -q 'embedded.provisionprofile changed after signing' "$FX/modified.text" ||
    bad "modified: the replaced (sealed) profile is not named"
grep -q 'changed after signing\|does not match the hash\|added after signing' "$FX/hid.text" &&
    bad "hid: a clean seal reported"
# files put in after signing are named; what the seal's rules omit (.DS_Store) is not
for f in postinstall.sh Resources/extra.txt; do
    grep -q "$f was added after signing" "$FX/unsealed.text" || bad "unsealed: $f not named"
done
grep -q 'DS_Store' "$FX/unsealed.text" && bad "unsealed: .DS_Store (omitted by the rules) reported"

# --brief: one line per finding (as many as the full text's evidence lines), each rule's
# remediation once; --color=always wins over NO_COLOR, auto into a file has none
"$DW" check -q --brief bad/BadDriver.dext >"$FX/bad.brief" 2>/dev/null
[ "$(grep -c '^#1 bad/BadDriver.dext/.*: [a-z]*: com.example.BadDriver: .* \[check\.' "$FX/bad.brief")" -eq \
    "$(grep -c '^    bad/BadDriver.dext/.*  check: ' "$FX/bad.text")" ] ||
    bad "check --brief: not one line per finding"
grep -q '^what to do:$' "$FX/bad.brief" || bad "check --brief: no remediations"
[ "$(grep -c '^  \[check\.' "$FX/bad.brief")" -eq "$(grep -c '^    \[check\.' "$FX/bad.text")" ] ||
    bad "check --brief: a rule's remediation not exactly once"
"$DW" check -q --color=always bad/BadDriver.dext >"$FX/bad.color" 2>/dev/null
grep -q "$(printf '\033')\[1;31mERROR" "$FX/bad.color" || bad "check --color=always: no colour"
"$DW" check -q --color=auto bad/BadDriver.dext >"$FX/bad.auto" 2>/dev/null
grep -q "$(printf '\033')" "$FX/bad.auto" && bad "check --color=auto into a file: colours"

# every JSON output against docs/incident.schema.json (when jsonschema is there)
if python3 -c 'import jsonschema' 2>/dev/null; then
    python3 - "$SRC/../../docs/incident.schema.json" "$FX"/*.json <<'PY' || bad "JSON output not valid against docs/incident.schema.json"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
for path in sys.argv[2:]:
    for line in open(path):
        jsonschema.validate(json.loads(line), schema)
PY
fi

echo "bundle.golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
