#!/usr/bin/env bash
# Compiles every source as if for macOS (__APPLE__ defined, __linux__ not),
# syntax only, with -Werror, so the macOS code cannot rot unseen on a
# Linux-only CI: the sources a macOS build compiles, that is collector/*.c
# with osdep-darwin.c and without osdep-linux.c (as CMakeLists.txt picks).  Apple-only headers come from macos-sdk/ (prototypes
# copied from Apple's SDK).  Not a substitute for a real Apple clang build.
# usage: macos_syntax.sh SOURCE_DIR
set -u
src=$1
cc=$(command -v clang || true)
[ -n "$cc" ] || { echo "clang not found: skipped"; exit 77; }
flags=$(pkg-config --cflags jansson sqlite3 libpcre2-8 yaml-0.1 zlib 2>/dev/null)
fail=0 n=0
[ -f "$src/collector/osdep-darwin.c" ] || { echo "FAIL: collector/osdep-darwin.c is missing"; exit 1; }
for f in "$src"/collector/*.c; do
    [ "$(basename "$f")" = osdep-linux.c ] && continue
    n=$((n + 1))
    # shellcheck disable=SC2086
    if ! "$cc" -std=c17 -fsyntax-only -Wall -Wextra -Werror -D_XOPEN_SOURCE=700 \
        -D__APPLE__ -U__linux__ -U__gnu_linux__ -I"$src/tests/portability/macos-sdk" \
        -I"$src/include" -DDW_VERSION='"0"' -DDW_BUILD_DIR='"/b"' -DDW_SOURCE_RULES='"/r"' \
        -DDW_DATADIR='"/d"' -DDW_BINDIR_TO_DATADIR='"../share/dextwatch"' $flags "$f"; then
        echo "FAIL: $f"
        fail=$((fail + 1))
    fi
done
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
