# SPDX-License-Identifier: MIT
"""CONTRACT §2, Start and Relay: signal handling before the spawn, the child's own process
group, the subreaper, and relaying signals to the child (group)."""
import os
import signal
import time

import pytest

import support
from support import (helper, proc_stat, read_lines, recorder, sig_eq, wait_for, wait_line,
                     wait_lines, zombies_of)

RELAYED = [signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH, signal.SIGALRM,
           signal.SIGPIPE, signal.SIGCONT, signal.SIGURG, signal.SIGTSTP, signal.SIGTTIN,
           signal.SIGTTOU, signal.SIGVTALRM, signal.SIGPROF, signal.SIGXCPU, signal.SIGXFSZ,
           signal.SIGIO, signal.SIGPWR, signal.SIGRTMIN, signal.SIGRTMIN + 1, signal.SIGRTMAX]


def _signame(num):
    if num == signal.SIGRTMIN:
        return "SIGRTMIN"
    if num == signal.SIGRTMAX:
        return "SIGRTMAX"
    if signal.SIGRTMIN < num < signal.SIGRTMAX:
        return "SIGRTMIN+%d" % (num - signal.SIGRTMIN)
    return signal.Signals(num).name


def start_with_recorder(lastcall, tmp_path, *args, rec_args=(), **kw):
    out = tmp_path / "rec"
    lc = lastcall(*args, "--", *recorder(out, *rec_args), **kw)
    wait_line(out, "ready")
    return lc, out


@pytest.mark.parametrize("sig", RELAYED, ids=_signame)
def test_signal_is_relayed_to_child(lastcall, tmp_path, sig):
    """Every catchable signal except SIGCHLD and the synchronous faults (SIGSEGV, SIGBUS,
    SIGILL, SIGFPE, SIGTRAP, SIGSYS) is relayed to the child (group), after `rewrite`."""
    lc, out = start_with_recorder(lastcall, tmp_path)
    lc.send(sig)
    wait_line(out, _signame(sig), timeout=5)
    assert support.is_running(lc.pid), "lastcall died of %s" % _signame(sig)
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 143, lc.log_tail()


def test_signal_forwarded_event(lastcall, tmp_path):
    """| `signal_forwarded` | `signal`, `sent` (after rewrite), `pid` |"""
    lc, out = start_with_recorder(lastcall, tmp_path, log_level="debug")
    lc.send(signal.SIGUSR2)
    wait_line(out, "SIGUSR2")
    ev = lc.wait_event("signal_forwarded", signal=lambda s: sig_eq(s, signal.SIGUSR2))
    assert sig_eq(ev["sent"], signal.SIGUSR2)
    assert "pid" in ev
    assert ev["pid"] == lc.child_pid, ev


def test_forward_modes_reach_grandchild_only_in_group_mode(lastcall, tmp_path, forward_mode):
    """`--forward group|child` | relay signals to the child's whole process group, or to the
    child alone"""
    grand = tmp_path / "grand"
    lc, out = start_with_recorder(lastcall, tmp_path, "--forward", forward_mode,
                                  rec_args=("--grandchild", grand))
    wait_line(grand, "ready")
    lc.send(signal.SIGUSR1)
    wait_line(out, "SIGUSR1")
    if forward_mode == "group":
        wait_line(grand, "SIGUSR1", timeout=5)
    else:
        # The child has it; give a misdirected group signal time to land before judging.
        lc.send(signal.SIGUSR2)
        wait_line(out, "SIGUSR2")
        time.sleep(0.3)
        assert "SIGUSR1" not in read_lines(grand) and "SIGUSR2" not in read_lines(grand)


def test_rewrite(lastcall, tmp_path):
    """`--rewrite FROM:TO` | relay signal FROM as TO (repeatable)"""
    lc, out = start_with_recorder(lastcall, tmp_path, "--rewrite", "HUP:USR1",
                                  "--rewrite", "SIGWINCH:SIGUSR2", log_level="debug")
    lc.send(signal.SIGHUP)
    wait_line(out, "SIGUSR1")
    lc.send(signal.SIGWINCH)
    wait_line(out, "SIGUSR2")
    lc.send(signal.SIGALRM)  # not rewritten
    wait_line(out, "SIGALRM")
    lines = read_lines(out)
    assert "SIGHUP" not in lines and "SIGWINCH" not in lines, lines
    ev = lc.wait_event("signal_forwarded", signal=lambda s: sig_eq(s, signal.SIGHUP))
    assert sig_eq(ev["sent"], signal.SIGUSR1), ev


def test_rewrite_from_config(lastcall, tmp_path):
    """`"signals": { "forward": "group", "rewrite": { "SIGHUP": "SIGUSR1" } }`"""
    lc, out = start_with_recorder(lastcall, tmp_path,
                                  config={"signals": {"rewrite": {"SIGHUP": "SIGUSR1"}}})
    lc.send(signal.SIGHUP)
    wait_line(out, "SIGUSR1")
    assert "SIGHUP" not in read_lines(out)


# Runs lastcall with sys.argv[1] blocked and already pending: the signal reaches lastcall
# before its first instruction, so long before the child exists.
PENDING_BEFORE_EXEC = [support.PY, "-c",
                       "import os,signal,sys; s=getattr(signal,sys.argv[1]); "
                       "signal.pthread_sigmask(signal.SIG_BLOCK,{s}); os.kill(os.getpid(),s); "
                       "os.execv(sys.argv[2],sys.argv[2:])"]


UNBLOCK_AND_SLEEP = [support.PY, "-c", "import signal,time; signal.pthread_sigmask(signal.SIG_SETMASK, set()); "
                     "time.sleep(60)"]


@pytest.mark.parametrize("sig", [signal.SIGUSR1, signal.SIGTERM], ids=_signame)
def test_early_signal_is_not_lost(lastcall, sig):
    """no signal that reaches lastcall is lost, one that arrives before the child exists takes
    effect as soon as it does."""
    # The child starts with the mask lastcall inherited, so it unblocks the signal itself, then
    # dies of either (default action): lastcall exits with 128 + signal, a relayed SIGUSR1, or
    # the SIGTERM of the shutdown that the SIGTERM triggered.
    lc = lastcall("--", *UNBLOCK_AND_SLEEP, prefix=PENDING_BEFORE_EXEC + [_signame(sig)])
    assert lc.wait_exit(10) == 128 + sig, lc.log_tail()
    ev = lc.wait_event("child_exited", timeout=0)
    assert sig_eq(ev.get("signal"), sig), ev
    if sig == signal.SIGTERM:
        lc.wait_event("shutdown_started", timeout=0, signal=lambda s: sig_eq(s, sig))
    else:
        assert not lc.events("shutdown_started"), lc.log_tail()


@pytest.mark.timeout(60)
def test_signal_storm_neither_crashes_nor_wedges(lastcall, tmp_path):
    """no signal that reaches lastcall is lost (a storm of 10,000 SIGUSR1 is relayed without
    harm, and a SIGTERM afterwards still starts the shutdown)."""
    lc, out = start_with_recorder(lastcall, tmp_path)
    for _ in range(10000):
        os.kill(lc.pid, signal.SIGUSR1)
    assert support.is_running(lc.pid), "lastcall died during the storm"
    wait_line(out, "SIGUSR1", timeout=10)
    lc.send(signal.SIGTERM)
    wait_line(out, "SIGTERM", timeout=10)
    assert lc.wait_exit(15) == 143, lc.log_tail()
    lc.wait_event("shutdown_complete", timeout=0)


def test_child_has_its_own_process_group(lastcall, tmp_path):
    """The child runs in its own process group, so a keyboard Ctrl+C reaches lastcall, which
    runs the sequence, rather than the child directly."""
    lc, out = start_with_recorder(lastcall, tmp_path)
    child = lc.child_pid
    lc_stat, child_stat = proc_stat(lc.pid), proc_stat(child)
    assert child_stat[1] == lc.pid, "child's parent is not lastcall"
    assert child_stat[2] != lc_stat[2], "child shares lastcall's process group %d" % lc_stat[2]
    # Ctrl+C: SIGINT to lastcall's (foreground) process group reaches lastcall only, which
    # runs the sequence and stops the child with the trigger signal.
    os.killpg(lc_stat[2], signal.SIGINT)
    lc.wait_event("shutdown_started")
    wait_line(out, "SIGINT")
    assert read_lines(out).count("SIGINT") == 1
    assert lc.wait_exit(10) == 128 + signal.SIGINT


def test_no_fd_leaks_into_child(lastcall, tmp_path):
    """(Spawning: own process group, default signal dispositions, close-on-exec.) The child
    inherits nothing of lastcall's but its stdio (0-2)."""
    out = tmp_path / "fds"
    lc = lastcall("--", *helper("list_fds", out))
    lines = wait_lines(out)
    fds = {int(l.split()[0]): l for l in lines if l.strip()}
    extra = {fd: l for fd, l in fds.items() if fd > 2}
    assert not extra, "descriptors leaked into the child: %s" % extra
    lc.send(signal.SIGTERM)
    lc.wait_exit(10)


def test_a_relayed_signal_takes_its_default_effect_in_the_child(lastcall):
    """Every catchable signal ... is relayed to the child (group), which starts with the
    ignored signals that lastcall inherited: from a parent that left SIGHUP at its default,
    a child that installs no handler dies of the relayed SIGHUP, and lastcall exits 128+1.
    (What the child inherits in each case is test_start.py's.)"""
    defaults = [support.PY, str(support.HELPERS / "with_signals.py"), "--"]
    lc = lastcall("--", "sleep", "60", prefix=defaults)
    child = lc.child_pid
    lc.send(signal.SIGHUP)
    assert lc.wait_exit(10) == 128 + signal.SIGHUP, lc.log_tail()
    exited = lc.wait_event("child_exited", timeout=0)
    assert exited["pid"] == child and sig_eq(exited.get("signal"), signal.SIGHUP), exited


# -- subreaper -----------------------------------------------------------------------------

N_ORPHANS = 2000


def run_orphans(lc_pid_of, lc, tmp_path, expected_parent):
    report, done = tmp_path / "report", tmp_path / "done"
    support.wait_file(done, timeout=60)
    lines = wait_lines(report, lambda ls: len(ls) >= N_ORPHANS, timeout=30,
                       what="%d orphans to report their new parent" % N_ORPHANS)
    parents = {int(x) for x in lines}
    assert parents == {expected_parent}, "orphans were adopted by %s, not %d" % (parents, expected_parent)
    host_pid = lc_pid_of()
    wait_for(lambda: not zombies_of(host_pid), timeout=15,
             what="lastcall to reap every orphan (zombies: %d)" % len(zombies_of(host_pid)))
    return host_pid


@pytest.mark.timeout(90)
def test_subreaper_reaps_orphans(lastcall, tmp_path):
    """On Linux, when lastcall is not PID 1 it makes itself a child subreaper, so orphans are
    still reaped."""
    report, done = tmp_path / "report", tmp_path / "done"
    lc = lastcall("--", *helper("orphans", "--count", N_ORPHANS, "--report", report, "--done", done))
    run_orphans(lambda: lc.pid, lc, tmp_path, expected_parent=lc.pid)
    assert support.is_running(lc.child_pid)
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 143, lc.log_tail()



@pytest.mark.timeout(90)
def test_pid1_reaps_orphans(lastcall, tmp_path, pidns):
    """It is used as a container ENTRYPOINT ... (as PID 1 of a pid namespace, the orphans of
    the namespace are adopted and reaped by lastcall)."""
    report, done = tmp_path / "report", tmp_path / "done"
    lc = lastcall("--", *helper("orphans", "--count", N_ORPHANS, "--report", report, "--done", done),
                  prefix=pidns)

    def host_pid():
        kids = support.children_of(lc.pid)
        return kids[0][0] if kids else None
    inner = wait_for(host_pid, 10, "lastcall inside the namespace")
    lc.wait_event("child_started")
    run_orphans(lambda: inner, lc, tmp_path, expected_parent=1)
    os.kill(inner, signal.SIGTERM)
    assert lc.wait_exit(10) == 143, lc.log_tail()
    lc.wait_event("shutdown_complete", timeout=0)


def test_sigchld_is_not_relayed(lastcall, tmp_path):
    """Every catchable signal except SIGCHLD and the synchronous faults ... is relayed"""
    lc, out = start_with_recorder(lastcall, tmp_path, rec_args=("--record-chld",))
    lc.send(signal.SIGCHLD)
    lc.send(signal.SIGUSR1)
    wait_line(out, "SIGUSR1")
    time.sleep(0.2)  # Not synchronisation: a bounded look for a SIGCHLD that must not come.
    assert "SIGCHLD" not in read_lines(out)
    assert support.is_running(lc.pid)


def test_signals_are_relayed_during_shutdown(lastcall, tmp_path):
    """Every catchable signal except SIGCHLD and the synchronous faults ... is relayed to the
    child (group), after `rewrite`. (Also while the pre-stop hooks run.)"""
    marker = tmp_path / "hook-started"
    cfg = {"hooks": {"pre_stop": [{"name": "wait", "command": "touch %s; sleep 1" % marker}]}}
    lc, out = start_with_recorder(lastcall, tmp_path, config=cfg)
    lc.send(signal.SIGTERM)
    support.wait_file(marker)
    lc.send(signal.SIGUSR1)
    wait_line(out, "SIGUSR1", timeout=5)
    assert "SIGTERM" not in read_lines(out), "the stop signal came before the pre-stop hook ended"
    assert lc.wait_exit(10) == 143
