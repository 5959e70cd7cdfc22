// SPDX-License-Identifier: MIT
#include "supervisor/supervisor.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <string>
#include <vector>

using namespace lastcall;
using namespace std::chrono_literals;
using supervisor::Action;
using supervisor::TimerId;

namespace {

const core::Signal kTerm(SIGTERM);
const core::Signal kInt(SIGINT);

std::string timer_name(TimerId timer) {
  switch (timer) {
    case TimerId::Drain: return "drain";
    case TimerId::Grace: return "grace";
    case TimerId::Final: return "final";
    case TimerId::StartTimeout: return "start_timeout";
  }
  return "?";
}

// One line per action, for order checks: "signal SIGTERM group+cont", "arm grace 10000".
struct Describe {
  core::TimePoint zero;
  std::string ms(core::TimePoint at) const { return std::to_string(core::since(zero, at).count()); }
  std::string operator()(const supervisor::SignalChild& a) const {
    return "signal " + a.signal.name() + (a.group ? " group" : " child") + (a.then_continue ? "+cont" : "");
  }
  std::string operator()(const supervisor::KillChild&) const { return "kill child"; }
  std::string operator()(const supervisor::StartPhase& a) const {
    return "phase " + std::string(core::phase_name(a.phase)) + " " + std::to_string(a.cap.count());
  }
  std::string operator()(const supervisor::KillHooks&) const { return "kill hooks"; }
  std::string operator()(const supervisor::StopLeftovers& a) const { return "stop leftovers " + a.signal.name(); }
  std::string operator()(const supervisor::KillLeftovers&) const { return "kill leftovers"; }
  std::string operator()(const supervisor::ArmTimer& a) const { return "arm " + timer_name(a.timer) + " " + ms(a.at); }
  std::string operator()(const supervisor::CancelTimer& a) const { return "cancel " + timer_name(a.timer); }
  std::string operator()(const supervisor::StopChecks&) const { return "stop checks"; }
  std::string operator()(const supervisor::HandTerminal&) const { return "hand terminal"; }
  std::string operator()(const supervisor::StopSelf&) const { return "stop self"; }
  std::string operator()(const supervisor::Enter& a) const { return "enter " + std::string(core::state_name(a.state)); }
  std::string operator()(const supervisor::ShutdownStarted& a) const {
    return "log shutdown_started " + a.trigger.name() + " " + std::to_string(a.grace.count());
  }
  std::string operator()(const supervisor::SignalForwarded& a) const { return "log signal_forwarded " + a.sent.name(); }
  std::string operator()(const supervisor::ChildSignaled& a) const { return "log child_signaled " + a.signal.name(); }
  std::string operator()(const supervisor::ChildKilled& a) const { return "log child_killed " + std::to_string(a.after.count()); }
  std::string operator()(const supervisor::TerminalHanded&) const { return "log terminal_handed"; }
  std::string operator()(const supervisor::ChildReady& a) const { return "log child_ready " + std::to_string(a.after.count()); }
  std::string operator()(const supervisor::ChildUnready& a) const { return "log child_unready " + a.error; }
  std::string operator()(const supervisor::StartTimedOut&) const { return "log start_timeout"; }
  std::string operator()(const supervisor::LeftoversReport& a) const {
    return "log leftovers " + a.signal.name() + " " + std::to_string(a.count);
  }
  std::string operator()(const supervisor::Daemonized&) const { return "log child_daemonized"; }
  std::string operator()(const supervisor::ForcedExit& a) const { return "log forced_exit " + a.signal.name(); }
  std::string operator()(const supervisor::Abandoned&) const { return "log leftovers_abandoned"; }
  std::string operator()(const supervisor::Finished& a) const {
    const auto& h = a.summary.hooks;
    return "log shutdown_complete " + std::to_string(a.summary.duration.count()) + " hooks " + std::to_string(h.ok) + "/" +
           std::to_string(h.failed) + "/" + std::to_string(h.timeout) + "/" + std::to_string(h.skipped);
  }
  std::string operator()(const supervisor::Exit& a) const {
    return "exit " + (a.ending.fatal_signal != 0 ? "by " + core::Signal(a.ending.fatal_signal).name() : std::to_string(a.ending.code));
  }
};

// Drives one supervisor under a fake clock and keeps every action it returned, described,
// in order; `last` holds the actions of the last event alone.
struct Driver {
  config::Settings settings;
  core::TimePoint now{};
  std::optional<supervisor::Supervisor> sv;
  std::vector<std::string> all;
  std::vector<std::string> last;
  std::vector<Action> last_actions;

  explicit Driver(core::Duration grace = 10s, core::Duration drain = 0s, bool pid1 = false) {
    settings.grace = grace;
    settings.drain = drain;
    start(pid1);
  }
  explicit Driver(config::Settings s, bool pid1 = false) : settings(std::move(s)) { start(pid1); }

  void start(bool pid1) {
    sv.emplace(settings, supervisor::Facts{.pid1 = pid1}, 4242, now);
    record(sv->start());
  }
  void record(std::vector<Action> actions) {
    last.clear();
    for (const auto& a : actions) last.push_back(std::visit(Describe{core::TimePoint{}}, a));
    all.insert(all.end(), last.begin(), last.end());
    last_actions = std::move(actions);
  }
  Driver& feed(const supervisor::Event& e) {
    record(sv->handle(e, now));
    return *this;
  }
  Driver& advance(core::Duration d) {
    now += d;
    return *this;
  }
  // The position of `line` in every action so far; fails the test when it is missing.
  std::size_t at(const std::string& line) const {
    const auto it = std::find(all.begin(), all.end(), line);
    REQUIRE_MESSAGE(it != all.end(), "missing action: " << line);
    return static_cast<std::size_t>(it - all.begin());
  }
  bool has(const std::string& line) const { return std::find(all.begin(), all.end(), line) != all.end(); }
  bool did(const std::string& line) const { return std::find(last.begin(), last.end(), line) != last.end(); }
  // For checks that something did not happen: any action starting with `prefix`, so that a
  // changed argument cannot hide an unwanted action from an exact comparison.
  static bool any_starts_with(const std::vector<std::string>& lines, const std::string& prefix) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) { return line.starts_with(prefix); });
  }
  bool has_any(const std::string& prefix) const { return any_starts_with(all, prefix); }
  bool did_any(const std::string& prefix) const { return any_starts_with(last, prefix); }
  template <class A>
  const A& find_last() const {
    for (const auto& a : last_actions) {
      if (const auto* found = std::get_if<A>(&a)) return *found;
    }
    FAIL("no such action in the last step");
    throw 0;
  }
};

supervisor::PhaseDone done(core::Phase phase, core::HookTally tally = {}) { return supervisor::PhaseDone{phase, tally}; }
const auto kPre = core::Phase::PreStop;
const auto kPost = core::Phase::PostStop;

}  // namespace

TEST_CASE("a trigger runs draining, pre_stop, stopping, post_stop in that order, once") {
  Driver d(10s, 2s);
  d.feed(supervisor::Trigger{kTerm});
  CHECK(d.sv->state() == core::State::Draining);
  CHECK(d.did("arm grace 10000"));
  CHECK(d.did("arm drain 2000"));
  CHECK(d.did("log shutdown_started SIGTERM 10000"));
  d.advance(2s).feed(supervisor::TimerFired{TimerId::Drain});
  CHECK(d.did("phase pre_stop 5000"));  // pre_stop_timeout (half the grace), within the 8s left
  CHECK(d.find_last<supervisor::StartPhase>().context.trigger == kTerm);
  d.feed(done(kPre, {.ok = 1}));
  CHECK(d.did("signal SIGTERM group+cont"));
  CHECK(d.did("log child_signaled SIGTERM"));
  d.feed(supervisor::ChildExited{{.code = 0, .signal = SIGTERM}});
  CHECK(d.did("stop leftovers SIGTERM"));
  d.feed(supervisor::LeftoversGone{});
  CHECK(d.did("cancel grace"));
  CHECK(d.did("phase post_stop 5000"));
  const auto& post_stop_status = d.find_last<supervisor::StartPhase>().context.child_status;
  REQUIRE(post_stop_status.has_value());
  CHECK(post_stop_status->signal == SIGTERM);
  d.feed(done(kPost, {.failed = 1, .skipped = 2}));
  CHECK(d.sv->state() == core::State::Exited);
  CHECK(d.did("log shutdown_complete 2000 hooks 1/1/0/2"));
  CHECK(d.did("exit 143"));
  CHECK(d.at("enter draining") < d.at("enter pre_stop"));
  CHECK(d.at("enter pre_stop") < d.at("signal SIGTERM group+cont"));
  CHECK(d.at("signal SIGTERM group+cont") < d.at("stop leftovers SIGTERM"));
  CHECK(d.at("stop leftovers SIGTERM") < d.at("phase post_stop 5000"));
  CHECK(d.at("log shutdown_complete 2000 hooks 1/1/0/2") < d.at("exit 143"));
  CHECK(std::count(d.all.begin(), d.all.end(), "enter draining") == 1);
}

TEST_CASE("with no drain, pre_stop starts at the trigger") {
  Driver d(10s);
  d.feed(supervisor::Trigger{kInt});
  CHECK(d.sv->state() == core::State::PreStop);
  CHECK_FALSE(d.has_any("arm drain "));
  CHECK(d.did("phase pre_stop 5000"));
}

TEST_CASE("the pre_stop cap never outlasts the grace budget counted from the trigger") {
  config::Settings s;
  s.grace = 4s;
  s.drain = 3s;
  s.pre_stop_timeout = 10s;
  Driver d(s);
  d.feed(supervisor::Trigger{kTerm}).advance(3s).feed(supervisor::TimerFired{TimerId::Drain});
  CHECK(d.did("phase pre_stop 1000"));
}

TEST_CASE("if the child has not exited when the grace budget ends, its process group gets SIGKILL") {
  Driver d(1s);
  d.feed(supervisor::Trigger{kTerm}).feed(done(kPre)).advance(1s).feed(supervisor::TimerFired{TimerId::Grace});
  CHECK(d.did("kill child"));
  CHECK(d.did("log child_killed 1000"));
  SUBCASE("leftovers found after the budget get SIGKILL at once") {
    d.feed(supervisor::ChildExited{{.signal = SIGKILL}});
    CHECK(d.did("kill leftovers"));
    CHECK_FALSE(d.did_any("stop leftovers "));
    d.feed(supervisor::LeftoversGone{}).feed(done(kPost));
    CHECK(d.did("exit 137"));
  }
  SUBCASE("no SIGKILL after a child that has exited") {
    Driver e(1s);
    e.feed(supervisor::Trigger{kTerm}).feed(done(kPre)).feed(supervisor::ChildExited{{.code = 0}});
    e.advance(1s).feed(supervisor::TimerFired{TimerId::Grace});
    CHECK_FALSE(e.has_any("kill child"));
    CHECK_FALSE(e.has_any("log child_killed "));
    CHECK(e.did("kill leftovers"));
  }
}

TEST_CASE("a second trigger forces the exit at once, from any state of the sequence") {
  for (const auto second : {SIGINT, SIGTERM, SIGQUIT}) {
    Driver d(10s, 2s);
    d.feed(supervisor::Trigger{kTerm});
    SUBCASE("during draining") {}
    SUBCASE("during pre_stop") { d.advance(2s).feed(supervisor::TimerFired{TimerId::Drain}); }
    SUBCASE("during stopping") { d.advance(2s).feed(supervisor::TimerFired{TimerId::Drain}).feed(done(kPre)); }
    d.feed(supervisor::Trigger{core::Signal(second)});
    CHECK(d.did("kill hooks"));
    CHECK(d.did("kill child"));
    CHECK(d.did("kill leftovers"));
    CHECK(d.did("log forced_exit " + core::Signal(second).name()));
    CHECK(d.did("exit " + std::to_string(128 + second)));
    CHECK_FALSE(d.did_any("log shutdown_complete "));
    // Nothing more happens, whatever arrives.
    d.feed(done(kPre)).feed(supervisor::Trigger{kTerm}).feed(supervisor::TimerFired{TimerId::Grace});
    CHECK(d.last.empty());
  }
}

TEST_CASE("a child that exits on its own skips draining and pre_stop; the budget starts at its exit") {
  Driver d(3s, 2s);
  d.advance(5s).feed(supervisor::ChildExited{{.code = 4}});
  CHECK(d.did("arm grace 8000"));
  CHECK(d.did("enter stopping"));
  CHECK(d.did("stop leftovers SIGTERM"));  // no trigger: the stop signal is SIGTERM
  CHECK_FALSE(d.has_any("enter draining"));
  d.advance(1s).feed(supervisor::LeftoversGone{});
  CHECK(d.find_last<supervisor::StartPhase>().context.trigger.empty());
  SUBCASE("a first trigger after that joins the sequence, a second one forces the exit") {
    d.feed(supervisor::Trigger{kTerm});
    CHECK(d.last.empty());
    d.feed(supervisor::Trigger{kInt});
    CHECK(d.did("exit 130"));
  }
  SUBCASE("the exit status is the child's") {
    d.feed(done(kPost));
    CHECK(d.did("log shutdown_complete 1000 hooks 0/0/0/0"));
    CHECK(d.did("exit 4"));
  }
}

TEST_CASE("a child that exits during pre_stop: the hooks finish, no stop signal, then leftovers") {
  Driver d(10s);
  d.feed(supervisor::Trigger{kTerm}).feed(supervisor::ChildExited{{.code = 0}});
  CHECK(d.last.empty());
  d.feed(done(kPre));
  CHECK_FALSE(d.has_any("signal "));
  CHECK_FALSE(d.has_any("log child_signaled "));
  CHECK(d.did("stop leftovers SIGTERM"));
}

TEST_CASE("the stop signal is the trigger after rewrite, unless one is configured") {
  config::Settings s;
  SUBCASE("the trigger itself") {
    Driver d(s);
    d.feed(supervisor::Trigger{kInt}).feed(done(kPre));
    CHECK(d.did("signal SIGINT group+cont"));
  }
  SUBCASE("--rewrite applies to it") {
    s.rewrite[kTerm] = core::Signal(SIGUSR1);
    Driver d(s);
    d.feed(supervisor::Trigger{kTerm}).feed(done(kPre));
    CHECK(d.did("signal SIGUSR1 group+cont"));
  }
  SUBCASE("--stop-signal wins, sent to the child alone with --forward child") {
    s.stop_signal = core::Signal(SIGQUIT);
    s.forward = config::ForwardMode::Child;
    Driver d(s);
    d.feed(supervisor::Trigger{kTerm}).feed(done(kPre));
    CHECK(d.did("signal SIGQUIT child+cont"));
  }
}

TEST_CASE("the exit status follows success codes and --exit-by-signal") {
  config::Settings s;
  SUBCASE("a success code becomes 0") {
    s.success_exit_codes = {143};
    Driver d(s);
    d.feed(supervisor::ChildExited{{.signal = SIGTERM}}).feed(supervisor::LeftoversGone{}).feed(done(kPost));
    CHECK(d.did("exit 0"));
  }
  SUBCASE("with --exit-by-signal lastcall dies of the child's signal") {
    s.exit_by_signal = true;
    Driver d(s);
    d.feed(supervisor::ChildExited{{.signal = SIGTERM}}).feed(supervisor::LeftoversGone{}).feed(done(kPost));
    CHECK(d.did("exit by SIGTERM"));
  }
  SUBCASE("but never as PID 1") {
    s.exit_by_signal = true;
    Driver d(s, true);
    d.feed(supervisor::ChildExited{{.signal = SIGTERM}}).feed(supervisor::LeftoversGone{}).feed(done(kPost));
    CHECK(d.did("exit 143"));
  }
}

TEST_CASE("a drain longer than the grace budget is cut short by it") {
  Driver d(2s, 5s);
  d.feed(supervisor::Trigger{kTerm}).advance(2s).feed(supervisor::TimerFired{TimerId::Grace});
  CHECK(d.did("kill child"));
  CHECK(d.did("cancel drain"));
  CHECK(d.did("phase pre_stop 0"));
}

TEST_CASE("lastcall gives up on processes that do not die, post_stop_timeout plus a margin after the SIGKILLs") {
  config::Settings s;
  s.grace = 2s;
  s.post_stop_timeout = 3s;
  SUBCASE("a leftover that cannot die") {
    Driver d(s);
    d.feed(supervisor::Trigger{kTerm}).feed(done(kPre)).feed(supervisor::ChildExited{{.signal = SIGTERM}});
    d.advance(2s).feed(supervisor::TimerFired{TimerId::Grace});
    CHECK(d.did("kill leftovers"));
    CHECK(d.did("arm final " + std::to_string((2s + 3s + supervisor::kFinalMargin).count())));
    d.advance(3s + supervisor::kFinalMargin).feed(supervisor::TimerFired{TimerId::Final});
    CHECK(d.did("log leftovers_abandoned"));
    CHECK(d.did("exit 143"));  // the status it would have had
    CHECK(d.sv->state() == core::State::Exited);
  }
  SUBCASE("a post_stop hook that cannot die") {
    Driver d(s);
    d.feed(supervisor::ChildExited{{.code = 1}}).advance(1s).feed(supervisor::LeftoversGone{});
    CHECK(d.did("arm final " + std::to_string((1s + 3s + supervisor::kFinalMargin).count())));
    d.advance(3s + supervisor::kFinalMargin).feed(supervisor::TimerFired{TimerId::Final});
    CHECK(d.did("kill hooks"));
    CHECK(d.did("exit 1"));
  }
  SUBCASE("a child that cannot be reaped ends as killed by SIGKILL") {
    Driver d(s);
    d.feed(supervisor::Trigger{kTerm}).feed(done(kPre)).advance(2s).feed(supervisor::TimerFired{TimerId::Grace});
    d.advance(3s + supervisor::kFinalMargin).feed(supervisor::TimerFired{TimerId::Final});
    CHECK(d.did("exit 137"));
  }
  SUBCASE("a sequence that ends in time cancels the final deadline") {
    Driver d(s);
    d.feed(supervisor::ChildExited{{.code = 0}}).feed(supervisor::LeftoversGone{}).feed(done(kPost));
    CHECK(d.did("cancel final"));
  }
}

TEST_CASE("a signal that is not a trigger is relayed while the child runs, never after") {
  Driver d;
  d.feed(supervisor::Relay{core::Signal(SIGHUP), core::Signal(SIGUSR1)});
  CHECK(d.last == std::vector<std::string>{"signal SIGUSR1 group", "log signal_forwarded SIGUSR1"});
  d.feed(supervisor::ChildExited{{.code = 0}}).feed(supervisor::Relay{core::Signal(SIGHUP), core::Signal(SIGHUP)});
  CHECK(d.last.empty());
}

TEST_CASE("a child ready only after its check passes; unready after a failure and from the trigger on") {
  config::Settings s;
  s.ready.emplace();
  s.ready->start_timeout = 30s;
  Driver d(s);
  CHECK(d.did("arm start_timeout 30000"));
  CHECK_FALSE(d.sv->is_ready());
  d.advance(2s).feed(supervisor::CheckDone{false, "connect: refused"});
  CHECK(d.last.empty());  // not ready before either
  d.feed(supervisor::CheckDone{true, ""});
  CHECK(d.sv->is_ready());
  CHECK(d.did("log child_ready 2000"));
  CHECK(d.did("cancel start_timeout"));
  d.feed(supervisor::CheckDone{false, "HTTP 500"});
  CHECK_FALSE(d.sv->is_ready());
  CHECK(d.did("log child_unready HTTP 500"));
  d.feed(supervisor::CheckDone{true, ""}).feed(supervisor::Trigger{kTerm});
  CHECK_FALSE(d.sv->is_ready());
  CHECK(d.did("stop checks"));
  d.feed(supervisor::CheckDone{true, ""});
  CHECK_FALSE(d.sv->is_ready());
  CHECK(d.last.empty());
}

TEST_CASE("without a readiness check the child is ready from its spawn, and no timer is armed") {
  Driver d;
  CHECK(d.sv->is_ready());
  CHECK(d.all.empty());
}

TEST_CASE("a start_timeout spent without a pass starts the shutdown as a trigger would") {
  config::Settings s;
  s.ready.emplace();
  s.ready->start_timeout = 5s;
  Driver d(s);
  d.advance(5s).feed(supervisor::TimerFired{TimerId::StartTimeout});
  CHECK(d.did("log start_timeout"));
  CHECK(d.did("log shutdown_started  24000"));
  CHECK(d.did("stop checks"));
  CHECK(d.find_last<supervisor::StartPhase>().context.trigger.empty());
  d.feed(done(kPre));
  CHECK(d.did("signal SIGTERM group+cont"));
  d.feed(supervisor::Trigger{kInt});  // the next trigger is a second one
  CHECK(d.did("exit 130"));
}

TEST_CASE("a child stopped for using the terminal from the background gets the terminal") {
  SUBCASE("when lastcall holds the foreground") {
    for (const int stop : {SIGTTIN, SIGTTOU}) {
      Driver d;
      d.feed(supervisor::ChildStopped{core::Signal(stop), true});
      CHECK(d.last == std::vector<std::string>{"hand terminal", "signal SIGCONT group", "log terminal_handed"});
      CHECK(d.sv->terminal_handed());
    }
  }
  SUBCASE("not when lastcall is in the background itself") {
    Driver d;
    d.feed(supervisor::ChildStopped{core::Signal(SIGTTIN), false});
    CHECK(d.last.empty());
  }
  SUBCASE("a stop by SIGSTOP is left alone") {
    Driver d;
    d.feed(supervisor::ChildStopped{core::Signal(SIGSTOP), true});
    CHECK(d.last.empty());
  }
}

TEST_CASE("job control: Ctrl+Z stops the child's group and lastcall, fg continues and hands back") {
  SUBCASE("before the hand-over, SIGTSTP to lastcall is relayed, then lastcall stops itself") {
    Driver d;
    d.feed(supervisor::Relay{core::Signal(SIGTSTP), core::Signal(SIGTSTP), true});
    CHECK(d.last == std::vector<std::string>{"signal SIGTSTP group", "log signal_forwarded SIGTSTP", "stop self"});
    d.feed(supervisor::ChildStopped{core::Signal(SIGTSTP), true});  // the relayed stop
    CHECK(d.last.empty());
  }
  SUBCASE("after the hand-over, the child stopped by the keyboard stops lastcall too") {
    Driver d;
    d.feed(supervisor::ChildStopped{core::Signal(SIGTTIN), true}).feed(supervisor::ChildStopped{core::Signal(SIGTSTP), false});
    CHECK(d.last == std::vector<std::string>{"stop self"});
    SUBCASE("fg: in the foreground again, the child's group gets the terminal back before it continues") {
      d.feed(supervisor::Relay{core::Signal(SIGCONT), core::Signal(SIGCONT), true});
      CHECK(d.last == std::vector<std::string>{"hand terminal", "signal SIGCONT group", "log signal_forwarded SIGCONT"});
    }
    SUBCASE("bg: in the background, the child's group only continues") {
      d.feed(supervisor::Relay{core::Signal(SIGCONT), core::Signal(SIGCONT), false});
      CHECK(d.last == std::vector<std::string>{"signal SIGCONT group", "log signal_forwarded SIGCONT"});
    }
  }
  SUBCASE("as PID 1 lastcall never stops itself, and a keyboard-stopped child goes on") {
    Driver d(10s, 0s, true);
    d.feed(supervisor::Relay{core::Signal(SIGTSTP), core::Signal(SIGTSTP), true});
    CHECK(d.last == std::vector<std::string>{"signal SIGTSTP group", "log signal_forwarded SIGTSTP"});
    d.feed(supervisor::ChildStopped{core::Signal(SIGTTIN), true}).feed(supervisor::ChildStopped{core::Signal(SIGTSTP), false});
    CHECK(d.last == std::vector<std::string>{"signal SIGCONT group"});
  }
  SUBCASE("without a terminal, SIGTSTP is only relayed") {
    Driver d;
    d.feed(supervisor::Relay{core::Signal(SIGTSTP), core::Signal(SIGTSTP), false});
    CHECK(d.last == std::vector<std::string>{"signal SIGTSTP group", "log signal_forwarded SIGTSTP"});
  }
}

TEST_CASE("leftovers are reported, and a child that ends at once leaving processes is said to daemonize") {
  SUBCASE("soon after the spawn") {
    Driver d;
    d.advance(200ms).feed(supervisor::ChildExited{{.code = 0}}).feed(supervisor::LeftoversSignaled{kTerm, 2});
    CHECK(d.last == std::vector<std::string>{"log leftovers SIGTERM 2", "log child_daemonized"});
    d.feed(supervisor::LeftoversSignaled{kTerm, 1});  // said once
    CHECK(d.last == std::vector<std::string>{"log leftovers SIGTERM 1"});
  }
  SUBCASE("not after a long run") {
    Driver d;
    d.advance(5s).feed(supervisor::ChildExited{{.code = 0}}).feed(supervisor::LeftoversSignaled{kTerm, 2});
    CHECK_FALSE(d.did_any("log child_daemonized"));
  }
  SUBCASE("not after a trigger") {
    Driver d;
    d.feed(supervisor::Trigger{kTerm}).feed(done(kPre)).feed(supervisor::ChildExited{{.signal = SIGTERM}});
    d.feed(supervisor::LeftoversSignaled{kTerm, 1});
    CHECK_FALSE(d.did_any("log child_daemonized"));
  }
}

TEST_CASE("grace_left counts down from the trigger and is zero before it and once spent") {
  Driver d(10s);
  CHECK(d.sv->grace_left(d.now) == 0s);
  d.feed(supervisor::Trigger{kTerm});
  CHECK(d.sv->grace_left(d.now + 3s) == 7s);
  d.advance(10s).feed(supervisor::TimerFired{TimerId::Grace});
  CHECK(d.sv->grace_left(d.now) == 0s);
}

TEST_CASE("after the hand-over, SIGTSTP sent to lastcall stops it once: when the child's group has stopped") {
  Driver d;
  d.feed(supervisor::ChildStopped{core::Signal(SIGTTIN), true});
  REQUIRE(d.sv->terminal_handed());
  // `kill -TSTP` to lastcall, which no longer has the foreground: relayed, no stop yet.
  d.feed(supervisor::Relay{core::Signal(SIGTSTP), core::Signal(SIGTSTP), false});
  CHECK(d.last == std::vector<std::string>{"signal SIGTSTP group", "log signal_forwarded SIGTSTP"});
  d.feed(supervisor::ChildStopped{core::Signal(SIGTSTP), false});  // the relayed stop
  CHECK(d.last == std::vector<std::string>{"stop self"});
  CHECK(std::count(d.all.begin(), d.all.end(), "stop self") == 1);
  // Even were lastcall's group to have the foreground when it arrives.
  d.feed(supervisor::Relay{core::Signal(SIGTSTP), core::Signal(SIGTSTP), true});
  CHECK(d.last == std::vector<std::string>{"signal SIGTSTP group", "log signal_forwarded SIGTSTP"});
}

TEST_CASE("each state entered tells how long the one it leaves lasted; state_since tells when it began") {
  Driver d(10s, 2s);
  const auto spawned = d.now;
  CHECK(d.sv->state_since() == spawned);
  d.advance(5s).feed(supervisor::Trigger{kTerm});
  CHECK(d.find_last<supervisor::Enter>().state == core::State::Draining);
  CHECK(d.find_last<supervisor::Enter>().previous == 5s);  // running, from the spawn
  CHECK(d.sv->state_since() == spawned + 5s);
  d.advance(2s).feed(supervisor::TimerFired{TimerId::Drain});
  CHECK(d.find_last<supervisor::Enter>().state == core::State::PreStop);
  CHECK(d.find_last<supervisor::Enter>().previous == 2s);
  CHECK(d.sv->state_since() == spawned + 7s);
}
