// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <functional>
#include <memory>
#include <optional>

#include "config/settings.hpp"
#include "core/error.hpp"
#include "core/signal.hpp"
#include "core/state.hpp"
#include "app/live_status.hpp"
#include "hooks/hook_runner.hpp"
#include "http/server.hpp"
#include "http/snapshot.hpp"
#include "log/logger.hpp"
#include "notify/notifier.hpp"
#include "supervisor/ports.hpp"

namespace lastcall::app {

// What the run shows beyond its log: the admin endpoint's snapshot (and the server that
// reads it) and the systemd notifications. Run tells it what happened; it decides nothing
// about the sequence. Opened before the child is spawned, so a port in use is a setup error
// (a NOTIFY_SOCKET it cannot use is only a warning); it lives until the loop has stopped.
class StatusBoard {
 public:
  StatusBoard(const config::Settings& settings, log::Logger& logger);

  // Opens NOTIFY_SOCKET and listens on `--listen`, each when given; an error is the port's.
  [[nodiscard]] std::optional<core::Error> open(uv_loop_t* loop);
  // Closes the admin endpoint and every connection; the snapshot stays.
  void close() { server_.reset(); }

  void child_started(pid_t pid);
  void child_exited() { snapshot_.child_running = false; }
  void signal_received(core::Signal signal);
  void signal_relayed(core::Signal sent);
  void orphan_reaped() { ++snapshot_.zombies_reaped; }
  void hook_finished(const hooks::HookResult& result);
  void state_changed(core::State state, core::Duration grace_left);
  void completed(const supervisor::Summary& summary);

  // With --exit-by-signal: the signal the child died of when lastcall should die of it too,
  // i.e. the sequence completed (no forced exit) and 128+N is not a success code; else 0.
  [[nodiscard]] int fatal_signal(int exit_code) const;

 private:
  void notify(const std::string& message);

  const config::Settings& settings_;
  log::Logger& logger_;
  http::Snapshot snapshot_;
  std::unique_ptr<http::Server> server_;      // null without --listen, and once closed
  std::unique_ptr<notify::Notifier> notifier_;  // null without NOTIFY_SOCKET
  core::TimePoint entered_{};                  // when the current state began
  bool stop_notified_ = false;                 // STOPPING=1 sent
  bool notify_failed_ = false;                 // a send failed and was reported once
  std::optional<core::ExitStatus> completed_status_;  // the child's, once the sequence completed
};

// The supervisor's reports, to the log first and then to the status board and the live
// status line (which gives its row back when the sequence enters `exited`).
class StatusReporter final : public supervisor::Reporter {
 public:
  StatusReporter(supervisor::Reporter& log, StatusBoard& board, LiveStatus& live,
                 std::function<core::Duration()> grace_left)
      : log_(log), board_(board), live_(live), grace_left_(std::move(grace_left)) {}
  void shutdown_started(core::Signal trigger, core::Duration grace) override;
  void state_changed(supervisor::State state) override;
  void child_signaled(core::Signal signal, pid_t pid) override { log_.child_signaled(signal, pid); }
  void child_killed(pid_t pid, core::Duration after) override { log_.child_killed(pid, after); }
  void forced_exit(core::Signal signal) override { log_.forced_exit(signal); }
  void shutdown_complete(const supervisor::Summary& summary) override;

 private:
  supervisor::Reporter& log_;
  StatusBoard& board_;
  LiveStatus& live_;
  std::function<core::Duration()> grace_left_;
};

}  // namespace lastcall::app
