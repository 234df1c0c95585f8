#!/usr/bin/env bash
# File permissions (issue 7, part 6).
#
#   permissions.sh DEXTWATCH SOURCE_DIR
#
# - The per-user DB (default path under $XDG_STATE_HOME, and --db in a new
#   directory) is created 0600 in a 0700 directory, whatever the umask (000
#   too), and so are its -wal and -shm files (checked while a writer runs).
# - The daemon's DB (`watch --group G`, as root; G = nogroup here, admin on a
#   Mac): DB and -wal 0640, -shm 0660, directory 0750, all group G; a member
#   of G (nobody) can read it with `recent` while watch runs and after it
#   stopped, and cannot write it (`scan` exits 2).  Skipped when not root.
# - Files dextwatch writes beside others (baseline, report --output) leave no
#   temporary file behind.
set -u
DW=$1
SRC=$2
T=$(mktemp -d)
trap 'kill $WPID 2>/dev/null; rm -rf "$T"' EXIT
WPID=
export DEXTWATCH_RULES=$SRC/rules NO_COLOR=1
unset DEXTWATCH_DB GITHUB_STEP_SUMMARY XDG_STATE_HOME
pass=0 fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
mode_is() { # PATH MODE [GROUP]
    local m g
    m=$(stat -c %a "$1" 2>/dev/null) || { bad "$1: missing"; return; }
    g=$(stat -c %G "$1")
    if [ "$m" = "$2" ] && { [ -z "${3:-}" ] || [ "$g" = "$3" ]; }; then
        pass=$((pass + 1))
        echo "ok: ${1#$T/} $m ${3:+$g}"
    else
        bad "${1#$T/}: mode $m group $g, want $2 ${3:-}"
    fi
}
LOG=$SRC/tests/logs/seed.ndjson.log

# ---- per-user, default path, umask 000 ----
mkdir -p "$T/home"
(umask 000 && HOME=$T/home "$DW" scan -q "$LOG" >/dev/null 2>&1)
DB=$T/home/.local/state/dextwatch/dextwatch.db
mode_is "$T/home/.local/state/dextwatch" 700
mode_is "$T/home/.local/state" 700
mode_is "$DB" 600
# -wal/-shm exist while a writer has the DB open: watch on a pipe that stays open
mkfifo "$T/fifo"
(umask 000 && HOME=$T/home exec "$DW" watch - <"$T/fifo" >/dev/null 2>"$T/watch.err") &
WPID=$!
exec 3>"$T/fifo"
cat "$LOG" >&3
for _ in $(seq 100); do [ -e "$DB-shm" ] && [ -e "$DB-wal" ] && break; sleep 0.05; done
mode_is "$DB-wal" 600
mode_is "$DB-shm" 600
exec 3>&-
wait $WPID
WPID=

# ---- --db in new directories ----
(umask 022 && "$DW" scan -q --db "$T/a/b/c.db" "$LOG" >/dev/null 2>&1)
mode_is "$T/a" 700
mode_is "$T/a/b" 700
mode_is "$T/a/b/c.db" 600

# ---- no temporary files left beside what dextwatch writes ----
mkdir "$T/out"
"$DW" scan --no-store -q --write-baseline "$T/out/base.json" --format junit --output "$T/out/j.xml" \
    "$LOG" >/dev/null 2>&1
left=$(ls -A "$T/out" | grep -v '^base.json$\|^j.xml$')
[ -z "$left" ] && { pass=$((pass + 1)); echo "ok: no temporary files left"; } || bad "left behind: $left"

# ---- the daemon's DB, group-readable ----
if [ "$(id -u)" = 0 ] && getent group nogroup >/dev/null && id nobody >/dev/null 2>&1; then
    mkdir -p "$T/sys"
    chmod 755 "$T"
    mkfifo "$T/fifo2"
    (exec "$DW" watch --db "$T/sys/dw/dextwatch.db" --group nogroup - <"$T/fifo2" \
        >/dev/null 2>"$T/watch2.err") &
    WPID=$!
    exec 3>"$T/fifo2"
    cat "$LOG" >&3
    SDB=$T/sys/dw/dextwatch.db
    for _ in $(seq 100); do
        [ "$(sqlite3 "file:$SDB?mode=ro" 'SELECT count(*) FROM incidents' 2>/dev/null)" = 1 ] && break
        sleep 0.05
    done
    mode_is "$SDB" 640 nogroup
    mode_is "$SDB-wal" 640 nogroup
    mode_is "$SDB-shm" 660 nogroup
    mode_is "$T/sys/dw" 750 nogroup
    as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
    if as_nobody "$DW" recent --db "$SDB" >"$T/r1" 2>&1 && grep -q com.MyDriver "$T/r1"; then
        pass=$((pass + 1)); echo "ok: a group member reads it while watch runs"
    else
        bad "group member cannot read while watch runs: $(cat "$T/r1")"
    fi
    as_nobody "$DW" scan -q --db "$SDB" "$SRC/tests/logs/seed.plain.log" >/dev/null 2>"$T/w1"
    st=$?
    [ $st -eq 2 ] && { pass=$((pass + 1)); echo "ok: a group member cannot write it (exit 2: $(head -1 "$T/w1"))"; } ||
        bad "group member scan: exit $st"
    exec 3>&-
    wait $WPID
    WPID=
    if as_nobody "$DW" recent --db "$SDB" >"$T/r2" 2>&1 && grep -q com.MyDriver "$T/r2"; then
        pass=$((pass + 1)); echo "ok: a group member reads it after watch stopped"
    else
        bad "group member cannot read after watch stopped: $(cat "$T/r2")"
    fi
    ls -la "$T/sys/dw" | sed 's/^/  /'
else
    echo "skip: daemon DB group test (needs root, group nogroup, user nobody)"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
