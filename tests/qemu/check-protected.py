#!/usr/bin/env python3
"""Check `ardoise list --json` output from the guest: the boot stick must be protected and the
sample disk must not be. Usage: check-protected.py LIST.json BOOT_SERIAL SAMPLE_SERIAL

Accepts a JSON array of disks or an object with a "disks" array; each disk needs "serial" and
"protected" (the CLI's documented fields)."""
import json
import sys

path, boot_serial, sample_serial = sys.argv[1:4]
try:
    doc = json.load(open(path))
except (OSError, ValueError) as e:
    raise SystemExit(f"no valid JSON from `ardoise list --json` in the guest: {e}")
disks = doc["disks"] if isinstance(doc, dict) else doc


def find(serial):
    for d in disks:
        if str(d.get("serial", "")).strip() == serial:
            return d
    names = [(d.get("name"), d.get("serial")) for d in disks]
    raise SystemExit(f"no disk with serial {serial} in the list: {names}")


boot, sample = find(boot_serial), find(sample_serial)
ok = True
if boot.get("protected") is not True:
    print(f"boot stick {boot.get('name')} is NOT protected: {boot}")
    ok = False
else:
    print(f"boot stick {boot.get('name')} protected: {boot.get('protected_reason')}")
if sample.get("protected") is not False:
    print(f"sample disk {sample.get('name')} should be erasable: {sample.get('protected_reason')}")
    ok = False
sys.exit(0 if ok else 1)
