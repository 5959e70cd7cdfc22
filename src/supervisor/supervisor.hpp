// SPDX-License-Identifier: MIT
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "supervisor/ports.hpp"

namespace lastcall::supervisor {

// The numbers the sequence runs on, taken from the resolved settings.
struct Plan {
  core::Duration grace{24'000};
  std::optional<core::Signal> stop_signal;  // nullopt: the trigger signal, after rewrite
  std::map<core::Signal, core::Signal> rewrite;
  core::Duration drain{0};
  core::Duration pre_stop_timeout{12'000};
  core::Duration post_stop_timeout{5'000};
  std::vector<int> success_exit_codes;
};

// Everything the supervisor acts through. Each outlives the supervisor.
struct Ports {
  ChildControl& child;
  Leftovers& leftovers;
  HookPhases& hooks;
  Timer& drain_timer;
  Timer& grace_timer;
  const Clock& clock;
  Reporter& reporter;
  Exit& exit;
};

// The shutdown sequence of CONTRACT §2 as a state machine: running → draining → pre_stop →
// stopping → post_stop → exited. It reacts to five events (a trigger, the child's exit, a
// phase finished, the leftovers gone, a timer) and acts only through its ports, so it runs
// the same under a fake clock as under libuv. It decides the final exit status. One lives
// for the whole run, created once the child has started.
class Supervisor {
 public:
  Supervisor(Plan plan, Ports ports);

  void on_trigger(core::Signal signal);
  void on_child_exited(core::ExitStatus status);
  void on_phase_finished(core::Phase phase, const PhaseTally& tally);
  void on_leftovers_gone();
  void on_drain_timer();
  void on_grace_timer();

  [[nodiscard]] State state() const { return state_; }
  [[nodiscard]] bool is_child_running() const { return !child_status_; }
  // The grace budget left; zero once it is spent or before a shutdown started.
  [[nodiscard]] core::Duration grace_left() const;

 private:
  void enter(State state);
  void start_budget();
  void begin_shutdown(core::Signal trigger);
  void start_pre_stop();
  void send_stop_signal();
  void stop_leftovers();
  void start_post_stop();
  void finish();
  void force_exit(core::Signal signal);
  [[nodiscard]] core::Signal stop_signal() const;
  [[nodiscard]] int exit_code() const;
  [[nodiscard]] PhaseContext context() const;

  Plan plan_;
  Ports ports_;
  State state_ = State::Running;
  core::Signal trigger_;      // the signal that started the shutdown; empty if the child ended first
  bool trigger_seen_ = false;  // any trigger so far: the next one forces the exit
  std::optional<core::ExitStatus> child_status_;  // nullopt while the child runs
  std::optional<core::TimePoint> budget_start_;   // the trigger, or the child's own exit
  bool grace_spent_ = false;
  bool child_killed_ = false;
  bool leftovers_pending_ = false;  // true from stop() until on_leftovers_gone()
  PhaseTally tally_;
};

}  // namespace lastcall::supervisor
