// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <memory>
#include <optional>

#include "config/settings.hpp"
#include "core/error.hpp"
#include "core/signal.hpp"
#include "core/state.hpp"
#include "hooks/hook_runner.hpp"
#include "http/server.hpp"
#include "http/snapshot.hpp"
#include "log/logger.hpp"
#include "notify/notifier.hpp"

namespace lastcall::app {

// What the run shows beyond its log: the admin endpoint's snapshot (and the server that
// reads it) and the systemd notifications. The Run tells it what happened; it decides
// nothing. Opened before the child is spawned, so a port in use is a setup error (a
// NOTIFY_SOCKET it cannot use is only a warning); it lives until the loop has stopped.
class StatusBoard {
 public:
  StatusBoard(const config::Settings& settings, log::Logger& logger);

  // Opens NOTIFY_SOCKET and listens on `--listen`, each when given; an error is the port's.
  [[nodiscard]] std::optional<core::Error> open(uv_loop_t* loop);
  // Closes the admin endpoint and every connection; the snapshot stays.
  void close() { server_.reset(); }

  // `ready`: the supervisor's word at the spawn (without a readiness check, ready at once).
  void child_started(pid_t pid, bool ready);
  void signal_received(core::Signal signal) { ++snapshot_.signals_received[signal.name()]; }
  void signal_relayed(core::Signal sent) { ++snapshot_.signals_relayed[sent.name()]; }
  void orphan_reaped() { ++snapshot_.zombies_reaped; }
  void hook_finished(const hooks::HookResult& result);
  // `previous`: the time spent in the state left.
  void state_changed(core::State state, core::Duration previous, core::Duration grace_left);
  // What the endpoint shows of the supervisor's state, after each event: whether the child
  // runs and whether it is ready (/readyz).
  void mirror(bool child_running, bool ready) {
    snapshot_.child_running = child_running;
    snapshot_.ready = ready;
  }
  // A readiness check passed where the last one had not; `after` is the time from the spawn.
  void became_ready(core::Duration after);

 private:
  // Sends the message `build` returns, built only when a service manager listens.
  template <class Build>
  void notify(Build build) {
    if (notifier_) send(build());
  }
  void send(const std::string& message);

  const config::Settings& settings_;
  log::Logger& logger_;
  http::Snapshot snapshot_;
  std::unique_ptr<http::Server> server_;        // null without --listen, and once closed
  std::unique_ptr<notify::Notifier> notifier_;  // null without NOTIFY_SOCKET
  pid_t child_pid_ = -1;
  bool stop_notified_ = false;                  // STOPPING=1 sent
  bool notify_failed_ = false;                  // a send failed and was reported once
};

}  // namespace lastcall::app
