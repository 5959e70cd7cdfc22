#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A hook that closes its stdin, stdout and stderr and keeps running until killed, so that the
pipes it was given reach end of file long before it exits.

--pidfile FILE: write our pid there (atomically) once the descriptors are closed.
"""
import argparse
import os
import signal


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pidfile", required=True)
    args = p.parse_args()
    for fd in (0, 1, 2):
        os.close(fd)
    tmp = args.pidfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(tmp, args.pidfile)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
