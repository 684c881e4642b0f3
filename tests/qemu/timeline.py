#!/usr/bin/env python3
"""Run a command (QEMU with -serial file:LOG) and print each new serial line with the host time
since start. Stops at the first line matching --until (then kills the command), when the
command exits, or after --timeout seconds. Exit status 0 only when --until matched.

  timeline.py --log LOG --timeout 60 --until 'REGEX' -- qemu-system-x86_64 ...
Used by bench-image and for debugging slow boots; tests use lib.sh's run_qemu.
"""
import argparse, os, re, signal, subprocess, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--log", required=True)
ap.add_argument("--timeout", type=float, default=60)
ap.add_argument("--until", default=None)
ap.add_argument("--quiet", action="store_true")
ap.add_argument("cmd", nargs=argparse.REMAINDER)
a = ap.parse_args()
cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
open(a.log, "wb").close()
ansi = re.compile(rb"\x1b\[[0-9;?]*[a-zA-Z]")
start = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(a.log + ".stderr", "wb"))
pos, buf, rc = 0, b"", 1
until = re.compile(a.until.encode()) if a.until else None
try:
    while True:
        with open(a.log, "rb") as f:
            f.seek(pos)
            chunk = f.read()
        pos += len(chunk)
        buf += chunk
        *lines, buf = re.split(rb"[\r\n]+", buf)
        t = time.monotonic() - start
        for l in lines:
            l = ansi.sub(b"", l).strip()
            if not l:
                continue
            if not a.quiet:
                print(f"{t:6.2f} {l.decode(errors='replace')[:110]}", flush=True)
            if until and until.search(l):
                print(f"MATCH {t:.2f}", flush=True)
                rc = 0
                raise StopIteration
        if p.poll() is not None:
            print(f"EXIT {t:.2f} rc={p.returncode}", flush=True)
            rc = 0 if until is None and p.returncode == 0 else 1
            break
        if t > a.timeout:
            print(f"TIMEOUT {t:.2f}", flush=True)
            break
        time.sleep(0.05)
except StopIteration:
    pass
finally:
    if p.poll() is None:
        p.send_signal(signal.SIGKILL)
        p.wait()
sys.exit(rc)
