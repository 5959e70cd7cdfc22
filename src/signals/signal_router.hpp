// SPDX-License-Identifier: MIT
#pragma once

#include <signal.h>

#include <functional>
#include <map>
#include <memory>

#include "core/error.hpp"
#include "core/signal.hpp"
#include "uv/poll.hpp"

namespace lastcall::signals {

// What an arriving signal means to lastcall (CONTRACT §2 "Relay" and "Trigger").
enum class Kind {
  Trigger,  // SIGTERM, SIGINT, SIGQUIT: start the shutdown
  Relay,    // every other catchable signal: pass it to the child (group)
  Child,    // SIGCHLD: something may be ready to reap
  Ignore,   // uncatchable, or a synchronous fault that must keep its default action
};

[[nodiscard]] Kind classify(core::Signal signal);

// Receives every catchable signal through one signalfd(2). install() blocks them before the
// child is spawned, so a signal that arrives early stays pending in the kernel and is read
// as soon as start() runs, once the child exists: none is lost, and no handler runs in
// signal context. Unlike a self-pipe, a pending SIGTERM cannot be crowded out by a storm of
// SIGUSR1. The router sorts each arrival and leaves what it means to the handlers. It lives
// for the whole run.
class SignalRouter {
 public:
  struct Handlers {
    std::function<void(core::Signal)> on_trigger;
    std::function<void(core::Signal received, core::Signal sent)> on_relay;
    std::function<void()> on_child;
  };

  // Blocks the catchable signals and opens the signalfd. Call before spawning anything.
  [[nodiscard]] static core::Result<std::unique_ptr<SignalRouter>> install(
      std::map<core::Signal, core::Signal> rewrite_table);
  ~SignalRouter();
  SignalRouter(const SignalRouter&) = delete;
  SignalRouter& operator=(const SignalRouter&) = delete;

  // Starts reading on the loop; pending signals are delivered on the first iteration.
  [[nodiscard]] int start(uv_loop_t* loop, Handlers handlers);

 private:
  SignalRouter(int fd, std::map<core::Signal, core::Signal> rewrite_table);
  void on_readable();
  void dispatch(core::Signal signal, pid_t sender);

  int fd_;  // the signalfd, -1 once closed
  std::map<core::Signal, core::Signal> rewrite_;
  Handlers handlers_;
  std::unique_ptr<uv::Poll> poll_;
};

}  // namespace lastcall::signals
