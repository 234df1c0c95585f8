#!/usr/bin/env bash
# The libplist >= 2.3 branch of collector/bundle_plist.c (Homebrew's libplist:
# four-argument plist_from_memory, plist_get_unix_date_val) compiles, syntax
# only, -Werror, against the stand-in header in libplist-2.3/; CMake picks
# that branch on macOS (check_c_source_compiles in CMakeLists.txt).
#   plist_api.sh SOURCE_DIR
set -u
src=$1
cc=$(command -v clang || command -v cc)
for defs in "-DDW_PLIST_FROM_MEMORY_FORMAT=1 -DDW_PLIST_UNIX_DATE=1" ""; do
    inc="-I$src/tests/bundle/libplist-2.3"
    [ -z "$defs" ] && inc=$(pkg-config --cflags libplist-2.0)
    # shellcheck disable=SC2086
    "$cc" -std=c17 -fsyntax-only -Wall -Wextra -Werror -D_XOPEN_SOURCE=700 $defs $inc \
        -I"$src/include" "$src/collector/bundle_plist.c" ||
        { echo "FAIL: bundle_plist.c with '${defs:-libplist 2.2}'"; exit 1; }
done
echo "plist_api: 2 passed, 0 failed"
