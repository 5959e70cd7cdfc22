# SPDX-License-Identifier: MIT
"""Running under systemd (docs/systemd.md): sd_notify messages on NOTIFY_SOCKET, and
--exit-by-signal (on by itself when INVOCATION_ID is set)."""
import json
import os
import shutil
import signal
import socket
import tempfile
import time

import pytest

from support import helper, recorder, wait_for, wait_line, wait_lines


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


# -- readiness of the workload ----------------------------------------------------------------

def collect_until(read_all, line, timeout=5.0):
    """Every notification line read until `line` has arrived (waits for it)."""
    lines = []

    def arrived():
        lines.extend(assignments(read_all()))
        return line in lines
    wait_for(arrived, timeout, line)
    return lines


def test_ready_1_waits_for_the_first_passed_check(lastcall, tmp_path, notify_socket):
    """systemd gets `READY=1` at the first pass, not at the spawn."""
    address, read_all = notify_socket
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as app:
        # Bound but not listening: a connection is refused until the test calls listen().
        app.bind(("127.0.0.1", 0))
        config = {"ready": {"tcp": "127.0.0.1:%d" % app.getsockname()[1], "interval": "250ms"}}
        out = tmp_path / "child.txt"
        lc = lastcall("--", *recorder(out), env={"NOTIFY_SOCKET": address}, config=config)
        wait_line(out, "ready")
        lc.wait_event("child_started")
        time.sleep(1.5)  # several failed checks: READY=1 must not come in this window
        early = assignments(read_all())
        assert "READY=1" not in early, early
        app.listen(8)
        lc.wait_event("child_ready", timeout=5)
        lines = early + collect_until(read_all, "READY=1")
        lc.send(signal.SIGTERM)
        lc.wait_exit(10)
    lines += assignments(read_all())
    assert lines.count("READY=1") == 1, lines
    assert lines.index("READY=1") < lines.index("STOPPING=1"), lines


def test_no_ready_1_when_the_start_timeout_is_spent(lastcall, tmp_path, notify_socket):
    """A `start_timeout` spent without a pass starts the shutdown as a trigger would (systemd
    hears STOPPING=1 and never READY=1)."""
    address, read_all = notify_socket
    config = {"ready": {"command": ["false"], "interval": "200ms", "start_timeout": "700ms"}}
    lc = lastcall("--", *recorder(tmp_path / "child.txt"), env={"NOTIFY_SOCKET": address}, config=config)
    lc.wait_exit(10)
    lc.wait_event("start_timeout", timeout=0)
    lines = assignments(read_all())
    assert "STOPPING=1" in lines and "READY=1" not in lines, lines


# -- socket activation ----------------------------------------------------------------------------

def socket_inode(pid, fd):
    target = os.readlink("/proc/%d/fd/%d" % (pid, fd))
    assert target.startswith("socket:["), target
    return target


def open_targets(pid):
    targets = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            targets.add(os.readlink("/proc/%d/fd/%s" % (pid, fd)))
        except FileNotFoundError:
            pass
    return targets


def ask(port):
    """What the child answers on a connection to port: the descriptor number it accepted on."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.settimeout(5)
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(64)
            if not chunk:
                break
            data += chunk
    return data.decode().strip()


def test_socket_activation_hands_the_sockets_to_the_child(lastcall, tmp_path):
    """Socket activation: when `LISTEN_PID` is lastcall's pid, the `LISTEN_FDS` descriptors
    (with `LISTEN_FDNAMES`) reach the child at the same numbers, and the child sees
    `LISTEN_PID` = its own pid; lastcall keeps no copy open (and hooks see none of it)."""
    ports_file, child_file, hook_file = tmp_path / "ports", tmp_path / "child.json", tmp_path / "hook.json"
    config = {"hooks": {"pre_stop": [{"name": "look", "command": helper("listen_fds_report", hook_file)}]}}
    lc = lastcall("--", *helper("listen_fds_report", child_file, "--serve"), config=config,
                  prefix=helper("socket_activate", "--ports", ports_file, "--names", "a:b", "--"))
    child = lc.child_pid
    ports = [int(p) for p in wait_lines(ports_file)]
    wait_lines(child_file)
    report = json.loads(child_file.read_text())
    assert report["pid"] == child
    assert report["env"] == {"LISTEN_PID": str(child), "LISTEN_FDS": "2", "LISTEN_FDNAMES": "a:b"}
    assert report["sockets"] == {"3": {"port": ports[0], "listening": True},
                                 "4": {"port": ports[1], "listening": True}}, report
    # The child accepts what the test sends to either port, on descriptors 3 and 4.
    assert [ask(ports[0]), ask(ports[1])] == ["3", "4"]
    inodes = {socket_inode(child, 3), socket_inode(child, 4)}
    assert not inodes & open_targets(lc.pid), "lastcall keeps %s" % (inodes & open_targets(lc.pid))
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 128 + signal.SIGTERM
    hook = json.loads(hook_file.read_text())
    assert hook["env"] == {"LISTEN_PID": None, "LISTEN_FDS": None, "LISTEN_FDNAMES": None}, hook
    assert "3" not in hook["fds"] and "4" not in hook["fds"], hook["fds"]


def test_socket_activation_for_another_pid_is_left_alone(lastcall, tmp_path):
    """Socket activation: when `LISTEN_PID` is lastcall's pid ... (when it names another
    process, lastcall touches nothing: the child sees the variables as they were)."""
    ports_file, child_file = tmp_path / "ports", tmp_path / "child.json"
    other = str(os.getpid())
    lc = lastcall("--", *helper("listen_fds_report", child_file, "--serve"),
                  prefix=helper("socket_activate", "--ports", ports_file, "--names", "a:b",
                                "--listen-pid", other, "--"))
    lc.child_pid
    wait_lines(child_file)
    report = json.loads(child_file.read_text())
    assert report["env"] == {"LISTEN_PID": other, "LISTEN_FDS": "2", "LISTEN_FDNAMES": "a:b"}, report
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 128 + signal.SIGTERM


def test_socket_activation_naming_a_closed_descriptor_takes_none_of_lastcalls_own(lastcall, tmp_path):
    """Socket activation: when `LISTEN_PID` is lastcall's pid, the `LISTEN_FDS` descriptors
    reach the child at the same numbers (a number that LISTEN_FDS names but that is not open
    is none of lastcall's own descriptors: the child gets nothing there, and lastcall, which
    keeps its signalfd, still hears the trigger)."""
    ports_file, child_file = tmp_path / "ports", tmp_path / "child.json"
    # One socket at 3, and LISTEN_FDS=2 (env(1) keeps the pid, so LISTEN_PID stays lastcall's).
    lc = lastcall("--", *helper("listen_fds_report", child_file, "--serve"),
                  prefix=helper("socket_activate", "--ports", ports_file, "--count", "1", "--",
                                shutil.which("env"), "LISTEN_FDS=2"))
    lc.child_pid
    port = int(wait_lines(ports_file)[0])
    wait_lines(child_file)
    report = json.loads(child_file.read_text())
    assert report["env"]["LISTEN_FDS"] == "2", report
    assert report["sockets"] == {"3": {"port": port, "listening": True}}, report
    assert "4" not in report["fds"], report["fds"]
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 128 + signal.SIGTERM
