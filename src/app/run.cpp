// SPDX-License-Identifier: MIT
#include "app/run.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

#include "app/report.hpp"
#include "core/events.hpp"
#include "process/kill.hpp"

namespace lastcall::app {

namespace sv = supervisor;

Run::Run(Parts parts, pid_t child_pid, core::TimePoint spawned)
    : p_(parts),
      child_pid_(child_pid),
      leftovers_(parts.loop.get(), child_pid,
                 {.on_gone = [this] { feed(sv::LeftoversGone{}); },
                  .on_signaled = [this](core::Signal s, int count) { feed(sv::LeftoversSignaled{s, count}); }}),
      hooks_(parts.loop.get(), reaper_, parts.logger, parts.signals,
             {.on_done = [this](core::Phase phase, const core::HookTally& tally) { feed(sv::PhaseDone{phase, tally}); },
              .on_hook = [this](const hooks::HookResult& result) { p_.board.hook_finished(result); }}),
      supervisor_(parts.settings, sv::Facts{.pid1 = getpid() == 1}, child_pid, spawned),
      live_(parts.loop.get(), parts.logger, hooks_, supervisor_, parts.settings) {
  for (std::size_t id = 0; id < timers_.size(); ++id) {
    timers_[id] = std::make_unique<uv::Timer>(p_.loop.get(), [this, id] { feed(sv::TimerFired{static_cast<sv::TimerId>(id)}); });
  }
  if (parts.settings.ready) {
    probe_ = std::make_unique<ready::ReadyProbe>(
        parts.loop.get(), *parts.settings.ready, reaper_, parts.signals,
        [this](bool passed, const std::string& error) { feed(sv::CheckDone{passed, error}); });
  }
}

int Run::start() {
  reaper_.watch(child_pid_, [this](const process::ChildChange& change) { on_child_change(change); });
  reaper_.set_orphan_handler([this](const process::ChildChange& change) {
    p_.board.orphan_reaped();
    if (p_.logger.enabled(log::Level::Debug)) {
      p_.logger.debug(core::event::kOrphanReaped, "reaped orphan " + std::to_string(change.pid),
                      {{"pid", change.pid}, {"exit_code", change.status.shell_code()}});
    }
  });
  p_.board.child_started(child_pid_, supervisor_.is_ready());
  for (const auto& action : supervisor_.start()) execute(action);
  live_.update(core::State::Running);
  if (probe_) probe_->start();
  return p_.router.start(p_.loop.get(), [this](const signals::Arrival& arrival) { on_arrival(arrival); });
}

void Run::feed(sv::Event event) {
  queue_.push_back(std::move(event));
  // An action may bring the next event at once (a phase without hooks ends as it starts):
  // it waits its turn, so the supervisor sees one event at a time.
  if (handling_) return;
  handling_ = true;
  while (!queue_.empty()) {
    const auto next = std::move(queue_.front());
    queue_.pop_front();
    for (const auto& action : supervisor_.handle(next, core::Clock::now())) execute(action);
    p_.board.mirror(supervisor_.is_child_running(), supervisor_.is_ready());
  }
  handling_ = false;
}

void Run::on_arrival(const signals::Arrival& arrival) {
  if (arrival.kind == signals::Arrival::Kind::Child) {
    leftovers_.after_reap(reaper_.reap());
    return;
  }
  p_.board.signal_received(arrival.received);
  if (arrival.kind == signals::Arrival::Kind::Trigger) {
    feed(sv::Trigger{arrival.received});
  } else {
    sv::Relay relay{arrival.received, arrival.sent};
    relay.foreground = sv::reads_foreground(relay) && p_.terminal.is_ours();
    feed(relay);
  }
}

void Run::on_child_change(const process::ChildChange& change) {
  if (change.kind == process::ChildChange::Kind::Stopped) {
    sv::ChildStopped stopped{core::Signal(change.stop_signal)};
    stopped.foreground = sv::reads_foreground(stopped) && p_.terminal.is_ours();
    feed(stopped);
  } else if (change.kind == process::ChildChange::Kind::Exited) {
    report_child_exited({p_.logger, child_pid_}, change.status);
    feed(sv::ChildExited{change.status});
  }
}

void Run::execute(const sv::Action& action) {
  const ReportContext context{p_.logger, child_pid_};
  std::visit(
      [&](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, sv::SignalChild>) {
          // The child is unreaped while the supervisor asks this, so its pid and group are ours.
          if (a.group && a.then_continue) leftovers_.group_reached(a.signal);
          const bool reached = a.then_continue ? (a.group ? process::stop_group(child_pid_, a.signal) : process::stop_process(child_pid_, a.signal))
                                               : (a.group ? process::signal_group(child_pid_, a.signal) : process::signal_process(child_pid_, a.signal));
          if (reached && !a.then_continue) p_.board.signal_relayed(a.signal);
        } else if constexpr (std::is_same_v<A, sv::KillChild>) {
          leftovers_.group_reached(core::Signal(SIGKILL));
          (void)process::signal_group(child_pid_, core::Signal(SIGKILL));  // ESRCH: the group is empty already
        } else if constexpr (std::is_same_v<A, sv::StartPhase>) {
          hooks_.run(a.phase, p_.settings.hooks(a.phase), a.cap, a.context);
        } else if constexpr (std::is_same_v<A, sv::KillHooks>) {
          hooks_.kill_all();
        } else if constexpr (std::is_same_v<A, sv::StopLeftovers>) {
          leftovers_.stop(a.signal);
        } else if constexpr (std::is_same_v<A, sv::KillLeftovers>) {
          leftovers_.kill();
        } else if constexpr (std::is_same_v<A, sv::ArmTimer>) {
          timers_[static_cast<std::size_t>(a.timer)]->start(core::since(core::Clock::now(), a.at));
        } else if constexpr (std::is_same_v<A, sv::CancelTimer>) {
          timers_[static_cast<std::size_t>(a.timer)]->stop();
        } else if constexpr (std::is_same_v<A, sv::StopChecks>) {
          if (probe_) probe_->stop();
        } else if constexpr (std::is_same_v<A, sv::HandTerminal>) {
          if (!p_.terminal.hand_to(child_pid_)) {
            p_.logger.warn(core::event::kInternalError, std::string("cannot hand the terminal to the child: ") + std::strerror(errno));
          }
        } else if constexpr (std::is_same_v<A, sv::StopSelf>) {
          // The shell sees lastcall stopped and takes its terminal back; SIGCONT resumes us here.
          (void)::kill(::getpid(), SIGSTOP);
        } else if constexpr (std::is_same_v<A, sv::Enter>) {
          report(context, a);
          p_.board.state_changed(a.state, a.previous, supervisor_.grace_left(core::Clock::now()));
          live_.update(a.state);
        } else if constexpr (std::is_same_v<A, sv::Exit>) {
          ending_ = a.ending;
          p_.loop.stop();
        } else {
          report(context, a);
          if constexpr (std::is_same_v<A, sv::ChildReady>) p_.board.became_ready(a.after);
          if constexpr (std::is_same_v<A, sv::ChildReady> || std::is_same_v<A, sv::TerminalHanded>) live_.update(core::State::Running);
          if constexpr (std::is_same_v<A, sv::TerminalHanded>) live_.stop();
        }
      },
      action);
}

void Run::kill_remaining() {
  if (!process::Reaper::has_children()) return;
  leftovers_.kill();
  // A SIGKILLed process ends within moments; reap for a bounded time so lastcall does not
  // leave zombies to its own parent, and never hang on one stuck in the kernel.
  for (int round = 0; round < 100 && reaper_.reap(); ++round) {
    timespec pause{0, 2'000'000};
    nanosleep(&pause, nullptr);
    leftovers_.kill();
  }
}

}  // namespace lastcall::app
