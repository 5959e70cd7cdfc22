# SPDX-License-Identifier: MIT
"""Shared vocabulary of the integration tests: paths, waiting with deadlines, /proc reading,
signal names and timestamps. No fixtures here; those live in conftest.py."""
import json
import os
import pathlib
import re
import select
import signal
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
HELPERS = HERE / "helpers"
PY = sys.executable

sys.path.insert(0, str(REPO / "tests"))
import testlib  # noqa: E402,F401  (tests/testlib.py, shared with tests/system)
from testlib import Timeout, ts_seconds, wait_for  # noqa: E402,F401


# The config of CONTRACT §3, key for key.
CONTRACT_EXAMPLE = {
    "grace": "24s", "stop_signal": "SIGTERM", "drain": "2s", "pre_stop_timeout": "12s",
    "post_stop_timeout": "5s",
    "signals": {"forward": "group", "rewrite": {"SIGHUP": "SIGUSR1"}},
    "success_exit_codes": [143],
    "hooks": {
        "pre_stop": [{"name": "flush", "command": "redis-cli save", "timeout": "5s", "priority": 10}],
        "post_stop": [{"name": "unlock", "command": ["rm", "-f", "/run/app.lock"], "timeout": "2s"}],
    },
}


def helper(name, *args):
    """The argv that runs helpers/<name>.py with args."""
    return [PY, str(HELPERS / (name + ".py")), *map(str, args)]


def hook(name, command, **extra):
    """One hook of a config: {"name": name, "command": command, ...extra}."""
    return dict({"name": name, "command": command}, **extra)


def recorder(out, *args):
    return helper("signal_recorder", "--out", out, *args)


def read_lines(path):
    try:
        with open(path, errors="replace") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def wait_lines(path, predicate=lambda lines: bool(lines), timeout=10.0, what=None):
    """Waits until predicate(lines of path) holds; returns the lines."""
    def check():
        lines = read_lines(path)
        return lines if predicate(lines) else None
    return wait_for(check, timeout, what or "lines in %s" % path)


def wait_line(path, line, timeout=10.0):
    return wait_lines(path, lambda lines: line in lines, timeout, "%r in %s" % (line, path))


def wait_file(path, timeout=10.0):
    return wait_for(lambda: os.path.exists(path), timeout, "file %s" % path)


def read_pid(path, timeout=10.0):
    lines = wait_lines(path, lambda ls: bool(ls) and ls[0].strip().isdigit(), timeout)
    return int(lines[0])


def proc_stat(pid):
    """(state, ppid, pgrp, session) of pid from /proc/<pid>/stat, or None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    rest = data[data.rindex(")") + 2:].split()
    return rest[0], int(rest[1]), int(rest[2]), int(rest[3])


def wait_unreaped(pid, timeout):
    """Waits up to timeout for our child pid to exit and leaves it unreaped (a zombie): until
    it is reaped, its pid, process group id and session id name nothing else, so whatever it
    left behind can still be stopped by them. Its exit code as Popen's returncode (-N when
    signal N killed it), or None when it has not exited."""
    pidfd = os.pidfd_open(pid)
    try:
        if not select.select([pidfd], [], [], timeout)[0]:
            return None
    finally:
        os.close(pidfd)
    info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status


def is_running(pid):
    """True while pid exists and is not a zombie."""
    st = proc_stat(pid)
    return st is not None and st[0] != "Z"


def exists(pid):
    """True while pid exists at all, zombies included."""
    return proc_stat(pid) is not None


def all_pids():
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def descendants(root):
    """Every live process below root in the process tree (by parent pid)."""
    parents = {}
    for pid in all_pids():
        st = proc_stat(pid)
        if st is not None:
            parents[pid] = st[1]
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier and pid not in found}
        found |= frontier
    return found


def host_pid(ns_pid, under):
    """The pid, as seen here, of the process that a pid namespace calls ns_pid, searched among
    the descendants of under; None if there is none."""
    for pid in descendants(under) | {under}:
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("NSpid:") and int(line.split()[-1]) == int(ns_pid):
                        return pid
        except (FileNotFoundError, ProcessLookupError):
            pass
    return None


def children_of(ppid):
    """[(pid, state)] of every process whose parent is ppid."""
    found = []
    for pid in all_pids():
        st = proc_stat(pid)
        if st is not None and st[1] == ppid:
            found.append((pid, st[0]))
    return found


def zombies_of(ppid):
    return [pid for pid, state in children_of(ppid) if state == "Z"]


def sig_num(value):
    """A signal number from a log field or name: 15, "15", "SIGTERM", "TERM", "sigterm"."""
    if isinstance(value, int):
        return value
    text = str(value).strip().upper()
    if text.isdigit():
        return int(text)
    if not text.startswith("SIG"):
        text = "SIG" + text
    m = re.fullmatch(r"SIGRTMIN\+(\d+)", text)
    if m:
        return signal.SIGRTMIN + int(m.group(1))
    m = re.fullmatch(r"SIGRTMAX-(\d+)", text)
    if m:
        return signal.SIGRTMAX - int(m.group(1))
    return int(getattr(signal, text))


def sig_eq(value, sig):
    try:
        return sig_num(value) == int(sig)
    except (AttributeError, ValueError):
        return False


TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|\+00:00)$")


def duration_ms(value):
    """A DURATION of the contract (or a number of ms / seconds) as ms; None if unparseable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text) * 1000
    total = 0.0
    pos = 0
    for m in re.finditer(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text):
        if m.start() != pos:
            return None
        pos = m.end()
        total += float(m.group(1)) * {"ms": 1, "s": 1000, "m": 60000, "h": 3600000}[m.group(2)]
    return total if pos == len(text) and pos else None


def find_key(obj, *names):
    """The first value found under any of names, searching nested dicts breadth-first."""
    queue = [obj]
    while queue:
        cur = queue.pop(0)
        if isinstance(cur, dict):
            for name in names:
                if name in cur:
                    return cur[name]
            queue.extend(v for v in cur.values() if isinstance(v, (dict, list)))
        elif isinstance(cur, list):
            queue.extend(v for v in cur if isinstance(v, (dict, list)))
    raise KeyError("none of %s in %s" % (names, json.dumps(obj)[:2000]))


def plan_ms(plan, key):
    """A duration of the --check plan as the set of ms values it may mean.

    The contract fixes neither the plan's key names nor its units, so accept "<key>_ms" as ms,
    a DURATION string, or a bare number (as ms or as seconds)."""
    try:
        value = find_key(plan, key + "_ms")
        return {float(value)}
    except KeyError:
        value = find_key(plan, key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {float(value), float(value) * 1000}
    ms = duration_ms(value)
    return {ms} if ms is not None else set()


def write_config(directory, config, name="lastcall.json"):
    path = pathlib.Path(directory) / name
    path.write_text(json.dumps(config, indent=2))
    return str(path)


def untraceable_leak_check_off():
    """The environment for a lastcall run under strace: LeakSanitizer, in a sanitizer build,
    cannot work under ptrace and would abort lastcall at its exit."""
    options = os.environ.get("ASAN_OPTIONS", "")
    return {"ASAN_OPTIONS": (options + ":" if options else "") + "detect_leaks=0"}


def clean_env(extra=None):
    """The test runner's environment without any LASTCALL_* variable, plus extra. Without
    systemd's INVOCATION_ID and NOTIFY_SOCKET too: a suite run from a service must not turn
    on --exit-by-signal or notify the runner's own unit."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LASTCALL_") and k not in ("INVOCATION_ID", "NOTIFY_SOCKET")}
    env.update(extra or {})
    return env


def unshare_prefix(*flags):
    """["unshare", *flags], once unshare(1) has run `true` that way here; skips the test
    where it cannot."""
    prefix = ["unshare", *flags]
    try:
        r = subprocess.run(prefix + ["true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip("unshare unavailable: %s" % e)
    if r.returncode != 0:
        pytest.skip("%s fails here: %s" % (" ".join(prefix), r.stderr.decode().strip()))
    return prefix
