// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

#include "http/request_parser.hpp"
#include "http/snapshot.hpp"

// The admin endpoint's answers, from the snapshot alone: pure functions, so they are tested
// without a socket.
namespace lastcall::http {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// One response, before it becomes bytes. Every response closes the connection.
struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string allow;       // the Allow header of a 405; empty otherwise
  bool head_only = false;  // a HEAD request: the headers of the GET, no body

  friend bool operator==(const Response&, const Response&) = default;
};

// The answer to one request:
//   GET /healthz  200 "ok" while lastcall runs
//   GET /readyz   200 while the child is ready (snapshot.ready), else 503 with the reason
//   GET /metrics  Prometheus text format 0.0.4
// HEAD is a GET without the body. Another path is 404; another method on a known path, 405.
[[nodiscard]] Response route(const Request& request, const Snapshot& snapshot);
// A plain-text response for an error status, such as 408 "request timeout".
[[nodiscard]] Response error_response(int status);
// The response as HTTP/1.1 bytes: status line, Content-Type, Content-Length, Cache-Control,
// Connection: close, then the body.
[[nodiscard]] std::string serialize(const Response& response);

// The snapshot in the Prometheus text exposition format 0.0.4: for each metric a # HELP and a
// # TYPE line, then its samples. Durations are seconds with millisecond precision. Every
// (phase, status) of lastcall_hook_runs_total and every state of lastcall_shutdown_state is
// always present, so that a rate or an alert never sees a series appear out of nowhere.
[[nodiscard]] std::string format_metrics(const Snapshot& snapshot);
// A label value with \, " and newline escaped, as the format requires.
[[nodiscard]] std::string escape_label(std::string_view value);

}  // namespace lastcall::http
