# SPDX-License-Identifier: MIT
"""CONTRACT §5: lastcall's own log — stderr only, JSON or text, the events and their fields."""
import json
import os
import pty
import re
import select
import signal
import subprocess
import time

import pytest

import support
from support import TS_RE, clean_env, helper, read_lines, recorder, sig_eq, ts_seconds, wait_line, wait_lines

LEVELS = {"debug", "info", "warn", "error"}


def full_run(lastcall, tmp_path, log_format="json", **kw):
    """A run that logs most events: hooks with output, a relayed signal, a trigger."""
    out = tmp_path / "rec"
    cfg = {"hooks": {"pre_stop": [{"name": "pre", "command": "echo pre-said"}],
                     "post_stop": [{"name": "post", "command": ["sh", "-c", "echo post-err >&2"]}]}}
    lc = lastcall("--", *recorder(out), config=cfg, log_format=log_format, log_level="debug", **kw)
    wait_line(out, "ready")
    lc.send(signal.SIGUSR1)
    wait_line(out, "SIGUSR1")
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 143, lc.log_tail()
    return lc


def test_json_lines_have_ts_level_event_msg(lastcall, tmp_path):
    """In `json` format each line is one object with at least `ts` (RFC 3339, UTC,
    milliseconds), `level`, `event` and `msg`."""
    lc = full_run(lastcall, tmp_path)
    assert not lc.bad_lines, lc.bad_lines[:3]
    events = lc.events()
    assert len(events) >= 8
    last = None
    for e in events:
        assert TS_RE.match(e.get("ts", "")), e
        assert e.get("level") in LEVELS, e
        assert isinstance(e.get("event"), str) and e["event"], e
        assert isinstance(e.get("msg"), str) and e["msg"], e
        t = ts_seconds(e)
        assert abs(t - time.time()) < 60, "ts is not UTC now: %s" % e["ts"]
        assert last is None or t >= last - 0.001, "timestamps go backwards"
        last = t


def test_events_have_their_fields(lastcall, tmp_path):
    """| event | fields | (every event of the table carries its fields)"""
    lc = full_run(lastcall, tmp_path)
    want = {
        "child_started": ["pid", "command"],
        "signal_forwarded": ["signal", "sent", "pid"],
        "shutdown_started": ["signal", "grace_ms"],
        "hook_started": ["phase", "hook", "pid"],
        "hook_output": ["hook", "stream", "line"],
        "hook_finished": ["phase", "hook", "status", "exit_code", "duration_ms"],
        "child_signaled": ["signal", "pid"],
        "child_exited": ["pid", "exit_code", "signal"],
        "shutdown_complete": ["duration_ms", "hooks_ok", "hooks_failed", "hooks_timeout",
                              "hooks_skipped", "exit_code"],
    }
    for name, fields in want.items():
        evs = lc.events(name)
        assert evs, "no %s event; log:\n%s" % (name, lc.log_tail())
        for e in evs:
            missing = [f for f in fields if f not in e]
            assert not missing, "%s lacks %s: %s" % (name, missing, e)
    child = lc.child_pid
    started = lc.wait_event("child_started", timeout=0)
    assert "signal_recorder.py" in json.dumps(started["command"])
    assert lc.wait_event("child_exited", timeout=0)["pid"] == child
    assert sig_eq(lc.wait_event("child_exited", timeout=0)["signal"], signal.SIGTERM)
    outs = {(e["hook"], e["stream"], e["line"]) for e in lc.events("hook_output")}
    assert ("pre", "stdout", "pre-said") in outs and ("post", "stderr", "post-err") in outs, outs
    fwd = lc.wait_event("signal_forwarded", timeout=0)
    assert sig_eq(fwd["signal"], signal.SIGUSR1) and sig_eq(fwd["sent"], signal.SIGUSR1)
    assert lc.events()[-1]["event"] == "shutdown_complete"


def test_skip_kill_forced_events_have_fields(lastcall, tmp_path):
    """| `hook_skipped` | `phase`, `hook`, `reason` | ... | `child_killed` | `pid`, `after_ms`
    | ... | `forced_exit` | `signal` |"""
    out = tmp_path / "rec"
    cfg = {"grace": "1s", "pre_stop_timeout": "300ms", "hooks": {"pre_stop": [
        {"name": "slow", "command": ["sleep", "5"], "priority": 1}, {"name": "skipped", "command": "true"}]}}
    lc = lastcall("--", *recorder(out, "--ignore-term"), config=cfg)
    wait_line(out, "ready")
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 137
    sk = lc.wait_event("hook_skipped", timeout=0)
    assert {"phase", "hook", "reason"} <= set(sk), sk
    ki = lc.wait_event("child_killed", timeout=0)
    assert {"pid", "after_ms"} <= set(ki), ki
    out2 = tmp_path / "rec2"
    lc = lastcall("--grace", "20s", "--", *recorder(out2, "--ignore-term"))
    wait_line(out2, "ready")
    lc.send(signal.SIGTERM)
    wait_line(out2, "SIGTERM")
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(5) == 143
    assert sig_eq(lc.wait_event("forced_exit", timeout=0)["signal"], signal.SIGTERM)


def test_config_error_event(run_lastcall):
    """| `config_error` | `error` |"""
    r = run_lastcall("--", "true", config={"hooks": {"pre_stop": [{"name": "a", "command": "x", "timout": "1"}]}})
    assert r.returncode == 2
    errs = [e for e in r.events if e.get("event") == "config_error"]
    assert errs, "no config_error event in: %s" % r.stderr
    assert "/hooks/pre_stop/0/timout" in errs[0]["error"]


def test_log_level_filters(lastcall, tmp_path):
    """| `--log-level LEVEL` | `LASTCALL_LOG_LEVEL` | `debug`, `info`, `warn`, `error` | `info` |"""
    lc = lastcall("--", "true")
    assert lc.wait_exit(10) == 0
    assert not [e for e in lc.events() if e["level"] == "debug"]
    assert lc.events("child_started")
    lc = lastcall("--", "true", log_level="warn")
    assert lc.wait_exit(10) == 0
    assert not [e for e in lc.events() if e["level"] in ("debug", "info")], lc.events()


def test_text_format(lastcall, tmp_path):
    """The `text` format carries the same information for a person."""
    pidfile = tmp_path / "pid"
    lc = lastcall("--", "sh", "-c", "echo $$ > %s; exit 3" % pidfile, log_format="text")
    assert lc.wait_exit(10) == 3
    text = lc.stderr
    assert text.strip(), "text format wrote nothing"
    assert not lc.events(), "text format wrote JSON objects"
    assert read_lines(pidfile)[0] in text, "the child's pid is not in the text log"
    assert "3" in text
    assert re.search(r"exited with 3\b|exit_code=3\b", text), text


def test_log_formats_log_the_same_events(lastcall, tmp_path, log_format):
    """The `text` format carries the same information for a person. (Both formats describe
    the run: the hook names and their output appear.)"""
    lc = full_run(lastcall, tmp_path, log_format=log_format)
    text = lc.stderr
    for word in ["pre-said", "post-err", "pre", "post"]:
        assert word in text, "%r missing from the %s log" % (word, log_format)
    for name in ["pre", "post"]:
        # A hook name on its own, not as part of "pre-said", "pre_stop" or "post_stop".
        assert re.search(r"(?<![\w-])%s(?![\w-])" % name, text), \
            "hook name %r missing from the %s log" % (name, log_format)
    if log_format == "text":
        assert not lc.events()


def test_default_format_is_json_when_not_a_tty(lastcall):
    """| `--log-format text\\|json` | `LASTCALL_LOG_FORMAT` | ... | `text` on a TTY, else `json` |"""
    lc = lastcall("--", "true", log_format=None)
    assert lc.wait_exit(10) == 0
    assert lc.events("child_started") and not lc.bad_lines


def test_default_format_is_text_on_a_tty(lastcall_bin, tmp_path):
    """| `--log-format text\\|json` | `LASTCALL_LOG_FORMAT` | ... | `text` on a TTY, else `json` |"""
    master, slave = pty.openpty()
    proc = subprocess.Popen([lastcall_bin, "--", "true"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=slave, env=clean_env(),
                            start_new_session=True, cwd=str(tmp_path))
    os.close(slave)
    data = b""
    try:
        # Read while it runs: once the last slave descriptor closes, the master reads EIO.
        while select.select([master], [], [], 10)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
    lines = [l for l in data.decode(errors="replace").splitlines() if l.strip()]
    assert lines, "nothing logged on the tty"
    for l in lines:
        try:
            obj = json.loads(l)
        except ValueError:
            continue
        assert not isinstance(obj, dict), "JSON log on a TTY: %s" % l


def test_stdout_is_the_childs_untouched(lastcall, tmp_path):
    """lastcall writes its own log to stderr only; the child's stdio is inherited untouched."""
    payload = b"line one\n\x00\x01\xff binary \r\n no newline at end"
    data = tmp_path / "payload"
    data.write_bytes(payload)
    lc = lastcall("--", "cat", str(data), capture_stdout=True, log_level="debug")
    assert lc.wait_exit(10) == 0
    assert lc.stdout == payload


def test_stdin_is_inherited(lastcall, tmp_path):
    """the child's stdio is inherited untouched."""
    data = tmp_path / "in"
    data.write_bytes(b"from stdin\n")
    with open(data, "rb") as f:
        lc = lastcall("--", "cat", capture_stdout=True, stdin=f)
        assert lc.wait_exit(10) == 0
    assert lc.stdout == b"from stdin\n"


def test_child_stdio_is_same_file(lastcall, tmp_path):
    """the child's stdio is inherited untouched. (The child's 0, 1, 2 are lastcall's own.)"""
    out = tmp_path / "fds"
    lc = lastcall("--", *helper("list_fds", out))
    lines = wait_lines(out)
    child = {l.split()[0]: l.split(" ", 1)[1] for l in lines}
    mine = {str(fd): os.readlink("/proc/%d/fd/%d" % (lc.pid, fd)) for fd in range(3)}
    for fd in "012":
        assert child.get(fd) == mine[fd], "child fd %s is %s, lastcall's is %s" % (fd, child.get(fd), mine[fd])
    lc.send(signal.SIGTERM)
    lc.wait_exit(10)


def test_hook_output_in_text_log_only_on_stderr(lastcall, tmp_path, log_format):
    """lastcall writes its own log to stderr only"""
    cfg = {"hooks": {"post_stop": [{"name": "h", "command": "echo hook-line"}]}}
    lc = lastcall("--", "true", config=cfg, capture_stdout=True, log_format=log_format)
    assert lc.wait_exit(10) == 0
    assert lc.stdout == b"", "lastcall wrote on stdout: %r" % lc.stdout[:200]
    assert "hook-line" in lc.stderr


INVALID_UTF8 = {
    "lone-FF": b"\xff",
    "overlong-2-byte": b"\xc0\xaf",
    "overlong-3-byte": b"\xe0\x80\x80",
    "overlong-4-byte": b"\xf0\x80\x80\x80",
    "above-U+10FFFF": b"\xf4\x90\x80\x80",
    "surrogate": b"\xed\xa0\x80",
    "truncated": b"\xe2\x82",
}


@pytest.mark.parametrize("seq", INVALID_UTF8.values(), ids=INVALID_UTF8.keys())
def test_invalid_utf8_hook_output_stays_valid_json(lastcall, seq):
    """In `json` format each line is one object (a hook's bytes that are not UTF-8 still give
    a line that a strict JSON parser accepts)."""
    octal = "".join("\\%03o" % c for c in seq)
    cfg = {"hooks": {"post_stop": [{"name": "b", "command": ["printf", "a" + octal + "z\\n"]}]}}
    lc = lastcall("--", "true", config=cfg)
    assert lc.wait_exit(10) == 0
    assert not lc.bad_lines, "not JSON (strict UTF-8): %r" % lc.bad_lines
    line = lc.wait_event("hook_output", hook="b", timeout=0)["line"]
    assert line.startswith("a") and line.endswith("z"), line


# -- the command, daemonizing, the summary --------------------------------------------------

def words_of(command):
    """The words /bin/sh reads from `command` (set -- COMMAND, then each word NUL-terminated)."""
    r = subprocess.run(["sh", "-c", "set -- %s\nprintf '%%s\\0' \"$@\"" % command],
                       capture_output=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode().split("\0")[:-1]


def test_the_logged_command_is_shell_quoted(lastcall):
    """| `child_started` | `pid`, `command` | (the command is shell-quoted: empty words and
    spaces survive, and it reads back through `sh -c` as the same words)"""
    argv = ["printf", "%s\\n", "", "a b"]
    lc = lastcall("--", *argv, capture_stdout=True)
    assert lc.wait_exit(10) == 0
    command = lc.wait_event("child_started", timeout=0)["command"]
    assert command == "printf '%s\\n' '' 'a b'", command
    assert words_of(command) == argv
    assert lc.stdout == b"\na b\n"


def test_any_word_survives_the_quoting(lastcall):
    """| `child_started` | `pid`, `command` | (quotes, `$`, backquotes, backslashes, globs,
    newlines and non-ASCII words read back through `sh -c` unchanged)"""
    argv = ["true", "it's", "$HOME", "`id`", 'a"b', "x\\y", "*", "~", "#c", "new\nline", "tab\there",
            "ü", "", "-n", "a;b|c&d", "$(id)", "!x"]
    lc = lastcall("--", *argv)
    assert lc.wait_exit(10) == 0
    assert words_of(lc.wait_event("child_started", timeout=0)["command"]) == argv


def test_a_child_that_daemonizes_is_diagnosed(lastcall, tmp_path):
    """A child that exits within a second leaving processes behind gets a warning that names
    daemonizing."""
    pidfile = tmp_path / "left"
    lc = lastcall("--grace", "5s", "--", "sh", "-c", "sleep 30 & echo $! > %s; exit 0" % pidfile)
    assert lc.wait_exit(10) == 0
    warning = lc.wait_event("child_daemonized", timeout=0)
    assert warning["level"] == "warn" and "daemoniz" in warning["msg"], warning
    assert not support.is_running(int(read_lines(pidfile)[0]))


@pytest.mark.parametrize("case", ["lives-longer", "leaves-nothing", "stopped-by-trigger"])
def test_no_daemonize_warning_otherwise(lastcall, tmp_path, case):
    """A child that exits within a second leaving processes behind gets a warning that names
    daemonizing (one that lives longer, one that leaves nothing and one stopped by a trigger
    get none)."""
    if case == "lives-longer":
        lc = lastcall("--", "sh", "-c", "sleep 30 & sleep 1.5; exit 0")
        assert lc.wait_exit(10) == 0
        lc.wait_event("leftovers_signaled", timeout=0)  # it did leave a process behind
    elif case == "leaves-nothing":
        lc = lastcall("--", "sh", "-c", "exit 0")
        assert lc.wait_exit(10) == 0
    else:
        # A shell, which starts in milliseconds (a Python recorder could take most of the
        # second on a loaded machine): its background grandchild ignores SIGTERM and says
        # "ready" once it does.
        out = tmp_path / "ready"
        lc = lastcall("--grace", "1s", "--", "sh", "-c",
                      "(trap '' TERM; echo ready > %s; exec sleep 30) & wait" % out)
        wait_line(out, "ready")
        lc.send(signal.SIGTERM)
        assert lc.wait_exit(10) == 128 + signal.SIGTERM
        # Within a second of its start, and the grandchild was left: only the trigger differs.
        lived = ts_seconds(lc.wait_event("child_exited", timeout=0)) - ts_seconds(lc.wait_event("child_started", timeout=0))
        assert lived < 0.9, "the child lived %.2fs; the case needs it under a second" % lived
        # It got the stop signal with the child's group, so step 4 only SIGKILLs it at the grace.
        lc.wait_event("leftovers_killed", timeout=0, count=1)
    assert not lc.events("child_daemonized"), lc.log_tail()


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_the_summary_under_exit_by_signal_says_lastcall_dies_of_it(lastcall, tmp_path, fmt):
    """| the child was killed by signal N | 128 + N ...; with `--exit-by-signal`, dies of N |
    (the summary says so, not "exiting with 143")"""
    out = tmp_path / "rec"
    lc = lastcall("--exit-by-signal", "--", *recorder(out), log_format=fmt)
    wait_line(out, "ready")
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == -signal.SIGTERM
    text = lc.stderr
    if fmt == "json":
        text = lc.wait_event("shutdown_complete", timeout=0)["msg"]
    assert "exiting with" not in text and "SIGTERM" in text, text
    assert re.search(r"\bd(ies|ying) of SIGTERM", text), text
