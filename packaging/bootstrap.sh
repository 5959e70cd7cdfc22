#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One entry point for a fresh Debian 12 machine: installs what is missing, builds, and then
#   demo          runs lastcall on the bundled demo workload (press Ctrl+C to see the sequence),
#   build-static  builds the fully static, stripped binary into build-static/lastcall
#                 (what the Dockerfile runs), or
#   test          runs every test: unit tests, then the black-box suite, on a normal build and
#                 again on an ASan+UBSan build; the first run also checks the static binary
#                 (build-static/) and the .deb (build-pkg/); then valgrind memcheck on one
#                 shutdown, each libFuzzer target for $LASTCALL_FUZZ_SECONDS (10 s) after
#                 replaying its regression inputs (tests/fuzz/run.sh; give it 600 for a hunt),
#                 and last the system tests against real systemd, podman, haproxy, nginx,
#                 redis and postgres (tests/system; as root, each skipped where it cannot run).
set -euo pipefail
# Command substitutions keep errexit too: `deb=$(build_package)` fails when the static build
# inside it fails, instead of packaging whatever binary an earlier build left behind.
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

# What building needs (the demo, the Dockerfile's build stage), and what only the tests add.
build_packages=(build-essential cmake pkg-config libuv1-dev nlohmann-json3-dev libhttp-parser-dev
                doctest-dev)
test_packages=(python3 python3-pytest python3-pytest-xdist util-linux procps python3-yaml python3-jsonschema groff-base
               clang libclang-rt-14-dev valgrind strace)

policy_rc=/usr/sbin/policy-rc.d policy_rc_created=
remove_policy_rc() {  # removes the policy file install_missing wrote, if it wrote one
  [ -n "$policy_rc_created" ] || return 0
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" rm -f "$policy_rc"
  policy_rc_created=
}

install_missing() {  # install_missing PACKAGE...
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "missing packages: ${missing[*]}; run as root or install sudo" >&2; exit 1; }
    sudo=(sudo)
  fi
  echo "installing: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  # Servers among them (nginx, redis, postgres, haproxy) must not start as services here: the
  # tests start their own on loopback ports. The policy file goes away on every exit, also on
  # Ctrl+C or a failed install.
  if [ ! -e "$policy_rc" ]; then
    policy_rc_created=1
    trap 'remove_policy_rc' EXIT
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy_rc" >/dev/null
    "${sudo[@]}" chmod +x "$policy_rc"
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    "${missing[@]}"
  remove_policy_rc
}

build() {  # build DIR [cmake args...]: every target
  local dir=$1
  shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
}

build_static() {  # the static binary in build-static/, and the .deb built from it in build-pkg/
  build build-static -DLASTCALL_STATIC=ON -DLASTCALL_TESTS=OFF
}

build_package() {  # prints the path of the .deb; everything else goes to stderr
  build_static >&2
  rm -f build-pkg/lastcall_*.deb
  (cd build-static && cpack -G DEB -B "$here/build-pkg") >&2
  ls "$here"/build-pkg/lastcall_*_"$(dpkg --print-architecture)".deb
}

run_tests() {  # run_tests DIR LABEL
  local dir=$1 label=$2
  echo "== unit tests ($label) [${SECONDS}s]"
  (cd "$dir" && ctest --output-on-failure)
  echo "== integration tests ($label) [${SECONDS}s]"
  # Three at a time: most tests wait on processes and timers, so a 2-core machine takes it,
  # and every test keeps its own temp dir, ports from the kernel and process groups.
  LASTCALL_BIN="$here/$dir/lastcall" /usr/bin/python3 -m pytest -q -p no:cacheprovider -n 3 --durations=5 tests/integration
}

case "${1:-}" in
  demo)
    install_missing "${build_packages[@]}"
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build build -j"$(nproc)" --target lastcall  # the unit tests are not needed to watch
    echo
    echo "Running: build/lastcall -c docs/examples/demo.json -- docs/examples/demo.sh"
    echo "Press Ctrl+C to watch the shutdown sequence (twice to force an exit)."
    echo
    exec build/lastcall --log-format text -c docs/examples/demo.json -- docs/examples/demo.sh
    ;;
  build-static)
    install_missing "${build_packages[@]}"
    build_static
    ;;
  test)
    # The real systems the system tests run lastcall under; podman and runc in one call, or apt
    # picks crun, which this host's hybrid cgroups refuse. Read only here: the Docker build
    # stage runs build-static without tests/.
    mapfile -t system_packages < <(cat tests/system/*.packages)
    install_missing "${build_packages[@]}" "${test_packages[@]}" "${system_packages[@]}"
    SECONDS=0  # the test command's own time, without the package installation
    echo "== build: release, static and the .deb [${SECONDS}s]"
    build build
    deb=$(build_package)
    LASTCALL_STATIC_BIN="$here/build-static/lastcall" LASTCALL_DEB="$deb" run_tests build release
    echo "== build: ASan+UBSan [${SECONDS}s]"
    # -O0: the sanitizers find the same faults, and it builds in a third of the time of -O2 -g.
    build build-sanitize -DLASTCALL_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      run_tests build-sanitize "ASan+UBSan"
    echo "== valgrind memcheck (release) [${SECONDS}s]"
    tests/integration/valgrind_shutdown.sh build/lastcall
    echo "== fuzz (${LASTCALL_FUZZ_SECONDS:-10}s per target) [${SECONDS}s]"
    tests/fuzz/run.sh "${LASTCALL_FUZZ_SECONDS:-10}"
    echo "== system tests (systemd, podman, load balancer, recipes) [${SECONDS}s]"
    LASTCALL_BIN="$here/build/lastcall" LASTCALL_STATIC_BIN="$here/build-static/lastcall" \
      /usr/bin/python3 -m pytest -q -p no:cacheprovider -rP --durations=0 tests/system
    echo "== all tests passed [${SECONDS}s]"
    ;;
  *)
    echo "usage: $0 demo|build-static|test" >&2
    exit 2
    ;;
esac
