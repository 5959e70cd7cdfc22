#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A child that records every signal it receives.

Prints "ready" once its handlers are installed (and, with --grandchild, once the grandchild
recorder is ready too), then one line per received signal name (SIGUSR1, SIGRTMIN+1, ...).
Each line is written with one O_APPEND write, so it is complete the moment it is visible.

SIGTERM, SIGINT and SIGQUIT are recorded and then re-raised with the default disposition, so
the recorder dies of them like an ordinary program, unless --ignore-term (SIGTERM is then only
recorded) or --exit-on SIG:CODE says otherwise.
"""
import argparse
import os
import resource
import signal
import subprocess
import sys
import time

from signal_names import parse_sig

UNCATCHABLE = {signal.SIGKILL, signal.SIGSTOP}
FATAL_BY_DEFAULT = {signal.SIGTERM, signal.SIGINT, signal.SIGQUIT}


def signame(num):
    try:
        name = signal.Signals(num).name
        if name not in ("SIGRTMIN", "SIGRTMAX") or num in (signal.SIGRTMIN, signal.SIGRTMAX):
            return name
    except ValueError:
        pass
    if signal.SIGRTMIN <= num <= signal.SIGRTMAX:
        return "SIGRTMIN+%d" % (num - signal.SIGRTMIN)
    return "SIG%d" % num


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", help="file to append lines to (default stdout)")
    p.add_argument("--ignore-term", action="store_true", help="record SIGTERM, keep running")
    p.add_argument("--grandchild", help="spawn a grandchild recorder in the same group writing to FILE")
    p.add_argument("--grandchild-ignore-term", action="store_true")
    p.add_argument("--exit-on", action="append", default=[], metavar="SIG:CODE",
                   help="exit with CODE after recording SIG")
    p.add_argument("--pidfile")
    p.add_argument("--record-chld", action="store_true", help="record SIGCHLD too")
    args = p.parse_args()

    # A re-raised SIGQUIT must not leave core files behind.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644) if args.out else 1
    exit_on = {}
    for item in args.exit_on:
        sig, code = item.rsplit(":", 1)
        exit_on[parse_sig(sig)] = int(code)

    def emit(line):
        os.write(fd, (line + "\n").encode())

    def on_signal(num, _frame):
        emit(signame(num))
        if num in exit_on:
            os._exit(exit_on[num])
        if num in FATAL_BY_DEFAULT and not (num == signal.SIGTERM and args.ignore_term):
            signal.signal(num, signal.SIG_DFL)
            os.kill(os.getpid(), num)

    for num in sorted(signal.valid_signals()):
        if num in UNCATCHABLE or num == signal.SIGCHLD and not args.record_chld:
            continue
        try:
            signal.signal(num, on_signal)
        except (OSError, ValueError, RuntimeError):
            pass

    if args.pidfile:
        write_atomic(args.pidfile, "%d\n" % os.getpid())

    if args.grandchild:
        cmd = [sys.executable, os.path.abspath(__file__), "--out", args.grandchild]
        if args.grandchild_ignore_term:
            cmd.append("--ignore-term")
        # Same process group: no start_new_session, no setpgid.
        subprocess.Popen(cmd, close_fds=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with open(args.grandchild) as f:
                    if "ready" in f.read().split():
                        break
            except FileNotFoundError:
                pass
            time.sleep(0.01)

    emit("ready")
    while True:
        signal.pause()


def write_atomic(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


if __name__ == "__main__":
    main()
