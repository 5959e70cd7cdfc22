# SPDX-License-Identifier: MIT
"""docs/examples/: every example config, and every example docs/configuration.md names,
passes --check and its plan says what the file says; the demo (demo.sh under demo.json) runs
the whole sequence. An example that runs as an account this machine lacks (database.json's
postgres) is skipped: lastcall looks the account up at --check."""
import grp
import json
import os
import pwd
import re
import signal

import pytest

import support
from support import duration_ms, sig_num, wait_for

EXAMPLES = support.REPO / "docs" / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))
GUIDE = support.REPO / "docs" / "configuration.md"
# What docs/configuration.md links under examples/ ("examples/demo.json", "examples/").
GUIDE_LINKS = sorted(set(re.findall(r"\]\((examples/[^)#\s]*)", GUIDE.read_text())))

# Defaults of docs/configuration.md for what a file leaves out.
DEFAULT_GRACE_MS = 24000
DEFAULT_POST_STOP_TIMEOUT_MS = 5000


def signal_name(text):
    """The canonical name the plan uses: "SIGTERM" for "term", "TERM", "15"."""
    return signal.Signals(sig_num(text)).name


def missing_accounts(config):
    """The users and groups the config runs something as (the child, a hook) that this
    machine does not have."""
    wanted = [(config, "user", pwd.getpwnam), (config, "group", grp.getgrnam)]
    for phase in config.get("hooks", {}).values():
        for h in phase:
            wanted += [(h, "user", pwd.getpwnam), (h, "group", grp.getgrnam)]
    missing = []
    for obj, key, lookup in wanted:
        name = obj.get(key)
        if name is None or str(name).isdigit():
            continue
        try:
            lookup(name)
        except KeyError:
            missing.append("%s %s" % (key, name))
    return sorted(set(missing))


def skip_without_accounts(path):
    missing = missing_accounts(json.loads(path.read_text()))
    if missing:
        pytest.skip("%s runs as %s, which this machine does not have (lastcall looks it up "
                    "at --check; install what creates it, e.g. postgresql)"
                    % (path.name, " and ".join(missing)))


def ms(text):
    value = duration_ms(text)
    assert value is not None and value == int(value), "not a whole-ms duration: %r" % text
    return int(value)


def expected_hooks(hooks, cap_ms, start_dir):
    """The plan's view of one phase: descending priority, file order within a priority."""
    ordered = sorted(hooks, key=lambda h: -h.get("priority", 0))  # sorted() is stable
    out = []
    for h in ordered:
        command = h["command"]
        timeout = ms(h["timeout"]) if "timeout" in h else None
        out.append({
            "name": h["name"],
            "command": command,
            "argv": ["/bin/sh", "-c", command] if isinstance(command, str) else command,
            "priority": h.get("priority", 0),
            "timeout_ms": timeout,
            "effective_timeout_ms": cap_ms if timeout is None else min(timeout, cap_ms),
            "env": h.get("env", {}),
            # lastcall's starting directory for a hook without a cwd; a relative one from there.
            "cwd": os.path.join(start_dir, h.get("cwd", "")).rstrip("/") or "/",
        })
    return out


def expected_plan(path, start_dir):
    cfg = json.loads(path.read_text())
    grace = ms(cfg["grace"]) if "grace" in cfg else DEFAULT_GRACE_MS
    drain = ms(cfg["drain"]) if "drain" in cfg else 0
    pre = ms(cfg["pre_stop_timeout"]) if "pre_stop_timeout" in cfg else grace // 2
    post = ms(cfg["post_stop_timeout"]) if "post_stop_timeout" in cfg else DEFAULT_POST_STOP_TIMEOUT_MS
    signals = cfg.get("signals", {})
    hooks = cfg.get("hooks", {})
    return {
        "command": [],
        "config": str(path),
        "grace_ms": grace,
        "stop_signal": signal_name(cfg["stop_signal"]) if "stop_signal" in cfg else "trigger",
        "drain_ms": drain,
        "pre_stop_timeout_ms": pre,
        "post_stop_timeout_ms": post,
        "forward": signals.get("forward", "group"),
        "rewrite": {signal_name(k): signal_name(v) for k, v in signals.get("rewrite", {}).items()},
        "success_exit_codes": sorted(set(cfg.get("success_exit_codes", []))),
        "log_format": "json",
        "log_level": "info",
        "hooks": {
            "pre_stop": expected_hooks(hooks.get("pre_stop", []), min(pre, max(grace - drain, 0)), start_dir),
            "post_stop": expected_hooks(hooks.get("post_stop", []), post, start_dir),
        },
    }


@pytest.mark.parametrize("link", GUIDE_LINKS or ["(none)"])
def test_every_example_the_guide_names_exists_and_passes_check(run_lastcall, link):
    """docs/configuration.md explains the examples it links ("Every file in examples/ passes
    `lastcall --check -c FILE`"): each one exists, and each config passes --check."""
    assert GUIDE_LINKS, "docs/configuration.md links no example"
    path = GUIDE.parent / link
    assert path.exists(), "docs/configuration.md links %s, which does not exist" % link
    if path.suffix != ".json":
        return
    skip_without_accounts(path)
    r = run_lastcall("--check", "-c", str(path))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["config"] == str(path), r.stdout


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_example_passes_check(run_lastcall, path):
    """Every file in docs/examples/ passes `lastcall --check -c FILE` (exit 0)."""
    skip_without_accounts(path)
    r = run_lastcall("--check", "-c", str(path))
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", "--check of a valid file logs nothing: %r" % r.stderr


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_example_plan_matches_file(run_lastcall, path, tmp_path):
    """`--check` prints the resolved plan: every duration in milliseconds, hooks in execution
    order (descending priority, file order within a priority), defaults filled in."""
    skip_without_accounts(path)
    r = run_lastcall("--check", "-c", str(path))
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    want = expected_plan(path, str(tmp_path))
    # Every setting the file can hold; the plan may carry more (settings of the command line
    # only), which the file cannot change.
    for key, value in want.items():
        if key == "hooks":
            continue
        assert plan.get(key) == value, "%s: plan has %r, the file says %r" % (key, plan.get(key), value)
    for phase in ("pre_stop", "post_stop"):
        have = plan["hooks"][phase]
        assert [h["name"] for h in have] == [h["name"] for h in want["hooks"][phase]], phase
        for got, expect in zip(have, want["hooks"][phase]):
            assert {k: got.get(k) for k in expect} == expect, "%s hook %s" % (phase, expect["name"])


@pytest.mark.timeout(40)
def test_demo_runs_the_whole_sequence(lastcall):
    """Press Ctrl+C once to watch the sequence — drain, the pre-stop hooks, the stop signal,
    post-stop hooks and a summary. (Here: SIGTERM after the first tick; demo.sh saves its
    state and exits 0, every hook finishes ok, lastcall exits 0.)"""
    lc = lastcall("-c", EXAMPLES / "demo.json", "--", "sh", EXAMPLES / "demo.sh",
                  capture_stdout=True)
    wait_for(lambda: b"demo: tick 1" in lc.stdout, timeout=10, what="the first tick of demo.sh")
    lc.send(signal.SIGTERM)
    started = lc.wait_event("shutdown_started")
    assert started["signal"] == "SIGTERM" and started["grace_ms"] == 10000, started
    done = lc.wait_event("shutdown_complete", timeout=20)
    assert lc.wait_exit(10) == 0, lc.log_tail()

    cfg = json.loads((EXAMPLES / "demo.json").read_text())
    pre = [h["name"] for h in cfg["hooks"]["pre_stop"]]
    post = [h["name"] for h in cfg["hooks"]["post_stop"]]
    for phase, names in (("pre_stop", pre), ("post_stop", post)):
        for name in names:
            finished = lc.wait_event("hook_finished", hook=name, timeout=0)
            assert finished["phase"] == phase, finished
            assert finished["status"] == "ok" and finished["exit_code"] == 0, finished
    assert done["hooks_ok"] == len(pre) + len(post), done
    assert (done["hooks_failed"], done["hooks_timeout"], done["hooks_skipped"]) == (0, 0, 0), done
    assert done["exit_code"] == 0

    # The order of docs/shutdown.md: drain, then pre_stop, then the stop signal, then the
    # child's exit, then post_stop.
    drain_ms = ms(cfg["drain"])
    first_hook = min(support.ts_seconds(e) for e in lc.events("hook_started", phase="pre_stop"))
    last_pre = max(support.ts_seconds(e) for e in lc.events("hook_finished", phase="pre_stop"))
    signaled = lc.wait_event("child_signaled", timeout=0)
    exited = lc.wait_event("child_exited", timeout=0)
    post_started = lc.wait_event("hook_started", phase="post_stop", timeout=0)
    assert first_hook - support.ts_seconds(started) >= drain_ms / 1000 - 0.01
    assert last_pre <= support.ts_seconds(signaled) <= support.ts_seconds(exited)
    assert support.ts_seconds(exited) <= support.ts_seconds(post_started)
    assert signaled["signal"] == "SIGTERM" and exited["exit_code"] == 0

    # Hook output is relayed into the log; the child's stdout is untouched.
    lines = [e["line"] for e in lc.events("hook_output", hook="report")]
    assert lines == ["child exited with 0"], lines
    assert b"demo: state saved after" in lc.stdout
