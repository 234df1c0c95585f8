#!/usr/bin/env bash
# watch --follow on a directory or a FIFO (issue 17, item 8).
#
#   follow_special.sh DEXTWATCH SOURCE_DIR
#
# A directory is refused at start (exit 2, "is a directory"); before, watch
# ran on and logged a read error 20 times a second.  A FIFO with no writer yet
# is "nothing yet": no read error and no bogus "truncated" in watch's log
# (before: EAGAIN reported as an error plus "truncated, reading from the
# start" every round), and a failure written into it later is stored.
. "$(dirname "$0")/lib.sh" "$@"
mkdir d
timeout 10 "$DW" watch --db w.db --follow d >/dev/null 2>err.txt; st=$?
[ $st -eq 2 ] || bad "--follow DIR: exit $st, want 2"
grep -q "is a directory" err.txt || bad "--follow DIR does not say why: $(cat err.txt)"

mkfifo f
"$DW" watch --db f.db --follow f >/dev/null 2>ferr.txt &
pid=$!
sleep 3
exec 3>f   # a writer appears (the reader opened the FIFO non-blocking)
sleep 1
printf '%s\n' 'kernel: DK: MyDriver-0x100000f45: provider entitlements check failed' >&3
exec 3>&-
ok=0
for _ in $(seq 50); do
    n=$(sqlite3 f.db "SELECT count(*) FROM incidents" 2>/dev/null || echo 0)
    [ "${n:-0}" -ge 1 ] && { ok=1; break; }
    sleep 0.2
done
kill -TERM $pid 2>/dev/null
wait $pid 2>/dev/null
[ $ok -eq 1 ] || bad "a failure written into the FIFO was not stored"
errs=$(grep -c "read:" ferr.txt)
[ "$errs" -eq 0 ] || bad "FIFO: $errs read errors logged: $(grep -m1 'read:' ferr.txt)"
trunc=$(grep -c "truncated" ferr.txt)
[ "$trunc" -eq 0 ] || bad "FIFO: $trunc bogus 'truncated' lines"
lines=$(wc -l <ferr.txt)
[ "$lines" -le 12 ] || bad "FIFO: watch logged $lines lines in 4 s: $(head -3 ferr.txt)"
finish
