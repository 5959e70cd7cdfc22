#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets with clang (ASan+UBSan), replays every saved regression input,
# then fuzzes each target for a while.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
#
# SECONDS per target defaults to $LASTCALL_FUZZ_SECONDS or 10 (what `bootstrap.sh test` runs).
# For a real hunt give each target ten minutes or more:  tests/fuzz/run.sh 600
# TARGETs are config, duration, signal, cli and http (all by default).
#
# The corpus grows in $LASTCALL_FUZZ_BUILD/corpus/TARGET (build-fuzz by default), seeded from
# tests/fuzz/seeds/TARGET and, for config, docs/examples/*.json. A crash stops the run; the
# input is saved under $LASTCALL_FUZZ_BUILD/artifacts/TARGET/. Fix the bug, then keep the input
# as tests/fuzz/regressions/TARGET/<what-it-broke> so that every later run replays it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
seconds=${1:-${LASTCALL_FUZZ_SECONDS:-10}}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(config duration signal cli http)
build=${LASTCALL_FUZZ_BUILD:-$repo/build-fuzz}

CC=clang CXX=clang++ cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLASTCALL_FUZZ=ON -DLASTCALL_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/%/_fuzz}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

replay() {  # replay TARGET: runs every saved regression input once
  local target=$1 inputs=()
  shopt -s nullglob
  inputs=("$here/regressions/$target"/*)
  shopt -u nullglob
  ((${#inputs[@]})) || return 0
  echo "== fuzz $target: replaying ${#inputs[@]} regression inputs"
  "$build/tests/fuzz/${target}_fuzz" -close_fd_mask=1 "${inputs[@]}" 2>"$build/replay-$target.log" ||
    { tail -40 "$build/replay-$target.log"; return 1; }
}

fuzz() {  # fuzz TARGET
  local target=$1
  local corpus=$build/corpus/$target artifacts=$build/artifacts/$target/
  mkdir -p "$corpus" "$artifacts"
  local seeds=("$here/seeds/$target")
  [ "$target" = config ] && seeds+=("$repo/docs/examples")
  echo "== fuzz $target: ${seconds}s"
  # -close_fd_mask=1: --help and --version print to stdout on every run of the cli target.
  "$build/tests/fuzz/${target}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=8192 -close_fd_mask=1 -print_final_stats=1 -artifact_prefix="$artifacts" \
    "$corpus" "${seeds[@]}" 2>"$build/fuzz-$target.log" || {
      tail -60 "$build/fuzz-$target.log"
      echo "fuzz $target: crash saved in $artifacts; fix it and keep the input in tests/fuzz/regressions/$target/" >&2
      return 1
    }
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+.*DONE' "$build/fuzz-$target.log" || true
}

for target in "${targets[@]}"; do
  replay "$target"
  fuzz "$target"
done
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no crash"
