// SPDX-License-Identifier: MIT
#include "supervisor/supervisor.hpp"

#include <algorithm>
#include <csignal>
#include <utility>

namespace lastcall::supervisor {

using core::State;

Supervisor::Supervisor(const config::Settings& settings, Facts facts, pid_t child_pid, core::TimePoint spawned)
    : settings_(settings), facts_(facts), child_pid_(child_pid), spawned_(spawned), entered_(spawned), ready_(!settings.ready) {}

Actions Supervisor::start() {
  out_.clear();
  if (settings_.ready && settings_.ready->start_timeout) arm(TimerId::StartTimeout, spawned_ + *settings_.ready->start_timeout);
  return std::move(out_);
}

Actions Supervisor::handle(const Event& event, core::TimePoint now) {
  out_.clear();
  now_ = now;
  if (state_ != State::Exited) std::visit([this](const auto& e) { on(e); }, event);
  return std::move(out_);
}

void Supervisor::on(const Trigger& e) {
  if (trigger_seen_) {
    force_exit(e.signal);
    return;
  }
  trigger_seen_ = true;
  // A first trigger after the child ended on its own joins the sequence already running;
  // only a second one forces the exit. The hooks still see no trigger (LASTCALL_SIGNAL
  // empty): the child was not asked to stop.
  if (state_ == State::Running) begin_shutdown(e.signal);
}

void Supervisor::on(const Relay& e) {
  if (child_status_) return;
  // `fg` puts lastcall in the foreground again: the child's group had the terminal, so it
  // gets it back before it is continued.
  if (e.sent.number() == SIGCONT && handed_ && e.foreground) out_.push_back(HandTerminal{});
  out_.push_back(SignalChild{e.sent, settings_.forward == config::ForwardMode::Group, false});
  out_.push_back(SignalForwarded{e.received, e.sent});
  // Ctrl+Z: the child's group stops with the relay, and lastcall with it, so the shell gets
  // its terminal back. PID 1 has no shell to return to. After the hand-over the child's
  // stop says so (ChildStopped): stopping here too would stop lastcall twice, the second
  // time right after `fg` continued it.
  if (e.received.number() == SIGTSTP && e.foreground && !handed_ && !facts_.pid1) out_.push_back(StopSelf{});
}

void Supervisor::on(const ChildStopped& e) {
  if (child_status_) return;
  const int sig = e.signal.number();
  if (reads_foreground(e) && e.foreground) {
    // The child wants the terminal lastcall holds: interactive programs work as without
    // lastcall from now on, and the keyboard's signals reach the child's group directly.
    handed_ = true;
    out_.push_back(HandTerminal{});
    out_.push_back(SignalChild{core::Signal(SIGCONT), true, false});
    out_.push_back(TerminalHanded{});
  } else if (sig == SIGTSTP && handed_) {
    // Ctrl+Z reached the child's group directly. As PID 1 nothing waits to resume it, and a
    // program that is PID 1 itself ignores the keyboard's SIGTSTP: continue it.
    if (facts_.pid1) {
      out_.push_back(SignalChild{core::Signal(SIGCONT), true, false});
    } else {
      out_.push_back(StopSelf{});
    }
  }
}

void Supervisor::on(const ChildExited& e) {
  if (child_status_) return;
  child_status_ = e.status;
  if (settings_.ready) out_.push_back(StopChecks{});
  ready_ = false;
  switch (state_) {
    case State::Running:
      // The child ended on its own: no drain, no pre_stop; the budget starts now.
      budget_start_ = now_;
      arm(TimerId::Grace, now_ + settings_.grace);
      out_.push_back(CancelTimer{TimerId::StartTimeout});
      stop_leftovers();
      break;
    case State::Stopping: stop_leftovers(); break;
    // The sequence goes on: pre_stop hooks may still need to deregister or flush.
    case State::Draining: case State::PreStop: case State::PostStop: case State::Exited: break;
  }
}

void Supervisor::on(const PhaseDone& e) {
  tally_ += e.tally;
  if (e.phase == core::Phase::PreStop && state_ == State::PreStop) send_stop_signal();
  if (e.phase == core::Phase::PostStop && state_ == State::PostStop) finish();
}

void Supervisor::on(const LeftoversSignaled& e) {
  out_.push_back(LeftoversReport{e.signal, e.count});
  // `nginx` without `daemon off;` forks its master and exits at once: nothing went wrong
  // that lastcall could see, so say what it looks like.
  const auto lived = core::since(spawned_, budget_start_.value_or(now_));
  if (!trigger_seen_ && lived < kDaemonizeWindow && e.signal == stop_signal() && !std::exchange(daemon_warned_, true)) {
    out_.push_back(Daemonized{lived});
  }
}

void Supervisor::on(const LeftoversGone&) {
  if (!leftovers_pending_) return;
  leftovers_pending_ = false;
  out_.push_back(CancelTimer{TimerId::Grace});
  start_post_stop();
}

void Supervisor::on(const TimerFired& e) {
  switch (e.timer) {
    case TimerId::Drain:
      if (state_ == State::Draining) start_pre_stop();
      break;
    case TimerId::Grace:
      if (budget_start_ && !grace_spent_) on_grace_spent();
      break;
    case TimerId::Final: abandon(); break;
    case TimerId::StartTimeout:
      if (state_ != State::Running || ever_ready_ || child_status_) break;
      out_.push_back(StartTimedOut{core::since(spawned_, now_)});
      trigger_seen_ = true;
      begin_shutdown(core::Signal());
      break;
  }
}

void Supervisor::on(const CheckDone& e) {
  if (state_ != State::Running || child_status_ || e.passed == ready_) return;
  ready_ = e.passed;
  if (!e.passed) {
    out_.push_back(ChildUnready{e.error});
    return;
  }
  if (!ever_ready_) out_.push_back(CancelTimer{TimerId::StartTimeout});
  ever_ready_ = true;
  out_.push_back(ChildReady{core::since(spawned_, now_)});
}

core::Duration Supervisor::grace_left(core::TimePoint now) const {
  if (!budget_start_ || grace_spent_) return core::Duration{0};
  return std::max(core::Duration{0}, settings_.grace - core::since(*budget_start_, now));
}

void Supervisor::enter(State state) {
  out_.push_back(Enter{state, core::since(entered_, now_)});
  state_ = state;
  entered_ = now_;
}

void Supervisor::begin_shutdown(core::Signal trigger) {
  trigger_ = trigger;
  ready_ = false;
  budget_start_ = now_;
  arm(TimerId::Grace, now_ + settings_.grace);
  out_.push_back(CancelTimer{TimerId::StartTimeout});
  if (settings_.ready) out_.push_back(StopChecks{});
  out_.push_back(ShutdownStarted{trigger, settings_.grace});
  enter(State::Draining);
  if (settings_.drain.count() > 0) {
    arm(TimerId::Drain, now_ + settings_.drain);
  } else {
    start_pre_stop();
  }
}

void Supervisor::start_pre_stop() {
  enter(State::PreStop);
  // The cap the plan shows, within what is left of the grace: the budget counts from the
  // trigger, so pre_stop never outlasts it (a drain cut short by the grace leaves nothing).
  const auto cap = std::min(settings_.phase_cap(core::Phase::PreStop), grace_left(now_));
  out_.push_back(StartPhase{core::Phase::PreStop, cap, context()});
}

void Supervisor::send_stop_signal() {
  enter(State::Stopping);
  if (child_status_) {
    stop_leftovers();
    return;
  }
  out_.push_back(SignalChild{stop_signal(), settings_.forward == config::ForwardMode::Group, true});
  out_.push_back(ChildSignaled{stop_signal()});
}

void Supervisor::stop_leftovers() {
  if (state_ != State::Stopping) enter(State::Stopping);
  leftovers_pending_ = true;
  // Past the grace, whatever is found gets SIGKILL at once.
  if (grace_spent_) {
    out_.push_back(KillLeftovers{});
  } else {
    out_.push_back(StopLeftovers{stop_signal()});
  }
}

void Supervisor::start_post_stop() {
  enter(State::PostStop);
  out_.push_back(StartPhase{core::Phase::PostStop, settings_.phase_cap(core::Phase::PostStop), context()});
  arm_final(now_ + settings_.post_stop_timeout + kFinalMargin);
}

void Supervisor::on_grace_spent() {
  grace_spent_ = true;
  if (!child_status_) {
    out_.push_back(KillChild{});
    child_killed_ = true;
    out_.push_back(ChildKilled{core::since(*budget_start_, now_)});
  }
  if (leftovers_pending_) out_.push_back(KillLeftovers{});
  // A drain longer than the budget is cut short; pre_stop then has no time left.
  if (state_ == State::Draining) {
    out_.push_back(CancelTimer{TimerId::Drain});
    start_pre_stop();
  }
  arm_final(now_ + settings_.post_stop_timeout + kFinalMargin);
}

void Supervisor::arm_final(core::TimePoint at) {
  if (final_at_ && *final_at_ <= at) return;
  final_at_ = at;
  arm(TimerId::Final, at);
}

void Supervisor::finish() {
  const auto ending = core::ending_for(child_status_, settings_.success_exit_codes, settings_.exit_by_signal && !facts_.pid1);
  for (const auto timer : {TimerId::Grace, TimerId::Final}) out_.push_back(CancelTimer{timer});
  enter(State::Exited);
  out_.push_back(Finished{summary(ending)});
  out_.push_back(Exit{ending});
}

void Supervisor::force_exit(core::Signal signal) {
  for (const auto timer : {TimerId::Drain, TimerId::Grace, TimerId::Final, TimerId::StartTimeout}) {
    out_.push_back(CancelTimer{timer});
  }
  out_.push_back(KillHooks{});
  if (!child_status_) out_.push_back(KillChild{});
  out_.push_back(KillLeftovers{});
  out_.push_back(ForcedExit{signal});
  enter(State::Exited);
  out_.push_back(Exit{core::Ending{.code = core::kExitSignalBase + signal.number()}});
}

void Supervisor::abandon() {
  out_.push_back(KillHooks{});
  if (!child_status_) out_.push_back(KillChild{});
  out_.push_back(KillLeftovers{});
  out_.push_back(Abandoned{core::since(budget_start_.value_or(spawned_), now_)});
  // The status it would have had: the child's, or SIGKILL's when it could not be reaped.
  const auto ending = core::ending_for(child_status_, settings_.success_exit_codes, settings_.exit_by_signal && !facts_.pid1);
  enter(State::Exited);
  out_.push_back(Finished{summary(ending)});
  out_.push_back(Exit{ending});
}

core::Signal Supervisor::stop_signal() const {
  if (settings_.stop_signal) return *settings_.stop_signal;
  if (trigger_.empty()) return core::Signal(SIGTERM);
  // The trigger is relayed as the stop signal, so `--rewrite TERM:INT` applies to it too.
  return core::rewrite(settings_.rewrite, trigger_);
}

core::PhaseContext Supervisor::context() const {
  return core::PhaseContext{.trigger = trigger_, .child_pid = child_pid_, .child_status = child_status_};
}

Summary Supervisor::summary(core::Ending ending) const {
  return Summary{.duration = budget_start_ ? core::since(*budget_start_, now_) : core::Duration{0},
                 .hooks = tally_,
                 .child_status = child_status_,
                 .child_killed = child_killed_,
                 .ending = ending};
}

}  // namespace lastcall::supervisor
