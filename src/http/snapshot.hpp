// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "core/duration.hpp"
#include "core/state.hpp"

namespace lastcall::http {

// What the admin endpoint reports: a copy of the run's state and counters that app keeps up
// to date from the supervisor's reports and the router's, reaper's and hook runner's
// callbacks. The server only reads it; it never reaches into the supervisor. Plain data,
// living as long as the run.
struct Snapshot {
  core::State state = core::State::Running;
  bool child_running = false;  // from the spawn until the child has been reaped
  std::chrono::system_clock::time_point started{};  // when lastcall started
  std::map<std::string, std::uint64_t> signals_received;  // by signal name
  std::map<std::string, std::uint64_t> signals_relayed;   // by the signal the child got
  std::uint64_t zombies_reaped = 0;                       // adopted orphans reaped
  std::map<std::pair<std::string, std::string>, std::uint64_t> hook_runs;  // (phase, status)
  std::map<std::pair<std::string, std::string>, core::Duration> hook_durations;  // (phase, hook): last run
  std::map<std::string, core::Duration> phase_durations;  // by state name, once the state ended

  bool ready = false;  // the supervisor's word: the last check passed and no trigger arrived
  std::optional<core::Duration> ready_after;  // from the spawn to the first pass
};

}  // namespace lastcall::http
