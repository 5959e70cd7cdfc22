// SPDX-License-Identifier: MIT
#include "app/ports.hpp"

#include <signal.h>

#include "app/summary.hpp"
#include "config/duration_parser.hpp"
#include "core/events.hpp"
#include "process/kill.hpp"

namespace lastcall::app {

namespace ev = core::event;

bool RealChild::relay(core::Signal signal) {
  return forward_ == config::ForwardMode::Group ? process::signal_group(pid_, signal)
                                                : process::signal_process(pid_, signal);
}

void RealChild::send_stop_signal(core::Signal signal) {
  (void)(forward_ == config::ForwardMode::Group ? process::stop_group(pid_, signal)
                                                : process::stop_process(pid_, signal));
}

void RealChild::kill_group() {
  // ESRCH: the group is already empty, which is what we want.
  (void)process::signal_group(pid_, core::Signal(SIGKILL));
}

void RealHookPhases::start(core::Phase phase, core::Duration cap, const supervisor::PhaseContext& context) {
  const auto& specs = phase == core::Phase::PreStop ? settings_.pre_stop : settings_.post_stop;
  const hooks::HookEnv env{.trigger = context.trigger, .child_pid = context.child_pid,
                           .child_status = context.child_status};
  runner_.run(phase, specs, cap, env, [this, phase](const hooks::Tally& tally) {
    on_finished_(phase, supervisor::PhaseTally{.ok = tally.ok, .failed = tally.failed,
                                               .timeout = tally.timeout, .skipped = tally.skipped});
  });
}

void LoopExit::exit(int code) {
  code_ = code;
  loop_.stop();
}

void LogReporter::shutdown_started(core::Signal trigger, core::Duration grace) {
  const auto name = trigger.name();
  logger_.info(ev::kShutdownStarted,
               "received " + name + "; stopping gracefully within " + config::format_duration(grace) +
                   " (send it again to force an exit)",
               {{"signal", name}, {"grace_ms", grace.count()}});
}

void LogReporter::state_changed(supervisor::State state) {
  const std::string name = supervisor::state_name(state);
  logger_.debug(ev::kStateChanged, "entering " + name, {{"state", name}});
}

void LogReporter::child_signaled(core::Signal signal, pid_t pid) {
  const auto name = signal.name();
  logger_.info(ev::kChildSignaled, "sent " + name + " to the child (pid " + std::to_string(pid) + ")",
               {{"signal", name}, {"pid", pid}});
}

void LogReporter::child_killed(pid_t pid, core::Duration after) {
  logger_.warn(ev::kChildKilled,
               "grace budget spent after " + config::format_duration(after) +
                   "; sent SIGKILL to the child's process group (pid " + std::to_string(pid) + ")",
               {{"pid", pid}, {"after_ms", after.count()}});
}

void LogReporter::forced_exit(core::Signal signal) {
  const auto name = signal.name();
  logger_.warn(ev::kForcedExit,
               "received " + name + " again; killing the child, hooks and orphans and exiting now",
               {{"signal", name}});
}

void LogReporter::shutdown_complete(const supervisor::Summary& summary) {
  const auto& h = summary.hooks;
  logger_.info(ev::kShutdownComplete,
               "shutdown complete in " + config::format_duration(summary.duration) + "; the child " +
                   describe_child_end(summary) + "; exiting with " + std::to_string(summary.exit_code),
               {{"duration_ms", summary.duration.count()},
                {"hooks_ok", h.ok},
                {"hooks_failed", h.failed},
                {"hooks_timeout", h.timeout},
                {"hooks_skipped", h.skipped},
                {"exit_code", summary.exit_code}});
  logger_.text_block(text_summary(summary));
}

}  // namespace lastcall::app
