#!/bin/sh
# agent_predicate_test.sh DEXTWATCH SRCDIR - `agent install --print` is the
# shipped template with the paths filled in and passes xmllint; install says
# macOS-only elsewhere and writes nothing; `predicate` equals the golden file
# (regenerate deliberately when the rules change:
#   build/dextwatch predicate --rules rules > tests/watch/predicate.golden).
set -eu
DW=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

BIN=$(cd "$(dirname "$DW")" && pwd -P)/$(basename "$DW")
esc() { printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g' -e "s/'/\&apos;/g"; }
# a home directory with XML-special characters
H="$T/home & <co>"
mkdir -p "$H"
for kind in agent daemon; do
    if [ $kind = agent ]; then flag=""; log="$H/Library/Logs/dextwatch/watch.log"
    else flag="--system"; log="/Library/Logs/dextwatch/watch.log"; fi
    HOME="$H" "$DW" agent install $flag --print > "$T/$kind.plist" || fail "$kind --print"
    xmllint --noout "$T/$kind.plist" || fail "$kind plist is not well-formed XML"
    b=$(esc "$BIN" | sed 's/[&|\\]/\\&/g'); l=$(esc "$log" | sed 's/[&|\\]/\\&/g')
    # the default arguments: the daemon's database and group, then the log
    if [ $kind = agent ]; then args="--log\n$l"
    else args="--db\n/Library/Application Support/dextwatch/dextwatch.db\n--group\nadmin\n--log\n$l"; fi
    a=$(printf '%b\n' "$args" | sed 's|.*|\t\t<string>&</string>\\n|' | tr -d '\n')
    sed -e "s|@BIN@|$b|g" -e "s|@LOG@|$l|g" -e "s|@ARGS@|$a|" "$SRC/packaging/launchd/dextwatch.$kind.plist.in" > "$T/$kind.want"
    cmp "$T/$kind.want" "$T/$kind.plist" || { diff "$T/$kind.want" "$T/$kind.plist"; fail "$kind plist differs from the template"; }
    for key in Label ProgramArguments RunAtLoad KeepAlive ThrottleInterval ProcessType LowPriorityIO StandardOutPath StandardErrorPath; do
        grep -q "<key>$key</key>" "$T/$kind.plist" || fail "$kind plist lacks $key"
    done
done
grep -q '&amp; &lt;co&gt;' "$T/agent.plist" || fail "path not escaped"

if [ "$(uname -s)" != Darwin ]; then
    for a in install uninstall; do
        if HOME="$H" "$DW" agent $a 2> "$T/err"; then fail "agent $a succeeded off macOS"; fi
        grep -q "macOS-only" "$T/err" || fail "agent $a: no macOS-only message"
    done
    [ ! -e "$H/Library" ] || fail "agent install wrote files off macOS"
fi

"$DW" predicate --rules "$SRC/rules" -q > "$T/predicate" || fail "predicate"
cmp "$SRC/tests/watch/predicate.golden" "$T/predicate" || {
    diff "$SRC/tests/watch/predicate.golden" "$T/predicate" | head -5
    fail "predicate differs from tests/watch/predicate.golden (regenerate it if the rules changed)"; }
for cmd in watch predicate agent stats prune; do
    "$DW" $cmd --help > /dev/null || fail "$cmd --help"
done
echo ok
