#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A readiness command: appends "start <epoch seconds> <pid> <others>" to LOG, where <others>
lists the pids of earlier checks in LOG that are still running ("-" when none: no two checks
overlap), sleeps --sleep seconds, appends "end <epoch seconds> <pid>", then exits 0 when
--marker exists (or is not given) and 1 otherwise. Each line is one O_APPEND write, so it is
whole the moment it is visible."""
import argparse
import os
import time


def running(pid):
    """True while pid exists and is not a zombie (a killed check not yet reaped is done)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return False
    return data[data.rindex(")") + 2] != "Z"


def earlier_running(path):
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    pids = {int(line.split()[2]) for line in lines if line.startswith("start ")}
    return sorted(pid for pid in pids if pid != os.getpid() and running(pid))


def append(path, line):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line.encode() + b"\n")
    finally:
        os.close(fd)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("log")
    p.add_argument("--marker")
    p.add_argument("--sleep", type=float, default=0)
    args = p.parse_args()
    others = ",".join(map(str, earlier_running(args.log))) or "-"
    append(args.log, "start %.6f %d %s" % (time.time(), os.getpid(), others))
    time.sleep(args.sleep)
    append(args.log, "end %.6f %d" % (time.time(), os.getpid()))
    raise SystemExit(0 if args.marker is None or os.path.exists(args.marker) else 1)


if __name__ == "__main__":
    main()
