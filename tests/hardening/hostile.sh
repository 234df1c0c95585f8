#!/usr/bin/env bash
# Hostile log text against every output path (issue 7, part 5).
#
#   hostile.sh DEXTWATCH SOURCE_DIR
#
# Log lines whose captures (subject, path, reason) carry terminal escapes
# (CSI, OSC 8 hyperlinks with BEL and ST, BEL, backspaces, CR, C1 controls as
# UTF-8 and as raw bytes), printf conversions, {capture} and {{ }} text, SQL
# quotes, shell metacharacters, GitHub workflow commands (::error::,
# ::add-mask::, %0A), XML and markdown syntax, invalid UTF-8 and NUL bytes,
# in plain and ndjson style, in the file name too.  Then every way dextwatch
# prints them:
#   scan --format text|json|github|junit|markdown (stdout and --output FILE),
#   scan text on a terminal (a pty through script(1), colours on), recent in
#   every format, show text|json, rules try, stats, the stderr summary and
#   messages, watch's stderr log,
# must hold no control byte but LF (no ESC/BEL/BS/CR/DEL/C1; on the terminal
# only SGR colour sequences dextwatch writes itself), valid UTF-8; JSON lines
# parse and keep the text as data; every github line is exactly one workflow
# command with no raw ':' in its properties; junit validates (xmllint, XSD);
# markdown fences close and table rows keep their cell count; the SQL text is
# stored as data (tables intact, integrity ok, message byte-exact); nothing
# runs the shell text; remediation templates never expand captured text.
set -u
DW=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 2
export DEXTWATCH_RULES=$SRC/rules
unset GITHUB_STEP_SUMMARY DEXTWATCH_DB NO_COLOR CI
pass=0 fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() {
    local what=$1
    shift
    if "$@"; then pass=$((pass + 1)); else bad "$what"; fi
}

PWNED=$T/pwned
# The payload: no '(' or ')' so it fits the bundle capture [^()]+ too.
python3 - "$T" "$PWNED" <<'EOF'
import json, sys
T, PWNED = sys.argv[1], sys.argv[2]
P = ("\x1b[2J\x1b[31mRED\x1b]8;;https://evil.example/\x07LINK\x1b]8;;\x07"
     "\x1b]8;;https://evil.example/\x1b\\ST\x1b]8;;\x1b\\\x1b]0;title\x07"
     "\x07\x08\x08\x08\x08\rCR\x7fDEL\u009b31mC1CSI\u009d0;x\u009c\u0085NEL"
     "%s%n%x%%{bundle}{{reason}}{path}"
     "'); DROP TABLE incidents; --\"$`touch " + PWNED + "`;|&<>*?~"
     "\n::error title=pwned::PWNED\r\n::add-mask::secret%0A::warning::x,y:z"
     "]]><script>&amp;<!-- | cell | ```\n~~~ [a](javascript:x) <img src=x onerror=y>")
raw = P.encode("utf-8")
# plain: one line each, so newlines in the payload become spaces there
flat = raw.replace(b"\n", b" ").replace(b"\r", b"\\r")
bad_bytes = b"\x9b\xff\xfe\x00NUL\xc3\x28"
with open(T + "/hostile.log", "wb") as f:
    f.write(b"kernel: DK: EvilDrv-0x100000f45: provider entitlements check failed\n")
    f.write(b"kernel: DK: IOUserServer(com.evil" + flat.replace(b"(", b"").replace(b")", b"")
            + bad_bytes + b"-0x100000f45)::exit(" + flat + b")\n")
    f.write(b"amfid: /Library/SystemExtensions/X/com.evil" + flat.replace(b"/", b"") +
            b".dext/com.evil signature not valid: -67050\n")
    f.write(b"kernel: some unmatched line " + flat + bad_bytes + b"\n")
with open(T + "/hostile.ndjson", "w") as f:
    base = {"timestamp": "2026-11-20 10:14:03.201377-0800", "processImagePath": "/kernel",
            "senderImagePath": "/kernel", "processID": 0, "messageType": "Default",
            "subsystem": P, "category": P}
    F = P.replace("\n", " ").replace("\r", " ")  # captures are single-line
    for i, msg in enumerate(["DK: IOUserServer(com.nd" + F.replace("(", "").replace(")", "")
                             + "-0x1f)::exit(" + F + ")",
                             "DK: Evil" + "".join(c for c in F if c not in ": \t\x0b\x0c") +
                             "-0x1f: provider entitlements check failed",
                             "unmatched, multi-line: " + P]):
        d = dict(base, eventMessage=msg)
        d["timestamp"] = "2026-11-20 10:14:03.2%05d-0800" % i
        f.write(json.dumps(d) + "\n")
open(T + "/payload.txt", "wb").write(F.encode("utf-8"))
EOF
EVILNAME=$(printf 'ev\033]8;;x\007il\033[2J%%0A::error::n.log')
cp hostile.log "$EVILNAME"
INPUTS=(hostile.log hostile.ndjson "$EVILNAME")

# ---- checkers ----
# no control byte other than LF; valid UTF-8; no C1 (U+0080..U+009F)
clean() {
    python3 - "$1" <<'EOF'
import re, sys
b = open(sys.argv[1], "rb").read()
try:
    s = b.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit("invalid UTF-8 at %d" % e.start)
m = re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", s)
if m:
    sys.exit("control character %r at %d: %r" % (m.group(), m.start(), s[max(0, m.start()-40):m.start()+10]))
EOF
}
# on a terminal: only SGR sequences (ESC [ digits ; m), nothing else; with a
# second argument "any", no colour at all is fine too
term_clean() {
    python3 - "$1" "${2:-}" <<'EOF'
import re, sys
s = open(sys.argv[1], "rb").read().decode("utf-8", "strict")
s = s.replace("\r\n", "\n")              # the pty's own line discipline
s = s.replace("\r\x1b[K", "")              # dextwatch's progress line, cleared
sgr = len(re.findall("\x1b\\[[0-9;]*m", s))
s = re.sub("\x1b\\[[0-9;]*m", "", s)
m = re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", s)
if m:
    sys.exit("terminal: control character %r at %d: %r" % (m.group(), m.start(), s[max(0, m.start()-40):m.start()+10]))
if sgr == 0 and sys.argv[2] != "any":
    sys.exit("terminal: no colour at all (is it a terminal?)")
EOF
}
json_ok() {  # FILE [nopayload]
    python3 - "$1" "${2:-}" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    assert isinstance(o, dict), line
    n += 1
assert n, "no JSON lines"
text = open(sys.argv[1], encoding="utf-8").read()
# the payload is data: SQL quotes and shell text are there, decoded
for piece in [] if sys.argv[2] else ["'); DROP TABLE incidents; --", "touch ", "{bundle}", "%s%n%x"]:
    assert piece in json.dumps([json.loads(l) for l in text.splitlines()], ensure_ascii=False), piece
EOF
}
github_ok() {
    python3 - "$1" <<'EOF'
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
assert lines[-1] == "", "no final newline"
for l in lines[:-1]:
    m = re.match(r"^::(error|warning|notice) title=([^:]*)::", l)
    assert m, "not one workflow command: %r" % l[:120]
    assert "\r" not in l, l
    # the runner unescapes %25 %0D %0A (and %3A %2C in properties) only
    props = m.group(2)
    assert re.fullmatch(r"[^:\r\n]*", props), props
assert len(lines) > 1, "no annotation"
EOF
}
junit_ok() {
    xmllint --noout --schema "$SRC/tests/junit/junit.xsd" "$1" 2>"$T/xmllint.err" ||
        { cat "$T/xmllint.err" >&2; return 1; }
    ! grep -q '<script>' "$1"
}
markdown_ok() {
    python3 - "$1" <<'EOF'
import re, sys
s = open(sys.argv[1], encoding="utf-8").read()
fence, cells = None, None
for line in s.split("\n"):
    m = re.match(r"^(`{3,}|~{3,})", line)
    if fence is None and m:
        fence, cells = m.group(1), None
        continue
    if fence is not None:
        if line.strip() == fence:
            fence = None
        continue
    # outside code: no raw HTML, and a table row cannot gain cells
    assert "<script" not in line and "<img" not in line and "<!--" not in line, line
    if line.startswith("|"):
        n = len(re.split(r"(?<!\\)\|", line))
        if cells is None:
            cells = n
        assert n == cells, "table row with %d cells, header %d: %r" % (n, cells, line[:120])
    else:
        cells = None
assert fence is None, "unclosed fence " + repr(fence)
EOF
}
no_shell() { [ ! -e "$PWNED" ]; }

# ---- scan, every format, stdout and --output ----
for f in text json github junit markdown; do
    "$DW" scan --no-store --format $f "${INPUTS[@]}" >"out.$f" 2>"err.$f"
    st=$?
    check "scan $f: exit 1 (got $st)" test $st -eq 1
    check "scan $f: stdout clean" clean "out.$f"
    check "scan $f: stderr clean" clean "err.$f"
    "$DW" scan --no-store --format $f --output "file.$f" "${INPUTS[@]}" >/dev/null 2>&1
    check "scan $f --output: same as stdout" cmp -s "out.$f" "file.$f"
done
check "scan json: valid, payload kept as data" json_ok out.json
check "scan github: one command per line" github_ok out.github
check "scan junit: valid" junit_ok out.junit
check "scan markdown: fences and tables hold" markdown_ok out.markdown
check "the hostile file name is escaped in text" grep -qF 'ev\e]8;;x\x07il\e[2J%0A::error::n.log' out.text
check "remediation: {bundle} in a capture is not expanded" grep -qF '{bundle}{{reason}}{path}' out.text
check "remediation: printf text kept" grep -qF '%s%n%x%%' out.text
check "remediation: a captured path with shell syntax is one quoted argument" \
    grep -qF "codesign --verify --strict -vvvv '/Library/SystemExtensions/X/com.evil" out.text

# ---- the terminal: a pty, colours on ----
if script -qec "true" /dev/null >/dev/null 2>&1; then
    TERM=xterm-256color script -qec "'$DW' scan --no-store ${INPUTS[*]@Q}" /dev/null >pty.out 2>&1
    check "terminal (pty): only SGR colour sequences" term_clean pty.out
    TERM=xterm-256color script -qec "'$DW' rules try hostile.log" /dev/null >pty.try 2>&1
    check "terminal (pty): rules try" term_clean pty.try any
    TERM=xterm-256color script -qec "'$DW' watch --db pty.db - <hostile.log" /dev/null >pty.watch 2>&1
    check "terminal (pty): watch log" term_clean pty.watch any
else
    echo "skip: script(1) cannot make a pty here"
fi

# ---- into a database: SQL text is data; recent/show/stats in every form ----
"$DW" scan --db dw.db -q "${INPUTS[@]}" >/dev/null 2>err.db
check "scan --db: stderr clean" clean err.db
check "SQL: tables intact" test "$(sqlite3 dw.db "SELECT count(*) FROM sqlite_master WHERE name = 'incidents'")" = 1
check "SQL: integrity" test "$(sqlite3 dw.db 'PRAGMA integrity_check')" = ok
check "SQL: message stored byte-exact" python3 - <<EOF
import sqlite3
c = sqlite3.connect("dw.db")
payload = open("payload.txt", "rb").read().decode("utf-8")
msgs = [r[0] for r in c.execute("SELECT message FROM findings")]
assert any(payload in m for m in msgs), "ndjson payload not stored as is"
EOF
for f in text json github junit markdown; do
    "$DW" recent --db dw.db --format $f >"recent.$f" 2>&1
    check "recent $f: clean" clean "recent.$f"
done
check "recent json: valid" json_ok recent.json
check "recent github: one command per line" github_ok recent.github
check "recent junit: valid" junit_ok recent.junit
check "recent markdown: holds" markdown_ok recent.markdown
for id in $(sqlite3 dw.db "SELECT id FROM incidents"); do
    "$DW" show --db dw.db "$id" >"show.$id.text" 2>&1
    check "show $id text: clean" clean "show.$id.text"
    "$DW" show --db dw.db --format json "$id" >"show.$id.json" 2>&1
    check "show $id json: clean" clean "show.$id.json"
    check "show $id json: valid" json_ok "show.$id.json" nopayload
done
"$DW" stats --db dw.db >stats.out 2>&1
check "stats: clean" clean stats.out
"$DW" recent --db dw.db --subject "$(printf '*\033*')" >recent.glob 2>&1
check "recent --subject with ESC: clean" clean recent.glob

# ---- rules try prints unmatched log lines ----
"$DW" rules try hostile.log >try.out 2>&1
check "rules try: clean" clean try.out
"$DW" rules try --all hostile.ndjson >try2.out 2>&1
check "rules try ndjson: clean" clean try2.out

# ---- stderr: malformed lines are quoted in the summary ----
printf '{"eventMessage": "\033]8;;x\007broken \033[31m\n' >malformed.ndjson
"$DW" scan --no-store --style ndjson malformed.ndjson >/dev/null 2>err.malformed
check "stderr (malformed line reason): clean" clean err.malformed
"$DW" scan --no-store "$(printf 'missing\033[31m\007.log')" >/dev/null 2>err.missing
check "stderr (missing file name): clean" clean err.missing
printf 'rules:\n  - id: "x\033[31m"\n    class: "\033]8;;y\007"\n' >badrules.yaml
"$DW" rules check --rules "$SRC/rules" badrules.yaml >/dev/null 2>err.rules
check "stderr (broken rule pack): clean" clean err.rules
printf 'version: 1\nrules:\n  - id: x\n    severity: "\033[31m::error::pwn\n%%0A"\n    reason: r\n' >cfg.yaml
"$DW" scan --no-store --config cfg.yaml hostile.log >/dev/null 2>err.config
check "stderr (broken config value): clean" clean err.config

# ---- watch's log on stderr ----
"$DW" watch --db w.db - <hostile.log >/dev/null 2>err.watch
check "watch - : stderr log clean" clean err.watch
check "watch - : stored" test "$(sqlite3 w.db 'SELECT count(*) FROM incidents')" -ge 1

check "nothing ran the shell text" no_shell
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
