"""rellib.py - what the Python reliability tests share (as lib.sh does for
the shell ones): the seed incident under new names, waiting, and failures
collected and reported at the end.  Import it from a script in this folder."""
import datetime
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

TZ = datetime.timezone(datetime.timedelta(hours=-8))
failures = []


def bad(msg):
    """Records a failure; the script goes on and reports all at finish()."""
    failures.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


def finish(name):
    if failures:
        print("%s: %d failure(s)" % (name, len(failures)), file=sys.stderr)
        sys.exit(1)
    print("%s: ok" % name)


def wait_for(cond, timeout):
    """Polls cond until it holds or timeout seconds passed; its last value."""
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


class Seed:
    """The seed incident of tests/logs/seed.ndjson.log (five findings), as
    ndjson records under new dext names `Drv<n>`, on a clock of its own."""

    FINDINGS = 5

    def __init__(self, src):
        path = os.path.join(src, "tests", "logs", "seed.ndjson.log")
        self.records = [d for d in (json.loads(l) for l in open(path) if l.startswith("{"))
                        if "eventMessage" in d]
        self.clock = datetime.datetime.now(TZ) - datetime.timedelta(seconds=5)

    def lines(self, n):
        """Incident n's lines, 1 ms apart; the next incident comes 40 s later
        in log time, so each stands alone."""
        out = []
        for d in self.records:
            d = dict(d)
            self.clock += datetime.timedelta(milliseconds=1)
            d["timestamp"] = self.clock.strftime("%Y-%m-%d %H:%M:%S.%f%z")
            out.append(json.dumps(d).replace("MyDriver", "Drv%d" % n) + "\n")
        self.clock += datetime.timedelta(seconds=40)
        return "".join(out)


def sigterm_timed(proc, patience):
    """Sends SIGTERM to proc and waits up to patience seconds: (exit status
    or None if it still runs, seconds taken)."""
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(patience)
    except subprocess.TimeoutExpired:
        rc = None
    return rc, time.monotonic() - t0


def query(db, sql, args=()):
    """Rows of sql on the SQLite file db (a connection of its own)."""
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def clean_up(procs, d, log):
    """Kills what still runs of procs; after a failure prints the end of the
    log file; removes the directory d."""
    for p in procs:
        if p and p.poll() is None:
            p.kill()
            p.wait()
    if failures and os.path.exists(log):
        print(open(log, errors="replace").read()[-3000:], file=sys.stderr)
    shutil.rmtree(d, ignore_errors=True)


class Forwarding:
    """A test receiver (tests/reliability/chatty_receiver.c: RECEIVER DIR
    MODE) on 127.0.0.1 and `watch --follow FILE --forward` to it, all in the
    new directory d: db, follow (empty), log (watch's stderr), env (the
    source's rules).  url is None when the receiver did not start."""

    def __init__(self, dw, src, receiver, mode, prefix):
        self.dw, self.d = dw, tempfile.mkdtemp(prefix=prefix)
        self.recv = self.proc = None
        self.db = os.path.join(self.d, "w.db")
        self.follow = os.path.join(self.d, "in.ndjson")
        self.log = os.path.join(self.d, "watch.err")
        open(self.follow, "w").close()
        self.env = dict(os.environ, DEXTWATCH_RULES=os.path.join(src, "rules"))
        self.recv = subprocess.Popen([receiver, self.d, mode], stdin=subprocess.DEVNULL)
        port = os.path.join(self.d, "port")
        self.url = ("tcp://127.0.0.1:%d" % int(open(port).read())
                    if wait_for(lambda: os.path.exists(port), 10) else None)

    def text(self):
        return open(self.log, "rb").read().decode("utf-8", "replace")

    def start_watch(self):
        """Starts watch (its log appended to); whether it began reading."""
        before = self.text().count("reading ") if os.path.exists(self.log) else 0
        with open(self.log, "ab") as err:
            self.proc = subprocess.Popen([self.dw, "watch", "--db", self.db, "--follow",
                                          self.follow, "--forward", self.url],
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=err, env=self.env)
        return wait_for(lambda: self.text().count("reading ") > before, 10)

    def clean_up(self):
        clean_up((self.proc, self.recv), self.d, self.log)
