// SPDX-License-Identifier: MIT
#include "app/status_board.hpp"

#include <cstring>

#include "config/listen_parser.hpp"
#include "core/events.hpp"
#include "notify/messages.hpp"
#include "uv/loop.hpp"

namespace lastcall::app {

StatusBoard::StatusBoard(const config::Settings& settings, log::Logger& logger)
    : settings_(settings), logger_(logger) {
  snapshot_.started = std::chrono::system_clock::now();
  entered_ = core::Clock::now();
}

std::optional<core::Error> StatusBoard::open(uv_loop_t* loop) {
  auto notifier = notify::Notifier::from_environment();
  if (notifier) {
    notifier_ = std::move(*notifier);
  } else {
    // Not a reason to refuse to run the workload: systemd reports the missing READY=1.
    logger_.warn(core::event::kInternalError, notifier.error().message + "; running without notifications");
  }
  if (!settings_.listen) return std::nullopt;
  server_ = std::make_unique<http::Server>(loop, snapshot_, logger_);
  if (const int rc = server_->listen(*settings_.listen); rc != 0) {
    server_.reset();
    return core::Error{.message = "--listen " + config::format_listen(*settings_.listen) +
                                  ": cannot listen: " + uv::error_message(rc),
                       .exit_code = core::kExitUsage};
  }
  return std::nullopt;
}

void StatusBoard::child_started(pid_t pid) {
  snapshot_.child_running = true;
  notify(notify::ready_message(pid));
}

void StatusBoard::signal_received(core::Signal signal) { ++snapshot_.signals_received[signal.name()]; }

void StatusBoard::signal_relayed(core::Signal sent) { ++snapshot_.signals_relayed[sent.name()]; }

void StatusBoard::hook_finished(const hooks::HookResult& result) {
  const std::string phase(core::phase_name(result.phase));
  ++snapshot_.hook_runs[{phase, std::string(core::status_name(result.status))}];
  if (result.status == core::HookStatus::Skipped) return;
  snapshot_.hook_durations[{phase, std::string(result.hook)}] = result.duration;
}

void StatusBoard::state_changed(core::State state, core::Duration grace_left) {
  const auto now = core::Clock::now();
  if (snapshot_.state != core::State::Running) {
    snapshot_.phase_durations[core::state_name(snapshot_.state)] =
        std::chrono::duration_cast<core::Duration>(now - entered_);
  }
  snapshot_.state = state;
  entered_ = now;
  if (state == core::State::Running) return;
  notify(notify::state_message(state, !stop_notified_, notify::stop_budget(grace_left, settings_.post_stop_timeout)));
  stop_notified_ = true;
}

void StatusBoard::completed(const supervisor::Summary& summary) { completed_status_ = summary.child_status; }

int StatusBoard::fatal_signal(int exit_code) const {
  if (!settings_.exit_by_signal || !completed_status_ || exit_code == 0) return 0;
  return completed_status_->signal;
}

void StatusBoard::notify(const std::string& message) {
  if (!notifier_) return;
  const int error = notifier_->send(message);
  if (error == 0 || notify_failed_) return;
  // Once: a manager that is gone stays gone, and each state change would repeat it.
  notify_failed_ = true;
  logger_.warn(core::event::kInternalError,
               std::string("cannot notify the service manager: ") + std::strerror(error) + " (" +
                   strerrorname_np(error) + "); the sequence goes on without notifications");
}

void StatusReporter::shutdown_started(core::Signal trigger, core::Duration grace) {
  log_.shutdown_started(trigger, grace);
}

void StatusReporter::state_changed(supervisor::State state) {
  log_.state_changed(state);
  board_.state_changed(state, grace_left_());
  live_.state_changed(state);
}

void StatusReporter::shutdown_complete(const supervisor::Summary& summary) {
  log_.shutdown_complete(summary);
  board_.completed(summary);
}

}  // namespace lastcall::app
