#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A child that lists its open file descriptors ("<fd> <target>" per line) into FILE, then
waits for a signal. The descriptor that listing /proc/self/fd itself uses is left out."""
import os
import signal
import sys


def main():
    entries = []
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink("/proc/self/fd/" + name)
        except FileNotFoundError:
            continue  # The directory handle os.listdir used, closed by now.
        entries.append("%s %s" % (name, target))
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(entries) + "\n")
    os.rename(tmp, sys.argv[1])
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
