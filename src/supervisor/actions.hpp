// SPDX-License-Identifier: MIT
#pragma once

#include <csignal>
#include <string>
#include <variant>
#include <vector>

#include "core/duration.hpp"
#include "core/exit_status.hpp"
#include "core/hook.hpp"
#include "core/signal.hpp"
#include "core/state.hpp"

// What the supervisor hears (events) and what it asks for (actions), in the contract's words.
// Plain data: the app turns arrivals into events and actions into system calls, log lines
// and notifications.
namespace lastcall::supervisor {

enum class TimerId { Drain, Grace, Final, StartTimeout };

// --- Events ---------------------------------------------------------------------------------

struct Trigger { core::Signal signal; };
// A signal that is not a trigger; `foreground`: lastcall's group has the terminal's foreground.
struct Relay { core::Signal received; core::Signal sent; bool foreground = false; };
struct ChildExited { core::ExitStatus status; };
// The child stopped; `foreground` as for Relay.
struct ChildStopped { core::Signal signal; bool foreground = false; };
// Whether the supervisor reads `foreground` for this event: only for job control (Ctrl+Z,
// `fg`/`bg`) and a child stopped for using the terminal. The app asks the terminal
// (tcgetpgrp(3)) for these alone.
[[nodiscard]] inline bool reads_foreground(const Relay& e) {
  return e.received.number() == SIGTSTP || e.sent.number() == SIGCONT;
}
[[nodiscard]] inline bool reads_foreground(const ChildStopped& e) {
  return e.signal.number() == SIGTTIN || e.signal.number() == SIGTTOU;
}
struct PhaseDone { core::Phase phase; core::HookTally tally; };
struct LeftoversSignaled { core::Signal signal; int count = 0; };
struct LeftoversGone {};
struct TimerFired { TimerId timer; };
// A readiness check ended; `error` says why it failed.
struct CheckDone { bool passed = false; std::string error; };

using Event = std::variant<Trigger, Relay, ChildExited, ChildStopped, PhaseDone, LeftoversSignaled, LeftoversGone,
                           TimerFired, CheckDone>;

// --- Actions --------------------------------------------------------------------------------

// `signal` to the child's process group (`group`) or to the child alone, then SIGCONT when
// `then_continue` (a stopped process cannot act on a stop signal until it runs again).
struct SignalChild { core::Signal signal; bool group = true; bool then_continue = false; };
struct KillChild {};  // SIGKILL to the child's process group
struct StartPhase { core::Phase phase; core::Duration cap; core::PhaseContext context; };
struct KillHooks {};  // SIGKILL to every running hook's process group; the phase ends unheard
struct StopLeftovers { core::Signal signal; };
struct KillLeftovers {};
struct ArmTimer { TimerId timer; core::TimePoint at; };
struct CancelTimer { TimerId timer; };
struct StopChecks {};
struct HandTerminal {};  // the terminal's foreground to the child's process group
struct StopSelf {};      // SIGSTOP to lastcall: job control hands the terminal back to the shell
struct Enter { core::State state; core::Duration previous{0}; };  // previous: the time spent in the state left

// The final numbers of a run (shutdown_complete).
struct Summary {
  core::Duration duration{0};  // from the trigger, or the child's own exit
  core::HookTally hooks{};
  std::optional<core::ExitStatus> child_status{};  // nullopt: never reaped
  bool child_killed = false;  // SIGKILL at the end of the grace
  core::Ending ending{};
};

// Things to say in the log (CONTRACT §5), in the order they happen.
struct ShutdownStarted { core::Signal trigger; core::Duration grace; };  // empty trigger: start_timeout
struct SignalForwarded { core::Signal received; core::Signal sent; };
struct ChildSignaled { core::Signal signal; };
struct ChildKilled { core::Duration after; };
struct TerminalHanded {};
struct ChildReady { core::Duration after; };
struct ChildUnready { std::string error; };
struct StartTimedOut { core::Duration after; };
struct LeftoversReport { core::Signal signal; int count = 0; };
struct Daemonized { core::Duration after; };  // the child ended soon after its start, leaving processes
struct ForcedExit { core::Signal signal; };
struct Abandoned { core::Duration after; };   // the final deadline passed with processes left
struct Finished { Summary summary; };
struct Exit { core::Ending ending; };

using Action = std::variant<SignalChild, KillChild, StartPhase, KillHooks, StopLeftovers, KillLeftovers, ArmTimer,
                            CancelTimer, StopChecks, HandTerminal, StopSelf, Enter, ShutdownStarted,
                            SignalForwarded, ChildSignaled, ChildKilled, TerminalHanded, ChildReady, ChildUnready,
                            StartTimedOut, LeftoversReport, Daemonized, ForcedExit, Abandoned, Finished, Exit>;
using Actions = std::vector<Action>;

}  // namespace lastcall::supervisor
