// SPDX-License-Identifier: MIT
#include "supervisor/supervisor.hpp"

#include <algorithm>
#include <csignal>

namespace lastcall::supervisor {

Supervisor::Supervisor(Plan plan, Ports ports) : plan_(std::move(plan)), ports_(ports) {}

void Supervisor::on_trigger(core::Signal signal) {
  if (state_ == State::Exited) return;
  if (trigger_seen_) {
    force_exit(signal);
    return;
  }
  trigger_seen_ = true;
  // A first trigger after the child ended on its own joins the sequence already running;
  // only a second one forces the exit. The hooks still see no trigger (LASTCALL_SIGNAL
  // empty): the child was not asked to stop.
  if (state_ == State::Running) {
    trigger_ = signal;
    begin_shutdown(signal);
  }
}

void Supervisor::on_child_exited(core::ExitStatus status) {
  if (child_status_ || state_ == State::Exited) return;
  child_status_ = status;
  switch (state_) {
    case State::Running:
      // The child ended on its own: no drain, no pre_stop; the budget starts now.
      start_budget();
      stop_leftovers();
      break;
    case State::Draining:
    case State::PreStop:
      // The sequence goes on: pre_stop hooks may still need to deregister or flush.
      break;
    case State::Stopping:
      stop_leftovers();
      break;
    case State::PostStop:
    case State::Exited:
      break;
  }
}

void Supervisor::on_phase_finished(core::Phase phase, const PhaseTally& tally) {
  if (state_ == State::Exited) return;
  tally_ += tally;
  if (phase == core::Phase::PreStop && state_ == State::PreStop) {
    send_stop_signal();
  } else if (phase == core::Phase::PostStop && state_ == State::PostStop) {
    finish();
  }
}

void Supervisor::on_leftovers_gone() {
  if (!leftovers_pending_ || state_ == State::Exited) return;
  leftovers_pending_ = false;
  ports_.grace_timer.stop();
  start_post_stop();
}

void Supervisor::on_drain_timer() {
  if (state_ == State::Draining) start_pre_stop();
}

void Supervisor::on_grace_timer() {
  if (state_ == State::Exited || grace_spent_ || !budget_start_) return;
  grace_spent_ = true;
  if (!child_status_) {
    ports_.child.kill_group();
    child_killed_ = true;
    const auto after = std::chrono::duration_cast<core::Duration>(ports_.clock.now() - *budget_start_);
    ports_.reporter.child_killed(ports_.child.pid(), after);
  }
  if (leftovers_pending_) ports_.leftovers.kill();
  // A drain longer than the budget is cut short; pre_stop then has no time left.
  if (state_ == State::Draining) {
    ports_.drain_timer.stop();
    start_pre_stop();
  }
}

core::Duration Supervisor::grace_left() const {
  if (!budget_start_ || grace_spent_) return core::Duration{0};
  const auto spent = std::chrono::duration_cast<core::Duration>(ports_.clock.now() - *budget_start_);
  return std::max(core::Duration{0}, plan_.grace - spent);
}

void Supervisor::enter(State state) {
  state_ = state;
  ports_.reporter.state_changed(state);
}

void Supervisor::start_budget() {
  budget_start_ = ports_.clock.now();
  ports_.grace_timer.start(plan_.grace);
}

void Supervisor::begin_shutdown(core::Signal trigger) {
  start_budget();
  ports_.reporter.shutdown_started(trigger, plan_.grace);
  enter(State::Draining);
  if (plan_.drain.count() > 0) {
    ports_.drain_timer.start(plan_.drain);
  } else {
    start_pre_stop();
  }
}

void Supervisor::start_pre_stop() {
  enter(State::PreStop);
  // The grace budget counts from the trigger, so pre_stop never outlasts it.
  const auto cap = std::min(plan_.pre_stop_timeout, grace_left());
  ports_.hooks.start(core::Phase::PreStop, cap, context());
}

void Supervisor::send_stop_signal() {
  enter(State::Stopping);
  if (child_status_) {
    stop_leftovers();
    return;
  }
  const auto signal = stop_signal();
  ports_.child.send_stop_signal(signal);
  ports_.reporter.child_signaled(signal, ports_.child.pid());
}

void Supervisor::stop_leftovers() {
  if (state_ != State::Stopping) enter(State::Stopping);
  leftovers_pending_ = true;
  ports_.leftovers.stop(stop_signal());
  // stop() may have found nothing left and reported it already.
  if (leftovers_pending_ && grace_spent_) ports_.leftovers.kill();
}

void Supervisor::start_post_stop() {
  enter(State::PostStop);
  ports_.hooks.start(core::Phase::PostStop, plan_.post_stop_timeout, context());
}

void Supervisor::finish() {
  const int code = exit_code();
  enter(State::Exited);
  Summary summary;
  summary.duration = budget_start_
                         ? std::chrono::duration_cast<core::Duration>(ports_.clock.now() - *budget_start_)
                         : core::Duration{0};
  summary.hooks = tally_;
  summary.child_status = child_status_;
  summary.child_killed = child_killed_;
  summary.exit_code = code;
  ports_.reporter.shutdown_complete(summary);
  ports_.exit.exit(code);
}

void Supervisor::force_exit(core::Signal signal) {
  ports_.drain_timer.stop();
  ports_.grace_timer.stop();
  ports_.hooks.kill_all();
  if (!child_status_) ports_.child.kill_group();
  ports_.leftovers.kill();
  ports_.reporter.forced_exit(signal);
  enter(State::Exited);
  ports_.exit.exit(core::kExitSignalBase + signal.number());
}

core::Signal Supervisor::stop_signal() const {
  if (plan_.stop_signal) return *plan_.stop_signal;
  if (trigger_.empty()) return core::Signal(SIGTERM);
  // The trigger is relayed as the stop signal, so `--rewrite TERM:INT` applies to it too.
  return core::rewrite(plan_.rewrite, trigger_);
}

int Supervisor::exit_code() const {
  const int code = child_status_ ? child_status_->shell_code() : 0;
  const auto& ok = plan_.success_exit_codes;
  return std::find(ok.begin(), ok.end(), code) != ok.end() ? 0 : code;
}

PhaseContext Supervisor::context() const {
  return PhaseContext{.trigger = trigger_, .child_pid = ports_.child.pid(), .child_status = child_status_};
}

}  // namespace lastcall::supervisor
