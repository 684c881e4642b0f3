#!/usr/bin/env python3
"""Remove the Authenticode signature from a PE32+ EFI binary (e.g. Debian's signed shim).

Builds the *unsigned control* for the Secure Boot test: same code, no signature, so firmware
with Secure Boot enforced must refuse it. Usage: pe-strip-signature.py IN OUT
"""
import struct
import sys

data = bytearray(open(sys.argv[1], "rb").read())
pe = struct.unpack_from("<I", data, 0x3C)[0]
if data[pe:pe + 4] != b"PE\0\0":
    raise SystemExit("not a PE file")
opt = pe + 24
if struct.unpack_from("<H", data, opt)[0] != 0x20B:
    raise SystemExit("not PE32+")
sec = opt + 112 + 4 * 8  # data directory 4: certificate table (file offset, size)
off, size = struct.unpack_from("<II", data, sec)
if size == 0:
    raise SystemExit("binary is not signed")
struct.pack_into("<II", data, sec, 0, 0)
if off + size >= len(data) - 8:
    del data[off:]
open(sys.argv[2], "wb").write(data)
print(f"removed {size}-byte signature at offset {off}")
