#!/usr/bin/env bash
# A database file whose header was not written by dextwatch (issue 17, item 1).
#
#   hostile_db.sh DEXTWATCH SOURCE_DIR
#
# PRAGMA user_version indexes the migration table: a negative version once
# read out of bounds (-1000 crashed scan and recent) or ran the wrong
# migration (-2).  Every version that is not one of ours, and a positive
# version without our application id, must be refused by scan, recent and
# show with "not a dextwatch database" and exit 2, leaving the file as it was.
. "$(dirname "$0")/lib.sh" "$@"
LOG=$SRC/tests/logs/seed.default.log

# make_db FILE VERSION APPID: a SQLite file with that header (and one table
# when VERSION is not 0, as a database of that version would have)
make_db() {
    python3 - "$@" <<'PY'
import sqlite3, sys
path, version, app = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = sqlite3.connect(path)
c.execute("CREATE TABLE t (x)")
c.execute("PRAGMA user_version = %d" % version)
c.execute("PRAGMA application_id = %d" % app)
c.commit()
c.close()
PY
}

OURS=1146639447 # "DXTW"
for case in "-1000 $OURS" "-2 $OURS" "-1 0" "-2147483648 $OURS" "1 0" "2 0" "3 0" "3 1234"; do
    set -- $case
    db=$T/v$1-$2.db
    make_db "$db" "$1" "$2"
    sum=$(cksum <"$db")
    for cmd in "scan --db $db -q $LOG" "recent --db $db" "show --db $db 1"; do
        "$DW" $cmd >"$T/out" 2>"$T/err"
        rc=$?
        if [ $rc -ne 2 ] || ! grep -q "not a dextwatch database" "$T/err"; then
            bad "user_version $1 application_id $2: '${cmd%% *}' exit $rc: $(head -c 300 "$T/err")"
        fi
    done
    [ "$(cksum <"$db")" = "$sum" ] || bad "user_version $1 application_id $2: the file was changed"
done

# ours still opens: a fresh database, then the same one again
"$DW" scan --db "$T/ok.db" -q "$LOG" >/dev/null 2>&1
[ $? -eq 1 ] || bad "a fresh database: scan does not find the seed incident"
"$DW" recent --db "$T/ok.db" >"$T/out" 2>&1 || bad "recent on our own database: $(cat "$T/out")"

finish
