// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <array>
#include <deque>
#include <memory>

#include "app/live_status.hpp"
#include "app/status_board.hpp"
#include "config/settings.hpp"
#include "hooks/hook_runner.hpp"
#include "log/logger.hpp"
#include "process/leftovers.hpp"
#include "process/reaper.hpp"
#include "process/terminal.hpp"
#include "ready/ready_probe.hpp"
#include "signals/signal_router.hpp"
#include "supervisor/supervisor.hpp"
#include "uv/loop.hpp"

namespace lastcall::app {

// Everything one run needs once the child exists, wired together: it turns what happens
// (signals, reaps, timers, hook phases, readiness checks) into the supervisor's events and
// carries out the actions the supervisor returns, in order. It decides nothing itself.
// Members are declared in dependency order, so they are destroyed before the loop that their
// handles belong to is closed.
class Run {
 public:
  struct Parts {
    const config::Settings& settings;
    const core::InheritedSignals& signals;
    log::Logger& logger;
    uv::Loop& loop;
    signals::SignalRouter& router;
    StatusBoard& board;
    process::Terminal& terminal;
  };

  Run(Parts parts, pid_t child_pid, core::TimePoint spawned);
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  // Starts listening to signals and checks; 0 or a libuv error code.
  [[nodiscard]] int start();
  // How lastcall ends, once the loop has stopped.
  [[nodiscard]] core::Ending ending() const { return ending_; }
  // SIGKILL to whatever is still ours once the sequence has ended (a post_stop hook's process
  // that left the hook's group, or everything after a forced exit), reaped for a bounded time.
  void kill_remaining();

 private:
  void feed(supervisor::Event event);
  void execute(const supervisor::Action& action);
  void on_arrival(const signals::Arrival& arrival);
  void on_child_change(const process::ChildChange& change);

  Parts p_;
  pid_t child_pid_;
  process::Reaper reaper_;
  process::Leftovers leftovers_;
  hooks::HookRunner hooks_;
  supervisor::Supervisor supervisor_;
  std::unique_ptr<ready::ReadyProbe> probe_;  // null without a readiness check
  std::array<std::unique_ptr<uv::Timer>, 4> timers_;  // by supervisor::TimerId
  LiveStatus live_;
  std::deque<supervisor::Event> queue_;  // events that arrived while others were handled
  bool handling_ = false;
  core::Ending ending_;
};

}  // namespace lastcall::app
