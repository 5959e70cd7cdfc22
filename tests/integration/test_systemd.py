# SPDX-License-Identifier: MIT
"""Running under systemd (docs/systemd.md): sd_notify messages on NOTIFY_SOCKET, and
--exit-by-signal (on by itself when INVOCATION_ID is set)."""
import json
import os
import shutil
import signal
import socket
import tempfile

import pytest

from support import helper, recorder, wait_line


@pytest.fixture
def notify_socket():
    """A test-owned AF_UNIX datagram socket, as systemd's notify socket; yields (address, read)."""
    directory = tempfile.mkdtemp(prefix="lc-notify-", dir="/tmp")  # short: sun_path is 108 bytes
    path = os.path.join(directory, "notify")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)

    def read_all():
        s.setblocking(False)
        messages = []
        while True:
            try:
                messages.append(s.recv(65536).decode())
            except BlockingIOError:
                return messages
    yield path, read_all
    s.close()
    shutil.rmtree(directory, ignore_errors=True)


def assignments(messages):
    """Every VARIABLE=value line of every datagram, in arrival order."""
    return [line for message in messages for line in message.split("\n") if line]


def test_notifications_arrive_in_order(lastcall, tmp_path, notify_socket):
    """READY=1 once the child is started, STOPPING=1 at the trigger, STATUS=<phase> at each
    state change, EXTEND_TIMEOUT_USEC at the trigger and each state change."""
    address, read_all = notify_socket
    out = tmp_path / "child.txt"
    lc = lastcall("--grace", "3s", "--", *recorder(out), env={"NOTIFY_SOCKET": address},
                  config={"post_stop_timeout": "2s"})
    wait_line(out, "ready")
    lc.send(signal.SIGTERM)
    lc.wait_exit(10)
    lines = assignments(read_all())
    assert lines[0] == "READY=1", lines
    assert lines.index("STOPPING=1") > 0
    statuses = [line.split("=", 1)[1].split(":")[0] for line in lines if line.startswith("STATUS=")]
    assert statuses == ["running", "draining", "pre_stop", "stopping", "post_stop", "exited"], lines
    extends = [i for i, line in enumerate(lines) if line.startswith("EXTEND_TIMEOUT_USEC=")]
    assert extends and extends[0] > lines.index("STOPPING=1")
    first = int(lines[extends[0]].split("=")[1])
    # grace left (3s) + post_stop_timeout (2s) + a margin, in microseconds.
    assert 5_000_000 < first <= 3_000_000 + 2_000_000 + 60_000_000, first
    values = [int(lines[i].split("=")[1]) for i in extends]
    assert all(v >= 2_000_000 for v in values), values


def test_abstract_notify_socket(lastcall, tmp_path):
    """NOTIFY_SOCKET may name an abstract socket, "@...\""""
    name = "lastcall-test-%d" % os.getpid()
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.bind("\0" + name)
        s.settimeout(10)
        lc = lastcall("--", "true", env={"NOTIFY_SOCKET": "@" + name})
        assert lc.wait_exit(10) == 0
        assert s.recv(65536).decode().startswith("READY=1")


def test_neither_child_nor_hooks_inherit_notify_socket(lastcall, tmp_path, notify_socket):
    """NOTIFY_SOCKET is unset for the child and the hooks, so only lastcall speaks for the unit."""
    address, read_all = notify_socket
    config = {"hooks": {"post_stop": [{"name": "dump", "command": helper("env_dump", tmp_path / "hook.json")}]}}
    lc = lastcall("--", *helper("env_dump", tmp_path / "child.json"), config=config,
                  env={"NOTIFY_SOCKET": address})
    assert lc.wait_exit(10) == 0
    for name in ("child.json", "hook.json"):
        env = json.loads((tmp_path / name).read_text())["env"]
        assert "NOTIFY_SOCKET" not in env, name
    assert any(m.startswith("READY=1") for m in read_all())


def test_an_unusable_notify_socket_is_only_a_warning(lastcall):
    """A NOTIFY_SOCKET that cannot be used does not keep the workload from running."""
    lc = lastcall("--", "sh", "-c", "exit 4", env={"NOTIFY_SOCKET": "/nonexistent/notify"})
    assert lc.wait_exit(10) == 4
    assert any("notify" in e.get("msg", "") for e in lc.events(level="warn"))


def term_child(lastcall, tmp_path, *args, env=None):
    out = tmp_path / "child.txt"
    lc = lastcall(*args, "--", *recorder(out), env=env)
    wait_line(out, "ready")
    lc.send(signal.SIGTERM)
    return lc.wait_exit(10)


def test_exit_by_signal_dies_of_the_childs_signal(lastcall, tmp_path):
    """--exit-by-signal: a child killed by SIGTERM makes lastcall die of SIGTERM too."""
    assert term_child(lastcall, tmp_path, "--exit-by-signal") == -signal.SIGTERM


def test_invocation_id_turns_exit_by_signal_on(lastcall, tmp_path):
    """Automatic when INVOCATION_ID is set, i.e. running as a systemd service."""
    assert term_child(lastcall, tmp_path, env={"INVOCATION_ID": "0123456789abcdef"}) == -signal.SIGTERM


def test_without_exit_by_signal_the_code_is_128_plus_n(lastcall, tmp_path):
    """| the child was killed by signal N | 128 + N |"""
    assert term_child(lastcall, tmp_path) == 128 + signal.SIGTERM


def test_exit_by_signal_leaves_success_codes_alone(lastcall, tmp_path):
    """Not for success codes: 128+N listed in --success-exit still exits 0."""
    assert term_child(lastcall, tmp_path, "--exit-by-signal", "--success-exit", "143") == 0


def test_exit_by_signal_leaves_exit_codes_alone(run_lastcall):
    """A child that exits with N still makes lastcall exit with N."""
    assert run_lastcall("--exit-by-signal", "--", "sh", "-c", "exit 3").returncode == 3


def test_exit_by_signal_with_a_child_killed_by_sigkill(run_lastcall):
    """A child killed by SIGKILL: lastcall dies of SIGKILL."""
    r = run_lastcall("--exit-by-signal", "--", "sh", "-c", "kill -KILL $$")
    assert r.returncode == -signal.SIGKILL


def test_exit_by_signal_as_pid_1_exits_128_plus_n(run_lastcall, tmp_path):
    """Never as PID 1: there it exits 128+N."""
    if shutil.which("unshare") is None:
        pytest.skip("no unshare")
    probe = run_lastcall("--", "true", prefix=["unshare", "--user", "--map-root-user", "--pid", "--fork"])
    if probe.returncode != 0:
        pytest.skip("cannot create a pid namespace here: " + probe.stderr[-200:])
    r = run_lastcall("--exit-by-signal", "--", "sh", "-c", "kill -TERM $$",
                     prefix=["unshare", "--user", "--map-root-user", "--pid", "--fork"])
    assert r.returncode == 128 + signal.SIGTERM, r.stderr


def test_exit_by_signal_is_in_the_check_plan(run_lastcall):
    """--check shows exit_by_signal."""
    r = run_lastcall("--exit-by-signal", "--check")
    assert json.loads(r.stdout)["exit_by_signal"] is True
    r = run_lastcall("--check", env={"INVOCATION_ID": "x"})
    assert json.loads(r.stdout)["exit_by_signal"] is True
