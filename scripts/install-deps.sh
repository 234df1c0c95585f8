#!/bin/sh
# Installs what dextwatch needs to build and test, if it is missing:
# Debian/Ubuntu with apt-get, macOS with Homebrew.  Safe to run again.
set -eu

if [ "$(uname -s)" = Darwin ]; then
    command -v brew >/dev/null 2>&1 || { echo "install Homebrew first: https://brew.sh" >&2; exit 1; }
    for p in cmake pkg-config pcre2 sqlite jansson libyaml cmocka zlib libplist openssl@3; do
        brew list --versions "$p" >/dev/null 2>&1 || brew install "$p"
    done
    exit 0
fi

# gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user run the NEON
# scanner (Apple Silicon's path) under emulation: tests/portability/neon.sh
# ripgrep: bench/run.sh compares against it; rules.export_rg checks it accepts the export
pkgs="cmake make gcc clang clang-format pkg-config libpcre2-dev libsqlite3-dev sqlite3 libjansson-dev libyaml-dev libcmocka-dev libxml2-utils zlib1g-dev libplist-dev libssl-dev python3 ruby mandoc zsh fish libclang-rt-dev valgrind rsyslog gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user ripgrep"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing:$missing" >&2
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
