#!/bin/sh
# homebrew.sh SOURCE_DIR - checks packaging/homebrew/dextwatch.rb as far as Linux allows:
# stamps a copy with a release tarball of HEAD (scripts/release-tarball.sh), checks that the
# url/sha256 lines match the tarball and that `ruby -c` accepts it, then runs the formula's own
# install steps on the unpacked tarball and its `test do` block against what they installed.
set -eu
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "homebrew: $*" >&2; exit 1; }
command -v ruby >/dev/null || fail "ruby is missing (scripts/install-deps.sh installs it)"

cp "$src/packaging/homebrew/dextwatch.rb" "$tmp/dextwatch.rb"
# the tarball holds the working tree's tracked files as they are now (uncommitted changes too)
DW_RELEASE_REV=$(git -C "$src" stash create)
[ -n "$DW_RELEASE_REV" ] || DW_RELEASE_REV=HEAD
export DW_RELEASE_REV
set -- $(cd "$src" && scripts/release-tarball.sh 0.0.0-test "$tmp" "$tmp/dextwatch.rb")
tarball=$1 sum=$2
grep -q "^  sha256 \"$sum\"\$" "$tmp/dextwatch.rb" || fail "formula's sha256 is not the tarball's"
grep -q '^  url ".*/dextwatch-0.0.0-test.tar.gz"$' "$tmp/dextwatch.rb" || fail "formula's url not stamped"
ruby -c "$tmp/dextwatch.rb" >/dev/null || fail "ruby -c rejects the stamped formula"
ruby -c "$src/packaging/homebrew/dextwatch.rb" >/dev/null || fail "ruby -c rejects the formula"

# the same bytes again for the same commit (a release can be re-made and checked)
mkdir "$tmp/again"
cp "$src/packaging/homebrew/dextwatch.rb" "$tmp/again/dextwatch.rb"
set -- $(cd "$src" && scripts/release-tarball.sh 0.0.0-test "$tmp/again" "$tmp/again/dextwatch.rb")
[ "$2" = "$sum" ] || fail "tarball is not reproducible ($2 != $sum)"

mkdir "$tmp/src" "$tmp/test"
tar -xzf "$tarball" -C "$tmp/src"
ruby "$src/tests/packaging/formula_shim.rb" "$tmp/dextwatch.rb" "$tmp/prefix" \
    "$tmp/src/dextwatch-0.0.0-test" "$tmp/test" >"$tmp/log" 2>&1 || { tail -n 30 "$tmp/log"; fail "formula install/test failed"; }
[ -f "$tmp/prefix/share/man/man1/dextwatch.1" ] || fail "the man page is not installed"
for f in bash-completion/completions/dextwatch zsh/site-functions/_dextwatch \
         fish/vendor_completions.d/dextwatch.fish; do
    [ -s "$tmp/prefix/share/$f" ] || fail "completion share/$f is not installed"
done
# relocatable: the same install moved to another prefix finds its own rules
mv "$tmp/prefix" "$tmp/moved"
(cd "$tmp" && env -u DEXTWATCH_RULES "$tmp/moved/bin/dextwatch" rules test >"$tmp/moved.log" 2>&1) ||
    { cat "$tmp/moved.log"; fail "an install moved to another prefix does not find its rules"; }
tail -n 1 "$tmp/log"
