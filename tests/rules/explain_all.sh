#!/bin/sh
# explain_all.sh DEXTWATCH RULES_DIR - `dextwatch explain` works for every code of every
# shipped table (each file in RULES_DIR/codes is iterated, so a new table is tested too),
# for every rule id and class, and refuses unknown input with exit status 2.
set -u
dw=$1
rules=$2
fail=0
n=0
for tsv in "$rules"/codes/*.tsv; do
    table=$(basename "$tsv" .tsv)
    # rows: skip comments and the header (the first non-comment line)
    for value in $(grep -v '^#' "$tsv" | sed 1d | cut -f1); do
        n=$((n + 1))
        name=$(grep -v '^#' "$tsv" | sed 1d | awk -F'\t' -v v="$value" '$1 == v { print $2; exit }')
        out=$("$dw" explain --rules "$rules" "$table:$value" 2>&1)
        st=$?
        if [ $st -ne 0 ] || ! printf '%s' "$out" | grep -qF "$name"; then
            echo "FAIL explain $table:$value (exit $st): expected '$name'"; fail=1
        fi
        if ! printf '%s' "$out" | grep -q "For a dext:"; then
            echo "FAIL explain $table:$value: no context line"; fail=1
        fi
        # the same row by its symbol (rows without one have none to find)
        [ -n "$name" ] && [ "$name" != "-" ] || continue
        "$dw" explain --rules "$rules" "$name" 2>&1 | grep -q "^$value  $name  (table $table," ||
            { echo "FAIL explain $name: not row $table:$value"; fail=1; }
    done
done
tab=$(printf '\t')
# every row with a printed_as column (the text kext tools print, "(libkern/kext) link error") by
# that text, as logged (with the final '.') and in upper case
for tsv in "$rules"/codes/*.tsv; do
    table=$(basename "$tsv" .tsv)
    grep -v '^#' "$tsv" | awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "printed_as") p = i; next }
        p && $p != "" { print $1 "\t" $2 "\t" $p }' >/tmp/explain_printed.$$
    while IFS='	' read -r value name printed; do
        for text in "$printed" "$printed." "$(printf '%s' "$printed" | tr '[:lower:]' '[:upper:]')"; do
            n=$((n + 1))
            "$dw" explain --rules "$rules" "$text" 2>&1 | grep -q "^$value  $name  (table $table," ||
                { echo "FAIL explain '$text': not row $table:$value"; fail=1; }
        done
    done </tmp/explain_printed.$$
done
rm -f /tmp/explain_printed.$$
"$dw" explain --rules "$rules" '(libkern/kext) link error' | grep -q '^  Printed as: (libkern/kext) link error$' ||
    { echo "FAIL explain by printed text: no 'Printed as' line"; fail=1; }
[ "$(grep -v '^#' "$rules/codes/oskext-codes.tsv" | head -1 | tr '\t' '\n' | grep -c '^printed_as$')" -eq 1 ] ||
    { echo "FAIL oskext-codes.tsv has no printed_as column"; fail=1; }
# a rule's decode: capture holding printed text decodes it (kext.tool-load-failed's reason and
# kreason), so explain names that rule for the code its examples print
for arg in '(os/kern) failure' 0xdc008017; do
    "$dw" explain --rules "$rules" "$arg" | grep -q '^kext.tool-load-failed  (' ||
        { echo "FAIL explain $arg does not name kext.tool-load-failed"; fail=1; }
done
# codes as they appear in logs, without a table prefix; a negative number is an operand
for arg in -67050 0xe00002e2 OSSystemExtensionErrorDomain:8 sysext:8 amfi:-413 -603946981; do
    n=$((n + 1))
    "$dw" explain --rules "$rules" "$arg" >/dev/null 2>&1 || { echo "FAIL explain $arg"; fail=1; }
done
"$dw" explain --rules "$rules" -67050 | grep -q 'amfi.requirement-failed' || { echo "FAIL -67050 names no rule"; fail=1; }
"$dw" explain --rules "$rules" sysext:8 | grep -q 'sx.err-code-signature' || { echo "FAIL sysext:8 names no rule"; fail=1; }
"$dw" explain --rules "$rules" -- -67050 >/dev/null 2>&1 || { echo "FAIL explain -- -67050"; fail=1; }
# other spellings of one code, and the class each row implies
"$dw" explain --rules "$rules" 0xfffefa16 | grep -q 'errSecCSReqFailed' || { echo "FAIL 0xfffefa16"; fail=1; }
"$dw" explain --rules "$rules" 0xfffffffffffefa16 | grep -q 'errSecCSReqFailed' || { echo "FAIL 64-bit hex"; fail=1; }
"$dw" explain --rules "$rules" -2147409622 | grep -q 'CSSMERR_TP_NOT_TRUSTED' || { echo "FAIL CSSM decimal"; fail=1; }
"$dw" explain --rules "$rules" KMErrorDomain:29 | grep -q 'kext.kmerror' || { echo "FAIL KMErrorDomain:29 names no rule"; fail=1; }
"$dw" explain --rules "$rules" -67050 | grep -q 'class codesign.requirement)' || { echo "FAIL -67050 class"; fail=1; }
# a symbol in another case; a misspelt one is refused with the nearest name
"$dw" explain --rules "$rules" errseccsreqfailed | grep -q '^-67050  errSecCSReqFailed ' ||
    { echo "FAIL explain by symbol ignoring case"; fail=1; }
"$dw" explain --rules "$rules" errSecCSReqFaild >/dev/null 2>/tmp/explain_err.$$; st=$?
[ $st -eq 2 ] && [ "$(wc -l </tmp/explain_err.$$)" -eq 1 ] &&
    grep -q "did you mean 'errSecCSReqFailed'?" /tmp/explain_err.$$ ||
    { echo "FAIL misspelt symbol: exit $st, $(cat /tmp/explain_err.$$)"; fail=1; }
# every rule id and every class
for id in $("$dw" rules list --rules "$rules" | awk '{print $1}'); do
    n=$((n + 1))
    "$dw" explain --rules "$rules" "$id" | grep -q "^$id " || { echo "FAIL explain $id"; fail=1; }
done
"$dw" explain --rules "$rules" entitlement.provider-check | grep -q 'dk.provider-entitlements' ||
    { echo "FAIL class listing"; fail=1; }
# unknown input: exit 2 and a message
for bad in nonsense -1234567 sysext:99 nosuchdomain:5 dk.no-such-rule; do
    "$dw" explain --rules "$rules" "$bad" >/dev/null 2>/tmp/explain_err.$$
    st=$?
    if [ $st -ne 2 ] || ! grep -q 'not a code' /tmp/explain_err.$$; then
        echo "FAIL explain $bad: exit $st (expected 2 with a message)"; fail=1
    fi
done
rm -f /tmp/explain_err.$$
"$dw" explain --rules "$rules" -x >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL unknown option"; fail=1; }
echo "explain: $n inputs checked"
exit $fail
