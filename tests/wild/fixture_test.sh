#!/bin/sh
# fixture_test.sh WILD_SCORE DEXTWATCH SOURCE_DIR
# The scorer's counts on the hand-counted fixture (tests/wild/fixture/README.md),
# and its exit status just at and just above the measured ratios.
set -u
score=$1 dw=$2 src=$3
fx=$src/tests/wild/fixture
export DEXTWATCH_RULES="$src/tests/golden/rules"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
"$score" --misses --min-recall 0.66 --min-precision 0.83 "$dw" "$fx/labels.tsv" "$fx" >"$tmp/out"
st=$?
[ "$st" -eq 0 ] || { echo "FAIL: floors 0.66/0.83 should be met, exit $st"; fail=1; }
diff -u "$fx/expected.txt" "$tmp/out" || { echo "FAIL: output differs from expected.txt"; fail=1; }
for floors in "--min-recall 0.67" "--min-precision 0.84"; do
    # shellcheck disable=SC2086 # two words on purpose
    "$score" $floors "$dw" "$fx/labels.tsv" "$fx" >/dev/null
    st=$?
    [ "$st" -eq 1 ] || { echo "FAIL: $floors should not be met, exit $st"; fail=1; }
done
# a label table that does not cover its log is an error, not a score
head -n 3 "$fx/labels.tsv" >"$tmp/short.tsv"
"$score" "$dw" "$tmp/short.tsv" "$fx" >/dev/null 2>&1
st=$?
[ "$st" -eq 2 ] || { echo "FAIL: a log with unlabelled lines should exit 2, got $st"; fail=1; }
[ "$fail" -eq 0 ] && echo "ok: scorer counts match the hand-counted fixture"
exit "$fail"
