# SPDX-License-Identifier: MIT
"""A small HTTP client and Prometheus text parser for the admin endpoint tests: raw sockets,
so a test can send exactly the bytes it means, malformed ones included."""
import re
import socket
import time

from support import wait_for
from testlib import free_port  # noqa: F401  (re-exported: the tests import it from here)


class Response:
    def __init__(self, raw):
        self.raw = raw
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split(" ")[1]) if lines and lines[0].startswith("HTTP/") else None
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.text = self.body.decode("utf-8", errors="replace")


def exchange(port, data, timeout=10.0):
    """Sends data, reads until the server closes; returns the Response."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return Response(b"".join(chunks))


def get(port, path, method="GET"):
    return exchange(port, b"%s %s HTTP/1.1\r\nHost: lastcall\r\n\r\n" % (method.encode(), path.encode()))


def wait_listening(port, timeout=10.0):
    def up():
        try:
            return get(port, "/healthz").status == 200
        except OSError:
            return False
    wait_for(up, timeout, "the admin endpoint on port %d" % port)


SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def parse_prometheus(text):
    """Text format 0.0.4 into ({name: type}, {name: help}, {(name, frozenset(labels)): value}).
    Raises AssertionError on anything the format does not allow."""
    types, helps, samples = {}, {}, {}
    assert text.endswith("\n"), "the exposition must end with a newline"
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            assert name not in helps, "second HELP for " + name
            helps[name] = help_text
        elif line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            assert kind in ("counter", "gauge", "summary", "histogram", "untyped"), line
            assert name not in types, "second TYPE for " + name
            types[name] = kind
        elif line.startswith("#") or not line:
            continue
        else:
            m = SAMPLE_RE.match(line)
            assert m, "not a sample line: %r" % line
            name, _, label_text, value = m.groups()
            labels = {}
            if label_text:
                pos = 0
                for lm in LABEL_RE.finditer(label_text):
                    assert lm.start() == pos, "bad labels in %r" % line
                    labels[lm.group(1)] = lm.group(2)
                    pos = lm.end()
                assert pos == len(label_text), "bad labels in %r" % line
            family = name
            assert family in types, "sample %s before its # TYPE" % name
            if types[family] == "counter":
                assert name.endswith("_total"), "counter %s without _total" % name
            key = (name, frozenset(labels.items()))
            assert key not in samples, "duplicate sample %r" % line
            samples[key] = float(value)
    return types, helps, samples


def metric(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def metrics(port):
    r = get(port, "/metrics")
    assert r.status == 200, r.raw
    return parse_prometheus(r.text)[2]


def voluntary_switches(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches:"):
                return int(line.split()[1])
    raise AssertionError("no voluntary_ctxt_switches for %d" % pid)


def measure(fn):
    start = time.monotonic()
    value = fn()
    return value, time.monotonic() - start
