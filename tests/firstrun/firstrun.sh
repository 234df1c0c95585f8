#!/bin/sh
# firstrun.sh DEXTWATCH SOURCE_DIR - the README's first five minutes, as written:
# scan samples/ into a database, then `recent`, `show 1` and `explain -67050`
# with DEXTWATCH_DB pointing at it.  Each step must say what the README says.
set -eu
dw=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "firstrun: $*" >&2; exit 1; }

rc=0
"$dw" scan --db "$tmp/sample.db" "$src"/samples/*.log >"$tmp/report" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "scan of samples/ exited $rc (want 1: failures found)"

export DEXTWATCH_DB="$tmp/sample.db"
"$dw" recent >"$tmp/recent" || fail "recent failed"
for subject in com.MyDriver com.vendor.legacy.kext com.acme.camera.extension; do
    grep -q "ERROR    $subject " "$tmp/recent" || fail "recent does not list $subject"
done
[ "$(grep -c '^#' "$tmp/recent")" -eq 4 ] || fail "recent lists $(grep -c '^#' "$tmp/recent") incidents, want 4"

"$dw" show 1 >"$tmp/show" || fail "show 1 failed"
grep -q 'com.MyDriver' "$tmp/show" || fail "show 1 is not the PCI dext"
grep -q 'what to do:' "$tmp/show" || fail "show 1 gives no remediation"
grep -q 'errSecCSReqFailed' "$tmp/show" || fail "show 1 does not decode -67050"

"$dw" explain -67050 >"$tmp/explain" || fail "explain -67050 failed"
grep -q '^-67050  errSecCSReqFailed' "$tmp/explain" || fail "explain -67050 does not name errSecCSReqFailed"

# scanning again adds nothing (the README's idempotence promise)
"$dw" scan --db "$tmp/sample.db" "$src"/samples/*.log >"$tmp/report2" 2>&1 || true
grep -q '(0 new)' "$tmp/report2" || fail "a second scan of samples/ stored new incidents"
echo "firstrun: ok"
