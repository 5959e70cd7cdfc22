# SPDX-License-Identifier: MIT
"""The admin endpoint (`--listen ADDR:PORT`, docs/admin.md): /healthz, /readyz and /metrics
over HTTP/1.1, and the limits that keep it from hurting the sequence."""
import os
import signal
import select
import socket
import time

import pytest

from admin_client import (exchange, free_port, get, measure, metric, metrics, parse_prometheus,
                          voluntary_switches, wait_listening)
from support import helper, read_lines, recorder, wait_for, wait_line, wait_lines


def start_recorder(lastcall, tmp_path, *args, config=None, port=None):
    port = port or free_port()
    out = tmp_path / "child.txt"
    lc = lastcall("--listen", "127.0.0.1:%d" % port, *args, "--", *recorder(out), config=config)
    wait_line(out, "ready")
    wait_listening(port)
    return lc, port, out


def test_probes_answer_while_the_child_runs(lastcall, tmp_path):
    """GET /healthz → 200 "ok" while lastcall runs; GET /readyz → 200 while the child runs."""
    lc, port, _ = start_recorder(lastcall, tmp_path)
    health = get(port, "/healthz")
    assert (health.status, health.text) == (200, "ok\n")
    assert health.headers["connection"] == "close"
    assert get(port, "/readyz").status == 200
    head = get(port, "/readyz", method="HEAD")
    assert head.status == 200 and head.body == b"" and head.headers["content-length"] == "6"


def test_metrics_is_prometheus_text(lastcall, tmp_path):
    """GET /metrics → Prometheus text format 0.0.4, # HELP and # TYPE for every metric."""
    before = time.time()
    lc, port, _ = start_recorder(lastcall, tmp_path)
    r = get(port, "/metrics")
    assert r.status == 200
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    types, helps, samples = parse_prometheus(r.text)
    for name in ("lastcall_signals_received_total", "lastcall_signals_relayed_total",
                 "lastcall_zombies_reaped_total", "lastcall_hook_runs_total",
                 "lastcall_hook_duration_seconds", "lastcall_phase_duration_seconds",
                 "lastcall_child_restarts_total", "lastcall_shutdown_state",
                 "lastcall_start_time_seconds"):
        assert name in types and name in helps, name
    assert metric(samples, "lastcall_shutdown_state", state="running") == 1
    assert sum(v for (n, _), v in samples.items() if n == "lastcall_shutdown_state") == 1
    assert metric(samples, "lastcall_child_restarts_total") == 0
    assert metric(samples, "lastcall_hook_runs_total", phase="pre_stop", status="ok") == 0
    assert before - 1 <= metric(samples, "lastcall_start_time_seconds") <= time.time() + 1


def test_relayed_signals_are_counted(lastcall, tmp_path):
    """lastcall_signals_received_total and _relayed_total count what the test sent. Standard
    signals coalesce, so each is sent once the child has recorded the one before."""
    lc, port, out = start_recorder(lastcall, tmp_path, "--rewrite", "HUP:USR2")
    for i in range(3):
        lc.send(signal.SIGUSR1)
        wait_lines(out, lambda lines, n=i + 1: lines.count("SIGUSR1") == n)
    lc.send(signal.SIGHUP)
    wait_line(out, "SIGUSR2")
    samples = metrics(port)
    assert metric(samples, "lastcall_signals_received_total", signal="SIGUSR1") == 3
    assert metric(samples, "lastcall_signals_relayed_total", signal="SIGUSR1") == 3
    assert metric(samples, "lastcall_signals_received_total", signal="SIGHUP") == 1
    assert metric(samples, "lastcall_signals_relayed_total", signal="SIGUSR2") == 1
    assert metric(samples, "lastcall_signals_relayed_total", signal="SIGHUP") is None


def test_readyz_turns_503_at_the_trigger_before_any_hook_starts(lastcall, tmp_path):
    """GET /readyz → 503 from the trigger on: a pre_stop hook that asks as it starts is told 503."""
    port = free_port()
    probes = tmp_path / "probes.txt"
    config = {"hooks": {"pre_stop": [{"name": "probe",
                                      "command": helper("http_probe", port, "/readyz", probes,
                                                        "--sleep", "1.5")}]}}
    lc, port, _ = start_recorder(lastcall, tmp_path, config=config, port=port)
    assert get(port, "/readyz").status == 200
    lc.send(signal.SIGTERM)
    lines = wait_lines(probes)
    assert lines[0].split()[0] == "503", lines
    # While the hook still runs, the test sees the same, and the state is pre_stop.
    during = get(port, "/readyz")
    assert during.status == 503 and "pre_stop" in during.text
    samples = metrics(port)
    assert metric(samples, "lastcall_shutdown_state", state="pre_stop") == 1
    assert get(port, "/healthz").status == 200
    assert lc.wait_exit(10) == 128 + signal.SIGTERM


def test_readyz_is_503_once_the_child_has_exited(lastcall, tmp_path):
    """GET /readyz → 503 after the child exits, even without a trigger."""
    port = free_port()
    probes = tmp_path / "probes.txt"
    config = {"hooks": {"post_stop": [{"name": "probe",
                                       "command": helper("http_probe", port, "/readyz", probes)}]}}
    lc = lastcall("--listen", "127.0.0.1:%d" % port, "--", "sh", "-c", "sleep 0.5", config=config)
    assert lc.wait_exit(10) == 0
    assert read_lines(probes)[0].split()[0] == "503"


def test_hooks_phases_and_orphans_are_in_the_metrics(lastcall, tmp_path):
    """lastcall_hook_runs_total{phase,status}, lastcall_hook_duration_seconds,
    lastcall_phase_duration_seconds and lastcall_zombies_reaped_total, as a post_stop hook
    scrapes them."""
    port = free_port()
    body = tmp_path / "metrics.txt"
    config = {"hooks": {
        "pre_stop": [{"name": "ok", "command": ["sh", "-c", "sleep 0.2"], "priority": 1},
                     {"name": "bad", "command": ["sh", "-c", "exit 3"], "priority": 1},
                     {"name": "late", "command": ["sh", "-c", "sleep 5"], "timeout": "300ms"}],
        "post_stop": [{"name": "scrape",
                       "command": helper("http_probe", port, "/metrics", tmp_path / "p.txt",
                                         "--body", body)}]}}
    done = tmp_path / "done"
    report = tmp_path / "report.txt"
    lc = lastcall("--listen", "127.0.0.1:%d" % port, "--",
                  *helper("orphans", "--count", "3", "--mode", "exit", "--report", report,
                          "--done", done), config=config)
    wait_lines(report, lambda lines: len(lines) == 3)
    wait_listening(port)
    lc.send(signal.SIGTERM)
    lc.wait_exit(15)
    _, _, samples = parse_prometheus(body.read_text())
    assert metric(samples, "lastcall_hook_runs_total", phase="pre_stop", status="ok") == 1
    assert metric(samples, "lastcall_hook_runs_total", phase="pre_stop", status="failed") == 1
    assert metric(samples, "lastcall_hook_runs_total", phase="pre_stop", status="timeout") == 1
    assert metric(samples, "lastcall_hook_runs_total", phase="post_stop", status="ok") == 0
    assert 0.15 <= metric(samples, "lastcall_hook_duration_seconds", phase="pre_stop", hook="ok") < 3
    assert 0.25 <= metric(samples, "lastcall_hook_duration_seconds", phase="pre_stop", hook="late") < 3
    for phase in ("draining", "pre_stop", "stopping"):
        assert metric(samples, "lastcall_phase_duration_seconds", phase=phase) is not None, phase
    assert metric(samples, "lastcall_phase_duration_seconds", phase="pre_stop") >= 0.25
    assert metric(samples, "lastcall_shutdown_state", state="post_stop") == 1
    assert metric(samples, "lastcall_zombies_reaped_total") >= 3


@pytest.mark.parametrize("request_bytes", [
    b"NONSENSE\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
    b"GET /healthz HTTP/9.9\r\n\r\n",
    b"\x00\x01\x02\r\n\r\n",
], ids=["no-method", "bad-header", "bad-version", "binary"])
def test_a_malformed_request_is_400(lastcall, tmp_path, request_bytes):
    """Bad requests → 400."""
    lc, port, _ = start_recorder(lastcall, tmp_path)
    assert exchange(port, request_bytes).status == 400


def test_unknown_path_is_404_and_other_methods_405(lastcall, tmp_path):
    """Other paths 404, other methods 405."""
    lc, port, _ = start_recorder(lastcall, tmp_path)
    assert get(port, "/").status == 404
    assert get(port, "/metrics/extra").status == 404
    assert get(port, "/readyz?verbose=1").status == 200
    r = get(port, "/metrics", method="POST")
    assert r.status == 405 and r.headers["allow"] == "GET, HEAD"
    assert get(port, "/healthz", method="DELETE").status == 405


@pytest.mark.timeout(20)
def test_a_request_whose_headers_do_not_complete_is_408(lastcall, tmp_path):
    """Requests whose headers don't complete within 5 s → 408."""
    lc, port, _ = start_recorder(lastcall, tmp_path)
    r, took = measure(lambda: exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n", timeout=15))
    assert r.status == 408
    assert 4.5 <= took <= 7.0, took


def test_a_header_section_over_8_kib_is_431(lastcall, tmp_path):
    """Header section > 8 KiB → 431."""
    lc, port, _ = start_recorder(lastcall, tmp_path)
    big = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 9000 + b"\r\n\r\n"
    assert exchange(port, big).status == 431
    fits = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 7000 + b"\r\n\r\n"
    assert exchange(port, fits).status == 200


def open_idle(port, n):
    conns = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        conns.append(s)
    return conns


def closed_by_peer(conns):
    """The sockets among conns that the other end has closed (end of file or a reset)."""
    poller = select.poll()
    for s in conns:
        poller.register(s, select.POLLIN)
    closed = []
    by_fd = {s.fileno(): s for s in conns}
    for fd, _ in poller.poll(0):
        try:
            if by_fd[fd].recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
                closed.append(by_fd[fd])
        except (ConnectionResetError, BlockingIOError):
            closed.append(by_fd[fd])
    return closed


def shutdown_seconds(lastcall, tmp_path, idle, run):
    port = free_port()
    sub = tmp_path / ("idle%d-%d" % (idle, run))
    sub.mkdir()
    lc, port, _ = start_recorder(lastcall, sub, port=port)
    conns = open_idle(port, idle)
    try:
        if idle:
            # A probe still gets through: the oldest idle connection makes room.
            assert get(port, "/healthz").status == 200
        start = time.monotonic()
        lc.send(signal.SIGTERM)
        assert lc.wait_exit(10) == 128 + signal.SIGTERM
        return time.monotonic() - start
    finally:
        for s in conns:
            s.close()


@pytest.mark.timeout(60)
def test_500_idle_connections_do_not_delay_the_shutdown(lastcall, tmp_path):
    """Concurrent connections are capped, so 500 idle ones cannot exhaust fds, stall the
    loop, or delay the shutdown."""
    without = min(shutdown_seconds(lastcall, tmp_path, 0, run) for run in range(2))
    with_idle = shutdown_seconds(lastcall, tmp_path, 500, 0)
    print("shutdown: %.3fs without connections, %.3fs with 500 idle" % (without, with_idle))
    assert with_idle < without + 0.5, (without, with_idle)


def lastcall_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def connection_fds(pid, port):
    """How many of pid's descriptors are TCP connections on port (the listener not counted)."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            with open("/proc/%d/net/%s" % (pid, table)) as f:
                rows = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            fields = row.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] != "0A":  # 0A: LISTEN
                inodes.add(fields[9])
    count = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except FileNotFoundError:
            continue
        count += link.startswith("socket:[") and link[len("socket:["):-1] in inodes
    return count


def idle_fds(lc, port):
    """lastcall's descriptor count once no connection (wait_listening's probe) is open."""
    wait_for(lambda: connection_fds(lc.pid, port) == 0, 5, "lastcall to close every connection")
    return lastcall_fds(lc.pid)


@pytest.mark.timeout(30)
def test_idle_connections_hold_at_most_64_descriptors(lastcall, tmp_path):
    """Cap concurrent connections (64)."""
    lc, port, _ = start_recorder(lastcall, tmp_path)
    base = idle_fds(lc, port)
    conns = open_idle(port, 64)
    try:
        wait_for(lambda: connection_fds(lc.pid, port) == 64, 20, "lastcall to accept 64 connections")
        assert lastcall_fds(lc.pid) - base == 64
        conns += open_idle(port, 136)
        # Every one of them is accepted; past 64 an older one is closed (or the new one
        # refused): once lastcall has gone through all 136, the client sees 136 closed.
        wait_for(lambda: len(closed_by_peer(conns)) >= 136, 20, "lastcall to close 136 connections")
        assert connection_fds(lc.pid, port) <= 64
        assert lastcall_fds(lc.pid) - base <= 64
    finally:
        for s in conns:
            s.close()


@pytest.mark.timeout(30)
def test_idle_lastcall_with_an_endpoint_arms_no_timer(lastcall, tmp_path):
    """Idle lastcall without connections has no timer armed: it does not wake up, before
    or after serving a request."""
    lc, port, _ = start_recorder(lastcall, tmp_path)
    base = idle_fds(lc, port)
    assert get(port, "/metrics").status == 200
    # The linger after the response ends with the client's close.
    wait_for(lambda: lastcall_fds(lc.pid) == base, 5, "lastcall to close the connection")
    before = voluntary_switches(lc.pid)
    time.sleep(3)
    assert voluntary_switches(lc.pid) - before <= 1


def test_listen_is_in_the_check_plan(run_lastcall):
    """--check shows "listen": "127.0.0.1:9000" or null."""
    import json
    r = run_lastcall("--listen", "127.0.0.1:9000", "--check")
    assert r.returncode == 0 and json.loads(r.stdout)["listen"] == "127.0.0.1:9000"
    r = run_lastcall("--check", env={"LASTCALL_LISTEN": "[::1]:9000"})
    assert json.loads(r.stdout)["listen"] == "[::1]:9000"
    r = run_lastcall("--check")
    assert json.loads(r.stdout)["listen"] is None


@pytest.mark.parametrize("value", ["localhost:9000", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536",
                                   "::1:9000", "[::1]", "1.2.3:80", "127.0.0.1:80x", ""])
def test_an_invalid_listen_address_is_a_usage_error(run_lastcall, value):
    """Validate: IPv4 or [IPv6]:PORT, port 1-65535; usage error exit 2 otherwise."""
    r = run_lastcall("--listen", value, "--", "true")
    assert r.returncode == 2, r.stderr
    assert "--listen" in r.stderr, r.stderr


def test_listen_from_the_config_file_is_validated(run_lastcall):
    """Config key "listen"; an error names its JSON path."""
    r = run_lastcall("--", "true", config={"listen": "nowhere"})
    assert r.returncode == 2 and "/listen" in r.stderr


def test_a_port_in_use_is_a_setup_error_and_the_child_never_starts(run_lastcall, tmp_path):
    """A port that cannot be bound: exit 2 before the spawn."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        marker = tmp_path / "started"
        r = run_lastcall("--listen", "127.0.0.1:%d" % port, "--", "touch", marker)
    assert r.returncode == 2 and "EADDRINUSE" in r.stderr
    assert not marker.exists()


# -- readiness of the workload --------------------------------------------------------------------

def test_ready_metrics_without_a_check(lastcall, tmp_path):
    """Without `ready`, lastcall is ready once the child is spawned (`lastcall_ready` is 1)."""
    lc, port, _ = start_recorder(lastcall, tmp_path)
    types, helps, samples = parse_prometheus(get(port, "/metrics").text)
    assert types["lastcall_ready"] == "gauge" and helps["lastcall_ready"]
    assert metric(samples, "lastcall_ready") == 1
    ready_seconds = metric(samples, "lastcall_ready_seconds")
    assert ready_seconds is None or 0 <= ready_seconds < 1, ready_seconds


@pytest.mark.timeout(30)
def test_ready_metrics_follow_the_checks(lastcall, tmp_path):
    """lastcall is ready only while the last check passed and no trigger arrived
    (`lastcall_ready`, 0/1: 0 before the first pass, 1 after it, 0 from the trigger on;
    `lastcall_ready_seconds`, the time to the first pass: none before it, then `child_ready`'s
    `after_ms`)."""
    marker = tmp_path / "marker"
    config = {"drain": "1s", "ready": {"command": ["test", "-e", str(marker)], "interval": "200ms"}}
    lc, port, _ = start_recorder(lastcall, tmp_path, config=config)
    spawned = time.monotonic()
    types, _, samples = parse_prometheus(get(port, "/metrics").text)
    assert metric(samples, "lastcall_ready") == 0
    ready_seconds = metric(samples, "lastcall_ready_seconds")
    assert ready_seconds is None or ready_seconds != ready_seconds, ready_seconds  # absent or NaN
    wait_for(lambda: time.monotonic() - spawned >= 1.0, 2, "a second of not being ready")
    marker.touch()
    after_ms = lc.wait_event("child_ready", timeout=5)["after_ms"]
    types, _, samples = parse_prometheus(get(port, "/metrics").text)
    assert types["lastcall_ready_seconds"] == "gauge"
    assert metric(samples, "lastcall_ready") == 1
    assert abs(metric(samples, "lastcall_ready_seconds") - after_ms / 1000) < 0.002, (samples, after_ms)
    assert after_ms >= 1000
    lc.send(signal.SIGTERM)
    lc.wait_event("shutdown_started")
    samples = metrics(port)
    assert metric(samples, "lastcall_ready") == 0
    assert abs(metric(samples, "lastcall_ready_seconds") - after_ms / 1000) < 0.002
    assert lc.wait_exit(10) == 128 + signal.SIGTERM
