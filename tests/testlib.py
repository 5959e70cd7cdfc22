# SPDX-License-Identifier: MIT
"""What the two pytest roots (tests/integration and tests/system) share, as a plain module:
each conftest imports it by path, and neither imports the other's conftest.

- a per-test alarm: the `timeout(seconds)` marker, SIGALRM raising in the test's thread;
- the lastcall binaries under test ($LASTCALL_BIN, $LASTCALL_STATIC_BIN, or this checkout's
  build directories), skipping when none was built and failing when a named one is missing;
- waiting with a deadline, a free loopback port, and lastcall's log timestamps."""
import datetime
import os
import pathlib
import signal
import socket
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent


class AlarmTimeout(Exception):
    pass


def add_timeout_marker(config, default_seconds):
    config.addinivalue_line("markers", "timeout(seconds): per-test alarm (default %d s)" % default_seconds)


def alarm_fixture(default_seconds):
    """An autouse fixture that gives every test its alarm: the `timeout` marker's seconds, else
    default_seconds."""
    @pytest.fixture(autouse=True)
    def _alarm(request):
        marker = request.node.get_closest_marker("timeout")
        seconds = int(marker.args[0]) if marker else default_seconds

        def on_alarm(_signum, _frame):
            raise AlarmTimeout("test exceeded its %d s timeout" % seconds)

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(seconds)
        try:
            yield
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
    return _alarm


def lastcall_path():
    """The dynamic lastcall: $LASTCALL_BIN, else build/lastcall of this checkout."""
    return os.environ.get("LASTCALL_BIN") or str(REPO / "build" / "lastcall")


def static_lastcall_path():
    """The static lastcall: $LASTCALL_STATIC_BIN, else build-static/lastcall of this checkout."""
    return os.environ.get("LASTCALL_STATIC_BIN") or str(REPO / "build-static" / "lastcall")


def require_executable(path, variable, how_to_build):
    """path, when it is executable; a failure when $variable named it, a skip otherwise."""
    if not os.access(path, os.X_OK):
        if os.environ.get(variable):
            pytest.fail("%s=%s is not an executable file" % (variable, path))
        pytest.skip("no lastcall binary at %s (%s, or set %s)" % (path, how_to_build, variable))
    return path


class Timeout(AssertionError):
    pass


def wait_for(predicate, timeout=10.0, what="condition", interval=0.01):
    """Polls predicate until it returns something truthy; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise Timeout("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now: bind port 0 and let the
    kernel choose."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ts_seconds(event):
    """lastcall's `ts` (RFC 3339, UTC, milliseconds) as epoch seconds."""
    return datetime.datetime.fromisoformat(event["ts"].replace("Z", "+00:00")).timestamp()
