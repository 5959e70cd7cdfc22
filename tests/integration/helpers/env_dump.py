#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes {"env": {...}, "cwd": ..., "argv": [...], "pid": ..., "pgid": ...} as JSON to FILE
(atomically), then exits 0."""
import json
import os
import sys


def main():
    path = sys.argv[1]
    data = {"env": dict(os.environ), "cwd": os.getcwd(), "argv": sys.argv[2:],
            "pid": os.getpid(), "pgid": os.getpgid(0)}
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.rename(tmp, path)


if __name__ == "__main__":
    main()
