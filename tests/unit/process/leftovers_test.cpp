// SPDX-License-Identifier: MIT
#include "process/leftovers.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "process/children.hpp"
#include "process/kill.hpp"
#include "process_support.hpp"

using namespace lastcall;
using test::start_helper;

namespace {

// What the recorders (helper_mode.hpp) printed: "ready PID" once each, then "SIG PID" for
// each signal that reached them.
struct Record {
  std::vector<pid_t> ready;
  std::map<pid_t, std::vector<int>> signals;
};

Record parse(const std::string& text) {
  Record record;
  std::istringstream in(text.substr(0, text.rfind('\n') + 1));  // whole lines only
  for (std::string word, pid; in >> word >> pid;) {
    if (word == "ready") {
      record.ready.push_back(std::stoi(pid));
    } else {
      record.signals[std::stoi(pid)].push_back(std::stoi(word));
    }
  }
  return record;
}

int count_of(const std::vector<int>& signals, int signal) {
  return static_cast<int>(std::count(signals.begin(), signals.end(), signal));
}

// The stop signal of these tests is a real-time one: those queue instead of merging while
// pending (signal(7)), so a signal sent twice is seen twice. A second one marks the end of
// a test's sending: real-time signals are delivered lowest number first, so once a recorder
// has printed the marker, every stop signal sent to it before the marker has been printed.
int stop_signal() { return SIGRTMIN + 1; }
int marker_signal() { return SIGRTMIN + 2; }
std::string recorded_signals() { return std::to_string(stop_signal()) + "," + std::to_string(marker_signal()); }

// One world: a loop, the Reaper fed by SIGCHLD, Leftovers told of every reap, and what its
// observer heard.
struct World {
  test::Cleanup cleanup;  // first, so it runs last
  test::Subreaper subreaper;
  uv::Loop loop;
  process::Reaper reaper;
  std::vector<std::pair<int, int>> signaled;  // (signal, count) as on_signaled reported them
  int gone = 0;
  std::unique_ptr<process::Leftovers> leftovers;
  std::unique_ptr<test::SigchldWatch> sigchld;

  void watch(pid_t child_pgid) {
    leftovers = std::make_unique<process::Leftovers>(
        loop.get(), child_pgid,
        process::Leftovers::Observer{.on_gone = [this] { ++gone; },
                                     .on_signaled = [this](core::Signal s, int n) { signaled.emplace_back(s.number(), n); }});
    sigchld = std::make_unique<test::SigchldWatch>(loop.get(), [this] { leftovers->after_reap(reaper.reap()); });
  }
  int total(int signal) const {
    int sum = 0;
    for (const auto& [s, n] : signaled) sum += s == signal ? n : 0;
    return sum;
  }
  [[nodiscard]] bool close() {
    sigchld.reset();
    leftovers.reset();
    return loop.close();
  }
  // The end of a scenario: SIGKILL to what is left (`sigkills` deliveries in all), the last
  // of it gone, and the loop closed cleanly.
  void end_with_sigkill(int sigkills) {
    leftovers->kill();
    CHECK(total(SIGKILL) == sigkills);
    CHECK(test::run_until(loop, [&] { return gone == 1; }));
    CHECK(close());
  }
};

// Starts the helper with `args`, its group killed at the end, and reads `out` until `count` of
// its processes are ready: the helper's pid.
pid_t start_until_ready(World& w, test::Pipe& out, std::string& text, const std::vector<std::string>& args,
                        std::size_t count) {
  const pid_t pid = start_helper(args, out.write_end);
  w.cleanup.group(pid);
  REQUIRE(test::read_until(out.read_end, text, [count](const std::string& now) { return parse(now).ready.size() == count; }));
  return pid;
}

// Starts the `family` helper as the child (`shape`: how many recorders it leaves in its group,
// in groups of their own, and nested below the first), reads until `count` recorders are
// ready, has each of them cleaned up, and reaps the child, which exits once they are: the
// child's pid (its group's id) and the recorders.
std::pair<pid_t, std::vector<pid_t>> start_family(World& w, test::Pipe& out, std::string& text,
                                                  const std::vector<std::string>& shape, std::size_t count) {
  std::vector<std::string> args{"family"};
  args.insert(args.end(), shape.begin(), shape.end());
  args.push_back(recorded_signals());
  const pid_t child = start_until_ready(w, out, text, args, count);
  const auto recorders = parse(text).ready;
  for (const pid_t pid : recorders) w.cleanup.process(pid);
  CHECK(process::Reaper::wait_for(child) == core::ExitStatus{});
  return {child, recorders};
}

// Sends the marker to each of `pids` and reads `out` until each has printed it.
Record after_marker(int fd, std::string& text, const std::vector<pid_t>& pids) {
  for (const pid_t pid : pids) CHECK(kill(pid, marker_signal()) == 0);
  CHECK(test::read_until(fd, text, [&](const std::string& now) {
    const auto record = parse(now);
    return std::all_of(pids.begin(), pids.end(), [&](pid_t pid) {
      const auto it = record.signals.find(pid);
      return it != record.signals.end() && count_of(it->second, marker_signal()) >= 1;
    });
  }));
  return parse(text);
}

// Waits for the next clock tick of /proc's start times, so that what follows at once shares
// one tick (Leftovers::started_before decides within a tick by pid).
void wait_next_tick() {
  const auto now = process::boot_ticks();
  REQUIRE(test::eventually([&] { return process::boot_ticks() > now; }));
}

}  // namespace

TEST_CASE("each leftover and the child's group get the stop signal once and SIGKILL once, across sweeps") {
  World w;
  test::Pipe out;
  // The child: two recorders in its group (the first with one of its own there, not ours),
  // two that left for groups of their own; then it exits, as a child that leaves processes does.
  std::string text;
  const auto [child, recorders] = start_family(w, out, text, {"2", "2", "1"}, 5);
  // One of them is stopped: it can act on the stop signal only once continued.
  const pid_t stopped = recorders.back();
  REQUIRE(kill(stopped, SIGSTOP) == 0);
  REQUIRE(test::eventually([&] { return test::process_state(stopped) == 'T'; }));
  // A child that has ended but is not reaped yet is no process to stop.
  const pid_t zombie = start_helper({"exit", "0"});
  REQUIRE(test::eventually([&] { return test::process_state(zombie) == 'Z'; }));
  // Four of ours run: the two of the child's group and the two that left it.
  const auto ours = process::list_children();
  REQUIRE(ours.has_value());
  CHECK(ours->size() == 5);

  w.watch(child);
  w.leftovers->stop(core::Signal(stop_signal()));
  CHECK(w.signaled == std::vector<std::pair<int, int>>{{stop_signal(), 4}});
  // More sweeps: by hand, and by the loop's own rescans while the recorders wait.
  w.leftovers->stop(core::Signal(stop_signal()));
  w.leftovers->stop(core::Signal(stop_signal()));
  REQUIRE(test::run_until(w.loop, [&] {
    (void)test::read_available(out.read_end, text);
    return parse(text).signals.size() == 5;
  }));
  const auto record = after_marker(out.read_end, text, recorders);
  for (const pid_t pid : recorders) {
    CAPTURE(pid);
    CHECK(count_of(record.signals.at(pid), stop_signal()) == 1);
  }
  CHECK(w.total(stop_signal()) == 4);
  CHECK(w.gone == 0);

  w.leftovers->kill();
  w.leftovers->kill();
  CHECK(test::run_until(w.loop, [&] { return w.gone == 1; }));
  CHECK(w.total(SIGKILL) == 4);
  CHECK(w.signaled.size() == 2);
  CHECK(w.signaled.back() == std::pair<int, int>{SIGKILL, 4});
  CHECK_FALSE(process::Reaper::has_children());
  for (const pid_t pid : recorders) CHECK(test::process_state(pid) == '\0');
  CHECK(w.close());
}

TEST_CASE("a member of the child's group adopted after the group's signal gets it neither again nor twice") {
  World w;
  test::Pipe out;
  // The child leaves one recorder in its group, which has one of its own there.
  std::string text;
  const auto [child, ready] = start_family(w, out, text, {"1", "0", "1"}, 2);
  const auto ours = process::list_children();
  REQUIRE(ours.has_value());
  REQUIRE(ours->size() == 1);
  const pid_t parent = ours->front();
  const pid_t nested = ready.front() == parent ? ready.back() : ready.front();

  w.watch(child);
  w.leftovers->stop(core::Signal(stop_signal()));
  CHECK(w.signaled == std::vector<std::pair<int, int>>{{stop_signal(), 1}});
  // Its parent gone, the nested one is ours now, and still in the child's group.
  REQUIRE(kill(parent, SIGKILL) == 0);
  REQUIRE(test::run_until(w.loop, [&] {
    const auto now = process::list_children();
    return now && std::find(now->begin(), now->end(), nested) != now->end();
  }));
  w.leftovers->stop(core::Signal(stop_signal()));
  const auto record = after_marker(out.read_end, text, {nested});
  CHECK(count_of(record.signals.at(nested), stop_signal()) == 1);
  CHECK(w.total(stop_signal()) == 1);

  w.leftovers->kill();
  CHECK(test::run_until(w.loop, [&] { return w.gone == 1; }));
  CHECK(w.close());
}

TEST_CASE("the child's group that step 3 reached already does not get the stop signal again; SIGKILL it does") {
  World w;
  test::Pipe out;
  std::string text;
  const auto [child, recorders] = start_family(w, out, text, {"2", "1", "0"}, 3);

  w.watch(child);
  w.leftovers->group_reached(core::Signal(stop_signal()));
  w.leftovers->stop(core::Signal(stop_signal()));
  CHECK(w.signaled == std::vector<std::pair<int, int>>{{stop_signal(), 1}});  // the one that left the group
  const auto record = after_marker(out.read_end, text, recorders);
  int reached = 0;
  for (const pid_t pid : recorders) {
    const auto info = process::read_child(pid);
    REQUIRE(info.has_value());
    CAPTURE(pid);
    CHECK(count_of(record.signals.at(pid), stop_signal()) == (info->pgid == child ? 0 : 1));
    reached += count_of(record.signals.at(pid), stop_signal());
  }
  CHECK(reached == 1);

  w.end_with_sigkill(3);
}

TEST_CASE("an orphan adopted after the stop signal went out gets it too, once") {
  World w;
  test::Pipe out;
  // It exits at the stop signal, leaving its own recorder to us.
  std::string text;
  const pid_t parent = start_until_ready(w, out, text, {"parent", recorded_signals()}, 2);
  const auto ready = parse(text).ready;
  for (const pid_t pid : ready) w.cleanup.process(pid);
  const pid_t orphan = ready.front() == parent ? ready.back() : ready.front();

  // A child's group that is already gone: every process left is elsewhere.
  w.watch(0x3ffffff0);
  w.leftovers->stop(core::Signal(stop_signal()));
  CHECK(w.signaled == std::vector<std::pair<int, int>>{{stop_signal(), 1}});
  REQUIRE(test::run_until(w.loop, [&] {
    (void)test::read_available(out.read_end, text);
    return parse(text).signals.count(orphan) == 1;
  }));
  CHECK(w.total(stop_signal()) == 2);
  const auto record = after_marker(out.read_end, text, {orphan});
  CHECK(count_of(record.signals.at(orphan), stop_signal()) == 1);
  CHECK(count_of(record.signals.at(parent), stop_signal()) == 1);

  w.leftovers->kill();
  CHECK(test::run_until(w.loop, [&] { return w.gone == 1; }));
  CHECK(w.total(SIGKILL) == 1);
  CHECK(w.close());
}

TEST_CASE("with no process left, Leftovers is done at once and arms nothing") {
  World w;
  w.watch(0x3ffffff0);
  w.leftovers->after_reap(false);  // before stop(): nothing to do yet
  CHECK(w.gone == 0);
  w.leftovers->stop(core::Signal(SIGTERM));
  CHECK(w.gone == 1);
  CHECK(w.signaled.empty());
  int active = 0;
  uv_walk(w.loop.get(), [](uv_handle_t* handle, void* arg) {
    if (handle->type == UV_TIMER && uv_is_active(handle)) ++*static_cast<int*>(arg);
  }, &active);
  CHECK(active == 0);
  CHECK(process::Leftovers::remaining().empty());
  CHECK(w.close());
}


namespace {

// A recorder that joins process group `pgid` before it execs, printing to `out`: a member of
// the child's group started whenever the test wants.
pid_t start_recorder_in_group(pid_t pgid, int out) {
  auto argv = testing::helper_argv({"record", recorded_signals()});
  std::vector<char*> args;
  for (auto& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, nullptr);
    if (setpgid(0, pgid) != 0 || dup2(out, STDOUT_FILENO) < 0) _exit(126);
    execv(args[0], args.data());
    _exit(127);
  }
  REQUIRE(pid > 0);
  return pid;
}

}  // namespace

TEST_CASE("a member that joined the child's group after the group's signal gets the stop signal, once") {
  World w;
  test::Pipe out;
  std::string text;
  const pid_t leader = start_until_ready(w, out, text, {"record", recorded_signals()}, 1);
  const pid_t early = start_recorder_in_group(leader, out.write_end);
  w.cleanup.process(early);
  REQUIRE(test::read_until(out.read_end, text, [](const std::string& now) { return parse(now).ready.size() == 2; }));

  // Step 3, as the app does it: the group's signal, told to Leftovers just before.
  w.watch(leader);
  w.leftovers->group_reached(core::Signal(stop_signal()));
  REQUIRE(process::stop_group(leader, core::Signal(stop_signal())));
  // Started at once, most likely in the signal's own tick: it gets the signal by pid.
  const pid_t late = start_recorder_in_group(leader, out.write_end);
  w.cleanup.process(late);
  REQUIRE(test::read_until(out.read_end, text, [](const std::string& now) { return parse(now).ready.size() == 3; }));
  // The child ends before step 4.
  REQUIRE(kill(leader, SIGKILL) == 0);
  CHECK(process::Reaper::wait_for(leader).signal == SIGKILL);

  w.leftovers->stop(core::Signal(stop_signal()));
  w.leftovers->stop(core::Signal(stop_signal()));
  CHECK(w.signaled == std::vector<std::pair<int, int>>{{stop_signal(), 1}});
  const auto record = after_marker(out.read_end, text, {early, late});
  CHECK(count_of(record.signals.at(early), stop_signal()) == 1);
  CHECK(count_of(record.signals.at(late), stop_signal()) == 1);

  w.end_with_sigkill(2);
}

// One run of the case below; false when the member started in another clock tick than the
// group's signal, where the tick alone decides and the case proves nothing.
bool same_tick_run(bool forked_after) {
  World w;
  test::Pipe out;
  std::string text;
  const pid_t leader = start_until_ready(w, out, text, {"record", recorded_signals()}, 1);
  w.watch(leader);
  // As a tick starts, so that the member and the group's signal share that tick.
  wait_next_tick();
  pid_t member = -1;
  if (!forked_after) member = start_recorder_in_group(leader, out.write_end);
  w.leftovers->group_reached(core::Signal(stop_signal()));
  const auto reached = process::boot_ticks();
  if (forked_after) {
    REQUIRE(process::stop_group(leader, core::Signal(stop_signal())));
    member = start_recorder_in_group(leader, out.write_end);
  }
  // (Forked before, the group's signal is taken as sent without sending it, as in the case above.)
  w.cleanup.process(member);
  REQUIRE(test::read_until(out.read_end, text, [](const std::string& now) { return parse(now).ready.size() == 2; }));
  const auto info = process::read_child(member);
  REQUIRE(info.has_value());
  REQUIRE(kill(leader, SIGKILL) == 0);
  CHECK(process::Reaper::wait_for(leader).signal == SIGKILL);

  w.leftovers->stop(core::Signal(stop_signal()));
  const auto record = after_marker(out.read_end, text, {member});
  CHECK(count_of(record.signals.at(member), stop_signal()) == (forked_after ? 1 : 0));
  CHECK(w.total(stop_signal()) == (forked_after ? 1 : 0));

  w.end_with_sigkill(1);
  return info->started == reached;
}

TEST_CASE("within the clock tick of the group's signal, a member gets it by pid only if forked after it") {
  bool forked_after = false;
  SUBCASE("forked after the signal: it gets the stop signal, by pid") { forked_after = true; }
  SUBCASE("forked before the signal: it does not get it again") { forked_after = false; }
  CAPTURE(forked_after);
  // Run again until the member shares the signal's tick (a loaded machine may delay it past
  // the tick's end): only then does the pid decide, which is what this case is about.
  bool same_tick = false;
  for (int run = 0; run < 5 && !same_tick; ++run) same_tick = same_tick_run(forked_after);
  CHECK_MESSAGE(same_tick, "the member never started in the tick of the group's signal in 5 runs");
}
