#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A hook that asks lastcall's admin endpoint: GET PATH on 127.0.0.1:PORT, then appends
"<status> <epoch seconds>" to FILE, and with --body FILE2 writes the body there. With
--sleep S it then sleeps S seconds, so its phase lasts while the test looks too."""
import argparse
import socket
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("path")
    p.add_argument("out")
    p.add_argument("--body")
    p.add_argument("--sleep", type=float, default=0)
    args = p.parse_args()
    started = time.time()
    with socket.create_connection(("127.0.0.1", args.port), timeout=5) as s:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: lastcall\r\n\r\n" % args.path.encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    if args.body:
        with open(args.body, "wb") as f:
            f.write(body)
    with open(args.out, "a") as f:
        f.write("%d %.6f\n" % (status, started))
    time.sleep(args.sleep)


if __name__ == "__main__":
    main()
