# mk/tui.mk — the technician's interface (included by the top-level Makefile: `include mk/*.mk`).
#
#   make deps-tui       tmux and zbar-tools (the end-to-end tests drive tmux; QR codes are read
#                       back with zbarimg)
#   make test-tui       builds `ardoise`, then runs it in tmux (80x25, TERM=linux) over the
#                       simulator through the whole flow in French and English
#                       (tests/tui/tmux_flow.rs); about 15 s on 2 cores once built
#   make tui-captures   runs test-tui, copies the saved screens to docs/captures/ and refreshes
#                       the captures embedded in docs/guide-technicien.md and docs/technician-guide.md
#   make tui-demo       the interface over the simulator, on this terminal

TUI_TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)

.PHONY: deps-tui test-tui tui-captures tui-demo
TEST_TARGETS += test-tui
DEPS_TARGETS += deps-tui

deps-tui:
	scripts/apt-install.sh tmux zbar-tools

test-tui: check-toolchain
	$(CARGO) build -p ardoise
	rm -rf $(TUI_TARGET_DIR)/tui-captures
	ARDOISE_BIN=$(TUI_TARGET_DIR)/debug/ardoise ARDOISE_CAPTURE_DIR=$(TUI_TARGET_DIR)/tui-captures \
	  $(CARGO) test -p ardoise-tui --test tmux_flow -- --include-ignored --test-threads 2

tui-captures: test-tui
	rm -rf docs/captures
	mkdir -p docs/captures
	cp -r $(TUI_TARGET_DIR)/tui-captures/fr $(TUI_TARGET_DIR)/tui-captures/en docs/captures/
	tests/tui/embed-captures.sh docs/guide-technicien.md docs/technician-guide.md

tui-demo: check-toolchain
	$(CARGO) run -p ardoise -- tui --simulate
