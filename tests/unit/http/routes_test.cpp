// SPDX-License-Identifier: MIT
#include "http/routes.hpp"

#include <doctest/doctest.h>

#include <set>
#include <sstream>

using namespace lastcall;
using http::Request;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l == line) return true;
  }
  return false;
}

bool has_metric(const std::string& text, const std::string& name) {
  return text.find("\n" + name + " ") != std::string::npos || text.find("\n" + name + "{") != std::string::npos;
}

http::Snapshot running() {
  http::Snapshot snapshot;
  snapshot.child_running = true;
  return snapshot;
}

http::Snapshot ready() {
  auto snapshot = running();
  snapshot.ready = true;
  return snapshot;
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

// The metric names of `text`, each checked to have one # TYPE line before its samples.
std::set<std::string> typed_metrics(const std::string& text) {
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
  return typed;
}

}  // namespace

TEST_CASE("/healthz is 200 ok while lastcall runs, whatever the state") {
  auto snapshot = running();
  snapshot.state = core::State::PostStop;
  snapshot.child_running = false;
  const auto response = http::route(Request{"GET", "/healthz"}, snapshot);
  CHECK(response.status == 200);
  CHECK(response.body == "ok\n");
}

TEST_CASE("/readyz is 200 only while the child is ready, 503 with the reason otherwise") {
  const auto ok = http::route(Request{"GET", "/readyz"}, ready());
  CHECK(ok.status == 200);
  CHECK(ok.body == "ready\n");
  SUBCASE("before the first passed check, or after a failed one") {
    const auto response = http::route(Request{"GET", "/readyz"}, running());
    CHECK(response.status == 503);
    CHECK(response.body == "not ready: the child is not ready\n");
  }
  SUBCASE("the trigger") {
    auto snapshot = running();
    snapshot.state = core::State::Draining;
    const auto response = http::route(Request{"GET", "/readyz"}, snapshot);
    CHECK(response.status == 503);
    CHECK(response.body == "not ready: draining\n");
  }
  SUBCASE("the child exited on its own") {
    auto snapshot = running();
    snapshot.child_running = false;
    const auto response = http::route(Request{"GET", "/readyz"}, snapshot);
    CHECK(response.status == 503);
    CHECK(response.body == "not ready: the child has exited\n");
  }
}

TEST_CASE("/metrics is Prometheus text format 0.0.4") {
  const auto response = http::route(Request{"GET", "/metrics"}, running());
  CHECK(response.status == 200);
  CHECK(response.content_type == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(response.body.find("# TYPE lastcall_shutdown_state gauge\n") != std::string::npos);
}

TEST_CASE("another path is 404, another method on a known path 405, HEAD a GET without body") {
  CHECK(http::route(Request{"GET", "/"}, running()).status == 404);
  CHECK(http::route(Request{"POST", "/nope"}, running()).status == 404);
  const auto post = http::route(Request{"POST", "/metrics"}, running());
  CHECK(post.status == 405);
  CHECK(post.allow == "GET, HEAD");
  CHECK(http::serialize(post).find("Allow: GET, HEAD\r\n") != std::string::npos);
  const auto head = http::route(Request{"HEAD", "/healthz"}, running());
  CHECK(head.status == 200);
  CHECK(head.head_only);
  const auto bytes = http::serialize(head);
  CHECK(bytes.find("Content-Length: 3\r\n") != std::string::npos);
  CHECK(bytes.substr(bytes.size() - 4) == "\r\n\r\n");
}

TEST_CASE("every response closes the connection and is never cached") {
  const auto bytes = http::serialize(http::error_response(408));
  CHECK(bytes.rfind("HTTP/1.1 408 Request Timeout\r\n", 0) == 0);
  CHECK(bytes.find("Connection: close\r\n") != std::string::npos);
  CHECK(bytes.find("Cache-Control: no-store\r\n") != std::string::npos);
  CHECK(bytes.substr(bytes.find("\r\n\r\n") + 4) == "request timeout\n");
  CHECK(http::serialize(http::error_response(431)).rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0) == 0);
  CHECK(http::serialize(http::route(Request{"GET", "/readyz"}, running())).rfind("HTTP/1.1 503 Service Unavailable\r\n", 0) ==
        0);
}

TEST_CASE("every metric has one # HELP and one # TYPE line before its samples") {
  const auto text = http::format_metrics(example());
  CHECK(typed_metrics(text).size() == 10);
  CHECK(text.back() == '\n');
  std::istringstream in(text);
  std::string previous;
  for (std::string line; std::getline(in, line); previous = line) {
    if (line.rfind("# TYPE ", 0) == 0) {
      CAPTURE(line);
      CHECK(previous.rfind("# HELP " + line.substr(7, line.find(' ', 7) - 7) + " ", 0) == 0);
    }
  }
  auto with_ready = example();
  with_ready.ready_after = core::Duration{1'500};
  CHECK(typed_metrics(http::format_metrics(with_ready)).size() == 11);
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

TEST_CASE("lastcall_ready is 1 only while the child is ready; lastcall_ready_seconds once it first was") {
  auto snapshot = running();
  auto text = http::format_metrics(snapshot);
  CHECK(has_line(text, "lastcall_ready 0"));
  CHECK(has_line(text, "# TYPE lastcall_ready gauge"));
  CHECK_FALSE(has_metric(text, "lastcall_ready_seconds"));
  snapshot.ready = true;
  snapshot.ready_after = core::Duration{2'345};
  text = http::format_metrics(snapshot);
  CHECK(has_line(text, "lastcall_ready 1"));
  CHECK(has_line(text, "# TYPE lastcall_ready_seconds gauge"));
  CHECK(has_line(text, "lastcall_ready_seconds 2.345"));
  SUBCASE("a failed check later: not ready, and the first pass is still known") {
    snapshot.ready = false;
    text = http::format_metrics(snapshot);
    CHECK(has_line(text, "lastcall_ready 0"));
    CHECK(has_line(text, "lastcall_ready_seconds 2.345"));
  }
}

TEST_CASE("label values escape backslash, double quote and newline") {
  CHECK(http::escape_label("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  const auto text = http::format_metrics(example());
  CHECK(has_line(text, "lastcall_hook_duration_seconds{phase=\"pre_stop\",hook=\"say \\\"hi\\\"\\\\\"} 0.005"));
}
