#!/usr/bin/env bash
# Many distinct failures in one window (issue 17, item 4).
#
#   scale.sh DEXTWATCH SOURCE_DIR LIMITS_RUN
#
# 30,000 dexts failing within one second (bench/distinct.awk): every one is an
# incident (30,000 JSON lines), in flat memory (under 64 MB peak RSS; before,
# 348 MB and 15.8 s, as every finding was compared with every open incident),
# the 29,000 closed before their window ended (1,000 open at most) are
# counted in the summary, and the summary table stays a top 15 with
# "... and N more incidents".  Under sanitizers: 10,000 with a small ASan
# quarantine (which would otherwise be what RSS measures).  bench/scale.sh
# measures up to 1 M.
. "$(dirname "$0")/lib.sh" "$@"
LIMITS=$3
N=30000 MB=64 SECS=120
if [ "${DW_SANITIZED:-0}" = 1 ]; then
    # ASan holds freed memory in a quarantine (256 MB by default), which is
    # not what this measures: a small one leaves its shadow and the heap.
    # And everything is slower: 10,000 (before: 120 MB without sanitizers).
    N=10000 MB=128 SECS=300
    export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8
fi
awk -v n=$N -f "$SRC/bench/distinct.awk" >flood.log
"$LIMITS" $MB $SECS -o out.json -x 0,1 -- "$DW" scan --no-store --quiet --format json flood.log \
    >limits.txt 2>&1 || bad "json: over $MB MB or $SECS s: $(cat limits.txt)"
[ "$(wc -l <out.json)" = $N ] || bad "json: $(wc -l <out.json) incidents, expected $N"
"$LIMITS" $MB $SECS -o out.txt -x 0,1 -- "$DW" scan --no-store flood.log >limits.txt 2>&1 ||
    bad "text: over $MB MB or $SECS s: $(cat limits.txt)"
grep -q "^── $N incidents ($N new), $N error, $((N - 1000)) closed early (over 1000 open at once)" out.txt ||
    bad "the summary does not count the early closes: $(grep '^──' out.txt)"
[ "$(grep -c '^   error    0x' out.txt)" = 15 ] || bad "the summary table is not a top 15"
grep -q "^   \.\.\. and $((N - 15)) more incidents$" out.txt || bad "no '... and $((N - 15)) more incidents' line"
echo "$(cat limits.txt)"
finish
