#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A hook that appends "NAME start T", sleeps SECONDS, appends "NAME end T" (epoch seconds)
to FILE, then exits with CODE (default 0)."""
import sys
import time


def main():
    path, name, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    code = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    with open(path, "a") as f:
        f.write("%s start %.6f\n" % (name, time.time()))
    time.sleep(seconds)
    with open(path, "a") as f:
        f.write("%s end %.6f\n" % (name, time.time()))
    sys.exit(code)


if __name__ == "__main__":
    main()
