// SPDX-License-Identifier: MIT
#include "app/summary.hpp"

#include <csignal>

#include "config/duration_parser.hpp"

namespace lastcall::app {

std::string describe_exit(core::ExitStatus status) {
  if (status.signal == 0) return "exited with " + std::to_string(status.code);
  return "was killed by " + core::Signal(status.signal).name();
}

std::string describe_child_end(const supervisor::Summary& summary) {
  if (!summary.child_status) return "was still running";
  const auto& status = *summary.child_status;
  std::string out = describe_exit(status);
  if (summary.child_killed && status.signal == SIGKILL) out += " when the grace budget ran out";
  return out;
}

std::string text_summary(const supervisor::Summary& summary) {
  const auto& h = summary.hooks;
  std::string out = "\n  lastcall summary\n";
  out += "    time    " + config::format_duration(summary.duration) + "\n";
  out += "    hooks   " + std::to_string(h.ok) + " ok, " + std::to_string(h.failed) + " failed, " +
         std::to_string(h.timeout) + " timed out, " + std::to_string(h.skipped) + " skipped\n";
  out += "    child   " + describe_child_end(summary) + "\n";
  out += "    exit    " + std::to_string(summary.exit_code) + "\n\n";
  return out;
}

}  // namespace lastcall::app
