// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <string>
#include <vector>

#include "config/settings.hpp"
#include "hooks/hook_runner.hpp"
#include "log/logger.hpp"
#include "log/terminal.hpp"
#include "supervisor/supervisor.hpp"
#include "uv/loop.hpp"

namespace lastcall::app {

// How often the status line is drawn again while it shows: often enough that the tenths of a
// second count down, rarely enough to cost nothing.
inline constexpr core::Duration kLiveStatusPeriod{100};

// What the status line shows at one moment.
struct LiveView {
  core::State state = core::State::Running;
  core::Duration in_state{0};  // since the state began (while running: since the spawn)
  std::vector<hooks::HookProgress> hooks;  // running now
  bool child_running = true;
  pid_t child_pid = -1;
  core::Duration grace_left{0};
  core::Duration drain_left{0};  // while draining
  core::Duration cap_left{0};    // of the hook phase in progress
  std::string waiting_for;       // while running: the readiness check not passed yet
};

// The status line's text, e.g. "lastcall >> pre_stop 2.1s | hooks: flush 1.2s/5.0s |
// grace left 25.0s", or "lastcall >> starting 3.0s | waiting for tcp:127.0.0.1:8080" before
// the child is first ready; the state is bold when `colour`. Empty when there is nothing to say.
[[nodiscard]] std::string render_live_status(const LiveView& view, bool colour);

// The one-line live status of a terminal, for local development: until the child is first
// ready (when it has a readiness check), and from the trigger (or the child's own exit)
// until the sequence ends, it shows the state, what runs and the budget left in the
// terminal's bottom row, redrawn every kLiveStatusPeriod. It reads the supervisor and the
// hook runner and decides nothing. Its timer runs only while there is something to show, so
// an idle lastcall stays idle. It stops for good when the child's group takes the terminal
// (the child owns the screen then) or the sequence ends. Lives as long as the Run.
class LiveStatus {
 public:
  LiveStatus(uv_loop_t* loop, log::Logger& logger, const hooks::HookRunner& hooks,
             const supervisor::Supervisor& supervisor, const config::Settings& settings);
  LiveStatus(const LiveStatus&) = delete;
  LiveStatus& operator=(const LiveStatus&) = delete;

  // Draws from now on while the child is not ready yet, or once the sequence has begun.
  void update(core::State state);
  // Never draws again, and gives the row back.
  void stop();

 private:
  void on_tick();
  [[nodiscard]] LiveView view() const;

  const hooks::HookRunner& hooks_;
  const supervisor::Supervisor& supervisor_;
  const config::Settings& settings_;
  bool colour_;
  log::StatusLine line_;
  uv::Timer timer_;
  bool stopped_ = false;
};

}  // namespace lastcall::app
