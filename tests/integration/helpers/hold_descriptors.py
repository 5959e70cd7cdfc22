# SPDX-License-Identifier: MIT
"""hold_descriptors.py LIMIT UPTO COMMAND...: sets RLIMIT_NOFILE to LIMIT, keeps every
descriptor from 3 to UPTO open and inheritable, and execs COMMAND, so that COMMAND starts
with only LIMIT - UPTO - 1 descriptors left to open."""
import os
import resource
import sys

limit, upto = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
fd = os.open("/dev/null", os.O_RDONLY)
while fd < upto:
    fd = os.dup(fd)
for held in range(3, upto + 1):
    os.set_inheritable(held, True)
os.execv(sys.argv[3], sys.argv[3:])
