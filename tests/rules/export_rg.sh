#!/usr/bin/env bash
# export_rg.sh DEXTWATCH SOURCE_DIR - `rules export --format rg` gives patterns
# ripgrep accepts (rg exits 2 on any pattern its engine refuses, e.g. a line
# break, which it never matches line by line), and they find the failures in
# samples/ (bench/run.sh compares the two tools on these patterns).
set -u
DW=$1
SRC=$2
. "$SRC/tests/check_lib.sh"
command -v rg >/dev/null || { echo "SKIP: ripgrep not installed (scripts/install-deps.sh installs it)"; exit 77; }

"$DW" rules export --format rg >"$T/patterns" 2>"$T/err"; st=$?
check "export exit 0" status_is $st 0
check "patterns exported" test "$(wc -l <"$T/patterns")" -gt 100
check "every skip says why" test "$(grep -vc '^# skipped [a-z0-9.-]*: ' "$T/err")" -eq 0

# a pattern rg refuses makes it exit 2 before reading anything
rg -c -f "$T/patterns" /dev/null >"$T/rg.out" 2>"$T/rg.err"; st=$?
check "rg accepts every exported pattern (exit 1: no match in /dev/null)" status_is $st 1
[ $st -eq 1 ] || head -3 "$T/rg.err"

n=$(rg -c -f "$T/patterns" "$SRC/samples/dext-pci-entitlement.log" 2>/dev/null || true)
check "the patterns find the sample's failure lines" test "${n:-0}" -ge 3
finish
