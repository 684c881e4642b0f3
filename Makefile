# ardoise — build, test, image. `make test` is what CI runs (.ci/run) on a fresh Debian 12.
SHELL := /bin/bash
CARGO ?= cargo
# Packages the Rust tests and the lint need (loop devices, filesystems, PDF/QR checks, terminal
# tests, shellcheck); the two font packages are compiled into the donor PDF (crates/cert/build.rs).
BASE_PACKAGES := util-linux mount e2fsprogs dosfstools mtools kmod fio tmux shellcheck poppler-utils zbar-tools openssl ca-certificates pkg-config faketime fonts-dejavu-core fonts-droid-fallback

# Fragments add targets and append to TEST_TARGETS / DEPS_TARGETS.
TEST_TARGETS :=
DEPS_TARGETS :=
include $(sort $(wildcard mk/*.mk))

.PHONY: all build release test test-rust lint fmt deps deps-base check-toolchain check-disk clean
all: build

check-toolchain:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust (rustup) first" >&2; exit 1; }
	@$(CARGO) --version

deps-base:
	scripts/apt-install.sh $(BASE_PACKAGES)

deps: check-toolchain deps-base $(DEPS_TARGETS)

# A full `make test` peaks at about DISK_NEEDED_GIB of build output and images; a disk that fills
# up half-way fails with a linker "Bus error", so say it plainly before starting.
DISK_NEEDED_GIB ?= 12
check-disk:
	@free_kib=$$(df -Pk . | awk 'NR==2 {print $$4}'); \
	echo "free disk space here: $$((free_kib / 1048576)) GiB (make test needs about $(DISK_NEEDED_GIB) GiB)"; \
	if [ "$$free_kib" -lt $$(($(DISK_NEEDED_GIB) * 1048576)) ]; then \
		echo "not enough free disk space for make test: free some, or run 'make clean'" >&2; exit 1; fi

build: check-toolchain
	$(CARGO) build --workspace --all-targets

release: check-toolchain
	$(CARGO) build --release -p ardoise -p ardoise-registry

lint: check-toolchain
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	tests/lint/no-outside-paths.sh
	tests/lint/shellcheck.sh

# Tests that need PostgreSQL or Chromium fail (rather than skip) when they are missing.
test-rust: check-toolchain deps-base
	ARDOISE_REQUIRE_POSTGRES=1 ARDOISE_REQUIRE_BROWSER=1 ARDOISE_REQUIRE_REFERENCE_TOOLS=1 $(CARGO) test --workspace

# Everything: lint, Rust tests (loop devices need root), then the fragments' tests
# (QEMU boots, registry on SQLite/PostgreSQL with Chromium, TUI in tmux). A one-off build gains
# nothing from incremental compilation, whose cache would double the disk space it needs.
test: export CARGO_INCREMENTAL ?= 0
test: check-disk deps lint test-rust $(TEST_TARGETS)
	@echo "make test: all passed"

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
	rm -rf build
