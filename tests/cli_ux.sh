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

finish
