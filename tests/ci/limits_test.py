#!/usr/bin/env python3
"""GitHub's limits (issue 15): `scan --format github` writes at most 10 annotations of
each kind and 50 in all (DEXTWATCH_GITHUB_ANNOTATIONS lowers that), the most severe first,
then one ::notice pointing at the rest; the markdown report in $GITHUB_STEP_SUMMARY stays
under 1 MiB with the file's earlier content, cut at a whole incident with a note.

usage: limits_test.py DEXTWATCH SOURCE_DIR
"""
import os
import re
import subprocess
import sys
import tempfile

DW, SRC = sys.argv[1], sys.argv[2]
MIB = 1 << 20
HEADER = "Timestamp                       Thread     Type        Activity             PID    TTL  \n"
failures = []


def check(name, cond, detail=""):
    if not cond:
        failures.append(name)
        print(f"FAIL: {name} {detail}", file=sys.stderr)


def line(sec, msg):
    m, s = divmod(sec, 60)
    h, m = divmod(m, 60)
    return (f"2026-11-20 {10 + h:02d}:{m:02d}:{s:02d}.000000-0800 0x2f3a1    Default     "
            f"0x0                  0      0    kernel: {msg}\n")


# Each kind of incident, one subject each (bundle ids correlate them apart).
ERROR = "({b}.dext) Kernel requested exit (Entitlements check failed)"          # error
CRITICAL = "Driver {b} has crashed too many times. Rebooting."                   # critical
WARNING = 'IOUserServerName "org.other.Server" not correct organization for bundleID "{b}"'
NOTICE = "Driver {b} has crashed 3 time(s)"  # warning, lowered to info by the config

CONFIG = "version: 1\nrules:\n  - id: dk.crashed-before\n    severity: info\n    reason: test\n"


def write_log(path, events):
    """events: (second, template, bundle); written in the order given."""
    with open(path, "w") as f:
        f.write(HEADER)
        for sec, tmpl, b in events:
            f.write(line(sec, tmpl.format(b=b)))


def scan(tmp, log, *extra, env=None, summary=None):
    e = dict(os.environ, DEXTWATCH_RULES=os.path.join(SRC, "rules"), NO_COLOR="1")
    e.pop("GITHUB_STEP_SUMMARY", None)
    e.pop("DEXTWATCH_GITHUB_ANNOTATIONS", None)
    if summary:
        e["GITHUB_STEP_SUMMARY"] = summary
    e.update(env or {})
    cfg = os.path.join(tmp, "dextwatch.yaml")
    with open(cfg, "w") as f:
        f.write(CONFIG)
    args = [DW, "scan", "--no-store", "--config", cfg, "--format", "github", *extra, log]
    return subprocess.run(args, capture_output=True, text=True, env=e)


def commands(out):
    """[(kind, title, data)] of the workflow commands; every line must be one."""
    cmds = []
    for ln in out.splitlines():
        m = re.match(r"^::(error|warning|notice) title=([^:]*)::(.*)$", ln)
        check("every line is one workflow command", m is not None, repr(ln[:80]))
        if m:
            cmds.append(m.groups())
    return cmds


def subject(title):
    return title.split(" ", 1)[1].split("%3A", 1)[0]


with tempfile.TemporaryDirectory() as tmp:
    log = os.path.join(tmp, "forty.log")
    # 40 failures, interleaved in time so that arrival order is not severity order:
    # 13 errors (+2 critical), 13 warnings, 12 notices.
    events = []
    sec = 1
    for i in range(13):
        events.append((sec, NOTICE, f"com.note.n{i:02d}"))
        events.append((sec + 1, WARNING, f"com.warn.w{i:02d}"))
        events.append((sec + 2, ERROR, f"com.err.e{i:02d}"))
        sec += 100
    events.pop(0)  # 12 notices
    events.append((sec, CRITICAL, "com.crit.c00"))
    events.append((sec + 1, CRITICAL, "com.crit.c01"))
    write_log(log, events)
    summary = os.path.join(tmp, "summary.md")
    open(summary, "w").close()
    r = scan(tmp, log, "--format", "markdown", "--output", summary,
             "--format", "junit", "--output", os.path.join(tmp, "j.xml"), summary=summary)
    check("40 failures: exit 1", r.returncode == 1, r.stderr)
    cmds = commands(r.stdout)
    kinds = [k for k, _, _ in cmds]
    check("40 failures: 10 errors", kinds.count("error") == 10, str(kinds))
    check("40 failures: 10 warnings", kinds.count("warning") == 10, str(kinds))
    check("40 failures: 9 notices + the pointer", kinds.count("notice") == 10, str(kinds))
    check("40 failures: errors, then warnings, then notices",
          kinds == sorted(kinds, key=["error", "warning", "notice"].index), str(kinds))
    subjects = [subject(t) for k, t, _ in cmds[:-1]]
    check("critical before error",
          subjects[:2] == ["com.crit.c00", "com.crit.c01"], str(subjects[:3]))
    check("errors in time order, the earliest first",
          subjects[2:10] == [f"com.err.e{i:02d}" for i in range(8)], str(subjects[2:10]))
    check("warnings in time order",
          subjects[10:20] == [f"com.warn.w{i:02d}" for i in range(10)], str(subjects[10:20]))
    check("notices in time order",
          subjects[20:29] == [f"com.note.n{i:02d}" for i in range(1, 10)], str(subjects[20:29]))
    kind, title, data = cmds[-1]
    check("the pointer is the last line, a notice", kind == "notice" and
          title == "dextwatch%3A 11 more not annotated", title)
    check("the pointer counts what it left out",
          "Not annotated: 5 errors, 3 warnings, 3 notices." in data, data)
    check("the pointer names the step summary and the junit file",
          "Every incident is in the step summary (markdown), " in data and "j.xml (junit)" in data,
          data)
    md = open(summary).read()
    check("the step summary holds all 40", md.count("\n### ") == 40 and "40 incidents" in md)
    check("the step summary lists the most severe first",
          md.index("com.crit.c01") < md.index("com.err.e00") < md.index("com.warn.w00")
          < md.index("com.note.n01"))

    # A lower cap in all: 12 = 10 errors, 1 warning and the pointer.
    r = scan(tmp, log, env={"DEXTWATCH_GITHUB_ANNOTATIONS": "12"})
    kinds = [k for k, _, _ in commands(r.stdout)]
    check("cap 12: 10 errors, 1 warning, the pointer",
          kinds == ["error"] * 10 + ["warning", "notice"], str(kinds))
    check("cap 12: no full report named, says how to get one",
          "--format markdown --output" in r.stdout and "29 more not annotated" in r.stdout)
    for bad in ("0", "51", "ten", "-1", "12x"):
        r = scan(tmp, log, env={"DEXTWATCH_GITHUB_ANNOTATIONS": bad})
        check(f"cap {bad!r}: exit 2 with a reason", r.returncode == 2 and
              "DEXTWATCH_GITHUB_ANNOTATIONS" in r.stderr and r.stdout == "", r.stderr)

    # Within the limits (10 notices exactly): every incident, no pointer.
    few = os.path.join(tmp, "few.log")
    write_log(few, [(i, NOTICE, f"com.note.n{i:02d}") for i in range(10)] +
              [(50, WARNING, "com.warn.w"), (60, ERROR, "com.err.e")])
    kinds = [k for k, _, _ in commands(scan(tmp, few).stdout)]
    check("10 notices fit: no pointer", kinds == ["error", "warning"] + ["notice"] * 10,
          str(kinds))

    # Hostile output names stay escaped in the pointer.
    hostile = os.path.join(tmp, "a%0A::error::b,c:d.json")
    r = scan(tmp, log, "--format", "json", "--output", hostile)
    cmds = commands(r.stdout)
    check("hostile name escaped in the pointer",
          "a%250A%3A%3Aerror%3A%3Ab,c%3Ad.json" not in cmds[-1][2] and
          "a%250A::error::b,c:d.json (json)" in cmds[-1][2], cmds[-1][2][-120:])

    # 2. A summary that would exceed 1 MiB: 600 incidents of 30 findings each, after
    # 100 KB an earlier step wrote; the 3 errors come last in the log.
    big = os.path.join(tmp, "big.log")
    ev = []
    for i in range(600):
        for k in range(30):
            ev.append((i * 40 + k, NOTICE, f"com.note.big{i:03d}"))
    ev += [(30000 + i, ERROR, f"com.err.late{i}") for i in range(3)]
    write_log(big, ev)
    with open(summary, "w") as f:
        f.write("earlier step\n" + "x" * 100000 + "\n")
    before = os.path.getsize(summary)
    full = os.path.join(tmp, "full.md")
    r = scan(tmp, big, "--format", "markdown", "--output", summary,
             "--format", "json", "--output", os.path.join(tmp, "all.json"), summary=summary)
    check("big: exit 1", r.returncode == 1, r.stderr)
    size = os.path.getsize(summary)
    check("big: the step summary stays under 1 MiB", size < MIB, str(size))
    md = open(summary).read()[before:]
    m = re.search(r"> (\d+) of 603 incidents are not shown here: GitHub refuses a step summary "
                  r"over 1 MiB\. The ones below are the most severe\. Every incident is in "
                  r"\S*all\.json \(json\)\.", md)
    check("big: the omission note says how many and where", m is not None, md[:600])
    shown = md.count("\n### ")
    rows = len(re.findall(r"^\| \d+ \|", md, re.M))
    check("big: whole incidents (a row and a section each)", shown == rows and shown > 100,
          f"{shown} sections, {rows} rows")
    check("big: shown + left out = all", m is not None and shown + int(m.group(1)) == 603)
    check("big: the last section is complete", md.rstrip("\n").endswith("```"), md[-200:])
    check("big: the errors that came last are shown first",
          "### 1. com.err.late0" in md and "### 3. com.err.late2" in md)
    check("big: the heading counts every incident", "603 incidents" in md)
    # the same report to a file that is not the step summary is not cut
    r = scan(tmp, big, "--format", "markdown", "--output", full, summary=summary)
    check("big: a markdown file elsewhere is whole",
          os.path.getsize(full) > MIB and "not shown" not in open(full).read())
    # a step summary that is full already gets nothing more (GitHub would drop it all)
    with open(summary, "w") as f:
        f.write("y" * (MIB - 10))
    r = scan(tmp, log, "--format", "markdown", "--output", summary, summary=summary)
    check("full summary: nothing appended", os.path.getsize(summary) == MIB - 10,
          str(os.path.getsize(summary)))

print(f"limits: {'ok' if not failures else str(len(failures)) + ' failed'}")
sys.exit(1 if failures else 0)
