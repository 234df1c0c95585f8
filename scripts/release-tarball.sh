#!/bin/sh
# release-tarball.sh VERSION [OUTDIR [FORMULA]] - makes dextwatch-VERSION.tar.gz from HEAD
# (or $DW_RELEASE_REV; git archive, gzip -n: the same bytes for the same commit) in OUTDIR
# (default .), and writes
# its url and sha256 into the Homebrew formula (default packaging/homebrew/dextwatch.rb),
# replacing any earlier url/sha256 lines.  Prints the tarball's path and sha256.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 VERSION [OUTDIR [FORMULA]]" >&2; exit 2; }
version=$1
out=${2:-.}
top=$(git rev-parse --show-toplevel)
formula=${3:-$top/packaging/homebrew/dextwatch.rb}
case $version in *[!0-9A-Za-z.-]*|'') echo "bad version: $version" >&2; exit 2 ;; esac
tarball=$out/dextwatch-$version.tar.gz
git -C "$top" archive --format=tar --prefix="dextwatch-$version/" "${DW_RELEASE_REV:-HEAD}" | gzip -n -9 >"$tarball"
sum=$(sha256sum "$tarball" | cut -d' ' -f1)
url="https://github.com/dextwatch/dextwatch/releases/download/v$version/dextwatch-$version.tar.gz"
tmp=$(mktemp)
awk -v url="$url" -v sum="$sum" '
    /^  url "/ || /^  sha256 "/ { next }
    { print }
    /^  homepage "/ { printf "  url \"%s\"\n  sha256 \"%s\"\n", url, sum }
' "$formula" >"$tmp"
cat "$tmp" >"$formula"
rm -f "$tmp"
echo "$tarball $sum"
