# SPDX-License-Identifier: MIT
"""Fixtures for the black-box tests: the binary, a per-test alarm, and lastcall(...), a
factory that starts the real binary in its own session, parses its JSON log as it arrives,
and at teardown kills every process group the test started."""
import errno
import fcntl
import json
import os
import pty
import shlex
import signal
import struct
import subprocess
import termios
import threading
import time
import tty

import pytest

import support
from support import testlib  # tests/testlib.py, shared with tests/system

DEFAULT_TIMEOUT = 30


def pytest_configure(config):
    testlib.add_timeout_marker(config, DEFAULT_TIMEOUT)


def binary_path():
    return testlib.lastcall_path()


@pytest.fixture(scope="session")
def lastcall_bin():
    return testlib.require_executable(binary_path(), "LASTCALL_BIN", "build it")


# Every test has a timeout: SIGALRM raises in the test's main thread.
_alarm = testlib.alarm_fixture(DEFAULT_TIMEOUT)


class Lastcall:
    """One running lastcall (or a wrapper such as unshare around it)."""

    def __init__(self, argv, env, cwd, stdin, capture_stdout, in_pidns, tty_columns=None):
        self._init_state(argv, in_pidns)
        stderr = subprocess.PIPE
        if tty_columns:
            self._tty, self._tty_slave = _open_raw_pty(tty_columns)
            stderr = self._tty_slave
        self.proc = subprocess.Popen(
            argv, env=env, cwd=cwd, start_new_session=True,
            stdin=stdin, stdout=subprocess.PIPE if capture_stdout else subprocess.DEVNULL,
            stderr=stderr)
        self.pid = self.proc.pid
        reader = self._read_tty if self._tty is not None else self._read_stderr
        self._threads = [threading.Thread(target=reader, daemon=True)]
        if capture_stdout:
            self._threads.append(threading.Thread(target=self._read_stdout, daemon=True))
        for t in self._threads:
            t.start()

    def _init_state(self, argv, in_pidns):
        self.argv = argv
        self.in_pidns = in_pidns
        self._cond = threading.Condition()
        self._events = []      # parsed JSON objects, in arrival order
        self._raw = []         # every stderr line, bytes
        self._bad = []         # stderr lines that are not a JSON object
        self._eof = False
        self._stdout = bytearray()
        self._tracked = {}  # pid -> a pidfd of that very process, opened when it was tracked
        self.started_at = time.monotonic()
        self._tty = None       # the master of the terminal that stderr is, with tty_columns
        self._tty_slave = None  # this side's own descriptor of that terminal (see _end_tty_output)

    # -- readers ---------------------------------------------------------------------------

    def _read_stderr(self, stream=None):
        stream = stream or self.proc.stderr
        for raw in iter(stream.readline, b""):
            event = None
            try:
                # Strict UTF-8 first: json.loads(bytes) would let surrogates through.
                event = json.loads(raw.decode("utf-8"))
            except ValueError:
                pass
            with self._cond:
                self._raw.append(raw)
                if isinstance(event, dict):
                    self._events.append(event)
                elif raw.strip():
                    self._bad.append(raw)
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def _read_tty(self):
        """Bytes as the terminal receives them: the text log with its control sequences."""
        def done(error):
            self._eof = True
            self._tty_end = error
        read_pty(self._tty, self._cond, self._raw.append, done)

    def _read_stdout(self):
        for chunk in iter(lambda: self.proc.stdout.read1(1 << 16), b""):
            self._stdout += chunk

    # -- queries ---------------------------------------------------------------------------

    def events(self, name=None, **fields):
        with self._cond:
            return [e for e in self._events if (name is None or e.get("event") == name)
                    and _matches(e, fields)]

    @property
    def bad_lines(self):
        with self._cond:
            return list(self._bad)

    @property
    def stderr(self):
        with self._cond:
            return b"".join(self._raw).decode(errors="replace")

    @property
    def stdout(self):
        """What lastcall wrote on stdout; complete once wait_exit returned."""
        return bytes(self._stdout)

    def log_tail(self, n=40):
        with self._cond:
            lines = self._raw[-n:]
        return b"".join(lines).decode(errors="replace")[-6000:]

    def wait_event(self, name, timeout=10.0, **fields):
        """Returns the first event called name whose fields equal the given ones (a callable
        value is a predicate)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for e in self._events:
                    if e.get("event") == name and _matches(e, fields):
                        return e
                left = deadline - time.monotonic()
                if self._eof or left <= 0:
                    why = "lastcall closed stderr" if self._eof else "timed out after %.1fs" % timeout
                    raise AssertionError("%s before event %s %s; log tail:\n%s"
                                         % (why, name, fields or "", self.log_tail()))
                self._cond.wait(min(left, 0.2))

    def wait_output(self, predicate, timeout=10.0, what="output"):
        """Waits until predicate(everything on stderr so far, as text) holds; returns that
        value. For a text log, where there are no events to wait on."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate(b"".join(self._raw).decode(errors="replace"))
                if value:
                    return value
                left = deadline - time.monotonic()
                if self._eof or left <= 0:
                    why = "lastcall closed stderr" if self._eof else "timed out after %.1fs" % timeout
                    raise AssertionError("%s before %s; log tail:\n%s" % (why, what, self.log_tail()))
                self._cond.wait(min(left, 0.2))

    def resize_tty(self, rows, columns):
        """Gives the terminal on stderr a new size, as a window resize does."""
        fcntl.ioctl(self._tty, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

    def wait_exit(self, timeout=10.0):
        """Waits for lastcall to exit and its stderr/stdout to be read; returns the code, as
        Popen's returncode. lastcall stays unreaped (a zombie) until teardown: while it is one,
        its pid, group id and session id name nothing else, so teardown can still stop by
        them whatever it left behind."""
        code = self.proc.returncode
        if code is None:
            code = support.wait_unreaped(self.proc.pid, timeout)
            if code is None:
                raise AssertionError("lastcall did not exit within %.1fs; log tail:\n%s"
                                     % (timeout, self.log_tail()))
        self._end_tty_output()
        self._join_readers()
        return code

    def _end_tty_output(self, timeout=10.0):
        """Linux can lose what a terminal's last writer wrote just before it exited: the master
        reads EIO while those bytes are still on their way (seen here about once in 150 runs:
        lastcall's writes of its last 373 bytes all succeeded, and the reader got EIO without
        them). So this side holds a descriptor of the terminal too, and once lastcall has
        exited writes a marker through it, which comes after everything lastcall wrote; when
        the marker has been read, the descriptor is closed, and the reader ends with EIO as
        soon as no process that lastcall left holds the terminal."""
        if self._tty_slave is None:
            return
        os.write(self._tty_slave, _TTY_END)
        deadline = time.monotonic() + timeout
        with self._cond:
            while _TTY_END not in b"".join(self._raw) and time.monotonic() < deadline and not self._eof:
                self._cond.wait(0.2)
            data = b"".join(self._raw)
            self._raw = [data.replace(_TTY_END, b"")]
        os.close(self._tty_slave)
        self._tty_slave = None
        assert _TTY_END in data, "the end of lastcall's output on the terminal never arrived; log tail:\n%s" % self.log_tail()

    def _join_readers(self, timeout=10.0):
        """Waits until every byte lastcall wrote has been read: a test that went on with part
        of the output would fail on what it did not see, or pass on what it missed."""
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(deadline - time.monotonic(), 0))
        stuck = [t.name for t in self._threads if t.is_alive()]
        assert not stuck, ("lastcall exited, but its output did not end within %.0fs (%s): a process "
                           "it left holds its stderr or stdout; log tail:\n%s" % (timeout, stuck, self.log_tail()))
        # A terminal's output ends with EIO once no process holds it; anything else means
        # that this side stopped reading early, and the rest of the output was never seen.
        end = getattr(self, "_tty_end", errno.EIO)
        assert self._tty is None or end == errno.EIO, (
            "the terminal's reader ended with %s, not EIO, before lastcall's output ended; log tail:\n%s"
            % (errno.errorcode.get(end, end), self.log_tail()))

    def exited(self):
        """Whether lastcall has exited, without reaping it (see wait_exit): never Popen.poll(),
        which would free its pid, group and session ids before teardown."""
        return self.proc.returncode is not None or support.wait_unreaped(self.proc.pid, 0) is not None

    @property
    def child_pid(self):
        """The child's pid from child_started (waits for it)."""
        return int(self.wait_event("child_started")["pid"])

    def send(self, sig):
        os.kill(self.pid, sig)

    def track_pid(self, pid):
        """A process outside lastcall's session (it called setsid) that teardown must kill.
        Held by a pidfd: lastcall may reap it before teardown, and its number may then name
        another process."""
        pid = int(pid)
        if pid in self._tracked:
            return
        try:
            self._tracked[pid] = os.pidfd_open(pid)
        except ProcessLookupError:
            pass  # gone already: nothing to kill

    def _kill_tracked(self):
        for fd in self._tracked.values():
            try:
                signal.pidfd_send_signal(fd, signal.SIGKILL)
            except ProcessLookupError:
                pass  # it has exited
            os.close(fd)
        self._tracked = {}

    # -- teardown --------------------------------------------------------------------------

    def kill_everything(self):
        sid = self.pid
        groups = {self.pid}
        if not self.in_pidns:
            # The child's and the hooks' own process groups (pids are ours only outside a
            # pid namespace).
            for e in self.events():
                if e.get("event") in ("child_started", "hook_started") and "pid" in e:
                    try:
                        groups.add(int(e["pid"]))
                    except (TypeError, ValueError):
                        pass
        # lastcall's own group and session, and the groups in that session, only while it is
        # unreaped (wait_exit leaves it a zombie): once reaped, its number may be a stranger's.
        if self.proc.returncode is None:
            for pgid in groups:
                if pgid == self.pid or _group_in_session(pgid, sid):
                    _killpg(pgid)
            # Anything else still in the session lastcall leads (its child, hooks, their
            # descendants, the inside of a pid namespace), even if it changed process group.
            for pid in support.all_pids():
                st = support.proc_stat(pid)
                if st is not None and st[3] == sid and st[0] != "Z":
                    _kill(pid)
        self._kill_tracked()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        if self._tty_slave is not None:
            os.close(self._tty_slave)
            self._tty_slave = None
        for t in self._threads:
            t.join(2)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()
        if self._tty is not None:
            os.close(self._tty)
            self._tty = None


# Written by the test through its own descriptor of a terminal once lastcall has exited; never
# part of lastcall's output (see Lastcall._end_tty_output).
_TTY_END = b"\x00end of lastcall's output\x00"


def _open_raw_pty(columns):
    """A pseudo-terminal (master, slave) of the given width, raw: "\n" arrives as it was
    written rather than as "\r\n", so the bytes read are the bytes lastcall wrote."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    return master, slave


def _matches(event, fields):
    for key, want in fields.items():
        if key not in event:
            return False
        have = event[key]
        if callable(want):
            if not want(have):
                return False
        elif have != want:
            return False
    return True


def _group_in_session(pgid, sid):
    for pid in support.all_pids():
        st = support.proc_stat(pid)
        if st is not None and st[2] == pgid and st[3] == sid:
            return True
    return False


def read_pty(master, cond, keep, done):
    """Reads a pty's master side until it ends: each chunk goes to keep(chunk) and the end to
    done(error), both under cond, whose waiters are notified. It ends with EIO once every slave
    descriptor is closed, or EBADF once the master is; done() gets that errno (0 for an end
    of file)."""
    while True:
        error = 0
        try:
            chunk = os.read(master, 65536)
        except OSError as e:
            chunk, error = b"", e.errno
        with cond:
            if not chunk:
                done(error)
                cond.notify_all()
                return
            keep(chunk)
            cond.notify_all()


def _killpg(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # ESRCH: the group is gone already.


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture
def lastcall(lastcall_bin, tmp_path):
    """lastcall(*args, config=None, env=None, log_format="json", log_level=None, cwd=None,
    stdin=DEVNULL, capture_stdout=False, prefix=None) -> Lastcall.

    args are lastcall's own arguments, e.g. ("--grace", "1s", "--", *cmd). config (a dict)
    is written to tmp_path and passed with --config. prefix wraps the binary (unshare ...).
    tty_columns: stderr is a terminal of that width instead of a pipe (see wait_output).
    """
    started = []
    counter = [0]

    def start(*args, config=None, env=None, log_format="json", log_level=None, cwd=None,
              stdin=subprocess.DEVNULL, capture_stdout=False, prefix=None, tty_columns=None):
        argv = list(prefix or []) + [lastcall_bin]
        if log_format:
            argv += ["--log-format", log_format]
        if log_level:
            argv += ["--log-level", log_level]
        if config is not None:
            counter[0] += 1
            argv += ["--config", support.write_config(tmp_path, config, "config%d.json" % counter[0])]
        argv += [str(a) for a in args]
        lc = Lastcall(argv, support.clean_env(env), cwd or str(tmp_path), stdin, capture_stdout,
                      in_pidns=bool(prefix) and "--pid" in prefix, tty_columns=tty_columns)
        started.append(lc)
        return lc

    yield start
    for lc in started:
        lc.kill_everything()


class Result:
    def __init__(self, lc, code):
        self.returncode = code
        self.stdout = lc.stdout.decode(errors="replace")
        self.stderr = lc.stderr
        self.events = lc.events()
        self.lc = lc


@pytest.fixture
def run_lastcall(lastcall):
    """run_lastcall(*args, timeout=10, **kw) -> Result: starts lastcall, waits for its exit."""
    def run(*args, timeout=10.0, **kw):
        kw.setdefault("capture_stdout", True)
        lc = lastcall(*args, **kw)
        return Result(lc, lc.wait_exit(timeout))
    return run


@pytest.fixture(params=["group", "child"])
def forward_mode(request):
    return request.param


@pytest.fixture(params=["json", "text"])
def log_format(request):
    return request.param


@pytest.fixture(scope="session")
def pidns():
    """The command prefix that runs lastcall as PID 1 of a new pid namespace; skips the test
    where unshare cannot do that here."""
    return support.unshare_prefix("--pid", "--fork", "--mount-proc")


# -- a real terminal --------------------------------------------------------------------------

class Terminal:
    """A pseudo-terminal of the test's own: a thread reads everything that appears on it (the
    master side), the test types into it, and the slave side stays open so that the terminal
    outlives the processes that use it. Cooked mode as a terminal emulator starts it (echo,
    ISIG: ^C, ^Z and ^\\ are signals), 24 x 80."""

    def __init__(self):
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.initial_termios = termios.tcgetattr(self.slave)
        self._cond = threading.Condition()
        self._out = bytearray()
        self._closed = False
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        def done(error):
            self._closed = True
        read_pty(self.master, self._cond, self._out.extend, done)

    def type(self, data):
        """Keys typed on the keyboard: b"hello\\n", b"\\x03" (Ctrl+C), b"\\x1a" (Ctrl+Z)."""
        os.write(self.master, data if isinstance(data, bytes) else data.encode())

    @property
    def output(self):
        """Everything shown so far, as text."""
        with self._cond:
            return self._out.decode(errors="replace")

    def mark(self):
        """A position in the output, for waiting only on what comes after it."""
        with self._cond:
            return len(self._out)

    def wait_for(self, text, timeout=10.0, since=0):
        """Waits until text (a string, or a compiled regex) is shown after position since;
        returns the position just after it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                shown = self._out[since:].decode(errors="replace")
                if isinstance(text, str):
                    at = shown.find(text)
                    end = at + len(text) if at >= 0 else -1
                else:
                    m = text.search(shown)
                    end = m.end() if m else -1
                if end >= 0:
                    return since + len(shown[:end].encode())
                left = deadline - time.monotonic()
                if self._closed or left <= 0:
                    raise AssertionError("%r not shown on the terminal within %.1fs; it shows:\n%s"
                                         % (getattr(text, "pattern", text), timeout, shown[-3000:]))
                self._cond.wait(min(left, 0.2))

    def foreground(self):
        """The terminal's foreground process group (TIOCGPGRP works on the master side)."""
        return os.tcgetpgrp(self.master)

    def termios(self):
        return termios.tcgetattr(self.slave)

    def close(self):
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
        self._thread.join(2)


class TerminalLastcall(Lastcall):
    """lastcall on a real terminal: the terminal is its controlling terminal and its stdin and
    stdout, lastcall is in the terminal's foreground process group, and its log arrives on a
    pipe of its own (JSON, read as Lastcall reads stderr) unless log="tty".

    Modes: "job" (a session leader starts lastcall as a foreground job in a process group of
    its own, as a shell does, and reports its exit on a status file), "exec" (lastcall is the
    session leader itself), "pid1" (lastcall is PID 1 of a pid namespace and the session
    leader, as in `docker run -it`), "shell" (an interactive bash is the session leader and
    the test types the command line; see start_in_shell).

    self.pid is lastcall's pid as seen from here; self.session the pid of the process the
    test started (the session leader, or unshare)."""

    def __init__(self, prefix, argv, env, cwd, terminal, status, mode, stdin="tty", log="pipe",
                 background=False):
        self._init_state(prefix + argv, in_pidns=(mode == "pid1"))
        self.terminal = terminal
        self.mode = mode
        self.status_path = status
        self._exit_code = None
        self._stdin_w = None
        log_r, log_w = os.pipe()
        tty_fd = 0
        stdin_fd = terminal.slave
        if stdin == "pipe":
            stdin_fd, self._stdin_w = os.pipe()
            tty_fd = 1
        self.log_fd = log_w  # its number in the session leader (pass_fds keeps numbers)
        session = [support.PY, str(support.HELPERS / "pty_session.py"), "--tty-fd", str(tty_fd)]
        if mode == "job":
            session += ["--job", "--status", str(status)] + (["--background"] if background else [])
        else:
            session += ["--exec"]
        if mode == "shell":
            cmd = session + ["--", "bash", "--norc", "--noprofile", "--noediting", "-i"]
            stderr = terminal.slave
        else:
            cmd = prefix + session + ["--"] + argv
            stderr = terminal.slave if log == "tty" else log_w
        try:
            self.proc = subprocess.Popen(cmd, env=env, cwd=cwd, start_new_session=True, stdin=stdin_fd,
                                         stdout=terminal.slave, stderr=stderr,
                                         pass_fds=(log_w,) if mode == "shell" else ())
        except BaseException:
            for fd in (log_r, log_w) + ((stdin_fd, self._stdin_w) if stdin == "pipe" else ()):
                os.close(fd)
            raise
        self.session = self.proc.pid
        os.close(log_w)
        if stdin == "pipe":
            os.close(stdin_fd)
        self._log = os.fdopen(log_r, "rb")
        self._threads = [threading.Thread(target=self._read_stderr, args=(self._log,), daemon=True)]
        for t in self._threads:
            t.start()
        self.pid = None
        try:
            if mode == "exec":
                self.pid = self.proc.pid
            elif mode == "job":
                line = support.wait_lines(status, lambda ls: bool(ls), what="the job's pid")[0]
                self.pid = int(line.split()[1])
            elif mode == "pid1":
                self.pid = support.wait_for(lambda: (support.children_of(self.proc.pid) or [(None,)])[0][0],
                                            10, "lastcall inside the pid namespace")
        except BaseException:
            # The fixture never gets this object to clean up: what was started goes now.
            self.kill_everything()
            raise

    def write_stdin(self, data):
        """Writes to lastcall's stdin when it is a pipe (stdin="pipe")."""
        os.write(self._stdin_w, data)

    def start_in_shell(self):
        """Types lastcall's command line into the interactive shell (mode "shell"), its log
        going to the pipe; returns once the child has started, with self.pid set."""
        assert self.mode == "shell"
        line = "%s 2>&%d %d>&-\n" % (" ".join(shlex.quote(a) for a in self.argv), self.log_fd, self.log_fd)
        self.terminal.type(line)
        child = int(self.wait_event("child_started")["pid"])
        self.pid = support.wait_for(lambda: (support.proc_stat(child) or (0, None))[1],
                                    5, "the child's parent")

    def job_status(self):
        """The session leader's report lines ("stopped SIGSTOP", "exited 0", ...)."""
        return support.read_lines(self.status_path)

    def wait_exit(self, timeout=10.0):
        if self.mode in ("exec", "pid1"):
            return super().wait_exit(timeout)
        assert self.mode == "job", "in a shell, wait for shutdown_complete instead"

        def ended():
            for line in self.job_status():
                word, _, value = line.partition(" ")
                if word == "exited":
                    return ("code", int(value))
                if word == "signaled":
                    return ("code", -int(value))
            return None
        try:
            code = support.wait_for(ended, timeout, "lastcall to exit")[1]
        except support.Timeout:
            raise AssertionError("lastcall did not exit within %.1fs; log tail:\n%s"
                                 % (timeout, self.log_tail())) from None
        self._join_readers()
        return code

    def kill_everything(self):
        for _ in range(3):
            descendants = support.descendants(self.session)
            victims = descendants | {self.session}
            # lastcall's own session, when it made one, only while lastcall is still a
            # descendant: once reaped, its number may lead a stranger's session.
            sessions = {self.session} | ({self.pid} & descendants)
            for pid in support.all_pids():
                st = support.proc_stat(pid)
                if st is not None and st[3] in sessions:
                    victims.add(pid)
            self._kill_tracked()
            for pid in victims:
                st = support.proc_stat(pid)
                if st is not None and st[0] != "Z":
                    _kill(pid)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        self._log.close()  # the reader thread may still hold it: a daemon thread, gone at exit
        for t in self._threads:
            t.join(2)
        if self._stdin_w is not None:
            os.close(self._stdin_w)
            self._stdin_w = None


@pytest.fixture
def terminal_lastcall(lastcall_bin, tmp_path):
    """terminal_lastcall(*args, mode="job", stdin="tty", log="pipe", background=False,
    config=None, env=None, log_format="json", log_level=None, prefix=None)
    -> TerminalLastcall, with .terminal the Terminal it runs on.

    args are lastcall's own arguments, as for lastcall(...). Every process the test started
    is killed at teardown, and the terminal closed."""
    started = []
    counter = [0]

    def start(*args, mode="job", stdin="tty", log="pipe", background=False, config=None, env=None,
              log_format="json", log_level=None, prefix=None):
        counter[0] += 1
        argv = [lastcall_bin]
        if log_format:
            argv += ["--log-format", log_format]
        if log_level:
            argv += ["--log-level", log_level]
        if config is not None:
            argv += ["--config", support.write_config(tmp_path, config, "tconfig%d.json" % counter[0])]
        argv += [str(a) for a in args]
        base = {"TERM": "xterm", "PS1": "test-shell$ ", "HISTFILE": "/dev/null", "HOME": str(tmp_path)}
        base.update(env or {})
        terminal = Terminal()
        try:
            lc = TerminalLastcall(list(prefix or []), argv,
                                  support.clean_env(base), str(tmp_path), terminal,
                                  tmp_path / ("job%d.status" % counter[0]), mode, stdin=stdin,
                                  log=log, background=background)
        except BaseException:
            terminal.close()
            raise
        started.append(lc)
        return lc

    yield start
    for lc in started:
        try:
            lc.kill_everything()
        finally:
            lc.terminal.close()
