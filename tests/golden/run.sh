#!/usr/bin/env bash
# Golden files for every report format on every tests/logs/<case>.log.
#
#   run.sh DEXTWATCH SOURCE_DIR            compare (CTest: report.golden)
#   run.sh DEXTWATCH SOURCE_DIR --update   rewrite the golden files
#
# Each case is scanned with the frozen rule pack tests/golden/rules (so rule
# text edits in rules/ do not churn these files) once per format:
#   tests/golden/<case>.text .json .github .junit.xml .md
# Every output, golden or not, must also be safe and valid:
#   - no control byte other than LF (C0, DEL, C1 in UTF-8) in any format;
#   - junit validates against tests/junit/junit.xsd (xmllint);
#   - github: every line is one ::error/::warning/::notice command whose
#     properties hold no raw ':' (so nothing can end them early);
#   - markdown: every fenced block is closed by the fence that opened it.
# A case without golden files (a log added by someone else) is still checked
# for all of that, and listed; run with --update to record its goldens.
set -u
DW=$1
SRC=$2
UPDATE=${3:-}
GOLD=$SRC/tests/golden
cd "$SRC" || exit 2
unset GITHUB_STEP_SUMMARY DEXTWATCH_RULES
# TZ: log times without an offset are shown in local time (dwtime.h)
export NO_COLOR=1 CI=1 TZ=UTC0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0 missing=""

bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

ext_of() {
    case $1 in
    junit) echo junit.xml ;;
    markdown) echo md ;;
    *) echo "$1" ;;
    esac
}

# Exits non-zero when the file has a control byte other than LF.
clean_bytes() {
    [ "$(LC_ALL=C tr -d '\n\040-\176\200-\377' <"$1" | wc -c)" -eq 0 ] &&
        ! LC_ALL=C grep -q "$(printf '\302')[$(printf '\200')-$(printf '\237')]" "$1"
}

github_ok() {
    ! grep -vqE '^::(error|warning|notice) title=[^:]*(,file=[^:,]*,line=[0-9]+)?::' "$1"
}

markdown_fences_ok() {
    awk '
        /^```/ {
            match($0, /^`+/); n = RLENGTH
            if (open == 0) { open = n; next }
            if (n == open && $0 ~ /^`+[ \t]*$/) { open = 0; next }
        }
        END { exit open != 0 }' "$1"
}

# The checkers must catch what they are for (so a green run means something).
printf 'ok\033[31m\n' >"$T/esc"; printf 'ok \302\233 csi\n' >"$T/c1"
printf '::error title=a::b\n::error title=a:b::c\n' >"$T/gh"
printf 'x\n````text\n```\n' >"$T/md"
clean_bytes "$T/esc" && bad "checker: ESC not caught"
clean_bytes "$T/c1" && bad "checker: C1 CSI not caught"
github_ok "$T/gh" && bad "checker: raw ':' in a property not caught"
markdown_fences_ok "$T/md" && bad "checker: unclosed fence not caught"

for log in tests/logs/*.log; do
    case=$(basename "$log" .log)
    for f in text json github junit markdown; do
        out=$T/$case.$(ext_of $f)
        "$DW" scan --no-store --no-default-rules --rules tests/golden/rules --format $f "$log" >"$out" 2>/dev/null
        st=$?
        [ $st -le 1 ] || bad "$case $f: exit $st"
        clean_bytes "$out" || bad "$case $f: raw control byte in the output"
        case $f in
        junit) xmllint --noout --schema tests/junit/junit.xsd "$out" 2>"$T/xmllint" ||
            { bad "$case junit: invalid"; cat "$T/xmllint" >&2; } ;;
        github) github_ok "$out" || bad "$case github: a line that is not one workflow command" ;;
        markdown) markdown_fences_ok "$out" || bad "$case markdown: unbalanced code fence" ;;
        esac
        gold=$GOLD/$case.$(ext_of $f)
        if [ "$UPDATE" = --update ]; then
            cp "$out" "$gold"
        elif [ -f "$gold" ]; then
            if cmp -s "$out" "$gold"; then
                pass=$((pass + 1))
            else
                bad "$case $f differs from $gold (run: tests/golden/run.sh BINARY . --update, then review the diff)"
                diff -u "$gold" "$out" | head -40 >&2
            fi
        else
            missing="$missing $case.$f"
        fi
    done
done
[ -n "$missing" ] && echo "no golden file yet (checked for validity only):$missing"
echo "$pass golden files match, $fail failed"
[ "$fail" -eq 0 ]
