#!/usr/bin/env bash
# End-to-end checks of smaller CLI behaviours (issues 13 and 15):
# `scan DIR` passes over *.expected.json and says so; `stats --format json`.
# usage: cli_ux.sh DEXTWATCH_BINARY SOURCE_DIR
set -u
DW=$1
SRC=$2
LOGS=$SRC/tests/logs
. "$SRC/tests/check_lib.sh"

# 1. scan DIR: a log and its expectation side by side; only the log is read,
#    the expectation is counted on stderr, never read as a log.
mkdir -p "$T/d/sub"
cp "$LOGS/seed.default.log" "$T/d/sub/"
cp "$LOGS/seed.default.expected.json" "$T/d/sub/"
cp "$LOGS/harmless-plain.expected.json" "$T/d/"
"$DW" scan --no-store "$T/d" >"$T/out" 2>"$T/err"; st=$?
check "scan DIR exit 1" status_is $st 1
check "scan DIR reads one input" contains "$T/out" "1 input"
check "scan DIR counts the skipped files" contains "$T/err" "$T/d: 2 file(s) skipped, not logs (*.expected.json"
check "scan DIR: the JSON is not read" lacks "$T/err" "seed.default.expected.json"
check "scan DIR: no empty-input warning" lacks "$T/err" "no log events"
# a file named on the command line is read whatever its name
"$DW" scan --no-store "$T/d/harmless-plain.expected.json" >"$T/out" 2>"$T/err"
check "scan FILE.expected.json is read" lacks "$T/err" "skipped, not logs"

# 2. stats --format json: one object, valid against docs/stats.schema.json,
#    with the numbers the text form gives
DB=$T/state/incidents.db
"$DW" scan --db "$DB" "$LOGS/seed.default.log" >/dev/null 2>&1
"$DW" stats --db "$DB" --format json >"$T/stats.json" 2>"$T/err"; st=$?
check "stats json exit 0" status_is $st 0
check "stats json one line" test "$(wc -l <"$T/stats.json")" -eq 1
check "stats json incidents" contains "$T/stats.json" '"incidents":1,'
check "stats json by subject" contains "$T/stats.json" '"by_subject":[{"name":"com.MyDriver","count":1}]'
check "stats json valid against docs/stats.schema.json" python3 - "$SRC/docs/stats.schema.json" "$T/stats.json" <<'PY'
import json, sys
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
try:
    import jsonschema
except ImportError:  # without the validator, the required keys at least
    sys.exit(0 if all(k in doc for k in schema["required"]) else 1)
jsonschema.validate(doc, schema)
PY
"$DW" stats --db "$DB" --format yaml >/dev/null 2>"$T/err"; st=$?
check "stats --format yaml refused" status_is $st 2

finish
