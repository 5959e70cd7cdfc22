#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One command for the whole benchmark suite:
#   tests/bench/run.sh [bench.py options]      e.g. tests/bench/run.sh --quick
# Installs the peers if missing, builds lastcall (dynamic + static, Release) into
# build-bench/ and build-bench-static/, then runs bench.py, which prints the Markdown
# table and writes tests/bench/out/results.md.
# BENCH_SKIP_BUILD=1 uses whatever binaries are already there; --lastcall PATH or
# --lastcall-static PATH skips that build alone; BENCH_JOBS sets -j.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$here/out"
mkdir -p "$out"

say() { printf '[run.sh] %s\n' "$*" >&2; }

# --- peers and tools -------------------------------------------------------
need=()
for tool in tini dumb-init catatonit strace unshare cc; do
  command -v "$tool" >/dev/null 2>&1 && continue
  case "$tool" in
    unshare) need+=(util-linux) ;;
    cc) need+=(gcc libc6-dev) ;;
    *) need+=("$tool") ;;
  esac
done
if ((${#need[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${need[*]}"
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 ||
      say "warning: apt-get install ${need[*]} failed; the missing ones will show as n/a"
  else
    say "warning: missing ${need[*]} (not root or no apt-get); they will show as n/a"
  fi
fi

# --- lastcall builds -------------------------------------------------------
args=()
build() { # name dir [cmake args...]
  local name=$1 dir=$2; shift 2
  local logf="$out/build-$name.log"
  say "building lastcall ($name) in ${dir#$repo/} (log: ${logf#$repo/})"
  if cmake -S "$repo" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DLASTCALL_TESTS=OFF "$@" >"$logf" 2>&1 &&
     cmake --build "$dir" -j"${BENCH_JOBS:-2}" --target lastcall >>"$logf" 2>&1 &&
     [[ -x "$dir/lastcall" ]]; then
    return 0
  fi
  say "warning: $name build failed; see $logf"
  return 1
}
# A binary named on the command line (--lastcall PATH, --lastcall-static PATH) is the one
# measured: the build it would replace is not made.
given_dynamic= given_static=
for arg in "$@"; do
  case "$arg" in
    --lastcall | --lastcall=*) given_dynamic=1 ;;
    --lastcall-static | --lastcall-static=*) given_static=1 ;;
  esac
done
if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  if [[ -n "$given_dynamic" ]]; then
    :
  elif build dynamic "$repo/build-bench"; then
    args+=(--lastcall "$repo/build-bench/lastcall")
  else
    args+=(--lastcall none --lastcall-why "build failed (tests/bench/out/build-dynamic.log)")
  fi
  if [[ -n "$given_static" ]]; then
    :
  elif build static "$repo/build-bench-static" -DLASTCALL_STATIC=ON; then
    args+=(--lastcall-static "$repo/build-bench-static/lastcall")
  else
    args+=(--lastcall-static none --lastcall-static-why "build failed (tests/bench/out/build-static.log)")
  fi
fi

exec python3 "$here/bench.py" "${args[@]}" "$@"
