// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

// The log event names of CONTRACT §5, and lastcall's own beyond it, defined once.
namespace lastcall::core::event {

inline constexpr std::string_view kChildStarted = "child_started";
inline constexpr std::string_view kSignalForwarded = "signal_forwarded";
inline constexpr std::string_view kShutdownStarted = "shutdown_started";
inline constexpr std::string_view kHookStarted = "hook_started";
inline constexpr std::string_view kHookOutput = "hook_output";
inline constexpr std::string_view kHookFinished = "hook_finished";
inline constexpr std::string_view kHookSkipped = "hook_skipped";
inline constexpr std::string_view kChildSignaled = "child_signaled";
inline constexpr std::string_view kChildKilled = "child_killed";
inline constexpr std::string_view kChildExited = "child_exited";
inline constexpr std::string_view kForcedExit = "forced_exit";
inline constexpr std::string_view kChildReady = "child_ready";
inline constexpr std::string_view kChildUnready = "child_unready";
inline constexpr std::string_view kTerminalHanded = "terminal_handed";
inline constexpr std::string_view kShutdownComplete = "shutdown_complete";
inline constexpr std::string_view kConfigError = "config_error";
// Events of our own, beyond the contract's table.
inline constexpr std::string_view kStartTimeout = "start_timeout";
inline constexpr std::string_view kStateChanged = "state_changed";
inline constexpr std::string_view kLeftoversSignaled = "leftovers_signaled";
inline constexpr std::string_view kLeftoversKilled = "leftovers_killed";
inline constexpr std::string_view kLeftoversAbandoned = "leftovers_abandoned";
inline constexpr std::string_view kChildDaemonized = "child_daemonized";
inline constexpr std::string_view kOrphanReaped = "orphan_reaped";
inline constexpr std::string_view kHookTimedOut = "hook_timed_out";
inline constexpr std::string_view kHookOutputTruncated = "hook_output_truncated";
inline constexpr std::string_view kInternalError = "internal_error";
inline constexpr std::string_view kLogDropped = "log_dropped";
inline constexpr std::string_view kSpawnFailed = "child_not_started";

}  // namespace lastcall::core::event
