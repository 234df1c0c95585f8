#!/bin/sh
# renamed_test.sh DEXTWATCH SOURCE_DIR - baselines and .dextwatch.yaml files written before a
# rule or class was renamed keep applying to the same incidents (rules/aliases.tsv; issue 13).
# The baseline is a real one, written by dextwatch before the class renames of 2026-12-03
# (tests/ci/renamed/README.md).
set -u
dw=$1
src=$2
d=$src/tests/ci/renamed
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset GITHUB_STEP_SUMMARY
export NO_COLOR=1
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
verdicts() { # verdicts FILE: "subject rule class verdict" per incident, sorted
    python3 -c '
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    print(d["subject"], d["findings"][0]["rule"], d["classes"][0], d["verdict"])' "$1" | sort
}

# 1. Today's rules: the four renamed classes; the old baseline still baselines all four.
"$dw" scan --no-store --no-config --rules "$src/rules" --baseline "$d/baseline-553655b.json" \
    --write-baseline "$tmp/rewritten.json" --format json "$d/renamed.log" >"$tmp/out.json" \
    2>"$tmp/err"
st=$?
[ $st -eq 0 ] || fail "old baseline, today's rules: exit $st, want 0"
verdicts "$tmp/out.json" >"$tmp/v"
cat >"$tmp/want" <<'W'
com.example.Token dk.checkin-token dext.exit.checkin-token baselined
kernel dk.base-entitlement entitlement.driverkit baselined
kernel dk.entitlements-missing entitlement.driverkit.none baselined
kextd kext.invalid-signature codesign.invalid-signature baselined
W
cmp -s "$tmp/v" "$tmp/want" || { fail "old baseline, today's rules"; diff "$tmp/want" "$tmp/v" >&2; }
grep -q "baseline-553655b.json: 4 entries name a rule or class by its old name" "$tmp/err" ||
    fail "no warning about the old class names: $(cat "$tmp/err")"
grep -q '"class": "dext.exit.checkin-token"' "$tmp/rewritten.json" &&
    grep -q '"note": "error, 1 finding; first seen 2026-11-20T10:10:00.000000-08:00"' \
        "$tmp/rewritten.json" || fail "--write-baseline: new classes, the old notes kept"

# 2. A rule renamed (a copy of the rules with dk.checkin-token -> dk.checkin-token-mismatch and
#    its alias): the old baseline and a config naming the old id apply to the renamed rule.
cp -R "$src/rules" "$tmp/rules"
sed -i.bak 's/^  - id: dk\.checkin-token$/  - id: dk.checkin-token-mismatch/' "$tmp/rules/driverkit.yaml"
grep -q 'id: dk.checkin-token-mismatch$' "$tmp/rules/driverkit.yaml" || fail "the rename did not apply"
printf 'rule\tdk.checkin-token\tdk.checkin-token-mismatch\t2026-12-04\t0.2.0\n' >>"$tmp/rules/aliases.tsv"
"$dw" scan --no-store --no-config --no-default-rules --rules "$tmp/rules" --baseline "$d/baseline-553655b.json" \
    --format json "$d/renamed.log" >"$tmp/out.json" 2>"$tmp/err"
st=$?
[ $st -eq 0 ] || fail "old baseline, renamed rule: exit $st, want 0: $(cat "$tmp/err")"
verdicts "$tmp/out.json" | grep -qx 'com.example.Token dk.checkin-token-mismatch dext.exit.checkin-token baselined' ||
    fail "old baseline, renamed rule: $(verdicts "$tmp/out.json")"
"$dw" scan --no-store --config "$d/dextwatch-old-id.yaml" --no-default-rules --rules "$tmp/rules" --format json \
    "$d/renamed.log" >"$tmp/out.json" 2>"$tmp/err"
st=$?
[ $st -eq 1 ] || fail "old config id: exit $st, want 1 (the three others fail): $(cat "$tmp/err")"
verdicts "$tmp/out.json" | grep -qx 'com.example.Token dk.checkin-token-mismatch dext.exit.checkin-token suppressed' ||
    fail "old config id: not suppressed: $(verdicts "$tmp/out.json")"
grep -q "dextwatch-old-id.yaml:3:5: rule 'dk.checkin-token' is 'dk.checkin-token-mismatch' since 2026-12-04 (dextwatch 0.2.0)" "$tmp/err" ||
    fail "old config id: no warning naming the place: $(cat "$tmp/err")"

# 3. Old and new id both in a config: one rule listed twice, exit 2.
{ cat "$d/dextwatch-old-id.yaml"; printf '  - id: dk.checkin-token-mismatch\n    severity: warning\n    reason: x\n'; } >"$tmp/both.yaml"
"$dw" scan --no-store --config "$tmp/both.yaml" --no-default-rules --rules "$tmp/rules" "$d/renamed.log" >/dev/null 2>"$tmp/err"
st=$?
[ $st -eq 2 ] && grep -q "both.yaml:3:5: rule 'dk.checkin-token' is 'dk.checkin-token-mismatch' since 2026-12-04, which line 6 lists already" "$tmp/err" ||
    fail "old and new id together: exit $st: $(cat "$tmp/err")"

# 4. A table that names a rule nobody has, or keeps a rule's current id as old: exit 2.
printf 'rule\tdk.requested-exit\tdk.gone\t2026-12-04\t0.2.0\n' >>"$tmp/rules/aliases.tsv"
"$dw" scan --no-store --no-config --no-default-rules --rules "$tmp/rules" "$d/renamed.log" >/dev/null 2>"$tmp/err"
st=$?
[ $st -eq 2 ] && grep -q "aliases.tsv:10: rule 'dk.requested-exit' -> 'dk.gone': a rule still has the old id" "$tmp/err" ||
    fail "bad alias table: exit $st: $(cat "$tmp/err")"

[ $fails -eq 0 ] && echo "renamed: ok"
[ $fails -eq 0 ]
