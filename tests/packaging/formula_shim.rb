# formula_shim.rb FORMULA PREFIX SRC TESTDIR - runs a Homebrew formula's `install` (in SRC,
# installing to PREFIX) and its `test do` block (in TESTDIR) without Homebrew: just enough of
# Formula's DSL for packaging/homebrew/dextwatch.rb.  Every `system` must succeed, every
# assertion must hold, or this exits non-zero.
require "pathname"

class Formula
  class << self
    attr_reader :test_block
    def test(&block) = (@test_block = block)
    %i[desc homepage url sha256 license head depends_on uses_from_macos].each do |m|
      define_method(m) { |*_args, **_kw| nil }
    end
  end

  def std_cmake_args = ["-DCMAKE_INSTALL_PREFIX=#{PREFIX}", "-DCMAKE_BUILD_TYPE=Release"]
  def bin = Pathname(PREFIX) / "bin"
  def testpath = Pathname(TESTDIR)

  def system(*args)
    Kernel.system(*args.map(&:to_s)) or abort("formula: failed: #{args.join(" ")}")
  end

  def shell_output(cmd, status = 0)
    out = IO.popen(cmd.split(" "), &:read)
    $?.exitstatus == status or abort("formula: '#{cmd}' exited #{$?.exitstatus}, want #{status}")
    out
  end

  def assert_match(pattern, text)
    text.include?(pattern) or abort("formula: output lacks #{pattern.inspect}")
  end
end

formula, PREFIX, src, TESTDIR = ARGV
load formula
klass = Object.const_get(:Dextwatch)
Dir.chdir(src) { klass.new.install }
Dir.chdir(TESTDIR) { klass.new.instance_eval(&klass.test_block) }
puts "formula: install and test ok"
