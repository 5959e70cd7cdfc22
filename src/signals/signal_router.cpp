// SPDX-License-Identifier: MIT
#include "signals/signal_router.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace lastcall::signals {
namespace {

// Reads per loop iteration in a storm, so timers and the child's exit still get their turn.
constexpr int kMaxBatchesPerWakeup = 16;

bool is_synchronous_fault(int number) {
  switch (number) {
    case SIGSEGV:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
    case SIGTRAP:
    case SIGSYS:
      return true;
    default:
      return false;
  }
}

sigset_t catchable_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int number = 1; number <= core::max_signal(); ++number) {
    if (classify(core::Signal(number)) == Kind::Ignore) continue;
    // glibc refuses the two real-time signals it reserves for threads (EINVAL): skip them.
    (void)sigaddset(&set, number);
  }
  return set;
}

}  // namespace

Kind classify(core::Signal signal) {
  const int number = signal.number();
  if (!core::can_be_caught(signal) || is_synchronous_fault(number)) return Kind::Ignore;
  if (number == SIGCHLD) return Kind::Child;
  if (number == SIGTERM || number == SIGINT || number == SIGQUIT) return Kind::Trigger;
  return Kind::Relay;
}

core::Result<std::unique_ptr<SignalRouter>> SignalRouter::install(
    std::map<core::Signal, core::Signal> rewrite_table) {
  const sigset_t set = catchable_set();
  if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) {
    return core::Error{std::string("cannot block signals: ") + std::strerror(errno), 1};
  }
  const int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return core::Error{std::string("cannot open a signalfd: ") + std::strerror(errno), 1};
  return std::unique_ptr<SignalRouter>(new SignalRouter(fd, std::move(rewrite_table)));
}

SignalRouter::SignalRouter(int fd, std::map<core::Signal, core::Signal> rewrite_table)
    : fd_(fd), rewrite_(std::move(rewrite_table)) {}

SignalRouter::~SignalRouter() {
  poll_.reset();
  if (fd_ >= 0) (void)close(fd_);
}

int SignalRouter::start(uv_loop_t* loop, Handlers handlers) {
  handlers_ = std::move(handlers);
  poll_ = std::make_unique<uv::Poll>(loop, fd_, [this](int) { on_readable(); });
  if (poll_->init_status() != 0) return poll_->init_status();
  return poll_->start();
}

void SignalRouter::on_readable() {
  std::array<signalfd_siginfo, 64> batch{};
  for (int round = 0; round < kMaxBatchesPerWakeup; ++round) {
    const ssize_t n = read(fd_, batch.data(), sizeof batch);
    if (n < 0) {
      // EAGAIN: drained. EINTR cannot happen with every signal blocked, but is harmless.
      if (errno == EINTR) continue;
      return;
    }
    const auto count = static_cast<std::size_t>(n) / sizeof(signalfd_siginfo);
    for (std::size_t i = 0; i < count; ++i) {
      dispatch(core::Signal(static_cast<int>(batch[i].ssi_signo)), static_cast<pid_t>(batch[i].ssi_pid));
    }
    if (count < batch.size()) return;
  }
}

void SignalRouter::dispatch(core::Signal signal, pid_t sender) {
  switch (classify(signal)) {
    case Kind::Trigger:
      handlers_.on_trigger(signal);
      break;
    case Kind::Child:
      handlers_.on_child();
      break;
    case Kind::Relay:
      // A SIGPIPE that lastcall raised on itself by writing to a closed stderr is its own
      // business (the write failed with EPIPE); one sent by another process is relayed.
      if (signal.number() == SIGPIPE && sender == getpid()) break;
      handlers_.on_relay(signal, core::rewrite(rewrite_, signal));
      break;
    case Kind::Ignore:
      break;
  }
}

}  // namespace lastcall::signals
