#!/bin/sh
# action-run.sh - the script part of action.yml: collect (if needed) and triage a unified log.
# Everything comes from the environment (action.yml passes its inputs there):
#   DW_LOG_FILE  a log to scan; empty: collect `log show --last $DW_LAST --style ndjson --info
#                --predicate "$(dextwatch predicate)"` into dextwatch-log.ndjson, which needs
#                macOS or DEXTWATCH_LOG_COMMAND (a `log` stand-in)
#   DW_LAST (20m), DW_FAIL_ON (error), DW_BASELINE (none), DW_JUNIT (dextwatch-junit.xml)
#   GITHUB_STEP_SUMMARY  the markdown summary goes there (appended), else to dextwatch-summary.md
#   GITHUB_OUTPUT        receives log-file=PATH
# Exit status: dextwatch scan's (0 pass, 1 incidents at or above DW_FAIL_ON, 2 no log/usage).
set -eu
dw=${DEXTWATCH:-dextwatch}
log=${DW_LOG_FILE:-}
if [ -z "$log" ]; then
    logcmd=${DEXTWATCH_LOG_COMMAND:-}
    if [ -z "$logcmd" ]; then
        [ "$(uname -s)" = Darwin ] || { echo "dextwatch: no log-file given and this runner is not macOS: nothing to collect" >&2; exit 2; }
        logcmd=/usr/bin/log
    fi
    log=dextwatch-log.ndjson
    predicate=$("$dw" predicate --quiet)
    if ! "$logcmd" show --last "${DW_LAST:-20m}" --style ndjson --info --predicate "$predicate" >"$log"; then
        echo "dextwatch: log show failed" >&2
        exit 2
    fi
fi
[ -z "${GITHUB_OUTPUT:-}" ] || printf 'log-file=%s\n' "$log" >>"$GITHUB_OUTPUT"
set -- --no-store --require-events --fail-on "${DW_FAIL_ON:-error}" --format github \
    --format markdown --output "${GITHUB_STEP_SUMMARY:-dextwatch-summary.md}" \
    --format junit --output "${DW_JUNIT:-dextwatch-junit.xml}"
[ -z "${DW_BASELINE:-}" ] || set -- "$@" --baseline "$DW_BASELINE"
exec "$dw" scan "$@" -- "$log"
