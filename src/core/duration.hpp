// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <string>

namespace lastcall::core {

// Every span of time inside lastcall: the grace budget, drain, hook timeouts. Milliseconds
// are the finest unit the contract speaks in; `_ms` suffixes appear only at the edges.
using Duration = std::chrono::milliseconds;

// The monotonic clock that deadlines are measured on.
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// The time from `from` to `to` in whole milliseconds.
[[nodiscard]] inline Duration since(TimePoint from, TimePoint to) {
  return std::chrono::duration_cast<Duration>(to - from);
}

// The shortest DURATION text (CONTRACT §1) for a span: "1.5s", "250ms", "2m", "1m30s", "0s".
[[nodiscard]] std::string format_duration(Duration duration);

}  // namespace lastcall::core
