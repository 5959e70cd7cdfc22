#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Socket activation as systemd does it (sd_listen_fds(3)): opens --count listening TCP
sockets on 127.0.0.1 (ports from the kernel) at descriptors 3, 4, ..., writes their ports to
--ports (one a line, atomically), sets LISTEN_FDS, LISTEN_FDNAMES (--names) and LISTEN_PID,
then executes the command after "--" in this same process.

--listen-pid: "self" (default: this pid, which the command keeps across exec) or a number,
to name another process."""
import argparse
import fcntl
import os
import socket


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ports", required=True)
    p.add_argument("--count", type=int, default=2)
    p.add_argument("--names")
    p.add_argument("--listen-pid", default="self")
    p.add_argument("command", nargs=argparse.REMAINDER)
    args = p.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    sockets = []
    for _ in range(args.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        sockets.append(s)
    tmp = args.ports + ".tmp"
    with open(tmp, "w") as f:
        f.write("".join("%d\n" % s.getsockname()[1] for s in sockets))
    os.rename(tmp, args.ports)
    # Out of the way first, so that moving one to 3 + i cannot close another.
    high = [fcntl.fcntl(s.fileno(), fcntl.F_DUPFD_CLOEXEC, 100) for s in sockets]
    for s in sockets:
        s.close()
    for i, fd in enumerate(high):
        os.dup2(fd, 3 + i, inheritable=True)
        os.close(fd)
    os.environ["LISTEN_PID"] = str(os.getpid()) if args.listen_pid == "self" else args.listen_pid
    os.environ["LISTEN_FDS"] = str(args.count)
    if args.names is not None:
        os.environ["LISTEN_FDNAMES"] = args.names
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
