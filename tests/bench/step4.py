#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""CPU time and system calls of lastcall during step 4 of the sequence (CONTRACT §2: stop every
process left after the child) with many unrelated processes on the machine.

    tests/bench/step4.py LASTCALL [UNRELATED] [--strace]

The child exits at once and leaves one process that ignores SIGTERM, so step 4 lasts the whole
10 s grace and ends with SIGKILL. UNRELATED (5000) sleeping processes in sessions of their own
stand for a busy host. Prints the wall time and lastcall's CPU time (rusage at its exit); with
--strace, `strace -c -f` attached for the whole step (slower: compare the syscall counts only).
"""
import os
import signal
import subprocess
import sys
import tempfile
import time


def session_members(sid):
    """The pids of every process in session sid (lastcall's child and hooks have groups of
    their own, in its session)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == sid:
                    members.append(int(entry))
            except OSError:
                pass  # gone meanwhile
    return members


def main():
    lastcall = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 5000
    traced = "--strace" in sys.argv
    sleepers = []
    p = None
    try:
        # In the try: a fork that fails part way (EAGAIN) or a Ctrl+C still kills those made.
        for _ in range(count):
            pid = os.fork()
            if pid == 0:
                try:
                    os.setsid()
                    time.sleep(120)
                finally:
                    os._exit(0)
            sleepers.append(pid)
        child = "(trap '' TERM; exec sleep 100) & sleep 0.3; exit 0"
        p = subprocess.Popen([lastcall, "--log-format", "json", "--grace", "10s", "--", "sh", "-c", child],
                             stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, start_new_session=True)
        p.stderr.readline()  # child_started
        out = tempfile.NamedTemporaryFile(prefix="step4-", suffix=".strace", delete=False).name
        tracer = subprocess.Popen(["strace", "-c", "-f", "-p", str(p.pid), "-o", out],
                                  stderr=subprocess.DEVNULL) if traced else None
        start = time.monotonic()
        p.stderr.read()
        _, _, usage = os.wait4(p.pid, 0)
        p.returncode = 0
        print("lastcall %s, %d unrelated processes: wall %.2f s, CPU %.1f ms (user %.1f + sys %.1f)" % (
            lastcall, count, time.monotonic() - start, 1000 * (usage.ru_utime + usage.ru_stime),
            1000 * usage.ru_utime, 1000 * usage.ru_stime))
        if tracer:
            tracer.wait()
            with open(out) as f:
                print(f.read())
        os.unlink(out)
    finally:
        if p is not None and p.returncode is None:  # interrupted: lastcall's session goes too
            for pid in session_members(p.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            p.wait()
        for pid in sleepers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in sleepers:
            os.waitpid(pid, 0)

if __name__ == "__main__":
    main()
