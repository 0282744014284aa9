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

VENV      := .venv
VENV_PY   := $(VENV)/bin/python
FLATC     := $(VENV)/bin/flatc
CBINDGEN  := .tools/bin/cbindgen
RELEASE   := target/release
LIB_A     := $(RELEASE)/libzerowamp.a
LIB_SO    := $(RELEASE)/libzerowamp.so
BUILD     := build

CWARN      := -Wall -Wextra -Wpedantic -Werror
C_LIBS     := -lpthread -ldl -lm
export ZW_TESTSUITE_DIR ?= $(abspath ../shared/wamp-testsuite)

.PHONY: all build release venv tools header check-header schemas check-schemas lint test test-rust \
        test-c test-header demo bench bench-store clean

all: release

# --- tools -------------------------------------------------------------------------------------

$(VENV)/.stamp: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.stamp

$(CBINDGEN):
	$(CARGO) install -q cbindgen --version =$(CBINDGEN_VERSION) --locked --root .tools

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

test: tools check-header lint test-header test-rust
	@echo "make test: all passed"

clean:
	$(CARGO) clean
	rm -rf $(BUILD)
