# asicnn: the two front-door commands, and a few more.
#   make demo           run the pipeline on data that installs itself
#   make test           build and run the whole test suite
#   make test-sanitize  the same suite under ASan + UBSan
#   make fuzz           build the libFuzzer harnesses and run each FUZZ_SECONDS
#   make fuzz-chain     N random models x random chips through the whole chain (N=1000 SEED=1)
#   make bench          asicnn vs PyTorch training/inference speed (BENCH_ARGS="--images 2000");
#                       installs PyTorch (python3-torch) first
#   make bench-data     Fashion-MNIST load time vs zlib inflating the same files (DATA_BENCH_RUNS=5)
#   make bench-chip     cycles per image against the bounds, 4 models x 4 chips x batch 1/64
#   make bench-ort      asicnn vs ONNX Runtime (npm), float and int8, batch 1 and 64 (ORT_BENCH_ARGS="--threads 2")
#   make bench-zoo      torchvision ResNet-18/50, MobileNetV2 (random weights) on the chips and the
#                       anchors (NVDLA, Gemmini, VTA) (ZOO_BENCH_ARGS="--chips nvdla-2048")
#   make bench-rtl      simulator vs Verilated RTL speed on the digits CNN (RTL_BENCH_ARGS="--runs 5")
#   make test-rtl-npu16 the RTL built for npu16: bit- and cycle-exact on the seed and residual CNNs
#   make test-rtl-fpga  the same on npu16 with the FPGA array (two int8 products per DSP48E1)
#   make install        install into PREFIX (/usr/local): bin/asicnn, lib, include,
#                       share/asicnn (configs, models, hw, scripts), share/doc/asicnn
#   make format         clang-format every C file in place
# CI=1 turns compiler warnings into errors.

BUILD        ?= build
BUILD_ASAN   ?= build-asan
BUILD_FUZZ   ?= build-fuzz
BUILD_NPU16  ?= build-npu16
BUILD_FPGA   ?= build-fpga
JOBS         ?= $(shell nproc)
FUZZ_SECONDS ?= 60
WERROR       := $(if $(CI),ON,OFF)
CMAKE_FLAGS  ?=
PREFIX       ?= /usr/local

.PHONY: all bootstrap build install data demo test test-sanitize test-rtl-npu16 test-rtl-fpga fuzz \
  fuzz-chain bench bench-chip bench-data bench-ort bench-rtl bench-zoo format clean

all: build

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	@cmake -S . -B $(BUILD) -DASICNN_WERROR=$(WERROR) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

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

# The longer RTL target: the Verilated model of the npu16 chip (minutes).
test-rtl-npu16: data
	@cmake -S . -B $(BUILD_NPU16) -DASICNN_RTL_CHIP=$(CURDIR)/configs/npu16.json -DASICNN_TESTS=OFF \
	  -DASICNN_WERROR=$(WERROR) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_NPU16) -j $(JOBS) --target asicnn
	@tests/rtl_npu16.sh $(BUILD_NPU16)/asicnn

# The npu16 model with the array the XC7Z020 synthesis builds (hw/synth/xc7.ys
# defines AN_DSP_PACK: column pairs share one multiplier), on the same runs.
test-rtl-fpga: data
	@cmake -S . -B $(BUILD_FPGA) -DASICNN_RTL_CHIP=$(CURDIR)/configs/npu16.json -DASICNN_RTL_PACK=ON \
	  -DASICNN_TESTS=OFF -DASICNN_WERROR=$(WERROR) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_FPGA) -j $(JOBS) --target asicnn
	@tests/rtl_npu16.sh $(BUILD_FPGA)/asicnn

# No harness reaches the CUDA backend: the fuzz build leaves it out (its
# sanitizer flags are C-only anyway, so a build with it also works).
fuzz: bootstrap
	@echo "fuzz: GPU backend left out of the fuzz build (no harness reaches it)"
	@CC=clang cmake -S . -B $(BUILD_FUZZ) -DASICNN_FUZZ=ON -DASICNN_TESTS=OFF -DASICNN_CUDA=OFF \
	  >/dev/null
	@cmake --build $(BUILD_FUZZ) -j $(JOBS)
	@scripts/run-fuzz.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

# The differential tester (tests/chain/chain.h) on N cases from SEED: each
# new kind of bug is shrunk to a reproducer in tests/fixtures/chain/open/
# (replay: build/tests/chain_fuzz --replay FILE.txt; once fixed, move it up
# to tests/fixtures/chain/, which ctest replays). CHAIN_ARGS adds flags.
fuzz-chain: build
	@if ls tests/fixtures/chain/open/*.txt >/dev/null 2>&1; then \
	  echo "fuzz-chain: the open reproducers (FAIL = still open, pass = fixed: move it up)"; \
	  $(BUILD)/tests/chain_fuzz --replay tests/fixtures/chain/open || true; fi
	@nice -n 5 $(BUILD)/tests/chain_fuzz --seed $(or $(SEED),1) --cases $(or $(N),1000) \
	  --out tests/fixtures/chain/open $(CHAIN_ARGS)

# Benchmarks are never part of `make test`. The PyTorch peer (python3-torch)
# is installed here, after the packages `make data` installs.
bench: data
	@scripts/bootstrap.sh --bench
	@bench/train_bench.sh --build $(BUILD) $(BENCH_ARGS)

bench-chip: data
	@bench/chip_bench.sh --build $(BUILD) $(CHIP_BENCH_ARGS)

# torchvision's models exported by scripts/zoo_models.py into zoo/ (git-ignored).
bench-zoo: build
	@bench/zoo.sh --build $(BUILD) $(ZOO_BENCH_ARGS)

bench-data: data
	@$(BUILD)/bench/data_bench data/fashion-mnist $(or $(DATA_BENCH_RUNS),5)

# asicnn against ONNX Runtime in the same run (bench/ort_bench.sh).
bench-ort: data
	@bench/ort_bench.sh --build $(BUILD) $(ORT_BENCH_ARGS)

# The int8 digits CNN (out/digits.q8 from `make demo`, else 1 epoch on 500
# images) compiled for the rtl backend's chip at batch 2, then bench/rtl_bench.
bench-rtl: data
	@mkdir -p out
	@[ -f out/digits.q8 ] || { echo "bench-rtl: out/digits.q8 from 1 epoch on 500 images" && \
	  $(BUILD)/asicnn train models/seed_cnn.model data/digits -o out/digits.ckpt --epochs 1 \
	    --limit 500 --quiet >/dev/null && \
	  $(BUILD)/asicnn quantize out/digits.ckpt data/digits -o out/digits.q8 --calib-images 100 \
	    --no-eval >/dev/null; }
	@$(BUILD)/asicnn compile out/digits.q8 --chip configs/test4x4.json -o out/digits_test4x4.npu \
	  --batch 2 >/dev/null
	@$(BUILD)/bench/rtl_bench out/digits_test4x4.npu $(RTL_BENCH_ARGS)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ) $(BUILD_NPU16) $(BUILD_FPGA)
