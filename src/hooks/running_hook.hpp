// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "config/settings.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/exit_status.hpp"
#include "core/phase.hpp"
#include "hooks/hook_environment.hpp"
#include "hooks/output_relay.hpp"
#include "log/logger.hpp"
#include "process/reaper.hpp"
#include "uv/timer.hpp"

namespace lastcall::hooks {

using core::HookStatus;
using core::status_name;

// How much of a hook's output is relayed, both streams together: 10,000 lines or 1 MiB,
// whichever comes first. Beyond it the output is still read, so the hook never blocks on a
// full pipe, but dropped, and one hook_output_truncated warning counts the lines and bytes
// dropped when the hook finishes: a hook that floods must not flood lastcall's log.
inline constexpr std::size_t kMaxRelayedLines = 10'000;
inline constexpr std::size_t kMaxRelayedBytes = 1024 * 1024;

// What every hook of a phase shares with the runner that started it.
struct HookContext {
  uv_loop_t* loop = nullptr;
  process::Reaper* reaper = nullptr;
  log::Logger* logger = nullptr;
  core::Phase phase = core::Phase::PreStop;
};

// One hook of a phase, from its spawn until it has been reaped: its process group, its
// deadline timer, the relay of its stdout and stderr, and its hook_started, hook_output and
// hook_finished events. The order of hooks and the phase cap belong to HookRunner, which
// owns it through a shared_ptr; the Reaper's callback holds only a weak_ptr, so a hook that
// the runner has dropped (kill_all) is never called back.
class RunningHook : public std::enable_shared_from_this<RunningHook> {
 public:
  using OnFinished = std::function<void(RunningHook&, HookStatus)>;

  // `deadline`: how long after its spawn the hook is killed.
  RunningHook(const HookContext& context, std::string name, core::Duration deadline, OnFinished on_finished);
  RunningHook(const RunningHook&) = delete;
  RunningHook& operator=(const RunningHook&) = delete;

  // Spawns the hook and arms its deadline. False when it could not start: hook_finished with
  // status "error" has been logged and on_finished is never called.
  [[nodiscard]] bool start(const config::HookSpec& spec, const HookEnv& env);
  // The deadline or the phase cap: SIGKILL to the whole process group. The hook finishes as
  // "timeout" once it has been reaped. A second call does nothing.
  void time_out();
  // The forced exit: SIGKILL to the whole process group, and nothing more is reported.
  void abandon();

  [[nodiscard]] const std::string& name() const { return name_; }
  // Since the spawn.
  [[nodiscard]] core::Duration elapsed() const;
  // How long after its spawn the hook is killed.
  [[nodiscard]] core::Duration deadline() const { return deadline_; }

 private:
  [[nodiscard]] core::Result<pid_t> launch(const config::HookSpec& spec, const HookEnv& env);
  void watch_exit();
  void start_relays();
  void on_reaped(core::ExitStatus status);
  void relay_line(std::string_view stream, std::string_view line);
  void truncate_output(std::string_view dropped_line);
  void report_relay_errors();
  void report_truncation();
  void report_finished(HookStatus status, int exit_code);
  void report_not_started(const core::Error& error);
  [[nodiscard]] std::int64_t elapsed_ms() const;

  HookContext context_;
  std::string name_;
  core::Duration deadline_;
  OnFinished on_finished_;  // empty once called, or once abandoned
  pid_t pid_ = -1;          // -1 until spawned; the hook's pgid too
  core::TimePoint started_{};
  bool timed_out_ = false;
  bool abandoned_ = false;
  uv::Timer deadline_timer_;
  std::unique_ptr<OutputRelay> stdout_;  // null until launched and once abandoned
  std::unique_ptr<OutputRelay> stderr_;
  std::size_t lines_relayed_ = 0;
  std::size_t bytes_relayed_ = 0;
  std::size_t lines_dropped_ = 0;  // by relay_line, before the relays took over counting
  std::size_t bytes_dropped_ = 0;
};

}  // namespace lastcall::hooks
