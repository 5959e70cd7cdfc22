# SPDX-License-Identifier: MIT
"""Fixtures shared by the system tests: a per-test alarm, the static binary, and skips for
what this machine cannot run (not root, a tool missing). Each test file owns the fixtures of
its own system (a booted systemd, a podman store, a load balancer)."""
import os
import signal

import pytest

import sysutil

DEFAULT_TIMEOUT = 60


def pytest_configure(config):
    config.addinivalue_line("markers",
                            "timeout(seconds): per-test alarm (default %d s)" % DEFAULT_TIMEOUT)


class AlarmTimeout(Exception):
    pass


@pytest.fixture(autouse=True)
def _alarm(request):
    """Every test has a timeout: SIGALRM raises in the test's main thread. Module fixtures are
    set up before it is armed; they bound their own commands."""
    marker = request.node.get_closest_marker("timeout")
    seconds = int(marker.args[0]) if marker else DEFAULT_TIMEOUT

    def on_alarm(_signum, _frame):
        raise AlarmTimeout("test exceeded its %d s timeout" % seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def require_root():
    if os.geteuid() != 0:
        pytest.skip("needs root")


def require_tools(*names):
    missing = sysutil.missing_tools(*names)
    if missing:
        pytest.skip("not installed: %s (see tests/system/system.packages)" % ", ".join(missing))


@pytest.fixture(scope="session")
def static_bin():
    """The static lastcall, which runs in any root (a debootstrap tree, a FROM scratch image)."""
    path = sysutil.static_binary()
    if not os.access(path, os.X_OK):
        if os.environ.get("LASTCALL_STATIC_BIN"):
            pytest.fail("LASTCALL_STATIC_BIN=%s is not an executable file" % path)
        pytest.skip("no static lastcall at %s (bash packaging/bootstrap.sh build-static, "
                    "or set LASTCALL_STATIC_BIN)" % path)
    return path
