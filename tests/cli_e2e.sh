#!/usr/bin/env bash
# End-to-end checks of the dextwatch CLI on a real SQLite file:
# scan -> recent -> show, idempotent re-scan, exit codes, hostile input.
# usage: cli_e2e.sh DEXTWATCH_BINARY SOURCE_DIR
set -u
DW=$1
SRC=$2
LOGS=$SRC/tests/logs
. "$SRC/tests/check_lib.sh"
DB=$T/state/dw/incidents.db

# 1. scan into a new DB: one incident for com.MyDriver, exit 1 (error >= --fail-on error)
"$DW" scan --db "$DB" "$LOGS/seed.default.log" >"$T/out1" 2>"$T/err1"; st=$?
check "scan exit 1" status_is $st 1
check "scan names the dext" contains "$T/out1" "com.MyDriver"
check "scan summary" contains "$T/out1" "1 incident (1 new)"
check "db file is user-only" test "$(stat -c %a "$DB")" = 600
check "db dir is user-only" test "$(stat -c %a "$(dirname "$DB")")" = 700

# 2. recent --format json returns it
"$DW" recent --db "$DB" --format json >"$T/recent" 2>&1; st=$?
check "recent exit 0" status_is $st 0
check "recent one line" test "$(wc -l <"$T/recent")" -eq 1
check "recent subject" contains "$T/recent" '"subject":"com.MyDriver"'
check "recent classes" contains "$T/recent" '"classes":["entitlement.provider-check","dext.exit","codesign.requirement"]'
id=$(sed -n 's/.*"id":\([0-9]*\).*/\1/p' "$T/recent" | head -n1)
check "recent has an id" test -n "$id"

# 3. show ID (text and json)
"$DW" show --db "$DB" "$id" >"$T/show" 2>&1; st=$?
check "show exit 0" status_is $st 0
check "show decodes -67050" contains "$T/show" "errSecCSReqFailed"
check "show remediation" contains "$T/show" "codesign -d --entitlements -"
"$DW" show --db "$DB" --format json "$id" >"$T/showj" 2>&1
check "show json id" contains "$T/showj" "\"id\":$id,"
"$DW" show --db "$DB" 999999 >/dev/null 2>"$T/err"; st=$?
check "show missing id exit 2" status_is $st 2
check "show missing id message" contains "$T/err" "no incident #999999"

# 4. a second scan of the same file adds nothing
before=$(sqlite3 "$DB" 'select count(*) from incidents; select count(*) from findings;' | tr '\n' ' ')
"$DW" scan --db "$DB" "$LOGS/seed.default.log" >"$T/out2" 2>&1; st=$?
after=$(sqlite3 "$DB" 'select count(*) from incidents; select count(*) from findings;' | tr '\n' ' ')
check "rescan exit 1" status_is $st 1
check "rescan adds nothing ($before -> $after)" test "$before" = "$after"
check "rescan says 0 new" contains "$T/out2" "(0 new)"
check "db integrity" test "$(sqlite3 "$DB" 'pragma integrity_check')" = ok

# 5. exit codes and usage
"$DW" scan --no-store --fail-on never "$LOGS/seed.default.log" >/dev/null 2>&1; st=$?
check "--fail-on never exit 0" status_is $st 0
"$DW" scan --no-store --fail-on critical "$LOGS/seed.default.log" >/dev/null 2>&1; st=$?
check "--fail-on critical exit 0" status_is $st 0
"$DW" scan --no-store --fail-on warning "$LOGS/seed.default.log" >/dev/null 2>&1; st=$?
check "--fail-on warning exit 1" status_is $st 1
"$DW" scan --no-store --db "$DB" x >/dev/null 2>&1; st=$?
check "--db with --no-store exit 2" status_is $st 2
"$DW" scan --bogus >/dev/null 2>&1; st=$?
check "unknown option exit 2" status_is $st 2
"$DW" scan --no-store --style nope - </dev/null >/dev/null 2>&1; st=$?
check "unknown style exit 2" status_is $st 2
version=$(sed -n 's/^project(dextwatch VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
"$DW" --version >"$T/v"; check "--version is the CMake project version" test "$(cat "$T/v")" = "dextwatch $version"
"$DW" -V >"$T/v"; check "-V is the CMake project version" test "$(cat "$T/v")" = "dextwatch $version"
for c in scan recent show rules explain predicate watch stats prune agent forward check; do
    "$DW" $c --help >"$T/h" 2>&1; st=$?
    check "$c --help" status_is $st 0
    check "$c --help text" contains "$T/h" "usage: dextwatch $c"
    "$DW" help $c >"$T/h2" 2>&1; st=$?
    check "help $c exit 0" status_is $st 0
    check "help $c is $c --help" cmp -s "$T/h" "$T/h2"
    check "help $c is not the overview" lacks "$T/h2" "commands:"
done
"$DW" help rules try >"$T/h" 2>&1; st=$?
check "help rules try" status_is $st 0
check "help rules try text" contains "$T/h" "usage: dextwatch rules try"
"$DW" --help >"$T/h"; check "--help lists every command" test "$(grep -c '^  [a-z]' "$T/h")" -eq 12
"$DW" help nope >/dev/null 2>"$T/err"; st=$?
check "help of an unknown command exit 2" status_is $st 2
# a usage error is one line naming the command and the problem, then a hint
"$DW" scan --bogus x >"$T/out" 2>"$T/err"; st=$?
check "usage error exit 2" status_is $st 2
check "usage error: nothing on stdout" test ! -s "$T/out"
check "usage error: one line and a hint" test "$(cat "$T/err")" = "dextwatch scan: unknown option '--bogus'
Try 'dextwatch help scan'."
"$DW" show --db "$DB" --format junit "$id" >"$T/out" 2>"$T/err"; st=$?
check "show --format junit exit 2" status_is $st 2
check "show --format junit: nothing printed" test ! -s "$T/out"
check "show --format junit: one line and a hint" test "$(cat "$T/err")" = "dextwatch show: --format takes text|json, not 'junit'
Try 'dextwatch help show'."
"$DW" rules >/dev/null 2>"$T/err"; st=$?
check "rules without an action exit 2" status_is $st 2
check "rules without an action: two lines" test "$(wc -l <"$T/err")" -eq 2
"$DW" prune --db "$DB" --older-than 1y >/dev/null 2>"$T/err"; st=$?
check "prune bad unit exit 2" status_is $st 2
check "prune bad unit names the value" contains "$T/err" "'1y' is not a duration"

# 6. hostile input: never a crash, clear messages, right exit codes
: >"$T/empty.log"
"$DW" scan --no-store "$T/empty.log" >/dev/null 2>"$T/err"; st=$?
check "empty input exit 0" status_is $st 0
"$DW" scan --no-store "$T/missing.log" >/dev/null 2>"$T/err"; st=$?
check "missing file exit 2" status_is $st 2
check "missing file message" contains "$T/err" "missing.log: No such file or directory"
"$DW" scan --no-store "$LOGS/seed.default.log" "$T/missing.log" >/dev/null 2>&1; st=$?
check "2 wins over 1" status_is $st 2
head -c 700 "$LOGS/seed.ndjson.log" >"$T/trunc.log"
printf '{"eventMessage":"DK: x' >>"$T/trunc.log"
"$DW" scan --no-store --style ndjson "$T/trunc.log" >/dev/null 2>"$T/err"; st=$?
check "truncated json no crash" test $st -le 1
check "truncated json reported" contains "$T/err" "skipped as unparseable"
printf 'kernel: DK: IOUserServer(com.evil\033]8;;http://x\007\033[31m-0x1f)::exit(Entitlements check failed)\n' >"$T/esc.log"
printf 'kernel: DK: A\000B-0x2: provider entitlements check failed\n\xff\xfe\x80 invalid utf8 \xc3\x28\n' >>"$T/esc.log"
"$DW" scan --no-store "$T/esc.log" >"$T/out" 2>&1; st=$?
check "control bytes no crash" test $st -le 1
check "no raw ESC reaches the terminal" test "$(tr -dc '\033\007' <"$T/out" | wc -c)" -eq 0
check "ESC shown escaped" contains "$T/out" '\e]8;;'
"$DW" scan --no-store --format json "$T/esc.log" >"$T/outj" 2>&1
check "json escapes ESC" grep -qiF '\u001b' "$T/outj"
head -c 2097152 /dev/zero | tr '\0' 'A' >"$T/long.log"
printf '\nkernel: DK: MyDriver-0x100000f45: provider entitlements check failed\n' >>"$T/long.log"
"$DW" scan --no-store --format json "$T/long.log" >"$T/out" 2>"$T/err"; st=$?
check "2 MB line no crash" test $st -le 1
check "2 MB line: later line still classified" contains "$T/out" '"rule":"dk.provider-entitlements"'
mkdir -p "$T/dir/sub"
cp "$LOGS/seed.default.log" "$T/dir/b.log"
cp "$LOGS/seed.syslog.log" "$T/dir/sub/a.log"
"$DW" scan --no-store --format json "$T/dir" >"$T/out" 2>/dev/null; st=$?
check "directory scan exit 1" status_is $st 1
check "directory: two incidents" test "$(wc -l <"$T/out")" -eq 2
check "directory: name order" test "$(sed -n 's/.*"input":"\([^"]*\)".*/\1/p' "$T/out" | tr '\n' ' ')" = "$T/dir/b.log $T/dir/sub/a.log "
"$DW" scan --no-store --format json - <"$LOGS/seed.plain.log" >"$T/out" 2>&1; st=$?
check "stdin exit 1" status_is $st 1
check "stdin input name" contains "$T/out" '"input":"-"'

# 7. recent filters
"$DW" recent --db "$DB" --class 'codesign.*' --format json >"$T/r" 2>&1
check "recent --class glob" test "$(wc -l <"$T/r")" -eq 1
"$DW" recent --db "$DB" --class 'kext.*' --format json >"$T/r" 2>&1
check "recent --class no match" test "$(wc -l <"$T/r")" -eq 0
"$DW" recent --db "$DB" --subject 'com.mydriver' --format json >"$T/r" 2>&1
check "recent --subject case-insensitive" test "$(wc -l <"$T/r")" -eq 1
"$DW" recent --db "$DB" --since 1h --format json >"$T/r" 2>&1
check "recent --since 1h excludes 2026-11-20" test "$(wc -l <"$T/r")" -eq 0
"$DW" recent --db "$DB" --since 2026-11-01T00:00 --format json >"$T/r" 2>&1
check "recent --since ISO" test "$(wc -l <"$T/r")" -eq 1
"$DW" recent --db "$DB" --since yesterday >/dev/null 2>&1; st=$?
check "recent bad --since exit 2" status_is $st 2
"$DW" recent --db "$DB" >"$T/r" 2>&1
check "recent text class line" contains "$T/r" "entitlement.provider-check"
"$DW" recent --db "$T/nope.db" >/dev/null 2>"$T/err"; st=$?
check "recent missing db exit 2" status_is $st 2
check "recent missing db not created" test ! -e "$T/nope.db"

# stdin without a FILE operand: read when it is a pipe or a regular file (as ripgrep does);
# a terminal, /dev/null or a closed stdin is "no input", exit 2, and never waits
cat "$LOGS/seed.default.log" | "$DW" scan --no-store --format json >"$T/r" 2>&1; st=$?
check "scan reads a piped stdin" status_is $st 1
check "scan of piped stdin finds the dext" contains "$T/r" '"subject":"com.MyDriver"'
"$DW" scan --no-store --format json <"$LOGS/seed.default.log" >"$T/r" 2>&1; st=$?
check "scan reads a redirected file" status_is $st 1
timeout 10 "$DW" scan --no-store </dev/null >/dev/null 2>"$T/err"; st=$?
check "scan with /dev/null stdin: no input, exit 2" status_is $st 2
check "scan with /dev/null stdin says no input" contains "$T/err" "no input"
timeout 10 "$DW" scan --no-store <&- >/dev/null 2>&1; st=$?
check "scan with closed stdin: exit 2" status_is $st 2

finish
