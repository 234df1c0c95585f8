#!/usr/bin/env bash
# Runs the commands of docs/ci.md as written: the "Collect the unified log" and
# "Triage with dextwatch" steps of the GitHub Actions job (with the runner's
# bash -e and a $GITHUB_STEP_SUMMARY file), and the plain-shell
# ci/dext-triage.sh, with `log` and `dextwatch` on PATH (`log` is
# tests/ci/fake-log-show, replaying a recorded ndjson log).
# usage: docs_ci.sh DEXTWATCH_BINARY SOURCE_DIR
set -u
DW=$1
SRC=$2
DOC=$SRC/docs/ci.md
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
check() {
    local name=$1; shift
    if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $name" >&2; fi
}
status_is() { [ "$1" -eq "$2" ]; }
contains() { grep -qF -- "$2" "$1"; }

mkdir -p "$T/bin"
ln -s "$SRC/tests/ci/fake-log-show" "$T/bin/log"
ln -s "$DW" "$T/bin/dextwatch"
export PATH=$T/bin:$PATH DEXTWATCH_RULES=$SRC/rules CI=1 NO_COLOR=1
unset DEXTWATCH_LOG_COMMAND

# The run: block of the workflow step named $1 (from the first ```yaml block).
step() {
    awk -v want="$1" '
        /^```yaml/ && !done { inyaml = 1; next }
        inyaml && /^```/ { inyaml = 0; done = 1 }
        !inyaml { next }
        /^      - name: / { name = substr($0, index($0, ": ") + 2); grab = 0; next }
        /^        run: \|/ { grab = (name == want); next }
        grab && /^          / { print substr($0, 11); next }
        grab { grab = 0 }' "$DOC"
}
# The ```sh block that is ci/dext-triage.sh.
triage_script() {
    awk '/^```sh/ { insh = 1; n = 0; next }
         insh && /^```/ { insh = 0; if (mine) exit; next }
         insh { if (++n == 2 && $0 ~ /ci\/dext-triage.sh/) mine = 1; buf = buf $0 "\n" }
         END { if (mine) printf "%s", buf }' "$DOC"
}

step "Collect the unified log" >"$T/collect.sh"
step "Triage with dextwatch" >"$T/triage.sh"
triage_script >"$T/dext-triage.sh"
check "doc: collect step found" contains "$T/collect.sh" 'log show --last'
check "doc: collect uses dextwatch predicate" contains "$T/collect.sh" '--predicate "$(dextwatch predicate)"'
check "doc: triage step found" contains "$T/triage.sh" '--format github'
check "doc: triage writes the step summary" contains "$T/triage.sh" '--format markdown --output "$GITHUB_STEP_SUMMARY"'
check "doc: shell script found" contains "$T/dext-triage.sh" 'dextwatch scan'

# GitHub job, a failing dext: exit 1, annotations, summary appended, JUnit valid
run_job() { # run_job WORKDIR NDJSON
    mkdir -p "$1"
    (cd "$1" && export FAKE_LOG_NDJSON=$2 GITHUB_STEP_SUMMARY=$1/summary.md &&
        printf '# earlier step\n' >"$GITHUB_STEP_SUMMARY" &&
        bash -e "$T/collect.sh" && bash -e "$T/triage.sh" >stdout 2>stderr)
}
run_job "$T/gh1" "$SRC/tests/logs/seed.ndjson.log"; st=$?
check "github job: a dext failure fails the step (1)" status_is $st 1
check "github job: log collected" test -s "$T/gh1/dext-log.ndjson"
check "github job: ::error annotation" grep -q '^::error title=error com.MyDriver%3A entitlement.provider-check' "$T/gh1/stdout"
check "github job: summary appended" test "$(head -n1 "$T/gh1/summary.md")" = "# earlier step"
check "github job: summary table" contains "$T/gh1/summary.md" "| 1 | ❌ failing | error | com.MyDriver |"
check "github job: junit valid" xmllint --noout --schema "$SRC/tests/junit/junit.xsd" "$T/gh1/dextwatch-junit.xml"
# a log with events but no failure passes
grep -F 'Discovery scan stopped' "$SRC/tests/logs/seed.ndjson.log" >"$T/clean.ndjson"
run_job "$T/gh2" "$T/clean.ndjson"; st=$?
check "github job: a clean log passes (0)" status_is $st 0
check "github job: clean summary" contains "$T/gh2/summary.md" "No incident."
# a failed collection (no events) does not pass green
run_job "$T/gh3" /dev/null; st=$?
check "github job: empty collection fails (2)" status_is $st 2
check "github job: empty collection annotated" grep -q '^::error title=dextwatch%3A no log events' "$T/gh3/stdout"

# plain shell CI with JUnit
mkdir -p "$T/sh1"
(cd "$T/sh1" && FAKE_LOG_NDJSON=$SRC/tests/logs/seed.ndjson.log sh "$T/dext-triage.sh" >stdout 2>stderr); st=$?
check "shell CI: exit 1" status_is $st 1
check "shell CI: text report" contains "$T/sh1/stdout" "ERROR    com.MyDriver"
check "shell CI: junit valid" xmllint --noout --schema "$SRC/tests/junit/junit.xsd" "$T/sh1/dextwatch-junit.xml"
check "shell CI: junit failure" contains "$T/sh1/dextwatch-junit.xml" '<failure message="DriverKit refused to start MyDriver'
check "shell CI: log kept gzipped" test -s "$T/sh1/dext-log.ndjson.gz"
(cd "$T/sh1" && dextwatch scan --no-store --format json dext-log.ndjson.gz >gz.json 2>/dev/null); st=$?
check "shell CI: the gzipped artifact scans the same" status_is $st 1
mkdir -p "$T/sh2"
(cd "$T/sh2" && FAKE_LOG_NDJSON=$T/clean.ndjson sh "$T/dext-triage.sh" >stdout 2>stderr); st=$?
check "shell CI: clean log exit 0" status_is $st 0

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
