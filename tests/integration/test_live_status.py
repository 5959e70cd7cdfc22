# SPDX-License-Identifier: MIT
"""The live status line of a terminal: while the sequence runs, one line below the text log
shows the phase, the running hooks and the budget left; it never breaks a log line, never
wraps, and is gone when lastcall exits. Not drawn where it cannot work: a pipe, the JSON log,
TERM=dumb. stderr is a real pseudo-terminal here, read byte for byte."""
import re
import signal

import pytest

from support import REPO, helper, wait_for

PAINT = re.compile(r"\x1b7\x1b\[(\d+);1H(lastcall >> .*?)\x1b\[K\x1b8")
SGR = re.compile(r"\x1b\[[0-9;]*m")
CONTROL = re.compile(r"\x1b(7|8)|\x1b\[([0-9;]*)([A-Za-z])")
ROWS = 24
TIME = r"(?:\d+\.\ds|\d+m\d\ds)"
STATUS = re.compile(
    r"lastcall >> (draining|pre_stop|stopping|post_stop) %(t)s"
    r"( \| (%(t)s of drain left|hooks: \S+ %(t)s/%(t)s(, \S+ %(t)s/%(t)s)*"
    r"|waiting for the child \(pid \d+\)|waiting for leftover processes))?"
    r" \| (grace left %(t)s|SIGKILL in %(t)s|grace spent, SIGKILL sent|%(t)s of post_stop left)" % {"t": TIME})
LOG_ROW = re.compile(r"^lastcall \d\d:\d\d:\d\d\.\d{3} (debug|info |warn |error) ")


def paints(text):
    """Every status line drawn, in order, as its visible text (SGR removed)."""
    return [SGR.sub("", m.group(2)) for m in PAINT.finditer(text)]


class Row:
    def __init__(self):
        self.chars = []
        self.wraps = False  # the text goes on in the next row


class Terminal:
    """What a VT100-like terminal of ROWS rows shows after receiving some text, with what
    scrolled off the top: the controls the text log and the status line use (CR, LF as the
    tty's ONLCR turns it into CR LF, DECSC/DECRC, CUP, CUU, EL, DECSTBM) and nothing more.
    A row that a long line wrapped out of is joined with the next one, as a terminal's
    selection does, so that each line of text comes out as one row."""

    def __init__(self, text, columns):
        self.columns = columns
        self.grid = [Row() for _ in range(ROWS)]
        self.history = []
        self.row = self.col = 0
        self.top, self.bottom = 0, ROWS - 1
        self.saved = (0, 0)
        i = 0
        while i < len(text):
            m = CONTROL.match(text, i)
            if m:
                self._control(m)
                i = m.end()
                continue
            self._char(text[i])
            i += 1

    def _control(self, m):
        if m.group(1) == "7":
            self.saved = (self.row, self.col)
        elif m.group(1) == "8":
            self.row, self.col = self.saved
        else:
            params = [int(p) if p else 0 for p in m.group(2).split(";")]
            final = m.group(3)
            if final == "H":
                self.row, self.col = max(params[0], 1) - 1, max(params[1] if len(params) > 1 else 1, 1) - 1
            elif final == "A":
                floor = self.top if self.row >= self.top else 0
                self.row = max(self.row - max(params[0], 1), floor)
            elif final == "K":
                line = self.grid[self.row]
                del line.chars[0 if params[0] == 2 else self.col:]
                line.wraps = False
            elif final == "r":
                self.top = max(params[0], 1) - 1
                self.bottom = (params[1] if len(params) > 1 and params[1] else ROWS) - 1
                self.row = self.col = 0
            else:
                assert final == "m", "a control the status line should not use: %r" % m.group(0)

    def _char(self, c):
        if c == "\r":
            self.col = 0
        elif c == "\n":
            self.col = 0
            self._line_feed()
        else:
            if self.col >= self.columns:
                self.grid[self.row].wraps = True
                self.col = 0
                self._line_feed()
            chars = self.grid[self.row].chars
            chars.extend(" " * (self.col - len(chars)))
            chars[self.col:self.col + 1] = [c]
            self.col += 1

    def _line_feed(self):
        if self.row != self.bottom:
            self.row = min(self.row + 1, ROWS - 1)
            return
        gone = self.grid.pop(self.top)
        if self.top == 0:
            self.history.append(gone)
        self.grid.insert(self.bottom, Row())

    def rows(self):
        """The whole transcript: scrolled-off rows, then the screen; trailing blanks cut."""
        rows, joined = [], ""
        for r in self.history + self.grid:
            joined += "".join(r.chars)
            if not r.wraps:
                rows.append(joined.rstrip())
                joined = ""
        while rows and not rows[-1]:
            rows.pop()
        return rows

    def whole_screen_scrolls(self):
        return (self.top, self.bottom) == (0, ROWS - 1)


def screen(text, columns=100):
    """The rows a person sees at the end, SGR aside (see Terminal)."""
    return Terminal(SGR.sub("", text), columns).rows()


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

    assert {int(m.group(1)) for m in PAINT.finditer(out)} == {ROWS}, "drawn elsewhere than the bottom row"
    assert Terminal(out, 100).whole_screen_scrolls(), "the bottom row was not given back"
    rows = [r for r in screen(out) if r.strip()]
    assert not [r for r in rows if "lastcall >>" in r], "a status line left on the screen"
    # Every log line is whole on its row: the status line never cut into one.
    log_rows = [r for r in rows if LOG_ROW.match(r)]
    for needle in ("hook flush started", "deregistered", "hook report finished", "shutdown complete"):
        assert [r for r in log_rows if needle in r], "no whole log row with %r in:\n%s" % (needle, "\n".join(rows))
    for r in log_rows:
        assert r.endswith("]") or "  [" not in r, "a log row cut short: %r" % r
    assert "lastcall summary" in "\n".join(rows[-6:]), "the summary is not the last thing shown"


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
    rows = screen(lc.stderr)
    assert not [r for r in rows if "lastcall >>" in r], "a status line left on the screen:\n%s\nthe last bytes: %r" % (
        "\n".join(rows[-8:]), lc.stderr[-600:])


@pytest.mark.timeout(60)
def test_what_the_child_prints_scrolls_above_the_status_line(lastcall, tmp_path):
    """The child writes to the same terminal without lastcall: its lines stay whole."""
    config = {"hooks": {"pre_stop": [{"name": "flush", "command": gate(tmp_path, "flushed")}]}}
    child = "i=0; while :; do i=$((i+1)); echo \"child: tick $i\" >&2; sleep 0.05; done"
    lc = start_on_terminal(lastcall, "--", "sh", "-c", child, config=config)
    lc.send(signal.SIGTERM)
    wait_paint(lc, lambda p: "hooks: flush" in p, "pre_stop")
    lc.wait_output(lambda out: len(PAINT.findall(out)) >= 5 and out.count("child: tick") >= 20, what="ticks")
    (tmp_path / "flushed").touch()
    lc.wait_exit(20)
    rows = screen(lc.stderr)
    ticks = [r for r in rows if "child: tick" in r and not LOG_ROW.match(r)]
    assert len(ticks) >= 15
    for r in ticks:
        assert re.fullmatch(r"child: tick \d+", r), "a line of the child's mixed with another: %r" % r
    assert not [r for r in rows if "lastcall >>" in r]


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


def test_after_a_resize_the_status_line_moves_to_the_new_bottom_row(lastcall, tmp_path):
    config = {"hooks": {"pre_stop": [{"name": "flush", "command": gate(tmp_path, "flushed")}]}}
    lc = start_on_terminal(lastcall, "--", *helper("hang"), config=config)
    lc.send(signal.SIGTERM)
    wait_paint(lc, lambda p: "hooks: flush" in p, "pre_stop")
    lc.resize_tty(30, 40)
    lc.wait_output(lambda out: [m for m in PAINT.finditer(out) if m.group(1) == "30"], what="a paint in row 30")
    (tmp_path / "flushed").touch()
    assert lc.wait_exit(10) == 143
    out = lc.stderr
    moved = out.index("\x1b[r\n\x1b7\x1b[1;29r")  # the old region dropped, rows 1-29 kept
    after = [m for m in PAINT.finditer(out) if m.start() > moved]
    assert after and all(m.group(1) == "30" and len(SGR.sub("", m.group(2))) <= 39 for m in after)
    # Given back at the end: the new bottom row erased, after the last paint.
    assert out.rindex("\x1b7\x1b[r\x1b[30;1H\x1b[2K\x1b8") > after[-1].start()


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
    assert "lastcall >>" not in out and "\x1b[" not in out and "\x1b7" not in out


def shape(line):
    """A status line with its values taken out (hook names, durations, pids): lines of the
    same state showing the same fields, separators and units have the same shape."""
    def hooks(m):
        return "hooks: " + ", ".join(re.sub(r"^\S+ ", "<hook> ", h) for h in m.group(1).split(", "))
    line = re.sub(r"hooks: (.*?)(?= \| )", hooks, line)
    return re.sub(r"pid \d+", "pid <n>", re.sub(TIME, "<t>", line))


@pytest.mark.timeout(60)
def test_the_status_lines_in_the_docs_are_real_ones(lastcall, tmp_path):
    """docs/logging.md shows the line in each state (draining, pre_stop with two hooks,
    stopping for the child and for leftovers, post_stop); each sample has the shape (fields,
    separators, units) of a line that a real sequence on a terminal draws in that state."""
    samples = [l.strip() for l in (REPO / "docs" / "logging.md").read_text().splitlines()
               if l.strip().startswith("lastcall >> ")]
    assert {s.split()[2] for s in samples} == {"draining", "pre_stop", "stopping", "post_stop"}

    # A child that takes its time after SIGTERM, and leaves a process in its group that
    # ignores SIGTERM: each state lasts until the test opens its gate.
    child = ("(trap '' TERM; %s) & trap '%s; exit 0' TERM; while :; do sleep 0.05; done"
             % (gate(tmp_path, "leftover"), gate(tmp_path, "child")))
    config = {"grace": "20s", "drain": "300ms", "pre_stop_timeout": "10s",
              "hooks": {"pre_stop": [{"name": n, "command": gate(tmp_path, "hooks"), "timeout": "5s"}
                                     for n in ("flush", "deregister")],
                        "post_stop": [{"name": "report", "command": gate(tmp_path, "report")}]}}
    lc = start_on_terminal(lastcall, "--", "sh", "-c", child, config=config)
    lc.send(signal.SIGTERM)
    wait_paint(lc, lambda p: " draining " in p and "of drain left" in p, "draining")
    wait_paint(lc, lambda p: "hooks: flush" in p and "deregister" in p, "pre_stop, both hooks")
    (tmp_path / "hooks").touch()
    wait_paint(lc, lambda p: "waiting for the child" in p, "stopping, the child")
    (tmp_path / "child").touch()
    wait_paint(lc, lambda p: "waiting for leftover processes" in p, "stopping, the leftover")
    (tmp_path / "leftover").touch()
    wait_paint(lc, lambda p: "hooks: report" in p, "post_stop")
    (tmp_path / "report").touch()
    assert lc.wait_exit(20) == 0, lc.log_tail()

    real = {shape(p) for p in paints(lc.stderr)}
    for sample in samples:
        state = sample.split()[2]
        alike = sorted(r for r in real if r.split()[2] == state)
        assert shape(sample) in real, "docs/logging.md: %r is unlike the real lines:\n%s" % (
            sample, "\n".join(alike))
