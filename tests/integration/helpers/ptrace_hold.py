#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Makes PID a process that its parent cannot reap: attaches to it as its tracer
(PTRACE_SEIZE) and then never waits for it. A signal stops it for us (signal-delivery-stop)
and it stays stopped; SIGKILL still ends it, but the zombie is reported to its tracer first,
and its parent's wait(2) does not see it until we are gone (ptrace(2)). This is how a process
stuck for good in the kernel (a dead NFS or FUSE mount) looks to its parent.

Writes "seized" to --ready once attached, then waits to be killed.
"""
import argparse
import ctypes
import os
import signal

PTRACE_SEIZE = 0x4206


def main():
    p = argparse.ArgumentParser()
    p.add_argument("pid", type=int)
    p.add_argument("--ready", required=True)
    args = p.parse_args()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    libc.ptrace.restype = ctypes.c_long
    if libc.ptrace(PTRACE_SEIZE, args.pid, None, None) != 0:
        err = ctypes.get_errno()
        raise SystemExit("PTRACE_SEIZE %d: %s" % (args.pid, os.strerror(err)))
    tmp = args.ready + ".tmp"
    with open(tmp, "w") as f:
        f.write("seized\n")
    os.rename(tmp, args.ready)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
