# mk/reach.mk — hardware reach (included by the top-level Makefile: `include mk/*.mk`).
#
#   make deps-reference-tools   Debian's hdparm, nvme-cli, sg3-utils, mmc-utils and gcc: the
#                               Rust test crates/disk/tests/reference_tools.rs compiles an ioctl
#                               recorder and runs them (part of `make test-rust`, which requires
#                               them there: ARDOISE_REQUIRE_REFERENCE_TOOLS=1)
#   make test-hardware-matrix   tests/qemu/test-hardware-matrix.sh: one unattended boot with a disk
#                               behind every storage controller QEMU models, the upload through a
#                               USB Ethernet adapter, and one boot with a driver left out and a
#                               MegaRAID in RAID mode (NOT DONE, no power-off). Ports 18181 (env
#                               ARDOISE_MATRIX_PORT). Runtime in docs/performance.md.

REFERENCE_TOOLS := hdparm nvme-cli sg3-utils mmc-utils gcc libc6-dev

.PHONY: deps-reference-tools test-hardware-matrix
DEPS_TARGETS += deps-reference-tools
TEST_TARGETS += test-hardware-matrix

deps-reference-tools:
	scripts/apt-install.sh $(REFERENCE_TOOLS)

test-hardware-matrix: image
	$(CARGO) build -p ardoise-registry
	timeout -k 10 1500 tests/qemu/test-hardware-matrix.sh
