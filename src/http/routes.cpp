// SPDX-License-Identifier: MIT
#include "http/routes.hpp"

#include "http/metrics.hpp"

namespace lastcall::http {
namespace {

Response readiness(const Snapshot& snapshot) {
  if (snapshot.ready) return text_response(200, "ready\n");
  const std::string why = !snapshot.child_running                 ? "the child has exited"
                          : snapshot.state != core::State::Running ? std::string(core::state_name(snapshot.state))
                                                                   : "the child is not ready";
  return text_response(503, "not ready: " + why + "\n");
}

Response get(const std::string& path, const Snapshot& snapshot) {
  if (path == "/healthz") return text_response(200, "ok\n");
  if (path == "/readyz") return readiness(snapshot);
  auto metrics = text_response(200, format_metrics(snapshot));
  metrics.content_type = kMetricsContentType;
  return metrics;
}

}  // namespace

Response route(const Request& request, const Snapshot& snapshot) {
  const auto& path = request.path;
  if (path != "/healthz" && path != "/readyz" && path != "/metrics") return error_response(404);
  if (request.method != "GET" && request.method != "HEAD") {
    auto response = error_response(405);
    response.allow = "GET, HEAD";
    return response;
  }
  auto response = get(path, snapshot);
  response.head_only = request.method == "HEAD";
  return response;
}

}  // namespace lastcall::http
