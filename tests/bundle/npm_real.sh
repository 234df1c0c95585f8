#!/usr/bin/env bash
# `dextwatch check` on real executables signed by Apple's toolchain, from
# packages on the npm registry (pinned versions; fetched once into CACHE):
#
#   @deno/darwin-arm64@2.9.6     deno: Developer ID Application: Deno Land Inc.
#                                (2H4KBF436B), hardened runtime, CMS signature,
#                                XML and DER entitlements (JIT and friends)
#   @esbuild/darwin-arm64@0.28.2 esbuild: Go's linker signature (ad-hoc,
#                                linker-signed, identifier a.out)
#
# The identifier, team and signer asserted here were read with `codesign -dvvv`
# semantics: they are what the CodeDirectory and the CMS signer certificate
# say.  Every page hash must verify (no codesign.modified finding).
# Exit 77 (skipped) when npm or the registry is not reachable.
#
#   npm_real.sh DEXTWATCH CACHE_DIR
set -u
DW=$1
CACHE=$2
mkdir -p "$CACHE"
command -v npm >/dev/null || { echo "npm not installed: skipped"; exit 77; }
fail=0 pass=0
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

fetch() { # package@version tarball-name
    [ -s "$CACHE/$2" ] && return 0
    (cd "$CACHE" && timeout 240 npm pack --silent "$1" >/dev/null 2>&1) && [ -s "$CACHE/$2" ]
}
fetch @deno/darwin-arm64@2.9.6 deno-darwin-arm64-2.9.6.tgz &&
    fetch @esbuild/darwin-arm64@0.28.2 esbuild-darwin-arm64-0.28.2.tgz ||
    { echo "npm registry not reachable: skipped"; exit 77; }
for t in deno-darwin-arm64-2.9.6 esbuild-darwin-arm64-0.28.2; do
    [ -d "$CACHE/$t" ] || { mkdir -p "$CACHE/$t" && tar xzf "$CACHE/$t.tgz" -C "$CACHE/$t"; }
done

expect() { # name json-file text
    grep -qF -- "$3" "$2" && pass=$((pass + 1)) || bad "$1: no '$3' in $2"
}

out=$CACHE/deno.json
"$DW" check -q --format json "$CACHE/deno-darwin-arm64-2.9.6/package/deno" >"$out"
[ $? -eq 0 ] || bad "deno: exit status (a clean Developer ID binary must pass)"
expect deno "$out" "arm64: identifier deno, team 2H4KBF436B, signed by 'Developer ID Application: Deno Land Inc. (2H4KBF436B)', hardened runtime; 19598 SHA-256 page hashes checked; the CMS's CDHashes match"
grep -q codesign.modified "$out" && bad "deno: a page or blob hash did not verify"

out=$CACHE/esbuild.json
"$DW" check -q --format json "$CACHE/esbuild-darwin-arm64-0.28.2/package/bin/esbuild" >"$out"
[ $? -eq 0 ] || bad "esbuild: exit status"
expect esbuild "$out" "arm64: identifier a.out, team none, signed by no certificate, ad-hoc, linker-signed; 2566 SHA-256 page hashes checked"
grep -q codesign.modified "$out" && bad "esbuild: a page hash did not verify"

# the same binary with one byte changed at 0x14007: deno has 4 KiB pages, so page 20
cp "$CACHE/deno-darwin-arm64-2.9.6/package/deno" "$CACHE/deno.patched"
printf '\x00' | dd of="$CACHE/deno.patched" bs=1 seek=$((5 * 16384 + 7)) conv=notrunc status=none
"$DW" check -q --format json "$CACHE/deno.patched" >"$CACHE/patched.json"
[ $? -eq 1 ] || bad "patched deno: not failing"
expect patched "$CACHE/patched.json" "pages differ from their hashes in the signature (1 CodeDirectory checked; first: page 20 at slice offset 0x14000)"
rm -f "$CACHE/deno.patched"

echo "bundle.npm: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
