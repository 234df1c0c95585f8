#!/bin/sh
# manpage.sh DEXTWATCH SOURCE_DIR - docs/dextwatch.1 is clean mdoc (`mandoc -Tlint`, warnings
# count) and true to the code: every long option that a command's --help lists appears in
# the rendered page.
set -eu
dw=$1
page=$2/docs/dextwatch.1
fail() { echo "manpage: $*" >&2; exit 1; }
command -v mandoc >/dev/null || fail "mandoc is missing (scripts/install-deps.sh installs it)"
mandoc -Tlint -W warning "$page" || fail "mandoc -Tlint reports the problems above"
text=$(mandoc -Tascii "$page" | col -b)
missing=0
for cmd in scan recent show rules explain predicate watch stats prune agent forward check; do
    "$dw" "$cmd" --help >/tmp/manpage.$$ 2>&1 || true
    # options as --help lists them: table rows ("  --db PATH", "  -q, --quiet") and usage
    # brackets ("[--db PATH"); not the `log` options its prose quotes
    for opt in $( { grep -oE -- '^ +(-[a-zA-Z], )?--[a-z][a-z-]+' /tmp/manpage.$$;
                    grep -oE -- '[[|] ?--[a-z][a-z-]+' /tmp/manpage.$$; } |
                  grep -oE -- '--[a-z][a-z-]+' | sort -u); do
        case $text in
            *"$opt"*) ;;
            *) echo "manpage: '$cmd $opt' is in --help but not in the man page" >&2; missing=1 ;;
        esac
    done
done
rm -f /tmp/manpage.$$
[ "$missing" -eq 0 ] || exit 1
echo "manpage: ok"
