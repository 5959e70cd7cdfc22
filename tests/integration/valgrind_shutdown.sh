#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Valgrind memcheck on a representative shutdown: a child, a pre-stop hook with output and
# an orphan it leaves behind, the stop signal, post-stop hooks (one switched to nobody, the
# fork+exec path), a clean exit.
#
#   tests/integration/valgrind_shutdown.sh [LASTCALL_BINARY]   (default: build/lastcall)
#
# Fails on any memcheck error or a definite/indirect leak, or when the sequence does not end
# with the child's status (143) and shutdown_complete. Needs valgrind; a plain (non-ASan)
# build of lastcall.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${1:-$here/build/lastcall}
command -v valgrind >/dev/null || { echo "valgrind_shutdown: valgrind is not installed" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/lastcall.json" <<JSON
{
  "grace": "10s",
  "hooks": {
    "pre_stop": [
      { "name": "talk", "command": "echo pre-stop for \$LASTCALL_CHILD_PID; (sleep 30 &); sleep 0.2" },
      { "name": "array", "command": ["printf", "%s\\\\n", "one", "two"], "priority": -1 }
    ],
    "post_stop": [ { "name": "report", "command": "echo child exited \$LASTCALL_CHILD_EXIT_CODE" },
                   { "name": "as-nobody", "command": ["id", "-u"], "user": "nobody" } ]
  }
}
JSON
valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
  --errors-for-leak-kinds=definite,indirect --log-file="$work/valgrind.log" \
  "$bin" --log-format json -c "$work/lastcall.json" -- sleep 60 2>"$work/log" &
pid=$!
for _ in $(seq 1 200); do
  grep -q '"event":"child_started"' "$work/log" 2>/dev/null && break
  sleep 0.1
done
kill -TERM "$pid"
set +e
wait "$pid"
code=$?
set -e
cat "$work/valgrind.log"
if [ "$code" -ne 143 ]; then
  echo "valgrind_shutdown: exit code $code, expected 143 (99: memcheck found errors)" >&2
  tail -20 "$work/log" >&2
  exit 1
fi
grep -q '"event":"shutdown_complete"' "$work/log" || { echo "valgrind_shutdown: no shutdown_complete" >&2; exit 1; }
echo "valgrind_shutdown: memcheck clean, $(grep -c . "$work/log") log lines, exit 143"
