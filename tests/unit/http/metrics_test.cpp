// SPDX-License-Identifier: MIT
#include "http/metrics.hpp"

#include <doctest/doctest.h>

#include <set>
#include <sstream>

using namespace lastcall;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l == line) return true;
  }
  return false;
}

http::Snapshot example() {
  http::Snapshot s;
  s.state = core::State::PreStop;
  s.child_running = true;
  s.started = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'250));
  s.signals_received = {{"SIGUSR1", 3}, {"SIGTERM", 1}};
  s.signals_relayed = {{"SIGUSR1", 3}};
  s.zombies_reaped = 7;
  s.hook_runs = {{{"pre_stop", "ok"}, 2}, {{"pre_stop", "timeout"}, 1}};
  s.hook_durations = {{{"pre_stop", "flush"}, core::Duration{1'234}}, {{"pre_stop", "say \"hi\"\\"}, core::Duration{5}}};
  s.phase_durations = {{"draining", core::Duration{2'000}}};
  return s;
}

}  // namespace

TEST_CASE("every metric has one # HELP and one # TYPE line before its samples") {
  const auto text = http::format_metrics(example());
  std::istringstream in(text);
  std::set<std::string> typed;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# TYPE ", 0) == 0) {
      const auto name = line.substr(7, line.find(' ', 7) - 7);
      CHECK(typed.insert(name).second);
    } else if (line.rfind("#", 0) != 0) {
      const auto name = line.substr(0, line.find_first_of("{ "));
      CAPTURE(line);
      CHECK(typed.count(name) == 1);
    }
  }
  CHECK(typed.size() == 9);
  CHECK(text.back() == '\n');
}

TEST_CASE("counters and gauges carry the snapshot's numbers") {
  const auto text = http::format_metrics(example());
  CHECK(has_line(text, "lastcall_signals_received_total{signal=\"SIGUSR1\"} 3"));
  CHECK(has_line(text, "lastcall_signals_relayed_total{signal=\"SIGUSR1\"} 3"));
  CHECK(has_line(text, "lastcall_zombies_reaped_total 7"));
  CHECK(has_line(text, "lastcall_hook_runs_total{phase=\"pre_stop\",status=\"ok\"} 2"));
  CHECK(has_line(text, "lastcall_hook_runs_total{phase=\"post_stop\",status=\"skipped\"} 0"));
  CHECK(has_line(text, "lastcall_hook_duration_seconds{phase=\"pre_stop\",hook=\"flush\"} 1.234"));
  CHECK(has_line(text, "lastcall_phase_duration_seconds{phase=\"draining\"} 2.000"));
  CHECK(has_line(text, "lastcall_shutdown_state{state=\"pre_stop\"} 1"));
  CHECK(has_line(text, "lastcall_shutdown_state{state=\"running\"} 0"));
  CHECK(has_line(text, "lastcall_child_restarts_total 0"));
  CHECK(has_line(text, "lastcall_start_time_seconds 1700000000.250"));
}

TEST_CASE("label values escape backslash, double quote and newline") {
  CHECK(http::escape_label("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  const auto text = http::format_metrics(example());
  CHECK(has_line(text, "lastcall_hook_duration_seconds{phase=\"pre_stop\",hook=\"say \\\"hi\\\"\\\\\"} 0.005"));
}
