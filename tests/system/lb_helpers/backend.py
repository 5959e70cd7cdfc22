#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A bare HTTP backend for the load-balancer tests: answers every GET with 200 after --delay
seconds, and binds its port only --listen-delay seconds after it starts (a slow start). It
has no SIGTERM handler, like most small servers: SIGTERM kills it at once, cutting the
requests in flight. Whatever a load balancer loses is then visible."""
import argparse
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Server(ThreadingHTTPServer):
    request_queue_size = 128


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--delay", type=float, default=0.02, help="seconds each request takes")
    p.add_argument("--listen-delay", type=float, default=0.0, help="seconds before it listens")
    args = p.parse_args()
    time.sleep(args.listen_delay)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(args.delay)
            body = b"ok\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_):
            pass

    server = Server(("127.0.0.1", args.port), Handler)
    print("listening on 127.0.0.1:%d" % args.port, flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
