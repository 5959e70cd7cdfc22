// SPDX-License-Identifier: MIT
#include "app/status_board.hpp"

#include <cstring>

#include "config/parse.hpp"
#include "core/events.hpp"
#include "notify/messages.hpp"
#include "uv/loop.hpp"

namespace lastcall::app {

StatusBoard::StatusBoard(const config::Settings& settings, log::Logger& logger)
    : settings_(settings), logger_(logger) {
  snapshot_.started = std::chrono::system_clock::now();
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
  const auto& at = *settings_.listen;
  server_ = std::make_unique<http::Server>(loop, snapshot_, logger_);
  if (const int rc = server_->listen(at.host, at.port, at.ipv6); rc != 0) {
    server_.reset();
    return core::Error{"--listen " + config::format_endpoint(at) + ": cannot listen: " + uv::error_message(rc)};
  }
  return std::nullopt;
}

void StatusBoard::child_started(pid_t pid, bool ready) {
  child_pid_ = pid;
  snapshot_.child_running = true;
  snapshot_.ready = ready;
  notify([&] { return ready ? notify::ready_message(pid) : notify::starting_message(pid); });
}

void StatusBoard::hook_finished(const hooks::HookResult& result) {
  const std::string phase(core::phase_name(result.phase));
  ++snapshot_.hook_runs[{phase, std::string(core::status_name(result.status))}];
  if (result.status != core::HookStatus::Skipped) snapshot_.hook_durations[{phase, std::string(result.hook)}] = result.duration;
}

void StatusBoard::state_changed(core::State state, core::Duration previous, core::Duration grace_left) {
  if (snapshot_.state != core::State::Running) snapshot_.phase_durations[std::string(core::state_name(snapshot_.state))] = previous;
  snapshot_.state = state;
  notify([&] {
    return notify::state_message(state, !stop_notified_, notify::stop_budget(grace_left, settings_.post_stop_timeout));
  });
  stop_notified_ = true;
}

void StatusBoard::became_ready(core::Duration after) {
  // systemd takes READY=1 once; a later pass after a failure only brings the status back.
  notify([&] { return snapshot_.ready_after ? notify::running_message(child_pid_) : notify::ready_message(child_pid_); });
  if (!snapshot_.ready_after) snapshot_.ready_after = after;
}

void StatusBoard::send(const std::string& message) {
  const int error = notifier_->send(message);
  if (error == 0 || notify_failed_) return;
  // Once: a manager that is gone stays gone, and each state change would repeat it.
  notify_failed_ = true;
  logger_.warn(core::event::kInternalError, std::string("cannot notify the service manager: ") + std::strerror(error) +
                                                " (" + strerrorname_np(error) + "); the sequence goes on without notifications");
}

}  // namespace lastcall::app
