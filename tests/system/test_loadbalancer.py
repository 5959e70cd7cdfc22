# SPDX-License-Identifier: MIT
"""haproxy in front of two servers, each under lastcall, as docs/recipes.md ("Behind a load
balancer") sets them up; a bounded wrk run on loopback (8 connections, a few seconds) while
one server is stopped or started. Every run prints its failed-request count (non-2xx, and
wrk's connect, read, write and timeout errors).

- A rolling stop loses nothing when haproxy checks lastcall's /readyz and the drain is
  inter x (fall + 1); it loses requests when haproxy checks the server's own port, or when the
  drain is shorter than inter x fall: the test can see what it counts.
- A server that needs 5 s before it listens, started into the pool: without lastcall's
  `ready` check /readyz says 200 at the spawn and requests fail; with `--ready tcp:...` they
  do not, and the rolling stop after it loses nothing either.

The servers are tests/system/lb_helpers/backend.py: a bare Python server that SIGTERM kills
at once, cutting what it is serving. By hand, with every count printed:

    python3 -m pytest tests/system/test_loadbalancer.py -s        # LASTCALL_BIN=... for another binary
"""
import signal
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "lb_helpers"))
import lbsupport  # noqa: E402
from lbsupport import procs  # noqa: E402,F401  (fixtures)

BACKEND = lbsupport.HERE / "backend.py"
WRK_CONNECTIONS = 8


class Pool:
    """Two servers, a and b, behind haproxy; each server under lastcall with the options of
    the recipe's command line, and its own loopback ports."""

    def __init__(self, procs, check_readyz=True, drain=None, ready=False):
        self.procs = procs
        self.check_readyz = check_readyz
        self.drain = drain
        self.ready = ready
        front, pa, pb, aa, ab, stats = lbsupport.free_ports(6)
        self.front = front
        self.port = {"a": pa, "b": pb}
        self.admin = {"a": aa, "b": ab}
        self.stats_port = stats
        self.lastcall = {}
        self.haproxy = None

    def lastcall_options(self, name):
        """The recipe's options, up to `--`, on this server's ports."""
        words = lbsupport.command_words(lbsupport.substitute(
            lbsupport.recipe_block("behind-lb"), {"8081": self.port[name], "9001": self.admin[name]}))
        options = words[1:words.index("--")]
        if self.drain is not None:
            options += ["--drain", self.drain]  # the last value wins
        if self.ready:
            options += ["--ready", "tcp:127.0.0.1:%d" % self.port[name]]
        return options

    def start_server(self, name, listen_delay=0.0):
        argv = self.lastcall_options(name) + ["--", sys.executable, BACKEND, "--port", self.port[name],
                                              "--listen-delay", listen_delay]
        self.lastcall[name] = self.procs.lastcall(argv, "lastcall-" + name)
        self.lastcall[name].wait_event("child_started", timeout=10)

    def wait_listening(self, name, timeout=10):
        lbsupport.wait_for(lambda: lbsupport.port_open(self.port[name]), timeout, "server %s to listen" % name)

    def start_haproxy(self):
        config = lbsupport.substitute(lbsupport.recipe_block("haproxy"), {
            "8080": self.front, "8081": self.port["a"], "8082": self.port["b"],
            "9001": self.admin["a"], "9002": self.admin["b"]})
        if not self.check_readyz:  # the server's own port: drop `port <admin>` from each check
            config = config.replace(" port %d" % self.admin["a"], "").replace(" port %d" % self.admin["b"], "")
            assert "check port" not in config
        self.haproxy = lbsupport.Haproxy(self.procs, config, self.stats_port)

    def url(self):
        return "http://127.0.0.1:%d/" % self.front

    def served(self, name):
        """Responses of server `name` that haproxy counted as 2xx."""
        return int(self.haproxy.server("app", name)["hrsp_2xx"] or 0)

    def status(self, name):
        return self.haproxy.server("app", name)["status"]

    def wait_in_rotation(self, name, timeout=10):
        """lastcall says ready and haproxy has the server UP (not UP and going down)."""
        admin = "http://127.0.0.1:%d/readyz" % self.admin[name]
        lbsupport.wait_for(lambda: lbsupport.http_status(admin) == 200, timeout, "/readyz of %s" % name)
        lbsupport.wait_for(lambda: self.status(name) == "UP", timeout, "haproxy to have %s UP" % name)

    def wait_served(self, name, count, timeout, wrk=None):
        start = self.served(name)

        def enough():
            if wrk is not None and not wrk.running():
                raise AssertionError("wrk ended before server %s served %d requests" % (name, count))
            return self.served(name) >= start + count
        lbsupport.wait_for(enough, timeout, "server %s to serve %d requests" % (name, count))


def rolling_stop(pool, victim, other, duration=6):
    """A bounded wrk run; the victim's lastcall gets SIGTERM once the victim has served 20
    requests of it. Returns wrk's counts, and the Unix times at which haproxy first showed the
    victim DOWN (None if never during the run) and at which lastcall sent it the stop signal."""
    served_other = pool.served(other)
    wrk = lbsupport.Wrk(pool.procs, pool.url(), duration, connections=WRK_CONNECTIONS)
    pool.wait_served(victim, 20, timeout=duration / 2, wrk=wrk)
    lc = pool.lastcall[victim]
    lc.send(signal.SIGTERM)
    down_at = None
    while wrk.running():
        if down_at is None and pool.status(victim).startswith("DOWN"):
            down_at = time.time()
        time.sleep(0.05)
    result = wrk.result()
    # The bare server dies of the SIGTERM, so lastcall exits 128 + 15.
    assert lc.wait(20) == 128 + signal.SIGTERM, lc.err[-3000:]
    signaled = lc.wait_event("child_signaled", timeout=1)
    assert pool.served(other) > served_other, "the other server carried nothing"
    return result, down_at, lbsupport.ts_seconds(signaled)


def report(what, result):
    attempts = result["requests"] + result["failed"] - result["non2xx"]  # wrk's requests are answers
    print("\n%s: %d failed of %d (non-2xx %d, connect %d, read %d, write %d, timeout %d)" % (
        what, result["failed"], attempts, result["non2xx"], result["connect"], result["read"],
        result["write"], result["timeout"]))


@pytest.fixture
def tools():
    lbsupport.need_tools("haproxy", "wrk")
    lbsupport.lastcall_bin()


def start_pool(procs, **kw):
    pool = Pool(procs, **kw)
    pool.start_server("a")
    pool.start_server("b")
    pool.wait_listening("a")
    pool.wait_listening("b")
    pool.start_haproxy()
    pool.wait_in_rotation("a")
    pool.wait_in_rotation("b")
    return pool


@pytest.mark.timeout(40)
@pytest.mark.parametrize("check_readyz, drain, expect", [
    (True, None, "none"),        # the recipe as written
    (False, None, "some"),       # haproxy checks the server's port: no readiness from lastcall
    (True, "1s", "some"),        # /readyz, but a drain shorter than inter x fall
], ids=["readyz-recipe", "port-check", "readyz-drain-1s"])
def test_rolling_stop_behind_haproxy(tools, procs, check_readyz, drain, expect):
    """Behind a load balancer: `--listen` + the LB checking /readyz + drain >= interval x
    (fall + 1) loses no request; without lastcall's readiness, or with a shorter drain, the
    requests sent to the stopping server fail."""
    pool = start_pool(procs, check_readyz=check_readyz, drain=drain)
    result, down_at, signaled_at = rolling_stop(pool, "a", "b")
    report("rolling stop, haproxy checks %s, drain %s" % ("/readyz" if check_readyz else "the port",
                                                          drain or "as in the recipe"), result)
    assert result["requests"] >= 200, "too little load to tell anything: %s" % result
    if expect == "none":
        assert result["failed"] == 0, "%s\nhaproxy:\n%s" % (result, pool.haproxy.log())
        # The reason: haproxy took the server out during the drain, before the stop signal.
        assert down_at is not None and down_at < signaled_at, (down_at, signaled_at, pool.haproxy.log())
    else:
        assert result["failed"] > 0, "the stop went unnoticed, so this test could not see a loss: %s" % result


@pytest.mark.timeout(60)
@pytest.mark.parametrize("ready", [True, False], ids=["ready-tcp", "no-ready"])
def test_rolling_start_and_stop_of_a_slow_starting_server(tools, procs, ready):
    """Contract §3 "Readiness of the workload": with `--ready tcp:ADDR:PORT`, /readyz is 503
    until the server listens, so a server that needs 5 s before it listens joins the pool
    without a failed request, and the rolling stop that follows loses none either. Without
    `ready`, /readyz says 200 at the spawn and haproxy sends it requests too early."""
    pool = Pool(procs, ready=ready)
    pool.start_server("b")
    pool.wait_listening("b")
    pool.start_haproxy()
    pool.wait_in_rotation("b")
    pool.haproxy.wait_status("app", "a", "DOWN", timeout=10)  # a is not running yet

    # Rolling start: a joins while wrk runs; the run ends once a has served 50 requests.
    wrk = lbsupport.Wrk(procs, pool.url(), 15, connections=WRK_CONNECTIONS, name="wrk-start")
    pool.wait_served("b", 20, timeout=5, wrk=wrk)
    pool.start_server("a", listen_delay=5)
    pool.wait_served("a", 50, timeout=13, wrk=wrk)
    wrk.stop()
    started = wrk.result()
    report("rolling start (5 s to listen), %s" % ("--ready tcp" if ready else "no ready check"), started)

    stopped, down_at, signaled_at = rolling_stop(pool, "b", "a")
    report("rolling stop after it, %s" % ("--ready tcp" if ready else "no ready check"), stopped)

    if ready:
        assert started["failed"] == 0, "%s\nhaproxy:\n%s" % (started, pool.haproxy.log())
        assert pool.lastcall["a"].events("child_ready"), pool.lastcall["a"].err[-3000:]
        assert stopped["failed"] == 0, "%s\nhaproxy:\n%s" % (stopped, pool.haproxy.log())
        assert down_at is not None and down_at < signaled_at, (down_at, signaled_at)
    else:
        assert started["failed"] > 0, "the early 200 went unnoticed: %s" % started
