// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>

namespace lastcall::core {

// Every span of time inside lastcall: the grace budget, drain, hook timeouts. Milliseconds
// are the finest unit the contract speaks in; `_ms` suffixes appear only at the edges.
using Duration = std::chrono::milliseconds;

// The monotonic clock that deadlines are measured on.
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

}  // namespace lastcall::core
