# SPDX-License-Identifier: MIT
"""CONTRACT §1 (Invocation) and §3 (Config file): options, environment, precedence, --check,
usage and config errors."""
import glob
import json
import os
import re
import signal

import pytest

import support
from support import plan_ms, sig_eq, find_key


def check_plan(run_lastcall, *args, **kw):
    r = run_lastcall(*args, "--check", **kw)
    assert r.returncode == 0, r.stderr
    try:
        plan = json.loads(r.stdout)
    except ValueError:
        pytest.fail("--check did not print JSON on stdout: %r" % r.stdout[:2000])
    assert isinstance(plan, dict)
    return plan


# -- --version, --help ---------------------------------------------------------------------

def test_version(run_lastcall):
    """`--version`, `-h, --help` (a version is printed and lastcall exits 0)"""
    r = run_lastcall("--version", log_format=None)
    assert r.returncode == 0, r.stderr
    assert re.search(r"\d+\.\d+\.\d+", r.stdout + r.stderr)


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_names_every_option(run_lastcall, flag):
    """`--version`, `-h, --help` (the help describes the options of the table)"""
    r = run_lastcall(flag, log_format=None)
    assert r.returncode == 0, r.stderr
    text = r.stdout + r.stderr
    for opt in ["--config", "--grace", "--stop-signal", "--drain", "--forward", "--rewrite",
                "--triggers", "--success-exit", "--log-format", "--log-level", "--check",
                "--listen", "--ready", "--version"]:
        assert opt in text, "%s missing from %s output" % (opt, flag)


# -- --check -------------------------------------------------------------------------------

def test_check_prints_plan_and_exits_0(run_lastcall):
    """`--check` | | print the resolved configuration as JSON on stdout and exit 0"""
    plan = check_plan(run_lastcall)
    assert 24000 in plan_ms(plan, "grace")
    assert 0 in plan_ms(plan, "drain")


def test_check_runs_nothing(run_lastcall, tmp_path):
    """lastcall [OPTIONS] --check          # validate and print the resolved plan, run nothing"""
    marker = tmp_path / "marker"
    r = run_lastcall("--check", "--", "touch", str(marker))
    assert r.returncode == 0, r.stderr
    json.loads(r.stdout)
    assert not marker.exists()


def test_check_defaults(run_lastcall):
    """`pre_stop_timeout` defaults to half the grace budget and `post_stop_timeout` to 5s."""
    plan = check_plan(run_lastcall, "--grace", "10s")
    assert 10000 in plan_ms(plan, "grace")
    assert 5000 in plan_ms(plan, "pre_stop_timeout")
    assert 5000 in plan_ms(plan, "post_stop_timeout")
    plan = check_plan(run_lastcall)
    assert 12000 in plan_ms(plan, "pre_stop_timeout")


def test_check_error_exits_2(run_lastcall):
    """`--check` | | print the resolved configuration as JSON on stdout and exit 0; on error exit 2"""
    r = run_lastcall("--check", "--grace", "nope")
    assert r.returncode == 2, r.stderr
    assert "--grace" in r.stderr


def test_check_shows_config_hooks(run_lastcall, tmp_path):
    """lastcall [OPTIONS] --check          # validate and print the resolved plan, run nothing"""
    cfg = {"hooks": {"pre_stop": [{"name": "flush-it", "command": "true", "priority": 3}],
                     "post_stop": [{"name": "unlock-it", "command": ["true"]}]}}
    r = run_lastcall("--check", config=cfg)
    assert r.returncode == 0, r.stderr
    json.loads(r.stdout)
    assert "flush-it" in r.stdout and "unlock-it" in r.stdout


# -- durations and signals -----------------------------------------------------------------

@pytest.mark.parametrize("text,ms", [("250ms", 250), ("1.5s", 1500), ("2m", 120000),
                                     ("1m30s", 90000), ("24", 24000), ("0.5", 500)])
def test_duration_formats(run_lastcall, text, ms):
    """A DURATION is `250ms`, `1.5s`, `2m`, `1m30s`, or a bare number of seconds (`24`, `0.5`)."""
    plan = check_plan(run_lastcall, "--grace", text)
    assert ms in plan_ms(plan, "grace"), plan


@pytest.mark.parametrize("text", ["SIGTERM", "term", "TERM", "15", "SIGUSR2", "usr2", "12"])
def test_signal_formats(run_lastcall, text):
    """A SIG is a name with or without `SIG` (`SIGTERM`, `term`) or a number (`15`)."""
    plan = check_plan(run_lastcall, "--stop-signal", text)
    want = signal.SIGTERM if text.upper().endswith("TERM") or text == "15" else signal.SIGUSR2
    assert sig_eq(find_key(plan, "stop_signal"), want), plan


# -- usage errors --------------------------------------------------------------------------

USAGE_ERRORS = [
    (["--grace", "soon"], "--grace"),
    (["--grace", "5x"], "--grace"),
    (["--grace", ""], "--grace"),
    (["--grace=-1s"], "--grace"),
    (["--drain", "1q"], "--drain"),
    (["--stop-signal", "NOPE"], "--stop-signal"),
    (["--stop-signal", "999"], "--stop-signal"),
    (["--forward", "both"], "--forward"),
    (["--rewrite", "HUP"], "--rewrite"),
    (["--rewrite", "HUP:NOPE"], "--rewrite"),
    (["--rewrite", "NOPE:USR1"], "--rewrite"),
    (["--success-exit", "abc"], "--success-exit"),
    (["--log-format", "xml"], "--log-format"),
    (["--log-level", "loud"], "--log-level"),
    (["--bogus-option"], "--bogus-option"),
    (["--rewrite", "SEGV:HUP"], "--rewrite"),
    (["--rewrite", "31:1"], "--rewrite"),
    (["--rewrite", "CHLD:HUP"], "--rewrite"),
    (["--triggers", "KILL"], "--triggers"),
    (["--triggers", "SEGV"], "--triggers"),
    (["--triggers", "CHLD"], "--triggers"),
    (["--triggers", "TERM,STOP"], "--triggers"),
    (["--triggers", "TERM,NOPE"], "--triggers"),
    (["--triggers", ""], "--triggers"),
    (["--ready", "bogus"], "--ready"),
    (["--ready", "tcp:localhost:8080"], "--ready"),
    (["--ready", "tcp:127.0.0.1"], "--ready"),
    (["--ready", "https://127.0.0.1:8443/healthz"], "--ready"),
    (["--ready", "http://127.0.0.1/healthz"], "--ready"),
    (["--ready", "exec:"], "--ready"),
]


@pytest.mark.parametrize("args,option", USAGE_ERRORS, ids=[" ".join(a) or "empty" for a, _ in USAGE_ERRORS])
def test_usage_error_names_option_and_starts_nothing(run_lastcall, tmp_path, args, option):
    """Anything invalid is a usage error (exit 2, the child is never started) with a message
    that names the option or the JSON path at fault."""
    marker = tmp_path / "marker"
    r = run_lastcall(*args, "--", "touch", str(marker))
    assert r.returncode == 2, r.stderr
    assert option in r.stderr, r.stderr
    assert not marker.exists()


def test_missing_command_is_usage_error(run_lastcall):
    """lastcall [OPTIONS] [--] COMMAND [ARG...] (without COMMAND and without --check: exit 2)"""
    r = run_lastcall()
    assert r.returncode == 2, r.stderr


def test_missing_config_file_is_usage_error(run_lastcall, tmp_path):
    """Anything invalid is a usage error (exit 2, the child is never started) with a message
    that names the option or the JSON path at fault."""
    marker = tmp_path / "marker"
    missing = tmp_path / "missing.json"
    r = run_lastcall("--config", str(missing), "--", "touch", str(marker))
    assert r.returncode == 2, r.stderr
    assert "--config" in r.stderr or str(missing) in r.stderr, r.stderr
    assert not marker.exists()


def test_short_options(run_lastcall, tmp_path):
    """| `-c, --config FILE` | ... | `-t, --grace DURATION` |"""
    path = support.write_config(tmp_path, {"drain": "4s"})
    plan = check_plan(run_lastcall, "-c", path, "-t", "6s")
    assert 6000 in plan_ms(plan, "grace") and 4000 in plan_ms(plan, "drain")


def test_options_with_equals(run_lastcall, tmp_path):
    """lastcall [OPTIONS] [--] COMMAND [ARG...] (`--option=value` works like `--option value`)"""
    path = support.write_config(tmp_path, {"drain": "4s"})
    plan = check_plan(run_lastcall, "--config=" + path, "--grace=6s")
    assert 6000 in plan_ms(plan, "grace") and 4000 in plan_ms(plan, "drain")


def test_command_without_double_dash(run_lastcall):
    """lastcall [OPTIONS] [--] COMMAND [ARG...]"""
    r = run_lastcall("--grace", "1s", "sh", "-c", "exit 4")
    assert r.returncode == 4, r.stderr


def test_command_options_are_not_lastcalls(run_lastcall):
    """lastcall [OPTIONS] [--] COMMAND [ARG...] (options after COMMAND belong to it)"""
    r = run_lastcall("--", "sh", "-c", "exit 6", "--grace", "zzz")
    assert r.returncode == 6, r.stderr


# -- environment ---------------------------------------------------------------------------

def test_env_grace(run_lastcall):
    """| `-t, --grace DURATION` | `LASTCALL_GRACE` | whole shutdown budget ..."""
    plan = check_plan(run_lastcall, env={"LASTCALL_GRACE": "7s"})
    assert 7000 in plan_ms(plan, "grace")


def test_env_drain(run_lastcall):
    """| `--drain DURATION` | `LASTCALL_DRAIN` | pause after the trigger, before pre-stop hooks"""
    plan = check_plan(run_lastcall, env={"LASTCALL_DRAIN": "1500ms"})
    assert 1500 in plan_ms(plan, "drain")


def test_env_config(run_lastcall, tmp_path):
    """| `-c, --config FILE` | `LASTCALL_CONFIG` | JSON config (section 3) |"""
    path = support.write_config(tmp_path, {"grace": "9s"})
    plan = check_plan(run_lastcall, env={"LASTCALL_CONFIG": path})
    assert 9000 in plan_ms(plan, "grace")


def test_env_log_format_and_level(run_lastcall):
    """| `--log-format text\\|json` | `LASTCALL_LOG_FORMAT` | ... | `--log-level LEVEL` |
    `LASTCALL_LOG_LEVEL` |"""
    r = run_lastcall("--", "true", log_format=None,
                     env={"LASTCALL_LOG_FORMAT": "text", "LASTCALL_LOG_LEVEL": "info"})
    assert r.returncode == 0
    assert r.stderr.strip(), "LASTCALL_LOG_FORMAT=text at level info logged nothing"
    assert "child_started" in r.stderr, r.stderr
    assert not r.events, "LASTCALL_LOG_FORMAT=text still produced JSON: %s" % r.stderr
    r = run_lastcall("--", "true", log_format=None,
                     env={"LASTCALL_LOG_FORMAT": "json", "LASTCALL_LOG_LEVEL": "error"})
    assert r.returncode == 0
    assert not [e for e in r.events if e.get("level") in ("debug", "info")], r.stderr
    r = run_lastcall("--", "true", log_format=None,
                     env={"LASTCALL_LOG_FORMAT": "json", "LASTCALL_LOG_LEVEL": "debug"})
    assert [e for e in r.events if e.get("event") == "child_started"], r.stderr
    assert [e for e in r.events if e.get("level") == "debug"], r.stderr


@pytest.mark.parametrize("var,value", [("LASTCALL_GRACE", "zzz"), ("LASTCALL_DRAIN", "1q"),
                                       ("LASTCALL_LOG_FORMAT", "xml"), ("LASTCALL_LOG_LEVEL", "loud")])
def test_bad_env_is_usage_error(run_lastcall, tmp_path, var, value):
    """Anything invalid is a usage error (exit 2, the child is never started) with a message
    that names the option or the JSON path at fault."""
    marker = tmp_path / "marker"
    r = run_lastcall("--", "touch", str(marker), log_format=None, env={var: value})
    assert r.returncode == 2, r.stderr
    assert var in r.stderr or "--" + var[len("LASTCALL_"):].lower().replace("_", "-") in r.stderr, r.stderr
    assert not marker.exists()


# -- precedence ----------------------------------------------------------------------------

@pytest.mark.parametrize("cli,env,cfg,want", [
    ("7s", "5s", "3s", 7000),
    (None, "5s", "3s", 5000),
    (None, None, "3s", 3000),
    ("7s", None, "3s", 7000),
    (None, None, None, 24000),
], ids=["cli", "env", "config", "cli-over-config", "default"])
def test_precedence_grace(run_lastcall, cli, env, cfg, want):
    """Precedence: command line > environment > config file > defaults."""
    args = ["--grace", cli] if cli else []
    plan = check_plan(run_lastcall, *args, env={"LASTCALL_GRACE": env} if env else None,
                      config={"grace": cfg} if cfg else None)
    assert want in plan_ms(plan, "grace"), plan


def test_precedence_drain(run_lastcall):
    """Precedence: command line > environment > config file > defaults."""
    plan = check_plan(run_lastcall, "--drain", "1s", env={"LASTCALL_DRAIN": "2s"}, config={"drain": "3s"})
    assert 1000 in plan_ms(plan, "drain")
    plan = check_plan(run_lastcall, env={"LASTCALL_DRAIN": "2s"}, config={"drain": "3s"})
    assert 2000 in plan_ms(plan, "drain")


def test_precedence_stop_signal(run_lastcall):
    """Precedence: command line > environment > config file > defaults."""
    plan = check_plan(run_lastcall, "--stop-signal", "INT", config={"stop_signal": "SIGUSR2"})
    assert sig_eq(find_key(plan, "stop_signal"), signal.SIGINT), plan
    plan = check_plan(run_lastcall, config={"stop_signal": "SIGUSR2"})
    assert sig_eq(find_key(plan, "stop_signal"), signal.SIGUSR2), plan


def test_precedence_log_format(run_lastcall):
    """Precedence: command line > environment > config file > defaults."""
    r = run_lastcall("--log-format", "json", "--", "true", log_format=None,
                     env={"LASTCALL_LOG_FORMAT": "text"})
    assert r.returncode == 0
    assert [e for e in r.events if e.get("event") == "child_started"], r.stderr


def test_config_file_is_read(run_lastcall):
    """Every key is optional. (A full config as in section 3 is accepted.)"""
    plan = check_plan(run_lastcall, config=support.CONTRACT_EXAMPLE)
    assert 2000 in plan_ms(plan, "drain")
    assert 12000 in plan_ms(plan, "pre_stop_timeout")
    check_plan(run_lastcall, config={})


# -- config errors -------------------------------------------------------------------------

CONFIG_ERRORS = [
    ({"hooks": {"pre_stop": [{"name": "a", "command": "true", "timout": "5s"}]}}, "/hooks/pre_stop/0/timout"),
    ({"grace": True}, "/grace"),
    ({"grace": "soon"}, "/grace"),
    ({"drain": "1q"}, "/drain"),
    ({"pre_stop_timeout": "x"}, "/pre_stop_timeout"),
    ({"stop_signal": "SIGNOPE"}, "/stop_signal"),
    ({"signals": {"forward": "both"}}, "/signals/forward"),
    ({"signals": {"rewrite": {"SIGHUP": "SIGNOPE"}}}, "/signals/rewrite"),
    ({"success_exit_codes": "143"}, "/success_exit_codes"),
    ({"unknown_key": 1}, "/unknown_key"),
    ({"hooks": {"pre_stop": [{"name": "a", "command": "true"}, {"name": "a", "command": "true"}]}}, "/hooks/pre_stop/1"),
    ({"hooks": {"post_stop": [{"name": "b", "command": 42}]}}, "/hooks/post_stop/0/command"),
    ({"hooks": {"post_stop": [{"name": "b", "command": "true", "priority": "high"}]}}, "/hooks/post_stop/0/priority"),
    ({"hooks": {"mid_stop": []}}, "/hooks/mid_stop"),
    ({"hooks": {"pre_stop": [{"command": "true"}]}}, "/hooks/pre_stop/0"),
    ({"hooks": {"pre_stop": [{"name": "t", "command": "true", "timeout": "soon"}]}}, "/hooks/pre_stop/0/timeout"),
    ({"hooks": {"pre_stop": [{"name": "e", "command": "true", "env": {"FOO": 1}}]}}, "/hooks/pre_stop/0/env/FOO"),
    ({"hooks": {"pre_stop": [{"name": "c", "command": "true", "cwd": 7}]}}, "/hooks/pre_stop/0/cwd"),
    ({"signals": {"rewrite": {"SEGV": "HUP"}}}, "/signals/rewrite/SEGV"),
    ({"signals": {"rewrite": {"31": "1"}}}, "/signals/rewrite/31"),
    ({"signals": {"triggers": ["TERM", "KILL"]}}, "/signals/triggers/1"),
    ({"signals": {"triggers": ["SIGSEGV"]}}, "/signals/triggers/0"),
    ({"signals": {"triggers": ["NOPE"]}}, "/signals/triggers/0"),
    ({"signals": {"triggers": []}}, "/signals/triggers"),
    ({"signals": {"triggers": "TERM,INT"}}, "/signals/triggers"),
    ({"ready": "tcp:127.0.0.1:8080"}, "/ready"),
    ({"ready": {}}, "/ready"),
    ({"ready": {"tcp": "127.0.0.1:8080", "command": "true"}}, "/ready"),
    ({"ready": {"tcp": "localhost:8080"}}, "/ready/tcp"),
    ({"ready": {"http": "https://127.0.0.1:8443/"}}, "/ready/http"),
    ({"ready": {"command": []}}, "/ready/command"),
    ({"ready": {"command": 7}}, "/ready/command"),
    ({"ready": {"tcp": "127.0.0.1:8080", "interval": "soon"}}, "/ready/interval"),
    ({"ready": {"tcp": "127.0.0.1:8080", "timeout": "0s"}}, "/ready/timeout"),
    ({"ready": {"tcp": "127.0.0.1:8080", "start_timeout": 5}}, "/ready/start_timeout"),
    ({"ready": {"tcp": "127.0.0.1:8080", "intervall": "1s"}}, "/ready/intervall"),
]


@pytest.mark.parametrize("cfg,path", CONFIG_ERRORS, ids=[p for _, p in CONFIG_ERRORS])
def test_config_error_names_json_path(run_lastcall, tmp_path, cfg, path):
    """An unknown key, a wrong type, a bad duration or signal, a duplicate hook name, or
    malformed JSON is an error that names the JSON path (e.g. `/hooks/pre_stop/0/timout`)"""
    marker = tmp_path / "marker"
    r = run_lastcall("--", "touch", str(marker), config=cfg)
    assert r.returncode == 2, r.stderr
    assert path in r.stderr, r.stderr
    assert not marker.exists()


def test_malformed_json_names_line_and_column(run_lastcall, tmp_path):
    """... and, for JSON syntax, the line and column."""
    path = tmp_path / "bad.json"
    path.write_text('{\n  "grace": "1s",\n  "drain" "2s"\n}\n')
    marker = tmp_path / "marker"
    r = run_lastcall("--config", str(path), "--", "touch", str(marker))
    assert r.returncode == 2, r.stderr
    assert not marker.exists()
    text = r.stderr.lower()
    assert re.search(r"line\D{0,3}3\b", text) and "col" in text or re.search(r":3:\d+", text), r.stderr


def test_duplicate_hook_name_within_a_phase(run_lastcall, tmp_path):
    """a duplicate hook name ... is an error that names the JSON path"""
    cfg = {"hooks": {"post_stop": [{"name": "x", "command": "true"}, {"name": "x", "command": ["true"]}]}}
    r = run_lastcall("--check", config=cfg)
    assert r.returncode == 2, r.stderr
    assert "/hooks/post_stop/1" in r.stderr, r.stderr


EXAMPLES = sorted(glob.glob(str(support.REPO / "docs" / "examples" / "*.json")))


@pytest.mark.parametrize("example", EXAMPLES or [None], ids=[os.path.basename(e) for e in EXAMPLES] or ["none"])
def test_examples_pass_check(run_lastcall, example):
    """lastcall [OPTIONS] --check          # validate and print the resolved plan, run nothing
    (every example config in docs/examples is valid)"""
    if example is None:
        pytest.skip("no docs/examples/*.json yet")
    r = run_lastcall("--config", example, "--check")
    assert r.returncode == 0, r.stderr
    json.loads(r.stdout)


# -- triggers ------------------------------------------------------------------------------

def plan_signals(plan, key):
    return [support.sig_num(s) for s in find_key(plan, key)]


@pytest.mark.parametrize("args,cfg,want", [
    ([], None, [signal.SIGTERM, signal.SIGINT, signal.SIGQUIT]),
    (["--triggers", "TERM,INT"], None, [signal.SIGTERM, signal.SIGINT]),
    (["--triggers", "sighup,10"], None, [signal.SIGHUP, signal.SIGUSR1]),
    ([], {"signals": {"triggers": ["TERM", "SIGUSR2"]}}, [signal.SIGTERM, signal.SIGUSR2]),
    (["--triggers", "INT"], {"signals": {"triggers": ["TERM", "USR2"]}}, [signal.SIGINT]),
], ids=["default", "cli", "cli-names-and-numbers", "config", "cli-replaces-config"])
def test_check_shows_the_triggers(run_lastcall, args, cfg, want):
    """| `--triggers SIG,...` | | the signals that start the shutdown | `TERM,INT,QUIT` |
    (`--check` shows them; the command line's list replaces the file's)"""
    plan = check_plan(run_lastcall, *args, config=cfg)
    assert sorted(plan_signals(plan, "triggers")) == sorted(want), plan


def start_recorder(lastcall, tmp_path, *args, config=None):
    out = tmp_path / "child.txt"
    lc = lastcall(*args, "--", *support.recorder(out), config=config, log_level="debug")
    support.wait_line(out, "ready")
    return lc, out


@pytest.mark.parametrize("args,cfg,sig", [
    (["--triggers", "TERM,INT"], None, signal.SIGQUIT),
    ([], {"signals": {"triggers": ["TERM"]}}, signal.SIGINT),
    (["--triggers", "TERM"], {"signals": {"triggers": ["INT", "QUIT"]}}, signal.SIGINT),
], ids=["cli-leaves-QUIT", "config-leaves-INT", "cli-replaces-config"])
def test_a_signal_that_is_not_a_trigger_is_relayed(lastcall, tmp_path, args, cfg, sig):
    """A signal that is not a trigger is relayed (`--triggers TERM,INT` leaves SIGQUIT to be
    relayed, e.g. for a JVM's thread dump)."""
    lc, out = start_recorder(lastcall, tmp_path, *args, config=cfg)
    lc.send(sig)
    # The recorder dies of it, as a program without lastcall would; lastcall only follows.
    assert lc.wait_exit(10) == 128 + sig, lc.log_tail()
    assert support.read_lines(out) == ["ready", signal.Signals(sig).name]
    assert not lc.events("shutdown_started"), lc.log_tail()
    assert support.sig_eq(lc.wait_event("signal_forwarded", timeout=0)["signal"], sig)


@pytest.mark.parametrize("args,cfg,sig", [
    ([], None, signal.SIGQUIT),
    (["--triggers", "USR1"], None, signal.SIGUSR1),
    ([], {"signals": {"triggers": ["USR2"]}}, signal.SIGUSR2),
    (["--triggers", "HUP"], {"signals": {"triggers": ["USR2"]}}, signal.SIGHUP),
], ids=["default-QUIT", "cli-USR1", "config-USR2", "cli-replaces-config"])
def test_a_named_trigger_starts_the_shutdown(lastcall, tmp_path, args, cfg, sig):
    """A trigger signal received by lastcall starts the shutdown, once: SIGTERM, SIGINT and
    SIGQUIT unless `--triggers`/`signals.triggers` names others."""
    lc, out = start_recorder(lastcall, tmp_path, "--stop-signal", "TERM", *args, config=cfg)
    lc.send(sig)
    assert support.sig_eq(lc.wait_event("shutdown_started")["signal"], sig)
    assert lc.wait_exit(10) == 128 + signal.SIGTERM, lc.log_tail()
    # The trigger itself is not relayed: the child hears only the stop signal.
    assert support.read_lines(out) == ["ready", "SIGTERM"]
    assert not lc.events("signal_forwarded")


def test_check_shows_the_readiness_check(run_lastcall):
    """`"ready": {...}` with `"interval"` (default 1s), `"timeout"` (default 1s) and
    `"start_timeout"` (default none); also `--ready tcp:ADDR:PORT|http://…|exec:CMD`."""
    plan = check_plan(run_lastcall)
    assert plan["ready"] is None
    plan = check_plan(run_lastcall, "--ready", "tcp:127.0.0.1:8080")
    assert "127.0.0.1:8080" in json.dumps(plan["ready"])
    assert 1000 in plan_ms(plan["ready"], "interval") and 1000 in plan_ms(plan["ready"], "timeout")
    cfg = {"ready": {"http": "http://127.0.0.1:8080/healthz", "interval": "2s", "timeout": "500ms",
                     "start_timeout": "1m"}}
    plan = check_plan(run_lastcall, config=cfg)
    assert "http://127.0.0.1:8080/healthz" in json.dumps(plan["ready"])
    assert 2000 in plan_ms(plan["ready"], "interval") and 500 in plan_ms(plan["ready"], "timeout")
    assert 60000 in plan_ms(plan["ready"], "start_timeout")
    plan = check_plan(run_lastcall, "--ready", "exec:pg_isready -q", config=cfg)
    assert "pg_isready -q" in json.dumps(plan["ready"]) and "healthz" not in json.dumps(plan["ready"])
