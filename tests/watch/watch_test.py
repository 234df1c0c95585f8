#!/usr/bin/env python3
"""watch_test.py DEXTWATCH SRCDIR CASE - end-to-end tests of `dextwatch watch`
on Linux with tests/fake-log: real processes, signals and SQLite files.

Each CASE runs in its own temporary directory; CTest runs one test per case.
The "system log" is $FAKE_LOG_DIR/syslog.ndjson: the test appends records to it
and the fake `log stream` child writes them to dextwatch as `log` would."""
import datetime
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

DW, SRC, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
FAKE = os.path.join(SRC, "tests", "fake-log")
TZ = datetime.timezone(datetime.timedelta(hours=-8))
SEED = [d for d in (json.loads(l) for l in open(os.path.join(SRC, "tests", "logs",
                                                          "seed.ndjson.log"))
                    if l.startswith("{")) if "eventMessage" in d]
# the five lines of the seed incident (entitlement check, exit, amfid) and the noise around
SEED_FINDINGS = 5


class Env:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="dw-watch-")
        self.db = os.path.join(self.dir, "dw.db")
        self.syslog = os.path.join(self.dir, "syslog.ndjson")
        open(self.syslog, "w").close()
        self.clock = datetime.datetime.now(TZ) - datetime.timedelta(seconds=5)
        self.proc = None
        self.errpath = os.path.join(self.dir, "watch.err")

    def env(self, **extra):
        e = dict(os.environ)
        e.update(FAKE_LOG_DIR=self.dir, DEXTWATCH_RULES=os.path.join(SRC, "rules"))
        e.update(extra)
        return e

    def start(self, *args, **extra):
        try:  # so that waiting for it below waits for this watcher's child
            os.remove(os.path.join(self.dir, "stream.pid"))
        except FileNotFoundError:
            pass
        self.err = open(self.errpath, "a")
        self.proc = subprocess.Popen([DW, "watch", "--db", self.db, "--log-command", FAKE] +
                                     list(args), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.err,
                                     env=self.env(**extra))
        wait_for(lambda: os.path.exists(os.path.join(self.dir, "stream.pid")) or
                 self.proc.poll() is not None, 5, "the stream child to start")

    def stop(self, sig=signal.SIGTERM, timeout=10):
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout)
        self.err.close()
        return rc

    def stderr(self):
        return open(self.errpath, errors="replace").read()

    def incident(self, n, keep=True):
        """Appends the seed incident with its own dext name `Drv<n>`."""
        for d in self.stamped(SEED):
            self.append(json.dumps(d).replace("MyDriver", "Drv%d" % n))
        # the next incident is far enough in log time to stand alone
        self.clock += datetime.timedelta(seconds=40)

    def stamped(self, records):
        """Copies of records with timestamps 1 ms apart, from the clock on."""
        out = []
        for d in records:
            d = dict(d)
            self.clock += datetime.timedelta(milliseconds=1)
            d["timestamp"] = self.clock.strftime("%Y-%m-%d %H:%M:%S.%f%z")
            out.append(d)
        return out

    def append(self, line):
        with open(self.syslog, "a") as f:
            f.write(line + "\n")

    def rows(self):
        if not os.path.exists(self.db):
            return []
        con = sqlite3.connect(self.db, timeout=5)
        try:
            return con.execute("SELECT subject, finding_count, (SELECT count(*) FROM findings f"
                               " WHERE f.incident_id = i.id) FROM incidents i"
                               " ORDER BY subject").fetchall()
        except sqlite3.OperationalError:
            return []
        finally:
            con.close()

    def subjects(self):
        return {r[0]: r[1] for r in self.rows()}

    def invocations(self):
        p = os.path.join(self.dir, "invocations")
        return [json.loads(l) for l in open(p)] if os.path.exists(p) else []

    def state(self, key):
        con = sqlite3.connect(self.db, timeout=5)
        r = con.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        con.close()
        return r[0] if r else None

    def pid(self, what):
        for _ in range(200):  # the fake may be writing it right now
            try:
                return int(open(os.path.join(self.dir, what + ".pid")).read())
            except ValueError:
                time.sleep(0.005)
        raise AssertionError("no pid in %s.pid" % what)

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_for(cond, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        time.sleep(0.005)
    raise AssertionError("timed out waiting for " + what)


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def expect_all(e, names):
    want = {"com.Drv%d" % n: SEED_FINDINGS for n in names}
    wait_for(lambda: all(e.subjects().get(k) == v for k, v in want.items()), 10,
             "incidents %s (have %s)" % (sorted(want), e.rows()))
    rows = e.rows()
    assert len(rows) == len(want), "unexpected incidents: %s" % rows
    for subject, count, stored in rows:
        assert count == SEED_FINDINGS and stored == SEED_FINDINGS, rows


def case_latency(e):
    """An incident row appears well within 1 s of the child writing its last line."""
    e.start()
    lat = []
    for n in range(20):
        e.incident(n)
        last = "Drv%d" % n

        def stored():
            return e.subjects().get("com." + last) == SEED_FINDINGS
        wait_for(stored, 5, "incident %d" % n)
        seen = time.time()
        written = [l.split(" ", 1) for l in open(os.path.join(e.dir, "written"))]
        t_last = max(float(t) for t, msg in written if last in msg)
        lat.append(seen - t_last)
    med = statistics.median(lat)
    print("latency from the child's last line to the stored incident: median %.1f ms, "
          "max %.1f ms over %d incidents" % (med * 1000, max(lat) * 1000, len(lat)))
    assert max(lat) < 1.0, lat
    assert e.stop() == 0
    expect_all(e, range(20))


def case_child_killed(e):
    """Killing the child: restart with backoff, nothing it printed lost, nothing doubled."""
    e.start()
    e.incident(1)
    expect_all(e, [1])
    first = e.pid("stream")
    os.kill(first, signal.SIGKILL)
    e.incident(2)  # logged while no stream runs: the catch-up must bring it
    wait_for(lambda: e.pid("stream") != first, 5, "the restarted stream")
    e.incident(3)
    expect_all(e, [1, 2, 3])
    inv = [a[0] for a in e.invocations()]
    # the restart: a stream (held) and a catch-up show, spawned together
    assert inv[0] == "stream" and sorted(inv[1:]) == ["show", "stream"], inv
    # a partial line and an exit status: both restart, the half line is malformed
    second = e.pid("stream")
    e.append("#partial")
    e.incident(4)
    wait_for(lambda: e.stderr().count("caught up") == 2, 8, "the second restart")
    wait_for(lambda: e.pid("stream") != second, 8, "the third stream")
    e.append("#exit 3")
    wait_for(lambda: "exited with status 3" in e.stderr(), 10, "exit status 3 logged")
    e.incident(5)
    expect_all(e, [1, 2, 3, 4, 5])
    err = e.stderr()
    assert "killed by signal 9; restarting in 1.0 s" in err, err
    assert "restarting in 2.0 s" in err, err
    assert e.stop() == 0
    assert "restarts=3" in e.state("watch.counters"), e.state("watch.counters")


def case_resume(e):
    """A restarted watch catches up from the stored position: no gap, no duplicate."""
    e.start()
    e.incident(1)
    expect_all(e, [1])
    assert e.stop() == 0
    pos = e.state("watch.position")
    count, text = pos.split(" ", 1)
    e.incident(2)  # while watch is down
    e.start()
    e.incident(3)
    expect_all(e, [1, 2, 3])
    inv = e.invocations()
    assert inv[0][0] == "stream" and sorted(a[0] for a in inv[1:]) == ["show", "stream"], \
        [a[0] for a in inv]
    show = [a for a in inv if a[0] == "show"][0]
    t = datetime.datetime.strptime(text.split(".")[0] + text[-5:], "%Y-%m-%d %H:%M:%S%z")
    want = (t - datetime.timedelta(seconds=2)).strftime("%Y-%m-%d %H:%M:%S%z")
    start = show[show.index("--start") + 1]
    assert start == want, (start, want)
    # the show output is processed before the held stream output
    wait_for(lambda: "caught up: " in e.stderr(), 5, "the end of the catch-up")
    assert e.stop() == 0
    c = e.state("watch.counters")
    assert "duplicates=" in c and "duplicates=0" not in c, c
    # a third run with nothing new adds nothing
    e.start()
    time.sleep(0.3)
    assert e.stop() == 0
    expect_all(e, [1, 2, 3])


def case_predicate_changed(e):
    """A changed predicate drops the saved position (and says so)."""
    e.start()
    e.incident(1)
    expect_all(e, [1])
    assert e.stop() == 0
    con = sqlite3.connect(e.db)
    con.execute("UPDATE state SET value = '0000000000000000' WHERE key = 'watch.predicate'")
    con.commit()
    con.close()
    e.start()
    time.sleep(0.3)
    assert e.stop() == 0
    assert "the predicate changed since the saved position" in e.stderr()
    assert [a[0] for a in e.invocations()] == ["stream", "stream"], [a[0] for a in e.invocations()]


def case_sigterm_mid_incident(e):
    """SIGTERM in the middle of an incident stores it; exit 0."""
    e.start()
    full = list(SEED)
    for d in full[:5]:  # noise, the provider check and the exit: the amfid lines never come
        d = dict(d)
        e.clock += datetime.timedelta(milliseconds=1)
        d["timestamp"] = e.clock.strftime("%Y-%m-%d %H:%M:%S.%f%z")
        e.append(json.dumps(d))
    wait_for(lambda: e.subjects(), 5, "the open incident")
    assert e.stop() == 0
    rows = e.rows()
    assert len(rows) == 1 and rows[0][1] == 2 and rows[0][2] == 2, rows
    assert "stopped:" in e.stderr()


def case_restart_joins(e):
    """A restart in the middle of a failure: the incident stored before it stays open, so
    the lines after the restart join it instead of starting a second one; the lines read
    again (the catch-up overlap) are not counted twice."""
    e.start()
    stamped = e.stamped(SEED)
    half = [i for i, d in enumerate(stamped) if d["eventMessage"].startswith("Kernel requested")][0]
    for d in stamped[:half + 1]:  # through the kernel's lines: amfid has not spoken yet
        e.append(json.dumps(d))
    wait_for(lambda: e.rows() == [("com.MyDriver", 3, 3)], 10, "the kernel's part (%s)" % e.rows())
    assert e.stop() == 0
    for d in stamped[half + 1:]:  # amfid's lines come while watch is down, or after
        e.append(json.dumps(d))
    # meanwhile a scan stores the same dext's failure from a log an hour ahead (another
    # Mac's clock): not this stream's, so it is not reopened and nothing joins it
    ahead = os.path.join(e.dir, "ahead.ndjson")
    with open(ahead, "w") as f:
        for d in stamped[:half + 1]:
            d = dict(d)
            t = datetime.datetime.strptime(d["timestamp"], "%Y-%m-%d %H:%M:%S.%f%z")
            d["timestamp"] = (t + datetime.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.%f%z")
            f.write(json.dumps(d) + "\n")
    scan = subprocess.run([DW, "scan", "--db", e.db, ahead], env=e.env(),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    assert scan.returncode == 1, scan
    e.start()
    one = [("com.MyDriver", 3, 3), ("com.MyDriver", SEED_FINDINGS, SEED_FINDINGS)]
    wait_for(lambda: sorted(e.rows()) == one, 10,
             "one incident of %d findings (have %s)" % (SEED_FINDINGS, e.rows()))
    assert "1 incident(s) ending less than 30 s before" in e.stderr(), e.stderr()
    # a later failure of the same dext, beyond the window, is an incident of its own
    e.clock += datetime.timedelta(seconds=40)
    e.incident(1)
    want = sorted(one + [("com.Drv1", SEED_FINDINGS, SEED_FINDINGS)])
    wait_for(lambda: sorted(e.rows()) == want, 10, "the last incident (%s)" % e.rows())
    assert e.stop() == 0
    assert sorted(e.rows()) == want, e.rows()
    ids = [r[0] for r in sqlite3.connect(e.db).execute("SELECT id FROM incidents ORDER BY id")]
    assert ids == [1, 2, 3], ids


def case_sighup_broken_rules(e):
    """SIGHUP with a broken rule file keeps the old rules and says why."""
    rules = os.path.join(e.dir, "rules")
    shutil.copytree(os.path.join(SRC, "rules"), rules)
    e.start("--rules", rules)
    pack = sorted(p for p in os.listdir(rules) if p.endswith(".yaml"))[0]
    with open(os.path.join(rules, pack), "a") as f:
        f.write("  - id: broken\n    match: '(unclosed'\n")
    e.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "keeping the rules in use" in e.stderr(), 5, "the reload failure")
    err = e.stderr()
    assert pack + ":" in err, err  # file:line:col of the problem
    e.incident(1)
    expect_all(e, [1])
    os.remove(os.path.join(rules, pack))
    shutil.copy(os.path.join(SRC, "rules", pack), os.path.join(rules, pack))
    e.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "SIGHUP: reloaded" in e.stderr(), 5, "the good reload")
    assert e.stop() == 0


def case_not_admin(e):
    """`log` exit 77 (Must be admin): a clear message, exit 2."""
    e.start(FAKE_LOG_NOT_ADMIN="1")
    rc = e.proc.wait(10)
    e.err.close()
    err = e.stderr()
    assert rc == 2, rc
    assert "Must be admin" in err and "admin user" in err and "agent install --system" in err, err


def case_sigkill_watch(e):
    """After `kill -9` of watch the child ends (parent-death signal / SIGPIPE); a child
    that survives anyway is ended by the next watch, verified by its command line."""
    e.start()
    child = e.pid("stream")
    e.proc.kill()
    e.proc.wait()
    e.err.close()
    t0 = time.time()
    wait_for(lambda: not alive(child), 3, "the orphaned child to end")
    print("child ended %.0f ms after SIGKILL of watch" % ((time.time() - t0) * 1000))
    # an obstinate child (ignores SIGTERM, never writes) is left over ...
    e.start(FAKE_LOG_IGNORE_TERM="1")
    obstinate = e.pid("stream")
    e.proc.kill()
    e.proc.wait()
    e.err.close()
    time.sleep(0.2)
    assert alive(obstinate), "the obstinate child should have survived SIGTERM"
    # ... and the next watch ends it
    e.start()
    wait_for(lambda: not alive(obstinate), 3, "the leftover child to be ended")
    assert "left by an earlier watcher" in e.stderr(), e.stderr()
    assert e.stop() == 0
    # a second watcher on the same DB is refused
    e.start()
    other = subprocess.run([DW, "watch", "--db", e.db, "--log-command", FAKE], env=e.env(),
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10)
    assert other.returncode == 2 and "another `dextwatch watch`" in other.stderr, other
    assert e.stop() == 0


def case_sigkill_waiting(e):
    """A keyless finding still waiting for a keyed neighbour is in no stored incident: the
    saved position stays at its line, so after `kill -9` the next start reads it again."""
    e.start()
    stamped = e.stamped(SEED)
    waiting = [i for i, d in enumerate(stamped)
               if d["eventMessage"].startswith("Basic requirement validation failed")][0]
    keyed = waiting + 1  # amfid's line with the dext's path: the neighbour it waits for
    assert "/com.MyDriver.dext/" in stamped[keyed]["eventMessage"]
    for d in stamped[:keyed] + stamped[keyed + 1:]:
        e.append(json.dumps(d))
    # another dext's kernel lines after the waiting one: stored before the kill, read again
    # after it, and not counted twice
    other = e.stamped(d for d in stamped[:waiting] if d["processImagePath"].endswith("kernel"))
    for d in other:
        e.append(json.dumps(d).replace("MyDriver", "Drv2").replace("100000f45", "100000f99"))
    # every line read, and the state saved after the last one
    n = len(stamped) - 1 + len(other)
    wait_for(lambda: "events=%d " % n in (e.state("watch.counters") or ""), 10,
             "the state after %d events" % n)
    pos = e.state("watch.position")
    assert pos == "0 " + stamped[waiting]["timestamp"], (pos, stamped[waiting]["timestamp"])
    e.proc.kill()
    e.proc.wait()
    e.err.close()
    # the neighbour comes while watch is down, after everything read so far
    e.clock += datetime.timedelta(milliseconds=1)
    stamped[keyed]["timestamp"] = e.clock.strftime("%Y-%m-%d %H:%M:%S.%f%z")
    e.append(json.dumps(stamped[keyed]))
    e.start()
    con_rules = lambda: sorted(r[0] for r in sqlite3.connect(e.db, timeout=5).execute(
        "SELECT rule FROM findings"))
    wait_for(lambda: len(con_rules()) == SEED_FINDINGS + 3, 10,
             "%d findings (have %s)" % (SEED_FINDINGS + 3, con_rules()))
    rc = e.stop()
    assert rc == 0, (rc, e.stderr())
    # the other dext's three findings were read again after the kill, and dropped
    assert "finding(s) this run, 3 read again and already stored" in e.stderr(), e.stderr()
    rules = con_rules()
    assert rules.count("amfi.basic-requirement") == 1, rules
    # the incident open before the kill was reopened: one incident, every finding once
    assert e.rows() == [("com.Drv2", 3, 3), ("com.MyDriver", SEED_FINDINGS, SEED_FINDINGS)], \
        e.rows()
    c = sqlite3.connect(e.db).execute("PRAGMA integrity_check").fetchone()[0]
    assert c == "ok", c


def case_follow(e):
    """--follow survives mv + recreate and truncation."""
    path = os.path.join(e.dir, "follow.ndjson")
    proc_err = open(e.errpath, "a")
    e.err = proc_err
    e.proc = subprocess.Popen([DW, "watch", "--db", e.db, "--follow", path],
                              stdin=subprocess.DEVNULL, stderr=proc_err, env=e.env())
    def write(n, mode="a"):
        with open(path, mode) as f:
            for d in SEED:
                d = dict(d)
                e.clock += datetime.timedelta(milliseconds=1)
                d["timestamp"] = e.clock.strftime("%Y-%m-%d %H:%M:%S.%f%z")
                f.write(json.dumps(d).replace("MyDriver", "Drv%d" % n) + "\n")
        e.clock += datetime.timedelta(seconds=40)
    time.sleep(0.2)  # the file does not exist yet: waited for
    write(1)
    expect_all(e, [1])
    os.rename(path, path + ".1")
    write(2)  # a new file under the old name
    expect_all(e, [1, 2])
    write(3, "w")  # truncated and rewritten (shorter or not: the identity stays)
    with open(path, "w") as f:
        pass
    time.sleep(0.2)
    write(4)
    expect_all(e, [1, 2, 4] if "Drv3" not in open(e.errpath).read() else [1, 2, 3, 4])
    assert e.stop() == 0
    err = e.stderr()
    assert "replaced (rotated)" in err and "truncated" in err, err


def case_stdin(e):
    """`watch -` reads stdin to its end, stores, exits 0."""
    seed = os.path.join(SRC, "tests", "logs", "seed.ndjson.log")
    with open(seed) as f:
        r = subprocess.run([DW, "watch", "--db", e.db, "-"], stdin=f, capture_output=True,
                           text=True, env=e.env(), timeout=20)
    assert r.returncode == 0, r.stderr
    assert e.subjects() == {"com.MyDriver": SEED_FINDINGS}, e.rows()
    st = subprocess.run([DW, "stats", "--db", e.db], capture_output=True, text=True,
                        env=e.env(), timeout=20)
    assert st.returncode == 0 and "com.MyDriver" in st.stdout, st
    assert "entitlement.provider-check" in st.stdout, st.stdout


CASES = {k[5:]: v for k, v in globals().items() if k.startswith("case_")}

if __name__ == "__main__":
    e = Env()
    try:
        CASES[CASE](e)
        print("ok", CASE)
    except Exception:
        print("---- watch stderr ----\n" + (e.stderr() if os.path.exists(e.errpath) else ""))
        raise
    finally:
        e.cleanup()
