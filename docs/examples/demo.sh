#!/bin/sh
# SPDX-License-Identifier: MIT
# A tiny workload for the demo: prints a tick a second, and on SIGTERM (or SIGINT) cleans up
# for a moment before it exits, like a real service flushing its buffers.
n=0
stopping=0
cleanup() {
  stopping=1
  echo "demo: got the stop signal; saving state..."
  sleep 1
  echo "demo: state saved after $n ticks; bye"
  exit 0
}
trap cleanup TERM INT
echo "demo: started as pid $$; ticking once a second"
while [ "$stopping" -eq 0 ]; do
  n=$((n + 1))
  echo "demo: tick $n"
  sleep 1 &
  wait $!
done
