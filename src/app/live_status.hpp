// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <string>
#include <vector>

#include "config/settings.hpp"
#include "core/duration.hpp"
#include "core/state.hpp"
#include "hooks/hook_runner.hpp"
#include "log/logger.hpp"
#include "supervisor/supervisor.hpp"
#include "uv/timer.hpp"

namespace lastcall::app {

// How often the status line is drawn again while the sequence runs: often enough that the
// tenths of a second count down, rarely enough to cost nothing.
inline constexpr core::Duration kLiveStatusPeriod{100};

// What the status line shows at one moment.
struct LiveView {
  core::State state = core::State::Running;
  core::Duration in_state{0};  // since the state began
  std::vector<hooks::HookProgress> hooks;  // running now
  bool child_running = true;
  pid_t child_pid = -1;
  core::Duration grace_left{0};
  core::Duration drain_left{0};  // while draining
  core::Duration cap_left{0};    // of the hook phase in progress
};

// The status line's text, e.g. "lastcall >> pre_stop 2.1s | hooks: flush 1.2s/5.0s |
// grace left 25.0s"; the phase is bold when `colour`. Empty while running and once exited.
[[nodiscard]] std::string render_live_status(const LiveView& view, bool colour);

// The one-line live status of a terminal, for local development: from the trigger (or the
// child's own exit) until the sequence ends, it shows the phase, the hooks running and the
// budget left in the terminal's bottom row, redrawn every kLiveStatusPeriod. It reads the
// supervisor and the hook runner and decides nothing. Its timer runs only while the sequence
// does, so an idle lastcall stays idle. Without a terminal that can hold the line (see
// log::wants_live_status) it does nothing. It lives as long as the Run and erases the line
// when the sequence ends or it is destroyed.
class LiveStatus {
 public:
  LiveStatus(uv_loop_t* loop, log::Logger& logger, const hooks::HookRunner& hooks,
             const supervisor::Supervisor& supervisor, const config::Settings& settings, pid_t child_pid);
  ~LiveStatus();
  LiveStatus(const LiveStatus&) = delete;
  LiveStatus& operator=(const LiveStatus&) = delete;

  // From the first state after running, the line is drawn; at `exited` (the sequence
  // completed or was forced) it is erased for good.
  void state_changed(core::State state);

 private:
  void stop();
  void on_tick();
  [[nodiscard]] LiveView view() const;

  log::Logger& logger_;
  const hooks::HookRunner& hooks_;
  const supervisor::Supervisor& supervisor_;
  const config::Settings& settings_;
  pid_t child_pid_;
  uv::Timer timer_;
  core::TimePoint entered_{};  // when the supervisor's current state began
  bool stopped_ = false;  // true once the sequence has ended: nothing is drawn any more
};

}  // namespace lastcall::app
