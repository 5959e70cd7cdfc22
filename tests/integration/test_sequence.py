# SPDX-License-Identifier: MIT
"""CONTRACT §2, the sequence: trigger, drain, pre-stop hooks, stop signal, SIGKILL at the end
of the grace budget, leftovers, post-stop hooks, second trigger, child exiting on its own."""
import signal
import time

import pytest

from support import (helper, is_running, read_lines, read_pid, recorder, sig_eq,
                     ts_seconds, wait_for, wait_line, wait_lines)


def start(lastcall, tmp_path, *args, rec_args=(), **kw):
    out = tmp_path / "rec"
    lc = lastcall(*args, "--", *recorder(out, *rec_args), **kw)
    wait_line(out, "ready")
    return lc, out


def hook(name, command, **extra):
    return dict({"name": name, "command": command}, **extra)


def test_sigkill_at_end_of_grace(lastcall, tmp_path):
    """If the child has not exited when the grace budget ends, send SIGKILL to the child's
    process group. The grace budget starts counting at the trigger."""
    lc, out = start(lastcall, tmp_path, "--grace", "1s", rec_args=("--ignore-term",))
    lc.send(signal.SIGTERM)
    started = lc.wait_event("shutdown_started")
    killed = lc.wait_event("child_killed", timeout=10)
    after = ts_seconds(killed) - ts_seconds(started)
    assert 0.9 <= after <= 2.0, "SIGKILL %.3fs after the trigger, grace was 1s" % after
    assert 900 <= killed["after_ms"] <= 2000, killed
    assert killed["pid"] == lc.child_pid
    assert lc.wait_exit(10) == 128 + signal.SIGKILL
    assert "SIGTERM" in read_lines(out)


def test_shutdown_started_fields(lastcall, tmp_path):
    """| `shutdown_started` | `signal`, `grace_ms` |"""
    lc, _ = start(lastcall, tmp_path, "--grace", "3s")
    lc.send(signal.SIGTERM)
    ev = lc.wait_event("shutdown_started")
    assert sig_eq(ev["signal"], signal.SIGTERM)
    assert ev["grace_ms"] == 3000
    assert lc.wait_exit(10) == 143


@pytest.mark.parametrize("trigger", [signal.SIGTERM, signal.SIGINT, signal.SIGQUIT],
                         ids=lambda s: signal.Signals(s).name)
def test_stop_signal_defaults_to_trigger(lastcall, tmp_path, trigger):
    """SIGTERM, SIGINT or SIGQUIT received by lastcall starts the shutdown, once.
    (`--stop-signal` defaults to the trigger signal; the child gets it: `child_signaled`.)"""
    lc, out = start(lastcall, tmp_path)
    lc.send(trigger)
    ev = lc.wait_event("child_signaled")
    assert sig_eq(ev["signal"], trigger), ev
    assert ev["pid"] == lc.child_pid
    assert lc.wait_exit(10) == 128 + trigger, lc.log_tail()
    assert read_lines(out).count(signal.Signals(trigger).name) == 1
    lc.wait_event("shutdown_started", signal=lambda s: sig_eq(s, trigger), timeout=0)


@pytest.mark.parametrize("how", ["cli", "config"])
def test_stop_signal_option(lastcall, tmp_path, how):
    """`--stop-signal SIG` | | signal sent to the child when it is asked to stop"""
    if how == "cli":
        lc, out = start(lastcall, tmp_path, "--stop-signal", "usr2", rec_args=("--exit-on", "USR2:0"))
    else:
        lc, out = start(lastcall, tmp_path, config={"stop_signal": "SIGUSR2"},
                        rec_args=("--exit-on", "USR2:0"))
    lc.send(signal.SIGTERM)
    ev = lc.wait_event("child_signaled")
    assert sig_eq(ev["signal"], signal.SIGUSR2), ev
    assert lc.wait_exit(10) == 0, lc.log_tail()
    assert read_lines(out)[1:] == ["SIGUSR2"]


def test_second_trigger_forces_exit(lastcall, tmp_path):
    """Second trigger during a shutdown: forced exit. ... lastcall exits with 128 + the number
    of that second signal. A `forced_exit` event is logged."""
    lc, out = start(lastcall, tmp_path, "--grace", "20s", rec_args=("--ignore-term",))
    child = lc.child_pid
    lc.send(signal.SIGTERM)
    lc.wait_event("child_signaled")
    wait_line(out, "SIGTERM")
    t0 = time.monotonic()
    lc.send(signal.SIGINT)
    assert lc.wait_exit(5) == 128 + signal.SIGINT, lc.log_tail()
    assert time.monotonic() - t0 < 3, "forced exit took %.1fs" % (time.monotonic() - t0)
    ev = lc.wait_event("forced_exit", timeout=0)
    assert sig_eq(ev["signal"], signal.SIGINT), ev
    wait_for(lambda: not is_running(child), 5, "the child to be SIGKILLed")


def test_second_trigger_during_pre_stop_kills_hooks(lastcall, tmp_path):
    """SIGKILL goes at once to every running hook's process group, the child's process group
    and every adopted orphan; nothing else runs"""
    hook_pid = tmp_path / "hook.pid"
    grand_pid = tmp_path / "grand.pid"
    post = tmp_path / "post"
    cfg = {"grace": "20s", "hooks": {
        "pre_stop": [hook("hang", helper("fork_grandchild", "--pidfile", grand_pid, "--parent-ignore-term")),
                     hook("hang2", helper("hang", "--pidfile", hook_pid, "--ignore-term"))],
        "post_stop": [hook("post", ["touch", str(post)])]}}
    lc, out = start(lastcall, tmp_path, config=cfg, rec_args=("--ignore-term",))
    child = lc.child_pid
    lc.send(signal.SIGTERM)
    hp, gp = read_pid(hook_pid), read_pid(grand_pid)
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(5) == 128 + signal.SIGTERM, lc.log_tail()
    lc.wait_event("forced_exit", timeout=0)
    for pid, what in [(hp, "hook"), (gp, "hook's grandchild"), (child, "child")]:
        wait_for(lambda: not is_running(pid), 5, "the %s to be SIGKILLed" % what)
    assert not post.exists(), "a post-stop hook ran after a forced exit"
    assert "SIGTERM" not in read_lines(out), "the stop signal was sent after a forced exit"


def test_child_exits_on_its_own(lastcall, tmp_path):
    """Child exits on its own (no trigger): skip draining and pre-stop; do step 4 ..., then
    step 5. (lastcall exits with the child's code; `shutdown_complete` is the last event.)"""
    pre, post = tmp_path / "pre", tmp_path / "post"
    cfg = {"drain": "5s", "hooks": {"pre_stop": [hook("pre", ["touch", str(pre)])],
                                    "post_stop": [hook("post", ["touch", str(post)])]}}
    lc = lastcall("--", "sh", "-c", "exit 5", config=cfg)
    t0 = time.monotonic()
    assert lc.wait_exit(10) == 5, lc.log_tail()
    assert time.monotonic() - t0 < 4, "the drain ran although the child exited on its own"
    assert post.exists() and not pre.exists()
    done = lc.events()[-1]
    assert done["event"] == "shutdown_complete", done
    assert done["exit_code"] == 5
    exited = lc.wait_event("child_exited", timeout=0)
    assert exited["exit_code"] == 5 and exited["pid"] == lc.child_pid


@pytest.mark.timeout(40)
def test_sequence_order(lastcall, tmp_path):
    """`draining`: readiness turns false; wait `drain`. `pre_stop`: run the pre-stop hooks ...
    `stopping`: send the stop signal ... Once the child has exited, stop every process still
    left ... No process that lastcall could reach is left running when the post-stop hooks
    start."""
    grand = tmp_path / "grand.pid"
    check = tmp_path / "check"
    post_cmd = ("if kill -0 $(cat %s) 2>/dev/null; then echo alive; else echo gone; fi > %s"
                % (grand, check))
    cfg = {"grace": "3s", "drain": "300ms", "hooks": {
        "pre_stop": [hook("pre", ["sleep", "0.2"])],
        "post_stop": [hook("post", post_cmd)]}}
    # The child (sh) starts a grandchild that ignores SIGTERM and outlives it.
    child_cmd = "%s; exec sleep 60" % " ".join(helper("fork_grandchild", "--pidfile", grand, "--parent-exits"))
    lc = lastcall("--", "sh", "-c", child_cmd, config=cfg)
    gp = read_pid(grand)
    assert is_running(gp)
    lc.send(signal.SIGTERM)
    code = lc.wait_exit(15)
    ev = {name: lc.wait_event(name, timeout=0) for name in
          ["shutdown_started", "child_signaled", "child_exited", "shutdown_complete"]}
    pre_started = lc.wait_event("hook_started", hook="pre", timeout=0)
    pre_finished = lc.wait_event("hook_finished", hook="pre", timeout=0)
    post_started = lc.wait_event("hook_started", hook="post", timeout=0)
    t = {k: ts_seconds(v) for k, v in ev.items()}
    assert ts_seconds(pre_started) - t["shutdown_started"] >= 0.29, "pre-stop began before the drain ended"
    assert ts_seconds(pre_finished) <= t["child_signaled"], "stop signal before pre-stop finished"
    assert t["child_signaled"] <= t["child_exited"] <= ts_seconds(post_started)
    assert ts_seconds(post_started) <= t["shutdown_complete"]
    assert read_lines(check) == ["gone"], "a leftover was still running when post-stop started"
    assert not is_running(gp)
    assert code == 143, lc.log_tail()
    assert pre_started["phase"] == "pre_stop" and post_started["phase"] == "post_stop"


def test_drain_waits(lastcall, tmp_path):
    """`--drain DURATION` | `LASTCALL_DRAIN` | pause after the trigger, before pre-stop hooks"""
    lc, out = start(lastcall, tmp_path, "--drain", "700ms")
    lc.send(signal.SIGTERM)
    started = lc.wait_event("shutdown_started")
    signaled = lc.wait_event("child_signaled", timeout=5)
    waited = ts_seconds(signaled) - ts_seconds(started)
    assert 0.69 <= waited <= 2.0, "stop signal %.3fs after the trigger with a 700ms drain" % waited
    assert lc.wait_exit(10) == 143


def test_setsid_orphan_is_stopped_before_post_stop(lastcall, tmp_path):
    """Once the child has exited, stop every process still left — the rest of the child's
    process group and every orphan lastcall has adopted, whatever its group — with the stop
    signal, then SIGKILL when the grace budget ends"""
    report, done, check = tmp_path / "report", tmp_path / "done", tmp_path / "check"
    post_cmd = ("for p in $(cat %s); do if kill -0 $p 2>/dev/null; then echo alive; else echo gone; fi; done > %s"
                % (report, check))
    cfg = {"grace": "5s", "hooks": {"post_stop": [hook("post", post_cmd)]}}
    lc = lastcall("--", *helper("orphans", "--mode", "setsid", "--count", 2, "--report", report,
                                "--done", done), config=cfg)
    pids = [int(x) for x in wait_lines(report, lambda ls: len(ls) >= 2)]
    for p in pids:
        lc.track_pid(p)
    wait_for(lambda: all(is_running(p) for p in pids), 5, "orphans running")
    t0 = time.monotonic()
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(15) == 143, lc.log_tail()
    assert time.monotonic() - t0 < 4, "the orphans took the SIGKILL path; they die of SIGTERM"
    assert read_lines(check) == ["gone", "gone"], lc.log_tail()


def test_setsid_orphan_ignoring_term_gets_sigkill_at_grace(lastcall, tmp_path):
    """... with the stop signal, then SIGKILL when the grace budget ends; reap every zombie.
    No process that lastcall could reach is left running when the post-stop hooks start"""
    report, done, check = tmp_path / "report", tmp_path / "done", tmp_path / "check"
    post_cmd = "kill -0 $(cat %s) 2>/dev/null && echo alive > %s || echo gone > %s" % (report, check, check)
    cfg = {"grace": "1s", "hooks": {"post_stop": [hook("post", post_cmd)]}}
    lc = lastcall("--", *helper("orphans", "--mode", "setsid", "--ignore-term", "--count", 1,
                                "--report", report, "--done", done), config=cfg)
    pid = read_pid(report)
    lc.track_pid(pid)
    lc.send(signal.SIGTERM)
    started = lc.wait_event("shutdown_started")
    post = lc.wait_event("hook_started", hook="post", timeout=10)
    assert lc.wait_exit(10) == 143
    assert 0.9 <= ts_seconds(post) - ts_seconds(started) <= 2.5
    assert read_lines(check) == ["gone"]
    assert not is_running(pid)


def test_leftover_of_child_that_exited_on_its_own(lastcall, tmp_path):
    """Child exits on its own (no trigger): ... do step 4 with a grace budget that starts when
    the child exits, then step 5."""
    grand, check = tmp_path / "grand.pid", tmp_path / "check"
    post_cmd = "kill -0 $(cat %s) 2>/dev/null && echo alive > %s || echo gone > %s" % (grand, check, check)
    cfg = {"grace": "1s", "hooks": {"post_stop": [hook("post", post_cmd)]}}
    lc = lastcall("--", *helper("fork_grandchild", "--pidfile", grand, "--parent-exits"), config=cfg)
    exited = lc.wait_event("child_exited")
    post = lc.wait_event("hook_started", hook="post", timeout=10)
    assert lc.wait_exit(10) == 0
    waited = ts_seconds(post) - ts_seconds(exited)
    assert 0.9 <= waited <= 2.5, "leftover SIGKILLed %.3fs after the child exited, grace 1s" % waited
    assert read_lines(check) == ["gone"]


def test_child_exits_during_pre_stop(lastcall, tmp_path):
    """A hook that fails, times out, or cannot be started never stops the sequence. (The child
    exiting while pre-stop hooks run: the hooks finish, post-stop runs, the child's status is
    the exit status.)"""
    post = tmp_path / "post"
    cfg = {"hooks": {
        "pre_stop": [hook("pre", "kill -USR1 $LASTCALL_CHILD_PID; sleep 0.3")],
        "post_stop": [hook("post", ["touch", str(post)])]}}
    lc, out = start(lastcall, tmp_path, config=cfg, rec_args=("--exit-on", "USR1:7"))
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 7, lc.log_tail()
    assert lc.wait_event("hook_finished", hook="pre", timeout=0)["status"] == "ok"
    assert post.exists()
    assert lc.wait_event("child_exited", timeout=0)["exit_code"] == 7
    assert lc.events()[-1]["event"] == "shutdown_complete"


def test_trigger_only_once(lastcall, tmp_path):
    """SIGTERM, SIGINT or SIGQUIT received by lastcall starts the shutdown, once."""
    cfg = {"hooks": {"pre_stop": [hook("pre", ["sleep", "0.3"])]}}
    lc, out = start(lastcall, tmp_path, config=cfg)
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 143
    assert len(lc.events("shutdown_started")) == 1
    assert len(lc.events("hook_started", hook="pre")) == 1
    assert not lc.events("forced_exit"), lc.log_tail()
    assert lc.events()[-1]["event"] == "shutdown_complete", lc.log_tail()


def test_shutdown_complete_is_last(lastcall, tmp_path):
    """| `shutdown_complete` | `duration_ms`, `hooks_ok`, `hooks_failed`, `hooks_timeout`,
    `hooks_skipped`, `exit_code` |"""
    lc, out = start(lastcall, tmp_path)
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 143
    last = lc.events()[-1]
    assert last["event"] == "shutdown_complete"
    assert last["exit_code"] == 143
    for key in ["duration_ms", "hooks_ok", "hooks_failed", "hooks_timeout", "hooks_skipped"]:
        assert key in last, last


def test_grace_budget_includes_hooks(lastcall, tmp_path):
    """| `-t, --grace DURATION` | `LASTCALL_GRACE` | whole shutdown budget, from the trigger to
    SIGKILL of the child |"""
    cfg = {"grace": "2s", "pre_stop_timeout": "1.8s",
           "hooks": {"pre_stop": [hook("slow", ["sleep", "1.2"])]}}
    lc, out = start(lastcall, tmp_path, config=cfg, rec_args=("--ignore-term",))
    lc.send(signal.SIGTERM)
    started = lc.wait_event("shutdown_started")
    killed = lc.wait_event("child_killed", timeout=10)
    after = ts_seconds(killed) - ts_seconds(started)
    assert 1.9 <= after <= 3.0, "SIGKILL %.3fs after the trigger; the budget is 2s in all" % after
    assert lc.wait_exit(10) == 137


def test_hook_timeout_capped_by_phase(lastcall, tmp_path):
    """At its `timeout` (default: what remains of its phase), or when its phase's cap is
    reached, its whole process group gets SIGKILL."""
    cfg = {"pre_stop_timeout": "800ms",
           "hooks": {"pre_stop": [hook("long", helper("hang", "--ignore-term"), timeout="10s")]}}
    lc, out = start(lastcall, tmp_path, config=cfg)
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 143
    fin = lc.wait_event("hook_finished", hook="long", timeout=0)
    assert fin["status"] == "timeout" and 700 <= fin["duration_ms"] <= 1800, fin


def test_forced_exit_kills_adopted_orphans(lastcall, tmp_path):
    """SIGKILL goes at once to every running hook's process group, the child's process group
    and every adopted orphan"""
    report, done = tmp_path / "report", tmp_path / "done"
    lc = lastcall("--grace", "20s", "--", *helper("orphans", "--mode", "setsid", "--ignore-term",
                                                 "--count", 1, "--report", report, "--done", done))
    orphan = read_pid(report)
    lc.track_pid(orphan)
    lc.send(signal.SIGTERM)
    lc.wait_event("child_exited")
    assert is_running(orphan)
    lc.send(signal.SIGINT)
    assert lc.wait_exit(5) == 128 + signal.SIGINT, lc.log_tail()
    lc.wait_event("forced_exit", timeout=0)
    wait_for(lambda: not is_running(orphan), 5, "the adopted orphan to be SIGKILLed")


def test_success_exit_applies_to_sigkill_escalation(lastcall, tmp_path):
    """| the child was killed by signal N | 128 + N (0 when 128 + N is a success code) |"""
    lc, out = start(lastcall, tmp_path, "--grace", "500ms", "--success-exit", "137",
                    rec_args=("--ignore-term",))
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 0, lc.log_tail()
    lc.wait_event("child_killed", timeout=0)
    assert lc.events()[-1]["exit_code"] == 0
