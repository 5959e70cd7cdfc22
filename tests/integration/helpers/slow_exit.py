#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A process that takes its time to stop, as a server finishing its requests does: it exits 0
--delay seconds after the last SIGTERM it received, and every SIGTERM starts that wait again
(the pattern that a repeated stop signal defeats).

--out FILE: append "<SIGNAME> <epoch seconds>" for every signal received (SIGCHLD aside),
            then "exit <epoch seconds>" just before exiting.
--pidfile FILE: write our pid there (atomically) once the handlers are installed.
--ignore-term: record SIGTERM but never exit because of it (only SIGKILL ends it).
"""
import argparse
import os
import signal
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--delay", type=float, default=0.5)
    p.add_argument("--pidfile")
    p.add_argument("--ignore-term", action="store_true")
    args = p.parse_args()
    out = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    deadline = [None]

    def on_signal(num, _frame):
        os.write(out, ("%s %.6f\n" % (signal.Signals(num).name, time.time())).encode())
        if num == signal.SIGTERM and not args.ignore_term:
            deadline[0] = time.monotonic() + args.delay

    for num in signal.valid_signals():
        if num in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD):
            continue
        try:
            signal.signal(num, on_signal)
        except (OSError, ValueError):
            pass
    if args.pidfile:
        tmp = args.pidfile + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(tmp, args.pidfile)
    while deadline[0] is None or time.monotonic() < deadline[0]:
        time.sleep(0.005)
    os.write(out, ("exit %.6f\n" % time.time()).encode())
    os._exit(0)


if __name__ == "__main__":
    main()
