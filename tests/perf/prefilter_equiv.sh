#!/bin/sh
# prefilter_equiv.sh DEXTWATCH DW_GEN SOURCE_DIR [MB]
#
# The literal prefilter must not change a result: scans every tests/logs/*.log
# and generated syslog and ndjson corpora (MB each, default 5) with the
# prefilter and with DEXTWATCH_NO_PREFILTER=1, and compares the JSON output and
# the summary line byte for byte.
set -eu
dw=$1 gen=$2 src=$3 mb=${4:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export DEXTWATCH_RULES="$src/rules"
"$gen" syslog "$mb" 7 2000 >"$tmp/corpus.syslog"   # a failure every 2,000 lines
"$gen" ndjson "$mb" 7 2000 >"$tmp/corpus.ndjson"
fail=0 n=0
for f in "$src"/tests/logs/*.log "$tmp/corpus.syslog" "$tmp/corpus.ndjson"; do
    n=$((n + 1))
    "$dw" scan --no-store --format json --fail-on never "$f" >"$tmp/fast.json" 2>"$tmp/fast.err" || true
    DEXTWATCH_NO_PREFILTER=1 "$dw" scan --no-store --format json --fail-on never "$f" \
        >"$tmp/slow.json" 2>"$tmp/slow.err" || true
    if ! cmp -s "$tmp/fast.json" "$tmp/slow.json"; then
        echo "FAIL: $f: JSON output differs with the prefilter" >&2
        diff "$tmp/slow.json" "$tmp/fast.json" | head -5 >&2
        fail=1
    fi
done
# the generated corpora must hold findings, or the comparison proves little
for s in syslog ndjson; do
    c=$("$dw" scan --no-store --format json --fail-on never "$tmp/corpus.$s" | wc -l)
    [ "$c" -gt 0 ] || { echo "FAIL: corpus.$s gave no incident" >&2; fail=1; }
done
[ "$fail" -eq 0 ] && echo "ok: $n inputs identical with and without the prefilter"
exit "$fail"
