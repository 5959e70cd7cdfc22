// SPDX-License-Identifier: MIT
#include "app/app.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <cstring>

#include "app/exit_by_signal.hpp"
#include "app/live_status.hpp"
#include "app/ports.hpp"
#include "app/status_board.hpp"
#include "app/summary.hpp"
#include "core/events.hpp"
#include "process/reaper.hpp"
#include "process/spawner.hpp"
#include "signals/signal_router.hpp"

namespace lastcall::app {
namespace {

namespace ev = core::event;

supervisor::Plan plan_of(const config::Settings& s) {
  return supervisor::Plan{.grace = s.grace,
                          .stop_signal = s.stop_signal,
                          .rewrite = s.rewrite,
                          .drain = s.drain,
                          .pre_stop_timeout = s.pre_stop_timeout,
                          .post_stop_timeout = s.post_stop_timeout,
                          .success_exit_codes = s.success_exit_codes};
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) {
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

// Orphans reparent to PID 1 unless an ancestor is a subreaper (prctl(2)); becoming one keeps
// every descendant of the child ours to reap when lastcall is not PID 1.
void become_subreaper(log::Logger& logger) {
  if (getpid() == 1) return;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    logger.warn(ev::kInternalError,
                std::string("cannot become a child subreaper: ") + std::strerror(errno) +
                    "; orphans will be reaped by PID 1 instead");
  }
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

// lastcall's working directory would keep its mount busy (umount: "target is busy") for as
// long as lastcall runs. The child has inherited it already, and every hook has an absolute
// cwd by now (config::bind_to_host), so nothing of lastcall needs it any more.
void leave_working_directory(log::Logger& logger) {
  if (chdir("/") == 0) return;
  logger.warn(ev::kInternalError,
              std::string("cannot change to /: ") + std::strerror(errno) + "; lastcall stays where it started");
}

// Every object of one run, connected. Members are declared in dependency order, so they
// are destroyed before the loop that their handles belong to is closed.
class Run {
 public:
  Run(const config::Settings& settings, log::Logger& logger, uv::Loop& loop,
      signals::SignalRouter& router, pid_t child_pid, StatusBoard& board)
      : settings_(settings),
        logger_(logger),
        router_(router),
        board_(board),
        child_(child_pid, settings.forward),
        sweeper_(loop.get(), reaper_, child_pid, [this] { supervisor_.on_leftovers_gone(); },
                 [this](core::Signal signal, int count) { on_leftovers_signaled(signal, count); }),
        leftovers_(sweeper_),
        hook_runner_(loop.get(), reaper_, logger),
        hook_phases_(hook_runner_, settings,
                     [this](core::Phase phase, const supervisor::PhaseTally& tally) {
                       supervisor_.on_phase_finished(phase, tally);
                     }),
        drain_timer_(loop.get(), [this] { supervisor_.on_drain_timer(); }),
        grace_timer_(loop.get(), [this] { supervisor_.on_grace_timer(); }),
        live_status_(loop.get(), logger, hook_runner_, supervisor_, settings, child_pid),
        reporter_(logger),
        status_reporter_(reporter_, board, live_status_, [this] { return supervisor_.grace_left(); }),
        exit_(loop),
        supervisor_(plan_of(settings),
                    supervisor::Ports{.child = child_, .leftovers = leftovers_, .hooks = hook_phases_,
                                      .drain_timer = drain_timer_, .grace_timer = grace_timer_,
                                      .clock = clock_, .reporter = status_reporter_, .exit = exit_}) {}

  [[nodiscard]] int start(uv_loop_t* loop);
  [[nodiscard]] int exit_code() const { return exit_.code(); }
  // SIGKILL to whatever is still ours once the sequence has ended: a post_stop hook's
  // process that left the hook's group, or everything after a forced exit.
  void kill_remaining();

 private:
  void on_child_exited(pid_t pid, core::ExitStatus status);
  void on_orphan_reaped(pid_t pid, core::ExitStatus status);
  void on_relay(core::Signal received, core::Signal sent);
  void on_sigchld();
  void on_leftovers_signaled(core::Signal signal, int count);

  const config::Settings& settings_;
  log::Logger& logger_;
  signals::SignalRouter& router_;
  StatusBoard& board_;
  process::Reaper reaper_;
  RealChild child_;
  process::LeftoverSweeper sweeper_;
  RealLeftovers leftovers_;
  hooks::HookRunner hook_runner_;
  RealHookPhases hook_phases_;
  RealTimer drain_timer_;
  RealTimer grace_timer_;
  SteadyClock clock_;
  LiveStatus live_status_;
  LogReporter reporter_;
  StatusReporter status_reporter_;
  LoopExit exit_;
  supervisor::Supervisor supervisor_;
};

int Run::start(uv_loop_t* loop) {
  reaper_.watch(child_.pid(), [this](pid_t pid, core::ExitStatus status) { on_child_exited(pid, status); });
  reaper_.set_orphan_handler([this](pid_t pid, core::ExitStatus status) { on_orphan_reaped(pid, status); });
  hook_runner_.set_observer([this](const hooks::HookResult& result) { board_.hook_finished(result); });
  return router_.start(loop, signals::SignalRouter::Handlers{
                                 .on_trigger =
                                     [this](core::Signal s) {
                                       board_.signal_received(s);
                                       supervisor_.on_trigger(s);
                                     },
                                 .on_relay = [this](core::Signal r, core::Signal s) { on_relay(r, s); },
                                 .on_child = [this] { on_sigchld(); }});
}

void Run::on_child_exited(pid_t pid, core::ExitStatus status) {
  const std::string message = "the child (pid " + std::to_string(pid) + ") " + describe_exit(status);
  if (status.signal != 0) {
    logger_.info(ev::kChildExited, message,
                 {{"pid", pid}, {"exit_code", status.shell_code()}, {"signal", core::Signal(status.signal).name()}});
  } else {
    logger_.info(ev::kChildExited, message, {{"pid", pid}, {"exit_code", status.shell_code()}});
  }
  board_.child_exited();
  supervisor_.on_child_exited(status);
}

void Run::on_orphan_reaped(pid_t pid, core::ExitStatus status) {
  board_.orphan_reaped();
  if (!logger_.enabled(log::Level::Debug)) return;
  logger_.debug(ev::kOrphanReaped, "reaped orphan " + std::to_string(pid),
                {{"pid", pid}, {"exit_code", status.shell_code()}});
}

void Run::on_relay(core::Signal received, core::Signal sent) {
  board_.signal_received(received);
  if (!supervisor_.is_child_running()) return;
  if (!child_.relay(sent)) return;  // ESRCH: the child is gone and not yet reaped
  board_.signal_relayed(sent);
  if (!logger_.enabled(log::Level::Debug)) return;
  logger_.debug(ev::kSignalForwarded, "relayed " + received.name() + " as " + sent.name(),
                {{"signal", received.name()}, {"sent", sent.name()}, {"pid", child_.pid()}});
}

void Run::kill_remaining() {
  if (!reaper_.has_children()) return;
  sweeper_.kill();
  // A SIGKILLed process ends within moments; reap for a bounded time so lastcall does not
  // leave zombies to its own parent, and never hang on one stuck in the kernel.
  for (int round = 0; round < 100 && reaper_.reap(); ++round) {
    timespec pause{0, 2'000'000};
    nanosleep(&pause, nullptr);
  }
}

void Run::on_leftovers_signaled(core::Signal signal, int count) {
  const bool killing = signal.number() == SIGKILL;
  const auto text = "sent " + signal.name() + " to " + std::to_string(count) +
                    " leftover process(es) of the child's group or adopted orphans";
  if (killing) {
    logger_.warn(ev::kLeftoversKilled, text, {{"signal", signal.name()}, {"count", count}});
  } else {
    logger_.info(ev::kLeftoversSignaled, text, {{"signal", signal.name()}, {"count", count}});
  }
}

void Run::on_sigchld() {
  sweeper_.after_reap(reaper_.reap());
}

}  // namespace

int run(const config::Settings& settings) {
  occupy_closed_standard_descriptors();
  log::Logger logger(settings.log_format, settings.log_level);
  auto router = signals::SignalRouter::install(settings.rewrite);
  if (!router) return report_setup_error(router.error(), settings.log_format);
  become_subreaper(logger);
  uv::Loop loop;
  StatusBoard board(settings, logger);
  // Before the spawn: a port in use must not leave a child running without its endpoint.
  if (auto error = board.open(loop.get())) return report_setup_error(*error, settings.log_format);
  process::SpawnRequest request;
  request.argv = settings.command;
  request.credentials = settings.credentials;
  const auto pid = process::spawn(request);
  if (!pid) return report_setup_error(pid.error(), settings.log_format, ev::kSpawnFailed);
  logger.info(ev::kChildStarted, "started the child (pid " + std::to_string(*pid) + "): " + join(settings.command),
              {{"pid", *pid}, {"command", join(settings.command)}});
  leave_working_directory(logger);
  board.child_started(*pid);
  int code = 0;
  {
    Run run(settings, logger, loop, **router, *pid, board);
    if (const int rc = run.start(loop.get()); rc != 0) {
      logger.error(ev::kInternalError, "cannot watch signals: " + uv::error_message(rc));
    }
    loop.run();
    code = run.exit_code();
    run.kill_remaining();
  }
  board.close();
  router->reset();
  if (!loop.close()) logger.warn(ev::kInternalError, "the event loop did not close cleanly");
  return exit_by_signal(board.fatal_signal(code), code);
}

int report_setup_error(const core::Error& error, std::optional<config::LogFormat> format,
                       std::string_view event) {
  const auto fmt = format.value_or(config::default_log_format(isatty(STDERR_FILENO) == 1));
  log::Logger logger(fmt, log::Level::Error);
  logger.error(event, "lastcall: " + error.message, {{"error", error.message}});
  return error.exit_code;
}

std::optional<config::LogFormat> requested_format(const cli::Overrides& overrides) {
  if (!overrides.log_format) return std::nullopt;
  return config::by_name(config::kLogFormats, overrides.log_format->value);
}

}  // namespace lastcall::app
