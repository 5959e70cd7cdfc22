#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes --mb megabytes to stdout and/or stderr as fast as the pipe takes them, then exits 0.

--binary: random bytes (every byte value except newline); default: printable 'x' bytes.
--newlines N: put a newline every N bytes (default: no newlines at all).
--done FILE: create FILE after the last byte was written.
"""
import argparse
import os
import random


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mb", type=float, default=1)
    p.add_argument("--stream", choices=["stdout", "stderr", "both"], default="stdout")
    p.add_argument("--binary", action="store_true")
    p.add_argument("--newlines", type=int, default=0)
    p.add_argument("--done")
    args = p.parse_args()
    chunk_size = 1 << 20
    if args.binary:
        rng = random.Random(1234)
        chunk = bytearray(rng.getrandbits(8) for _ in range(chunk_size))
        chunk = bytes(chunk).replace(b"\n", b"\x00")
    else:
        chunk = b"x" * chunk_size
    if args.newlines:
        step = args.newlines
        chunk = b"".join(chunk[i:i + step - 1] + b"\n" for i in range(0, len(chunk), step))
    fds = {"stdout": [1], "stderr": [2], "both": [1, 2]}[args.stream]
    remaining = int(args.mb * (1 << 20))
    while remaining > 0:
        data = memoryview(chunk[:remaining])
        for fd in fds:
            view = data
            while view:
                n = os.write(fd, view)
                view = view[n:]
        remaining -= len(data)
    if args.done:
        open(args.done, "w").close()


if __name__ == "__main__":
    main()
