# mk/live.mk — the workshop's live page with three simulated stations and headless Chromium
# (included by the top-level Makefile: `include mk/*.mk`).
#
#   make test-live-page   builds `ardoise` and `ardoise-registry` (debug), then
#                         tests/registry/test-live-page.sh: a registry on loopback, four stations
#                         provisioned as docs/cli.md says (three registered, one not) running
#                         `ardoise auto` over `sim:` disks; headless Chromium loads
#                         /atelier/{workshop} and sees three stations with progress bars, one
#                         killed mid-erase marked silent, the two others' verdicts; the JSON API
#                         agrees; the unregistered station's heartbeats are refused. About 30 s.
#                         Chromium and curl come from deps-registry (mk/registry.mk).
#   make deps-live-page   jq (the script reads the registry's JSON with it)

LIVE_TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)

.PHONY: deps-live-page test-live-page
TEST_TARGETS += test-live-page
DEPS_TARGETS += deps-live-page

deps-live-page:
	scripts/apt-install.sh jq

test-live-page: check-toolchain deps-registry deps-live-page
	$(CARGO) build -p ardoise -p ardoise-registry
	ARDOISE_BIN=$(LIVE_TARGET_DIR)/debug/ardoise ARDOISE_REGISTRY_BIN=$(LIVE_TARGET_DIR)/debug/ardoise-registry \
	  timeout -k 10 600 tests/registry/test-live-page.sh
