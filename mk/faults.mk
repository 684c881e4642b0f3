# mk/faults.mk — the fault matrix (docs/faults.md), included by the top-level Makefile.
#
#   make test-faults      every fault: the binary-level ones (crates/cli/tests/faults.rs and
#                         faults_reach.rs, also run by `cargo test`) and the virtual-machine ones
#                         (tests/qemu/test-faults.sh: a disk pulled out mid-erase, a power cut
#                         mid-overwrite; tests/qemu/test-reach.sh: the boot stick pulled and put
#                         back before an unattended run, an NVMe subsystem with two namespaces
#                         and a second ardoise stick)
#   make test-faults-vm   only the virtual-machine ones (part of `make test`: about 2 + 4 minutes)

.PHONY: test-faults test-faults-vm test-reach-vm
TEST_TARGETS += test-faults-vm

test-faults-vm: image test-reach-vm
	timeout -k 10 900 tests/qemu/test-faults.sh

test-reach-vm: image
	timeout -k 10 900 tests/qemu/test-reach.sh

test-faults: test-faults-vm
	$(CARGO) test -p ardoise --test faults --test faults_reach
