# mk/faults.mk — the fault matrix (docs/faults.md), included by the top-level Makefile.
#
#   make test-faults      every fault: the binary-level ones (crates/cli/tests/faults.rs, also run
#                         by `cargo test`) and the virtual-machine ones (tests/qemu/test-faults.sh:
#                         a disk pulled out mid-erase, a power cut mid-overwrite)
#   make test-faults-vm   only the virtual-machine ones (part of `make test`: about 2 minutes)

.PHONY: test-faults test-faults-vm
TEST_TARGETS += test-faults-vm

test-faults-vm: image
	timeout -k 10 900 tests/qemu/test-faults.sh

test-faults: test-faults-vm
	$(CARGO) test -p ardoise --test faults
