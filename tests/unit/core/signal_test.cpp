// SPDX-License-Identifier: MIT
#include "core/signal.hpp"

#include <doctest/doctest.h>

using lastcall::core::Signal;

TEST_CASE("a signal is named as signal(7) names it, a real-time one from SIGRTMIN") {
  CHECK(Signal(SIGTERM).name() == "SIGTERM");
  CHECK(Signal(SIGCHLD).name() == "SIGCHLD");
  CHECK(Signal(SIGRTMIN).name() == "SIGRTMIN");
  CHECK(Signal(SIGRTMIN + 3).name() == "SIGRTMIN+3");
  CHECK(Signal(32).name() == "SIG32");
  CHECK(Signal().name().empty());
  CHECK(lastcall::core::signal_by_name("SIGRTMAX-2") == Signal(SIGRTMAX - 2));
  CHECK_FALSE(lastcall::core::signal_by_name("TERM"));
}

TEST_CASE("every catchable signal but SIGCHLD and the synchronous faults can be relayed") {
  using lastcall::core::is_received;
  using lastcall::core::is_relayable;
  for (const int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP, SIGTTIN,
                        SIGPIPE, SIGALRM, SIGRTMIN, SIGRTMAX}) {
    CAPTURE(sig);
    CHECK(is_relayable(Signal(sig)));
  }
  CHECK(is_received(Signal(SIGCHLD)));
  CHECK_FALSE(is_relayable(Signal(SIGCHLD)));
  for (const int sig : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS}) {
    CAPTURE(sig);
    CHECK_FALSE(is_received(Signal(sig)));
    CHECK_FALSE(is_relayable(Signal(sig)));
  }
  CHECK_FALSE(is_relayable(Signal()));
}

TEST_CASE("--rewrite relays signal FROM as TO and leaves the rest alone") {
  const std::map<Signal, Signal> table{{Signal(SIGHUP), Signal(SIGUSR1)}};
  CHECK(lastcall::core::rewrite(table, Signal(SIGHUP)) == Signal(SIGUSR1));
  CHECK(lastcall::core::rewrite(table, Signal(SIGUSR2)) == Signal(SIGUSR2));
}
