// SPDX-License-Identifier: MIT
#pragma once

#include <signal.h>

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "core/error.hpp"
#include "core/signal.hpp"
#include "uv/loop.hpp"

namespace lastcall::signals {

// Takes over every signal lastcall receives (core::is_received): blocks them all, so that
// none is discarded, also as PID 1 (the kernel drops a signal PID 1 has not caught unless it
// is blocked) and also one its parent left ignored, and sets an inherited ignored SIGCHLD
// back to its default (ignored, it would have the kernel reap the child for us). main calls it
// first thing, before the command line is read; a signal that arrives from then on waits in
// the kernel until the router reads it. Returns what it found, for every process lastcall
// starts to inherit in turn.
[[nodiscard]] core::InheritedSignals take_over();

// What an arriving signal means to lastcall (CONTRACT §2 "Relay" and "Trigger").
struct Arrival {
  enum class Kind { Trigger, Relay, Child };
  Kind kind = Kind::Relay;
  core::Signal received;
  core::Signal sent;  // a relayed signal after `--rewrite`
};

// Receives every signal take_over() blocked through one signalfd(2), on the loop: no handler
// runs in signal context, and unlike a self-pipe a pending SIGTERM cannot be crowded out by a
// storm of SIGUSR1. Opened before the child is spawned and started once it runs, it reads
// first what arrived before, held blocked since take_over(). It sorts each arrival by the
// triggers and applies the rewrite table; what an arrival means is left to its handler.
// Lives for the whole run.
class SignalRouter {
 public:
  using Handler = std::function<void(const Arrival&)>;

  [[nodiscard]] static core::Result<std::unique_ptr<SignalRouter>> open(std::vector<core::Signal> triggers,
                                                                       std::map<core::Signal, core::Signal> rewrite);
  ~SignalRouter();
  SignalRouter(const SignalRouter&) = delete;
  SignalRouter& operator=(const SignalRouter&) = delete;

  // Starts reading on the loop; pending signals are delivered on the first iteration.
  [[nodiscard]] int start(uv_loop_t* loop, Handler handler);
  // What `signal` means, were it to arrive; nullopt for one lastcall never receives.
  [[nodiscard]] std::optional<Arrival> sort(core::Signal signal) const;

 private:
  SignalRouter(int fd, std::vector<core::Signal> triggers, std::map<core::Signal, core::Signal> rewrite);
  void on_readable();

  int fd_;  // the signalfd
  std::vector<core::Signal> triggers_;
  std::map<core::Signal, core::Signal> rewrite_;
  Handler handler_;
  std::unique_ptr<uv::Poll> poll_;
};

}  // namespace lastcall::signals
