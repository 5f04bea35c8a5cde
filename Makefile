# asicnn: the two front-door commands, and a few more.
#   make demo           run the pipeline on data that installs itself
#   make test           build and run the whole test suite
#   make test-sanitize  the same suite under ASan + UBSan
#   make fuzz           build the libFuzzer harnesses and run each FUZZ_SECONDS
#   make bench          asicnn vs PyTorch training/inference speed (BENCH_ARGS="--images 2000")
#   make format         clang-format every C file in place
# CI=1 turns compiler warnings into errors.

BUILD        ?= build
BUILD_ASAN   ?= build-asan
BUILD_FUZZ   ?= build-fuzz
JOBS         ?= $(shell nproc)
FUZZ_SECONDS ?= 60
WERROR       := $(if $(CI),ON,OFF)
CMAKE_FLAGS  ?=

.PHONY: all bootstrap build data demo test test-sanitize fuzz bench format clean

all: build

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	@cmake -S . -B $(BUILD) -DASICNN_WERROR=$(WERROR) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

data: build
	@scripts/prepare-data.sh $(BUILD)/asicnn

demo: data
	@scripts/demo.sh $(BUILD)/asicnn

test: data
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-sanitize: data
	@cmake -S . -B $(BUILD_ASAN) -DASICNN_SANITIZE=ON -DASICNN_WERROR=$(WERROR) \
	  -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS)
	@cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

fuzz: bootstrap
	@CC=clang cmake -S . -B $(BUILD_FUZZ) -DASICNN_FUZZ=ON -DASICNN_TESTS=OFF >/dev/null
	@cmake --build $(BUILD_FUZZ) -j $(JOBS)
	@scripts/run-fuzz.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

# Benchmarks are never part of `make test`.
bench: data
	@bench/train_bench.sh --build $(BUILD) $(BENCH_ARGS)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
