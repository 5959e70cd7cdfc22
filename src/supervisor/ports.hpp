// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <optional>

#include "core/duration.hpp"
#include "core/exit_status.hpp"
#include "core/phase.hpp"
#include "core/signal.hpp"
#include "core/state.hpp"

// The small interfaces through which the supervisor acts. app/ implements them with real
// processes and libuv timers; tests/unit/fakes/ implements them with records and a fake clock.
namespace lastcall::supervisor {

using State = core::State;
using core::state_name;

// The workload: one process in its own process group.
class ChildControl {
 public:
  virtual ~ChildControl() = default;
  // The stop signal, to the child or its group as `--forward` says, followed by SIGCONT.
  virtual void send_stop_signal(core::Signal signal) = 0;
  // SIGKILL to the child's whole process group.
  virtual void kill_group() = 0;
  [[nodiscard]] virtual pid_t pid() const = 0;
};

// Every process left once the child has exited: the rest of its group and every adopted
// orphan. The implementation reports to Supervisor::on_leftovers_gone() when none is left,
// which may happen within stop() itself.
class Leftovers {
 public:
  virtual ~Leftovers() = default;
  // Sends `signal` to everything left, and to whatever is adopted later, until none is left.
  virtual void stop(core::Signal signal) = 0;
  // SIGKILL to everything left, now and whatever is adopted later.
  virtual void kill() = 0;
};

// What a hook phase is told about the shutdown (the LASTCALL_* variables).
struct PhaseContext {
  core::Signal trigger;  // empty when the child exited on its own
  pid_t child_pid = -1;
  std::optional<core::ExitStatus> child_status;  // set in post_stop
};

// How the hooks of one phase ended.
struct PhaseTally {
  int ok = 0;
  int failed = 0;  // a non-zero exit, a signal, or a hook that could not start
  int timeout = 0;
  int skipped = 0;

  PhaseTally& operator+=(const PhaseTally& other) {
    ok += other.ok;
    failed += other.failed;
    timeout += other.timeout;
    skipped += other.skipped;
    return *this;
  }
};

// Runs one phase's hooks. Reports to Supervisor::on_phase_finished(), possibly within
// start() itself when the phase has no hooks.
class HookPhases {
 public:
  virtual ~HookPhases() = default;
  virtual void start(core::Phase phase, core::Duration cap, const PhaseContext& context) = 0;
  // SIGKILL to the process group of every running hook (the forced exit).
  virtual void kill_all() = 0;
};

// A one-shot timer that calls back into the supervisor.
class Timer {
 public:
  virtual ~Timer() = default;
  virtual void start(core::Duration after) = 0;
  virtual void stop() = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual core::TimePoint now() const = 0;
};

// The final numbers of a run (the shutdown_complete event).
struct Summary {
  core::Duration duration{0};
  PhaseTally hooks;
  std::optional<core::ExitStatus> child_status;
  bool child_killed = false;
  int exit_code = 0;
};

// The supervisor's own log events, in contract words.
class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void shutdown_started(core::Signal trigger, core::Duration grace) = 0;
  virtual void state_changed(State state) = 0;
  virtual void child_signaled(core::Signal signal, pid_t pid) = 0;
  virtual void child_killed(pid_t pid, core::Duration after) = 0;
  virtual void forced_exit(core::Signal signal) = 0;
  virtual void shutdown_complete(const Summary& summary) = 0;
};

// Where the sequence ends: the app stops its loop and returns the code.
class Exit {
 public:
  virtual ~Exit() = default;
  virtual void exit(int code) = 0;
};

}  // namespace lastcall::supervisor
