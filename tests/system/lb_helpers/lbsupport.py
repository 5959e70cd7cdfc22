# SPDX-License-Identifier: MIT
"""Shared pieces of the load-balancer and recipe tests: the binary, free loopback ports,
processes started in their own sessions and killed by process group at the end, lastcall's
JSON log read from a file, haproxy with its CSV stats, bounded wrk runs, and the code blocks
of docs/recipes.md. It needs nothing from conftest.py (the per-test alarm is tests/system/conftest.py's
`timeout` marker)."""
import json
import os
import pathlib
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import urllib.error
import urllib.request

import pytest

# The system tests' own waiting, shared with test_systemd.py and test_podman.py.
from sysutil import testlib, wait_for  # noqa: E402,F401
from testlib import ts_seconds  # noqa: E402,F401

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[2]
RECIPES = REPO / "docs" / "recipes.md"


# -- tools and binaries ------------------------------------------------------------------------

def lastcall_bin():
    return testlib.require_executable(testlib.lastcall_path(), "LASTCALL_BIN", "build it")


def need_tools(*names):
    """Skips unless every program is on PATH (or is an existing absolute path)."""
    missing = [n for n in names if not (os.access(n, os.X_OK) if n.startswith("/") else shutil.which(n))]
    if missing:
        pytest.skip("missing %s (install tests/system/loadbalancer.packages)" % ", ".join(missing))


def need_root():
    if os.geteuid() != 0:
        pytest.skip("needs root (servers run as their own users, as the recipes say)")


def free_ports(n):
    """n distinct loopback ports that were free a moment ago (held open together so the kernel
    hands out different ones)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def http_status(url, timeout=1.0):
    """The status of GET url, or None when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (OSError, ValueError):
        return None


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


# -- processes ---------------------------------------------------------------------------------

class Proc:
    """One process started in its own session; its stdout and stderr go to files."""

    def __init__(self, argv, workdir, name, env=None, cwd=None):
        self.name = name
        self.out_path = pathlib.Path(workdir) / (name + ".out")
        self.err_path = pathlib.Path(workdir) / (name + ".err")
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=err, start_new_session=True, env=env, cwd=cwd)
        self.pid = self.proc.pid

    def send(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout):
        return self.proc.wait(timeout)

    def running(self):
        return self.proc.poll() is None

    @property
    def out(self):
        return self.out_path.read_text(errors="replace")

    @property
    def err(self):
        return self.err_path.read_text(errors="replace")

    # lastcall's JSON log on stderr
    def events(self, name=None, **fields):
        found = []
        for line in self.err.splitlines():
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if isinstance(e, dict) and (name is None or e.get("event") == name) and \
                    all(e.get(k) == v for k, v in fields.items()):
                found.append(e)
        return found

    def wait_event(self, name, timeout=10.0, **fields):
        def seen():
            found = self.events(name, **fields)
            if found:
                return found[0]
            if not self.running() and not self.events(name, **fields):
                raise AssertionError("%s exited before %s; stderr:\n%s" % (self.name, name, self.err[-4000:]))
            return None
        return wait_for(seen, timeout, "%s in the log of %s" % (name, self.name))


def descendants(pid):
    """Every process below pid, from the parent links in /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Procs:
    """Starts processes, each in its own session, and at the end kills each of them with
    everything below it: lastcall puts its child in a process group of its own, so the
    session's group alone would miss it. The tree is stopped first (SIGSTOP: nothing forks or
    exits meanwhile), then every process of it and every group it made gets SIGKILL."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.started = []

    def start(self, argv, name, **kw):
        p = Proc(argv, self.workdir, name, **kw)
        self.started.append(p)
        return p

    def popen(self, argv, **kw):
        """A subprocess.Popen of its own session (for a pipe to its stdin), killed at the end."""
        p = subprocess.Popen([str(a) for a in argv], start_new_session=True, **kw)
        self.started.append(p)
        return p

    def lastcall(self, args, name, **kw):
        return self.start([lastcall_bin(), "--log-format", "json", *args], name, **kw)

    def cleanup(self):
        for p in self.started:
            popen = p.proc if isinstance(p, Proc) else p
            if popen.stdin:  # a client reading its stdin ends by itself, and reaps its own children
                popen.stdin.close()
                try:
                    popen.wait(2)
                except subprocess.TimeoutExpired:
                    pass
            if popen.poll() is None:
                kill_tree(popen.pid)
            try:
                popen.wait(5)
            except subprocess.TimeoutExpired:
                pass


def kill_tree(pid):
    tree = set()
    for _ in range(3):  # again, for what forked while the first ones were being stopped
        new = ({pid} | set(descendants(pid))) - tree
        if not new:
            break
        for p in new:
            try:
                os.kill(p, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        tree |= new
    groups = set()
    for p in tree:
        try:
            groups.add(os.getpgid(p))
        except ProcessLookupError:
            pass
    for g in groups:
        if g in tree:  # a group one of them leads: one this test made
            try:
                os.killpg(g, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for p in tree:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def procs(tmp_path):
    p = Procs(tmp_path)
    yield p
    p.cleanup()


@pytest.fixture
def shared_dir():
    """A temp dir that other users can enter (mode 0755), for servers that run as their own
    user; removed at the end."""
    d = tempfile.mkdtemp(prefix="lastcall-recipe-")
    os.chmod(d, 0o755)
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


# -- haproxy and wrk ---------------------------------------------------------------------------

class Haproxy:
    """haproxy in the foreground with the given config; stats on its own port."""

    def __init__(self, procs, config, stats_port, name="haproxy"):
        self.stats_port = stats_port
        path = pathlib.Path(procs.workdir) / (name + ".cfg")
        path.write_text(config + STATS_SECTION % stats_port)
        check = subprocess.run(["haproxy", "-c", "-q", "-f", str(path)], capture_output=True, text=True,
                               timeout=10)
        assert check.returncode == 0, "haproxy -c: %s%s" % (check.stdout, check.stderr)
        self.proc = procs.start(["haproxy", "-db", "-f", path], name)
        wait_for(lambda: self.stats() or self._died(), 10, "haproxy's stats")

    def _died(self):
        if not self.proc.running():
            raise AssertionError("haproxy exited: %s" % self.proc.err[-2000:])
        return None

    def stats(self):
        """{(proxy, server): row} from the CSV stats, or None."""
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/stats;csv" % self.stats_port, timeout=1) as r:
                text = r.read().decode()
        except OSError:
            return None
        lines = text.splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = {}
        for line in lines[1:]:
            if line:
                row = dict(zip(header, line.split(",")))
                rows[(row["pxname"], row["svname"])] = row
        return rows

    def server(self, backend, name):
        return self.stats()[(backend, name)]

    def wait_status(self, backend, name, status, timeout):
        return wait_for(lambda: self.server(backend, name)["status"].startswith(status), timeout,
                        "haproxy to see %s/%s %s" % (backend, name, status))

    def log(self):
        return self.proc.err + self.proc.out


STATS_SECTION = """
listen stats
    bind 127.0.0.1:%d
    stats enable
    stats uri /stats
"""


class Wrk:
    """One bounded wrk run (fixed duration, a few connections) in the background."""

    def __init__(self, procs, url, duration, connections=8, threads=2, name="wrk"):
        self.duration = duration
        self.proc = procs.start(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % duration,
                                 "--timeout", "2s", "-s", HERE / "count.lua", url], name)

    def running(self):
        return self.proc.running()

    def stop(self):
        """Ends the run before its duration (wrk stops on SIGINT and prints its results)."""
        if self.proc.running():
            self.proc.send(signal.SIGINT)

    def result(self):
        """Waits for the end of the run; returns wrk's counts and `failed`, the sum of non-2xx
        responses and socket errors (connect, read, write, timeout)."""
        self.proc.wait(self.duration + 15)
        m = re.search(r"^WRK_RESULT (\{.*\})$", self.proc.out, re.M)
        assert m, "wrk printed no result: %s%s" % (self.proc.out, self.proc.err)
        r = json.loads(m.group(1))
        r["failed"] = r["non2xx"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
        return r


# -- docs/recipes.md ---------------------------------------------------------------------------

def recipe_block(name):
    """The fenced code block that follows `<!-- recipe: NAME -->` in docs/recipes.md."""
    text = RECIPES.read_text()
    m = re.search(r"<!-- recipe: %s -->\n```[^\n]*\n(.*?)^```" % re.escape(name), text, re.S | re.M)
    assert m, "docs/recipes.md has no block marked <!-- recipe: %s -->" % name
    return m.group(1)


def substitute(text, mapping):
    """Replaces each key of mapping (a port number or a path of the recipe) by its value;
    every key must occur, so a recipe that changes fails here rather than running something
    else."""
    for old, new in mapping.items():
        text, count = re.subn(r"(?<![\w/.])%s(?!\w)" % re.escape(old), lambda _m: str(new), text)
        assert count, "%r not in the recipe block:\n%s" % (old, text)
    return text


def command_words(block, program="lastcall"):
    """The words of the one command line of block that starts with program (backslash
    continuations joined, comments dropped), split as the shell would."""
    joined = re.sub(r"\\\n", " ", block)
    lines = [l for l in joined.splitlines() if l.strip().startswith(program + " ")]
    assert len(lines) == 1, "expected one %s command in:\n%s" % (program, block)
    return shlex.split(lines[0], comments=True)
