# syntax=docker/dockerfile:1
# SPDX-License-Identifier: MIT
# Put lastcall in front of an image you already have. Build lastcall's static image once:
#   docker build --target static -t lastcall:static .
# then copy these lines into your own Dockerfile. The binary is static, so it runs on any
# Linux base (Debian, Alpine, distroless, scratch).
ARG LASTCALL_IMAGE=lastcall:static
FROM ${LASTCALL_IMAGE} AS lastcall

FROM debian:12-slim
# ... your image as before ...
COPY --from=lastcall /usr/bin/lastcall /usr/bin/lastcall
# 0644 whatever the build context's umask: as root, lastcall refuses a config that others can
# change (a file from a umask-002 checkout is 0664).
COPY --chmod=0644 lastcall.json /etc/lastcall.json
# Docker sends STOPSIGNAL on `docker stop`; lastcall treats SIGTERM as the trigger.
STOPSIGNAL SIGTERM
# lastcall becomes PID 1. What was your ENTRYPOINT goes after `--` (here, in CMD).
ENTRYPOINT ["/usr/bin/lastcall", "-c", "/etc/lastcall.json", "--"]
CMD ["/usr/local/bin/my-server", "--port", "8080"]
# `docker stop` waits 10 s, then SIGKILLs lastcall. Give it grace + post_stop_timeout + 2 s:
# with lastcall's defaults (24s + 5s) `docker run --stop-timeout 31` (Compose:
# stop_grace_period: 31s), or set a grace in lastcall.json that fits the 10 s (7s, with
# post_stop_timeout 2s).
