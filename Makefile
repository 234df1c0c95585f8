# Thin wrapper over CMake/CTest so that two commands do everything:
#   make run    install deps, build, scan the bundled sample logs into a DB, list incidents
#   make test   install deps, build, run every test
#   make fuzz   build the libFuzzer harnesses (clang) in build-fuzz, run each FUZZ_SECONDS
BUILD ?= build
CMAKE_FLAGS ?=
SAMPLE_DB ?= $(BUILD)/sample.db
JOBS ?= 2

FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES ?=

.PHONY: all deps build run test clean fuzz

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DDW_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@$(BUILD)/dextwatch scan --db $(SAMPLE_DB) tests/logs/*.log; test $$? -le 1
	@echo
	@$(BUILD)/dextwatch recent --db $(SAMPLE_DB)

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DDW_FUZZ=ON -DDW_WERROR=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

clean:
	rm -rf $(BUILD) build-*
