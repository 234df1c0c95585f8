#!/usr/bin/env bash
# The NEON engine of litset.c, built for arm64 and run under qemu: a Linux
# x86 CI has no other way to execute it.  Cross-builds litset.c, util.c and
# litset_engines.c with aarch64-linux-gnu-gcc (-Werror, static) and runs the
# result with qemu-aarch64; the program compares the NEON engine with the
# scalar loop and a naive search.  Exit 77 (skipped) without the toolchain
# (Debian: gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user).
# usage: neon.sh SOURCE_DIR
set -u
src=$1
cc=$(command -v aarch64-linux-gnu-gcc || true)
qemu=$(command -v qemu-aarch64 || command -v qemu-aarch64-static || true)
if [ -z "$cc" ] || [ -z "$qemu" ]; then
    echo "aarch64-linux-gnu-gcc or qemu-aarch64 not found: skipped"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$cc" -std=c17 -O2 -Wall -Wextra -Werror -D_XOPEN_SOURCE=700 -static -I"$src/include" \
    -o "$tmp/litset_engines" "$src/collector/litset.c" "$src/collector/util.c" \
    "$src/tests/portability/litset_engines.c" || { echo "FAIL: arm64 build"; exit 1; }
out=$("$qemu" "$tmp/litset_engines") || { echo "$out"; echo "FAIL: under qemu"; exit 1; }
echo "$out"
case $out in
*"tested: neon scalar; all agree: yes"*) exit 0 ;;
*) echo "FAIL: the NEON engine was not the one tested"; exit 1 ;;
esac
