# SPDX-License-Identifier: MIT
"""CONTRACT §2, Terminal: lastcall on a real pseudo-terminal that is its controlling terminal,
its stdin and its stdout. The hand-over of the terminal's foreground to a child that uses the
terminal (SIGTTIN, SIGTTOU), the keyboard's signals before and after it, job control under an
interactive shell, lastcall as PID 1 with a terminal, and the cases where nothing of this
happens. Each run ends with the terminal as lastcall found it: the foreground group back with
lastcall's group and the termios untouched."""
import json
import re
import signal
import time

import pytest

import support
from support import hook, helper, proc_stat, read_lines, sig_eq, ts_seconds, wait_for, wait_line

CTRL_C, CTRL_Z, CTRL_D = b"\x03", b"\x1a", b"\x04"
READ_LINE = ["sh", "-c", "read x; echo got $x"]


def state(pid):
    st = proc_stat(pid)
    return st[0] if st else None


def describe(lc, child):
    """What a failed wait should say: the states of lastcall and of the child, and who has
    the terminal."""
    return "lastcall %s in state %s, child %s in state %s, terminal foreground %s" % (
        lc.pid, state(lc.pid), child, state(child), lc.terminal.foreground())


def wait_handed(lc, timeout=5.0):
    """Waits for terminal_handed and checks its pgid is the child's process group."""
    child = lc.child_pid
    try:
        handed = lc.wait_event("terminal_handed", timeout=timeout)
    except AssertionError as e:
        raise AssertionError("%s\n(%s)" % (e, describe(lc, child))) from None
    assert handed["pgid"] == child, "terminal_handed %s, the child's group is %d" % (handed, child)
    return handed


def assert_terminal_restored(lc):
    """When lastcall exits, the terminal is left as the calling shell expects: the foreground
    group back with lastcall's own group, the termios as lastcall found them."""
    assert lc.terminal.foreground() == lc.pid, \
        "after lastcall exited the terminal's foreground group is %d, not lastcall's %d" \
        % (lc.terminal.foreground(), lc.pid)
    assert lc.terminal.termios() == lc.terminal.initial_termios, "the termios changed"


# -- the hand-over ------------------------------------------------------------------------------

@pytest.mark.timeout(30)
def test_child_reading_a_line_gets_the_terminal(terminal_lastcall):
    """A process of the child's group that is stopped for using the terminal from the
    background (SIGTTIN, SIGTTOU) makes lastcall hand the terminal's foreground to the child's
    group and continue that group (SIGCONT), logging `terminal_handed` (`pgid`)."""
    lc = terminal_lastcall("--", *READ_LINE)
    child = lc.child_pid
    wait_handed(lc)
    wait_for(lambda: lc.terminal.foreground() == child, 2, "the child's group in the foreground")
    wait_for(lambda: state(child) in ("S", "R"), 5, "the child to run again (%s)" % describe(lc, child))
    lc.terminal.type("hello\n")
    lc.terminal.wait_for("got hello")
    assert lc.wait_exit(10) == 0, lc.log_tail()
    assert len(lc.events("terminal_handed")) == 1
    assert lc.events()[-1]["event"] == "shutdown_complete", lc.log_tail()
    assert not lc.events("shutdown_started"), "the child's own exit is not a trigger"
    assert_terminal_restored(lc)


@pytest.mark.timeout(30)
def test_child_setting_raw_mode_gets_the_terminal(terminal_lastcall):
    """A process of the child's group that is stopped for using the terminal from the
    background (SIGTTIN, SIGTTOU) makes lastcall hand the terminal's foreground to the child's
    group ... Interactive programs (shells, REPLs, editors, prompts) so work as they do
    without lastcall. (tcsetattr from the background is SIGTTOU; in raw mode ^C is a byte the
    child reads, not a signal for anyone.)"""
    lc = terminal_lastcall("--", *helper("tty_reader", "--raw"))
    wait_handed(lc)
    lc.terminal.wait_for("raw")
    lc.terminal.type(CTRL_C)
    lc.terminal.wait_for("got 3")
    assert lc.wait_exit(10) == 0, lc.log_tail()
    assert not lc.events("shutdown_started"), "^C in raw mode reached lastcall as a signal"
    assert_terminal_restored(lc)


@pytest.mark.timeout(30)
def test_ctrl_c_after_the_hand_over_reaches_the_child_at_once(terminal_lastcall, tmp_path):
    """From then on the keyboard's signals reach the child's group directly, and when the child
    exits lastcall goes on as when the child exits on its own. (Child exits on its own: skip
    draining and pre-stop; ... then step 5. `LASTCALL_SIGNAL` is empty.)"""
    rec, pre, post_env = tmp_path / "rec", tmp_path / "pre", tmp_path / "post.json"
    cfg = {"drain": "5s", "hooks": {"pre_stop": [hook("pre", ["touch", str(pre)])],
                                    "post_stop": [hook("post", helper("env_dump", post_env))]}}
    lc = terminal_lastcall("--", *helper("tty_reader", "--out", rec), config=cfg)
    wait_handed(lc)
    lc.terminal.wait_for("ready")
    typed = time.monotonic()
    lc.terminal.type(CTRL_C)
    wait_line(rec, "SIGINT", timeout=2)
    assert lc.wait_exit(10) == 128 + signal.SIGINT, lc.log_tail()
    took = time.monotonic() - typed
    assert took < 3, "lastcall exited %.1fs after ^C: the 5s drain was waited" % took
    got = [s for s in read_lines(rec) if s != "SIGCONT"]  # SIGCONT: the hand-over's
    assert got == ["SIGINT"], "the child got %s" % read_lines(rec)
    assert not lc.events("shutdown_started"), "^C reached lastcall after the hand-over"
    assert not pre.exists(), "a pre-stop hook ran although the child exited on its own"
    assert lc.wait_event("hook_finished", hook="post", timeout=0)["status"] == "ok"
    assert json.loads(post_env.read_text())["env"]["LASTCALL_SIGNAL"] == ""
    done = lc.events()[-1]
    assert done["event"] == "shutdown_complete" and done["exit_code"] == 130, done
    assert_terminal_restored(lc)


@pytest.mark.timeout(30)
def test_no_hand_over_to_a_child_that_never_uses_the_terminal(terminal_lastcall, tmp_path):
    """Until then Ctrl+C reaches lastcall (above): The child runs in its own process group, so
    a keyboard Ctrl+C reaches lastcall, which runs the sequence, rather than the child
    directly."""
    out, pre, post = tmp_path / "rec", tmp_path / "pre", tmp_path / "post"
    cfg = {"drain": "300ms", "hooks": {"pre_stop": [hook("pre", ["touch", str(pre)])],
                                       "post_stop": [hook("post", ["touch", str(post)])]}}
    lc = terminal_lastcall("--", *support.recorder(out), config=cfg)
    wait_line(out, "ready")
    child = lc.child_pid
    assert lc.terminal.foreground() == lc.pid, describe(lc, child)
    lc.terminal.type(CTRL_C)
    started = lc.wait_event("shutdown_started", signal=lambda s: sig_eq(s, signal.SIGINT))
    assert lc.wait_exit(10) == 128 + signal.SIGINT, lc.log_tail()
    pre_started = lc.wait_event("hook_started", hook="pre", timeout=0)
    assert ts_seconds(pre_started) - ts_seconds(started) >= 0.29, "the drain was not waited"
    assert pre.exists() and post.exists()
    got = [s for s in read_lines(out)[1:] if s != "SIGCONT"]  # SIGCONT may follow a stop signal
    assert got == ["SIGINT"], "the child got %s, not one SIGINT from lastcall" % read_lines(out)
    assert not lc.events("terminal_handed")
    assert_terminal_restored(lc)


@pytest.mark.timeout(40)
@pytest.mark.parametrize("stdin", ["pipe", "background"])
def test_nothing_happens_without_a_terminal_in_the_foreground(terminal_lastcall, tmp_path, stdin):
    """Otherwise (stdin not a terminal, or lastcall in the background) nothing of this
    happens."""
    if stdin == "pipe":
        # stdout is the terminal, which is also the controlling one; the child reads the pipe.
        lc = terminal_lastcall("--", "sh", "-c", "read x; echo got $x; exec sleep 60", stdin="pipe")
        child = lc.child_pid
        lc.write_stdin(b"piped\n")
        lc.terminal.wait_for("got piped")
        assert lc.terminal.foreground() == lc.pid, describe(lc, child)
        assert proc_stat(child)[2] == child, "the child left its own process group"
        lc.terminal.type(CTRL_C)  # lastcall's group is the foreground one: the sequence runs
        lc.wait_event("shutdown_started", signal=lambda s: sig_eq(s, signal.SIGINT))
        expected = 128 + signal.SIGINT
    else:
        # A background job whose child reads the terminal: stopped by SIGTTIN, and it stays so.
        lc = terminal_lastcall("--grace", "5s", "--", *READ_LINE, background=True)
        child = lc.child_pid
        wait_for(lambda: state(child) == "T", 5, "the child to be stopped by SIGTTIN")
        foreground = lc.terminal.foreground()
        assert foreground == lc.session, describe(lc, child)
        time.sleep(0.3)  # Not synchronisation: a bounded look for a hand-over that must not come.
        assert state(child) == "T" and lc.terminal.foreground() == foreground, describe(lc, child)
        assert proc_stat(child)[2] == child, "the child left its own process group"
        lc.send(signal.SIGTERM)
        expected = 128 + signal.SIGTERM
    assert lc.wait_exit(10) == expected, lc.log_tail()
    assert not lc.events("terminal_handed"), lc.log_tail()
    assert not lc.events("child_killed"), "the stop signal did not end the child"
    assert lc.terminal.termios() == lc.terminal.initial_termios
    if stdin == "pipe":
        assert_terminal_restored(lc)
    else:
        assert lc.terminal.foreground() == lc.session


# -- job control under an interactive shell ------------------------------------------------------

def wait_states(lc, child, want, what):
    wait_for(lambda: state(lc.pid) in want and state(child) in want, 5,
             "%s (%s)" % (what, describe(lc, child)))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("handed", [True, False], ids=["after-hand-over", "before-hand-over"])
def test_ctrl_z_then_fg_under_an_interactive_shell(terminal_lastcall, handed):
    """Job control: SIGTSTP to lastcall (Ctrl+Z) is relayed to the child's group as usual, then
    lastcall stops itself (SIGSTOP); a child stopped by the keyboard after the hand-over stops
    lastcall too, so the shell gets its terminal back. SIGCONT (`fg`, `bg`) continues
    lastcall, which continues the child's group and, when it is in the foreground again
    (`fg`), hands the foreground back to the child's group if that had it."""
    child_cmd = ["sh", "-c", "while read x; do echo got $x; done"] if handed else ["sleep", "600"]
    lc = terminal_lastcall("--", *child_cmd, mode="shell")
    term = lc.terminal
    shell = lc.session
    term.wait_for("test-shell$ ")
    lc.start_in_shell()
    child = lc.child_pid
    assert proc_stat(lc.pid)[2] == lc.pid, "bash did not start lastcall as a job of its own"
    if handed:
        wait_handed(lc)
        term.type("one\n")
        term.wait_for("got one")
    else:
        wait_for(lambda: term.foreground() == lc.pid, 5, "bash to give lastcall the terminal")

    at = term.mark()
    term.type(CTRL_Z)
    try:
        wait_states(lc, child, ("T",), "lastcall and the child to be stopped")
    except support.Timeout as e:
        raise AssertionError("%s; the terminal shows:\n%s\nlog:\n%s" % (e, term.output[-2000:], lc.log_tail())) from None
    term.wait_for("test-shell$ ", since=at)
    assert term.foreground() == shell, "the shell did not get its terminal back"

    at = term.mark()
    term.type("fg\n")
    try:
        wait_states(lc, child, ("S", "R"), "lastcall and the child to run again")
    except support.Timeout as e:
        raise AssertionError("%s; the terminal shows:\n%s\nlog:\n%s" % (e, term.output[-2000:], lc.log_tail())) from None
    if handed:
        wait_for(lambda: term.foreground() == child, 5, "the foreground back with the child's group")
        term.type("two\n")
        term.wait_for("got two", since=at)
        term.type(CTRL_D)  # end of file: the child's loop ends and it exits 0
        done = lc.wait_event("shutdown_complete")
        assert done["exit_code"] == 0, done
        assert not lc.events("shutdown_started")
    else:
        assert term.foreground() == lc.pid, describe(lc, child)
        term.type(CTRL_C)
        lc.wait_event("shutdown_started", signal=lambda s: sig_eq(s, signal.SIGINT))
        done = lc.wait_event("shutdown_complete")
        assert done["exit_code"] == 128 + signal.SIGINT, done
    wait_for(lambda: not support.exists(lc.pid), 5, "bash to reap lastcall")
    at = term.mark()
    term.type("echo shell-is-back\n")
    # The shell's answer on a line of its own, or after its prompt when the typed line was
    # echoed before the shell printed the prompt; never the echo of "echo shell-is-back".
    term.wait_for(re.compile(r"(\n|\$ )shell-is-back"), since=at)
    assert term.foreground() == shell


# -- as PID 1 -------------------------------------------------------------------------------------

@pytest.mark.timeout(30)
def test_hand_over_as_pid1(terminal_lastcall, pidns):
    """Also as PID 1 with a controlling terminal (`docker run -it`): a process of the child's
    group that is stopped for using the terminal from the background ... makes lastcall hand
    the terminal's foreground to the child's group"""
    lc = terminal_lastcall("--", *READ_LINE, mode="pid1", prefix=pidns)
    assert support.wait_for(lambda: is_pid1_of_a_namespace(lc), 5, "lastcall to be PID 1")
    wait_handed_pid1(lc)
    lc.terminal.type("hello\n")
    lc.terminal.wait_for("got hello")
    assert lc.wait_exit(10) == 0, lc.log_tail()
    assert lc.events()[-1]["event"] == "shutdown_complete", lc.log_tail()
    assert lc.terminal.termios() == lc.terminal.initial_termios


def is_pid1_of_a_namespace(lc):
    try:
        with open("/proc/%d/status" % lc.pid) as f:
            return any(l.startswith("NSpid:") and l.split()[-1] == "1" for l in f)
    except FileNotFoundError:
        return False


def wait_handed_pid1(lc):
    child = int(lc.wait_event("child_started")["pid"])
    try:
        handed = lc.wait_event("terminal_handed", timeout=5)
    except AssertionError as e:
        hp = support.host_pid(child, lc.pid)
        raise AssertionError("%s\n(lastcall state %s, child state %s)"
                             % (e, state(lc.pid), hp and state(hp))) from None
    assert handed["pgid"] == child, handed


# -- the live status line -------------------------------------------------------------------------

@pytest.mark.timeout(30)
def test_status_line_is_not_drawn_over_a_child_that_owns_the_terminal(terminal_lastcall, tmp_path):
    """Interactive programs (shells, REPLs, editors, prompts) so work as they do without
    lastcall (and lastcall's live status line stops drawing at the hand-over: it would draw
    over the child's screen)."""
    cfg = {"drain": "500ms", "hooks": {"pre_stop": [hook("pre", ["sleep", "0.5"])]}}
    lc = terminal_lastcall("--", *helper("tty_reader"), config=cfg, log="tty", log_format="text",
                           env={"NO_COLOR": "1"})
    lc.terminal.wait_for("ready")
    lc.terminal.type("hello\n")
    lc.terminal.wait_for("got hello")  # the child has the terminal
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 128 + signal.SIGTERM, lc.terminal.output[-3000:]
    shown = lc.terminal.output
    assert re.search(r"hook\W[^\n]*\bpre\b", shown), "no log of the pre-stop hook: %s" % shown[-3000:]
    assert "lastcall >>" not in shown, "a status line was drawn: %s" % shown[-3000:]
