# zerowamp — the two commands a newcomer needs are `make demo` and `make test` (see README.md).
#
# Everything the build and the tests need is installed under the repository by the targets below:
# a Python virtualenv in .venv/ (pinned in requirements-dev.txt) and pinned cargo tools in .tools/.

SHELL        := bash
.SHELLFLAGS  := -eu -o pipefail -c
CARGO        ?= cargo
PYTHON       ?= python3
CC           ?= cc
CXX          ?= c++
CBINDGEN_VERSION := 0.29.4
CARGO_FUZZ_VERSION := 0.13.2

VENV      := .venv
VENV_PY   := $(VENV)/bin/python
FLATC     := $(VENV)/bin/flatc
CBINDGEN  := .tools/bin/cbindgen
CARGO_FUZZ := .tools/bin/cargo-fuzz
RELEASE   := target/release
LIB_A     := $(RELEASE)/libzerowamp.a
LIB_SO    := $(RELEASE)/libzerowamp.so
BUILD     := build

CWARN      := -Wall -Wextra -Wpedantic -Werror
C_LIBS     := -lpthread -ldl -lm
export ZW_TESTSUITE_DIR ?= $(abspath ../shared/wamp-testsuite)

.PHONY: all build release venv tools header check-header schemas check-schemas lint test test-rust \
        test-c test-header demo bench bench-store bench-codecs fuzz-quick fuzz clean

all: release

# --- tools -------------------------------------------------------------------------------------

$(VENV)/.stamp: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.stamp

$(CBINDGEN):
	$(CARGO) install -q cbindgen --version =$(CBINDGEN_VERSION) --locked --root .tools

$(CARGO_FUZZ):
	$(CARGO) install -q cargo-fuzz --version =$(CARGO_FUZZ_VERSION) --locked --root .tools

tools: venv $(CBINDGEN)

# --- build -------------------------------------------------------------------------------------

build release:
	$(CARGO) build --release --lib

# --- generated files (committed; these targets regenerate or check them) -----------------------

header: $(CBINDGEN)
	$(CBINDGEN) --config cbindgen.toml --output include/zerowamp.h

check-header: $(CBINDGEN)
	@$(CBINDGEN) --config cbindgen.toml --verify --output include/zerowamp.h 2>/dev/null || \
	  { echo "include/zerowamp.h is stale: run 'make header' and commit it"; exit 1; }
	@echo "check-header: include/zerowamp.h is up to date"

schemas: venv
	schemas/generate.sh

check-schemas: venv
	@scratch=$$(mktemp -d); trap 'rm -rf "$$scratch"' EXIT; \
	schemas/generate.sh "$$scratch"; \
	diff -r "$$scratch/generated" schemas/generated && diff -r "$$scratch/bfbs" schemas/bfbs || \
	  { echo "generated schema code is stale: run 'make schemas' and commit it"; exit 1; }
	@echo "check-schemas: generated code matches schemas/*.fbs"

# --- checks and tests --------------------------------------------------------------------------

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --all-targets -q -- -D warnings

test-rust:
	$(CARGO) test --quiet

# The header alone compiles as C11 and as C++17 with every warning an error.
test-header:
	@mkdir -p $(BUILD)
	printf '#include "zerowamp.h"\nint main(void) { return ZW_OK; }\n' > $(BUILD)/header_c.c
	$(CC) -std=c11 $(CWARN) -Iinclude $(BUILD)/header_c.c -o $(BUILD)/header_c
	cp $(BUILD)/header_c.c $(BUILD)/header_cpp.cpp
	$(CXX) -std=c++17 $(CWARN) -Iinclude $(BUILD)/header_cpp.cpp -o $(BUILD)/header_cpp

# The C tests: built with every warning an error against the static library, run under valgrind
# (any memory error or leak fails them).
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
            --errors-for-leak-kinds=definite,indirect
C_TESTS  := $(patsubst tests/c/%.c,$(BUILD)/c/%,$(wildcard tests/c/test_*.c))

$(BUILD)/c/%: tests/c/%.c tests/c/*.h include/zerowamp.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -g $(CWARN) -Iinclude -Itests/c $< $(LIB_A) $(C_LIBS) -o $@

$(LIB_A) $(LIB_SO): release

test-c: release $(C_TESTS)
	@scratch=$$(mktemp -d); trap 'rm -rf "$$scratch"' EXIT; \
	$(VALGRIND) $(BUILD)/c/test_store schemas/bfbs/record.bfbs "$$scratch"

test: tools check-header check-schemas lint test-header test-rust test-c
	@echo "make test: all passed"

# --- the demo and benchmarks -------------------------------------------------------------------

$(BUILD)/examples/%: examples/c/%.c tests/c/sample_record.h include/zerowamp.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 $(CWARN) -Iinclude -Itests/c $< $(LIB_A) $(C_LIBS) -o $@

demo: release $(BUILD)/examples/store_demo
	@scratch=$$(mktemp -d); trap 'rm -rf "$$scratch"' EXIT; \
	$(BUILD)/examples/store_demo schemas/bfbs/record.bfbs "$$scratch"

LMDB_INCLUDE = $(shell $(CARGO) metadata --format-version 1 2>/dev/null | $(PYTHON) -c \
  'import json,sys,os; m=json.load(sys.stdin); p=[p for p in m["packages"] if p["name"]=="lmdb-master-sys"][0]; print(os.path.join(os.path.dirname(p["manifest_path"]),"lmdb/libraries/liblmdb"))')

$(BUILD)/bench/store_bench: bench/store_bench.c tests/c/sample_record.h include/zerowamp.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 $(CWARN) -Iinclude -Itests/c -I$(LMDB_INCLUDE) $< $(LIB_A) $(C_LIBS) -o $@

bench-store: release $(BUILD)/bench/store_bench
	@scratch=$$(mktemp -d); trap 'rm -rf "$$scratch"' EXIT; \
	$(BUILD)/bench/store_bench schemas/bfbs/record.bfbs "$$scratch"; \
	$(CARGO) run -q --release --example store_bench -- schemas/bfbs/record.bfbs "$$scratch/rust"

# Encode/decode time per message for each codec, small EVENT and 64 KiB EVENT, and the copies of
# the payload (about a minute).
bench-codecs:
	$(CARGO) bench --bench codecs

bench: bench-store

# --- fuzzing (cargo-fuzz / libFuzzer; fuzz/ is its own crate) ------------------------------------
#
# Seeds come from the conformance vectors (fuzz/seed.rs writes fuzz/corpus/<target>/); the corpus
# grows as the fuzzer finds new inputs, and crashes land in fuzz/artifacts/<target>/ (both
# git-ignored). A crash fails the target: add its input to tests/fuzz_regressions.rs.
#
# Time budget: fuzz-quick runs each of the 11 targets for FUZZ_QUICK_SECONDS (10 s: about 2.5 min
# in all, after the first build); fuzz for FUZZ_SECONDS each (5 min: about an hour).
# cargo-fuzz needs nightly flags (-Z sanitizer=address): RUSTC_BOOTSTRAP=1 lets stable take them.

FUZZ_TARGETS       := codec_json codec_msgpack codec_cbor batched_json batched_msgpack batched_cbor \
                      message_list rawsocket transport_url uri session
FUZZ_QUICK_SECONDS ?= 10
FUZZ_SECONDS       ?= 300
FUZZ_TARGET_DIR    ?= $(abspath fuzz/target)
FUZZ_CARGO         := RUSTC_BOOTSTRAP=1 $(CARGO_FUZZ) fuzz
FUZZ_FLAGS         := --fuzz-dir fuzz --target-dir $(FUZZ_TARGET_DIR)

# $(call fuzz_all,seconds): seed, build, run every target; on a crash, show its log and fail.
define fuzz_all
	cd fuzz && CARGO_TARGET_DIR=$(FUZZ_TARGET_DIR) $(CARGO) run -q --example seed -- corpus
	$(FUZZ_CARGO) build $(FUZZ_FLAGS)
	@mkdir -p fuzz/artifacts; \
	for t in $(FUZZ_TARGETS); do \
	  log=fuzz/artifacts/$$t.log; \
	  if $(FUZZ_CARGO) run $(FUZZ_FLAGS) $$t -- -max_total_time=$(1) -timeout=10 \
	       -rss_limit_mb=2048 -print_final_stats=1 >"$$log" 2>&1; then \
	    printf '%-16s ok: %s; %s\n' "$$t" "$$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$$log")" \
	      "$$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*' "$$log" | tail -1)"; \
	  else \
	    tail -n 60 "$$log"; echo "fuzz target $$t FAILED (log: $$log, input: fuzz/artifacts/$$t/)"; exit 1; \
	  fi; \
	done
endef

fuzz-quick: $(CARGO_FUZZ)
	$(call fuzz_all,$(FUZZ_QUICK_SECONDS))

fuzz: $(CARGO_FUZZ)
	$(call fuzz_all,$(FUZZ_SECONDS))

clean:
	$(CARGO) clean
	rm -rf $(BUILD)
