# mk/registry.mk — the certificate registry (included by the top-level Makefile).
#
#   make deps-registry    Debian packages: PostgreSQL (the tests start a throwaway cluster),
#                         Chromium (headless browser test), fonts for its screenshot
#   make test-registry    API tests on SQLite and on PostgreSQL, tamper detection, the uploader
#                         contract and a kill -9 restart, headless Chromium (screenshot kept in
#                         target/test-artifacts/registry/), property tests, then the cargo-fuzz
#                         target for 45 s (scripts/registry-test.sh)
#   make bench-registry   load benchmark on loopback (not a test): certificates/s, p50/p99,
#                         200 clients for 60 s with a registry kill -9 and restart in the middle
#   make fuzz-registry    the fuzz target alone, FUZZ_SECONDS (default 300)

REGISTRY_PACKAGES := postgresql chromium fonts-dejavu-core ca-certificates curl
FUZZ_SECONDS ?= 300

.PHONY: deps-registry test-registry test-registry-fuzz bench-registry fuzz-registry

deps-registry:
	scripts/apt-install.sh $(REGISTRY_PACKAGES)

test-registry: deps-registry
	timeout -k 10 900 scripts/registry-test.sh

bench-registry: deps-registry
	scripts/registry-bench.sh

fuzz-registry:
	scripts/registry-fuzz.sh $(FUZZ_SECONDS)

# `make test` already ran the registry's tests in test-rust (with PostgreSQL and Chromium
# required); it adds the short fuzz run.
test-registry-fuzz: deps-registry
	scripts/registry-fuzz.sh 45

TEST_TARGETS += test-registry-fuzz
DEPS_TARGETS += deps-registry
