// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/exit_status.hpp"
#include "log/logger.hpp"
#include "supervisor/actions.hpp"

// The supervisor's reports as contract log events (CONTRACT §5), each message a sentence a
// person can act on, and the text summary the text log ends with.
namespace lastcall::app {

// What every report may name besides its own fields.
struct ReportContext {
  log::Logger& log;
  pid_t child_pid;
};

void report(const ReportContext& c, const supervisor::ShutdownStarted& r);
void report(const ReportContext& c, const supervisor::SignalForwarded& r);
void report(const ReportContext& c, const supervisor::ChildSignaled& r);
void report(const ReportContext& c, const supervisor::ChildKilled& r);
void report(const ReportContext& c, const supervisor::TerminalHanded& r);
void report(const ReportContext& c, const supervisor::ChildReady& r);
void report(const ReportContext& c, const supervisor::ChildUnready& r);
void report(const ReportContext& c, const supervisor::StartTimedOut& r);
void report(const ReportContext& c, const supervisor::LeftoversReport& r);
void report(const ReportContext& c, const supervisor::Daemonized& r);
void report(const ReportContext& c, const supervisor::ForcedExit& r);
void report(const ReportContext& c, const supervisor::Abandoned& r);
void report(const ReportContext& c, const supervisor::Finished& r);
void report(const ReportContext& c, const supervisor::Enter& r);
// child_exited, from the reaper.
void report_child_exited(const ReportContext& c, core::ExitStatus status);

// How a process ended, in words: "exited with 0", "was killed by SIGTERM".
[[nodiscard]] std::string describe_exit(core::ExitStatus status);
// The command as a shell would read it back: each word quoted where it needs to be.
[[nodiscard]] std::string shell_quoted(const std::vector<std::string>& words);

}  // namespace lastcall::app
