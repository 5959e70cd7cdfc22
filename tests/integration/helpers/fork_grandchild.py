#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Forks a grandchild that ignores SIGTERM and runs until killed, in our process group.

Writes "<grandchild pid>" to --pidfile (atomically) once the grandchild ignores SIGTERM.
Then the parent hangs (default) or, with --parent-exits, exits 0 at once, leaving the
grandchild behind as an orphan. --parent-ignore-term makes the parent ignore SIGTERM too.
"""
import argparse
import os
import signal


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pidfile", required=True)
    p.add_argument("--parent-exits", action="store_true")
    p.add_argument("--parent-ignore-term", action="store_true")
    args = p.parse_args()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        os.write(w, b"x")
        os.close(w)
        while True:
            signal.pause()
    os.close(w)
    os.read(r, 1)
    tmp = args.pidfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % pid)
    os.rename(tmp, args.pidfile)
    if args.parent_exits:
        os._exit(0)
    if args.parent_ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
