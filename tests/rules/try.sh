#!/usr/bin/env bash
# try.sh DEXTWATCH SOURCE_DIR - `rules try` (issues 13 and 15): with the packs,
# the lines only a catch-all (class other.*) took come first; with a REGEX,
# the pattern against each event's message, like fail2ban-regex: the lines it
# matched (escaped) and the counts; a bad REGEX gives PCRE2's error and offset.
set -u
DW=$1
SRC=$2
. "$SRC/tests/check_lib.sh"
L=$T/try.log
{
    printf '2026-11-20 10:14:03.201377-0800  localhost kernel[0]: (DriverKit) DK: MyDriver-0x100000f45: frobnicator handshake failed\n'
    printf '2026-11-20 10:14:03.201378-0800  localhost kernel[0]: (DriverKit) DK: MyDriver-0x100000f45: provider entitlements check failed\n'
    printf '2026-11-20 10:14:03.201379-0800  localhost kernel[0]: (DriverKit) DK: Ev\033[31mil-0x2: frobnicator handshake failed\n'
} >"$L"

# 1. the packs: the catch-alls' lines first, with their rule
"$DW" rules try "$L" >"$T/out" 2>"$T/err"; st=$?
check "try exit 0" status_is $st 0
first=$(grep -n "only a catch-all (class other.\*)" "$T/out" | cut -d: -f1)
rules_at=$(grep -n "^Rules that matched" "$T/out" | cut -d: -f1)
check "catch-all section before the rule counts" test -n "$first" -a -n "$rules_at" -a "${first:-9}" -lt "${rules_at:-0}"
check "catch-all section names the rule" contains "$T/out" "[other.unrecognised-kernel]"
check "catch-all section has the line" grep -qE '^ +1: .*frobnicator handshake failed$' "$T/out"
check "no raw escape in the output" lacks "$T/out" "$(printf '\033')"

# 2. a REGEX: matched lines (escaped) and the counts
"$DW" rules try "$L" 'frobnicator (?<what>\w+) failed' >"$T/out" 2>"$T/err"; st=$?
check "try REGEX exit 0" status_is $st 0
check "try REGEX counts" contains "$T/out" "Lines: 3 lines, 3 events, 2 matched, 0 skipped as unparseable"
check "try REGEX line 1" grep -qE '^ +1: .*MyDriver-0x100000f45: frobnicator handshake failed$' "$T/out"
check "try REGEX line 3, escaped" grep -qF 'DK: Ev\e[31mil-0x2: frobnicator' "$T/out"
check "try REGEX: not line 2" lacks "$T/out" "provider entitlements"
check "try REGEX: no raw escape" lacks "$T/out" "$(printf '\033')"
# the message, not the whole line: the timestamp is not matched
"$DW" rules try "$L" '^DK: MyDriver' >"$T/out" 2>&1
check "try REGEX anchors at the message" contains "$T/out" "3 events, 2 matched"
# any style scan reads, and unparseable lines are counted
{ cat "$SRC/tests/logs/seed.default.log"; printf 'garbage line\n'; } >"$T/d.log"
"$DW" rules try "$T/d.log" 'entitlements check failed' >"$T/out" 2>&1
check "try REGEX default style, skipped counted" grep -qE "^Lines: [0-9]+ lines, 9 events, 1 matched, 1 skipped as unparseable$" "$T/out"
# stdin
"$DW" rules try - 'handshake' <"$L" >"$T/out" 2>&1
check "try REGEX from stdin" contains "$T/out" "2 matched"
# --all and the first 20
for i in $(seq 1 25); do printf '2026-11-20 10:14:03.201377-0800  localhost kernel[0]: DK: X-0x%d: frobnicator handshake failed\n' "$i"; done >"$T/many.log"
"$DW" rules try "$T/many.log" handshake >"$T/out" 2>&1
check "try REGEX shows the first 20" contains "$T/out" "(first 20 of 25; --all for all)"
"$DW" rules try --all "$T/many.log" handshake >"$T/out" 2>&1
check "try REGEX --all" test "$(grep -c 'frobnicator handshake failed$' "$T/out")" -eq 25

# 3. a bad REGEX: PCRE2's message with the offset, exit 2, one line
"$DW" rules try "$L" 'DK: (\w+' >"$T/out" 2>"$T/err"; st=$?
check "bad REGEX exit 2" status_is $st 2
check "bad REGEX message" contains "$T/err" "rules try: REGEX: missing closing parenthesis at offset 8 (PCRE2)"
check "bad REGEX: nothing on stdout" test ! -s "$T/out"
"$DW" rules try "$L" a b >/dev/null 2>"$T/err"; st=$?
check "three operands: usage error" status_is $st 2

finish
