# SPDX-License-Identifier: MIT
"""Fixtures shared by the system tests: a per-test alarm, the static binary, and skips for
what this machine cannot run (not root, a tool missing). Each test file owns the fixtures of
its own system (a booted systemd, a podman store, a load balancer)."""
import os

import pytest

import sysutil
from sysutil import testlib  # tests/testlib.py, shared with tests/integration

DEFAULT_TIMEOUT = 60


def pytest_configure(config):
    testlib.add_timeout_marker(config, DEFAULT_TIMEOUT)


# Every test has a timeout: SIGALRM raises in the test's main thread. Module fixtures are set
# up before it is armed; they bound their own commands.
_alarm = testlib.alarm_fixture(DEFAULT_TIMEOUT)


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
    return testlib.require_executable(sysutil.static_binary(), "LASTCALL_STATIC_BIN",
                                      "bash packaging/bootstrap.sh build-static")
