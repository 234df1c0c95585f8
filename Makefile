# Thin wrapper over CMake/CTest so that two commands do everything:
#   make run    install deps, build, scan the bundled sample logs into a DB, list incidents
#   make test   install deps, build, run every test
BUILD ?= build
CMAKE_FLAGS ?=
SAMPLE_DB ?= $(BUILD)/sample.db
JOBS ?= 2

.PHONY: all deps build run test clean

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

clean:
	rm -rf $(BUILD) build-*
