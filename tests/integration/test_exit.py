# SPDX-License-Identifier: MIT
"""CONTRACT §6: exit status."""
import os
import signal

import pytest

from support import recorder, sig_eq, wait_line


def test_child_exit_code_is_passed_through(run_lastcall):
    """| the child exited with N | N (0 when N is a success code) |"""
    r = run_lastcall("--", "sh", "-c", "exit 3")
    assert r.returncode == 3, r.stderr


def test_child_exit_zero(run_lastcall):
    """| the child exited with N | N (0 when N is a success code) |"""
    r = run_lastcall("--", "true")
    assert r.returncode == 0, r.stderr


def test_success_exit_code_maps_to_zero(run_lastcall):
    """| the child exited with N | N (0 when N is a success code) |"""
    r = run_lastcall("--success-exit", "3", "--", "sh", "-c", "exit 3")
    assert r.returncode == 0, r.stderr


def test_success_exit_is_repeatable(run_lastcall):
    """`--success-exit CODE` | treat this exit code of the child as 0 (repeatable; ...)"""
    r = run_lastcall("--success-exit", "3", "--success-exit", "4", "--", "sh", "-c", "exit 4")
    assert r.returncode == 0, r.stderr
    r = run_lastcall("--success-exit", "3", "--success-exit", "4", "--", "sh", "-c", "exit 5")
    assert r.returncode == 5, r.stderr


def test_child_killed_by_sigkill_gives_137(run_lastcall):
    """| the child was killed by signal N | 128 + N (0 when 128 + N is a success code) |"""
    r = run_lastcall("--", "sh", "-c", "kill -KILL $$")
    assert r.returncode == 128 + signal.SIGKILL, r.stderr


def test_child_killed_by_signal_reports_signal_in_child_exited(run_lastcall):
    """| `child_exited` | `pid`, `exit_code`, and `signal` when killed by one |"""
    r = run_lastcall("--", "sh", "-c", "kill -KILL $$")
    exited = [e for e in r.events if e.get("event") == "child_exited"]
    assert exited, r.stderr
    assert exited[0]["exit_code"] == 137
    assert "signal" in exited[0]
    assert sig_eq(exited[0]["signal"], signal.SIGKILL), exited[0]


@pytest.mark.parametrize("success", [False, True], ids=["plain", "success-exit-143"])
def test_termed_child(lastcall, tmp_path, success):
    """| the child was killed by signal N | 128 + N (0 when 128 + N is a success code) |
    (`--success-exit 143` makes a child killed by SIGTERM count as a success.)"""
    out = tmp_path / "rec"
    args = ["--success-exit", "143"] if success else []
    lc = lastcall(*args, "--", *recorder(out))
    wait_line(out, "ready")
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == (0 if success else 143), lc.log_tail()
    assert "SIGTERM" in open(out).read().split()


def test_command_not_found_gives_127(run_lastcall, tmp_path):
    """| COMMAND not found | 127 |"""
    r = run_lastcall("--", str(tmp_path / "no-such-program"))
    assert r.returncode == 127, r.stderr


def test_command_not_found_in_path_gives_127(run_lastcall):
    """| COMMAND not found | 127 |"""
    r = run_lastcall("--", "lastcall-no-such-program-on-path")
    assert r.returncode == 127, r.stderr


def test_command_not_executable_gives_126(run_lastcall, tmp_path):
    """| COMMAND found but not executable | 126 |"""
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    os.chmod(script, 0o644)
    r = run_lastcall("--", str(script))
    assert r.returncode == 126, r.stderr


def test_usage_error_gives_2(run_lastcall, tmp_path):
    """| usage or config error | 2, and the child was never started |"""
    marker = tmp_path / "marker"
    r = run_lastcall("--grace", "soon", "--", "touch", str(marker))
    assert r.returncode == 2, r.stderr
    assert not marker.exists()


def test_config_error_gives_2(run_lastcall, tmp_path):
    """| usage or config error | 2, and the child was never started |"""
    marker = tmp_path / "marker"
    r = run_lastcall("--", "touch", str(marker), config={"grace": True})
    assert r.returncode == 2, r.stderr
    assert not marker.exists()


def test_forced_exit_gives_128_plus_second_signal(lastcall, tmp_path):
    """| forced exit by a second trigger N | 128 + N |"""
    out = tmp_path / "rec"
    lc = lastcall("--grace", "20s", "--", *recorder(out, "--ignore-term"))
    wait_line(out, "ready")
    lc.send(signal.SIGTERM)
    wait_line(out, "SIGTERM")
    lc.send(signal.SIGQUIT)
    assert lc.wait_exit(5) == 128 + signal.SIGQUIT, lc.log_tail()
