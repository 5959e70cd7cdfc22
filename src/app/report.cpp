// SPDX-License-Identifier: MIT
#include "app/report.hpp"

#include <csignal>

#include "core/events.hpp"
#include "process/leftovers.hpp"

namespace lastcall::app {
namespace {

namespace ev = core::event;
using core::format_duration;

std::string pid_text(pid_t pid) { return "(pid " + std::to_string(pid) + ")"; }

// How the child ended, for the summary: "exited with 0", "was killed by SIGKILL when the
// grace budget ran out", "was still running".
std::string child_end(const supervisor::Summary& s) {
  if (!s.child_status) return "could not be reaped";
  std::string out = describe_exit(*s.child_status);
  if (s.child_killed && s.child_status->signal == SIGKILL) out += " when the grace budget ran out";
  return out;
}

std::string ending_text(const core::Ending& ending) {
  if (ending.fatal_signal != 0) return "dying of " + core::Signal(ending.fatal_signal).name();
  return "exiting with " + std::to_string(ending.code);
}

std::string text_summary(const supervisor::Summary& s) {
  const auto& h = s.hooks;
  return "\n  lastcall summary\n    time    " + format_duration(s.duration) + "\n    hooks   " + std::to_string(h.ok) +
         " ok, " + std::to_string(h.failed) + " failed, " + std::to_string(h.timeout) + " timed out, " +
         std::to_string(h.skipped) + " skipped\n    child   " + child_end(s) + "\n    exit    " +
         (s.ending.fatal_signal != 0 ? core::Signal(s.ending.fatal_signal).name() : std::to_string(s.ending.code)) +
         "\n\n";
}

}  // namespace

void report(const ReportContext& c, const supervisor::ShutdownStarted& r) {
  const std::string why = r.trigger.empty() ? "the child was not ready within its start_timeout" : "received " + r.trigger.name();
  c.log.info(ev::kShutdownStarted,
             why + "; stopping gracefully within " + format_duration(r.grace) + " (send a trigger again to force an exit)",
             {{"signal", r.trigger.name()}, {"grace_ms", r.grace.count()}});
}

void report(const ReportContext& c, const supervisor::SignalForwarded& r) {
  if (!c.log.enabled(log::Level::Debug)) return;
  c.log.debug(ev::kSignalForwarded, "relayed " + r.received.name() + " as " + r.sent.name(),
              {{"signal", r.received.name()}, {"sent", r.sent.name()}, {"pid", c.child_pid}});
}

void report(const ReportContext& c, const supervisor::ChildSignaled& r) {
  c.log.info(ev::kChildSignaled, "sent " + r.signal.name() + " to the child " + pid_text(c.child_pid),
             {{"signal", r.signal.name()}, {"pid", c.child_pid}});
}

void report(const ReportContext& c, const supervisor::ChildKilled& r) {
  c.log.warn(ev::kChildKilled,
             "grace budget spent after " + format_duration(r.after) + "; sent SIGKILL to the child's process group " +
                 pid_text(c.child_pid),
             {{"pid", c.child_pid}, {"after_ms", r.after.count()}});
}

void report(const ReportContext& c, const supervisor::TerminalHanded&) {
  c.log.info(ev::kTerminalHanded,
             "the child's process group uses the terminal: it has the foreground now, and the keyboard's signals "
             "reach it directly",
             {{"pgid", c.child_pid}});
}

void report(const ReportContext& c, const supervisor::ChildReady& r) {
  c.log.info(ev::kChildReady, "the child is ready after " + format_duration(r.after), {{"after_ms", r.after.count()}});
}

void report(const ReportContext& c, const supervisor::ChildUnready& r) {
  c.log.warn(ev::kChildUnready, "the child is not ready any more: " + r.error, {{"error", r.error}});
}

void report(const ReportContext& c, const supervisor::StartTimedOut& r) {
  c.log.warn(ev::kStartTimeout,
             "the child was not ready after " + format_duration(r.after) + " (start_timeout); stopping it",
             {{"after_ms", r.after.count()}});
}

void report(const ReportContext& c, const supervisor::LeftoversReport& r) {
  const auto text = "sent " + r.signal.name() + " to " + std::to_string(r.count) +
                    " leftover process(es) of the child's group or adopted orphans";
  const bool killing = r.signal.number() == SIGKILL;
  c.log.event(killing ? log::Level::Warn : log::Level::Info, killing ? ev::kLeftoversKilled : ev::kLeftoversSignaled,
              text, {{"signal", r.signal.name()}, {"count", r.count}});
}

void report(const ReportContext& c, const supervisor::Daemonized& r) {
  c.log.warn(ev::kChildDaemonized,
             "the child exited " + format_duration(r.after) +
                 " after its start and left processes running: it has probably daemonized itself (run it in "
                 "the foreground, e.g. nginx -g 'daemon off;'); stopping what it left",
             {{"after_ms", r.after.count()}});
}

void report(const ReportContext& c, const supervisor::ForcedExit& r) {
  c.log.warn(ev::kForcedExit, "received " + r.signal.name() + " again; killing the child, hooks and orphans and exiting now",
             {{"signal", r.signal.name()}});
}

void report(const ReportContext& c, const supervisor::Abandoned& r) {
  std::string pids;
  for (const pid_t pid : process::Leftovers::remaining()) pids += (pids.empty() ? "" : ",") + std::to_string(pid);
  c.log.error(ev::kLeftoversAbandoned,
              "processes still there " + format_duration(r.after) +
                  " after the shutdown began, SIGKILL sent and post_stop_timeout passed: " +
                  (pids.empty() ? std::string("none listed") : pids) + "; exiting without them",
              {{"pids", pids}, {"after_ms", r.after.count()}});
}

void report(const ReportContext& c, const supervisor::Finished& r) {
  const auto& s = r.summary;
  // Built only where they are written: a start that logs at warn builds neither.
  if (c.log.enabled(log::Level::Info)) {
    c.log.info(ev::kShutdownComplete,
               "shutdown complete in " + format_duration(s.duration) + "; the child " + child_end(s) + "; " +
                   ending_text(s.ending),
               {{"duration_ms", s.duration.count()},
                {"hooks_ok", s.hooks.ok},
                {"hooks_failed", s.hooks.failed},
                {"hooks_timeout", s.hooks.timeout},
                {"hooks_skipped", s.hooks.skipped},
                {"exit_code", s.ending.code}});
  }
  if (c.log.format() == log::Format::Text) c.log.text_block(text_summary(s));
}

void report(const ReportContext& c, const supervisor::Enter& r) {
  if (!c.log.enabled(log::Level::Debug)) return;
  const std::string name(core::state_name(r.state));
  c.log.debug(ev::kStateChanged, "entering " + name, {{"state", name}});
}

void report_child_exited(const ReportContext& c, core::ExitStatus status) {
  if (!c.log.enabled(log::Level::Info)) return;
  const std::string message = "the child " + pid_text(c.child_pid) + " " + describe_exit(status);
  if (status.signal != 0) {
    c.log.info(ev::kChildExited, message,
               {{"pid", c.child_pid}, {"exit_code", status.shell_code()}, {"signal", core::Signal(status.signal).name()}});
  } else {
    c.log.info(ev::kChildExited, message, {{"pid", c.child_pid}, {"exit_code", status.shell_code()}});
  }
}

std::string describe_exit(core::ExitStatus status) {
  if (status.signal == 0) return "exited with " + std::to_string(status.code);
  return "was killed by " + core::Signal(status.signal).name();
}

std::string shell_quoted(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) {
    if (!out.empty()) out += ' ';
    const bool plain = !word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                               "0123456789_-+=./:,@%") == std::string::npos;
    if (plain) {
      out += word;
      continue;
    }
    out += '\'';
    for (const char ch : word) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    out += '\'';
  }
  return out;
}

}  // namespace lastcall::app
