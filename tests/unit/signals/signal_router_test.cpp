// SPDX-License-Identifier: MIT
#include "signals/signal_router.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <vector>

#include "process_support.hpp"
#include "uv/loop.hpp"

using namespace lastcall;
using signals::Arrival;
using Kind = Arrival::Kind;

namespace {

const std::vector<core::Signal> kDefaultTriggers{core::Signal(SIGTERM), core::Signal(SIGINT), core::Signal(SIGQUIT)};

std::unique_ptr<signals::SignalRouter> open_router(std::vector<core::Signal> triggers = kDefaultTriggers,
                                                   std::map<core::Signal, core::Signal> rewrite = {}) {
  auto router = signals::SignalRouter::open(std::move(triggers), std::move(rewrite));
  REQUIRE(router.ok());
  return std::move(*router);
}

// What `router` makes of `signal`; fails the test when it ignores the signal.
Arrival sorted(const signals::SignalRouter& router, int signal) {
  const auto arrival = router.sort(core::Signal(signal));
  REQUIRE_MESSAGE(arrival.has_value(), "ignored: " << core::Signal(signal).name());
  return *arrival;
}

}  // namespace

TEST_CASE("SIGTERM, SIGINT and SIGQUIT are triggers; SIGCHLD and the faults are not relayed") {
  const auto router = open_router();
  CHECK(sorted(*router, SIGTERM).kind == Kind::Trigger);
  CHECK(sorted(*router, SIGINT).kind == Kind::Trigger);
  CHECK(sorted(*router, SIGQUIT).kind == Kind::Trigger);
  CHECK(sorted(*router, SIGCHLD).kind == Kind::Child);
  for (int fault : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGKILL, SIGSTOP}) {
    CAPTURE(fault);
    CHECK_FALSE(router->sort(core::Signal(fault)).has_value());
  }
  for (int relayed : {SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM, SIGCONT, SIGTSTP, SIGPIPE, SIGRTMIN + 1}) {
    CAPTURE(relayed);
    const auto arrival = router->sort(core::Signal(relayed));
    REQUIRE(arrival.has_value());
    CHECK(arrival->kind == Kind::Relay);
    CHECK(arrival->received == core::Signal(relayed));
    CHECK(arrival->sent == core::Signal(relayed));
  }
}

TEST_CASE("--triggers names the triggers; SIGQUIT left out of them is relayed") {
  const auto router = open_router({core::Signal(SIGTERM), core::Signal(SIGUSR1)});
  CHECK(sorted(*router, SIGTERM).kind == Kind::Trigger);
  CHECK(sorted(*router, SIGUSR1).kind == Kind::Trigger);
  CHECK(sorted(*router, SIGQUIT).kind == Kind::Relay);
  CHECK(sorted(*router, SIGINT).kind == Kind::Relay);
}

TEST_CASE("--rewrite relays signal FROM as TO and leaves the rest alone") {
  const auto router = open_router(kDefaultTriggers, {{core::Signal(SIGHUP), core::Signal(SIGUSR1)}});
  const auto hup = router->sort(core::Signal(SIGHUP));
  REQUIRE(hup.has_value());
  CHECK(hup->kind == Kind::Relay);
  CHECK(hup->received == core::Signal(SIGHUP));
  CHECK(hup->sent == core::Signal(SIGUSR1));
  CHECK(sorted(*router, SIGUSR2).sent == core::Signal(SIGUSR2));
}

TEST_CASE("take_over blocks every signal lastcall receives and hands on what it inherited") {
  test::SignalGuard guard;
  // As a parent may leave lastcall: SIGWINCH blocked, SIGHUP and SIGCHLD ignored (nohup, and
  // a careless shell).
  sigset_t winch;
  sigemptyset(&winch);
  sigaddset(&winch, SIGWINCH);
  REQUIRE(sigprocmask(SIG_BLOCK, &winch, nullptr) == 0);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  REQUIRE(sigaction(SIGHUP, &ignore, nullptr) == 0);
  REQUIRE(sigaction(SIGCHLD, &ignore, nullptr) == 0);

  const core::InheritedSignals inherited = signals::take_over();
  CHECK(sigismember(&inherited.blocked, SIGWINCH) == 1);
  CHECK(sigismember(&inherited.blocked, SIGTERM) == 0);
  CHECK(inherited.sigchld_ignored);

  sigset_t now;
  REQUIRE(sigprocmask(SIG_SETMASK, nullptr, &now) == 0);
  for (const int sig : {SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGCHLD, SIGPIPE, SIGTSTP, SIGCONT, SIGRTMIN}) {
    CAPTURE(sig);
    CHECK(sigismember(&now, sig) == 1);
  }
  // A crash must crash: the synchronous faults stay unblocked.
  for (const int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE}) {
    CAPTURE(sig);
    CHECK(sigismember(&now, sig) == 0);
  }
  // SIGHUP stays ignored, for the child to inherit, and the kernel keeps its arrival pending
  // all the same, as it is blocked; SIGCHLD is back at its default, so the kernel does not
  // reap children for us.
  for (const auto& [sig, expected] : {std::pair{SIGHUP, SIG_IGN}, std::pair{SIGCHLD, SIG_DFL}}) {
    CAPTURE(sig);
    struct sigaction action {};
    REQUIRE(sigaction(sig, nullptr, &action) == 0);
    const bool as_expected = action.sa_handler == expected;
    CHECK(as_expected);
  }
  REQUIRE(kill(getpid(), SIGHUP) == 0);
  sigset_t pending;
  REQUIRE(sigpending(&pending) == 0);
  CHECK(sigismember(&pending, SIGHUP) == 1);
  // And a child's exit leaves a status to collect.
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) _exit(7);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WEXITSTATUS(status) == 7);
}

TEST_CASE("a signal that arrives before the router starts is held and delivered once it does") {
  test::SignalGuard guard;
  (void)signals::take_over();
  auto router = open_router(kDefaultTriggers, {{core::Signal(SIGHUP), core::Signal(SIGUSR2)}});
  // Sent before start(): blocked, so it waits in the kernel, as before the child exists.
  REQUIRE(kill(getpid(), SIGHUP) == 0);
  REQUIRE(kill(getpid(), SIGTERM) == 0);
  REQUIRE(kill(getpid(), SIGPIPE) == 0);  // sent by ourselves: not relayed

  uv::Loop loop;
  std::vector<Arrival> arrivals;
  REQUIRE(router->start(loop.get(), [&](const Arrival& arrival) { arrivals.push_back(arrival); }) == 0);
  (void)uv_run(loop.get(), UV_RUN_NOWAIT);
  REQUIRE(arrivals.size() == 2);
  // Standard signals pending together are read lowest number first.
  CHECK(arrivals[0].kind == Kind::Relay);
  CHECK(arrivals[0].received == core::Signal(SIGHUP));
  CHECK(arrivals[0].sent == core::Signal(SIGUSR2));
  CHECK(arrivals[1].kind == Kind::Trigger);
  CHECK(arrivals[1].received == core::Signal(SIGTERM));
  router.reset();
  CHECK(loop.close());
}

TEST_CASE("SIGCHLD arrives as the child's news") {
  test::SignalGuard guard;
  (void)signals::take_over();
  auto router = open_router();
  uv::Loop loop;
  std::vector<Arrival> arrivals;
  REQUIRE(router->start(loop.get(), [&](const Arrival& arrival) { arrivals.push_back(arrival); }) == 0);
  REQUIRE(kill(getpid(), SIGCHLD) == 0);
  (void)uv_run(loop.get(), UV_RUN_NOWAIT);
  REQUIRE(arrivals.size() == 1);
  CHECK(arrivals[0].kind == Kind::Child);
  router.reset();
  CHECK(loop.close());
}

TEST_CASE("a storm of signals neither crashes nor hides a trigger") {
  test::SignalGuard guard;
  (void)signals::take_over();
  auto router = open_router();
  uv::Loop loop;
  int relays = 0;
  int triggers = 0;
  REQUIRE(router->start(loop.get(), [&](const Arrival& arrival) {
    if (arrival.kind == Kind::Trigger) ++triggers;
    if (arrival.kind == Kind::Relay) ++relays;
  }) == 0);
  for (int i = 0; i < 10'000; ++i) {
    REQUIRE(kill(getpid(), SIGUSR1) == 0);
    if (i % 100 == 0) (void)uv_run(loop.get(), UV_RUN_NOWAIT);
  }
  REQUIRE(kill(getpid(), SIGTERM) == 0);
  for (int i = 0; i < 4 && triggers == 0; ++i) (void)uv_run(loop.get(), UV_RUN_NOWAIT);
  CHECK(triggers == 1);
  CHECK(relays >= 1);  // standard signals coalesce while pending: at least one is seen
  router.reset();
  CHECK(loop.close());
}

TEST_CASE("real-time signals queue, and every one that waits is delivered in one wakeup") {
  test::SignalGuard guard;
  (void)signals::take_over();
  auto router = open_router();
  // More than one read takes (16) and fewer than one wakeup's reads (1,024): all of them are
  // delivered by the first wakeup, none twice.
  constexpr int kSent = 100;
  for (int i = 0; i < kSent; ++i) {
    sigval value{};
    value.sival_int = i;
    REQUIRE(sigqueue(getpid(), SIGRTMIN + 1, value) == 0);
  }
  uv::Loop loop;
  int delivered = 0;
  REQUIRE(router->start(loop.get(), [&](const Arrival& arrival) {
    if (arrival.received == core::Signal(SIGRTMIN + 1)) ++delivered;
  }) == 0);
  (void)uv_run(loop.get(), UV_RUN_NOWAIT);
  CHECK(delivered == kSent);
  router.reset();
  CHECK(loop.close());
}
