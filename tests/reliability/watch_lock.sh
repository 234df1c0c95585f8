#!/usr/bin/env bash
# One watcher per database, and no write through a planted link (issue 17,
# item 7).
#
#   watch_lock.sh DEXTWATCH SOURCE_DIR
#
# - A symlink planted as `X.db-watch.pid` is refused (exit 2, "symbolic
#   link"); its target keeps its bytes.  Before: watch truncated the target
#   and wrote its pid list into it.
# - While one watch runs, a second one on the same database file is refused
#   (exit 2, "already watched by pid N") whatever the spelling: a symlink,
#   ./x.db, the absolute path, a hard link in the same directory, and in
#   stdin mode too.  Before: only the identical path was refused, so two
#   watchers split one failure into two incidents.  A database with a second
#   hard link is refused even alone (SQLite keeps a -wal per name).
# - `--group` on a database given through a symlink changes the real
#   database's -wal and -shm, never a planted `link.db-wal` symlink's target.
#   Before: chown/chmod on `link.db-wal` handed the target to the group (0640)
#   and left the real -wal/-shm user-only.
. "$(dirname "$0")/lib.sh" "$@"
FAKE=$SRC/tests/fake-log
export FAKE_LOG_DIR=$T/fl
mkdir fl && : >fl/syslog.ndjson
"$DW" scan --db w.db -q "$SRC/tests/logs/seed.default.log" >/dev/null 2>&1
[ -f w.db ] || bad "setup: no database"

# ---- a planted pidfile symlink ----
printf 'precious\n' >victim
sum=$(cksum <victim)
ln -s victim w.db-watch.pid
timeout 10 "$DW" watch --db w.db --log-command "$FAKE" </dev/null >/dev/null 2>err1; st=$?
[ $st -eq 2 ] || bad "planted pidfile link: exit $st, want 2"
grep -q "w.db-watch.pid: is a symbolic link" err1 || bad "planted pidfile link: no clear message: $(cat err1)"
[ "$(cksum <victim)" = "$sum" ] || bad "the pidfile link's target was written: $(head -c 80 victim)"
[ -L w.db-watch.pid ] || bad "the planted link was replaced"
rm -f w.db-watch.pid

# ---- two watchers on one file, any spelling ----
"$DW" watch --db w.db --log-command "$FAKE" </dev/null >/dev/null 2>errA &
A=$!
for _ in $(seq 100); do [ -s w.db-watch.pid ] && break; sleep 0.05; done
[ -s w.db-watch.pid ] || bad "the first watch did not start: $(cat errA)"
ln -s w.db sym.db
ln w.db hard.db
mkdir sub && ln -s ../w.db sub/up.db
second() { # NAME ARGS...: a second watch must exit 2 naming the first one's pid
    local name=$1
    shift
    timeout 10 "$DW" watch "$@" >/dev/null 2>err2 </dev/null
    local st=$?
    if [ $st -ne 2 ] || ! grep -q "already watched by pid $A" err2; then
        bad "second watch via $name: exit $st, $(head -c 300 err2)"
    fi
}
second "the same path" --db w.db --log-command "$FAKE"
second "a symlink" --db sym.db --log-command "$FAKE"
second "a symlink in another directory" --db sub/up.db --log-command "$FAKE"
second "./" --db ./w.db --log-command "$FAKE"
second "the absolute path" --db "$T/w.db" --log-command "$FAKE"
second "a hard link" --db hard.db --log-command "$FAKE"
second "stdin mode" --db sym.db -
kill -0 $A 2>/dev/null || bad "the first watch died: $(cat errA)"
kill -TERM $A
wait $A; st=$?
[ $st -eq 0 ] || bad "the first watch: exit $st"
ls -A | grep -q '^\.dextwatch-watch-.*\.lock$' && bad "the lock file was left behind"
# alone, a database with two names is refused, and says why
timeout 10 "$DW" watch --db hard.db - </dev/null >/dev/null 2>err3; st=$?
[ $st -eq 2 ] && grep -q "hard links" err3 || bad "a database with 2 links: exit $st, $(cat err3)"
rm hard.db
# the lock is gone with the watcher: the next one starts (stdin mode, ends with stdin)
timeout 10 "$DW" watch --db sym.db - </dev/null >/dev/null 2>err4 || bad "watch after the first stopped: $(cat err4)"

# ---- --group through a symlinked database and a planted -wal link ----
G=$(id -gn)
mkdir r
"$DW" scan --db r/x.db -q "$SRC/tests/logs/seed.default.log" >/dev/null 2>&1
ln -s r/x.db link.db
printf 'secret\n' >victim2
chmod 600 victim2
ln -s victim2 link.db-wal
timeout 10 "$DW" watch --db link.db --group "$G" - <"$SRC/tests/logs/seed.ndjson.log" >/dev/null 2>err5 ||
    bad "watch --group via a symlink: $(cat err5)"
[ "$(stat -c %a victim2)" = 600 ] || bad "--group changed a planted -wal link's target: mode $(stat -c %a victim2)"
[ "$(cat victim2)" = secret ] || bad "the planted -wal link's target was written"
[ "$(stat -c '%a %G' r/x.db)" = "640 $G" ] || bad "the database: $(stat -c '%a %G' r/x.db), want 640 $G"
[ "$(stat -c '%a %G' r/x.db-wal)" = "640 $G" ] || bad "the real -wal: $(stat -c '%a %G' r/x.db-wal), want 640 $G"
[ "$(stat -c '%a %G' r/x.db-shm)" = "660 $G" ] || bad "the real -shm: $(stat -c '%a %G' r/x.db-shm), want 660 $G"
finish
