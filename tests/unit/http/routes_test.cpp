// SPDX-License-Identifier: MIT
#include "http/routes.hpp"

#include <doctest/doctest.h>

#include "http/metrics.hpp"

using namespace lastcall;
using http::Request;

namespace {

http::Snapshot running() {
  http::Snapshot snapshot;
  snapshot.child_running = true;
  return snapshot;
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

TEST_CASE("/readyz is 200 while the child runs and no shutdown has started, 503 from the trigger on") {
  auto snapshot = running();
  CHECK(http::route(Request{"GET", "/readyz"}, snapshot).status == 200);
  SUBCASE("the trigger") {
    snapshot.state = core::State::Draining;
    const auto response = http::route(Request{"GET", "/readyz"}, snapshot);
    CHECK(response.status == 503);
    CHECK(response.body == "not ready: draining\n");
  }
  SUBCASE("the child exited on its own") {
    snapshot.child_running = false;
    CHECK(http::route(Request{"GET", "/readyz"}, snapshot).status == 503);
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
}
