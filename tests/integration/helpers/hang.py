#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A hook (or child) that never finishes on its own.

--pidfile FILE: write our pid there (atomically) once signal dispositions are set.
--ignore-term: ignore SIGTERM, so only SIGKILL ends it.
--stamp FILE: append "start <epoch seconds>" first.
"""
import argparse
import os
import signal
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pidfile")
    p.add_argument("--ignore-term", action="store_true")
    p.add_argument("--stamp")
    args = p.parse_args()
    if args.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if args.stamp:
        with open(args.stamp, "a") as f:
            f.write("start %.6f\n" % time.time())
    if args.pidfile:
        tmp = args.pidfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(tmp, args.pidfile)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
