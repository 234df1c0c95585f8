#!/bin/sh
# regen-expected.sh CASE...   (CASE: wild-a-01-... or tests/logs/wild-a-01-....log)
#
# Rewrites tests/logs/<case>.expected.json from what dextwatch prints today,
# kept to the parts that name the verdict (exit status; per incident: subject,
# classes, root cause rule and class, count) so unrelated wording changes do
# not churn it.  These are snapshots, not labels: the labels that say what each
# line means are in wild-labels.tsv.  Review the diff before committing.
#   DEXTWATCH   the binary (default: build/dextwatch of this tree)
#   rules: $DEXTWATCH_RULES, else this tree's rules/ (as CTest's logs.cases)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
dw=${DEXTWATCH:-$src/build/dextwatch}
export DEXTWATCH_RULES="${DEXTWATCH_RULES:-$src/rules}"
[ $# -gt 0 ] || { echo "usage: regen-expected.sh CASE..." >&2; exit 2; }
command -v jq >/dev/null || { echo "regen-expected.sh: needs jq" >&2; exit 2; }
for c in "$@"; do
    c=$(basename "$c" .log)
    log=$here/$c.log
    [ -f "$log" ] || { echo "regen-expected.sh: no $log" >&2; exit 2; }
    st=0
    "$dw" scan --no-store --format json --quiet "$log" >"$here/$c.out.tmp" || st=$?
    [ "$st" -le 1 ] || { rm -f "$here/$c.out.tmp"; echo "$c: dextwatch exit $st" >&2; exit 2; }
    jq -s --argjson exit "$st" '{exit: $exit, incidents: [.[] | {subject, classes,
        root_cause: {rule: .root_cause.rule, class: .root_cause.class}, count}]}' \
        "$here/$c.out.tmp" >"$here/$c.expected.json"
    rm -f "$here/$c.out.tmp"
done
