#!/bin/sh
# action_test.sh DEXTWATCH SOURCE_DIR - the GitHub Action (action.yml) as far as Linux allows:
# its YAML keeps inputs out of `run:` (they go through env:), and its script part
# (scripts/action-run.sh) collects with a stand-in `log`, triages, writes the step summary, the
# JUnit report and the step output, and exits as scan does.
set -eu
dw=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "action: $*" >&2; exit 1; }

# 1. the YAML: every input used through env:, no ${{ }} inside a run: script
ruby -ryaml -e '
  a = YAML.load_file(ARGV[0])
  steps = a.fetch("runs").fetch("steps")
  steps.each { |s| abort "run: holds ${{ }}: #{s["name"]}" if s["run"].to_s.include?("${{") }
  envs = steps.map { |s| (s["env"] || {}).values.join(" ") }.join(" ")
  a.fetch("inputs").each_key { |k| envs.include?("inputs.#{k} }}") or abort "input #{k} not passed through env:" }
' "$src/action.yml" || fail "action.yml breaks the env-only rule"

run() { # run EXPECTED_STATUS [VAR=VALUE...]: the action's script in $tmp/work
    want=$1; shift
    rm -rf "$tmp/work"; mkdir "$tmp/work"
    : >"$tmp/summary"; : >"$tmp/output"; : >"$tmp/args"
    rc=0
    (cd "$tmp/work" && env DEXTWATCH="$dw" GITHUB_STEP_SUMMARY="$tmp/summary" \
        GITHUB_OUTPUT="$tmp/output" DW_JUNIT="$tmp/junit.xml" FAKE_LOG_ARGS="$tmp/args" \
        "$@" "$src/scripts/action-run.sh" >"$tmp/stdout" 2>"$tmp/stderr") || rc=$?
    [ "$rc" -eq "$want" ] || { cat "$tmp/stderr"; fail "exit $rc, want $want ($*)"; }
}

# 2. collect with the stand-in `log`, then triage
run 1 DEXTWATCH_LOG_COMMAND="$src/tests/ci/fake-log-show" FAKE_LOG_NDJSON="$src/tests/logs/seed.ndjson.log"
grep -q '^::error ' "$tmp/stdout" || fail "no ::error annotation"
grep -q 'entitlement.provider-check' "$tmp/summary" || fail "the step summary lacks the incident"
grep -q '<testcase' "$tmp/junit.xml" || fail "no JUnit report"
grep -qx 'log-file=dextwatch-log.ndjson' "$tmp/output" || fail "no log-file step output"
grep -qx -- '--last' "$tmp/args" && grep -qx '20m' "$tmp/args" || fail "log show was not asked for --last 20m"
grep -qx -- '--predicate' "$tmp/args" || fail "log show got no predicate"

# 3. a given log file whose name is hostile to a shell: scanned as a name, nothing executed
hostile="$tmp/a b'\$(touch pwned);\`touch pwned2\`.log"
cp "$src/samples/kext-not-approved.log" "$hostile"
run 1 DW_LOG_FILE="$hostile" DW_LAST='$(touch pwned3)'
[ -z "$(ls "$tmp/work")" ] || fail "an input was executed: $(ls "$tmp/work")"
grep -q 'kext.load-failed' "$tmp/summary" || fail "the given log was not triaged"

# 4. fail-on never passes; an empty collection is an error; no log on Linux is an error
run 0 DW_LOG_FILE="$hostile" DW_FAIL_ON=never
run 2 DEXTWATCH_LOG_COMMAND="$src/tests/ci/fake-log-show"
run 2 FAKE_LOG_FAIL=1 DEXTWATCH_LOG_COMMAND="$src/tests/ci/fake-log-show"
if [ "$(uname -s)" != Darwin ]; then
    run 2
    grep -q 'not macOS' "$tmp/stderr" || fail "no reason given when there is nothing to collect"
fi
echo "action: ok"
