#!/usr/bin/env bash
# The text output's daily habits (issue 15), end to end on a real database:
#   --color auto|always|never with NO_COLOR (auto on a real terminal through script(1)),
#   --brief (one line per finding, each rule's remediation once),
#   one time form: the log's offset kept, local time (TZ) for a time without one, --utc,
#   recent ordered and --since selecting by the instant, --since DATE and its errors.
# usage: text_output.sh DEXTWATCH_BINARY SOURCE_DIR
set -u
DW=$1
SRC=$2
LOGS=$SRC/tests/logs
export DEXTWATCH_RULES=$SRC/rules
unset NO_COLOR GITHUB_STEP_SUMMARY DEXTWATCH_DB
export TERM=xterm TZ=UTC0 CI=1 # CI: no progress meter on a terminal's stderr
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ESC=$(printf '\033')

check() { # check NAME CONDITION...
    local name=$1; shift
    if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $name" >&2; fi
}
has_esc() { grep -q "$ESC" "$1"; }
no_esc() { ! grep -q "$ESC" "$1"; }
contains() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }
first_line_starts() { case $(head -n1 "$1") in "$2"*) true ;; *) false ;; esac; }
# Runs a command on a pseudo-terminal (script(1), util-linux or BSD), output into $1.
on_tty() {
    local out=$1; shift
    if script -qec true /dev/null >/dev/null 2>&1; then
        script -qec "$(printf '%q ' "$@")" /dev/null >"$out" 2>&1 </dev/null
    else
        script -q /dev/null "$@" >"$out" 2>&1 </dev/null
    fi
}

# The database: seed.default.log has offsets (10:14:03.312040-08:00, 18:14Z), seed.bsd.log has
# none (2026-11-20 10:14:03, the wall-clock time of wherever it was written).
DB=$T/dw.db
"$DW" scan -q --db "$DB" "$LOGS/seed.default.log" "$LOGS/seed.bsd.log" >/dev/null 2>&1
ID_DEF=$(sqlite3 "$DB" "select id from incidents where input like '%seed.default.log'")
ID_BSD=$(sqlite3 "$DB" "select id from incidents where input like '%seed.bsd.log'")
check "two incidents stored" test -n "$ID_DEF" -a -n "$ID_BSD"
STORED=$(sqlite3 "$DB" 'select id, last_seen, last_seen_us from incidents order by id')

# ---- --color ----
for c in "scan --no-store $LOGS/seed.default.log" "recent --db $DB" "show --db $DB $ID_DEF"; do
    name=${c%% *}
    $DW $c --color=always >"$T/c" 2>/dev/null
    check "$name --color=always into a pipe: colours" has_esc "$T/c"
    NO_COLOR=1 $DW $c --color=always >"$T/c" 2>/dev/null
    check "$name --color=always wins over NO_COLOR" has_esc "$T/c"
    $DW $c >"$T/c" 2>/dev/null
    check "$name default (auto) into a pipe: none" no_esc "$T/c"
    $DW $c --color=auto >"$T/c" 2>/dev/null
    check "$name --color=auto into a pipe: none" no_esc "$T/c"
    on_tty "$T/c" "$DW" $c --color=never
    check "$name --color=never on a terminal: none" no_esc "$T/c"
    on_tty "$T/c" "$DW" $c
    check "$name auto on a terminal: colours" has_esc "$T/c"
    on_tty "$T/c" env NO_COLOR=1 "$DW" $c
    check "$name auto on a terminal, NO_COLOR=1: none" no_esc "$T/c"
    on_tty "$T/c" env NO_COLOR= "$DW" $c
    check "$name auto on a terminal, NO_COLOR empty: colours (no-color.org)" has_esc "$T/c"
    on_tty "$T/c" env TERM=dumb "$DW" $c
    check "$name auto on a terminal, TERM=dumb: none" no_esc "$T/c"
done
"$DW" recent --db "$DB" --color=sometimes >/dev/null 2>"$T/e"; st=$?
check "--color=sometimes: exit 2" test $st -eq 2
check "--color=sometimes: the values named" contains "$T/e" "--color takes auto|always|never, not 'sometimes'"

# ---- --brief ----
cp "$LOGS/seed.default.log" "$T/again.log"
"$DW" scan --no-store "$LOGS/seed.default.log" "$T/again.log" >"$T/full" 2>/dev/null
"$DW" scan --no-store --brief "$LOGS/seed.default.log" "$T/again.log" >"$T/brief" 2>/dev/null; st=$?
check "--brief: the exit status of scan" test $st -eq 1
findings=$(sed -n 's/.* \([0-9]*\) findings, .*/\1/p' "$T/full")
check "--brief: one line per finding ($findings)" \
    test "$(grep -cE '^#[12] .*seed.default.log:[0-9]+: (error|warning|info|critical): com.MyDriver: .* \[[a-z0-9.-]+\]$|^#[12] .*again.log:[0-9]+: ' "$T/brief")" -eq "$findings"
check "--brief: the line of the root cause" \
    grep -qE "^#1 $LOGS/seed.default.log:[0-9]+: error: com.MyDriver: DriverKit refused to start .* \[dk.provider-entitlements\]$" "$T/brief"
check "--brief: one remediation block" test "$(grep -c '^what to do:$' "$T/brief")" -eq 1
check "--brief: each rule's remediation once for two incidents" \
    test "$(grep -c '^  \[dk.provider-entitlements\]$' "$T/brief")" -eq 1
check "--brief: the full text has it twice" \
    test "$(grep -c '^    \[dk.provider-entitlements\]$' "$T/full")" -eq 2
check "--brief: the summary stays" contains "$T/brief" "── 2 incidents"
check "--brief: no evidence blocks" lacks "$T/brief" "  evidence:"
"$DW" scan --no-store --brief -q "$LOGS/seed.default.log" >"$T/bq" 2>/dev/null
check "--brief -q: remediations, no summary" test "$(grep -c '^what to do:$' "$T/bq")" -eq 1 -a "$(grep -c '^──' "$T/bq")" -eq 0

# ---- one time form; --utc; TZ for times without offset ----
"$DW" scan --no-store "$LOGS/seed.default.log" >"$T/s" 2>/dev/null
check "scan: the log's own offset" contains "$T/s" "seen:     2026-11-20T10:14:03.201377-08:00 .. 2026-11-20T10:14:03.312040-08:00"
"$DW" scan --no-store --utc "$LOGS/seed.default.log" >"$T/s" 2>/dev/null
check "scan --utc" contains "$T/s" "seen:     2026-11-20T18:14:03.201377Z .. 2026-11-20T18:14:03.312040Z"
TZ=PST8PDT "$DW" scan --no-store "$LOGS/seed.bsd.log" >"$T/s" 2>/dev/null
check "scan: no offset in the log, local time (TZ=PST8PDT)" contains "$T/s" "seen:     2026-11-20T10:14:03-08:00  in"
TZ=PST8PDT "$DW" scan --no-store --utc "$LOGS/seed.bsd.log" >"$T/s" 2>/dev/null
check "scan --utc: no offset in the log, local time to UTC" contains "$T/s" "seen:     2026-11-20T18:14:03Z  in"
TZ=JST-9 "$DW" show --db "$DB" "$ID_BSD" >"$T/s"
check "show: local time (TZ=JST-9)" contains "$T/s" "seen:     2026-11-20T10:14:03+09:00  in"
TZ=JST-9 "$DW" show --db "$DB" --utc "$ID_BSD" >"$T/s"
check "show --utc" contains "$T/s" "seen:     2026-11-20T01:14:03Z  in"
"$DW" recent --db "$DB" --utc >"$T/r"
check "recent --utc" grep -qE "^#$ID_DEF +2026-11-20T18:14:03.312040Z +ERROR" "$T/r"
check "recent: one form for both" \
    test "$(grep -cE '^#[0-9]+ +2026-11-20T10:14:03(\.[0-9]+)?[+-][0-9]{2}:[0-9]{2} +ERROR' <("$DW" recent --db "$DB"))" -eq 2

# recent orders by the instant: in HST (UTC-10) the BSD line's 10:14:03 is 20:14Z, after 18:14Z;
# in JST (UTC+9) it is 01:14Z, before.  Stored values sort the other way in HST.
ids() { grep -oE '^#[0-9]+' | tr -d '#' | tr '\n' ' '; }
check "recent in HST: the BSD incident first" test "$(TZ=HST10 "$DW" recent --db "$DB" | ids)" = "$ID_BSD $ID_DEF "
check "recent in JST: the ndjson incident first" test "$(TZ=JST-9 "$DW" recent --db "$DB" | ids)" = "$ID_DEF $ID_BSD "
check "recent --limit 1 in HST: the BSD incident" test "$(TZ=HST10 "$DW" recent --db "$DB" --limit 1 | ids)" = "$ID_BSD "

# ---- --since DATE / TIME ----
since_ids() { TZ=$1 "$DW" recent --db "$DB" --since "$2" --format json | sed -n 's/.*"id":\([0-9]*\),.*/\1/p' | sort -n | tr '\n' ' '; }
both=$(printf '%s\n' "$ID_DEF" "$ID_BSD" | sort -n | tr '\n' ' ')
check "--since 2026-11-20 (UTC): both" test "$(since_ids UTC0 2026-11-20)" = "$both"
check "--since 2026-11-21 (UTC): none" test -z "$(since_ids UTC0 2026-11-21)"
check "--since 2026-11-20T12:00 (UTC): the ndjson one only" test "$(since_ids UTC0 2026-11-20T12:00)" = "$ID_DEF "
check "--since 2026-11-20T09:00 (HST, 19:00Z): the BSD one only (20:14Z)" test "$(since_ids HST10 2026-11-20T09:00)" = "$ID_BSD "
check "--since 2026-11-21 (HST, 10:00Z): both happened before" test -z "$(since_ids HST10 2026-11-21)"
check "--since 2026-11-20T18:00Z: the ndjson one (the BSD one is 10:14Z in UTC)" test "$(since_ids UTC0 2026-11-20T18:00Z)" = "$ID_DEF "
check "--since 1d: none (the log is from 2026-11-20)" test -z "$(since_ids UTC0 1d)" -o "$(date -u +%Y%m%d)" -le 20261121
for bad in "2026-11-31|2026-11 has no day 31" "2026-13-01|there is no month 13" \
           "2026-11-20T25:00|'25:00' is not a time of day" "2026-11-20x|unexpected 'x' after the date" \
           "yesterday|give a duration (30m, 2h, 7d) or a date" "3x|unknown unit 'x'"; do
    arg=${bad%%|*} why=${bad#*|}
    "$DW" recent --db "$DB" --since "$arg" >"$T/o" 2>"$T/e"; st=$?
    check "--since $arg: exit 2" test $st -eq 2
    check "--since $arg: one line with the reason" first_line_starts "$T/e" "dextwatch recent: --since '$arg': $why"
    check "--since $arg: nothing on stdout" test ! -s "$T/o"
done

check "stored values unchanged by every display" test "$(sqlite3 "$DB" 'select id, last_seen, last_seen_us from incidents order by id')" = "$STORED"

echo "text_output: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
