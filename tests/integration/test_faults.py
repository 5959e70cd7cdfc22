# SPDX-License-Identifier: MIT
"""Fault injection: hooks and children that misbehave, a storm of signals, 2,000 orphans, and
a stderr that is closed, broken or full. CONTRACT §2: "A hook that fails, times out, or cannot
be started never stops the sequence" and "No process that lastcall could reach is left
running"; §5: "lastcall writes its own log to stderr only" (and must not stall on it).

Every test ends with nothing left running of what it started (checked by the process groups
and pids it knows of), the exit code of CONTRACT §6, and, where stderr is readable, a complete
log: every line JSON, shutdown_complete last. The peak RSS tests print their figures (-s)."""
import json
import os
import pathlib
import shutil
import signal
import subprocess
import threading
import time

import pytest

import admin_client
import support
from support import (hook, helper, read_lines, read_pid, recorder, ts_seconds, wait_for, wait_file,
                     wait_line)

# RSS growth allowed under a 100 MB hook flood or a 10,000-signal storm. lastcall's own
# buffers are fixed (64 KiB reads, 8 KiB lines, 1 MiB relayed per hook); an ASan build keeps
# freed memory in quarantine, so it gets a looser bound.
RSS_GROWTH_KIB = 16 * 1024
ASAN_RSS_GROWTH_KIB = 128 * 1024
STORM_SIGNALS = [signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP, signal.SIGWINCH, signal.SIGALRM,
                 signal.SIGCONT, signal.SIGURG, signal.SIGPWR, signal.SIGPIPE, signal.SIGIO]


def vm_kib(pid, key):
    """VmHWM (peak RSS) or VmRSS of pid, in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s in /proc/%d/status" % (key, pid))


def is_asan(binary):
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


def rss_bound(lastcall_bin):
    return ASAN_RSS_GROWTH_KIB if is_asan(lastcall_bin) else RSS_GROWTH_KIB


def live_in_groups(pgids):
    found = []
    for pid in support.all_pids():
        st = support.proc_stat(pid)
        if st is not None and st[0] != "Z" and st[2] in pgids:
            found.append(pid)
    return found


def started_groups(lc):
    """The process groups of the child and of every hook (each leads its own)."""
    return {int(e["pid"]) for e in lc.events() if e.get("event") in ("child_started", "hook_started")}


def assert_nothing_left(lc, pids=()):
    """No process of the child's or a hook's group, of lastcall's session, or among pids runs."""
    groups = started_groups(lc)

    def leftovers():
        left = set(live_in_groups(groups)) | {p for p in pids if support.is_running(p)}
        for pid in support.all_pids():
            st = support.proc_stat(pid)
            if st is not None and st[0] != "Z" and st[3] == lc.pid and pid != lc.pid:
                left.add(pid)
        return left
    try:
        wait_for(lambda: not leftovers(), 5, "every process to be gone")
    except support.Timeout:
        raise AssertionError("still running: %s" % sorted(leftovers())) from None


def assert_complete(lc, code, expected):
    assert code == expected, lc.log_tail()
    assert not lc.bad_lines, lc.bad_lines[:3]
    events = lc.events()
    assert events and events[-1]["event"] == "shutdown_complete", lc.log_tail()
    assert events[-1]["exit_code"] == expected
    assert not lc.events("forced_exit")


def stop(lc, out, timeout=20):
    wait_line(out, "ready")
    lc.send(signal.SIGTERM)
    return lc.wait_exit(timeout)


# -- hooks ------------------------------------------------------------------------------------

def test_hook_that_hangs_is_killed_at_its_timeout(lastcall, tmp_path):
    """At its `timeout` ... its whole process group gets SIGKILL. A hook that ... times out
    ... never stops the sequence."""
    pidfile, out = tmp_path / "hook.pid", tmp_path / "rec"
    cfg = {"hooks": {"pre_stop": [hook("hang", helper("hang", "--pidfile", pidfile, "--ignore-term"),
                                       timeout="1s")]}}
    lc = lastcall("--", *recorder(out), config=cfg)
    code = stop(lc, out)
    finished = lc.wait_event("hook_finished", hook="hang", timeout=0)
    assert finished["status"] == "timeout"
    assert 900 <= finished["duration_ms"] < 3000
    assert not support.is_running(read_pid(pidfile, 0))
    assert lc.wait_event("child_signaled", timeout=0)
    assert_complete(lc, code, 143)
    assert_nothing_left(lc)


@pytest.mark.parametrize("parent", ["hangs", "exits"])
def test_hook_grandchild_that_ignores_term_goes_with_the_hook(lastcall, tmp_path, parent):
    """Each hook runs in its own process group. At its `timeout` ... its whole process group
    gets SIGKILL (and when the hook exits, what it left in its group goes too)."""
    pidfile, out = tmp_path / "grandchild.pid", tmp_path / "rec"
    args = ["--pidfile", pidfile] + (["--parent-exits"] if parent == "exits" else ["--parent-ignore-term"])
    cfg = {"hooks": {"pre_stop": [hook("forker", helper("fork_grandchild", *args), timeout="1s")],
                     "post_stop": [hook("check", "! kill -0 $(cat %s)" % pidfile)]}}
    lc = lastcall("--", *recorder(out), config=cfg)
    code = stop(lc, out)
    grandchild = read_pid(pidfile, 0)
    lc.track_pid(grandchild)
    want = "timeout" if parent == "hangs" else "ok"
    assert lc.wait_event("hook_finished", hook="forker", timeout=0)["status"] == want
    assert lc.wait_event("hook_finished", hook="check", timeout=0)["status"] == "ok", \
        "the grandchild was still running when post_stop began"
    assert_complete(lc, code, 143)
    assert_nothing_left(lc, [grandchild])


@pytest.mark.timeout(90)
def test_hook_flooding_100mb_is_read_to_the_end_in_bounded_memory(lastcall, lastcall_bin, tmp_path):
    """The hook's stdout and stderr are relayed line by line (up to a cap; the rest is read and
    dropped, so the hook never blocks on a full pipe), in bounded memory."""
    out, done = tmp_path / "rec", tmp_path / "flood-done"
    flood = helper("flood", "--mb", 50, "--stream", "both", "--newlines", 200, "--done", done)
    cfg = {"hooks": {"pre_stop": [hook("flood", flood, timeout="60s")],
                     "post_stop": [hook("linger", "sleep 1")]}}
    lc = lastcall("--grace", "70s", "--", *recorder(out), config=cfg)
    wait_line(out, "ready")
    before = vm_kib(lc.pid, "VmHWM")
    lc.send(signal.SIGTERM)
    lc.wait_event("hook_started", hook="linger", timeout=60)
    after = vm_kib(lc.pid, "VmHWM")
    print("\n100 MB hook flood: lastcall VmHWM %d KiB before, %d KiB after (+%d KiB)"
          % (before, after, after - before))
    code = lc.wait_exit(10)
    assert os.path.exists(done), "the hook did not get to write all of its output"
    assert lc.wait_event("hook_finished", hook="flood", timeout=0)["status"] == "ok"
    truncated = lc.wait_event("hook_output_truncated", hook="flood", timeout=0)
    assert truncated["lines_dropped"] > 0
    assert len(lc.events("hook_output", hook="flood")) <= 10_000
    assert after - before < rss_bound(lastcall_bin), "peak RSS grew by %d KiB" % (after - before)
    assert_complete(lc, code, 143)
    assert_nothing_left(lc)


def test_hook_output_without_newlines(lastcall, tmp_path):
    """The hook's stdout and stderr are relayed line by line: output without any newline comes
    out in bounded pieces, and a last line without one is relayed when the hook is killed."""
    out = tmp_path / "rec"
    cfg = {"hooks": {"pre_stop": [
        hook("nonl", helper("flood", "--mb", 0.5)),
        hook("partial", "printf 'no newline at the end'; exec sleep 60", timeout="1s")]}}
    lc = lastcall("--", *recorder(out), config=cfg)
    code = stop(lc, out)
    pieces = lc.events("hook_output", hook="nonl")
    assert pieces and sum(len(e["line"]) for e in pieces) == 1 << 19
    assert max(len(e["line"]) for e in pieces) <= 8192
    assert lc.wait_event("hook_output", hook="partial", timeout=0)["line"] == "no newline at the end"
    assert lc.wait_event("hook_finished", hook="partial", timeout=0)["status"] == "timeout"
    assert_complete(lc, code, 143)
    assert_nothing_left(lc)


def test_hook_that_closes_its_pipes_and_runs_on_still_times_out(lastcall, tmp_path):
    """At its `timeout` ... its whole process group gets SIGKILL: end of file on its pipes is
    not the end of the hook."""
    pidfile, out = tmp_path / "hook.pid", tmp_path / "rec"
    cfg = {"hooks": {"pre_stop": [hook("closer", helper("close_stdio", "--pidfile", pidfile), timeout="1500ms")]}}
    lc = lastcall("--", *recorder(out), config=cfg)
    code = stop(lc, out)
    finished = lc.wait_event("hook_finished", hook="closer", timeout=0)
    assert finished["status"] == "timeout"
    assert finished["duration_ms"] >= 1400
    assert not support.is_running(read_pid(pidfile, 0))
    assert_complete(lc, code, 143)
    assert_nothing_left(lc)


def test_hooks_that_cannot_be_started_do_not_stop_the_sequence(lastcall, tmp_path):
    """A hook that ... cannot be started never stops the sequence (hook_finished, status
    `error`; 127 not found, 126 not executable)."""
    out, stamp = tmp_path / "rec", tmp_path / "after"
    not_executable = tmp_path / "not-executable"
    not_executable.write_text("#!/bin/sh\n")
    cfg = {"hooks": {"pre_stop": [
        hook("missing", ["/nonexistent/hook"], priority=2),
        hook("noexec", [str(not_executable)], priority=2),
        hook("nocwd", ["true"], cwd=str(tmp_path / "gone"), priority=2),
        hook("after", ["touch", str(stamp)], priority=1)]}}
    lc = lastcall("--", *recorder(out), config=cfg)
    code = stop(lc, out)
    for name, exit_code in (("missing", 127), ("noexec", 126), ("nocwd", 127)):
        finished = lc.wait_event("hook_finished", hook=name, timeout=0)
        assert (finished["status"], finished["exit_code"]) == ("error", exit_code), finished
    assert stamp.exists()
    assert_complete(lc, code, 143)
    assert lc.events()[-1]["hooks_ok"] == 1
    assert_nothing_left(lc)


# -- the child --------------------------------------------------------------------------------

def test_child_that_ignores_term_gets_sigkill_when_the_grace_ends(lastcall, tmp_path):
    """If the child has not exited when the grace budget ends, send SIGKILL to the child's
    process group."""
    pidfile = tmp_path / "child.pid"
    lc = lastcall("--grace", "1s", "--", *helper("hang", "--pidfile", pidfile, "--ignore-term"))
    child = read_pid(pidfile)
    started = time.monotonic()
    lc.send(signal.SIGTERM)
    code = lc.wait_exit(10)
    assert 0.9 <= time.monotonic() - started < 4
    assert lc.wait_event("child_killed", timeout=0)["pid"] == child
    assert_complete(lc, code, 137)
    assert_nothing_left(lc, [child])


def test_child_that_setsids_a_grandchild_leaves_nothing_behind(lastcall, tmp_path):
    """Once the child has exited, stop every process still left — ... every orphan lastcall
    has adopted, whatever its group — ... then SIGKILL when the grace budget ends."""
    report, done = tmp_path / "report", tmp_path / "done"
    check = "for p in $(cat %s); do ! kill -0 $p 2>/dev/null || exit 1; done" % report
    cfg = {"hooks": {"post_stop": [hook("check", check)]}}
    lc = lastcall("--grace", "2s", "--", *helper("orphans", "--count", 3, "--mode", "setsid", "--ignore-term",
                                                   "--report", report, "--done", done), config=cfg)
    wait_file(done)
    grandchildren = [int(p) for p in wait_for(lambda: len(read_lines(report)) == 3 and read_lines(report))]
    for pid in grandchildren:
        lc.track_pid(pid)
        assert support.proc_stat(pid)[3] != lc.pid  # its own session
    lc.send(signal.SIGTERM)
    code = lc.wait_exit(10)
    assert lc.wait_event("hook_finished", hook="check", timeout=0)["status"] == "ok"
    assert_complete(lc, code, 143)
    assert_nothing_left(lc, grandchildren)


def test_child_that_exits_during_pre_stop(lastcall, tmp_path):
    """Once the child has exited, ... then step 5 (the child dies while a pre-stop hook runs:
    the sequence goes on, and lastcall exits with the child's status)."""
    out = tmp_path / "rec"
    cfg = {"hooks": {"pre_stop": [hook("killer", "kill -KILL $LASTCALL_CHILD_PID; sleep 0.5")],
                     "post_stop": [hook("after", "true")]}}
    lc = lastcall("--", *recorder(out), config=cfg)
    code = stop(lc, out)
    exited = lc.wait_event("child_exited", timeout=0)
    assert exited["exit_code"] == 137
    order = [e["event"] for e in lc.events()]
    assert order.index("child_exited") < order.index("hook_finished")
    assert lc.wait_event("hook_finished", hook="after", timeout=0)["status"] == "ok"
    assert_complete(lc, code, 137)
    assert_nothing_left(lc)


# -- a storm of signals -----------------------------------------------------------------------

def storm(pid, count=10_000):
    for i in range(count):
        os.kill(pid, STORM_SIGNALS[i % len(STORM_SIGNALS)])


def pending_signals(pid):
    """The signals still pending for pid (process-wide and its main thread's), as a mask."""
    try:
        with open("/proc/%d/status" % pid) as f:
            masks = dict(line.split(":", 1) for line in f if line.startswith(("ShdPnd", "SigPnd")))
    except FileNotFoundError:
        raise AssertionError("lastcall exited with signals of the storm unread") from None
    return int(masks["ShdPnd"], 16) | int(masks["SigPnd"], 16)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("phase", ["draining", "pre_stop", "stopping", "post_stop"])
def test_signal_storm_in_each_phase(lastcall, lastcall_bin, tmp_path, phase):
    """Every catchable signal except SIGCHLD and the synchronous faults is relayed to the child;
    only SIGTERM, SIGINT or SIGQUIT trigger the shutdown, once: 10,000 other signals in any
    phase neither stop nor stall the sequence, nor grow lastcall's memory."""
    out = tmp_path / "rec"
    args = ["--grace", "4s"]
    cfg = {"hooks": {}}
    rec = recorder(out)
    expected = 143
    if phase == "draining":
        args += ["--drain", "2s"]
        entered = ("shutdown_started", {})
    elif phase == "pre_stop":
        cfg["hooks"]["pre_stop"] = [hook("slow", "sleep 2")]
        entered = ("hook_started", {"hook": "slow"})
    elif phase == "stopping":
        rec = recorder(out, "--ignore-term")
        expected = 137
        entered = ("child_signaled", {})
    else:
        cfg["hooks"]["post_stop"] = [hook("slow", "sleep 2")]
        entered = ("hook_started", {"hook": "slow"})
    lc = lastcall(*args, "--", *rec, config=cfg)
    wait_line(out, "ready")
    before = vm_kib(lc.pid, "VmHWM")
    lc.send(signal.SIGTERM)
    lc.wait_event(entered[0], **entered[1])
    storm(lc.pid)
    # lastcall drains its signalfd; the phase lasts long enough for that.
    wait_for(lambda: not pending_signals(lc.pid), 5, "lastcall to read every pending signal",
             interval=0.005)
    assert support.is_running(lc.pid)
    after = vm_kib(lc.pid, "VmHWM")
    print("\n10,000 signals in %s: lastcall VmHWM %d KiB before, %d KiB after (+%d KiB)"
          % (phase, before, after, after - before))
    code = lc.wait_exit(15)
    assert after - before < rss_bound(lastcall_bin)
    assert_complete(lc, code, expected)
    complete = lc.events()[-1]
    assert complete["duration_ms"] < 8000
    assert_nothing_left(lc)


# -- 2,000 orphans ----------------------------------------------------------------------------

@pytest.mark.timeout(90)
def test_2000_orphans_while_the_sequence_runs(lastcall, tmp_path):
    """Reap every zombie: 2,000 orphans adopted by lastcall while a pre-stop hook runs are all
    reaped, and the sequence completes."""
    report, done, out = tmp_path / "report", tmp_path / "done", tmp_path / "rec"
    maker = helper("orphans", "--count", 2000, "--mode", "exit", "--report", report, "--done", done,
                   "--then-exit")
    cfg = {"hooks": {"pre_stop": [hook("orphans", maker, timeout="40s")],
                     "post_stop": [hook("linger", "sleep 1.5")]}}
    lc = lastcall("--grace", "60s", "--", *recorder(out), config=cfg)
    wait_line(out, "ready")
    lc.send(signal.SIGTERM)
    lc.wait_event("hook_started", hook="linger", timeout=60)
    parents = [int(p) for p in read_lines(report)]
    assert parents.count(lc.pid) >= 1000, "the orphans were not adopted by lastcall"
    wait_for(lambda: not support.zombies_of(lc.pid), 5, "every orphan to be reaped")
    code = lc.wait_exit(10)
    assert lc.wait_event("hook_finished", hook="orphans", timeout=0)["status"] == "ok"
    assert_complete(lc, code, 143)
    assert_nothing_left(lc)


# -- lastcall's own stderr --------------------------------------------------------------------

def run_raw(lastcall_bin, tmp_path, cfg, stderr, preexec_fn=None, args=()):
    """Starts lastcall without the fixture's stderr reader; returns (proc, recorder out)."""
    out = tmp_path / "rec"
    path = support.write_config(tmp_path, cfg)
    argv = [lastcall_bin, "--log-format", "json", *args, "--config", path, "--", *recorder(out)]
    proc = subprocess.Popen(argv, env=support.clean_env(), cwd=str(tmp_path), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=stderr, preexec_fn=preexec_fn,
                            start_new_session=True)
    return proc, out


def kill_session(sid):
    for pid in support.all_pids():
        st = support.proc_stat(pid)
        if st is not None and st[3] == sid and st[0] != "Z":
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def session_left(sid):
    found = []
    for pid in support.all_pids():
        st = support.proc_stat(pid)
        if st is not None and st[3] == sid and st[0] != "Z":
            found.append(pid)
    return found


def stamped_config(tmp_path, flood_lines=0):
    pre = [hook("pre", "touch %s" % (tmp_path / "pre-ran"))]
    if flood_lines:
        pre.append(hook("talk", "seq 1 %d" % flood_lines))
    return {"hooks": {"pre_stop": pre, "post_stop": [hook("post", "touch %s" % (tmp_path / "post-ran"))]}}


def finish_raw(proc, out, tmp_path, timeout):
    try:
        wait_line(out, "ready")
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = support.wait_unreaped(proc.pid, timeout)  # its session id stays ours until end_raw
        elapsed = time.monotonic() - started
        assert code is not None, "lastcall did not exit within %.0fs" % timeout
        assert (tmp_path / "pre-ran").exists() and (tmp_path / "post-ran").exists()
        wait_for(lambda: not session_left(proc.pid), 5, "nothing left in lastcall's session")
        return code, elapsed
    finally:
        end_raw(proc)


def end_raw(proc):
    """Kills whatever is left of a run_raw lastcall's session while lastcall is unreaped (its
    session id is then no stranger's), and lastcall."""
    if proc.returncode is None:
        kill_session(proc.pid)
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("how", ["closed", "broken-pipe"])
def test_stderr_closed_or_broken_does_not_stop_the_sequence(lastcall_bin, tmp_path, how):
    """lastcall writes its own log to stderr only: a stderr that is closed (fd 2 not open) or
    whose reader is gone (EPIPE; SIGPIPE) neither kills lastcall nor stalls the sequence."""
    cfg = stamped_config(tmp_path, flood_lines=5000)
    if how == "closed":
        proc, out = run_raw(lastcall_bin, tmp_path, cfg, None, preexec_fn=lambda: os.close(2))
    else:
        proc, out = run_raw(lastcall_bin, tmp_path, cfg, subprocess.PIPE)
        proc.stderr.close()
    try:
        if how == "closed":
            # A closed fd 2 is filled with /dev/null, or lastcall's next descriptor (its
            # signalfd) would take its place and the log would be written into it.
            wait_line(out, "ready")
            assert os.readlink("/proc/%d/fd/2" % proc.pid) == "/dev/null"
        code, elapsed = finish_raw(proc, out, tmp_path, 15)
    finally:
        end_raw(proc)
    assert code == 143
    assert elapsed < 5


@pytest.mark.timeout(40)
def test_stderr_full_pipe_nobody_reads_does_not_stall_the_sequence(lastcall_bin, tmp_path):
    """A stderr pipe that nobody reads fills up; lastcall's log must not block the sequence
    (it waits at most 1s in all, then drops lines and counts them), and the lines that did get
    out are whole."""
    cfg = stamped_config(tmp_path, flood_lines=20_000)
    proc, out = run_raw(lastcall_bin, tmp_path, cfg, subprocess.PIPE, args=("--grace", "10s"))
    try:
        code, elapsed = finish_raw(proc, out, tmp_path, 20)
        assert code == 143
        assert elapsed < 10, "the sequence took longer than its grace: %.1fs" % elapsed
        # The child's own stderr is the same pipe: its flags were left alone (it still blocks).
        data = proc.stderr.read()
    finally:
        proc.stderr.close()
    lines = data.split(b"\n")
    assert lines[-1] == b"", "the log ends in half a line"
    assert len(lines) > 100
    for line in lines[:-1]:
        json.loads(line.decode("utf-8"))


# -- PID 1 ------------------------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_as_pid1_of_a_pid_namespace(lastcall, tmp_path, pidns):
    """It is used as a container ENTRYPOINT: as PID 1 it adopts every orphan of the namespace,
    stops the ones left when the child exits, and post_stop finds none of them running."""
    report, done = tmp_path / "report", tmp_path / "done"
    check = "for p in $(cat %s); do ! kill -0 $p 2>/dev/null || exit 1; done" % report
    cfg = {"hooks": {"pre_stop": [hook("forker", helper("fork_grandchild", "--pidfile", tmp_path / "gc",
                                                        "--parent-exits"))],
                     "post_stop": [hook("check", check)]}}
    lc = lastcall("--grace", "2s", "--", *helper("orphans", "--count", 3, "--mode", "setsid",
                                                   "--ignore-term", "--report", report, "--done", done),
                  config=cfg, prefix=pidns)
    inner = wait_for(lambda: support.children_of(lc.pid) and support.children_of(lc.pid)[0][0],
                     10, "lastcall inside the namespace")
    wait_file(done)
    wait_for(lambda: len(read_lines(report)) == 3, 10, "three setsid grandchildren")
    os.kill(inner, signal.SIGTERM)
    code = lc.wait_exit(15)
    assert lc.wait_event("hook_finished", hook="forker", timeout=0)["status"] == "ok"
    assert lc.wait_event("hook_finished", hook="check", timeout=0)["status"] == "ok"
    assert_complete(lc, code, 143)
    # Everything in the namespace died with its PID 1; the host side has nothing either.
    wait_for(lambda: not session_left(lc.pid), 5, "nothing left in the session")


# -- a slow exec ------------------------------------------------------------------------------

EXEC_DELAY_S = 4
# The grace and a hook timeout must fire within +-250 ms of their time: libuv timers are
# milliseconds late on an idle machine, tenths of a second on a loaded one under ASan.
ON_TIME_S = 0.25


def slow_exec_prefix(path):
    """strace that holds every execve(2) of path for EXEC_DELAY_S seconds before it runs, and
    traces nothing else (-P: only that path; --seccomp-bpf: no stop for other syscalls)."""
    return ["strace", "-f", "-qq", "--seccomp-bpf", "-o", "/dev/null", "-e", "trace=execve",
            "-e", "inject=execve:delay_enter=%ds" % EXEC_DELAY_S, "-P", str(path)]


def poll_healthz(port, stop, results):
    """GET /healthz every 50 ms until stop is set: [(start epoch, seconds taken or None)]."""
    while not stop.is_set():
        started = time.time()
        try:
            ok = admin_client.exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", timeout=1).status == 200
            results.append((started, time.time() - started if ok else None))
        except OSError:
            results.append((started, None))
        stop.wait(0.05)


@pytest.mark.timeout(60)
def test_a_slow_exec_stretches_no_budget(lastcall, tmp_path):
    """The grace budget starts counting at the trigger. ... At its `timeout` ..., its whole
    process group gets SIGKILL. (Every hook's exec held for 4 s: the hook timeouts and the
    SIGKILL of the child at the end of the grace still come on time, and /healthz answers
    throughout.)"""
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed")
    slow = pathlib.Path(os.path.realpath(tmp_path)) / "slow-hook"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    port = admin_client.free_port()
    # post_stop_timeout leaves the post-stop hook, whose SIGKILL strace holds until its 4 s
    # exec delay is over, within the final deadline (grace + post_stop_timeout + 2 s).
    cfg = {"grace": "3s", "pre_stop_timeout": "2s", "post_stop_timeout": "5s", "listen": "127.0.0.1:%d" % port,
           "hooks": {"pre_stop": [hook("pre", [str(slow)], timeout="1s")],
                     "post_stop": [hook("post", [str(slow)], timeout="1s")]}}
    pidfile = tmp_path / "child.pid"
    lc = lastcall("--", *helper("hang", "--ignore-term", "--pidfile", pidfile), config=cfg,
                  prefix=slow_exec_prefix(slow), env=support.untraceable_leak_check_off())
    read_pid(pidfile)
    admin_client.wait_listening(port)
    inner = wait_for(lambda: [p for p, _ in support.children_of(lc.pid)], 5, "lastcall under strace")[0]
    stop, results = threading.Event(), []
    poller = threading.Thread(target=poll_healthz, args=(port, stop, results), daemon=True)
    poller.start()
    try:
        os.kill(inner, signal.SIGTERM)
        post_done = lc.wait_event("hook_finished", hook="post", timeout=20)
    finally:
        stop.set()
        poller.join(5)
    assert lc.wait_exit(20) == 137, lc.log_tail()

    trigger = ts_seconds(lc.wait_event("shutdown_started", timeout=0))
    problems = []  # every budget checked, so that one run shows all that is late
    late = ts_seconds(lc.wait_event("child_killed", timeout=0)) - trigger - 3
    if abs(late) > ON_TIME_S:
        problems.append("SIGKILL of the child %+.3fs off the 3s grace" % late)
    pre_started = ts_seconds(lc.wait_event("hook_started", hook="pre", timeout=0)) - trigger
    if pre_started > ON_TIME_S:
        problems.append("the pre-stop hook started %.3fs after the trigger" % pre_started)
    for name in ("pre", "post"):
        started = lc.wait_event("hook_started", hook=name, timeout=0)
        assert lc.wait_event("hook_finished", hook=name, timeout=0)["status"] == "timeout"
        # When its SIGKILL went (docs/logging.md). Not hook_finished: strace keeps the killed
        # hook from being reaped until its delay is over, as a real exec stuck in the kernel
        # would.
        timed_out = lc.wait_event("hook_timed_out", hook=name, timeout=0)
        took = ts_seconds(timed_out) - ts_seconds(started)
        if abs(took - 1) > ON_TIME_S:
            problems.append("hook %s killed %.3fs after its start (timeout 1s)" % (name, took))
    # /healthz while the hooks' execs were held.
    during = [(t, took) for t, took in results if trigger <= t <= ts_seconds(post_done)]
    failed = ["%.2f" % (t - trigger) for t, took in during if took is None]
    slow_answers = [round(took, 3) for _, took in during if took is not None and took > 0.5]
    if len(during) < 20:
        problems.append("only %d requests to /healthz while the sequence ran" % len(during))
    if failed:
        problems.append("/healthz did not answer at %s s after the trigger" % failed)
    if slow_answers:
        problems.append("/healthz took %s s" % slow_answers)
    assert not problems, "\n".join(problems) + "\nlog:\n" + lc.log_tail()
