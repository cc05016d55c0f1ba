# The two commands of the README, and their parts. Every target first installs what is missing.
#   make run    build, migrate the embedded database, serve on 127.0.0.1:8080
#   make test   build, run every test (SQLite and a throwaway PostgreSQL cluster), on the release
#               build and under ASan + UBSan, then a 60 s smoke run of each fuzz target

SHELL := /bin/bash
PRESET ?= release
BUILD_DIR := build/$(PRESET)
BINARY := $(BUILD_DIR)/usertasks
DATABASE ?= sqlite:usertasks.db
HOST ?= 127.0.0.1
PORT ?= 8080

BUILD_PACKAGES := g++ make cmake ninja-build pkg-config libboost1.81-dev libboost-json1.81-dev \
  libboost-url1.81-dev libsqlite3-dev libpq-dev libssl-dev libspdlog-dev libfmt-dev libcli11-dev
# The .deb: dpkg-shlibdeps computes its Depends; adduser is one of them (its postinst).
PACKAGE_PACKAGES := dpkg-dev adduser
TEST_PACKAGES := libgtest-dev libgmock-dev libbenchmark-dev postgresql-15 clang-format clang \
  libclang-rt-14-dev chromium $(PACKAGE_PACKAGES)
# GET /docs fetches Swagger UI with npm at build time. The nodejs package installed on some
# machines bundles npm, and Debian's npm package would conflict with it: so nodejs and npm are
# installed only when there is no npm command.
NPM_PACKAGES := $(if $(shell command -v npm),,nodejs npm)
BENCH_PACKAGES := wrk postgresql-15 postgresql-client-15 sqlite3 libbenchmark-dev curl nginx-light

.PHONY: all build run test suite deps test-deps test-asan asan test-tsan tsan fuzz format format-check clean package

all: build

# Installs the Debian packages in $(1) that are not installed yet (apt-get; root only).
define install_missing
	@missing=$$(for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -ne 0 ]; then \
	    echo "Missing Debian packages: $$missing"; \
	    echo "Run as root, or install them first: sudo apt-get install -y $$missing"; exit 1; \
	  fi; \
	  echo "Installing: $$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call install_missing,$(BUILD_PACKAGES) $(NPM_PACKAGES))

test-deps: deps
	$(call install_missing,$(TEST_PACKAGES))

build: deps
	cmake --preset $(PRESET)
	cmake --build --preset $(PRESET)

run: build
	$(BINARY) --database $(DATABASE) db upgrade
	$(BINARY) --database $(DATABASE) serve --host $(HOST) --port $(PORT)

# Everything CI runs: the suite on the release build (with the browser and package tests), the
# suite again under ASan + UBSan (clang, with the fuzz seeds and regressions replayed), and each
# fuzz target for FUZZ_SMOKE_SECONDS (all four at once: one minute, where two at a time take two).
test: test-deps
	$(MAKE) suite PRESET=release
	$(MAKE) suite PRESET=asan
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) FUZZ_JOBS=4

# One preset's build and every ctest entry of it; on release, also `db check` on a fresh file.
suite: test-deps
	cmake --preset $(PRESET)
	cmake --build --preset $(PRESET)
	ctest --preset $(PRESET) --output-on-failure
	@# The models and the migrations must agree (PostgreSQL: the MigrateCli integration tests).
	rm -f $(BUILD_DIR)/check.db && $(BINARY) --database sqlite:$(BUILD_DIR)/check.db db upgrade
	$(BINARY) --database sqlite:$(BUILD_DIR)/check.db db check

# The full suite under ASan + UBSan, built by clang (the asan preset); it also replays every fuzz
# seed and regression input (ctest label fuzz).
test-asan:
	$(MAKE) suite PRESET=asan

asan: test-asan

test-tsan:
	$(MAKE) suite PRESET=tsan

tsan: test-tsan

# libFuzzer (docs/reliability.md): each target for FUZZ_SECONDS, FUZZ_JOBS at a time, on a scratch copy
# of fuzz/corpus under build/asan. Fails when a target finds a crash (build/asan/fuzz-artifacts/).
#   make fuzz [FUZZ_SECONDS=600] [FUZZ_JOBS=2]
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 2
FUZZ_SMOKE_SECONDS ?= 60
FUZZ_TARGETS := fuzz_request fuzz_json_body fuzz_query fuzz_revision
fuzz: test-deps
	cmake --preset asan
	cmake --build --preset asan --target $(FUZZ_TARGETS)
	printf '%s\n' $(FUZZ_TARGETS) | xargs -P $(FUZZ_JOBS) -I '{}' fuzz/run.sh '{}' $(FUZZ_SECONDS) build/asan

# The Debian package (docs/packaging.md): $(BUILD_DIR)/package/usertasks_<version>_<arch>.deb
package: deps
	$(call install_missing,$(PACKAGE_PACKAGES))
	cmake --preset $(PRESET)
	cmake --build --preset $(PRESET)
	cd $(BUILD_DIR) && cpack

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.cpp' '*.hpp')

# The benchmark against the database's own ceiling (docs/performance.md); not part of `make test`.
# Builds only what it runs (the release binary and bench/), so a test being edited cannot stop it.
#   make bench [ARGS=--scale] [BENCH_SECONDS=10]
.PHONY: bench
bench: deps
	$(call install_missing,$(BENCH_PACKAGES))
	cmake --preset release
	cmake --build --preset release --target usertasks bench_sql sqlite_ceiling bench_micro sse_bench
	BENCH_SECONDS=$(or $(BENCH_SECONDS),10) bench/run.sh $(ARGS)

# The soak test (docs/reliability.md): 64 clients for SOAK_SECONDS on SQLite, then on a throwaway
# PostgreSQL cluster, every acknowledged write checked against the database, memory watched.
# Not part of `make test`; builds only the release binary and the soak program.
#   make soak [SOAK_SECONDS=120]
SOAK_PACKAGES := libgtest-dev libgmock-dev postgresql-15
.PHONY: soak
soak: deps
	$(call install_missing,$(SOAK_PACKAGES))
	cmake --preset release
	cmake --build --preset release --target usertasks soak
	build/release/tests/soak --backend all --seconds $(or $(SOAK_SECONDS),120)

clean:
	rm -rf build
