// SPDX-License-Identifier: MIT
#include "hooks/hook_runner.hpp"

#include <doctest/doctest.h>
#include <signal.h>

#include "hooks/hook_fixture.hpp"

namespace lastcall::hooks::testing {
namespace {

constexpr core::Duration kCap{5'000};
constexpr auto kPreStop = core::Phase::PreStop;
constexpr auto kPostStop = core::Phase::PostStop;

TEST_CASE("a hook that exits 0 is ok; a non-zero exit or a signal is failed, with the shell's exit code") {
  Fixture f;
  const auto outcome = f.run(
      kPreStop,
      {shell_hook("zero", "exit 0"), shell_hook("three", "exit 3"), shell_hook("term", "kill -TERM $$")},
      kCap);
  REQUIRE(outcome.tally);
  CHECK(outcome.tally->ok == 1);
  CHECK(outcome.tally->failed == 2);
  const auto zero = f.event_of("hook_finished", "zero");
  CHECK(zero["status"] == "ok");
  CHECK(zero["exit_code"] == 0);
  CHECK(zero["level"] == "info");
  CHECK(zero["phase"] == "pre_stop");
  CHECK(zero["duration_ms"].is_number_integer());
  CHECK(f.event_of("hook_finished", "three")["status"] == "failed");
  CHECK(f.event_of("hook_finished", "three")["exit_code"] == 3);
  CHECK(f.event_of("hook_finished", "three")["level"] == "warn");
  CHECK(f.event_of("hook_finished", "term")["exit_code"] == 128 + SIGTERM);
  const auto started = f.event_of("hook_started", "zero");
  CHECK(started["phase"] == "pre_stop");
  CHECK(started["pid"].get<int>() > 1);
  CHECK(f.close());
}

TEST_CASE("a hook that cannot be started ends with status error and never stops the sequence") {
  Fixture f;
  core::HookSpec missing;
  missing.name = "missing";
  missing.argv = {"/nonexistent/hook"};
  missing.priority = 3;
  core::HookSpec not_executable;
  not_executable.name = "not_executable";
  not_executable.argv = {"/etc/passwd"};
  not_executable.priority = 2;
  auto bad_cwd = shell_hook("bad_cwd", "true", 1);
  bad_cwd.cwd = "/nonexistent/dir";
  const auto outcome = f.run(kPreStop, {missing, not_executable, bad_cwd, shell_hook("after", "true")}, kCap);
  REQUIRE(outcome.tally);
  CHECK(outcome.tally->failed == 3);
  CHECK(outcome.tally->ok == 1);
  const auto event = f.event_of("hook_finished", "missing");
  CHECK(event["status"] == "error");
  CHECK(event["exit_code"] == 127);
  CHECK(event["msg"].get<std::string>().find("command not found") != std::string::npos);
  CHECK(f.event_of("hook_finished", "not_executable")["exit_code"] == 126);
  CHECK(f.event_of("hook_finished", "bad_cwd")["status"] == "error");
  CHECK(f.event_of("hook_finished", "bad_cwd")["msg"].get<std::string>().find("/nonexistent/dir") !=
        std::string::npos);
  CHECK(f.event_of("hook_finished", "after")["status"] == "ok");
  CHECK(f.close());
}

TEST_CASE("hooks of equal priority run concurrently") {
  Fixture f;
  const auto outcome = f.run(kPreStop, {shell_hook("a", "sleep 1"), shell_hook("b", "sleep 1")}, kCap);
  REQUIRE(outcome.tally);
  CHECK(outcome.tally->ok == 2);
  // Run one after the other they would take 2 s at least; together 1 s, and a loaded machine
  // (sanitizers, parallel builds) has the other second to start two shells.
  MESSAGE("two hooks of 1 s each done after " << outcome.elapsed.count() << "ms");
  CHECK(outcome.elapsed >= 1s);
  CHECK(outcome.elapsed < 2s);
  // In the log, both started before either finished.
  std::vector<std::string> order;
  for (const auto& event : f.events()) {
    if (event["event"] == "hook_started" || event["event"] == "hook_finished") {
      order.push_back(event["event"].get<std::string>().substr(5));
    }
  }
  CHECK(order == std::vector<std::string>{"started", "started", "finished", "finished"});
  CHECK(f.close());
}

TEST_CASE("hooks run in descending priority; a lower group starts when the higher one has finished") {
  Fixture f;
  const auto outcome = f.run(kPreStop,
                             {shell_hook("high_long", "sleep 0.25", 10),
                              shell_hook("high_short", "sleep 0.1", 10), shell_hook("low", "true", -5)},
                             kCap);
  REQUIRE(outcome.tally);
  CHECK(outcome.tally->ok == 3);
  const long long low_started = ts_ms(f.event_of("hook_started", "low"));
  CHECK(low_started >= ts_ms(f.event_of("hook_finished", "high_long")));
  CHECK(low_started >= ts_ms(f.event_of("hook_finished", "high_short")));
  CHECK(outcome.elapsed >= 250ms);
  CHECK(f.close());
}

TEST_CASE("at its timeout a hook's whole process group gets SIGKILL, grandchildren too") {
  Fixture f;
  const auto pid_file = f.dir().file("grandchild.pid");
  const auto outcome = f.run(
      kPreStop, {shell_hook("hang", "sleep 30 & echo $! > " + pid_file + "; wait", 0, core::Duration{300})},
      kCap);
  REQUIRE(outcome.tally);
  CHECK(outcome.tally->timeout == 1);
  const auto finished = f.event_of("hook_finished", "hang");
  CHECK(finished["status"] == "timeout");
  CHECK(finished["exit_code"] == 128 + SIGKILL);
  CHECK(finished["level"] == "warn");
  // libuv timers, no polling: a few ms late on an idle machine. The bounds leave room for a
  // loaded one (sanitizers, parallel builds).
  const auto killed = ts_ms(f.event_of("hook_timed_out", "hang")) - ts_ms(f.event_of("hook_started", "hang"));
  MESSAGE("timeout of 300ms: SIGKILL after " << killed << "ms, reaped after " << finished["duration_ms"]
                                             << "ms, phase done after " << outcome.elapsed.count() << "ms");
  // libuv's loop clock counts whole milliseconds, so the timer may fire up to 1 ms early, and
  // two log stamps with millisecond resolution add up to 1 ms more.
  // The upper bounds leave a loaded machine room, and stay far below the 5 s phase cap.
  CHECK(killed >= 298);
  CHECK(killed < 800);
  CHECK(finished["duration_ms"].get<int>() >= 299);
  CHECK(outcome.elapsed < 1500ms);
  const auto warning = f.event_of("hook_timed_out", "hang");
  CHECK(warning["msg"] == "hook hang timed out after 300ms; killing its process group");
  CHECK(warning["level"] == "warn");
  check_gone(pid_file);
  CHECK(f.close());
}

TEST_CASE("a grandchild left in a hook's process group is killed when the hook exits and holds nothing up") {
  Fixture f;
  const auto pid_file = f.dir().file("grandchild.pid");
  const auto outcome =
      f.run(kPreStop, {shell_hook("leaves", "sleep 30 & echo $! > " + pid_file + "; echo done")}, kCap);
  REQUIRE(outcome.tally);
  CHECK(outcome.tally->ok == 1);
  CHECK(outcome.elapsed < 1s);
  CHECK(f.lines_of("leaves", "stdout") == std::vector<std::string>{"done"});
  check_gone(pid_file);
  CHECK(f.close());
}

TEST_CASE("when the phase cap is reached running hooks are killed and hooks not yet started are skipped") {
  Fixture f;
  const auto outcome = f.run(kPostStop,
                             {shell_hook("slow", "sleep 30", 1, core::Duration{10'000}),
                              shell_hook("later", "true"), shell_hook("later_too", "true")},
                             core::Duration{300});
  REQUIRE(outcome.tally);
  CHECK(outcome.tally->timeout == 1);
  CHECK(outcome.tally->skipped == 2);
  CHECK(outcome.tally->ok == 0);
  // libuv's loop clock counts whole milliseconds, so a 300 ms timer may fire up to 1 ms
  // before 300 ms of steady_clock time have passed.
  CHECK(outcome.elapsed >= 299ms);
  CHECK(outcome.elapsed < 1500ms);  // the cap, not the hook's own 10 s timeout
  CHECK(f.event_of("hook_finished", "slow")["status"] == "timeout");
  const auto skipped = f.event_of("hook_skipped", "later");
  CHECK(skipped["phase"] == "post_stop");
  CHECK(skipped["reason"] == "phase cap reached");
  CHECK(f.events("hook_started").size() == 1);
  CHECK(f.close());
}

TEST_CASE("a phase with a cap of zero skips every hook, and one without hooks is done at once") {
  Fixture f;
  std::optional<core::HookTally> tally;
  f.on_done([&](const core::HookTally& t) { tally = t; });
  const std::vector<core::HookSpec> hooks{shell_hook("a", "true"), shell_hook("b", "true")};
  f.runner().run(kPreStop, hooks, core::Duration{0}, {});
  REQUIRE(tally);  // called from within run()
  CHECK(tally->skipped == 2);
  CHECK(f.runner().running_hooks().empty());
  CHECK(f.runner().cap_left() == core::Duration{0});
  CHECK(f.results() == std::vector<core::HookStatus>{core::HookStatus::Skipped, core::HookStatus::Skipped});
  tally.reset();
  const std::vector<core::HookSpec> none;
  f.runner().run(kPostStop, none, kCap, {});
  REQUIRE(tally);
  CHECK(tally->ok + tally->failed + tally->timeout + tally->skipped == 0);
  CHECK(f.events("hook_started").empty());
  CHECK(f.close());
}

TEST_CASE("a hook's environment adds its own env and the LASTCALL_* variables") {
  Fixture f;
  const std::string script =
      R"(printf '%s|%s|%s|%s|%s|%s|%s\n' "$LASTCALL_PHASE" "$LASTCALL_HOOK" "$LASTCALL_SIGNAL" )"
      R"("$LASTCALL_CHILD_PID" "$LASTCALL_DEADLINE_MS" "${LASTCALL_CHILD_EXIT_CODE-unset}" "$FOO")";
  auto own = shell_hook("own", script, 0, core::Duration{2'000});
  own.env = {{"FOO", "bar"}, {"PATH", "/usr/bin:/bin"}};
  auto capped = shell_hook("capped", script);
  SUBCASE("pre_stop") {
    const core::PhaseContext env{.trigger = core::Signal(SIGTERM), .child_pid = 4242, .child_status = std::nullopt};
    REQUIRE(f.run(kPreStop, {own, capped}, kCap, env).tally);
    const auto line = f.lines_of("own", "stdout");
    REQUIRE(line.size() == 1);
    CHECK(line[0] == "pre_stop|own|SIGTERM|4242|2000|unset|bar");
    const auto other = f.lines_of("capped", "stdout");
    REQUIRE(other.size() == 1);
    // No timeout of its own: what remains of the 5 s cap.
    const auto deadline = std::stoi(other[0].substr(other[0].find("4242|") + 5));
    CHECK(deadline <= 5'000);
    CHECK(deadline > 4'000);  // less by the time the hook took to start, on a loaded machine
  }
  SUBCASE("post_stop after the child exited on its own") {
    const core::PhaseContext env{
        .trigger = core::Signal(), .child_pid = 4242, .child_status = core::ExitStatus{0, SIGKILL}};
    REQUIRE(f.run(kPostStop, {own}, kCap, env).tally);
    CHECK(f.lines_of("own", "stdout") == std::vector<std::string>{"post_stop|own||4242|2000|137|bar"});
  }
  CHECK(f.close());
}

TEST_CASE("a hook runs in its cwd with stdin from /dev/null") {
  Fixture f;
  auto hook = shell_hook("where", "pwd; cat; echo end");
  hook.cwd = f.dir().path();
  REQUIRE(f.run(kPreStop, {hook}, kCap).tally);
  CHECK(f.lines_of("where", "stdout") == std::vector<std::string>{f.dir().path(), "end"});
  CHECK(f.close());
}

TEST_CASE("a hook's stdout and stderr are relayed line by line, tagged with its name and stream") {
  Fixture f;
  const auto outcome = f.run(
      kPreStop,
      {shell_hook("talk", R"(printf 'one\ntwo\r\n\nthree'; printf 'oops\n' >&2; printf '\377bin\n')")}, kCap);
  REQUIRE(outcome.tally);
  CHECK(f.lines_of("talk", "stdout") == std::vector<std::string>{"one", "two", "",
                                                                 "three\xEF\xBF\xBD"
                                                                 "bin"});
  CHECK(f.lines_of("talk", "stderr") == std::vector<std::string>{"oops"});
  const auto event = f.events("hook_output").front();
  CHECK(event["level"] == "info");
  CHECK(event["hook"] == "talk");
  CHECK(f.close());
}

TEST_CASE("a line longer than 8 KiB is relayed in 8 KiB pieces, and a partial last line at the end") {
  Fixture f;
  REQUIRE(
      f.run(kPreStop, {shell_hook("long", "head -c 20000 /dev/zero | tr '\\0' a; echo; printf tail")}, kCap)
          .tally);
  const auto lines = f.lines_of("long", "stdout");
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == std::string(8192, 'a'));
  CHECK(lines[1] == std::string(8192, 'a'));
  CHECK(lines[2] == std::string(20000 - 2 * 8192, 'a'));
  CHECK(lines[3] == "tail");
  CHECK(f.close());
}

TEST_CASE("a hook flooding its output neither stalls the loop nor floods the log") {
  Fixture f;
  const auto outcome = f.run(kPreStop,
                             {shell_hook("flood", "yes | head -c 20000000"),
                              shell_hook("endless", "head -c 20000000 /dev/zero | tr '\\0' x"),
                              shell_hook("punctual", "sleep 30", 0, core::Duration{300})},
                             kCap);
  REQUIRE(outcome.tally);
  MESSAGE("40 MB of hook output read in " << outcome.elapsed.count() << "ms");
  CHECK(outcome.tally->ok == 2);
  CHECK(outcome.tally->timeout == 1);
  CHECK(outcome.elapsed < 5s);
  const auto punctual = f.event_of("hook_finished", "punctual");
  const auto late =
      ts_ms(f.event_of("hook_timed_out", "punctual")) - ts_ms(f.event_of("hook_started", "punctual"));
  MESSAGE("timeout of 300ms beside the flood: SIGKILL after " << late << "ms, reaped after "
                                                              << punctual["duration_ms"] << "ms");
  // A loop that the flood held up would kill it late; the bounds leave a loaded machine room.
  CHECK(late < 700);
  CHECK(punctual["duration_ms"].get<int>() < 800);
  // 10 million lines "y": the first 10,000 relayed, every other one counted.
  CHECK(f.lines_of("flood", "stdout").size() == kMaxRelayedLines);
  const auto truncated = f.event_of("hook_output_truncated", "flood");
  CHECK(truncated["level"] == "warn");
  CHECK(truncated["lines_dropped"] == 10'000'000 - kMaxRelayedLines);
  CHECK(truncated["bytes_dropped"] == 10'000'000 - kMaxRelayedLines);
  CHECK(truncated["msg"] == "hook flood: output truncated, 9990000 lines dropped (9990000 bytes)");
  // One line of 20 MB: 1 MiB of it relayed in 8 KiB pieces, the rest counted.
  CHECK(f.lines_of("endless", "stdout").size() == kMaxRelayedBytes / kMaxLineBytes);
  CHECK(f.event_of("hook_output_truncated", "endless")["bytes_dropped"] == 20'000'000 - kMaxRelayedBytes);
  CHECK(f.close());
}

TEST_CASE("kill_all sends SIGKILL to every running hook's process group and the phase is not reported") {
  Fixture f;
  const auto first = f.dir().file("first.pid");
  const auto second = f.dir().file("second.pid");
  bool done = false;
  f.on_done([&](const core::HookTally&) { done = true; });
  const std::vector<core::HookSpec> hooks{shell_hook("first", "sleep 30 & echo $! > " + first + "; wait"),
                                          shell_hook("second", "sleep 30 & echo $! > " + second + "; wait"),
                                          shell_hook("never", "true", -1)};
  f.runner().run(kPreStop, hooks, kCap, {});
  CHECK(f.runner().running_hooks().size() == 2);
  {
    // Once both have written their grandchild's pid.
    REQUIRE(test::run_until(f.uv_loop(), [&] { return read_pid(first) > 1 && read_pid(second) > 1; }));
    f.runner().kill_all();
    // Until every hook has been reaped: then the Reaper sees no child left.
    CHECK(test::run_until(f.uv_loop(), [&] {
      if (f.runner().running_hooks().empty()) (void)f.reaper().reap();
      return !f.reaper().has_children();
    }, 3s));
  }
  CHECK_FALSE(f.reaper().has_children());
  CHECK_FALSE(done);
  CHECK(f.runner().running_hooks().empty());
  CHECK(f.events("hook_finished").empty());
  CHECK(f.events("hook_skipped").empty());
  CHECK(f.events("hook_started").size() == 2);
  check_gone(first);
  check_gone(second);
  CHECK(f.close());
}

TEST_CASE("while a group runs, the status line sees each hook's time and deadline and the cap left") {
  Fixture f;
  const auto pid_file = f.dir().file("slow.pid");
  bool done = false;
  f.on_done([&](const core::HookTally&) { done = true; });
  const std::vector<core::HookSpec> hooks{shell_hook("slow", "echo $$ > " + pid_file + "; exec sleep 30", 0, core::Duration{2'000}),
                                          shell_hook("other", "exec sleep 30")};
  f.runner().run(kPreStop, hooks, kCap, {});
  REQUIRE(test::run_until(f.uv_loop(), [&] { return read_pid(pid_file) > 1; }));
  const auto running = f.runner().running_hooks();
  REQUIRE(running.size() == 2);
  CHECK(running[0].hook == "slow");
  CHECK(running[0].deadline == core::Duration{2'000});
  CHECK(running[1].hook == "other");
  CHECK(running[1].deadline <= kCap);
  CHECK(running[1].deadline > kCap - core::Duration{1'000});
  CHECK(running[0].elapsed >= core::Duration{0});
  CHECK(running[0].elapsed < core::Duration{2'000});
  CHECK(f.runner().cap_left() <= kCap - running[0].elapsed);
  CHECK(f.runner().cap_left() > core::Duration{0});
  f.runner().kill_all();
  CHECK(f.runner().cap_left() == core::Duration{0});
  CHECK(test::run_until(f.uv_loop(), [&] { return !f.reaper().has_children(); }, 3s));
  CHECK_FALSE(done);
  check_gone(pid_file);
  CHECK(f.close());
}

TEST_CASE("the observer hears of every hook's end, a skipped one included, and of the phase once") {
  Fixture f;
  const auto outcome = f.run(kPostStop,
                             {shell_hook("fails", "exit 1", 2), shell_hook("slow", "sleep 30", 1, core::Duration{10'000}),
                              shell_hook("skipped", "true")},
                             core::Duration{600});
  REQUIRE(outcome.tally);
  CHECK(*outcome.tally == core::HookTally{.ok = 0, .failed = 1, .timeout = 1, .skipped = 1});
  CHECK(f.results() ==
        std::vector<core::HookStatus>{core::HookStatus::Failed, core::HookStatus::Skipped, core::HookStatus::Timeout});
  CHECK(f.close());
}

}  // namespace
}  // namespace lastcall::hooks::testing
