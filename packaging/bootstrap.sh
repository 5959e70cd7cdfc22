#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One entry point for a fresh Debian 12 machine: installs what is missing, builds, and then
#   demo  runs lastcall on the bundled demo workload (press Ctrl+C to see the sequence), or
#   test  runs every test: unit tests, then the black-box suite, on a normal build and again
#         on an ASan+UBSan build.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

packages=(build-essential cmake pkg-config libuv1-dev libcli11-dev nlohmann-json3-dev doctest-dev
          python3 python3-pytest util-linux procps)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "installing: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {  # build DIR [cmake args...]
  local dir=$1
  shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
}

run_tests() {  # run_tests DIR LABEL
  local dir=$1 label=$2
  echo "== unit tests ($label)"
  (cd "$dir" && ctest --output-on-failure)
  echo "== integration tests ($label)"
  LASTCALL_BIN="$here/$dir/lastcall" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration
}

case "${1:-}" in
  demo)
    install_missing
    build build
    echo
    echo "Running: build/lastcall -c docs/examples/demo.json -- docs/examples/demo.sh"
    echo "Press Ctrl+C to watch the shutdown sequence (twice to force an exit)."
    echo
    exec build/lastcall --log-format text -c docs/examples/demo.json -- docs/examples/demo.sh
    ;;
  test)
    install_missing
    build build
    run_tests build release
    build build-sanitize -DLASTCALL_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      run_tests build-sanitize "ASan+UBSan"
    ;;
  *)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac
