// SPDX-License-Identifier: MIT
#include "http/routes.hpp"

#include <cstdint>
#include <initializer_list>
#include <utility>

namespace lastcall::http {
namespace {

using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

Response text_response(int status, std::string body) { return Response{.status = status, .body = std::move(body)}; }

Response readiness(const Snapshot& snapshot) {
  if (snapshot.ready) return text_response(200, "ready\n");
  const std::string why = !snapshot.child_running                 ? "the child has exited"
                          : snapshot.state != core::State::Running ? std::string(core::state_name(snapshot.state))
                                                                   : "the child is not ready";
  return text_response(503, "not ready: " + why + "\n");
}

// "1.234": whole milliseconds as seconds, exactly.
std::string seconds(std::int64_t ms) {
  const std::int64_t magnitude = ms < 0 ? -ms : ms;
  std::string fraction = std::to_string(magnitude % 1000);
  return (ms < 0 ? "-" : "") + std::to_string(magnitude / 1000) + "." + std::string(3 - fraction.size(), '0') + fraction;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" ");
  out.append(type).append("\n");
}

// name{k1="v1",k2="v2"} value
void sample(std::string& out, std::string_view name, Labels labels, std::string_view value) {
  out.append(name);
  const char* separator = "{";
  for (const auto& [key, label] : labels) {
    out.append(separator).append(key).append("=\"").append(escape_label(label)).append("\"");
    separator = ",";
  }
  out.append(labels.size() > 0 ? "} " : " ").append(value).append("\n");
}

template <class Map>
void counters(std::string& out, std::string_view name, std::string_view help, std::string_view label, const Map& values) {
  header(out, name, "counter", help);
  for (const auto& [key, n] : values) sample(out, name, {{label, key}}, std::to_string(n));
}

void hook_metrics(std::string& out, const Snapshot& s) {
  header(out, "lastcall_hook_runs_total", "counter", "Hooks that finished or were skipped, by phase and status.");
  for (const auto phase : {core::Phase::PreStop, core::Phase::PostStop}) {
    for (const auto status : core::kAllHookStatuses) {
      const auto it = s.hook_runs.find({std::string(core::phase_name(phase)), std::string(core::status_name(status))});
      sample(out, "lastcall_hook_runs_total", {{"phase", core::phase_name(phase)}, {"status", core::status_name(status)}},
             std::to_string(it == s.hook_runs.end() ? 0 : it->second));
    }
  }
  header(out, "lastcall_hook_duration_seconds", "gauge", "How long the last run of each hook took.");
  for (const auto& [key, duration] : s.hook_durations) {
    sample(out, "lastcall_hook_duration_seconds", {{"phase", key.first}, {"hook", key.second}}, seconds(duration.count()));
  }
}

void state_metrics(std::string& out, const Snapshot& s) {
  header(out, "lastcall_phase_duration_seconds", "gauge", "How long each state of the shutdown took, once it ended.");
  for (const auto& [phase, duration] : s.phase_durations) {
    sample(out, "lastcall_phase_duration_seconds", {{"phase", phase}}, seconds(duration.count()));
  }
  header(out, "lastcall_shutdown_state", "gauge", "The state of the sequence: 1 for the current one, 0 for the others.");
  for (const auto state : core::kAllStates) {
    sample(out, "lastcall_shutdown_state", {{"state", core::state_name(state)}}, state == s.state ? "1" : "0");
  }
  header(out, "lastcall_ready", "gauge", "1 while the child is ready (its last check passed, no trigger), else 0.");
  sample(out, "lastcall_ready", {}, s.ready ? "1" : "0");
  if (s.ready_after) {
    header(out, "lastcall_ready_seconds", "gauge", "From the spawn of the child to its first passed readiness check.");
    sample(out, "lastcall_ready_seconds", {}, seconds(s.ready_after->count()));
  }
  header(out, "lastcall_child_restarts_total", "counter", "Restarts of the child; lastcall never restarts it.");
  sample(out, "lastcall_child_restarts_total", {}, "0");
  header(out, "lastcall_start_time_seconds", "gauge", "When lastcall started, in seconds since the Unix epoch.");
  sample(out, "lastcall_start_time_seconds", {},
         seconds(std::chrono::duration_cast<core::Duration>(s.started.time_since_epoch()).count()));
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
  auto response = path == "/healthz" ? text_response(200, "ok\n")
                  : path == "/readyz" ? readiness(snapshot)
                                      : Response{.content_type = std::string(kMetricsContentType), .body = format_metrics(snapshot)};
  response.head_only = request.method == "HEAD";
  return response;
}

Response error_response(int status) {
  std::string text = reason_phrase(status);
  for (auto& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return text_response(status, text + "\n");
}

std::string serialize(const Response& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason_phrase(r.status) + "\r\n";
  out += "Content-Type: " + r.content_type + "\r\nContent-Length: " + std::to_string(r.body.size()) + "\r\n";
  if (!r.allow.empty()) out += "Allow: " + r.allow + "\r\n";
  // Probes must see the state of now, never a cached one.
  out += "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
  if (!r.head_only) out += r.body;
  return out;
}

std::string format_metrics(const Snapshot& s) {
  std::string out;
  counters(out, "lastcall_signals_received_total", "Signals lastcall received, by signal.", "signal", s.signals_received);
  counters(out, "lastcall_signals_relayed_total", "Signals relayed to the child, by the signal sent (after rewrite).",
           "signal", s.signals_relayed);
  header(out, "lastcall_zombies_reaped_total", "counter", "Adopted orphan processes reaped.");
  sample(out, "lastcall_zombies_reaped_total", {}, std::to_string(s.zombies_reaped));
  hook_metrics(out, s);
  state_metrics(out, s);
  return out;
}

std::string escape_label(std::string_view value) {
  std::string out;
  for (const char c : value) out += c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\n" : std::string(1, c);
  return out;
}

}  // namespace lastcall::http
