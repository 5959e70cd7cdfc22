#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Reports what socket activation handed this process: writes {"pid", "env" (LISTEN_PID,
LISTEN_FDS, LISTEN_FDNAMES, null when unset), "fds" ({fd: readlink target}), "sockets"
({fd: {"port", "listening"}} for descriptors 3 and 4 that are sockets)} as JSON to FILE
(atomically). Then exits 0, or with --serve accepts connections on those sockets, answering
each with the descriptor's number and a newline, until a signal ends it."""
import argparse
import json
import os
import select
import socket

NAMES = ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES")


def open_fds():
    fds = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            fds[int(name)] = os.readlink("/proc/self/fd/" + name)
        except FileNotFoundError:
            continue  # The directory handle os.listdir used, closed by now.
    return fds


def sockets_at(candidates):
    found = {}
    for fd in candidates:
        try:
            s = socket.socket(fileno=fd)
        except OSError:
            continue  # Not open, or not a socket.
        try:
            found[fd] = {"port": s.getsockname()[1],
                         "listening": bool(s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))}
        finally:
            s.detach()
    return found


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--serve", action="store_true")
    args = p.parse_args()
    fds = open_fds()
    report = {"pid": os.getpid(), "env": {n: os.environ.get(n) for n in NAMES},
              "fds": fds, "sockets": sockets_at((3, 4))}
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(report, f)
    os.rename(tmp, args.out)
    if not args.serve:
        return
    listeners = {fd: socket.socket(fileno=fd) for fd, s in report["sockets"].items() if s["listening"]}
    while True:
        for fd in select.select(list(listeners), [], [])[0]:
            conn, _ = listeners[fd].accept()
            with conn:
                conn.sendall(b"%d\n" % fd)


if __name__ == "__main__":
    main()
