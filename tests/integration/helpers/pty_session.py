#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The session leader of a test's pseudo-terminal, doing what a login or a shell does.

Started in a session of its own (or it makes one) with the terminal on --tty-fd (default 0):
it makes that terminal its controlling terminal (TIOCSCTTY), then

--exec:  becomes COMMAND (which is then the session leader and the foreground process group,
         as the first process of `docker run -it` is);
--job:   starts COMMAND as a job, as a shell with job control does: in a process group of its
         own that it makes the terminal's foreground group (unless --background) before the
         exec, then reports on --status, one line each: "pid N" once started, "stopped SIG",
         "continued", and at the end "exited N" or "signaled N". After that it leaves the
         terminal alone and waits to be killed, so the terminal stays as COMMAND left it.

COMMAND starts with the signal dispositions and mask a shell gives a job: every signal at its
default, none blocked (Python's own SIG_IGN of SIGPIPE and SIGXFSZ included).
"""
import argparse
import fcntl
import os
import signal
import termios

from signal_names import set_dispositions

JOB_CONTROL = (signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU, signal.SIGINT, signal.SIGQUIT)


def report(path, line):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def run_job(args, tty_fd):
    # A shell with job control ignores these for itself and resets them in the job.
    for num in JOB_CONTROL:
        signal.signal(num, signal.SIG_IGN)
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(go_w)
        os.setpgid(0, 0)
        os.read(go_r, 1)  # until the parent has made our group the foreground one
        os.close(go_r)
        set_dispositions()
        try:
            os.execvp(args.command[0], args.command)
        finally:
            os._exit(127)
    os.close(go_r)
    # Our copy of stderr (lastcall's log pipe) must not keep the pipe open after lastcall.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        os.setpgid(pid, pid)
    except PermissionError:
        pass  # EACCES: the child has exec'd already (it cannot have: it waits for go)
    if not args.background:
        os.tcsetpgrp(tty_fd, pid)
    report(args.status, "pid %d" % pid)
    os.write(go_w, b"g")
    os.close(go_w)
    while True:
        _, status = os.waitpid(pid, os.WUNTRACED | os.WCONTINUED)
        if os.WIFSTOPPED(status):
            report(args.status, "stopped %s" % signal.Signals(os.WSTOPSIG(status)).name)
        elif os.WIFCONTINUED(status):
            report(args.status, "continued")
        elif os.WIFEXITED(status):
            report(args.status, "exited %d" % os.WEXITSTATUS(status))
            break
        else:
            report(args.status, "signaled %d" % os.WTERMSIG(status))
            break
    while True:
        signal.pause()


def main():
    p = argparse.ArgumentParser()
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--exec", action="store_true")
    mode.add_argument("--job", action="store_true")
    p.add_argument("--tty-fd", type=int, default=0)
    p.add_argument("--status")
    p.add_argument("--background", action="store_true")
    p.add_argument("command", nargs="+")
    args = p.parse_args()
    if os.getsid(0) != os.getpid():
        os.setsid()
    fcntl.ioctl(args.tty_fd, termios.TIOCSCTTY, 0)
    if args.exec:
        set_dispositions()
        os.execvp(args.command[0], args.command)
    run_job(args, args.tty_fd)


if __name__ == "__main__":
    main()
