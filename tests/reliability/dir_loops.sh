#!/usr/bin/env bash
# Symbolic-link loops in a scanned directory (issue 17, item 3).
#
#   dir_loops.sh DEXTWATCH SOURCE_DIR
#
# One failure in a directory that also holds `ln -s . a` (before: 41
# incidents), then a second loop `ln -s .. sub/up` (before: an endless walk),
# a link to the log file itself and a hard link of it: still exactly one
# incident, quickly.  Files in subdirectories and a link to a file outside
# are still read; a link to a directory inside the tree is not followed
# (documented in `scan --help`), a directory given on the command line is.
. "$(dirname "$0")/lib.sh" "$@"

# count DIR...: the number of incidents `scan --no-store` reports (30 s at most)
count() {
    timeout 30 "$DW" scan --no-store --quiet --fail-on never --format json "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    [ $rc -eq 124 ] && echo "timeout" && return
    wc -l <"$T/out"
}

mkdir -p d/sub
cp "$SRC/tests/logs/seed.default.log" d/one.log
n=$(count d)
[ "$n" = 1 ] || bad "setup: one log, $n incidents"
ln -s . d/a
n=$(count d)
[ "$n" = 1 ] || bad "ln -s . d/a: $n incidents (expected 1)"
ln -s .. d/sub/up
n=$(count d)
[ "$n" = 1 ] || bad "two loops: $n incidents (expected 1)"
ln -s one.log d/again.log
ln d/one.log d/sub/hard.log
n=$(count d)
[ "$n" = 1 ] || bad "a file link and a hard link of the same log: $n incidents (expected 1)"

# what is still read: a file in a subdirectory, a link to a file outside
mkdir -p e/sub outside
cp "$SRC/tests/logs/seed.default.log" e/sub/deep.log
cp "$SRC/tests/logs/kext-not-approved.log" outside/kext.log
ln -s ../outside/kext.log e/kext.log
want=$(( $(count e/sub/deep.log) + $(count outside/kext.log) ))
n=$(count e)
[ "$n" = "$want" ] || bad "subdirectory and file link: $n incidents (expected $want)"
# a link to a directory inside the tree is not followed; on the command line it is
ln -s ../outside e/linked
n=$(count e)
[ "$n" = "$want" ] || bad "a directory link inside the tree was followed: $n incidents"
n=$(count e/linked)
[ "$n" = "$(count outside/kext.log)" ] || bad "a directory link on the command line: $n incidents"

finish
