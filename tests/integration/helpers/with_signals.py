#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs COMMAND the way a parent that changed its signal dispositions would: as `nohup`
(SIGHUP ignored), a shell's background job (SIGINT, SIGQUIT ignored), a program that ignores
SIGCHLD, or one that blocks a signal, since both ignored dispositions and the mask survive
exec(2).

with_signals.py [--ignore SIG]... [--block SIG]... [--pending SIG]... -- COMMAND [ARG...]

Every other signal is at its default and unblocked (Python's own SIG_IGN of SIGPIPE and
SIGXFSZ is undone). --pending SIG blocks SIG and sends it to ourselves before the exec, so
it is already waiting when COMMAND starts.
"""
import argparse
import os

from signal_names import parse_sig, set_dispositions


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ignore", action="append", default=[], type=parse_sig)
    p.add_argument("--block", action="append", default=[], type=parse_sig)
    p.add_argument("--pending", action="append", default=[], type=parse_sig)
    p.add_argument("command", nargs="+")
    args = p.parse_args()
    set_dispositions(ignored=args.ignore, blocked=set(args.block) | set(args.pending))
    for num in args.pending:
        os.kill(os.getpid(), num)
    os.execvp(args.command[0], args.command)


if __name__ == "__main__":
    main()
