// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/hook.hpp"
#include "core/state.hpp"
#include "hooks/output_relay.hpp"
#include "log/logger.hpp"
#include "process/reaper.hpp"
#include "process/spawn.hpp"
#include "uv/loop.hpp"

namespace lastcall::hooks {

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
  const core::InheritedSignals* signals = nullptr;
  core::Phase phase = core::Phase::PreStop;
  core::PhaseContext shutdown{};  // the LASTCALL_* variables
};

// The environment a hook starts with: lastcall's own, then the hook's "env", then the
// LASTCALL_* variables of CONTRACT §4; a later entry replaces an earlier one of the same name.
// `deadline` is how long until the hook is killed (LASTCALL_DEADLINE_MS).
[[nodiscard]] std::vector<std::string> hook_environment(const core::HookSpec& spec, const HookContext& context,
                                                        core::Duration deadline);

// One hook of a phase, from its fork until it has been reaped: its process group, its
// deadline timer (counted from the fork, so a slow exec cannot stretch it), the relay of its
// stdout and stderr, and its hook_started, hook_output and hook_finished events. The order of
// hooks and the phase cap belong to HookRunner, which owns it through a shared_ptr; the
// Reaper's callback holds only a weak_ptr, so a hook that the runner has dropped (kill) is
// never called back.
class RunningHook : public std::enable_shared_from_this<RunningHook> {
 public:
  using OnFinished = std::function<void(RunningHook&, core::HookStatus)>;

  // `deadline`: how long after its fork the hook is killed.
  RunningHook(const HookContext& context, const core::HookSpec& spec, core::Duration deadline, OnFinished on_finished);
  RunningHook(const RunningHook&) = delete;
  RunningHook& operator=(const RunningHook&) = delete;

  // Forks the hook and arms its deadline. False when nothing could be forked: hook_finished
  // with status "error" has been logged and on_finished is never called. A hook that cannot
  // exec ends as "error" through on_finished, once it has been reaped.
  [[nodiscard]] bool start();
  // The deadline or the phase cap: SIGKILL to the whole process group. The hook finishes as
  // "timeout" once it has been reaped. A second call does nothing.
  void time_out();
  // The forced exit: SIGKILL to the whole process group, and nothing more is reported.
  void abandon();

  [[nodiscard]] const std::string& name() const { return spec_.name; }
  [[nodiscard]] core::Duration elapsed() const;
  [[nodiscard]] core::Duration deadline() const { return deadline_; }

 private:
  void on_reaped(core::ExitStatus status);
  void relay_line(std::string_view stream, std::string_view line);
  void report_relay_errors();
  void report_truncation();
  void report_finished(core::HookStatus status, int exit_code, std::string_view error);

  HookContext context_;
  const core::HookSpec& spec_;
  process::SpawnRequest request_;
  core::Duration deadline_;
  OnFinished on_finished_;  // empty once called, or once abandoned
  pid_t pid_ = -1;          // -1 until forked; the hook's pgid too
  core::UniqueFd report_;         // the exec report pipe, until the hook is reaped
  core::TimePoint started_{};
  bool timed_out_ = false;
  bool abandoned_ = false;
  uv::Timer deadline_timer_;
  std::unique_ptr<OutputRelay> stdout_;  // null until forked and once abandoned
  std::unique_ptr<OutputRelay> stderr_;
  std::size_t lines_relayed_ = 0;
  std::size_t bytes_relayed_ = 0;
  std::size_t lines_dropped_ = 0;  // by relay_line, before the relays took over counting
  std::size_t bytes_dropped_ = 0;
};

}  // namespace lastcall::hooks
