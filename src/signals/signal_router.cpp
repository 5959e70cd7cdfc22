// SPDX-License-Identifier: MIT
#include "signals/signal_router.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace lastcall::signals {
namespace {

// Arrivals read at once, and reads per loop iteration in a storm (1,024 arrivals), so that
// timers and the child's exit still get their turn. A batch of 16 keeps the frame at 2 KiB:
// a deeper stack costs a page fault at the child's exit, on the way to lastcall's own.
constexpr std::size_t kBatch = 16;
constexpr int kMaxBatchesPerWakeup = 64;

// Built once: both the take-over and the signalfd need it, and it never changes.
const sigset_t& received_set() {
  static const sigset_t set = [] {
    sigset_t out;
    sigemptyset(&out);
    for (int number = 1; number <= core::max_signal(); ++number) {
      // glibc refuses the two real-time signals it reserves for threads (EINVAL): skip them.
      if (core::is_received(core::Signal(number))) (void)sigaddset(&out, number);
    }
    return out;
  }();
  return set;
}

}  // namespace

core::InheritedSignals take_over() {
  core::InheritedSignals inherited;
  // Blocking cannot fail with a valid set; everything below depends on it.
  (void)sigprocmask(SIG_BLOCK, &received_set(), &inherited.blocked);
  // An ignored signal that is blocked is kept pending all the same (kernel/signal.c,
  // sig_ignored(): "Blocked signals are never ignored"), so every ignored disposition stays as
  // the parent left it but SIGCHLD's: ignored, it would have the kernel reap the child for us.
  struct sigaction old {};
  if (sigaction(SIGCHLD, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) {
    inherited.sigchld_ignored = true;
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    (void)sigaction(SIGCHLD, &dfl, nullptr);
  }
  return inherited;
}

core::Result<std::unique_ptr<SignalRouter>> SignalRouter::open(std::vector<core::Signal> triggers,
                                                               std::map<core::Signal, core::Signal> rewrite) {
  const sigset_t& set = received_set();
  const int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return core::Error{std::string("cannot open a signalfd: ") + std::strerror(errno), 1};
  return std::unique_ptr<SignalRouter>(new SignalRouter(fd, std::move(triggers), std::move(rewrite)));
}

SignalRouter::SignalRouter(int fd, std::vector<core::Signal> triggers, std::map<core::Signal, core::Signal> rewrite)
    : fd_(fd), triggers_(std::move(triggers)), rewrite_(std::move(rewrite)) {}

SignalRouter::~SignalRouter() {
  poll_.reset();
  (void)close(fd_);
}

int SignalRouter::start(uv_loop_t* loop, Handler handler) {
  handler_ = std::move(handler);
  poll_ = std::make_unique<uv::Poll>(loop, fd_, [this](int) { on_readable(); });
  if (poll_->init_status() != 0) return poll_->init_status();
  return poll_->start();
}

std::optional<Arrival> SignalRouter::sort(core::Signal signal) const {
  if (!core::is_received(signal)) return std::nullopt;
  if (signal.number() == SIGCHLD) return Arrival{.kind = Arrival::Kind::Child, .received = signal, .sent = signal};
  const bool trigger = std::find(triggers_.begin(), triggers_.end(), signal) != triggers_.end();
  return Arrival{.kind = trigger ? Arrival::Kind::Trigger : Arrival::Kind::Relay,
                 .received = signal,
                 .sent = core::rewrite(rewrite_, signal)};
}

void SignalRouter::on_readable() {
  std::array<signalfd_siginfo, kBatch> batch;  // read(2) fills what it returns
  for (int round = 0; round < kMaxBatchesPerWakeup; ++round) {
    const ssize_t n = read(fd_, batch.data(), sizeof batch);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // EAGAIN: drained
    const auto count = static_cast<std::size_t>(n) / sizeof(signalfd_siginfo);
    for (std::size_t i = 0; i < count; ++i) {
      const core::Signal signal(static_cast<int>(batch[i].ssi_signo));
      // A SIGPIPE that lastcall raised on itself by writing to a closed stderr is its own
      // business (the write failed with EPIPE); one sent by another process is relayed.
      if (signal.number() == SIGPIPE && static_cast<pid_t>(batch[i].ssi_pid) == getpid()) continue;
      if (const auto arrival = sort(signal)) handler_(*arrival);
    }
    if (count < batch.size()) return;
  }
}

}  // namespace lastcall::signals
