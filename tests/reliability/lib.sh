# lib.sh - what every reliability test script shares; source it as
#   . "$(dirname "$0")/lib.sh" "$@"      (arguments: DEXTWATCH SOURCE_DIR)
# Sets DW, SRC, a scratch directory T (removed at exit, and the working
# directory), DEXTWATCH_RULES; bad() records a failure, finish() reports.
set -u
DW=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 2
export DEXTWATCH_RULES=$SRC/rules
unset DEXTWATCH_DB GITHUB_STEP_SUMMARY
fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
finish() {
    if [ $fail -ne 0 ]; then
        echo "$(basename "$0" .sh): $fail failure(s)" >&2
        exit 1
    fi
    echo "$(basename "$0" .sh): ok"
}
