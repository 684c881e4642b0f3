#!/usr/bin/env python3
"""Extract the uncompressed ELF vmlinux from a Debian bzImage (xz payload).

Used only by the QEMU test harness: an ELF vmlinux with a PVH note boots directly with
`qemu -kernel vmlinux`, skipping the slow xz decompression under TCG. The shipped medium keeps
the signed bzImage. Usage: image-extract-vmlinux.py VMLINUZ VMLINUX
"""
import lzma
import sys

XZ_MAGIC = b"\xfd7zXZ\x00"


def extract(data: bytes) -> bytes:
    start = data.find(XZ_MAGIC)
    while start >= 0:
        try:
            out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[start:])
            if out[:4] == b"\x7fELF":
                return out
        except lzma.LZMAError:
            pass
        start = data.find(XZ_MAGIC, start + 1)
    raise SystemExit("no xz-compressed ELF kernel found (is CONFIG_KERNEL_XZ set?)")


if __name__ == "__main__":
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, "rb") as f:
        elf = extract(f.read())
    with open(dst, "wb") as f:
        f.write(elf)
