# SPDX-License-Identifier: MIT
"""packaging/lastcall.1: renders without a warning, shows the usual sections, documents every
option and environment variable that `lastcall --help` shows, and lists the exit codes that
the binary really returns."""
import functools
import os
import re
import shutil
import signal
import subprocess

import pytest

import support

MAN_PAGE = support.REPO / "packaging" / "lastcall.1"
SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "CONFIG FILE", "ENVIRONMENT",
            "EXIT STATUS", "FILES", "EXAMPLES", "SEE ALSO"]


def rendered():
    """The page as a person reads it: groff's text output without bold or underlining, in the
    C locale whatever the runner's, rendered once per test process."""
    if shutil.which("groff") is None:
        pytest.skip("no groff")
    return _rendered()


@functools.lru_cache(maxsize=1)
def _rendered():
    out = subprocess.run(["groff", "-man", "-Tutf8", "-P-cbou", str(MAN_PAGE)],
                         capture_output=True, text=True, timeout=30,
                         env=support.clean_env({"LC_ALL": "C.UTF-8"}))
    assert out.returncode == 0 and out.stderr == "", out.stderr
    return out.stdout


def sections(text):
    """{heading: its text} of a rendered page, in order: a heading starts at column 0."""
    found, current = {}, None
    for line in text.splitlines():
        if re.fullmatch(r"[A-Z][A-Z ]*", line):
            current = line
            found[current] = []
        elif current is not None:
            found[current].append(line)
    return {k: "\n".join(v) for k, v in found.items()}


def roff_plain(text):
    """The page's text with roff's escaped hyphens as plain ones."""
    return text.replace("\\-", "-")


def test_man_page_renders_without_warnings():
    """`groff -man -Tutf8 -ww` reports nothing for the page."""
    if shutil.which("groff") is None:
        pytest.skip("no groff")
    out = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(MAN_PAGE)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and out.stderr == "", out.stderr


def test_man_page_renders_with_man():
    """`man -l` shows the page: its NAME line names lastcall."""
    if shutil.which("man") is None:
        pytest.skip("no man")
    out = subprocess.run(["man", "-l", str(MAN_PAGE)], capture_output=True, text=True,
                         timeout=30, env=support.clean_env({"MANPAGER": "cat", "MANWIDTH": "80"}))
    assert out.returncode == 0, out.stderr
    assert re.search(r"^NAME\s+lastcall\s+-\s+tiny\s+PID\s+1", out.stdout, re.M), out.stdout[:400]


def test_man_page_has_the_usual_sections():
    """The rendered page shows the sections of a command's man page, in the usual order."""
    assert list(sections(rendered())) == SECTIONS


def test_man_page_documents_every_option_and_variable(lastcall_bin):
    """Every option and environment variable of `lastcall --help` is in the man page."""
    out = subprocess.run([lastcall_bin, "--help"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    page = roff_plain(MAN_PAGE.read_text())
    options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", out.stdout))
    assert {"--config", "--grace", "--check", "--version", "--help"} <= options
    missing = sorted(o for o in options if o not in page)
    assert not missing, "options of --help missing from lastcall.1: %s" % missing
    variables = set(re.findall(r"\$?(LASTCALL_[A-Z_]+)", out.stdout))
    missing = sorted(v for v in variables if v not in page)
    assert not missing, "variables of --help missing from lastcall.1: %s" % missing


def exit_codes_listed():
    """{code as the page gives it ("N", "128+N", "2", ...): its description} of EXIT STATUS."""
    listed, code = {}, None
    for line in sections(rendered())["EXIT STATUS"].splitlines():
        m = re.match(r"^ {7}(\S+)\s+(.*)$", line)
        if m:
            code = m.group(1)
            listed[code] = m.group(2)
        elif code and line.strip():
            listed[code] += " " + line.strip()
    return {k: " ".join(v.split()) for k, v in listed.items()}


@pytest.mark.timeout(30)
def test_man_page_lists_the_exit_codes(run_lastcall, lastcall, tmp_path):
    """CONTRACT §6: the codes EXIT STATUS lists, each with the case it names, are those the
    binary returns: the child's N (0 for a success code), 128+N for a child killed by N or
    a second trigger N, 2 for a usage or config error (the child never started), 126 for a
    COMMAND that is not executable, 127 for one not found."""
    listed = exit_codes_listed()
    assert sorted(listed) == sorted(["N", "128+N", "2", "126", "127"]), listed
    for code, words in (("N", "child exited with N"), ("128+N", "killed by signal N"),
                        ("128+N", "second trigger N"), ("2", "usage or config error"),
                        ("126", "not executable"), ("127", "not found")):
        assert words in listed[code], "%s: %s" % (code, listed[code])

    assert run_lastcall("--", "sh", "-c", "exit 7").returncode == 7
    assert run_lastcall("--success-exit", "7", "--", "sh", "-c", "exit 7").returncode == 0
    assert run_lastcall("--", "sh", "-c", "kill -USR1 $$").returncode == 128 + signal.SIGUSR1
    assert run_lastcall("--success-exit", str(128 + signal.SIGUSR1), "--",
                        "sh", "-c", "kill -USR1 $$").returncode == 0

    ran = tmp_path / "ran"
    r = run_lastcall("--grace", "soon", "--", "touch", ran)
    assert r.returncode == 2 and not ran.exists(), r.stderr
    (tmp_path / "bad.json").write_text('{"grace": 5}')
    r = run_lastcall("-c", tmp_path / "bad.json", "--", "touch", ran)
    assert r.returncode == 2 and not ran.exists(), r.stderr

    script = tmp_path / "not-executable"
    script.write_text("#!/bin/sh\nexit 0\n")
    os.chmod(script, 0o644)
    assert run_lastcall("--", script).returncode == 126
    assert run_lastcall("--", tmp_path / "no-such-command").returncode == 127

    hang = {"hooks": {"pre_stop": [{"name": "hang", "command": ["sleep", "30"]}]}}
    lc = lastcall("--", "sleep", "30", config=hang)
    lc.wait_event("child_started")
    lc.send(signal.SIGTERM)
    lc.wait_event("hook_started", hook="hang")
    lc.send(signal.SIGINT)
    assert lc.wait_exit(10) == 128 + signal.SIGINT, lc.log_tail()


def test_man_page_version_matches_the_build(lastcall_bin):
    """The .TH line carries the version that `lastcall --version` prints."""
    out = subprocess.run([lastcall_bin, "--version"], capture_output=True, text=True, timeout=10)
    version = out.stdout.split()[-1]
    th = next(line for line in MAN_PAGE.read_text().splitlines() if line.startswith(".TH"))
    assert '"lastcall %s"' % version in th, th
