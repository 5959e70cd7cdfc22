#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An interactive child: it uses its terminal the way a shell or a prompt does.

Default: prints "ready", then reads lines from stdin and answers each with "got <line>",
until end of file (exit 0).
--raw: switches stdin to raw mode first (tcsetattr), prints "raw", reads one byte, puts the
terminal back as it was and prints "got <byte value>", then exits 0.
--out FILE: appends the name of every signal received (SIGINT, SIGTSTP, ...) to FILE; SIGINT,
SIGTERM and SIGQUIT are recorded and then end the program as they would without a handler.
"""
import argparse
import os
import signal
import sys
import termios
import tty

FATAL = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
RECORDED = FATAL + (signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH, signal.SIGCONT)


def say(text):
    os.write(1, (text + "\r\n").encode())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--raw", action="store_true")
    p.add_argument("--out")
    args = p.parse_args()
    if args.out:
        out = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

        def on_signal(num, _frame):
            os.write(out, (signal.Signals(num).name + "\n").encode())
            if num in FATAL:
                signal.signal(num, signal.SIG_DFL)
                os.kill(os.getpid(), num)
        for num in RECORDED:
            signal.signal(num, on_signal)
    if args.raw:
        saved = termios.tcgetattr(0)
        tty.setraw(0)  # SIGTTOU while our process group is not the terminal's foreground one
        say("raw")
        byte = os.read(0, 1)
        termios.tcsetattr(0, termios.TCSADRAIN, saved)
        say("got %d" % (byte[0] if byte else -1))
        return
    say("ready")
    for line in sys.stdin:
        say("got " + line.rstrip("\n"))


if __name__ == "__main__":
    main()
