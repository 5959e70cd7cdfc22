# SPDX-License-Identifier: MIT
"""packaging/lastcall.1: renders without a warning, and documents every option and
environment variable that `lastcall --help` shows."""
import re
import shutil
import subprocess

import pytest

import support

MAN_PAGE = support.REPO / "packaging" / "lastcall.1"
SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "CONFIG FILE", "ENVIRONMENT",
            "EXIT STATUS", "FILES", "EXAMPLES", "SEE ALSO"]


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
    text = MAN_PAGE.read_text()
    headings = re.findall(r'^\.SH "?([^"\n]+)"?$', text, re.M)
    assert headings == SECTIONS


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


def test_man_page_lists_the_exit_codes():
    """CONTRACT §6: the child's code, 128+N, 2, 126, 127."""
    page = MAN_PAGE.read_text()
    exit_status = page.split(".SH EXIT STATUS", 1)[1].split(".SH", 1)[0]
    for code in ("128+", "\n2\n", "\n126\n", "\n127\n"):
        assert code in exit_status, code


def test_man_page_version_matches_the_build(lastcall_bin):
    """The .TH line carries the version that `lastcall --version` prints."""
    out = subprocess.run([lastcall_bin, "--version"], capture_output=True, text=True, timeout=10)
    version = out.stdout.split()[-1]
    th = next(line for line in MAN_PAGE.read_text().splitlines() if line.startswith(".TH"))
    assert '"lastcall %s"' % version in th, th
