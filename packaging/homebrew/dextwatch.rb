# Homebrew formula for dextwatch.
#
# Until the first release this formula builds the development head (`brew install --HEAD`).
# `scripts/release-tarball.sh VERSION [OUTDIR]` makes a release tarball (git archive of HEAD,
# deterministic gzip) and writes its url and sha256 into this file below `homepage`.
# tests/packaging/homebrew.sh (CTest packaging.homebrew) stamps a copy with a tarball of the
# working tree, checks it with `ruby -c`, and runs its install and test steps on Linux.
class Dextwatch < Formula
  desc "Explains why a macOS DriverKit extension, system extension or kext did not load"
  homepage "https://github.com/dextwatch/dextwatch"
  license "Apache-2.0"
  head "https://github.com/dextwatch/dextwatch.git", branch: "main"

  depends_on "cmake" => :build
  depends_on "pkg-config" => :build
  depends_on "jansson"
  depends_on "libplist"
  depends_on "libyaml"
  depends_on "openssl@3"
  depends_on "pcre2"
  depends_on "sqlite"

  uses_from_macos "zlib"

  def install
    system "cmake", "-S", ".", "-B", "build", "-DDW_TESTS=OFF", *std_cmake_args
    system "cmake", "--build", "build"
    system "cmake", "--install", "build"
  end

  test do
    (testpath/"dext.log").write <<~LOG
      kernel: DK: MyDriver-0x100000f45: provider entitlements check failed
      kernel: DK: IOUserServer(com.MyDriver-0x100000f45)::exit(Entitlements check failed)
    LOG
    output = shell_output("#{bin}/dextwatch scan --no-store #{testpath}/dext.log", 1)
    assert_match "entitlement.provider-check", output
    system bin/"dextwatch", "rules", "test"
  end
end
