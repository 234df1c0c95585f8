#!/bin/sh
# coverage.sh DEXTWATCH RULES_DIR - checks the catalogue-coverage table in RULES_DIR/README.md:
# every rule id it names exists in the loaded packs, and every failure-class catalogue entry
# (FAIL or CRASH in the reference catalogue) is mapped to at least one rule.
set -u
dw=$1
rules=$2
fail=0
ids=$("$dw" rules list --rules "$rules" | awk '{print $1}')
[ -n "$ids" ] || { echo "FAIL: no rules loaded"; exit 1; }
table=$(sed -n '/<!-- coverage:begin -->/,/<!-- coverage:end -->/p' "$rules/README.md" | grep '^| [A-Z]')
[ -n "$table" ] || { echo "FAIL: no coverage table in $rules/README.md"; exit 1; }
covered=""
echo "$table" | {
    bad=0
    while IFS= read -r row; do
        entry=$(echo "$row" | awk -F'|' '{gsub(/ /, "", $2); print $2}')
        cell=$(echo "$row" | awk -F'|' '{print $3}')
        named=$(echo "$cell" | grep -o '`[a-z0-9.-]*`' | tr -d '`' | grep '\.')
        case "$cell" in *"not covered"*) [ -z "$named" ] || true ;; esac
        if [ -z "$named" ]; then
            echo "$cell" | grep -q 'not covered' || { echo "FAIL $entry: neither rules nor 'not covered: why'"; bad=1; }
            continue
        fi
        for id in $named; do
            echo "$ids" | grep -qx "$id" || { echo "FAIL $entry: rule '$id' does not exist"; bad=1; }
        done
    done
    exit $bad
} || fail=1
required="S1 S6 S7 S8 S9 S10 S11 S12 S13 P1 P2 P4 P6 P8 P13 P14 P15 E1 E2 E3 E4 U1 U3 U4 U5 U6
X1 X2 X3 X5 X6 X7 X10 X11 R1 R2 R3 R4 R6 R11 K3 K5 O1 O2 O5 O7 O8 O12 O13 PCI2 PCI4 PCI5 PCI6
PCI11 PCI12 A1 A2 A4 A5 A9 D1 D2 D3 D4 D5 T1 Y3 Y4 Y9 M1 M2 SX1 SX2 SX3 SX4 SX5 SX6 SX7 SX8 SX9
SX10 SX11 SX12 SX13 KX1 KX2 KX3 KX4 KX5 CR1"
for e in $required; do
    row=$(echo "$table" | grep "^| $e |")
    if [ -z "$row" ] || echo "$row" | grep -q 'not covered'; then
        echo "FAIL $e: a failure-class entry without a rule"; fail=1
    fi
done
n=$(echo "$table" | wc -l)
[ $fail -eq 0 ] && echo "coverage: $n catalogue entries checked"
exit $fail
