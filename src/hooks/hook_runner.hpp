// SPDX-License-Identifier: MIT
#pragma once

#include <uv.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "hooks/running_hook.hpp"
#include "uv/loop.hpp"

namespace lastcall::hooks {

// One hook's end, for an observer such as the admin endpoint's metrics.
struct HookResult {
  core::Phase phase = core::Phase::PreStop;
  std::string_view hook;
  core::HookStatus status = core::HookStatus::Ok;
  core::Duration duration{0};  // from the fork to the reap; 0 when it never ran
};

// A hook that is running now, for the live status line.
struct HookProgress {
  std::string_view hook;
  core::Duration elapsed{0};   // since its fork
  core::Duration deadline{0};  // when it is killed, counted from its fork
};

// Runs the hooks of one phase (CONTRACT §4): priority groups one after the other, the hooks
// of a group concurrently, each killed with its process group at its deadline, and the
// phase cap over all of them. It owns the running hooks and the cap timer; which phase comes
// next is the supervisor's. One HookRunner lives for the whole run and runs pre_stop, then
// post_stop. Destroying it kills whatever hooks still run.
class HookRunner {
 public:
  struct Observer {
    std::function<void(core::Phase, const core::HookTally&)> on_done;  // once per run()
    std::function<void(const HookResult&)> on_hook;  // for each hook that ends or is skipped
  };

  HookRunner(uv_loop_t* loop, process::Reaper& reaper, log::Logger& logger, const core::InheritedSignals& signals,
             Observer observer);
  ~HookRunner();
  HookRunner(const HookRunner&) = delete;
  HookRunner& operator=(const HookRunner&) = delete;

  // `hooks` in execution order: descending priority, config order within one. They must
  // outlive the phase. The cap counts from this call. on_done comes exactly once, when every
  // hook has finished or been skipped, possibly from within run() itself (no hooks, a cap of
  // 0, or no hook could start). Not to be called while a phase is running.
  void run(core::Phase phase, const std::vector<core::HookSpec>& hooks, core::Duration cap,
           const core::PhaseContext& shutdown);
  // The forced exit: SIGKILL to every running hook's process group now. on_done is then never
  // called, and hooks not started yet never start.
  void kill_all();
  // The hooks of the group in progress, in start order; empty between phases. The views
  // last until the next loop iteration.
  [[nodiscard]] std::vector<HookProgress> running_hooks() const;
  // What is left of the phase cap; 0 once it is reached, and between phases.
  [[nodiscard]] core::Duration cap_left() const;

 private:
  void start_groups();
  void on_hook_finished(RunningHook& hook, core::HookStatus status);
  void on_cap_reached();
  void skip_rest();
  void count(std::string_view hook, core::HookStatus status, core::Duration duration);

  HookContext context_;
  Observer observer_;
  uv::Timer cap_timer_;
  const std::vector<core::HookSpec>* hooks_ = nullptr;
  std::size_t next_ = 0;  // the first hook not started yet; hooks_->size() once all are
  core::TimePoint started_{};
  core::Duration cap_{0};
  std::vector<std::shared_ptr<RunningHook>> running_;  // the group in progress
  core::HookTally tally_;
  bool active_ = false;  // between run() and on_done or kill_all()
};

}  // namespace lastcall::hooks
