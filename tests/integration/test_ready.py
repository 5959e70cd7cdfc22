# SPDX-License-Identifier: MIT
"""CONTRACT §3 "Readiness of the workload": `ready` checks of the child (TCP connect, HTTP GET,
command), what /readyz says from the start to the trigger, `child_ready`/`child_unready`,
`start_timeout`, checks that never overlap and stop at the trigger, and no cost without
`ready`."""
import json
import signal
import socket
import threading
import time

import pytest

from admin_client import free_port, get, voluntary_switches
from support import helper, read_lines, recorder, ts_seconds, wait_for, wait_lines

# Checks in these tests run every 250 ms; anything that follows a check gets this much more.
INTERVAL = 0.25
SLACK = 1.5
# /readyz answers from lastcall's state at once; the event logged at the same moment reaches
# the test through stderr and a reader thread, which can lag that answer on a loaded machine.
EVENT_LAG = 2.0


class Backend:
    """The workload's port, played by the test on a port from the kernel. Until listen() the
    port is bound but not listening, so a connection to it is refused; refuse() goes back to
    that state. Records the time of every connection it accepts; with http=True it answers
    each request with `status` (or, with hang=True, never answers)."""

    def __init__(self, http=False, status=200):
        self.http = http
        self.status = status
        self.hang = False
        self.accepted = []   # epoch seconds of each accepted connection
        self.requests = []   # request lines, in order
        self._lock = threading.Lock()
        self._held = []      # connections left unanswered (hang)
        self._stop = None
        self._thread = None
        self._sock = self._bound(0)
        self.port = self._sock.getsockname()[1]

    @staticmethod
    def _bound(port):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return s

    def listen(self):
        self._sock.listen(64)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(self._sock, self._stop), daemon=True)
        self._thread.start()

    def refuse(self):
        """Stops answering: the listener closes and a fresh socket holds the port, unlistened."""
        self._halt()
        self._sock = self._bound(self.port)

    def close(self):
        self._halt()

    def _halt(self):
        if self._thread is not None:
            self._stop.set()
            self._thread.join(5)
            self._thread = None
        self._sock.close()
        with self._lock:
            for conn in self._held:
                conn.close()
            self._held.clear()

    def count(self, since=0.0):
        with self._lock:
            return sum(1 for t in self.accepted if t >= since)

    def _serve(self, sock, stop):
        sock.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.accepted.append(time.time())
            if not self.http:
                conn.close()
                continue
            self._answer(conn)

    def _answer(self, conn):
        conn.settimeout(2)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        with self._lock:
            self.requests.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
            if self.hang:
                self._held.append(conn)
                return
        try:
            conn.sendall(b"HTTP/1.1 %d Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" % self.status)
        except OSError:
            pass
        conn.close()


@pytest.fixture
def backend():
    made = []

    def make(**kw):
        b = Backend(**kw)
        made.append(b)
        return b
    yield make
    for b in made:
        b.close()


def readyz(port):
    return get(port, "/readyz").status


def wait_readyz(port, status, timeout):
    wait_for(lambda: readyz(port) == status, timeout, "/readyz %d" % status, interval=0.05)


def start(lastcall, tmp_path, *args, config=None):
    """lastcall with an admin endpoint around a signal recorder; returns (lc, admin port)."""
    admin = free_port()
    lc = lastcall("--listen", "127.0.0.1:%d" % admin, *args, "--", *recorder(tmp_path / "child.txt"),
                  config=config)
    lc.child_pid
    wait_for(lambda: _answers(admin), 10, "the admin endpoint")
    return lc, admin


def _answers(port):
    try:
        return get(port, "/healthz").status == 200
    except OSError:
        return False


def readyz_for(port, seconds):
    """Asks /readyz every 100 ms for `seconds`; returns every status it got."""
    statuses = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        statuses.append(readyz(port))
        time.sleep(0.1)
    return statuses


@pytest.mark.timeout(40)
def test_readyz_follows_a_tcp_check_from_the_start_to_the_trigger(lastcall, tmp_path, backend):
    """lastcall is ready only while the last check passed and no trigger arrived: `/readyz` is
    503 before the first pass, after a failed check and from the trigger on; `child_ready`
    (`after_ms`) is logged at the first pass, `child_unready` when a later check fails.
    Checks stop at the trigger."""
    app = backend()
    config = {"drain": "1.5s", "ready": {"tcp": "127.0.0.1:%d" % app.port, "interval": "250ms",
                                       "timeout": "500ms"}}
    lc, admin = start(lastcall, tmp_path, config=config)
    started = ts_seconds(lc.wait_event("child_started"))
    # The workload starts listening 2 s after the child started; until then every answer is 503.
    before = readyz_for(admin, started + 2.0 - time.time())
    assert before and set(before) == {503}, before
    assert not lc.events("child_ready")
    listened = time.time()
    app.listen()
    wait_readyz(admin, 200, INTERVAL + SLACK)
    ready = lc.wait_event("child_ready", timeout=EVENT_LAG)
    assert listened - started - 0.01 <= ready["after_ms"] / 1000 <= listened - started + INTERVAL + SLACK, ready

    app.refuse()
    wait_readyz(admin, 503, INTERVAL + 0.5 + SLACK)
    unready = lc.wait_event("child_unready", timeout=EVENT_LAG)
    assert isinstance(unready["error"], str) and unready["error"], unready
    relistened = time.time()
    app.listen()
    wait_readyz(admin, 200, INTERVAL + SLACK)
    # While ready, the checks go on every interval.
    wait_for(lambda: app.count(since=relistened) >= 3, 3 * INTERVAL + SLACK, "three more checks")

    lc.send(signal.SIGTERM)
    trigger = ts_seconds(lc.wait_event("shutdown_started"))
    # The workload still answers, but the drain is 503 throughout.
    during = readyz_for(admin, 1.0)
    assert set(during) == {503}, during
    assert lc.wait_exit(10) == 128 + signal.SIGTERM
    # Without the stop, 1.5 s of drain would have seen about 6 more checks. A check that was
    # connecting at the trigger may still be accepted after it (late on a loaded machine):
    # one at most, and none once the drain is half over.
    assert app.count(since=trigger) <= 1, [t - trigger for t in app.accepted]
    assert app.count(since=trigger + 0.75) == 0, [t - trigger for t in app.accepted]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("where", ["cli", "config"])
def test_an_http_check_needs_a_2xx_answer(lastcall, tmp_path, backend, where):
    """`"http": "http://127.0.0.1:8080/healthz"`, any 2xx ... also `--ready ...|http://…|...`:
    an HTTP 500 from the workload counts as not ready, 2xx as ready."""
    app = backend(http=True, status=500)
    app.listen()
    url = "http://127.0.0.1:%d/health" % app.port
    if where == "cli":
        lc, admin = start(lastcall, tmp_path, "--ready", url)  # the default interval, 1s
        interval = 1.0
    else:
        lc, admin = start(lastcall, tmp_path, config={"ready": {"http": url, "interval": "250ms"}})
        interval = INTERVAL
    wait_for(lambda: len(app.requests) >= 2, 2 * interval + SLACK, "two checks answered 500")
    assert readyz(admin) == 503
    assert not lc.events("child_ready")
    assert app.requests[0].startswith("GET /health HTTP/1."), app.requests

    app.status = 200
    wait_readyz(admin, 200, interval + SLACK)
    lc.wait_event("child_ready", timeout=EVENT_LAG)
    app.status = 500
    wait_readyz(admin, 503, interval + SLACK)
    assert "500" in lc.wait_event("child_unready", timeout=EVENT_LAG)["error"]
    app.status = 204
    wait_readyz(admin, 200, interval + SLACK)
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 128 + signal.SIGTERM


@pytest.mark.timeout(30)
def test_a_check_without_an_answer_within_its_timeout_fails(lastcall, tmp_path, backend):
    """with `"interval"` (default 1s), `"timeout"` (default 1s): a workload that accepts the
    connection but never answers is not ready."""
    app = backend(http=True)
    app.hang = True
    app.listen()
    config = {"ready": {"http": "http://127.0.0.1:%d/" % app.port, "interval": "250ms", "timeout": "300ms"}}
    lc, admin = start(lastcall, tmp_path, config=config)
    wait_for(lambda: len(app.requests) >= 3, 3 * (INTERVAL + 0.3) + SLACK, "three unanswered checks")
    assert readyz(admin) == 503
    app.hang = False
    wait_readyz(admin, 200, INTERVAL + SLACK)
    app.hang = True
    wait_readyz(admin, 503, INTERVAL + 0.3 + SLACK)
    lc.wait_event("child_unready", timeout=EVENT_LAG)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("form", ["exec", "string", "array"])
def test_a_command_check_passes_on_exit_0(lastcall, tmp_path, form):
    """`"command": "pg_isready -q"`, exit 0 ... also `--ready ...|exec:CMD`: a command that
    exits 0 makes the child ready, any other exit makes it not ready."""
    marker = tmp_path / "marker"
    runs = tmp_path / "runs"
    argv = helper("ready_check", runs, "--marker", marker)
    if form == "exec":
        lc, admin = start(lastcall, tmp_path, "--ready", "exec:" + " ".join(argv))
        interval = 1.0
    else:
        command = " ".join(argv) if form == "string" else argv
        lc, admin = start(lastcall, tmp_path, config={"ready": {"command": command, "interval": "250ms"}})
        interval = INTERVAL
    wait_lines(runs, lambda lines: sum(l.startswith("end") for l in lines) >= 2, 2 * interval + SLACK * 2)
    assert readyz(admin) == 503 and not lc.events("child_ready")
    marker.touch()
    wait_readyz(admin, 200, interval + SLACK)
    lc.wait_event("child_ready", timeout=EVENT_LAG)
    marker.unlink()
    wait_readyz(admin, 503, interval + SLACK)
    lc.wait_event("child_unready", timeout=EVENT_LAG)
    marker.touch()
    wait_readyz(admin, 200, interval + SLACK)
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 128 + signal.SIGTERM


def spans(runs):
    """[(start, end or None, pid, others)] of every check ready_check recorded, in start
    order; others: the earlier checks still running when this one started."""
    starts, ends = {}, {}
    for line in read_lines(runs):
        word, t, pid, *rest = line.split()
        if word == "start":
            starts[pid] = (float(t), rest[0])
        else:
            ends[pid] = float(t)
    return sorted((t, ends.get(pid), pid, others) for pid, (t, others) in starts.items())


@pytest.mark.timeout(30)
@pytest.mark.parametrize("case", ["slower-than-interval", "timed-out"])
def test_checks_never_overlap_and_stop_at_the_trigger(lastcall, tmp_path, case):
    """Checks stop at the trigger and never overlap: a command check that takes longer than
    the interval (or than its timeout) never runs twice at once, and none starts after the
    trigger."""
    runs = tmp_path / "runs"
    if case == "slower-than-interval":
        ready = {"command": helper("ready_check", runs, "--sleep", "0.6"), "interval": "100ms", "timeout": "2s"}
    else:
        ready = {"command": helper("ready_check", runs, "--sleep", "5"), "interval": "100ms", "timeout": "400ms"}
    lc, admin = start(lastcall, tmp_path, config={"drain": "1.5s", "ready": ready})
    wait_for(lambda: len(spans(runs)) >= 4, 10, "four checks")
    lc.send(signal.SIGTERM)
    trigger = ts_seconds(lc.wait_event("shutdown_started"))
    assert lc.wait_exit(10) == 128 + signal.SIGTERM
    checks = spans(runs)
    # Each check saw no earlier one still running as it started.
    assert all(others == "-" for _, _, _, others in checks), checks
    for (start1, end1, _, _), (start2, _, _, _) in zip(checks, checks[1:]):
        if case == "slower-than-interval":
            assert end1 is not None and start2 >= end1, checks
        else:
            assert end1 is None, checks  # killed at its timeout, so it never ended
    # A command's start line is written some 50 ms after its spawn (more on a loaded machine):
    # one spawned just before the trigger may write it after. Checks every 100 ms through
    # 1.5 s of drain would have written some 15.
    assert len([s for s, _, _, _ in checks if s > trigger]) <= 1, (trigger, checks)


@pytest.mark.timeout(30)
def test_a_spent_start_timeout_runs_the_whole_sequence(lastcall, tmp_path):
    """A `start_timeout` spent without a pass starts the shutdown as a trigger would
    (`LASTCALL_SIGNAL` empty, log `start_timeout`)."""
    config = {"ready": {"command": ["false"], "interval": "200ms", "start_timeout": "1s"},
              "hooks": {"pre_stop": [{"name": "pre", "command": helper("env_dump", tmp_path / "pre.json")}],
                        "post_stop": [{"name": "post", "command": helper("env_dump", tmp_path / "post.json")}]}}
    out = tmp_path / "child.txt"
    lc = lastcall("--", *recorder(out), config=config)
    started = ts_seconds(lc.wait_event("child_started"))
    code = lc.wait_exit(15)
    timeout = lc.wait_event("start_timeout", timeout=0)
    # Counted from the spawn, which child_started is logged a little after (milliseconds of ts).
    assert 1.0 - 0.05 <= ts_seconds(timeout) - started < 1.0 + SLACK, lc.log_tail()
    assert not lc.events("child_ready")
    names = [e["event"] for e in lc.events()]
    order = ["start_timeout", "shutdown_started", "hook_started", "child_signaled", "child_exited",
             "hook_started", "shutdown_complete"]
    positions = []
    for name in order:
        after = positions[-1] + 1 if positions else 0
        assert name in names[after:], (name, names)
        positions.append(names.index(name, after))
    for phase, name in (("pre_stop", "pre.json"), ("post_stop", "post.json")):
        env = json.loads((tmp_path / name).read_text())["env"]
        assert env["LASTCALL_PHASE"] == phase
        assert env["LASTCALL_SIGNAL"] == "", env["LASTCALL_SIGNAL"]
    # The child got the stop signal, once, and lastcall exits with what it died of.
    received = [line for line in read_lines(out) if line != "ready"]
    assert len(received) == 1, received
    assert code == 128 + getattr(signal, received[0]), (code, received)


@pytest.mark.timeout(30)
def test_a_check_that_passes_in_time_keeps_the_child_running(lastcall, tmp_path):
    """A `start_timeout` spent without a pass starts the shutdown (one pass before it does
    not)."""
    config = {"ready": {"command": ["true"], "interval": "200ms", "start_timeout": "1s"}}
    out = tmp_path / "child.txt"
    lc = lastcall("--", *recorder(out), config=config)
    ready = lc.wait_event("child_ready", timeout=5)
    assert ready["after_ms"] < 1000
    time.sleep(1.5)  # past the start_timeout: nothing may happen in this window
    assert not lc.events("start_timeout") and not lc.events("shutdown_started")
    assert read_lines(out) == ["ready"]
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 128 + signal.SIGTERM


@pytest.mark.timeout(30)
@pytest.mark.parametrize("with_ready", [False, True], ids=["without-ready", "with-ready"])
def test_checks_cost_nothing_without_ready(lastcall, tmp_path, backend, with_ready):
    """Without `ready`, lastcall is ready once the child is spawned (and an idle lastcall does
    not wake up at all); with it, a check runs every interval."""
    app = backend()
    app.listen()
    config = {"ready": {"tcp": "127.0.0.1:%d" % app.port, "interval": "250ms"}} if with_ready else None
    pidfile = tmp_path / "pid"
    lc = lastcall("--", *helper("hang", "--pidfile", pidfile), config=config)
    lc.child_pid
    wait_lines(pidfile)
    if with_ready:
        lc.wait_event("child_ready", timeout=5)
    time.sleep(0.3)  # let the spawn's own work settle
    window = 2.0
    before, checks_before = voluntary_switches(lc.pid), app.count()
    time.sleep(window)
    switches, checks = voluntary_switches(lc.pid) - before, app.count() - checks_before
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 128 + signal.SIGTERM
    print("over %.1fs: %d wakeups, %d checks" % (window, switches, checks))
    if not with_ready:
        assert (switches, checks) == (0, 0)
    else:
        # One check every 250 ms plus the time a check takes: at most 9, at least half.
        assert window / INTERVAL / 2 <= checks <= window / INTERVAL + 1, checks
        assert switches >= checks


@pytest.mark.timeout(30)
@pytest.mark.parametrize("form", ["exec", "array"])
def test_a_command_check_runs_where_lastcall_started(lastcall, tmp_path, form):
    """`"command": "pg_isready -q"`, exit 0: the command runs in lastcall's starting directory,
    as the child and the hooks do, not in "/" where lastcall itself moves."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    (workdir / "marker").touch()
    if form == "exec":
        lc = lastcall("--ready", "exec:test -f marker", "--", *recorder(tmp_path / "child.txt"), cwd=str(workdir))
    else:
        config = {"ready": {"command": ["test", "-f", "marker"], "interval": "250ms"}}
        lc = lastcall("--", *recorder(tmp_path / "child.txt"), config=config, cwd=str(workdir))
    lc.wait_event("child_ready", timeout=5)
    assert not lc.events("child_unready"), lc.log_tail()
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 128 + signal.SIGTERM
