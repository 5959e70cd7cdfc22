// SPDX-License-Identifier: MIT
#include "signals/signal_router.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <vector>

#include "uv/loop.hpp"

using namespace lastcall;
using signals::Kind;

namespace {

// Restores the signal mask the router changed, so later tests run as before.
struct MaskGuard {
  sigset_t saved;
  MaskGuard() { sigprocmask(SIG_SETMASK, nullptr, &saved); }
  ~MaskGuard() {
    // Discard what the test left pending before unblocking it.
    timespec zero{0, 0};
    sigset_t all;
    sigfillset(&all);
    while (sigtimedwait(&all, nullptr, &zero) > 0) {
    }
    sigprocmask(SIG_SETMASK, &saved, nullptr);
  }
};

}  // namespace

TEST_CASE("SIGTERM, SIGINT and SIGQUIT are triggers; SIGCHLD and the faults are not relayed") {
  CHECK(signals::classify(core::Signal(SIGTERM)) == Kind::Trigger);
  CHECK(signals::classify(core::Signal(SIGINT)) == Kind::Trigger);
  CHECK(signals::classify(core::Signal(SIGQUIT)) == Kind::Trigger);
  CHECK(signals::classify(core::Signal(SIGCHLD)) == Kind::Child);
  for (int fault : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGKILL, SIGSTOP}) {
    CAPTURE(fault);
    CHECK(signals::classify(core::Signal(fault)) == Kind::Ignore);
  }
  for (int relayed : {SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM, SIGCONT, SIGTSTP, SIGPIPE, SIGRTMIN + 1}) {
    CAPTURE(relayed);
    CHECK(signals::classify(core::Signal(relayed)) == Kind::Relay);
  }
}

TEST_CASE("--rewrite relays signal FROM as TO and leaves the rest alone") {
  const std::map<core::Signal, core::Signal> table{{core::Signal(SIGHUP), core::Signal(SIGUSR1)}};
  CHECK(core::rewrite(table, core::Signal(SIGHUP)) == core::Signal(SIGUSR1));
  CHECK(core::rewrite(table, core::Signal(SIGUSR2)) == core::Signal(SIGUSR2));
}

TEST_CASE("a signal that arrives before the router starts is held and delivered once it does") {
  MaskGuard guard;
  auto router = signals::SignalRouter::install({{core::Signal(SIGHUP), core::Signal(SIGUSR2)}});
  REQUIRE(router.ok());
  // Sent before start(): blocked, so it waits in the kernel, as before the child exists.
  REQUIRE(kill(getpid(), SIGHUP) == 0);
  REQUIRE(kill(getpid(), SIGTERM) == 0);
  REQUIRE(kill(getpid(), SIGPIPE) == 0);  // sent by ourselves: not relayed

  uv::Loop loop;
  std::vector<std::pair<int, int>> relayed;
  std::vector<int> triggers;
  REQUIRE((*router)->start(loop.get(), {.on_trigger = [&](core::Signal s) { triggers.push_back(s.number()); },
                                        .on_relay = [&](core::Signal r, core::Signal s) {
                                          relayed.emplace_back(r.number(), s.number());
                                        },
                                        .on_child = [] {}}) == 0);
  (void)uv_run(loop.get(), UV_RUN_NOWAIT);
  CHECK(triggers == std::vector<int>{SIGTERM});
  REQUIRE(relayed.size() == 1);
  CHECK(relayed[0] == std::pair<int, int>{SIGHUP, SIGUSR2});
  router->reset();
  CHECK(loop.close());
}

TEST_CASE("a storm of signals neither crashes nor hides a trigger") {
  MaskGuard guard;
  auto router = signals::SignalRouter::install({});
  REQUIRE(router.ok());
  uv::Loop loop;
  int relays = 0;
  int triggers = 0;
  REQUIRE((*router)->start(loop.get(), {.on_trigger = [&](core::Signal) { ++triggers; },
                                        .on_relay = [&](core::Signal, core::Signal) { ++relays; },
                                        .on_child = [] {}}) == 0);
  for (int i = 0; i < 10'000; ++i) {
    REQUIRE(kill(getpid(), SIGUSR1) == 0);
    if (i % 100 == 0) (void)uv_run(loop.get(), UV_RUN_NOWAIT);
  }
  REQUIRE(kill(getpid(), SIGTERM) == 0);
  for (int i = 0; i < 4 && triggers == 0; ++i) (void)uv_run(loop.get(), UV_RUN_NOWAIT);
  CHECK(triggers == 1);
  CHECK(relays >= 1);  // standard signals coalesce while pending: at least one is seen
  router->reset();
  CHECK(loop.close());
}
