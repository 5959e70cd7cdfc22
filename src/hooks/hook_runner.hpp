// SPDX-License-Identifier: MIT
#pragma once

#include <uv.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "config/settings.hpp"
#include "core/duration.hpp"
#include "core/phase.hpp"
#include "hooks/hook_environment.hpp"
#include "hooks/running_hook.hpp"
#include "log/logger.hpp"
#include "process/reaper.hpp"
#include "uv/timer.hpp"

namespace lastcall::hooks {

// How the hooks of one phase ended.
struct Tally {
  int ok = 0;
  int failed = 0;  // a non-zero exit, a signal, or a hook that could not start ("error")
  int timeout = 0;
  int skipped = 0;
};

// One hook's end, for an observer such as the admin endpoint's metrics.
struct HookResult {
  core::Phase phase = core::Phase::PreStop;
  std::string_view hook;
  HookStatus status = HookStatus::Ok;
  core::Duration duration{0};  // from the spawn to the reap; 0 when it never ran
};

// A hook that is running now, for the live status line.
struct HookProgress {
  std::string_view hook;
  core::Duration elapsed{0};   // since its spawn
  core::Duration deadline{0};  // when it is killed, counted from its spawn
};

// Runs the hooks of one phase (CONTRACT §4): priority groups one after the other, the hooks
// of a group concurrently, each killed with its process group at its deadline, and the
// phase cap over all of them. It owns the running hooks and the cap timer; which phase comes
// next is the supervisor's. One HookRunner lives for the whole run and runs pre_stop, then
// post_stop. Destroying it kills whatever hooks still run.
class HookRunner {
 public:
  using OnDone = std::function<void(const Tally&)>;
  using Observer = std::function<void(const HookResult&)>;

  HookRunner(uv_loop_t* loop, process::Reaper& reaper, log::Logger& logger);
  ~HookRunner();
  HookRunner(const HookRunner&) = delete;
  HookRunner& operator=(const HookRunner&) = delete;

  // `hooks` in execution order: descending priority, config order within one. The cap counts
  // from this call. `on_done` is called exactly once, when every hook has finished or been
  // skipped; it may be called from within run() itself: with no hooks, with a cap of 0, or
  // when no hook could start. Not to be called while a phase is running.
  void run(core::Phase phase, const std::vector<config::HookSpec>& hooks, core::Duration cap,
           const HookEnv& env, OnDone on_done);
  // The forced exit: SIGKILL to every running hook's process group now. on_done is then never
  // called, and hooks not started yet never start.
  void kill_all();
  [[nodiscard]] bool is_running() const { return active_; }
  // The hooks of the group in progress, in start order; empty between phases. The views
  // last until the next loop iteration.
  [[nodiscard]] std::vector<HookProgress> running_hooks() const;
  // What is left of the phase cap; 0 once it is reached, and between phases.
  [[nodiscard]] core::Duration cap_left() const;
  // Called once for every hook that finishes, cannot start, or is skipped.
  void set_observer(Observer observer) { observer_ = std::move(observer); }

 private:
  void start_groups();
  void start_group();
  void start_hook(const config::HookSpec& spec);
  void on_hook_finished(RunningHook& hook, HookStatus status);
  void on_cap_reached();
  void skip_rest();
  void finish_phase();
  void observe(std::string_view hook, HookStatus status, core::Duration duration);

  uv_loop_t* loop_;
  process::Reaper& reaper_;
  log::Logger& logger_;
  uv::Timer cap_timer_;
  core::Phase phase_ = core::Phase::PreStop;
  std::vector<config::HookSpec> hooks_;
  std::size_t next_ = 0;  // the first hook not started yet; hooks_.size() once all are
  core::TimePoint started_{};
  core::Duration cap_{0};
  HookEnv env_;
  std::vector<std::shared_ptr<RunningHook>> running_;  // the group in progress
  Tally tally_;
  OnDone on_done_;
  Observer observer_;  // empty: nobody watches
  bool active_ = false;  // between run() and on_done or kill_all()
};

}  // namespace lastcall::hooks
