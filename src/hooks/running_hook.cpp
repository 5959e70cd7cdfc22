// SPDX-License-Identifier: MIT
#include "hooks/running_hook.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/events.hpp"
#include "process/kill.hpp"
#include "uv/loop.hpp"

namespace lastcall::hooks {
namespace {

namespace ev = core::event;

// The exit_code of a hook that could not start for want of a pipe, /dev/null or a fork; exec
// errors bring their own (127 not found, 126 not executable).
constexpr int kNoExitCode = -1;

// Sets NAME=value, replacing an entry of that name: with two, getenv(3) would see the first.
void set_variable(std::vector<std::string>& environment, std::string_view name, std::string_view value) {
  std::string entry = std::string(name) + "=" + std::string(value);
  for (auto& existing : environment) {
    if (existing.starts_with(name) && existing.size() > name.size() && existing[name.size()] == '=') {
      existing = std::move(entry);
      return;
    }
  }
  environment.push_back(std::move(entry));
}

// A pipe whose read end (ours) is non-blocking. O_NONBLOCK belongs to each end's open file
// description, and the hook's end must stay blocking: with EAGAIN on a full pipe most programs
// give up.
bool open_pipe(core::UniqueFd& read_end, core::UniqueFd& write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end = core::UniqueFd(fds[0]);
  write_end = core::UniqueFd(fds[1]);
  const int flags = fcntl(fds[0], F_GETFL);
  return flags >= 0 && fcntl(fds[0], F_SETFL, flags | O_NONBLOCK) == 0;
}

// The hook's stdin: /dev/null, or, where there is none (a bare chroot, a FROM scratch image
// run without the /dev that OCI runtimes provide), the read end of a pipe whose write end is
// closed, which reads end of file just the same.
core::UniqueFd empty_stdin() {
  core::UniqueFd null_in(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (null_in.is_open()) return null_in;
  core::UniqueFd read_end;
  core::UniqueFd write_end;
  (void)open_pipe(read_end, write_end);
  return read_end;
}

}  // namespace

std::vector<std::string> hook_environment(const core::HookSpec& spec, const HookContext& context,
                                          core::Duration deadline) {
  auto environment = process::current_environment();
  for (const auto& [name, value] : spec.env) set_variable(environment, name, value);
  const auto& shutdown = context.shutdown;
  set_variable(environment, "LASTCALL_PHASE", core::phase_name(context.phase));
  set_variable(environment, "LASTCALL_HOOK", spec.name);
  set_variable(environment, "LASTCALL_SIGNAL", shutdown.trigger.name());
  set_variable(environment, "LASTCALL_CHILD_PID", shutdown.child_pid > 0 ? std::to_string(shutdown.child_pid) : "");
  set_variable(environment, "LASTCALL_DEADLINE_MS", std::to_string(deadline.count()));
  if (context.phase == core::Phase::PostStop) {
    set_variable(environment, "LASTCALL_CHILD_EXIT_CODE",
                 shutdown.child_status ? std::to_string(shutdown.child_status->shell_code()) : "");
  }
  return environment;
}

RunningHook::RunningHook(const HookContext& context, const core::HookSpec& spec, core::Duration deadline,
                         OnFinished on_finished)
    : context_(context),
      spec_(spec),
      deadline_(deadline),
      on_finished_(std::move(on_finished)),
      deadline_timer_(context.loop, [this] { time_out(); }) {}

bool RunningHook::start() {
  started_ = core::Clock::now();
  core::UniqueFd out_read, out_write, err_read, err_write;
  const core::UniqueFd null_in = empty_stdin();
  std::string error = "cannot open a pipe or /dev/null: " + std::string(std::strerror(errno));
  if (null_in.is_open() && open_pipe(out_read, out_write) && open_pipe(err_read, err_write)) {
    request_ = process::SpawnRequest{.argv = spec_.argv,
                                     .env = hook_environment(spec_, context_, deadline_),
                                     .cwd = spec_.cwd,
                                     .stdin_fd = null_in.get(),
                                     .stdout_fd = out_write.get(),
                                     .stderr_fd = err_write.get(),
                                     .close_other_fds = true,
                                     .credentials = spec_.credentials};
    // The write ends close when this returns: the hook holds its own copies, and only once
    // ours are gone does the end of the hook's group bring end of file to the relays.
    auto spawned = process::spawn(request_, *context_.signals);
    if (spawned) {
      pid_ = spawned->pid;
      report_ = std::move(spawned->report);
    } else {
      error = spawned.error().message;
    }
  }
  if (pid_ < 0) {
    report_finished(core::HookStatus::Error, kNoExitCode, error);
    return false;
  }
  // The rest of the hook's group goes with its leader, killed before the leader is reaped.
  context_.reaper->watch(pid_, [weak = weak_from_this()](const process::ChildChange& change) {
    // The lock keeps the hook alive through on_reaped, which may lead the runner to drop it.
    if (auto self = weak.lock(); self && change.kind == process::ChildChange::Kind::Exited) self->on_reaped(change.status);
  }, true);
  context_.logger->info(ev::kHookStarted, "hook " + spec_.name + " started",
                        {{"phase", core::phase_name(context_.phase)}, {"hook", spec_.name}, {"pid", pid_}});
  deadline_timer_.start(deadline_);
  stdout_ = std::make_unique<OutputRelay>(context_.loop, std::move(out_read), [this](auto line) { relay_line("stdout", line); });
  stderr_ = std::make_unique<OutputRelay>(context_.loop, std::move(err_read), [this](auto line) { relay_line("stderr", line); });
  for (auto* relay : {stdout_.get(), stderr_.get()}) {
    if (const int rc = relay->start(); rc != 0) {
      context_.logger->warn(ev::kInternalError, "cannot relay the output of hook " + spec_.name + ": " +
                                                    uv::error_message(rc) + "; it runs on unheard", {{"hook", spec_.name}});
    }
  }
  return true;
}

void RunningHook::time_out() {
  if (timed_out_ || abandoned_ || pid_ < 0) return;
  timed_out_ = true;
  deadline_timer_.stop();
  context_.logger->warn(ev::kHookTimedOut, "hook " + spec_.name + " timed out after " + core::format_duration(deadline_) +
                                               "; killing its process group",
                        {{"phase", core::phase_name(context_.phase)}, {"hook", spec_.name}, {"pid", pid_},
                         {"timeout_ms", deadline_.count()}});
  // Its leader is not reaped before this group is killed, so the id is still the hook's.
  (void)process::signal_group(pid_, core::Signal(SIGKILL));
}

void RunningHook::abandon() {
  abandoned_ = true;
  on_finished_ = nullptr;
  deadline_timer_.stop();
  if (pid_ > 0) (void)process::signal_group(pid_, core::Signal(SIGKILL));
  stdout_.reset();
  stderr_.reset();
}

void RunningHook::on_reaped(core::ExitStatus status) {
  if (abandoned_) return;
  deadline_timer_.stop();
  // The group was killed as the leader was reaped, so the last lines are read below without
  // waiting for an end of file from a grandchild that would hold the pipes open.
  stdout_->drain();
  stderr_->drain();
  report_relay_errors();
  report_truncation();
  // The hook has ended, so its exec report is complete: end of file, or why it never ran.
  const auto not_run = process::read_exec_report(std::move(report_), request_);
  const auto result = not_run                        ? core::HookStatus::Error
                      : timed_out_                   ? core::HookStatus::Timeout
                      : status == core::ExitStatus{} ? core::HookStatus::Ok
                                                     : core::HookStatus::Failed;
  report_finished(result, not_run ? not_run->exit_code : status.shell_code(), not_run ? not_run->message : "");
  if (auto on_finished = std::exchange(on_finished_, nullptr)) on_finished(*this, result);
}

void RunningHook::relay_line(std::string_view stream, std::string_view line) {
  // Once one line is dropped every later one is too, so the relayed output has no holes.
  if (lines_dropped_ > 0 || lines_relayed_ >= kMaxRelayedLines || bytes_relayed_ + line.size() > kMaxRelayedBytes) {
    ++lines_dropped_;
    bytes_dropped_ += line.size();
    // The rest of the current read still comes here line by line; later reads are only counted.
    stdout_->discard();
    stderr_->discard();
    return;
  }
  ++lines_relayed_;
  bytes_relayed_ += line.size();
  context_.logger->info(ev::kHookOutput, line, {{"hook", spec_.name}, {"stream", stream}, {"line", line}});
}

void RunningHook::report_relay_errors() {
  for (const auto& [stream, relay] : {std::pair{"stdout", stdout_.get()}, std::pair{"stderr", stderr_.get()}}) {
    if (relay->error().empty()) continue;
    context_.logger->warn(ev::kInternalError, "hook " + spec_.name + " " + stream + ": " + relay->error() +
                                                  "; the rest of it is lost", {{"hook", spec_.name}, {"stream", stream}});
  }
}

void RunningHook::report_truncation() {
  if (lines_dropped_ == 0) return;
  const auto lines = lines_dropped_ + stdout_->discarded_lines() + stderr_->discarded_lines();
  const auto bytes = bytes_dropped_ + stdout_->discarded_bytes() + stderr_->discarded_bytes();
  context_.logger->warn(ev::kHookOutputTruncated,
                        "hook " + spec_.name + ": output truncated, " + std::to_string(lines) + " lines dropped (" +
                            std::to_string(bytes) + " bytes)",
                        {{"hook", spec_.name}, {"lines_relayed", lines_relayed_}, {"lines_dropped", lines},
                         {"bytes_dropped", bytes}});
}

void RunningHook::report_finished(core::HookStatus status, int exit_code, std::string_view error) {
  const std::string what = error.empty() ? std::string(core::status_name(status)) + ", exit code " + std::to_string(exit_code)
                                         : "could not start: " + std::string(error) + "; the phase goes on";
  const auto level = status == core::HookStatus::Ok ? core::LogLevel::Info : core::LogLevel::Warn;
  const log::Field common[] = {{"phase", core::phase_name(context_.phase)}, {"hook", spec_.name},
                               {"status", core::status_name(status)},       {"exit_code", exit_code},
                               {"duration_ms", elapsed().count()},          {"error", error}};
  context_.logger->event(level, ev::kHookFinished, "hook " + spec_.name + " finished: " + what,
                         std::span(common, error.empty() ? 5 : 6));
}

core::Duration RunningHook::elapsed() const { return core::since(started_, core::Clock::now()); }

}  // namespace lastcall::hooks
