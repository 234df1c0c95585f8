# check_lib.sh - what the check-style end-to-end scripts share; source it as
#   . "$SRC/tests/check_lib.sh"      (after setting DW and SRC)
# Sets a scratch directory T (removed at exit) and a HOME and XDG_CONFIG_HOME
# inside it, so that no user rule directory of the machine's leaks in;
# DEXTWATCH_RULES is the source tree's rules/.  check NAME CONDITION...
# counts; finish prints "N passed, N failed" and exits 1 on a failure.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export DEXTWATCH_RULES=$SRC/rules NO_COLOR=1 HOME=$T/home XDG_CONFIG_HOME=$T/config
unset CI GITHUB_ACTIONS GITHUB_STEP_SUMMARY DEXTWATCH_DB
pass=0 fail=0
check() { # check NAME CONDITION...
    local name=$1; shift
    if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $name" >&2; fi
}
status_is() { [ "$1" -eq "$2" ]; }
contains() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ] || exit 1
}
