# SPDX-License-Identifier: MIT
"""Shared vocabulary of the system tests (real systemd, podman, a load balancer): paths,
commands with deadlines, waiting on conditions, and reading /proc. No fixtures here; those
live in conftest.py."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]

sys.path.insert(0, str(REPO / "tests"))
import testlib  # noqa: E402  (tests/testlib.py, shared with tests/integration)


from testlib import Timeout, free_port  # noqa: E402,F401


def wait_for(predicate, timeout=10.0, what="condition", interval=0.02):
    """Polls predicate until it returns something truthy; returns that value."""
    return testlib.wait_for(predicate, timeout, what, interval)


def run(argv, timeout=60, check=True, **kwargs):
    """subprocess.run with text output captured and a deadline; on a non-zero exit with
    check=True, an AssertionError that shows the command and what it printed."""
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    if "input" not in kwargs:
        kwargs.setdefault("stdin", subprocess.DEVNULL)
    out = subprocess.run([str(a) for a in argv], timeout=timeout, **kwargs)
    if check and out.returncode != 0:
        raise AssertionError("%s exited with %d\nstdout: %s\nstderr: %s" % (
            " ".join(map(str, argv)), out.returncode, (out.stdout or "")[-3000:],
            (out.stderr or "")[-3000:]))
    return out


def missing_tools(*names):
    """The names among `names` that are not on PATH (also looked up in the sbin directories,
    which a non-login root shell may lack)."""
    path = os.environ.get("PATH", "") + ":/usr/local/sbin:/usr/sbin:/sbin"
    return [n for n in names if shutil.which(n, path=path) is None]


def static_binary():
    """The static lastcall: $LASTCALL_STATIC_BIN, else build-static/lastcall of this checkout."""
    return testlib.static_lastcall_path()


def seconds(duration):
    """Seconds in a duration as lastcall, Compose and systemd write them: 15, "15s", "1m30s",
    "250ms"."""
    if isinstance(duration, (int, float)):
        return float(duration)
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)?", duration.strip())
    assert parts and "".join(n + u for n, u in parts) == duration.strip(), duration
    scale = {"ms": 0.001, "s": 1, "": 1, "m": 60, "h": 3600}
    return sum(float(n) * scale[u] for n, u in parts)


def json_events(text):
    """The JSON objects among the lines of `text` (lastcall's log), skipping every other line."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        start = line.find("{")
        if start < 0:
            continue
        try:
            obj = json.loads(line[start:])
        except ValueError:
            continue
        if isinstance(obj, dict) and "event" in obj:
            out.append(obj)
    return out


def proc_stat(pid):
    """{"pid", "comm", "state", "ppid"} of a process, or None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            text = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    head, _, rest = text.rpartition(")")
    fields = rest.split()
    return {"pid": pid, "comm": head.partition("(")[2], "state": fields[0], "ppid": int(fields[1])}


def pid_namespace(pid):
    try:
        return os.readlink("/proc/%d/ns/pid" % pid)
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None


def processes_in_pid_namespace(pid):
    """proc_stat() of every process in the pid namespace of `pid`, seen from the host (so with
    host pids)."""
    ns = pid_namespace(pid)
    if ns is None:
        return []
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and pid_namespace(int(entry)) == ns:
            stat = proc_stat(int(entry))
            if stat is not None:
                out.append(stat)
    return out
