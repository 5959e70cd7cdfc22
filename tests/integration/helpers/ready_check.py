#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A readiness command: appends "start <epoch seconds> <pid>" to LOG, sleeps --sleep seconds,
appends "end <epoch seconds> <pid>", then exits 0 when --marker exists (or is not given) and
1 otherwise. Each line is one O_APPEND write, so it is whole the moment it is visible."""
import argparse
import os
import time


def append(path, word):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, b"%s %.6f %d\n" % (word.encode(), time.time(), os.getpid()))
    finally:
        os.close(fd)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("log")
    p.add_argument("--marker")
    p.add_argument("--sleep", type=float, default=0)
    args = p.parse_args()
    append(args.log, "start")
    time.sleep(args.sleep)
    append(args.log, "end")
    raise SystemExit(0 if args.marker is None or os.path.exists(args.marker) else 1)


if __name__ == "__main__":
    main()
