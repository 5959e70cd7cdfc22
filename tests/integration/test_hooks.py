# SPDX-License-Identifier: MIT
"""CONTRACT §4: hooks — commands, priorities and concurrency, timeouts and the phase cap,
failures, environment, cwd, and output relayed into the log."""
import json
import os
import re
import shutil
import signal
import time

import pytest

import support
from support import (hook, helper, exists, proc_stat, read_lines, read_pid, recorder,
                     ts_seconds, wait_for, wait_line)


def stop_with_hooks(lastcall, tmp_path, cfg, *args, timeout=20, expect=143, **kw):
    """Starts a recorder child with cfg, triggers the shutdown, waits for the exit."""
    out = tmp_path / "rec"
    lc = lastcall(*args, "--", *recorder(out), config=cfg, **kw)
    wait_line(out, "ready")
    lc.send(signal.SIGTERM)
    code = lc.wait_exit(timeout)
    if expect is not None:
        assert code == expect, lc.log_tail()
    return lc


def post_only(lastcall, cfg, *args, timeout=20, expect=0, **kw):
    """Runs `true` as the child, so only the post-stop hooks run."""
    lc = lastcall(*args, "--", "true", config=cfg, **kw)
    code = lc.wait_exit(timeout)
    if expect is not None:
        assert code == expect, lc.log_tail()
    return lc


def stamps(path):
    """{name: (start, end)} from stamp.py lines."""
    result = {}
    for line in read_lines(path):
        name, what, t = line.split()
        result.setdefault(name, {})[what] = float(t)
    return result


def test_string_command_runs_under_sh(lastcall, tmp_path):
    """`command` as a string runs under `/bin/sh -c`"""
    f = tmp_path / "f"
    lc = post_only(lastcall, {"hooks": {"post_stop": [hook("sh", "echo a && echo b | tr b c > %s; echo $((1+2)) >> %s" % (f, f))]}})
    assert read_lines(f) == ["c", "3"]
    assert lc.wait_event("hook_finished", hook="sh", timeout=0)["status"] == "ok"


def test_array_command_is_executed_directly(lastcall, tmp_path):
    """`command` ... as an array it is executed directly."""
    f = tmp_path / "f"
    cmd = helper("env_dump", f, "$HOME", "a b;c", "*")
    post_only(lastcall, {"hooks": {"post_stop": [hook("arr", cmd)]}})
    data = json.loads(f.read_text())
    assert data["argv"] == ["$HOME", "a b;c", "*"]


def test_equal_priorities_overlap(lastcall, tmp_path):
    """hooks of equal priority run concurrently"""
    f = tmp_path / "stamps"
    cfg = {"hooks": {"pre_stop": [hook(n, helper("stamp", f, n, 0.6), priority=5) for n in "abc"]}}
    stop_with_hooks(lastcall, tmp_path, cfg)
    s = stamps(f)
    assert set(s) == {"a", "b", "c"}
    latest_start = max(v["start"] for v in s.values())
    earliest_end = min(v["end"] for v in s.values())
    assert latest_start < earliest_end, "equal-priority hooks did not overlap: %s" % s


def test_descending_priority_groups_do_not_overlap(lastcall, tmp_path):
    """Hooks run in descending `priority` (default 0); ... a lower group starts when the
    higher one has finished."""
    f = tmp_path / "stamps"
    cfg = {"hooks": {"pre_stop": [
        hook("low", helper("stamp", f, "low", 0.1), priority=-1),
        hook("mid1", helper("stamp", f, "mid1", 0.2)),
        hook("high", helper("stamp", f, "high", 0.3), priority=10),
        hook("mid2", helper("stamp", f, "mid2", 0.4), priority=0)]}}
    lc = stop_with_hooks(lastcall, tmp_path, cfg)
    s = stamps(f)
    assert s["high"]["end"] <= min(s["mid1"]["start"], s["mid2"]["start"])
    assert max(s["mid1"]["end"], s["mid2"]["end"]) <= s["low"]["start"]
    assert s["mid2"]["start"] < s["mid1"]["end"], "mid1 and mid2 (both priority 0) did not overlap"
    started = [e["hook"] for e in lc.events("hook_started")]
    assert started[0] == "high" and started[-1] == "low", started


def test_phase_cap_skips_hooks_not_started(lastcall, tmp_path):
    """At its `timeout` (default: what remains of its phase), or when its phase's cap is
    reached, its whole process group gets SIGKILL. Hooks not yet started when the cap is
    reached are skipped and logged as such."""
    cfg = {"pre_stop_timeout": "1s", "hooks": {"pre_stop": [
        hook("slow", helper("hang", "--ignore-term"), priority=1),
        hook("never", ["true"], priority=0)]}}
    lc = stop_with_hooks(lastcall, tmp_path, cfg)
    fin = lc.wait_event("hook_finished", hook="slow", timeout=0)
    assert fin["status"] == "timeout", fin
    assert 900 <= fin["duration_ms"] <= 2000, fin
    skipped = lc.wait_event("hook_skipped", hook="never", timeout=0)
    assert skipped["phase"] == "pre_stop" and skipped["reason"], skipped
    assert not lc.events("hook_started", hook="never")
    done = lc.events("shutdown_complete")[-1]
    assert done["hooks_skipped"] == 1 and done["hooks_timeout"] == 1, done


def test_pre_stop_cap_defaults_to_half_the_grace(lastcall, tmp_path):
    """`pre_stop_timeout` defaults to half the grace budget"""
    cfg = {"grace": "2s", "hooks": {"pre_stop": [hook("slow", helper("hang"))]}}
    lc = stop_with_hooks(lastcall, tmp_path, cfg)
    fin = lc.wait_event("hook_finished", hook="slow", timeout=0)
    assert fin["status"] == "timeout"
    assert 900 <= fin["duration_ms"] <= 1800, fin


def test_post_stop_cap(lastcall, tmp_path):
    """`post_stop`: run the post-stop hooks, capped by `post_stop_timeout`"""
    cfg = {"post_stop_timeout": "500ms", "hooks": {"post_stop": [
        hook("slow", helper("hang"), priority=1), hook("never", ["true"])]}}
    t0 = time.monotonic()
    lc = post_only(lastcall, cfg)
    assert time.monotonic() - t0 < 3
    assert lc.wait_event("hook_finished", hook="slow", timeout=0)["status"] == "timeout"
    assert lc.wait_event("hook_skipped", hook="never", timeout=0)["phase"] == "post_stop"


def test_hook_timeout_kills_its_process_group(lastcall, tmp_path):
    """Each hook runs in its own process group. At its `timeout` ..., its whole process group
    gets SIGKILL."""
    grand = tmp_path / "grand.pid"
    after = tmp_path / "after"
    cfg = {"hooks": {"pre_stop": [
        hook("forky", helper("fork_grandchild", "--pidfile", grand, "--parent-ignore-term"),
             timeout="700ms", priority=1),
        hook("after", ["touch", str(after)])]}}
    out = tmp_path / "rec"
    lc = lastcall("--", *recorder(out), config=cfg)
    wait_line(out, "ready")
    lc.send(signal.SIGTERM)
    gp = read_pid(grand)
    started = lc.wait_event("hook_started", hook="forky")
    st = proc_stat(int(started["pid"]))
    assert st is not None, "the hook is gone before its timeout"
    assert st[2] == int(started["pid"]), "the hook is not the leader of its own process group"
    assert st[2] != lc.pid
    fin = lc.wait_event("hook_finished", hook="forky", timeout=5)
    assert fin["status"] == "timeout", fin
    assert 600 <= fin["duration_ms"] <= 1700, fin
    wait_for(lambda: not exists(gp), 5, "the hook's grandchild %d to be killed and reaped" % gp)
    assert lc.wait_exit(10) == 143
    assert after.exists(), "the sequence stopped at a timed-out hook"


def test_failing_hook_does_not_stop_sequence(lastcall, tmp_path):
    """A hook that fails, times out, or cannot be started never stops the sequence."""
    second, post = tmp_path / "second", tmp_path / "post"
    cfg = {"hooks": {
        "pre_stop": [hook("fails", "exit 3", priority=2), hook("second", ["touch", str(second)])],
        "post_stop": [hook("post", ["touch", str(post)])]}}
    lc = stop_with_hooks(lastcall, tmp_path, cfg)
    fin = lc.wait_event("hook_finished", hook="fails", timeout=0)
    assert fin["status"] == "failed" and fin["exit_code"] == 3, fin
    assert fin["phase"] == "pre_stop"
    assert second.exists() and post.exists()
    lc.wait_event("child_signaled", timeout=0)
    done = lc.events("shutdown_complete")[-1]
    assert done["hooks_failed"] == 1 and done["hooks_ok"] == 2, done


def test_hook_that_cannot_start_is_error(lastcall, tmp_path):
    """A hook that ... cannot be started never stops the sequence. (Once the loop runs ... a
    hook that cannot start ends as `hook_finished` with status `error`.)"""
    post = tmp_path / "post"
    cfg = {"hooks": {
        "pre_stop": [hook("missing", [str(tmp_path / "no-such-hook")], priority=1),
                     hook("badcwd", ["true"], cwd=str(tmp_path / "no-such-dir"))],
        "post_stop": [hook("post", ["touch", str(post)])]}}
    lc = stop_with_hooks(lastcall, tmp_path, cfg)
    for name in ["missing", "badcwd"]:
        fin = lc.wait_event("hook_finished", hook=name, timeout=0)
        assert fin["status"] == "error", fin
    assert post.exists()
    lc.wait_event("child_signaled", timeout=0)


def test_lastcall_env_in_pre_stop(lastcall, tmp_path):
    """Environment added to the hook: `LASTCALL_PHASE` (`pre_stop`/`post_stop`),
    `LASTCALL_HOOK`, `LASTCALL_SIGNAL` (trigger name, ...), `LASTCALL_CHILD_PID`,
    `LASTCALL_DEADLINE_MS` (milliseconds until this hook is killed), and in post-stop
    `LASTCALL_CHILD_EXIT_CODE`."""
    pre, post = tmp_path / "pre.json", tmp_path / "post.json"
    cfg = {"hooks": {"pre_stop": [hook("dump-pre", helper("env_dump", pre), timeout="3s")],
                     "post_stop": [hook("dump-post", helper("env_dump", post))]}}
    out = tmp_path / "rec"
    lc = lastcall("--", *recorder(out), config=cfg)
    wait_line(out, "ready")
    child = lc.child_pid
    lc.send(signal.SIGINT)
    assert lc.wait_exit(10) == 130, lc.log_tail()
    env = json.loads(pre.read_text())["env"]
    assert env["LASTCALL_PHASE"] == "pre_stop"
    assert env["LASTCALL_HOOK"] == "dump-pre"
    assert env["LASTCALL_SIGNAL"] in ("SIGINT", "INT"), env["LASTCALL_SIGNAL"]
    assert env["LASTCALL_CHILD_PID"] == str(child)
    assert 1000 < int(env["LASTCALL_DEADLINE_MS"]) <= 3000
    assert "LASTCALL_CHILD_EXIT_CODE" not in env
    env = json.loads(post.read_text())["env"]
    assert env["LASTCALL_PHASE"] == "post_stop"
    assert env["LASTCALL_HOOK"] == "dump-post"
    assert env["LASTCALL_SIGNAL"] in ("SIGINT", "INT")
    assert env["LASTCALL_CHILD_PID"] == str(child)
    assert env["LASTCALL_CHILD_EXIT_CODE"] == "130"
    assert 0 < int(env["LASTCALL_DEADLINE_MS"]) <= 5000


def test_lastcall_env_when_child_exited_on_its_own(lastcall, tmp_path):
    """`LASTCALL_SIGNAL` (trigger name, empty when the child exited on its own)"""
    post = tmp_path / "post.json"
    cfg = {"post_stop_timeout": "2s", "hooks": {"post_stop": [hook("dump", helper("env_dump", post))]}}
    post_only(lastcall, cfg, expect=0)
    env = json.loads(post.read_text())["env"]
    assert env["LASTCALL_SIGNAL"] == ""
    assert env["LASTCALL_CHILD_EXIT_CODE"] == "0"
    assert 0 < int(env["LASTCALL_DEADLINE_MS"]) <= 2000


def test_hook_env_and_cwd(lastcall, tmp_path):
    """A hook is `{ "name", "command", "timeout"?, "priority"?, "env"?, "cwd"? }`."""
    f = tmp_path / "f.json"
    sub = tmp_path / "sub"
    sub.mkdir()
    cfg = {"hooks": {"post_stop": [hook("envy", helper("env_dump", f), env={"FOO": "bar", "EMPTY": ""},
                                        cwd=str(sub))]}}
    post_only(lastcall, cfg, env={"INHERITED": "yes"})
    data = json.loads(f.read_text())
    assert data["cwd"] == str(sub)
    assert data["env"]["FOO"] == "bar" and data["env"]["EMPTY"] == ""
    assert data["env"].get("INHERITED") == "yes", "the hook did not inherit lastcall's environment"


def test_hook_output_is_relayed_line_by_line(lastcall):
    """The hook's stdout and stderr are relayed line by line into lastcall's log, tagged with
    the hook's name (`hook_output` events)."""
    cmd = "echo out1; echo err1 >&2; printf 'out2\\nout3'; echo err2 >&2"
    lc = post_only(lastcall, {"hooks": {"post_stop": [hook("talk", cmd)]}})
    out = [e["line"] for e in lc.events("hook_output", hook="talk", stream="stdout")]
    err = [e["line"] for e in lc.events("hook_output", hook="talk", stream="stderr")]
    assert out == ["out1", "out2", "out3"], lc.log_tail()
    assert err == ["err1", "err2"], lc.log_tail()
    for e in lc.events("hook_output"):
        assert e["level"] == "info"


def test_hook_started_and_finished_fields(lastcall):
    """| `hook_started` | `phase`, `hook`, `pid` | ... | `hook_finished` | `phase`, `hook`,
    `status` (`ok`, `failed`, `timeout`, `error`), `exit_code`, `duration_ms` |"""
    lc = post_only(lastcall, {"hooks": {"post_stop": [hook("h", "exit 0")]}})
    s = lc.wait_event("hook_started", hook="h", timeout=0)
    assert s["phase"] == "post_stop" and isinstance(s["pid"], int)
    f = lc.wait_event("hook_finished", hook="h", timeout=0)
    assert f["phase"] == "post_stop" and f["status"] == "ok" and f["exit_code"] == 0
    assert isinstance(f["duration_ms"], (int, float))
    assert ts_seconds(s) <= ts_seconds(f)


@pytest.mark.timeout(60)
def test_flooding_hook_does_not_block(lastcall, tmp_path):
    """The hook's stdout and stderr are relayed line by line into lastcall's log (a hook
    writing 50 MB without a newline neither blocks nor breaks the sequence)."""
    done, after = tmp_path / "done", tmp_path / "after"
    cfg = {"grace": "40s", "hooks": {"pre_stop": [
        hook("flood", helper("flood", "--mb", 50, "--done", done), priority=1),
        hook("after", ["touch", str(after)])]}}
    lc = stop_with_hooks(lastcall, tmp_path, cfg, timeout=45)
    assert done.exists(), "the flooding hook never finished writing"
    assert after.exists()
    assert lc.wait_event("hook_finished", hook="flood", timeout=0)["status"] == "ok"
    relayed = sum(len(e["line"]) for e in lc.events("hook_output", hook="flood"))
    assert relayed > 0
    assert not lc.bad_lines, "%d non-JSON log lines, first: %s" % (len(lc.bad_lines), why_not_json(lc.bad_lines[0]))


@pytest.mark.timeout(40)
def test_binary_output_keeps_log_valid_json(lastcall, tmp_path):
    """In `json` format each line is one object (even when a hook writes binary output)."""
    done = tmp_path / "done"
    cfg = {"hooks": {"post_stop": [
        hook("bin", helper("flood", "--mb", 2, "--binary", "--newlines", 200, "--done", done)),
        hook("after", ["echo", "still here"], priority=-1)]}}
    lc = post_only(lastcall, cfg, timeout=30)
    assert done.exists()
    assert not lc.bad_lines, "%d non-JSON log lines, first: %s" % (len(lc.bad_lines), why_not_json(lc.bad_lines[0]))
    assert lc.events("hook_output", hook="bin")
    # A reader that falls behind past lastcall's stall budget loses lines (log_dropped says how
    # many): the message tells that apart from a line lost by the relay.
    assert [e["line"] for e in lc.events("hook_output", hook="after")] == ["still here"], \
        "log_dropped events: %s" % lc.events("log_dropped")


def why_not_json(raw):
    try:
        json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        return "%s near %r" % (e.reason, raw[max(0, e.start - 10):e.end + 10])
    except ValueError as e:
        return "%s in %r" % (e, raw[:200])
    return "parses"


def test_hook_background_process_does_not_hold_the_sequence(lastcall, tmp_path):
    """A hook that fails, times out, or cannot be started never stops the sequence. (A hook
    that leaves a background process holding its stdout finishes when it exits, and the
    leftover is gone before post-stop: "No process that lastcall could reach is left running
    when the post-stop hooks start".)"""
    bg, check = tmp_path / "bg.pid", tmp_path / "check"
    cfg = {"hooks": {
        "pre_stop": [hook("bg", "sleep 30 & echo $! > %s; echo spawned" % bg)],
        "post_stop": [hook("post", "kill -0 $(cat %s) 2>/dev/null && echo alive > %s || echo gone > %s"
                           % (bg, check, check))]}}
    t0 = time.monotonic()
    lc = stop_with_hooks(lastcall, tmp_path, cfg)
    assert time.monotonic() - t0 < 5
    fin = lc.wait_event("hook_finished", hook="bg", timeout=0)
    assert fin["status"] == "ok" and fin["duration_ms"] < 3000, fin
    assert [e["line"] for e in lc.events("hook_output", hook="bg")] == ["spawned"]
    assert read_lines(check) == ["gone"]


def test_post_stop_process_that_left_its_hook_group_is_not_left_behind(lastcall, tmp_path):
    """No process that lastcall could reach is left running ... then exit with the child's status."""
    pid_file = tmp_path / "escaped.pid"
    cfg = {"hooks": {"post_stop": [hook("escape", "setsid sleep 300 & echo $! > %s" % pid_file)]}}
    lc = post_only(lastcall, cfg, expect=None)
    # Tracked before any assertion: it left lastcall's session, so teardown would miss it.
    pid = read_pid(pid_file)
    lc.track_pid(pid)
    assert lc.wait_exit(0) == 0, lc.log_tail()
    assert lc.wait_event("hook_finished", hook="escape", timeout=0)["status"] == "ok"
    # lastcall reaps what it killed before exiting, so the pid is gone, not a zombie.
    assert not exists(pid), proc_stat(pid)


# -- the hook's process group outlives its leader -------------------------------------------------

STRACE_LINE = re.compile(r"^(\d+)\s+(.*)$")


def strace_prefix(log):
    """strace that logs, with -f, only the syscalls that signal or reap processes."""
    return ["strace", "-f", "-qq", "-o", str(log), "-e", "signal=none",
            "-e", "trace=kill,tgkill,pidfd_send_signal,wait4,waitid"]


def reaped(line, pid):
    """True when the strace line is a wait that collected pid's exit (not a WNOWAIT peek)."""
    if "WNOWAIT" in line or "WEXITED" not in line and "wait4(" not in line:
        return False
    if re.search(r"wait4\(.*\)\s+=\s+%d\b" % pid, line):
        return True
    return bool(re.search(r"waitid\(.*si_pid=%d\b.*CLD_(EXITED|KILLED|DUMPED)|waitid\(.*CLD_(EXITED|KILLED|DUMPED).*si_pid=%d\b"
                          % (pid, pid), line)) and "= 0" in line


@pytest.mark.timeout(40)
def test_hook_group_is_killed_before_its_leader_is_reaped(lastcall, tmp_path):
    """Each hook runs in its own process group. ... its whole process group gets SIGKILL.
    (When the hook exits and leaves a process in its group, that group is killed while its
    leader's zombie still holds the group id, so the SIGKILL cannot reach a group that took
    over a recycled id; nothing of the group is left.)"""
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed")
    grand, rec, log = tmp_path / "grand.pid", tmp_path / "grand", tmp_path / "strace.log"
    grandchild = " ".join(recorder(rec, "--ignore-term", "--pidfile", grand))
    check = "! kill -0 $(cat %s) 2>/dev/null" % grand
    cfg = {"hooks": {"pre_stop": [hook("leaves", "%s & while [ ! -s %s ]; do sleep 0.01; done; exit 0"
                                       % (grandchild, grand))],
                     "post_stop": [hook("check", check)]}}
    out = tmp_path / "rec"
    lc = lastcall("--", *recorder(out), config=cfg, prefix=strace_prefix(log),
                  env=support.untraceable_leak_check_off())
    wait_line(out, "ready")
    inner = wait_for(lambda: [p for p, _ in support.children_of(lc.pid)], 5, "lastcall under strace")[0]
    os.kill(inner, signal.SIGTERM)
    assert lc.wait_exit(15) == 143, lc.log_tail()
    leader = lc.wait_event("hook_started", hook="leaves", timeout=0)["pid"]
    gp = read_pid(grand)
    lc.track_pid(gp)
    assert lc.wait_event("hook_finished", hook="leaves", timeout=0)["status"] == "ok"
    assert lc.wait_event("hook_finished", hook="check", timeout=0)["status"] == "ok", \
        "the hook's grandchild was still running when post_stop began"
    assert not exists(gp), "the hook's grandchild is left: %s" % (proc_stat(gp),)
    lines = [m.group(2) for m in map(STRACE_LINE.match, read_lines(log)) if m]
    kills = [i for i, l in enumerate(lines) if re.search(r"\bkill\(-%d, SIGKILL\)" % leader, l)]
    reaps = [i for i, l in enumerate(lines) if reaped(l, leader)]
    assert reaps, "no wait that reaped the hook %d in the strace log" % leader
    assert kills, "the hook's group -%d never got SIGKILL" % leader
    assert kills[0] < reaps[0], ("the hook's group was signalled after its leader %d was reaped:\n%s"
                                 % (leader, "\n".join(lines[reaps[0]:kills[0] + 1][:20])))


# -- signals the hooks inherit --------------------------------------------------------------------

def test_hooks_inherit_the_ignored_signals_and_the_mask(lastcall, tmp_path):
    """The child starts with the signal mask and the ignored signals that lastcall inherited,
    as it would without lastcall (`nohup lastcall -- cmd` keeps SIGHUP ignored). (The hooks
    likewise.)"""
    prefix = [support.PY, str(support.HELPERS / "with_signals.py"), "--ignore", "HUP",
              "--block", "USR2", "--"]
    out = tmp_path / "masks"
    grep = "exec grep -E '^Sig(Ign|Blk)' /proc/self/status > %s" % out
    lc = post_only(lastcall, {"hooks": {"post_stop": [hook("masks", ["sh", "-c", grep])]}}, prefix=prefix)
    assert lc.wait_event("hook_finished", hook="masks", timeout=0)["status"] == "ok"
    lines = dict(line.split(":", 1) for line in read_lines(out))
    assert set(lines) == {"SigIgn", "SigBlk"}, lines
    ignored, blocked = int(lines["SigIgn"], 16), int(lines["SigBlk"], 16)
    assert ignored & (1 << (signal.SIGHUP - 1)), "SIGHUP is not ignored in the hook: SigIgn %x" % ignored
    assert blocked == 1 << (signal.SIGUSR2 - 1), "the hook's SigBlk is %x, not just SIGUSR2" % blocked
