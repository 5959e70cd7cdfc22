// SPDX-License-Identifier: MIT
#pragma once

#include <optional>

#include "config/settings.hpp"
#include "supervisor/actions.hpp"

namespace lastcall::supervisor {

// After the SIGKILLs of the grace's end (or the post_stop cap), how long lastcall still waits
// for processes that do not die (uninterruptible sleep on a dead mount) before it gives up
// on them, on top of post_stop_timeout.
inline constexpr core::Duration kFinalMargin{2'000};
// A child that ends this soon after its start and leaves processes behind has most likely
// daemonized itself.
inline constexpr core::Duration kDaemonizeWindow{1'000};

// What the supervisor must know of where it runs.
struct Facts {
  bool pid1 = false;  // PID 1 never stops itself
};

// The sequence of CONTRACT §2 as a functional core: running → draining → pre_stop →
// stopping → post_stop → exited, the second trigger, the readiness of the child, the
// terminal hand-over and job control, the final exit status. It takes one event at a time
// with the time it happened and returns the actions to take, in order; it never calls the
// system, so tests feed it events under a fake clock. Every timer it wants is an ArmTimer at
// an absolute time. One lives for the whole run, from the child's spawn.
class Supervisor {
 public:
  Supervisor(const config::Settings& settings, Facts facts, pid_t child_pid, core::TimePoint spawned);

  // The first actions, at the spawn: the start_timeout of a readiness check.
  [[nodiscard]] Actions start();
  [[nodiscard]] Actions handle(const Event& event, core::TimePoint now);

  [[nodiscard]] core::State state() const { return state_; }
  [[nodiscard]] bool is_child_running() const { return !child_status_; }
  // The last check passed and no trigger arrived (or there is no check and no trigger).
  [[nodiscard]] bool is_ready() const { return ready_; }
  [[nodiscard]] bool terminal_handed() const { return handed_; }
  [[nodiscard]] pid_t child_pid() const { return child_pid_; }
  // When the current state began; while running, the spawn.
  [[nodiscard]] core::TimePoint state_since() const { return entered_; }
  // The grace budget left at `now`; zero once it is spent or before a shutdown started.
  [[nodiscard]] core::Duration grace_left(core::TimePoint now) const;

 private:
  void on(const Trigger& e);
  void on(const Relay& e);
  void on(const ChildExited& e);
  void on(const ChildStopped& e);
  void on(const PhaseDone& e);
  void on(const LeftoversSignaled& e);
  void on(const LeftoversGone& e);
  void on(const TimerFired& e);
  void on(const CheckDone& e);

  void enter(core::State state);
  void arm(TimerId timer, core::TimePoint at) { out_.push_back(ArmTimer{timer, at}); }
  void begin_shutdown(core::Signal trigger);
  void start_pre_stop();
  void send_stop_signal();
  void stop_leftovers();
  void start_post_stop();
  void on_grace_spent();
  void arm_final(core::TimePoint at);
  void finish();
  void force_exit(core::Signal signal);
  void abandon();
  [[nodiscard]] core::Signal stop_signal() const;
  [[nodiscard]] core::PhaseContext context() const;
  [[nodiscard]] Summary summary(core::Ending ending) const;

  const config::Settings& settings_;
  Facts facts_;
  pid_t child_pid_;
  core::TimePoint spawned_;
  core::TimePoint now_{};  // of the event being handled
  Actions out_;            // the actions of the event being handled
  core::State state_ = core::State::Running;
  core::TimePoint entered_;    // when state_ began
  core::Signal trigger_;       // the signal that started the shutdown; empty if the child ended first
  bool trigger_seen_ = false;  // a trigger (or the start timeout) so far: the next one forces the exit
  std::optional<core::ExitStatus> child_status_;  // nullopt while the child runs
  std::optional<core::TimePoint> budget_start_;   // the trigger, or the child's own exit
  std::optional<core::TimePoint> final_at_;       // when lastcall gives up on what is left
  bool grace_spent_ = false;
  bool child_killed_ = false;
  bool leftovers_pending_ = false;  // from StopLeftovers until LeftoversGone
  bool ready_ = false;
  bool ever_ready_ = false;
  bool handed_ = false;  // the terminal's foreground went to the child's group
  bool daemon_warned_ = false;
  core::HookTally tally_;
};

}  // namespace lastcall::supervisor
