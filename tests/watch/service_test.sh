#!/usr/bin/env bash
# service_test.sh DEXTWATCH SRCDIR - issue 15 "Service".
#
# - `agent install --print` passes --db, --retain, --forward (repeated) and
#   --log-max through to ProgramArguments, one <string> per argument, and
#   the plist parses back (plistlib) to exactly the values given, with
#   hostile ones: & < > ' " and a newline and a carriage return in the
#   database path, the home directory and a unix:// URL.  A relative --db
#   is made absolute (launchd starts jobs in /); bad values exit 2; a value
#   with another control character is refused (XML 1.0 cannot hold it).
#   The plist always has `--log <the log>`: watch bounds it itself.
# - `watch --log FILE --log-max 4K`, a real watch fed a stream of failures
#   through a FIFO: FILE is rotated to FILE.1 at the bound, neither ever
#   exceeds it, the newest messages are in FILE, SIGHUP's reload message is
#   logged to FILE, and nothing goes to the terminal's stderr.  A symlink in
#   place of FILE is refused (exit 2) and its target untouched.
set -u
DW=$1
SRC=$2
T=$(mktemp -d)
WPID=
trap '[ -n "$WPID" ] && kill $WPID 2>/dev/null; rm -rf "$T"' EXIT
cd "$T" || exit 2
export DEXTWATCH_RULES=$SRC/rules
unset DEXTWATCH_DB
fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# ---- the plist ----
H="$T/home & <co>"
mkdir -p "$H"
DB=$'db &<>\'" \r\nx.db'
U1=$'unix:///tmp/s&<>\nq'
HOME="$H" "$DW" agent install --print --db "$DB" --retain 30d --forward "$U1" \
    --forward tcp://127.0.0.1:514 --log-max 64K >agent.plist 2>err || bad "agent --print: $(cat err)"
HOME="$H" "$DW" agent install --system --print --db /var/db/dw.db --retain 0 >daemon.plist 2>err ||
    bad "agent --system --print: $(cat err)"
xmllint --noout agent.plist daemon.plist || bad "not well-formed XML"
python3 - "$DW" "$H" "$T" "$DB" "$U1" <<'PY' || bad "ProgramArguments"
import os, plistlib, sys
dw, home, cwd, db, u1 = sys.argv[1:]
bin = os.path.realpath(dw)
ok = True
def want(name, got, expect):
    global ok
    if got != expect:
        print("%s:\n got  %r\n want %r" % (name, got, expect), file=sys.stderr)
        ok = False
log = home + "/Library/Logs/dextwatch/watch.log"
a = plistlib.load(open("agent.plist", "rb"))
want("agent", a["ProgramArguments"],
     [bin, "watch", "--db", cwd + "/" + db, "--retain", "30d", "--forward", u1,
      "--forward", "tcp://127.0.0.1:514", "--log", log, "--log-max", "64K"])
want("agent StandardErrorPath", a["StandardErrorPath"], log)
d = plistlib.load(open("daemon.plist", "rb"))
want("daemon", d["ProgramArguments"],
     [bin, "watch", "--db", "/var/db/dw.db", "--group", "admin", "--retain", "0",
      "--log", "/Library/Logs/dextwatch/watch.log"])
sys.exit(0 if ok else 1)
PY
grep -q '&#10;' agent.plist && grep -q '&#13;' agent.plist || bad "newline/CR not written as character references"
usage() {
    "$@" >/dev/null 2>err
    local st=$?
    [ $st -eq 2 ] || bad "$*: exit $st, want 2"
}
usage "$DW" agent install --print --retain 3x
usage "$DW" agent install --print --forward ftp://x:1
usage "$DW" agent install --print --log-max 0
usage "$DW" agent install --print --db $'a\001b'
grep -q "control character" err || bad "a control character: $(cat err)"

# ---- watch --log: rotation at the bound ----
# a stream of failures: the seed incident under 60 names
for i in $(seq 60); do
    sed -e "s/MyDriver/Drv$i/g" -e "s/100000f45/10000$i/g" "$SRC/tests/logs/seed.ndjson.log"
done >in.ndjson
mkfifo fifo
"$DW" watch --db w.db --log w.log --log-max 4K - <fifo >out 2>err &
WPID=$!
exec 3>fifo
cat in.ndjson >&3
for _ in $(seq 100); do grep -q "incident 60 opened" w.log 2>/dev/null && break; sleep 0.1; done
kill -HUP $WPID
for _ in $(seq 50); do grep -q "SIGHUP: reloaded" w.log 2>/dev/null && break; sleep 0.1; done
exec 3>&-
wait $WPID; st=$?
WPID=
[ $st -eq 0 ] || bad "watch --log: exit $st"
[ -f w.log.1 ] || bad "w.log was never rotated (size $(wc -c <w.log))"
for f in w.log w.log.1; do
    n=$(wc -c <"$f" 2>/dev/null || echo 0)
    [ "$n" -le 4096 ] && [ "$n" -gt 0 ] || bad "$f: $n bytes, bound 4096"
done
grep -q "incident 60 opened" w.log w.log.1 || bad "the newest incident is in neither file"
grep -q "SIGHUP: reloaded" w.log || bad "the reload was not logged to w.log"
grep -q "stopped:" w.log || bad "the last message is not in w.log"
[ ! -e w.log.2 ] || bad "more than one old file kept"
[ ! -s err ] || bad "watch wrote to the terminal's stderr: $(head -3 err)"
# a symlink in place of the log is refused
printf 'keep\n' >target
ln -s target l.log
timeout 10 "$DW" watch --db w2.db --log l.log - </dev/null >/dev/null 2>err; st=$?
[ $st -eq 2 ] && grep -q "symbolic link" err || bad "--log symlink: exit $st, $(cat err)"
[ "$(cat target)" = keep ] || bad "the --log symlink's target was written"

if [ $fail -ne 0 ]; then
    echo "service_test: $fail failure(s)" >&2
    exit 1
fi
echo "service_test: ok"
