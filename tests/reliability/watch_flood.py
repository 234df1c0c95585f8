#!/usr/bin/env python3
"""watch_flood.py DEXTWATCH SOURCE_DIR [stdout|stderr] - `watch` while `log`
never pauses (issue 17, item 5), on its stdout (default) or its stderr.

tests/fake-log's `#flood` directive makes the `log stream` child write noise
records without pause, into a pipe it deepened to 1 MiB, so every read of it
is full; `#flood-stderr` does the same with noise lines (escape sequences,
CR, invalid UTF-8) on its stderr while the records still come on stdout.
While it floods:
  - an incident logged during the flood is committed to the database (a
    reader in another process sees all its findings) within 5 s;
  - another writer gets the database's write lock within 2 s;
  - SIGHUP is acted on (rules reloaded) within 2 s;
  - SIGTERM ends watch within 2 s, exit 0, the child gone, both incidents
    stored whole.
Before the fix the pump read until a read came back short, which a full pipe
never does: nothing was committed, the write lock stayed taken and SIGTERM
waited for the flood to end (here: never; the test kills watch after 10 s).
stderr: over 2 MiB of it must have been read (two rounds' worth; watch
reads at most 1 MiB of each pipe a round, DW_SOURCE_ROUND_MAX) and watch's
own log must hold no control byte of it.  Prints the SIGTERM latency."""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from rellib import Seed, bad, failures, finish, sigterm_timed, wait_for

DW, SRC = sys.argv[1], sys.argv[2]
PIPE = sys.argv[3] if len(sys.argv) > 3 else "stdout"
FLAG = "flooding" if PIPE == "stdout" else "flooding-stderr"
FAKE = os.path.join(SRC, "tests", "fake-log")
FINDINGS = Seed.FINDINGS


def alive(pid):
    """Whether pid runs (a dead child of watch is reaped by watch or init)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class Log:
    """The system log of the fake `log`, appended to."""

    def __init__(self, d):
        self.path = os.path.join(d, "syslog.ndjson")
        open(self.path, "w").close()
        self.seed = Seed(SRC)

    def append(self, line):
        with open(self.path, "a") as f:
            f.write(line + "\n")

    def incident(self, n):
        with open(self.path, "a") as f:
            f.write(self.seed.lines(n))


def findings(db, subject):
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=1)
        try:
            r = con.execute("SELECT count(*) FROM findings f JOIN incidents i"
                            " ON f.incident_id = i.id WHERE i.subject = ?", (subject,)).fetchone()
            return r[0]
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0


def second_writer(db):
    """Whether another connection gets the write lock within 2 s."""
    con = sqlite3.connect(db, timeout=2, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        con.close()


def main():
    d = tempfile.mkdtemp(prefix="dw-flood-")
    proc = None
    try:
        db = os.path.join(d, "w.db")
        log = Log(d)
        env = dict(os.environ, FAKE_LOG_DIR=d, DEXTWATCH_RULES=os.path.join(SRC, "rules"))
        env.pop("DEXTWATCH_DB", None)
        errpath = os.path.join(d, "watch.err")
        err = open(errpath, "w")
        proc = subprocess.Popen([DW, "watch", "--db", db, "--log-command", FAKE],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err, env=env)
        if not wait_for(lambda: os.path.exists(os.path.join(d, "stream.pid")), 10):
            bad("the stream child did not start")
            return
        child = int(open(os.path.join(d, "stream.pid")).read())
        log.incident(1)
        if not wait_for(lambda: findings(db, "com.Drv1") == FINDINGS, 10):
            bad("before the flood: incident 1 not stored (%d findings)"
                % findings(db, "com.Drv1"))
        log.append("#flood" if PIPE == "stdout" else "#flood-stderr")
        if not wait_for(lambda: os.path.exists(os.path.join(d, FLAG)), 10):
            bad("the fake log did not start flooding")
            return
        time.sleep(0.5)  # the pipe is full, watch is reading it
        log.incident(2)
        if not wait_for(lambda: findings(db, "com.Drv2") == FINDINGS, 5):
            bad("during the flood: incident 2 not committed within 5 s (%d findings)"
                % findings(db, "com.Drv2"))
        if not second_writer(db):
            bad("during the flood: another writer waited over 2 s for the write lock")
        text = lambda: open(errpath, errors="replace").read()
        proc.send_signal(signal.SIGHUP)
        if not wait_for(lambda: "SIGHUP: reloaded" in text(), 2):
            bad("during the flood: SIGHUP not acted on within 2 s")
        if not os.path.exists(os.path.join(d, FLAG)) or not alive(child):
            bad("the flood ended early: the test proves nothing")
        rc, took = sigterm_timed(proc, 10)
        if rc is None:
            print("SIGTERM latency under the flood: still running after %.1f s" % took)
            bad("SIGTERM: watch still running after 10 s")
            return
        print("SIGTERM latency under the flood: %.3f s" % took)
        if took > 2.0:
            bad("SIGTERM: watch took %.2f s to exit (want < 2 s)" % took)
        if rc != 0:
            bad("SIGTERM: exit status %d, want 0" % rc)
        if not wait_for(lambda: not alive(child), 2):
            bad("the `log stream` child outlived watch")
        con = sqlite3.connect(db)
        row = con.execute("SELECT value FROM state WHERE key = 'watch.counters'").fetchone()
        con.close()
        lines = int(dict(kv.split("=") for kv in row[0].split())["lines"]) if row else 0
        print("read during the run: %d lines" % lines)
        # a flood record is ~640 bytes: over 2 MiB, more than two rounds' worth
        # (about 40,000 lines here, 10,000 under ASan)
        if PIPE == "stdout" and lines < 3500:
            bad("only %d lines read: the flood did not flood" % lines)
        if PIPE == "stderr":
            # what the child wrote, less the 1 MiB pipe and a block in hand
            try:
                wrote = int(open(os.path.join(d, "stderr-bytes")).read())
            except (FileNotFoundError, ValueError):
                wrote = 0
            print("stderr written by `log` (and so read by watch, less 2 MiB): %d MiB"
                  % (wrote >> 20))
            if wrote < 4 << 20:
                bad("only %d bytes on stderr: the flood did not flood" % wrote)
            raw = open(errpath, "rb").read()
            ctl = [c for c in raw if (c < 0x20 and c != 0x0a) or c == 0x7f or c >= 0xf5]
            if ctl:
                bad("%d control or invalid byte(s) in watch's log" % len(ctl))
        for n in (1, 2):
            got = findings(db, "com.Drv%d" % n)
            if got != FINDINGS:
                bad("after exit: incident %d has %d findings, want %d" % (n, got, FINDINGS))
    finally:
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait()
        if failures:
            print(open(os.path.join(d, "watch.err"), errors="replace").read()[-3000:],
                  file=sys.stderr)
        shutil.rmtree(d, ignore_errors=True)


main()
finish("watch_flood" if PIPE == "stdout" else "watch_flood_stderr")
