// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include "config/settings.hpp"
#include "hooks/hook_runner.hpp"
#include "log/logger.hpp"
#include "process/leftover_sweeper.hpp"
#include "supervisor/supervisor.hpp"
#include "uv/loop.hpp"
#include "uv/timer.hpp"

// The supervisor's ports, implemented with real processes, libuv timers and the log.
// Each is a thin adapter: the decisions stay in the supervisor.
namespace lastcall::app {

class RealChild final : public supervisor::ChildControl {
 public:
  RealChild(pid_t pid, config::ForwardMode forward) : pid_(pid), forward_(forward) {}
  void send_stop_signal(core::Signal signal) override;
  void kill_group() override;
  [[nodiscard]] pid_t pid() const override { return pid_; }
  // Relays a signal as `--forward` says; false when nothing received it.
  bool relay(core::Signal signal);

 private:
  pid_t pid_;  // also the child's process group id
  config::ForwardMode forward_;
};

class RealLeftovers final : public supervisor::Leftovers {
 public:
  explicit RealLeftovers(process::LeftoverSweeper& sweeper) : sweeper_(sweeper) {}
  void stop(core::Signal signal) override { sweeper_.stop(signal); }
  void kill() override { sweeper_.kill(); }

 private:
  process::LeftoverSweeper& sweeper_;
};

class RealHookPhases final : public supervisor::HookPhases {
 public:
  RealHookPhases(hooks::HookRunner& runner, const config::Settings& settings,
                 std::function<void(core::Phase, const supervisor::PhaseTally&)> on_finished)
      : runner_(runner), settings_(settings), on_finished_(std::move(on_finished)) {}
  void start(core::Phase phase, core::Duration cap, const supervisor::PhaseContext& context) override;
  void kill_all() override { runner_.kill_all(); }

 private:
  hooks::HookRunner& runner_;
  const config::Settings& settings_;
  std::function<void(core::Phase, const supervisor::PhaseTally&)> on_finished_;
};

class RealTimer final : public supervisor::Timer {
 public:
  RealTimer(uv_loop_t* loop, std::function<void()> on_fire) : timer_(loop, std::move(on_fire)) {}
  void start(core::Duration after) override { timer_.start(after); }
  void stop() override { timer_.stop(); }

 private:
  uv::Timer timer_;
};

class SteadyClock final : public supervisor::Clock {
 public:
  [[nodiscard]] core::TimePoint now() const override { return core::Clock::now(); }
};

class LoopExit final : public supervisor::Exit {
 public:
  explicit LoopExit(uv::Loop& loop) : loop_(loop) {}
  void exit(int code) override;
  [[nodiscard]] int code() const { return code_; }

 private:
  uv::Loop& loop_;
  int code_ = 0;
};

// The supervisor's events as contract log events, and the text summary for people.
class LogReporter final : public supervisor::Reporter {
 public:
  explicit LogReporter(log::Logger& logger) : logger_(logger) {}
  void shutdown_started(core::Signal trigger, core::Duration grace) override;
  void state_changed(supervisor::State state) override;
  void child_signaled(core::Signal signal, pid_t pid) override;
  void child_killed(pid_t pid, core::Duration after) override;
  void forced_exit(core::Signal signal) override;
  void shutdown_complete(const supervisor::Summary& summary) override;

 private:
  log::Logger& logger_;
};

}  // namespace lastcall::app
