# mk/readme.mk — every command README.md shows, run as written (tests/readme/run-readme.sh):
# `make demo` and `ardoise tui` in tmux until their first screen, quit as a user quits them.

.PHONY: test-readme
TEST_TARGETS += test-readme

test-readme: image
	timeout -k 10 1500 tests/readme/run-readme.sh
