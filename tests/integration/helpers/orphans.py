#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An orphan maker: forks --count intermediates that fork one grandchild each and exit at once,
so every grandchild is re-parented to the nearest subreaper (lastcall) or PID 1.

--mode exit: each grandchild waits until it has been re-parented, appends its new parent pid
             to --report, and exits at once (a zombie lastcall must reap).
--mode setsid: each grandchild calls setsid() (leaving our process group and session),
             appends its own pid to --report and runs until signalled (--ignore-term: until
             SIGKILL).
Once every intermediate has exited, creates --done and then waits for a signal (SIGTERM ends
it) so that lastcall keeps running while the test inspects it; with --then-exit it exits 0
instead (as a hook that must finish).
"""
import argparse
import os
import signal
import time


def grandchild_exit_mode(report_fd, original_parent, gone_r):
    # EOF once the intermediate has exited (it holds the only other write end); its exit
    # closes files just before re-parenting us, so poll getppid() for the last moment.
    os.read(gone_r, 1)
    deadline = time.monotonic() + 10
    while os.getppid() == original_parent and time.monotonic() < deadline:
        time.sleep(0.001)
    os.write(report_fd, b"%d\n" % os.getppid())
    os._exit(0)


def grandchild_setsid_mode(report_fd, ignore_term):
    os.setsid()
    if ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.write(report_fd, b"%d\n" % os.getpid())
    os.close(report_fd)
    while True:
        signal.pause()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--mode", choices=["exit", "setsid"], default="exit")
    p.add_argument("--report", required=True)
    p.add_argument("--done", required=True)
    p.add_argument("--ignore-term", action="store_true")
    p.add_argument("--then-exit", action="store_true")
    args = p.parse_args()
    report_fd = os.open(args.report, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    intermediates = []
    for _ in range(args.count):
        gone_r, gone_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            me = os.getpid()
            if os.fork() == 0:
                os.close(gone_w)
                if args.mode == "exit":
                    grandchild_exit_mode(report_fd, me, gone_r)
                grandchild_setsid_mode(report_fd, args.ignore_term)
            os._exit(0)
        os.close(gone_r)
        os.close(gone_w)
        intermediates.append(pid)
        if len(intermediates) >= 50:
            os.waitpid(intermediates.pop(0), 0)
    for pid in intermediates:
        os.waitpid(pid, 0)
    open(args.done, "w").close()
    if args.then_exit:
        os._exit(0)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
