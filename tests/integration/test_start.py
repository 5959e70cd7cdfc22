# SPDX-License-Identifier: MIT
"""CONTRACT §2, Start: signal handling is in place before anything else, also as PID 1 and
also when lastcall's parent left a signal ignored; the child starts with the signal mask and
the ignored signals that lastcall inherited. The parent's dispositions are set by
helpers/with_signals.py, which then execs lastcall."""
import json
import os
import signal
import threading
import time

import pytest

import support
from support import hook, read_lines, recorder, sig_eq, wait_for, wait_line

# glibc's two internal real-time signals (32, 33): posix_spawn and NPTL manage them
# themselves, so they say nothing about what lastcall passed on.
GLIBC_INTERNAL = (1 << 31) | (1 << 32)


def with_signals(*options):
    return [support.PY, str(support.HELPERS / "with_signals.py"), *options, "--"]


def bit(sig):
    return 1 << (int(sig) - 1)


def sig_masks(pid):
    """(SigIgn, SigBlk, SigPnd | ShdPnd) of pid from /proc/<pid>/status, as integers."""
    with open("/proc/%d/status" % pid) as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return (int(fields["SigIgn"], 16), int(fields["SigBlk"], 16),
            int(fields["SigPnd"], 16) | int(fields["ShdPnd"], 16))


def exec_done(pid, program):
    """Waits until pid runs program: child_started may come before the exec."""
    def runs():
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                return os.path.basename(f.read().split(b"\0")[0].decode()) == program
        except FileNotFoundError:
            return False
    wait_for(runs, 5, "pid %d to exec %s" % (pid, program))
    return pid


# -- a signal during startup ----------------------------------------------------------------------

def blocked_on_fifo(pid):
    """True while pid waits in open(2) of a FIFO for a writer (or in a read of one)."""
    try:
        with open("/proc/%d/wchan" % pid) as f:
            wchan = f.read().strip()
    except FileNotFoundError:
        return False
    return wchan in ("wait_for_partner", "pipe_read", "pipe_wait", "pipe_read_wait")


@pytest.mark.timeout(40)
@pytest.mark.parametrize("as_pid1", [True, False], ids=["pid1", "subreaper"])
def test_sigterm_while_starting_runs_the_whole_sequence(lastcall, tmp_path, request, as_pid1):
    """Signal handling is in place before anything else (before the command line and the
    config are read): no signal that reaches lastcall is lost, also as PID 1 ...; one that
    arrives before the child exists takes effect as soon as it does."""
    fifo = tmp_path / "config.json"
    os.mkfifo(fifo, 0o600)
    pre, post = tmp_path / "pre", tmp_path / "post"
    cfg = {"grace": "5s", "hooks": {"pre_stop": [hook("pre", ["touch", str(pre)])],
                                    "post_stop": [hook("post", ["touch", str(post)])]}}
    lc = lastcall("--config", fifo, "--", "sleep", "60", prefix=request.getfixturevalue("pidns") if as_pid1 else None)
    if as_pid1:
        pid = wait_for(lambda: (support.children_of(lc.pid) or [(None,)])[0][0], 10,
                       "lastcall inside the pid namespace")
    else:
        pid = lc.pid
    # lastcall is reading its config: the child does not exist yet.
    wait_for(lambda: blocked_on_fifo(pid), 10, "lastcall to wait for its config on the FIFO")
    os.kill(pid, signal.SIGTERM)  # pending on lastcall once kill() returns, before the config comes
    writer = threading.Thread(target=lambda: fifo.write_text(json.dumps(cfg)), daemon=True)
    writer.start()
    started = lc.wait_event("shutdown_started", timeout=10)
    assert sig_eq(started["signal"], signal.SIGTERM), started
    assert lc.wait_exit(15) == 128 + signal.SIGTERM, lc.log_tail()
    writer.join(5)
    assert pre.exists() and post.exists(), "the hooks did not run"
    exited = lc.wait_event("child_exited", timeout=0)
    assert sig_eq(exited.get("signal"), signal.SIGTERM), exited
    done = lc.events()[-1]
    assert done["event"] == "shutdown_complete" and done["exit_code"] == 143, done
    assert not lc.events("child_killed")


# -- a parent that ignores signals ----------------------------------------------------------------

@pytest.mark.timeout(30)
def test_parent_ignoring_sigchld_child_exit_is_seen(lastcall):
    """Signal handling is in place before anything else ...: no signal that reaches lastcall
    is lost, also ... when its parent left it ignored (SIGCHLD ignored by the parent: the
    child's exit still ends lastcall with the child's status)."""
    lc = lastcall("--grace", "10s", "--", "sh", "-c", "exit 3", prefix=with_signals("--ignore", "CHLD"))
    t0 = time.monotonic()
    assert lc.wait_exit(8) == 3, lc.log_tail()
    assert time.monotonic() - t0 < 3, "lastcall took %.1fs to see the child exit" % (time.monotonic() - t0)
    exited = lc.wait_event("child_exited", timeout=0)
    assert exited["exit_code"] == 3, exited
    assert lc.events()[-1]["event"] == "shutdown_complete"


@pytest.mark.timeout(30)
def test_parent_ignoring_sigchld_sequence_works(lastcall, tmp_path):
    """no signal that reaches lastcall is lost, also ... when its parent left it ignored
    (SIGCHLD ignored by the parent: SIGTERM stops the child, which is seen to exit at once,
    without waiting for the grace)."""
    out, post = tmp_path / "rec", tmp_path / "post"
    cfg = {"grace": "10s", "hooks": {"post_stop": [hook("post", ["touch", str(post)])]}}
    lc = lastcall("--", *recorder(out), config=cfg, prefix=with_signals("--ignore", "CHLD"))
    wait_line(out, "ready")
    t0 = time.monotonic()
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(15) == 143, lc.log_tail()
    assert time.monotonic() - t0 < 4, "the sequence took %.1fs: the grace was waited" % (time.monotonic() - t0)
    assert not lc.events("child_killed"), "SIGKILL sent to a child that had exited"
    assert lc.wait_event("child_exited", timeout=0)["exit_code"] == 143
    assert post.exists()
    assert read_lines(out)[1:] == ["SIGTERM"]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("trigger", [signal.SIGTERM, signal.SIGINT, signal.SIGQUIT],
                         ids=lambda s: signal.Signals(s).name)
def test_parent_ignoring_a_trigger_does_not_hide_it(lastcall, tmp_path, trigger):
    """no signal that reaches lastcall is lost, also ... when its parent left it ignored (a
    shell starts background jobs with SIGINT and SIGQUIT ignored; a trigger still starts the
    shutdown)."""
    out = tmp_path / "rec"
    name = signal.Signals(trigger).name
    lc = lastcall("--", *recorder(out), prefix=with_signals("--ignore", name))
    wait_line(out, "ready")
    lc.send(trigger)
    started = lc.wait_event("shutdown_started", timeout=5)
    assert sig_eq(started["signal"], trigger), started
    assert lc.wait_exit(10) == 128 + trigger, lc.log_tail()
    assert read_lines(out)[1:] == [name]


# -- what the child inherits ----------------------------------------------------------------------

@pytest.mark.timeout(30)
def test_nohup_keeps_sighup_ignored_in_the_child(lastcall):
    """The child starts with the signal mask and the ignored signals that lastcall inherited,
    as it would without lastcall (`nohup lastcall -- cmd` keeps SIGHUP ignored)."""
    lc = lastcall("--", "sleep", "60", log_level="debug", prefix=with_signals("--ignore", "HUP"))
    child = exec_done(lc.child_pid, "sleep")
    ignored, blocked, _ = sig_masks(child)
    assert ignored & bit(signal.SIGHUP), "SIGHUP is not ignored in the child (SigIgn %x)" % ignored
    assert ignored & ~GLIBC_INTERNAL == bit(signal.SIGHUP), "the child ignores more: SigIgn %x" % ignored
    assert blocked == 0, "the child starts with blocked signals: SigBlk %x" % blocked
    # lastcall itself still gets SIGHUP and relays it; the child ignores it, as under nohup.
    lc.send(signal.SIGHUP)
    lc.wait_event("signal_forwarded", signal=lambda s: sig_eq(s, signal.SIGHUP), timeout=5)
    time.sleep(0.2)  # Not synchronisation: a bounded look for a child that must not die.
    assert support.is_running(child), "the child died of the relayed SIGHUP"
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 143, lc.log_tail()


@pytest.mark.timeout(30)
def test_signal_blocked_by_the_parent_stays_blocked_in_the_child(lastcall):
    """The child starts with the signal mask and the ignored signals that lastcall
    inherited, as it would without lastcall."""
    lc = lastcall("--", "sleep", "60", log_level="debug", prefix=with_signals("--block", "USR2"))
    child = exec_done(lc.child_pid, "sleep")
    ignored, blocked, _ = sig_masks(child)
    assert blocked == bit(signal.SIGUSR2), "the child's SigBlk is %x, not just SIGUSR2" % blocked
    assert ignored & ~GLIBC_INTERNAL == 0, "the child ignores signals: SigIgn %x" % ignored
    # Relayed, it stays pending in the child rather than killing it.
    lc.send(signal.SIGUSR2)
    lc.wait_event("signal_forwarded", signal=lambda s: sig_eq(s, signal.SIGUSR2), timeout=5)
    wait_for(lambda: sig_masks(child)[2] & bit(signal.SIGUSR2), 5, "SIGUSR2 pending in the child")
    assert support.is_running(child)
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 143, lc.log_tail()


@pytest.mark.timeout(30)
def test_child_of_a_parent_with_default_dispositions_has_them_too(lastcall):
    """The child starts with the signal mask and the ignored signals that lastcall inherited
    (nothing more: what lastcall does with signals for itself stays its own)."""
    lc = lastcall("--", "sleep", "60", prefix=with_signals())
    child = exec_done(lc.child_pid, "sleep")
    ignored, blocked, _ = sig_masks(child)
    assert ignored & ~GLIBC_INTERNAL == 0, "SigIgn %x" % ignored
    assert blocked == 0, "SigBlk %x" % blocked
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 143, lc.log_tail()
