// SPDX-License-Identifier: MIT
#include "hooks/running_hook.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/events.hpp"
#include "hooks/hook_events.hpp"
#include "process/kill.hpp"
#include "process/spawner.hpp"
#include "uv/loop.hpp"

namespace lastcall::hooks {
namespace {

// The exit_code of a hook that could not start for want of a pipe or /dev/null; spawn
// errors bring their own (127 not found, 126 not executable).
constexpr int kNoExitCode = -1;

struct Pipe {
  UniqueFd read_end;
  UniqueFd write_end;
};

core::Error system_error(std::string_view what) {
  return core::Error{std::string(what) + ": " + std::strerror(errno), kNoExitCode};
}

// The hook's stdin: /dev/null, or, where there is none (a bare chroot, a FROM scratch image
// run without the /dev that OCI runtimes provide), the read end of a pipe whose write end is
// already closed, which reads end of file just the same.
core::Result<UniqueFd> open_empty_stdin() {
  UniqueFd null_in(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (null_in.is_open()) return null_in;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return system_error("cannot open /dev/null or create a pipe");
  UniqueFd write_end(fds[1]);
  return UniqueFd(fds[0]);
}

core::Result<Pipe> open_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return system_error("cannot create a pipe");
  Pipe pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
  // Only our read end is non-blocking. O_NONBLOCK belongs to each end's open file description,
  // and the hook's end must stay blocking: with EAGAIN on a full pipe most programs give up.
  const int flags = fcntl(pipe.read_end.get(), F_GETFL);
  if (flags < 0 || fcntl(pipe.read_end.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    return system_error("cannot make a pipe non-blocking");
  }
  return pipe;
}

}  // namespace

RunningHook::RunningHook(const HookContext& context, std::string name, core::Duration deadline,
                         OnFinished on_finished)
    : context_(context),
      name_(std::move(name)),
      deadline_(deadline),
      on_finished_(std::move(on_finished)),
      deadline_timer_(context.loop, [this] { time_out(); }) {}

bool RunningHook::start(const config::HookSpec& spec, const HookEnv& env) {
  started_ = core::Clock::now();
  auto pid = launch(spec, env);
  if (!pid) {
    report_not_started(pid.error());
    return false;
  }
  pid_ = *pid;
  watch_exit();
  context_.logger->info(core::event::kHookStarted, "hook " + name_ + " started",
                        {{"phase", core::phase_name(context_.phase)}, {"hook", name_}, {"pid", pid_}});
  deadline_timer_.start(deadline_);
  start_relays();
  return true;
}

core::Result<pid_t> RunningHook::launch(const config::HookSpec& spec, const HookEnv& env) {
  auto out = open_pipe();
  if (!out) return out.error();
  auto err = open_pipe();
  if (!err) return err.error();
  auto null_in = open_empty_stdin();
  if (!null_in) return null_in.error();
  stdout_ = std::make_unique<OutputRelay>(context_.loop, std::move(out->read_end),
                                          [this](std::string_view line) { relay_line("stdout", line); });
  stderr_ = std::make_unique<OutputRelay>(context_.loop, std::move(err->read_end),
                                          [this](std::string_view line) { relay_line("stderr", line); });
  process::SpawnRequest request{
      .argv = spec.argv,
      .env = hook_environment(spec, context_.phase, env, deadline_),
      .cwd = spec.cwd,
      .stdin_fd = null_in->get(),
      .stdout_fd = out->write_end.get(),
      .stderr_fd = err->write_end.get(),
      .close_other_fds = true,
      .credentials = spec.credentials,
  };
  // The write ends and stdin close when this returns: the hook holds its own copies, and
  // only once ours are gone does the hook's exit bring end of file to the relays.
  return process::spawn(request);
}

void RunningHook::watch_exit() {
  context_.reaper->watch(pid_, [weak = weak_from_this()](pid_t, core::ExitStatus status) {
    // The lock keeps the hook alive through on_reaped, which may lead the runner to drop it.
    if (auto self = weak.lock()) self->on_reaped(status);
  });
}

void RunningHook::start_relays() {
  for (auto* relay : {stdout_.get(), stderr_.get()}) {
    if (const int rc = relay->start(); rc != 0) {
      context_.logger->warn(
          core::event::kInternalError,
          "cannot relay the output of hook " + name_ + ": " + uv::error_message(rc) + "; it runs on unheard",
          {{"hook", name_}});
    }
  }
}

void RunningHook::time_out() {
  if (timed_out_ || abandoned_ || pid_ < 0) return;
  timed_out_ = true;
  deadline_timer_.stop();
  context_.logger->warn(event::kHookTimedOut,
                        "hook " + name_ + " timed out after " + std::to_string(deadline_.count()) +
                            "ms; killing its process group",
                        {{"phase", core::phase_name(context_.phase)},
                         {"hook", name_},
                         {"pid", pid_},
                         {"timeout_ms", deadline_.count()}});
  // false (ESRCH): the group is empty already; the reaper reports the hook's exit soon.
  (void)process::signal_group(pid_, core::Signal(SIGKILL));
}

void RunningHook::abandon() {
  abandoned_ = true;
  on_finished_ = nullptr;
  deadline_timer_.stop();
  // false (ESRCH): nothing of the hook is left to kill.
  if (pid_ > 0) (void)process::signal_group(pid_, core::Signal(SIGKILL));
  stdout_.reset();
  stderr_.reset();
}

void RunningHook::on_reaped(core::ExitStatus status) {
  if (abandoned_) return;
  deadline_timer_.stop();
  // The hook is gone, but a grandchild left in its process group may run on and hold the
  // pipes open. SIGKILL what remains, so no process of the hook is left behind and the last
  // lines are read below without waiting for an end of file. false (ESRCH) is the usual
  // case: nothing was left in the group.
  (void)process::signal_group(pid_, core::Signal(SIGKILL));
  stdout_->drain();
  stderr_->drain();
  report_relay_errors();
  report_truncation();
  const HookStatus result = timed_out_                     ? HookStatus::Timeout
                            : status == core::ExitStatus{} ? HookStatus::Ok
                                                           : HookStatus::Failed;
  report_finished(result, status.shell_code());
  auto on_finished = std::move(on_finished_);
  on_finished_ = nullptr;
  if (on_finished) on_finished(*this, result);
}

void RunningHook::relay_line(std::string_view stream, std::string_view line) {
  // Once one line is dropped every later one is too, so the relayed output has no holes.
  if (lines_dropped_ > 0 || lines_relayed_ >= kMaxRelayedLines ||
      bytes_relayed_ + line.size() > kMaxRelayedBytes) {
    truncate_output(line);
    return;
  }
  ++lines_relayed_;
  bytes_relayed_ += line.size();
  context_.logger->info(core::event::kHookOutput, line,
                        {{"hook", name_}, {"stream", stream}, {"line", line}});
}

void RunningHook::truncate_output(std::string_view dropped_line) {
  ++lines_dropped_;
  bytes_dropped_ += dropped_line.size();
  // The rest of the current read still comes here line by line; later reads are only counted.
  stdout_->discard();
  stderr_->discard();
}

void RunningHook::report_relay_errors() {
  for (const auto& [stream, relay] :
       {std::pair{"stdout", stdout_.get()}, std::pair{"stderr", stderr_.get()}}) {
    if (relay->error().empty()) continue;
    context_.logger->warn(core::event::kInternalError,
                          "hook " + name_ + " " + stream + ": " + relay->error() + "; the rest of it is lost",
                          {{"hook", name_}, {"stream", stream}});
  }
}

void RunningHook::report_truncation() {
  if (lines_dropped_ == 0) return;
  const auto lines = lines_dropped_ + stdout_->discarded_lines() + stderr_->discarded_lines();
  const auto bytes = bytes_dropped_ + stdout_->discarded_bytes() + stderr_->discarded_bytes();
  context_.logger->warn(event::kHookOutputTruncated,
                        "hook " + name_ + ": output truncated, " + std::to_string(lines) +
                            " lines dropped (" + std::to_string(bytes) + " bytes)",
                        {{"hook", name_},
                         {"lines_relayed", lines_relayed_},
                         {"lines_dropped", lines},
                         {"bytes_dropped", bytes}});
}

void RunningHook::report_finished(HookStatus status, int exit_code) {
  const auto level = status == HookStatus::Ok ? log::Level::Info : log::Level::Warn;
  context_.logger->event(level, core::event::kHookFinished,
                         "hook " + name_ + " finished: " + std::string(status_name(status)) + ", exit code " +
                             std::to_string(exit_code),
                         {{"phase", core::phase_name(context_.phase)},
                          {"hook", name_},
                          {"status", status_name(status)},
                          {"exit_code", exit_code},
                          {"duration_ms", elapsed_ms()}});
}

void RunningHook::report_not_started(const core::Error& error) {
  stdout_.reset();
  stderr_.reset();
  context_.logger->warn(core::event::kHookFinished,
                        "hook " + name_ + " could not start: " + error.message + "; the phase goes on",
                        {{"phase", core::phase_name(context_.phase)},
                         {"hook", name_},
                         {"status", status_name(HookStatus::Error)},
                         {"exit_code", error.exit_code},
                         {"duration_ms", elapsed_ms()},
                         {"error", error.message}});
}

core::Duration RunningHook::elapsed() const {
  return std::chrono::duration_cast<core::Duration>(core::Clock::now() - started_);
}

std::int64_t RunningHook::elapsed_ms() const { return elapsed().count(); }

}  // namespace lastcall::hooks
