# syntax=docker/dockerfile:1
# SPDX-License-Identifier: MIT
# The demo image: lastcall as PID 1 running docs/examples/demo.sh under docs/examples/demo.json.
#   docker build -t lastcall-demo .              # the demo (debian:12-slim: its hooks need /bin/sh)
#   docker run --rm -it --stop-timeout 15 lastcall-demo   # Ctrl+C or `docker stop` shows the sequence
#     (15 s: the demo's grace 10s + post_stop_timeout 3s + 2s; Docker's default of 10 s is too short)
#   docker build --target static -t lastcall:static .   # FROM scratch: the binary alone
# Stage 1 runs the same command as the README and CI (`packaging/bootstrap.sh`), so what is
# tested is what is shipped. See docker/README.md.

FROM debian:12 AS build
WORKDIR /src
# Only what the build reads: a checkout's own build directories must not come along.
COPY CMakeLists.txt ./
COPY src/ src/
COPY packaging/ packaging/
COPY docs/examples/ docs/examples/
COPY docs/lastcall.schema.json docs/
RUN bash packaging/bootstrap.sh build-static

# The static binary alone, for `COPY --from=` into another image (docker/add-to-existing-image.Dockerfile)
# or to run a static workload. Nothing else is there: no /bin/sh, so hooks must be array
# commands of static programs.
FROM scratch AS static
COPY --from=build /src/build-static/lastcall /usr/bin/lastcall
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/lastcall", "--"]

# The default target: the demo. Its hooks are shell commands, hence a base with /bin/sh.
FROM debian:12-slim AS demo
COPY --from=build /src/build-static/lastcall /usr/bin/lastcall
# 0644 whatever the checkout's umask: as root, lastcall refuses a config that others can change.
COPY --chmod=0644 docs/examples/demo.json /etc/lastcall/demo.json
COPY --chmod=0755 docs/examples/demo.sh /usr/share/lastcall/demo.sh
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/lastcall", "-c", "/etc/lastcall/demo.json", "--"]
CMD ["/usr/share/lastcall/demo.sh"]
