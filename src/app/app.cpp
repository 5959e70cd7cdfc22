// SPDX-License-Identifier: MIT
#include "app/app.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "app/report.hpp"
#include "app/run.hpp"
#include "process/reaper.hpp"
#include "process/spawn.hpp"

namespace lastcall::app {
namespace {

namespace ev = core::event;

// Orphans reparent to PID 1 unless an ancestor is a subreaper (prctl(2)); becoming one keeps
// every descendant of the child ours to reap when lastcall is not PID 1.
void become_subreaper(log::Logger& logger) {
  if (getpid() == 1 || prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0) return;
  logger.warn(ev::kInternalError, std::string("cannot become a child subreaper: ") + std::strerror(errno) +
                                      "; orphans will be reaped by PID 1 instead");
}

// A standard descriptor that is closed at startup (`lastcall ... 2>&-`) would be taken by the
// next descriptor lastcall opens, its signalfd or a hook's pipe, and the log would be written
// into that. /dev/null in its place keeps the log harmlessly lost; the child gets /dev/null
// there rather than a descriptor number that its own first open(2) would reuse. Without
// /dev/null (an empty root) nothing can be done, and the log stays as it is.
void occupy_closed_standard_descriptors() {
  for (int fd = 0; fd < 3; ++fd) {
    if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    // open(2) returns the lowest free descriptor: this one, as the lower ones are open.
    const int opened = open("/dev/null", O_RDWR);
    if (opened >= 0 && opened != fd) close(opened);
  }
}

// Socket activation (sd_listen_fds(3)): when LISTEN_PID names lastcall, the LISTEN_FDS
// descriptors from 3 on are the child's, at the same numbers.
struct ListenFds {
  bool set = false;      // LISTEN_PID or LISTEN_FDS is in the environment, for lastcall or not
  bool given = false;    // LISTEN_FDS names one or more for lastcall
  std::vector<int> open;  // those of them that are open, made inheritable
};

// Called first, before lastcall opens anything: a number LISTEN_FDS names but that was not
// open would otherwise be one of lastcall's own (its signalfd), handed to the child and then
// closed under lastcall.
ListenFds take_listen_fds() {
  const char* pid = std::getenv("LISTEN_PID");
  const char* fds = std::getenv("LISTEN_FDS");
  ListenFds out{.set = pid != nullptr || fds != nullptr};
  if (pid == nullptr || fds == nullptr || std::atol(pid) != getpid()) return out;
  const int count = std::max(0, std::atoi(fds));
  out.given = count > 0;
  for (int fd = 3; fd < 3 + count; ++fd) {
    // F_SETFD fails with EBADF on a descriptor that is not open.
    if (fcntl(fd, F_SETFD, 0) == 0) out.open.push_back(fd);
  }
  return out;
}

// lastcall keeps no copy of the child's sockets: they are the child's alone from now on. The
// variables leave lastcall's environment (the spawn set LISTEN_PID for the child), so hooks
// see none of it.
void release_listen_fds(const ListenFds& fds) {
  for (const int fd : fds.open) (void)close(fd);
  // Each unsetenv(3) scans the environment: none where the service manager set nothing.
  if (!fds.set) return;
  for (const char* name : {"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"}) (void)unsetenv(name);
}

// lastcall's working directory would keep its mount busy (umount: "target is busy") for as
// long as lastcall runs. The child has inherited it already, and every hook has an absolute
// cwd by now (config::bind_to_host), so nothing of lastcall needs it any more.
void leave_working_directory(log::Logger& logger) {
  if (chdir("/") == 0) return;
  logger.warn(ev::kInternalError, std::string("cannot change to /: ") + std::strerror(errno) + "; lastcall stays where it started");
}

// Starts the child and waits for its exec: "not found" and "not executable" are exit codes
// of lastcall's own (126, 127), known before the loop runs.
core::Result<pid_t> spawn_child(const config::Settings& settings, const core::InheritedSignals& signals, bool listen_fds) {
  const process::SpawnRequest request{.argv = settings.command, .set_listen_pid = listen_fds,
                                      .credentials = settings.credentials, .await_exec = true};
  auto spawned = process::spawn(request, signals);
  if (!spawned) return spawned.error();
  if (auto failure = process::read_exec_report(std::move(spawned->report), request)) {
    (void)process::Reaper::wait_for(spawned->pid);
    return *failure;
  }
  return spawned->pid;
}

// The disposition back to SIG_DFL and the signal unblocked: the router blocked every
// catchable signal for its signalfd, so raise(3) delivers it at once only after this.
bool restore_default(int signal) {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  if (sigemptyset(&action.sa_mask) != 0 || sigaction(signal, &action, nullptr) != 0) return false;
  sigset_t set;
  if (sigemptyset(&set) != 0 || sigaddset(&set, signal) != 0) return false;
  return sigprocmask(SIG_UNBLOCK, &set, nullptr) == 0;
}

}  // namespace

int run(const config::Settings& settings, const core::InheritedSignals& signals) {
  const auto listen_fds = take_listen_fds();
  occupy_closed_standard_descriptors();
  log::Logger logger(settings.log_format, settings.log_level);
  auto router = signals::SignalRouter::open(settings.triggers, settings.rewrite);
  if (!router) return report_setup_error(router.error(), settings.log_format);
  become_subreaper(logger);
  uv::Loop loop;
  StatusBoard board(settings, logger);
  // Before the spawn: a port in use must not leave a child running without its endpoint.
  if (auto error = board.open(loop.get())) return report_setup_error(*error, settings.log_format);
  process::Terminal terminal;
  const auto pid = spawn_child(settings, signals, listen_fds.given);
  if (!pid) return report_setup_error(pid.error(), settings.log_format, ev::kSpawnFailed);
  const auto spawned = core::Clock::now();
  release_listen_fds(listen_fds);
  if (logger.enabled(log::Level::Info)) {
    const auto command = shell_quoted(settings.command);
    logger.info(ev::kChildStarted, "started the child (pid " + std::to_string(*pid) + "): " + command,
                {{"pid", *pid}, {"command", command}});
  }
  leave_working_directory(logger);
  core::Ending ending;
  {
    Run run({settings, signals, logger, loop, **router, board, terminal}, *pid, spawned);
    if (const int rc = run.start(); rc != 0) logger.error(ev::kInternalError, "cannot watch signals: " + uv::error_message(rc));
    loop.run();
    ending = run.ending();
    run.kill_remaining();
  }
  board.close();
  router->reset();
  if (!loop.close()) logger.warn(ev::kInternalError, "the event loop did not close cleanly");
  return exit_by_signal(ending.fatal_signal, ending.code);
}

int exit_by_signal(int signal, int code) {
  if (signal <= 0 || getpid() == 1) return code;
  // The child's core, if any, is the one that matters: lastcall's own would only mislead.
  const rlimit no_core{0, 0};
  (void)setrlimit(RLIMIT_CORE, &no_core);
  // SIGKILL has no disposition to reset and cannot be blocked (sigaction(2): EINVAL).
  if (signal != SIGKILL && !restore_default(signal)) return code;
  (void)raise(signal);
  return code;  // a signal whose default action is not to terminate
}

int report_setup_error(const core::Error& error, std::optional<core::LogFormat> format, std::string_view event) {
  log::Logger logger(format.value_or(core::default_log_format(isatty(STDERR_FILENO) == 1)), log::Level::Error);
  logger.error(event, "lastcall: " + error.message, {{"error", error.message}});
  return error.exit_code;
}

std::optional<core::LogFormat> requested_format(const config::Overrides& overrides) {
  std::optional<core::LogFormat> format;
  for (const auto& value : overrides.values) {
    config::Settings scratch;
    if (value.key == config::find_key("--log-format") && value.key->apply(scratch, value.value).empty()) {
      format = scratch.log_format;
    }
  }
  return format;
}

}  // namespace lastcall::app
