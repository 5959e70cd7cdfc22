// SPDX-License-Identifier: MIT
#include "http/metrics.hpp"

#include <cstdint>

#include "core/state.hpp"

namespace lastcall::http {
namespace {


// "1.234": whole milliseconds as seconds, exactly.
std::string seconds(std::int64_t ms) {
  const char* sign = ms < 0 ? "-" : "";
  const std::int64_t magnitude = ms < 0 ? -ms : ms;
  std::string fraction = std::to_string(magnitude % 1000);
  fraction.insert(0, 3 - fraction.size(), '0');
  std::string out(sign);
  out.append(std::to_string(magnitude / 1000)).append(".").append(fraction);
  return out;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// name{k1="v1",k2="v2"} value
void sample(std::string& out, std::string_view name,
            std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
            std::string_view value) {
  out.append(name);
  if (labels.size() > 0) {
    out += '{';
    bool first = true;
    for (const auto& [key, label] : labels) {
      if (!first) out += ',';
      first = false;
      out.append(key).append("=\"").append(escape_label(label)).append("\"");
    }
    out += '}';
  }
  out.append(" ").append(value).append("\n");
}

void signal_counters(std::string& out, const Snapshot& s) {
  header(out, "lastcall_signals_received_total", "counter", "Signals lastcall received, by signal.");
  for (const auto& [name, n] : s.signals_received) {
    sample(out, "lastcall_signals_received_total", {{"signal", name}}, std::to_string(n));
  }
  header(out, "lastcall_signals_relayed_total", "counter",
         "Signals relayed to the child, by the signal sent (after rewrite).");
  for (const auto& [name, n] : s.signals_relayed) {
    sample(out, "lastcall_signals_relayed_total", {{"signal", name}}, std::to_string(n));
  }
  header(out, "lastcall_zombies_reaped_total", "counter", "Adopted orphan processes reaped.");
  sample(out, "lastcall_zombies_reaped_total", {}, std::to_string(s.zombies_reaped));
}

void hook_metrics(std::string& out, const Snapshot& s) {
  header(out, "lastcall_hook_runs_total", "counter", "Hooks that finished or were skipped, by phase and status.");
  for (const auto phase_id : {core::Phase::PreStop, core::Phase::PostStop}) {
    for (const auto status_id : core::kAllHookStatuses) {
      const auto phase = core::phase_name(phase_id);
      const auto status = core::status_name(status_id);
      const auto it = s.hook_runs.find({std::string(phase), std::string(status)});
      const std::uint64_t n = it == s.hook_runs.end() ? 0 : it->second;
      sample(out, "lastcall_hook_runs_total", {{"phase", phase}, {"status", status}}, std::to_string(n));
    }
  }
  header(out, "lastcall_hook_duration_seconds", "gauge", "How long the last run of each hook took.");
  for (const auto& [key, duration] : s.hook_durations) {
    sample(out, "lastcall_hook_duration_seconds", {{"phase", key.first}, {"hook", key.second}},
           seconds(duration.count()));
  }
}

void state_metrics(std::string& out, const Snapshot& s) {
  header(out, "lastcall_phase_duration_seconds", "gauge", "How long each state of the shutdown took, once it ended.");
  for (const auto& [phase, duration] : s.phase_durations) {
    sample(out, "lastcall_phase_duration_seconds", {{"phase", phase}}, seconds(duration.count()));
  }
  header(out, "lastcall_shutdown_state", "gauge", "The state of the sequence: 1 for the current one, 0 for the others.");
  for (auto state : core::kAllStates) {
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
  const auto since_epoch = std::chrono::duration_cast<core::Duration>(s.started.time_since_epoch());
  sample(out, "lastcall_start_time_seconds", {}, seconds(since_epoch.count()));
}

}  // namespace

std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_metrics(const Snapshot& snapshot) {
  std::string out;
  signal_counters(out, snapshot);
  hook_metrics(out, snapshot);
  state_metrics(out, snapshot);
  return out;
}

}  // namespace lastcall::http
