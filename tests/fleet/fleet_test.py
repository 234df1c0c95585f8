#!/usr/bin/env python3
"""fleet_test.py DEXTWATCH SRCDIR CASE - forwarding to real syslog receivers
and the osquery ATC query (issue 8, docs/fleet.md).

The receiver is a real rsyslogd started by the test (never the system
service): `rsyslogd -n -f <conf> -i <pidfile>` with packaging/rsyslog/
dextwatch.conf, its ports, socket, output file and work directory rewritten to
a temporary directory and free ports on 127.0.0.1.  `dextwatch watch --follow
FILE --forward URL` reads incidents the test appends (the seed incident of
tests/logs/seed.ndjson.log under new names) and forwards them.

Cases: tcp (arrival, whole and parseable; two receiver outages, one with a
dextwatch restart in the middle: nothing lost, duplicates identifiable),
udp, unix, limit (outbox bound, dropped counted in stats), osquery (the ATC
query of packaging/osquery/dextwatch.conf against a real DB, with sqlite3),
syslog_ng (syslog-ng --syntax-only, skipped when syslog-ng is absent).
Exit 77: skipped (the tool it needs is not installed)."""
import datetime
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

DW, SRC, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
SKIP = 77
TZ = datetime.timezone(datetime.timedelta(hours=-8))
SEED = [d for d in (json.loads(l) for l in open(os.path.join(SRC, "tests", "logs",
                                                          "seed.ndjson.log"))
                    if l.startswith("{")) if "eventMessage" in d]
RSYSLOG_CONF = os.path.join(SRC, "packaging", "rsyslog", "dextwatch.conf")
BOM = "\ufeff"


def find_tool(name):
    return shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


def wait_for(pred, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        r = pred()
        if r:
            return r
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Rsyslog:
    """A private rsyslogd on loopback running the shipped configuration."""

    def __init__(self, d):
        self.dir = d
        self.tcp = free_port(socket.SOCK_STREAM)
        self.udp = free_port(socket.SOCK_DGRAM)
        self.sock = os.path.join(d, "rsyslog.sock")
        self.out = os.path.join(d, "received.log")
        self.pidfile = os.path.join(d, "rsyslogd.pid")
        self.conf = os.path.join(d, "rsyslog.conf")
        self.proc = None
        text = open(RSYSLOG_CONF).read()
        for old, new in [('input(type="imtcp" port="514"', 'input(type="imtcp" port="%d"' % self.tcp),
                         ('input(type="imudp" port="514"', 'input(type="imudp" port="%d"' % self.udp),
                         ('socket="/run/dextwatch-syslog.sock"', 'socket="%s"' % self.sock),
                         ("/var/log/dextwatch/incidents.log", self.out),
                         ('workDirectory="/var/spool/rsyslog"', 'workDirectory="%s"' % d)]:
            assert text.count(old) == 1, "packaging/rsyslog/dextwatch.conf lost: " + old
            text = text.replace(old, new)
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self):
        exe = find_tool("rsyslogd")
        self.log = open(os.path.join(self.dir, "rsyslogd.out"), "a")
        self.proc = subprocess.Popen([exe, "-n", "-f", self.conf, "-i", self.pidfile],
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=self.log)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("rsyslogd exited: " + self.output())
            try:
                socket.create_connection(("127.0.0.1", self.tcp), 0.2).close()
            except OSError:
                return False
            return os.path.exists(self.sock)
        wait_for(ready, 10, "rsyslogd to listen")
        # imudp and imuxsock may start a moment after imtcp: probe until a
        # datagram of each kind has come through
        self.probes = getattr(self, "probes", 0)
        for kind in ("udp", "unix"):
            self.probes += 1
            probe = ('<14>1 - - dextwatch - PROBE [dextwatch@32473 id="0" version="%d"] %s{}'
                     % (self.probes, BOM)).encode()
            fam = socket.AF_INET if kind == "udp" else socket.AF_UNIX
            addr = ("127.0.0.1", self.udp) if kind == "udp" else self.sock

            def arrived(n=self.probes):
                with socket.socket(fam, socket.SOCK_DGRAM) as s:
                    try:
                        s.sendto(probe, addr)
                    except OSError:
                        return False
                time.sleep(0.05)
                return any(m["sd"]["version"] == str(n) for m in self.messages(probes=True))
            wait_for(arrived, 10, "a %s probe through rsyslogd" % kind)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def output(self):
        p = os.path.join(self.dir, "rsyslogd.out")
        return open(p, errors="replace").read() if os.path.exists(p) else ""

    def messages(self, probes=False):
        """Every received line parsed: dicts with msgid, sd, body, raw."""
        if not os.path.exists(self.out):
            return []
        out = []
        text = open(self.out, encoding="utf-8", errors="strict").read()
        # rsyslog may be writing a long line right now: only whole lines count
        for line in text[:text.rfind("\n") + 1].splitlines():
            m = parse_line(line)
            if probes or m["msgid"] not in ("PROBE", "TEST"):
                out.append(m)
        return out


def parse_sd(text):
    """'[id k="v" ...] rest' -> (id, {k: v}, rest), undoing SD-PARAM escapes."""
    m = re.match(r'\[([^ \]]+)', text)
    assert m, "no structured data in " + text[:200]
    sd_id, i, params = m.group(1), m.end(), {}
    while text[i] == " ":
        m = re.compile(r' ([^=\]" ]+)="').match(text, i)
        assert m, "bad SD-PARAM at %d: %s" % (i, text[:300])
        name, i, val = m.group(1), m.end(), []
        while text[i] != '"':
            if text[i] == "\\" and text[i + 1] in '"\\]':
                i += 1
            val.append(text[i])
            i += 1
        params[name] = "".join(val)
        i += 1
    assert text[i] == "]", text[:300]
    return sd_id, params, text[i + 1:]


def parse_line(line):
    """One line of the rsyslog template: TIME HOST MSGID SD MSG."""
    when, host, msgid, rest = line.split(" ", 3)
    sd_id, params, rest = parse_sd(rest)
    assert sd_id == "dextwatch@32473", sd_id
    assert rest.startswith(" " + BOM), "no BOM before the body: %r" % rest[:20]
    body = json.loads(rest[2:])  # whole and parseable
    return {"time": when, "host": host, "msgid": msgid, "sd": params, "body": body,
            "raw": line}


class Env:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="dw-fleet-")
        self.db = os.path.join(self.dir, "dw.db")
        self.clock = datetime.datetime.now(TZ) - datetime.timedelta(seconds=5)
        self.proc = None
        self.errpath = os.path.join(self.dir, "watch.err")
        self.rsyslog = None

    def env(self):
        e = dict(os.environ)
        e.update(DEXTWATCH_RULES=os.path.join(SRC, "rules"))
        return e

    def start_watch(self, follow, *forward):
        self.follow = os.path.join(self.dir, follow)
        open(self.follow, "a").close()
        args = [DW, "watch", "--db", self.db, "--follow", self.follow]
        for url in forward:
            args += ["--forward", url]
        self.err = open(self.errpath, "a")
        before = len(self.stderr())
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.err, env=self.env())
        wait_for(lambda: "reading " in self.stderr()[before:] or self.proc.poll() is not None,
                 10, "watch to start")
        assert self.proc.poll() is None, self.stderr()
        return self.stderr()[before:]

    def stop_watch(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(20)
        self.err.close()
        self.proc = None
        return rc

    def stderr(self):
        return open(self.errpath, errors="replace").read() if os.path.exists(self.errpath) else ""

    def incident(self, n):
        """Appends the seed incident with its own dext name `Drv<n>`."""
        with open(self.follow, "a") as f:
            for d in SEED:
                d = dict(d)
                self.clock += datetime.timedelta(milliseconds=1)
                d["timestamp"] = self.clock.strftime("%Y-%m-%d %H:%M:%S.%f%z")
                f.write(json.dumps(d).replace("MyDriver", "Drv%d" % n) + "\n")
        self.clock += datetime.timedelta(seconds=40)  # the next one stands alone

    def query(self, sql, args=()):
        con = sqlite3.connect(self.db, timeout=10)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def outbox_waiting(self):
        return self.query("SELECT count(*) FROM outbox")[0][0]

    def versions(self):
        """{incident id: last version queued} from outbox_versions."""
        return dict(self.query("SELECT incident_id, version FROM outbox_versions"))

    def stats(self):
        r = subprocess.run([DW, "stats", "--db", self.db], capture_output=True, text=True,
                           env=self.env(), timeout=20)
        assert r.returncode == 0, r
        return r.stdout

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.rsyslog:
            self.rsyslog.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def subjects_arrived(msgs):
    return {m["body"]["subject"] for m in msgs}


def check_complete(e, msgs):
    """Every queued event arrived (versions 1..V of every incident), each
    message says what its body says, and a duplicate is the same message."""
    seen = {}
    for m in msgs:
        sd, body = m["sd"], m["body"]
        assert m["msgid"] in ("OPENED", "GREW", "MERGED", "CLOSED"), m["msgid"]
        assert sd["id"] == str(body["id"]), m["raw"][:300]
        assert sd["subject"] == body["subject"], m["raw"][:300]
        assert sd["severity"] == body["severity"], m["raw"][:300]
        assert sd["classes"] == ",".join(body["classes"]), m["raw"][:300]
        assert sd["rule"] == body["root_cause"].get("rule", ""), m["raw"][:300]
        assert sd["host"] and m["host"], m["raw"][:300]
        key = (sd["host"], int(sd["id"]), int(sd["version"]))
        if key in seen:  # at-least-once: the same event again, byte for byte
            assert seen[key]["raw"].split(" ", 1)[1] == m["raw"].split(" ", 1)[1], key
        seen[key] = m
    got = {}
    for (_, iid, ver) in seen:
        got.setdefault(iid, set()).add(ver)
    want = e.versions()
    assert want, "nothing was queued"
    for iid, last in want.items():
        assert got.get(iid) == set(range(1, last + 1)), \
            "incident %d: got versions %s, queued 1..%d" % (iid, sorted(got.get(iid, [])), last)
    assert set(got) == set(want), (got, want)
    return len(msgs) - len(seen)


def case_tcp(e):
    """Arrival over TCP (octet counting), two receiver outages (one across a
    dextwatch restart): nothing lost, duplicates identifiable."""
    if not find_tool("rsyslogd"):
        return SKIP
    r = e.rsyslog = Rsyslog(e.dir)
    url = "tcp://127.0.0.1:%d" % r.tcp
    r.start()
    t = subprocess.run([DW, "forward", "--test", url], capture_output=True, text=True, timeout=20)
    assert t.returncode == 0 and "sent a test message" in t.stdout, t
    wait_for(lambda: [m for m in r.messages(probes=True) if m["msgid"] == "TEST"], 10,
             "the test message")
    t = subprocess.run([DW, "forward", "--test", "tcp://127.0.0.1:%d" % free_port(
        socket.SOCK_STREAM)], capture_output=True, text=True, timeout=20)
    assert t.returncode == 2 and "Connection refused" in t.stderr, t
    e.start_watch("follow1.ndjson", url)
    e.incident(1)
    e.incident(2)
    wait_for(lambda: {"com.Drv1", "com.Drv2"} <= subjects_arrived(r.messages()), 10,
             "Drv1 and Drv2 at rsyslog")
    closed = [m for m in r.messages() if m["msgid"] == "CLOSED"]
    assert [m["body"]["subject"] for m in closed] == ["com.Drv1"], closed
    # the body is the incident as `dextwatch show --format json` prints it
    shown = subprocess.run([DW, "show", "--db", e.db, "--format", "json", closed[0]["sd"]["id"]],
                           capture_output=True, text=True, env=e.env(), timeout=20)
    assert shown.returncode == 0, shown
    assert json.loads(shown.stdout) == closed[0]["body"], (shown.stdout, closed[0]["body"])

    # outage 1: the receiver goes away while dextwatch keeps running
    r.stop()
    e.incident(3)
    e.incident(4)
    wait_for(lambda: e.query("SELECT count(*) FROM outbox o JOIN incidents i ON"
                             " i.id = o.incident_id WHERE i.subject = 'com.Drv4'")[0][0], 10,
             "Drv4's events in the outbox")
    time.sleep(1.0)
    assert "com.Drv3" not in subjects_arrived(r.messages())
    r.start()
    wait_for(lambda: {"com.Drv3", "com.Drv4"} <= subjects_arrived(r.messages()), 20,
             "Drv3 and Drv4 after the receiver came back")

    # outage 2: receiver down, dextwatch stopped with events queued, both restarted
    r.stop()
    e.incident(5)
    wait_for(lambda: e.query("SELECT count(*) FROM outbox o JOIN incidents i ON"
                             " i.id = o.incident_id WHERE i.subject = 'com.Drv5'")[0][0], 10,
             "Drv5's events in the outbox")
    assert e.stop_watch() == 0, e.stderr()
    left = e.outbox_waiting()
    assert left > 0, "the outbox should keep what could not be sent"
    st = e.stats()
    assert re.search(r"waiting\s+%d\b" % left, st), st
    r.start()
    started = e.start_watch("follow2.ndjson", url)
    assert "(%d event(s) waiting in the outbox)" % left in started, started
    e.incident(6)
    wait_for(lambda: {"com.Drv5", "com.Drv6"} <= subjects_arrived(r.messages()), 20,
             "Drv5 (queued before the restart) and Drv6")
    assert e.stop_watch() == 0, e.stderr()  # closes Drv6: CLOSED goes out within the grace
    wait_for(lambda: e.outbox_waiting() == 0, 10, "an empty outbox")
    msgs = r.messages()
    dups = check_complete(e, msgs)
    closed = {m["body"]["subject"] for m in msgs if m["msgid"] == "CLOSED"}
    assert closed == {"com.Drv%d" % i for i in range(1, 7)}, closed
    st = e.stats()
    assert re.search(r"tcp://127\.0\.0\.1:%d" % r.tcp, st), st
    assert re.search(r"waiting\s+0\b", st) and re.search(r"dropped\s+0\b", st), st
    err = e.stderr()
    assert "retrying with backoff (events wait in the outbox)" in err, err
    assert ": delivering again" in err, err
    print("tcp: %d messages, %d duplicate(s), 6 incidents" % (len(msgs), dups))


def run_datagram(e, kind):
    if not find_tool("rsyslogd"):
        return SKIP
    r = e.rsyslog = Rsyslog(e.dir)
    r.start()
    url = "udp://127.0.0.1:%d" % r.udp if kind == "udp" else "unix://" + r.sock
    e.start_watch("follow.ndjson", url)
    e.incident(1)
    e.incident(2)
    wait_for(lambda: {"com.Drv1", "com.Drv2"} <= subjects_arrived(r.messages()), 10,
             "Drv1 and Drv2 over " + kind)
    assert e.stop_watch() == 0, e.stderr()
    wait_for(lambda: e.outbox_waiting() == 0, 10, "an empty outbox")
    time.sleep(0.3)  # the last datagrams through rsyslog's queue
    check_complete(e, r.messages())
    for m in r.messages():  # the sender's clock, not the receiver's
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|\+00:00)$", m["time"]), m["time"]


def case_udp(e):
    """UDP: one RFC 5424 message per datagram."""
    return run_datagram(e, "udp")


def case_unix(e):
    """A local Unix datagram socket (rsyslog's imuxsock)."""
    return run_datagram(e, "unix")


def case_limit(e):
    """No receiver: the outbox keeps the newest --outbox-limit events per
    destination and counts the dropped ones."""
    port = free_port(socket.SOCK_STREAM)  # nobody listens there
    e.follow = os.path.join(e.dir, "follow.ndjson")
    open(e.follow, "w").close()
    e.err = open(e.errpath, "a")
    e.proc = subprocess.Popen([DW, "watch", "--db", e.db, "--follow", e.follow, "--forward",
                               "tcp://127.0.0.1:%d" % port, "--outbox-limit", "3"],
                              stdin=subprocess.DEVNULL, stderr=e.err, env=e.env())
    wait_for(lambda: "reading " in e.stderr(), 10, "watch to start")
    e.incident(1)
    e.incident(2)
    wait_for(lambda: sum(e.versions().values()) >= 6, 10, "events queued")
    assert e.stop_watch() == 0, e.stderr()
    queued = sum(e.versions().values())
    assert e.outbox_waiting() == 3
    st = e.stats()
    assert re.search(r"waiting\s+3\b", st), st
    assert re.search(r"queued\s+%d\b" % queued, st), st
    assert re.search(r"dropped\s+%d\b" % (queued - 3), st), st
    assert re.search(r"sent\s+0\b", st), st
    assert "Connection refused" in st, st  # the last problem
    bad = subprocess.run([DW, "watch", "--db", e.db, "--forward", "tls://127.0.0.1:1", "-"],
                         capture_output=True, text=True, env=e.env(), stdin=subprocess.DEVNULL)
    assert bad.returncode == 2 and "built without TLS" in bad.stderr, bad
    bad = subprocess.run([DW, "watch", "--db", e.db, "--forward", "http://x:1", "-"],
                         capture_output=True, text=True, env=e.env(), stdin=subprocess.DEVNULL)
    assert bad.returncode == 2 and "expected tcp://host:port" in bad.stderr, bad


# stable incidents columns and their SQLite types (docs/schema.md)
STABLE_TYPES = {"id": "integer", "subject": "text", "severity": "text",
                "severity_level": "integer", "classes": "text", "root_rule": "text",
                "root_class": "text", "root_summary": "text", "first_seen": "text",
                "last_seen": "text", "last_seen_us": "integer", "finding_count": "integer",
                "input": "text", "created_at": "text", "updated_at": "text"}


def case_osquery(e):
    """The exact ATC queries of packaging/osquery/dextwatch.conf run with the
    sqlite3 CLI against a DB made by `dextwatch scan`; the result columns are
    the configured ones, in order, with the documented types."""
    sqlite = find_tool("sqlite3")
    if not sqlite:
        return SKIP
    logs = os.path.join(SRC, "tests", "logs")
    r = subprocess.run([DW, "scan", "--db", e.db, "--fail-on", "never"] +
                       [os.path.join(logs, f) for f in sorted(os.listdir(logs))
                        if f.endswith(".log")], capture_output=True, text=True, env=e.env(),
                       timeout=60)
    assert r.returncode == 0, r.stderr
    conf = json.load(open(os.path.join(SRC, "packaging", "osquery", "dextwatch.conf")))
    tables = conf["auto_table_construction"]
    assert set(tables) == {"dextwatch_incidents", "dextwatch_user_incidents"}, tables
    schema_doc = open(os.path.join(SRC, "docs", "schema.md")).read()
    stable = schema_doc.split("## `incidents`")[1].split("\n## ")[0]
    n_incidents = e.query("SELECT count(*) FROM incidents")[0][0]
    assert n_incidents > 5, n_incidents
    for name, t in tables.items():
        assert t["platform"] == "darwin" and t["path"].endswith("/dextwatch/dextwatch.db"), t
        assert "path" not in t["columns"], "path is osquery's own ATC column"
        typeq = "SELECT %s FROM (%s)" % (", ".join("typeof(%s)" % c for c in t["columns"]),
                                         t["query"])
        for sql, mode in [(t["query"], "json"), (typeq, "list")]:
            out = subprocess.run([sqlite, "-readonly", "-" + mode, e.db, sql], capture_output=True,
                                 text=True, timeout=20)
            assert out.returncode == 0 and not out.stderr, (name, out)
            if mode == "json":
                rows = json.loads(out.stdout)
                assert len(rows) == n_incidents, (len(rows), n_incidents)
                for row in rows:
                    assert list(row) == t["columns"], (list(row), t["columns"])
            else:
                for line in out.stdout.splitlines():
                    for col, typ in zip(t["columns"], line.split("|")):
                        assert typ in (STABLE_TYPES[col], "null"), (col, typ)
                        if col in ("id", "subject", "severity", "severity_level", "classes",
                                   "finding_count", "created_at", "updated_at"):
                            assert typ != "null", (col, line)
        for col in t["columns"]:
            assert col in STABLE_TYPES, col
            assert re.search(r"`%s`" % col, stable), "%s is not documented in docs/schema.md" % col
    assert "(stable)" in schema_doc.split("## `incidents`")[1].split("\n")[0]


def case_syslog_ng(e):
    """The shipped syslog-ng receiver passes `syslog-ng --syntax-only`."""
    exe = find_tool("syslog-ng")
    if not exe:
        print("syslog-ng is not installed (it conflicts with rsyslog in Debian): skipped")
        return SKIP
    r = subprocess.run([exe, "--syntax-only", "-f",
                        os.path.join(SRC, "packaging", "syslog-ng", "dextwatch.conf")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r


CASES = {k[5:]: v for k, v in globals().items() if k.startswith("case_")}

if __name__ == "__main__":
    e = Env()
    rc = 0
    try:
        rc = CASES[CASE](e) or 0
        print("skipped" if rc == SKIP else "ok", CASE)
    except Exception:
        print("---- watch stderr ----\n" + e.stderr())
        if e.rsyslog:
            print("---- rsyslogd ----\n" + e.rsyslog.output())
        raise
    finally:
        e.cleanup()
    sys.exit(rc)
