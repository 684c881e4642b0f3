# mk/image.mk — the live image (included by the top-level Makefile: `include mk/*.mk`).
#
#   make deps-image     host packages (QEMU 10 from bookworm-backports via a private apt config,
#                       OVMF, xorriso, mtools, grub, ...): idempotent, quick when installed
#   make image          out/image/ardoise.img (+ vmlinuz, initrd.img, image-digest) and out/pxe/
#   make pxe            the PXE/TFTP folder out/pxe/ (built together with the image)
#   make test-image     QEMU boot tests (BIOS, UEFI, Secure Boot + unsigned control, PXE, data
#                       partition persistence, protected boot stick) and the reproducibility test
#   make demo           boot the image in QEMU with sample NVMe/SATA/virtio/USB disks and a local
#                       registry, the stick provisioned for it; the TUI on this terminal
#   make test-demo      the demo walked through its interface in tmux, French then English
#   make bench-image    image size, time to ardoise (direct PVH boot, TCG), smallest RAM that boots
#   make test-image-erase   the unattended end-to-end erase test (NVMe, SATA, virtio, USB disks; the
#                       registry on loopback; host reads the disks back; part of test-image)

ARDOISE_TARGET := x86_64-unknown-linux-gnu
ARDOISE_STATIC_BIN := target/$(ARDOISE_TARGET)/release/ardoise
IMAGE_OUT := out/image/ardoise.img

.PHONY: deps-image image pxe ardoise-static test-image test-image-boot test-image-repro \
        test-image-erase demo test-demo bench-image

deps-image:
	scripts/apt-image.sh deps

# Static glibc; the explicit --target keeps build scripts and proc-macros dynamic.
ardoise-static:
	RUSTFLAGS='-C target-feature=+crt-static' $(CARGO) build --release --target $(ARDOISE_TARGET) -p ardoise

image: deps-image ardoise-static
	scripts/image-build.sh --bin $(ARDOISE_STATIC_BIN)

pxe: image
	@echo "PXE folder: out/pxe (see docs/pxe.md)"

test-image-boot: image
	$(CARGO) build -p ardoise-registry
	timeout -k 10 900 tests/qemu/test-boot.sh

test-image-repro: image
	timeout -k 10 300 tests/qemu/test-reproducible.sh

test-image: test-image-boot test-image-repro test-image-erase

test-image-erase: image
	$(CARGO) build -p ardoise-registry
	timeout -k 10 900 tests/qemu/test-erase-e2e.sh

demo: image
	$(CARGO) build -p ardoise-registry
	scripts/qemu-demo.sh

# `make demo` walked through its interface on the serial console (tmux), in French and English,
# and a stick as built made a workshop's by the first-run setup.
test-demo: image
	$(CARGO) build -p ardoise-registry
	timeout -k 10 1800 tests/qemu/test-demo.sh

bench-image: image
	scripts/image-bench.sh

TEST_TARGETS += test-image test-demo
DEPS_TARGETS += deps-image
