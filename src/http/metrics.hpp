// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

#include "http/snapshot.hpp"

namespace lastcall::http {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// The snapshot in the Prometheus text exposition format 0.0.4: for each metric a # HELP and a
// # TYPE line, then its samples. Durations are seconds with millisecond precision. Every
// (phase, status) of lastcall_hook_runs_total and every state of lastcall_shutdown_state is
// always present, so that a rate or an alert never sees a series appear out of nowhere.
[[nodiscard]] std::string format_metrics(const Snapshot& snapshot);

// A label value with \, " and newline escaped, as the format requires.
[[nodiscard]] std::string escape_label(std::string_view value);

}  // namespace lastcall::http
