# SPDX-License-Identifier: MIT
"""The live status line of a terminal: while the sequence runs, one line below the text log
shows the phase, the running hooks and the budget left; it never breaks a log line, never
wraps, and is gone when lastcall exits. Not drawn where it cannot work: a pipe, the JSON log,
TERM=dumb. stderr is a real pseudo-terminal here, read byte for byte."""
import re
import signal

import pytest

from support import REPO, helper, wait_for

PAINT = re.compile(r"\r(lastcall >> [^\r\n]*?)\x1b\[K")
SGR = re.compile(r"\x1b\[[0-9;]*m")
TIME = r"(?:\d+\.\ds|\d+m\d\ds)"
STATUS = re.compile(
    r"lastcall >> (draining|pre_stop|stopping|post_stop) %(t)s"
    r"( \| (%(t)s of drain left|hooks: \S+ %(t)s/%(t)s(, \S+ %(t)s/%(t)s)*"
    r"|waiting for the child \(pid \d+\)|waiting for leftover processes))?"
    r" \| (grace left %(t)s|SIGKILL in %(t)s|grace spent, SIGKILL sent|%(t)s of post_stop left)" % {"t": TIME})
LOG_ROW = re.compile(r"^lastcall \d\d:\d\d:\d\d\.\d{3} (debug|info |warn |error) ")


def paints(text):
    """Every status line drawn, in order, as its visible text (SGR removed)."""
    return [SGR.sub("", m.group(1)) for m in PAINT.finditer(text)]


def screen(text):
    """The rows a terminal shows after receiving text: "\\r" returns to column 0, "\\x1b[K"
    erases to the end of the row, "\\n" starts the next row, SGR changes nothing visible."""
    rows, row, col = [], [], 0
    i = 0
    while i < len(text):
        if text.startswith("\x1b[K", i):
            del row[col:]
            i += 3
            continue
        sgr = SGR.match(text, i)
        if sgr:
            i = sgr.end()
            continue
        c = text[i]
        if c == "\r":
            col = 0
        elif c == "\n":
            rows.append("".join(row))
            row, col = [], 0
        else:
            if col < len(row):
                row[col] = c
            else:
                row.append(c)
            col += 1
        i += 1
    rows.append("".join(row))
    return rows


def seconds(text):
    """ "25.1s" or "2m05s" as seconds."""
    m = re.fullmatch(r"(?:(\d+)m(\d\d)s|(\d+\.\d)s)", text)
    assert m, text
    return int(m.group(1)) * 60 + int(m.group(2)) if m.group(1) else float(m.group(3))


def budgets(lines, pattern):
    """The budget that `pattern` (a regex whose group 1 is a duration) finds in each status
    line that has one, in order."""
    found = [re.search(pattern, line) for line in lines]
    return [seconds(m.group(1)) for m in found if m]


def gate(tmp_path, name):
    """A hook command that runs until the test creates tmp_path/name."""
    return "while [ ! -e '%s' ]; do sleep 0.02; done" % (tmp_path / name)


def start_on_terminal(lastcall, *args, columns=100, env=None, **kw):
    base = {"TERM": "xterm", "NO_COLOR": "1"}
    base.update(env or {})
    lc = lastcall(*args, log_format=kw.pop("log_format", "text"), tty_columns=columns, env=base, **kw)
    lc.wait_output(lambda out: "started the child" in out, what="child_started")
    return lc


def wait_paint(lc, predicate, what):
    return lc.wait_output(lambda out: next((p for p in paints(out) if predicate(p)), None), what=what)


@pytest.mark.timeout(60)
def test_status_shows_phase_hooks_and_budget_and_is_gone_at_exit(lastcall, tmp_path):
    config = {"grace": "20s", "drain": "300ms", "pre_stop_timeout": "16s",
              "hooks": {"pre_stop": [{"name": "flush", "command": gate(tmp_path, "flushed"), "timeout": "15s"},
                                     {"name": "deregister", "command": "echo deregistered"}],
                        "post_stop": [{"name": "report", "command": gate(tmp_path, "reported")}]}}
    lc = start_on_terminal(lastcall, "--", *helper("hang"), config=config)
    assert paints(lc.stderr) == [], "a status line while the child runs"

    lc.send(signal.SIGTERM)
    wait_paint(lc, lambda p: p.startswith("lastcall >> draining") and "of drain left" in p, "draining")
    first = wait_paint(lc, lambda p: "pre_stop" in p and "hooks: flush" in p, "pre_stop with flush")
    assert re.search(r"hooks: flush \d+\.\ds/15\.0s", first), first
    # Several redraws while flush runs: the grace counts down.
    lc.wait_output(lambda out: len([p for p in paints(out) if "hooks: flush" in p]) >= 5, what="redraws")
    (tmp_path / "flushed").touch()
    wait_paint(lc, lambda p: "post_stop" in p and "hooks: report" in p and "of post_stop left" in p, "post_stop")
    (tmp_path / "reported").touch()
    assert lc.wait_exit(20) == 143
    out = lc.stderr

    lines = paints(out)
    grace = budgets([p for p in lines if " draining " in p or " pre_stop " in p], r"grace left (\S+s)$")
    assert grace == sorted(grace, reverse=True), "the grace went up: %s" % grace
    assert 15 <= grace[0] <= 20 and grace[-1] < grace[0], grace
    drain = budgets(lines, r"\| (\S+s) of drain left")
    assert drain and drain == sorted(drain, reverse=True) and drain[0] <= 0.3, drain
    post = budgets(lines, r"(\S+s) of post_stop left$")
    assert post and post == sorted(post, reverse=True) and post[0] <= 5.0, post
    for p in lines:
        assert len(p) <= 99, "a status line wider than the terminal: %r" % p
        assert STATUS.fullmatch(p), "a status line unlike docs/logging.md: %r" % p

    rows = [r for r in screen(out) if r.strip()]
    assert not [r for r in rows if "lastcall >>" in r], "a status line left on the screen"
    # Every log line is whole on its row: the status line never cut into one.
    log_rows = [r for r in rows if LOG_ROW.match(r)]
    for needle in ("hook flush started", "deregistered", "hook report finished", "shutdown complete"):
        assert [r for r in log_rows if needle in r], "no whole log row with %r in:\n%s" % (needle, "\n".join(rows))
    for r in log_rows:
        assert r.endswith("]") or "  [" not in r, "a log row cut short: %r" % r
    assert "lastcall summary" in rows[-5] or "lastcall summary" in "\n".join(rows[-6:])


@pytest.mark.timeout(60)
def test_status_counts_down_to_the_sigkill(lastcall, tmp_path):
    pidfile = tmp_path / "child.pid"
    lc = start_on_terminal(lastcall, "--grace", "1500ms", "--",
                           *helper("hang", "--ignore-term", "--pidfile", pidfile))
    pid = wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), what="the child's pidfile")
    lc.send(signal.SIGTERM)
    wait_paint(lc, lambda p: "stopping" in p and "waiting for the child (pid %s)" % pid in p, "stopping")
    assert lc.wait_exit(20) == 137
    kill_in = budgets(paints(lc.stderr), r"SIGKILL in (\S+s)$")
    assert all(STATUS.fullmatch(p) for p in paints(lc.stderr)), paints(lc.stderr)
    assert len(kill_in) >= 3 and kill_in == sorted(kill_in, reverse=True) and kill_in[0] <= 1.5, kill_in
    assert not [r for r in screen(lc.stderr) if "lastcall >>" in r]


def test_status_is_cut_to_the_width_of_the_terminal(lastcall, tmp_path):
    names = ["flush-the-write-behind-cache", "deregister-from-the-load-balancer"]
    config = {"hooks": {"pre_stop": [{"name": n, "command": gate(tmp_path, "done")} for n in names]}}
    lc = start_on_terminal(lastcall, "--", *helper("hang"), columns=50, config=config)
    lc.send(signal.SIGTERM)
    cut = wait_paint(lc, lambda p: "hooks: flush" in p, "pre_stop")
    assert len(cut) == 49 and cut.endswith("..."), cut
    (tmp_path / "done").touch()
    lc.wait_exit(20)
    assert all(len(p) <= 49 for p in paints(lc.stderr))


def test_forced_exit_erases_the_status_line(lastcall, tmp_path):
    config = {"hooks": {"pre_stop": [{"name": "stuck", "command": gate(tmp_path, "never")}]}}
    lc = start_on_terminal(lastcall, "--", *helper("hang"), config=config)
    lc.send(signal.SIGTERM)
    wait_paint(lc, lambda p: "hooks: stuck" in p, "pre_stop")
    lc.send(signal.SIGINT)
    assert lc.wait_exit(10) == 128 + signal.SIGINT
    rows = screen(lc.stderr)
    assert not [r for r in rows if "lastcall >>" in r]
    assert [r for r in rows if LOG_ROW.match(r) and "forced_exit" in r]


def test_status_shows_when_the_child_ends_on_its_own(lastcall, tmp_path):
    config = {"hooks": {"post_stop": [{"name": "report", "command": gate(tmp_path, "go")}]}}
    lc = start_on_terminal(lastcall, "--", "sh", "-c", "exit 3", config=config)
    wait_paint(lc, lambda p: "post_stop" in p and "hooks: report" in p, "post_stop")
    (tmp_path / "go").touch()
    assert lc.wait_exit(10) == 3


@pytest.mark.parametrize("where", ["pipe", "json", "dumb", "no-term"])
def test_no_status_line_where_it_cannot_be_drawn(lastcall, tmp_path, where):
    config = {"drain": "200ms", "hooks": {"pre_stop": [{"name": "flush", "command": "sleep 0.3"}]}}
    args = ("--", *helper("hang"))
    if where == "pipe":
        lc = lastcall(*args, config=config, log_format="text", env={"TERM": "xterm"})
        lc.wait_output(lambda out: "started the child" in out)
    elif where == "json":
        lc = start_on_terminal(lastcall, *args, config=config, log_format="json")
    else:
        lc = start_on_terminal(lastcall, *args, config=config, env={"TERM": "dumb" if where == "dumb" else ""})
    lc.send(signal.SIGTERM)
    assert lc.wait_exit(10) == 143
    out = lc.stderr
    assert "hook flush finished" in out or '"hook":"flush"' in out
    assert "lastcall >>" not in out and "\x1b[K" not in out and "\r" not in out


def test_the_status_lines_in_the_docs_are_real_ones():
    """docs/logging.md shows the line in each state; each sample has the grammar that the
    lines drawn in the tests above are checked against."""
    samples = [l.strip() for l in (REPO / "docs" / "logging.md").read_text().splitlines()
               if l.strip().startswith("lastcall >> ")]
    assert {s.split()[2] for s in samples} == {"draining", "pre_stop", "stopping", "post_stop"}
    for sample in samples:
        assert STATUS.fullmatch(sample), sample
