# Thin wrapper over CMake/CTest so that two commands do everything:
#   make run    install deps, build, scan samples/ into build/sample.db, list the incidents
#   make test   install deps, build, run every test
#   make fuzz   build the libFuzzer harnesses (clang) in build-fuzz, run them all within
#               FUZZ_BUDGET seconds in total, from the kept corpus (tests/fuzz/corpus)
#   make fuzz-long  a local campaign (FUZZ_LONG_BUDGET seconds) that merges what it
#               finds back into tests/fuzz/corpus (minimized, size-capped): commit it
BUILD ?= build
CMAKE_FLAGS ?=
SAMPLE_DB ?= $(BUILD)/sample.db
JOBS ?= 2

FUZZ_BUILD ?= build-fuzz
FUZZ_BUDGET ?= 600
FUZZ_LONG_BUDGET ?= 3600
FUZZ_HARNESSES ?=

.PHONY: all deps build run test clean fuzz fuzz-build fuzz-long

all: build

deps:
	@scripts/install-deps.sh

# The build is quiet: its output goes to $(BUILD)/build.log and is shown only
# when it fails.
build: deps
	@mkdir -p $(BUILD)
	@{ cmake -S . -B $(BUILD) -DDW_WERROR=ON $(CMAKE_FLAGS) && \
	   cmake --build $(BUILD) -j $(JOBS); } >$(BUILD)/build.log 2>&1 || \
	 { cat $(BUILD)/build.log; echo "build failed (log: $(BUILD)/build.log)" >&2; exit 1; }

# The first run: three realistic failures (samples/README.md), stored in
# $(SAMPLE_DB), listed by `recent`; the full report goes to a file.
run: build
	@$(BUILD)/dextwatch scan --db $(SAMPLE_DB) samples/*.log >$(BUILD)/sample-report.txt; test $$? -le 1
	@$(BUILD)/dextwatch recent --db $(SAMPLE_DB)
	@echo
	@echo "Full report: $(BUILD)/sample-report.txt.  One incident in full, with what to do:"
	@echo "  export DEXTWATCH_DB=$(SAMPLE_DB); $(BUILD)/dextwatch show 1"

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

fuzz-build: deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DDW_FUZZ=ON -DDW_WERROR=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)

fuzz: fuzz-build
	@tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_BUDGET) $(FUZZ_HARNESSES)

fuzz-long: fuzz-build
	@FUZZ_MERGE=1 tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_LONG_BUDGET) $(FUZZ_HARNESSES)

clean:
	rm -rf $(BUILD) build-*
