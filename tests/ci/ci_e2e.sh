#!/usr/bin/env bash
# The CI side of `dextwatch scan` end to end (issue 5): several --format /
# --output pairs in one run, $GITHUB_STEP_SUMMARY appending, gzip inputs,
# --require-events, baselines, .dextwatch.yaml, `--last` and X.logarchive
# through a fake `log`, `recent` in the CI formats, and the exit codes.
# usage: ci_e2e.sh DEXTWATCH_BINARY SOURCE_DIR
set -u
DW=$1
SRC=$2
cd "$SRC" || exit 2
LOGS=tests/logs
GR=tests/golden/rules
. "$SRC/tests/check_lib.sh"
export CI=1
unset DEXTWATCH_LOG_COMMAND
lines_are() { [ "$(wc -l <"$1" | tr -d ' ')" -eq "$2" ]; }
valid_junit() { xmllint --noout --schema tests/junit/junit.xsd "$1" 2>/dev/null; }
scan() { "$DW" scan --no-store "$@"; }

# 1. several formats in one run; each equals its golden file
printf 'earlier step\n' >"$T/summary.md"
GITHUB_STEP_SUMMARY=$T/summary.md scan --no-default-rules --rules $GR --format github \
    --format markdown --output "$T/summary.md" --format junit --output "$T/j.xml" \
    --format json --output "$T/o.json" $LOGS/seed.plain.log >"$T/gh" 2>"$T/err"; st=$?
check "multi: exit 1" status_is $st 1
check "multi: stdout is the github golden" cmp -s "$T/gh" tests/golden/seed.plain.github
check "multi: summary appended after the earlier step" test "$(head -n1 "$T/summary.md")" = "earlier step"
check "multi: summary holds the markdown golden" cmp -s <(tail -n +2 "$T/summary.md") tests/golden/seed.plain.md
check "multi: junit golden" cmp -s "$T/j.xml" tests/golden/seed.plain.junit.xml
check "multi: json golden" cmp -s "$T/o.json" tests/golden/seed.plain.json
check "multi: summary line on stderr" contains "$T/err" "1 incident (1 new)"
printf 'old content\n' >"$T/o.json"
scan --format json --output "$T/o.json" $LOGS/seed.plain.log >/dev/null 2>&1
check "--output replaces a file that is not the step summary" lacks "$T/o.json" "old content"
scan $LOGS/seed.plain.log >"$T/out" 2>/dev/null
check "no --format: text on stdout" contains "$T/out" "ERROR    com.MyDriver"
scan --format junit $LOGS/seed.plain.log $LOGS/seed.syslog.log "$T/summary.md" >"$T/j2.xml" 2>/dev/null
check "junit: valid for several inputs" valid_junit "$T/j2.xml"
check "junit: one testsuite per input" test "$(grep -c '<testsuite ' "$T/j2.xml")" -eq 3

# 2. usage errors exit 2 before any output
scan --format github --format json $LOGS/seed.plain.log >"$T/out" 2>"$T/err"; st=$?
check "two formats on stdout: exit 2" status_is $st 2
check "two formats on stdout: message" contains "$T/err" "more than one --format writes to stdout"
scan --output "$T/x" $LOGS/seed.plain.log >/dev/null 2>"$T/err"; st=$?
check "--output without --format: exit 2" status_is $st 2
scan --format xml $LOGS/seed.plain.log >/dev/null 2>"$T/err"; st=$?
check "unknown format: exit 2" status_is $st 2
check "unknown format lists formats" contains "$T/err" "text|json|github|junit|markdown"
scan --format json --output "$T/same" --format junit --output "$T/same" $LOGS/seed.plain.log >/dev/null 2>&1; st=$?
check "two formats, one file: exit 2" status_is $st 2
scan --format junit --output "$T/no/such/dir/j.xml" $LOGS/seed.plain.log >/dev/null 2>"$T/err"; st=$?
check "unwritable --output: exit 2" status_is $st 2
check "unwritable --output: message" contains "$T/err" "j.xml: No such file or directory"
if [ -w /dev/full ]; then
    scan --format json --output /dev/full $LOGS/seed.plain.log >/dev/null 2>"$T/err"; st=$?
    check "full disk on --output: exit 2" status_is $st 2
    check "full disk on --output: message" contains "$T/err" "write error"
fi

# 3. gzip inputs, decided by magic bytes
gzip -c $LOGS/seed.plain.log >"$T/seed.log.gz"
cp "$T/seed.log.gz" "$T/renamed.log"
scan --format json $LOGS/seed.plain.log 2>/dev/null | sed 's/"input":"[^"]*"//g; s/"file":"[^"]*"//g' >"$T/plain.json"
scan --format json "$T/seed.log.gz" 2>/dev/null | sed 's/"input":"[^"]*"//g; s/"file":"[^"]*"//g' >"$T/gz.json"; st=${PIPESTATUS[0]}
check "gz: exit 1" status_is $st 1
check "gz: same incident as plain" cmp -s "$T/plain.json" "$T/gz.json"
scan --format json "$T/renamed.log" 2>/dev/null | sed 's/"input":"[^"]*"//g; s/"file":"[^"]*"//g' >"$T/gz2.json"
check "gz without .gz name: by magic bytes" cmp -s "$T/plain.json" "$T/gz2.json"
scan --format json - <"$T/seed.log.gz" 2>/dev/null | sed 's/"input":"[^"]*"//g; s/"file":"[^"]*"//g' >"$T/gz3.json"
check "gz on stdin" cmp -s "$T/plain.json" "$T/gz3.json"
cat "$T/seed.log.gz" "$T/seed.log.gz" >"$T/two.gz"
scan --format json "$T/two.gz" >"$T/out" 2>/dev/null
check "gz: concatenated members are both read" contains "$T/out" '"count":10,' 
head -c 60 "$T/seed.log.gz" >"$T/trunc.gz"
scan "$T/trunc.gz" >/dev/null 2>"$T/err"; st=$?
check "truncated gz: exit 2" status_is $st 2
check "truncated gz: message" contains "$T/err" "gzip data ends early"
{ printf '\037\213\010\000\000\000\000\000\000\003'; head -c 300 /dev/zero | tr '\0' '\377'; } >"$T/bad.gz"
scan "$T/bad.gz" >/dev/null 2>"$T/err"; st=$?
check "corrupt gz: exit 2" status_is $st 2
check "corrupt gz: message" contains "$T/err" "corrupt gzip data"

# 4. an input without events is warned about; --require-events makes it an error
: >"$T/empty.ndjson"
scan "$T/empty.ndjson" >/dev/null 2>"$T/err"; st=$?
check "no events: exit 0" status_is $st 0
check "no events: warned" contains "$T/err" "warning: $T/empty.ndjson: no log events"
scan --require-events "$T/empty.ndjson" >/dev/null 2>"$T/err"; st=$?
check "--require-events: exit 2" status_is $st 2
scan --require-events --format junit "$T/empty.ndjson" >"$T/j.xml" 2>/dev/null
check "--require-events: junit error" contains "$T/j.xml" 'errors="1"'
check "--require-events: junit valid" valid_junit "$T/j.xml"
scan --require-events --format github "$T/empty.ndjson" >"$T/gh" 2>/dev/null
check "--require-events: github error annotation" contains "$T/gh" "::error title=dextwatch%3A no log events::"
scan --require-events --fail-on never $LOGS/seed.plain.log >/dev/null 2>&1; st=$?
check "--require-events with events: exit 0" status_is $st 0

# 5. baselines: known incidents pass, a new one fails
scan --write-baseline "$T/base.json" $LOGS/seed.default.log >/dev/null 2>&1; st=$?
check "write-baseline: exit unchanged (1)" status_is $st 1
check "baseline: versioned" contains "$T/base.json" '"dextwatch_baseline": 1'
check "baseline: subject" contains "$T/base.json" '"subject": "com.MyDriver"'
check "baseline: rule" contains "$T/base.json" '"rule": "dk.provider-entitlements"'
check "baseline: class" contains "$T/base.json" '"class": "entitlement.provider-check"'
check "baseline: note" contains "$T/base.json" '"note": '
scan --baseline "$T/base.json" $LOGS/seed.default.log >"$T/out" 2>&1; st=$?
check "re-scan with baseline: exit 0" status_is $st 0
check "re-scan with baseline: listed as baselined" contains "$T/out" "status:   baselined"
check "re-scan with baseline: summary counts it" contains "$T/out" "1 baselined"
scan --baseline "$T/base.json" $LOGS/seed.syslog.log >/dev/null 2>&1; st=$?
check "baseline matches another style of the same log" status_is $st 0
{ grep -v '^---\|^Log  \|^Activity' $LOGS/seed.default.log
  echo '2026-11-20 10:20:00.000001-0800 0x3a000    Default     0x0                  0      0    kernel: DK: OtherDriver-0x100000a01: provider entitlements check failed'
  echo '2026-11-20 10:20:00.000002-0800 0x3a000    Default     0x0                  0      0    kernel: DK: IOUserServer(com.Other.Driver-0x100000a01)::exit(Entitlements check failed)'
} >"$T/new.log"
scan --baseline "$T/base.json" --format json "$T/new.log" >"$T/out" 2>/dev/null; st=$?
check "a new incident in an otherwise identical log: exit 1" status_is $st 1
check "... both incidents reported" lines_are "$T/out" 2
check "baseline json: the known one has verdict baselined and its note" \
    sh -c "grep '\"subject\":\"com.MyDriver\"' '$T/out' | grep -q '\"verdict\":\"baselined\",\"verdict_note\":'"
check "baseline json: the new one has verdict fail" \
    sh -c "grep '\"subject\":\"com.Other.Driver\"' '$T/out' | grep -q '\"verdict\":\"fail\"'"
scan --baseline "$T/base.json" --format junit "$T/new.log" >"$T/j.xml" 2>/dev/null
check "baseline junit: one failure, one skipped" grep -q 'failures="1" errors="0" skipped="1"' "$T/j.xml"
check "baseline junit valid" valid_junit "$T/j.xml"
scan --baseline "$T/base.json" --format github "$T/new.log" >"$T/gh" 2>/dev/null
check "baseline github: known one is a notice" grep -q '^::notice title=error com.MyDriver%3A entitlement.provider-check (baselined)' "$T/gh"
check "baseline github: new one is an error" grep -q '^::error title=error com.Other.Driver' "$T/gh"
sed 's/"com.MyDriver"/"COM.MYDRIVER"/' "$T/base.json" >"$T/upper.json"
scan --baseline "$T/upper.json" $LOGS/seed.default.log >/dev/null 2>&1; st=$?
check "baseline subject is case-insensitive" status_is $st 0
sed 's/"dk.provider-entitlements"/"dk.exit"/' "$T/base.json" >"$T/otherrule.json"
scan --baseline "$T/otherrule.json" $LOGS/seed.default.log >/dev/null 2>&1; st=$?
check "baseline needs the same root rule" status_is $st 1
printf '{"dextwatch_baseline": 1, "entries": [\n  {"subject": "x",}\n]}\n' >"$T/broken.json"
scan --baseline "$T/broken.json" $LOGS/seed.default.log >/dev/null 2>"$T/err"; st=$?
check "broken baseline: exit 2" status_is $st 2
check "broken baseline: file:line:col" grep -q "broken.json:2:[0-9]*: " "$T/err"
printf '{"dextwatch_baseline": 2, "entries": []}\n' >"$T/v2.json"
scan --baseline "$T/v2.json" $LOGS/seed.default.log >/dev/null 2>"$T/err"; st=$?
check "newer baseline version: exit 2" status_is $st 2
check "newer baseline version: message" contains "$T/err" "baseline version 2 is not supported"
scan --baseline "$T/nope.json" $LOGS/seed.default.log >/dev/null 2>&1; st=$?
check "missing baseline: exit 2" status_is $st 2
scan --baseline "$T/base.json" --write-baseline "$T/base2.json" $LOGS/seed.default.log >/dev/null 2>&1
check "rewritten baseline keeps the entries" cmp -s "$T/base.json" "$T/base2.json"

# 6. .dextwatch.yaml: disable rules or lower their severity, with a reason
mkdir -p "$T/proj"
cat >"$T/proj/.dextwatch.yaml" <<'YAML'
version: 1
rules:
  - id: dk.provider-entitlements
    severity: warning
    reason: our CI Mac has no provisioning profile for the transport entitlement
  - id: dk.exit
    severity: warning
    reason: follows from the entitlement check
  - id: dk.requested-exit
    disable: true
    reason: duplicate of dk.exit
  - id: amfi.basic-requirement
    disable: true
    reason: ad-hoc signed in CI
  - id: amfi.requirement-failed
    disable: true
    reason: ad-hoc signed in CI
YAML
(cd "$T/proj" && "$DW" scan --no-store "$SRC/$LOGS/seed.default.log" >"$T/out" 2>&1); st=$?
check "config in CWD: lowered to warning, exit 0" status_is $st 0
check "config: says why" contains "$T/out" "severity lowered from error by config: our CI Mac"
(cd "$T/proj" && "$DW" scan --no-store --fail-on warning "$SRC/$LOGS/seed.default.log" >/dev/null 2>&1); st=$?
check "config: --fail-on warning still fails" status_is $st 1
(cd "$T/proj" && "$DW" scan --no-store --no-config "$SRC/$LOGS/seed.default.log" >/dev/null 2>&1); st=$?
check "--no-config: exit 1" status_is $st 1
cat >"$T/suppress.yaml" <<'YAML'
rules:
  - {id: dk.provider-entitlements, disable: true, reason: known}
  - {id: dk.exit, disable: true, reason: known}
  - {id: dk.requested-exit, disable: true, reason: known}
  - {id: amfi.basic-requirement, disable: true, reason: known}
  - {id: amfi.requirement-failed, disable: true, reason: known}
YAML
scan --config "$T/suppress.yaml" --format markdown $LOGS/seed.default.log >"$T/out" 2>/dev/null; st=$?
check "--config: all rules disabled: exit 0" status_is $st 0
check "--config: suppressed incident still listed" contains "$T/out" "suppressed by config"
scan --config "$T/suppress.yaml" --format json $LOGS/seed.default.log >"$T/out" 2>/dev/null
check "--config json: verdict suppressed, with the reason" contains "$T/out" '"verdict":"suppressed","verdict_note":"known"'
printf 'version: 1\nrules:\n  - id: dk.exit\n    disable: true\n' >"$T/noreason.yaml"
scan --config "$T/noreason.yaml" $LOGS/seed.default.log >/dev/null 2>"$T/err"; st=$?
check "config without reason: exit 2" status_is $st 2
check "config without reason: file:line:col" contains "$T/err" "noreason.yaml:3:5: rule 'dk.exit' needs a reason"
printf 'rules:\n  - id: no.such-rule\n    disable: true\n    reason: x\n' >"$T/unknown.yaml"
scan --config "$T/unknown.yaml" $LOGS/seed.default.log >/dev/null 2>"$T/err"; st=$?
check "config with unknown rule: exit 2" status_is $st 2
check "config with unknown rule: message" contains "$T/err" "unknown.yaml:2:5: no rule 'no.such-rule'"
printf 'rules:\n  - id: amfi.basic-requirement\n    severity: critical\n    reason: x\n' >"$T/raise.yaml"
scan --config "$T/raise.yaml" $LOGS/seed.default.log >/dev/null 2>"$T/err"; st=$?
check "config may not raise a severity" status_is $st 2
printf 'rules: [\n' >"$T/syntax.yaml"
scan --config "$T/syntax.yaml" $LOGS/seed.default.log >/dev/null 2>"$T/err"; st=$?
check "config YAML error: exit 2" status_is $st 2
check "config YAML error: file:line:col" grep -q "syntax.yaml:[0-9]*:[0-9]*: " "$T/err"

# 7. `--last` and X.logarchive through the configurable `log` command
FAKE=$SRC/tests/ci/fake-log-show
FAKE_LOG_NDJSON=$LOGS/seed.ndjson.log FAKE_LOG_ARGS=$T/args \
    scan --log-command "$FAKE" --last 10m --format json >"$T/out" 2>"$T/err"; st=$?
check "--last: exit 1" status_is $st 1
check "--last: the incident" contains "$T/out" '"subject":"com.MyDriver"'
check "--last: input name" contains "$T/out" '"input":"log show --last 10m"'
check "--last: ndjson + info + predicate" test "$(head -n 5 "$T/args" | tr '\n' ' ')" = "show --style ndjson --info --predicate "
check "--last: the predicate is dextwatch predicate's" test "$(sed -n 6p "$T/args")" = "$("$DW" predicate -q)"
check "--last: last arguments" test "$(sed -n '7,9p' "$T/args" | tr '\n' ' ')" = "--last 10m -- "
DEXTWATCH_LOG_COMMAND=$FAKE FAKE_LOG_FAIL=1 scan --last 5m >/dev/null 2>"$T/err"; st=$?
check "--last: failing log command: exit 2" status_is $st 2
check "--last: failing log command: its message" contains "$T/err" "exited with status 1: log: Could not read the log store"
DEXTWATCH_LOG_COMMAND=$FAKE scan --require-events --last 5m >/dev/null 2>"$T/err"; st=$?
check "--last: nothing collected + --require-events: exit 2" status_is $st 2
scan --log-command "$T/no-such-log" --last 5m >/dev/null 2>"$T/err"; st=$?
check "--last: missing log command: exit 2" status_is $st 2
scan --last yesterday >/dev/null 2>&1; st=$?
check "--last: bad duration: exit 2" status_is $st 2
mkdir -p "$T/run 1.logarchive"
cp $LOGS/seed.ndjson.log "$T/run 1.logarchive/fake.ndjson"
: >"$T/args"
FAKE_LOG_ARGS=$T/args scan --log-command "$FAKE" --format json "$T/run 1.logarchive/" $LOGS/seed.plain.log >"$T/out" 2>/dev/null; st=$?
check "logarchive: exit 1" status_is $st 1
check "logarchive and a file: two incidents" lines_are "$T/out" 2
check "logarchive: --archive PATH" test "$(sed -n '7,8p' "$T/args" | tr '\n' '|')" = "--archive|$T/run 1.logarchive/|"

# 8. recent in the CI formats
DB=$T/db.sqlite
"$DW" scan --db "$DB" $LOGS/seed.default.log >/dev/null 2>&1
"$DW" recent --db "$DB" --format junit >"$T/j.xml" 2>&1; st=$?
check "recent junit: exit 0" status_is $st 0
check "recent junit: valid" valid_junit "$T/j.xml"
check "recent junit: the incident" contains "$T/j.xml" 'com.MyDriver: entitlement.provider-check'
"$DW" recent --db "$DB" --format github >"$T/gh" 2>&1
check "recent github" grep -q '^::error title=error com.MyDriver%3A entitlement.provider-check' "$T/gh"
"$DW" recent --db "$DB" --format markdown --output "$T/r.md" >/dev/null 2>&1
check "recent markdown --output" contains "$T/r.md" "## dextwatch recent: 1 incident"
"$DW" recent --db "$DB" --format json --format text >/dev/null 2>&1; st=$?
check "recent: two formats on stdout: exit 2" status_is $st 2
"$DW" recent --db "$DB" --since 1h --format junit >"$T/j.xml" 2>&1
check "recent junit, nothing listed: valid" valid_junit "$T/j.xml"

finish
