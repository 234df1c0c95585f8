#!/usr/bin/env bash
# Where output goes (issue 17, items 2, 9 and 10).
#
#   cli_outputs.sh DEXTWATCH SOURCE_DIR
#
# 2. --output (and --write-baseline) naming the database, its -wal/-shm or
#    an input, by any spelling (./x, a symlink, a hard link), is refused with
#    exit 2 before anything is written: the database keeps its incidents, the
#    input its bytes.  (Before: `--output o.db` lost every incident and
#    `--output in.log in.log` destroyed the input and exited 0.)
#    An output inside a directory being scanned (`--output d/out.json d/`,
#    by any spelling of either, a subdirectory, --write-baseline too) is
#    refused the same way, before anything is written (before: exit 1, and
#    the report was read back as input on the next run); a hidden name is
#    fine (the walk skips it).  A link inside the directory to an output is
#    refused when the walk meets it, never read.
# 9. Every command whose stdout cannot be written (/dev/full) exits 2 and
#    says so; a reader that goes away (`recent | head`, SIGPIPE ignored or
#    not) is not an error.
# 10. Numbers that overflow are refused (exit 2), not clamped.
. "$(dirname "$0")/lib.sh" "$@"
cp "$SRC/tests/logs/seed.default.log" in.log
"$DW" scan --db o.db -q in.log >/dev/null 2>&1
incidents() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from incidents").fetchone()[0])' "$1"; }
[ "$(incidents o.db)" = 1 ] || bad "setup: the seed incident is not stored"
sum=$(cksum <in.log)

# refused CMD...: exit 2, "refusing to write over" on stderr
refused() {
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ $rc -ne 2 ] || ! grep -q "refusing to write over" "$T/err"; then
        bad "$*: exit $rc, $(head -c 300 "$T/err")"
    fi
}
ln in.log hard.log
ln -s in.log sym.log
ln -s o.db sym.db
refused "$DW" scan --db o.db --format json --output o.db in.log
refused "$DW" scan --db o.db --format json --output ./o.db in.log
refused "$DW" scan --db o.db --format json --output sym.db in.log
refused "$DW" scan --db o.db --write-baseline o.db in.log
refused "$DW" scan --no-store --format json --output in.log in.log
refused "$DW" scan --no-store --format junit --output hard.log in.log
refused "$DW" scan --no-store --format markdown --output sym.log ./in.log
refused "$DW" scan --no-store --format json --output other.json --format text --output in.log in.log
refused "$DW" scan --no-store --write-baseline in.log in.log
refused "$DW" recent --db o.db --format json --output o.db
[ "$(incidents o.db)" = 1 ] || bad "the database lost its incident"
[ "$(cksum <in.log)" = "$sum" ] || bad "the input was changed"
[ ! -e other.json ] || bad "an output was written although the run was refused"
# the -wal and -shm files exist while a scan holds the database open: a
# scan that keeps the database open (slow stdin) and an --output onto them
python3 - "$DW" <<'PY' || bad "--output onto the open database's -wal/-shm"
import subprocess, sys, time, os
dw = sys.argv[1]
hold = subprocess.Popen([dw, "scan", "--db", "o.db", "-q", "-"], stdin=subprocess.PIPE,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(100):
    if os.path.exists("o.db-wal") and os.path.exists("o.db-shm"):
        break
    time.sleep(0.05)
ok = True
for f in ("o.db-wal", "o.db-shm"):
    r = subprocess.run([dw, "scan", "--db", "o.db", "--format", "json", "--output", f,
                        "in.log"], capture_output=True, text=True)
    if r.returncode != 2 or "a file of the database" not in r.stderr:
        print("--output %s: exit %d %s" % (f, r.returncode, r.stderr), file=sys.stderr)
        ok = False
hold.stdin.close()
hold.wait()
sys.exit(0 if ok else 1)
PY
[ "$(incidents o.db)" = 1 ] || bad "the database lost its incident (-wal/-shm)"
# a different file is fine
"$DW" scan --db o.db --format json --output out.json in.log >/dev/null 2>&1
[ $? -eq 1 ] && [ -s out.json ] || bad "--output to a new file no longer works"

# 2: an output inside a scanned directory
mkdir -p d/sub
cp in.log d/a.log
ln -s d dl
inside() {
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ $rc -ne 2 ] || ! grep -q "refusing to write inside" "$T/err"; then
        bad "$*: exit $rc, $(head -c 300 "$T/err")"
    fi
}
inside "$DW" scan --no-store --format json --output d/out.json d/
inside "$DW" scan --no-store --format json --output d/out.json d
inside "$DW" scan --no-store --format junit --output d/sub/out.xml ./d
inside "$DW" scan --no-store --format json --output "$T/d/out.json" d
inside "$DW" scan --no-store --format json --output dl/out.json d
inside "$DW" scan --no-store --format json --output d/out.json dl
inside "$DW" scan --no-store --format json --output d/out.json in.log d
inside "$DW" scan --no-store --write-baseline d/base.json d
inside "$DW" scan --db o.db --format markdown --output d/sub/x.md d
[ "$(ls -A d | tr '\n' ' ')" = "a.log sub " ] && [ -z "$(ls -A d/sub)" ] ||
    bad "a refused run wrote into the scanned directory: $(ls -AR d | tr '\n' ' ')"
# a hidden name is never read by the walk: allowed, and a rerun reads one input
for _ in 1 2; do
    "$DW" scan --no-store --format json --output d/.out.json d >/dev/null 2>"$T/err"
    rc=$?
    [ $rc -eq 1 ] && [ -s d/.out.json ] || bad "--output d/.out.json d: exit $rc, $(head -c 300 "$T/err")"
done
# a link in the directory to the output: refused when met, not read
ln -s ../linked.json d/link.json
"$DW" scan --no-store --format json --output linked.json d >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -q "d/link.json: is the output linked.json" "$T/err" ||
    bad "a link to the output inside the scanned directory: exit $rc, $(head -c 300 "$T/err")"
rm d/link.json
# the database a scan writes inside the directory it scans (and its -wal/-shm)
# is passed over and said, never read as a log: each run reads one input
# (before: the database's pages were read as log text)
mkdir dbdir && cp in.log dbdir/a.log
lines=$(wc -l <in.log)
for run in 1 2; do
    "$DW" scan --db dbdir/x.db --format json --output "$T/db$run.json" dbdir >/dev/null 2>"$T/err"
    rc=$?
    [ $rc -eq 1 ] || bad "scan --db dbdir/x.db dbdir (run $run): exit $rc, $(head -c 300 "$T/err")"
    grep -q "dbdir: [0-9] file(s) skipped, the database this scan writes" "$T/err" &&
        grep -q "1 incident .*· 1 input, $lines lines, .* 0 skipped as unparseable" "$T/err" ||
        bad "scan --db dbdir/x.db dbdir (run $run) read the database: $(head -c 400 "$T/err")"
done

# 9: stdout on a full device
full() {
    "$@" >/dev/full 2>"$T/err"
    local rc=$?
    if [ $rc -ne 2 ] || ! grep -q "stdout: write error" "$T/err"; then
        bad "$* >/dev/full: exit $rc, $(head -c 300 "$T/err")"
    fi
}
full "$DW" show --db o.db 1
full "$DW" show --db o.db --format json 1
full "$DW" recent --db o.db
full "$DW" recent --db o.db --format json
full "$DW" stats --db o.db
full "$DW" rules list
full "$DW" rules export --format rg
full "$DW" rules try in.log
full "$DW" explain -67050
full "$DW" predicate
full "$DW" prune --db o.db --older-than 1000d
full "$DW" agent install --print
full "$DW" --help
full "$DW" --version
full "$DW" scan --no-store --format json in.log
# the reader went away: not an error, SIGPIPE default or ignored
for _ in $(seq 30); do cat in.log; done >big.log
"$DW" scan --db big.db -q big.log >/dev/null 2>&1
rc=$( (trap '' PIPE; "$DW" rules list | head -n1 >/dev/null; echo "${PIPESTATUS[0]}") )
[ "$rc" = 0 ] || bad "rules list | head with SIGPIPE ignored: exit $rc"
rc=$( (trap '' PIPE; "$DW" recent --db big.db --limit 0 | head -n1 >/dev/null; echo "${PIPESTATUS[0]}") )
[ "$rc" = 0 ] || bad "recent | head with SIGPIPE ignored: exit $rc"
"$DW" recent --db big.db | head -n1 >/dev/null || bad "recent | head"

# 10: numbers that overflow
num() {
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    [ $rc -eq 2 ] || bad "$*: exit $rc (a number out of range must be refused)"
}
num "$DW" show --db o.db 99999999999999999999
num "$DW" show --db o.db 9223372036854775808
num "$DW" show --db o.db -- -1
num "$DW" recent --db o.db --limit 99999999999999999999
num "$DW" recent --db o.db --limit 9223372036854775808
num "$DW" recent --db o.db --limit -1
num "$DW" recent --db o.db --limit ' 5'
num "$DW" watch --db w.db --outbox-limit 99999999999999999999 -
"$DW" show --db o.db 9223372036854775807 >/dev/null 2>"$T/err"
grep -q "no incident #9223372036854775807" "$T/err" || bad "show INT64_MAX: $(cat "$T/err")"
"$DW" recent --db o.db --limit 9223372036854775807 >/dev/null 2>&1 || bad "recent --limit INT64_MAX"

finish
