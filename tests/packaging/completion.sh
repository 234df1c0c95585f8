#!/bin/bash
# completion.sh DEXTWATCH - the completion scripts `dextwatch completion bash|zsh|fish` prints
# from the command table: bash is exercised with compgen as bash itself would call it (commands,
# actions, options, enumeration values, every option each command's --help lists); zsh and
# fish scripts must parse (zsh -n, fish -n).
set -u
dw=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "completion: $*" >&2; exit 1; }

"$dw" completion bash >"$tmp/dw.bash" || fail "completion bash failed"
bash -n "$tmp/dw.bash" || fail "the bash script does not parse"
# shellcheck disable=SC1090
. "$tmp/dw.bash"

# complete WORDS...: COMPREPLY for the line "WORDS" with the cursor on the last word
complete_line() {
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMPREPLY=()
    _dextwatch
    printf '%s\n' "${COMPREPLY[@]}" | sort
}
expect() { # expect "WANT (space separated, sorted)" WORDS...
    want=$1; shift
    got=$(complete_line "$@" | tr '\n' ' ' | sed 's/ $//')
    [ "$got" = "$want" ] || fail "'$*': got '$got', want '$want'"
}
expect "scan show stats" dextwatch s
expect "scan" dextwatch sc
expect "--style" dextwatch scan --sty
expect "ndjson" dextwatch scan --style nd
expect "github json junit markdown text" dextwatch recent --format ''
expect "check export list test try" dextwatch rules ''
expect "--format" dextwatch rules list --fo
expect "json text" dextwatch rules list --format ''
expect "json text" dextwatch show --format ''
expect "install" dextwatch agent ins
expect "--db --forward --help --log-max --print --retain --system" dextwatch agent install --
expect "bash fish zsh" dextwatch completion ''
expect "explain" dextwatch help exp
expect "critical error info never warning" dextwatch scan --fail-on ''
expect "" dextwatch prune --older-than ''
touch "$tmp/some.log"
expect "$tmp/some.log" dextwatch scan --db "$tmp/so"
expect "$tmp/some.log" dextwatch scan "$tmp/so"

# every option that a command's --help lists completes after "--"
for cmd in scan recent show explain predicate watch stats prune forward "rules list" "rules check" \
           "rules test" "rules try" "rules export" "agent install" "agent uninstall" "agent status"; do
    # shellcheck disable=SC2086
    "$dw" $cmd --help >"$tmp/help" 2>&1
    got=$(complete_line dextwatch $cmd --)
    for opt in $(grep -oE -- '^ +(-[a-zA-Z], )?--[a-z][a-z-]+' "$tmp/help" | grep -oE -- '--[a-z][a-z-]+'); do
        grep -qx -- "$opt" <<<"$got" || fail "'$cmd $opt' is in --help but does not complete"
    done
done

"$dw" completion zsh >"$tmp/_dextwatch" || fail "completion zsh failed"
"$dw" completion fish >"$tmp/dextwatch.fish" || fail "completion fish failed"
if command -v zsh >/dev/null; then zsh -n "$tmp/_dextwatch" || fail "the zsh script does not parse"; fi
if command -v fish >/dev/null; then fish -n "$tmp/dextwatch.fish" || fail "the fish script does not parse"; fi
"$dw" completion tcsh >/dev/null 2>&1 && fail "an unknown shell was accepted"
echo "completion: ok"
