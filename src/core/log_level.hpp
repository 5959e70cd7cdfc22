// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <string_view>

namespace lastcall::core {

// The formats and levels of lastcall's own log (CONTRACT §1 `--log-format`, `--log-level`):
// the settings choose them, the log writes by them.
enum class LogFormat { Text, Json };
enum class LogLevel { Debug, Info, Warn, Error };

inline constexpr std::array kLogFormats{LogFormat::Text, LogFormat::Json};
inline constexpr std::array kLogLevels{LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error};

[[nodiscard]] constexpr std::string_view name(LogFormat format) { return format == LogFormat::Text ? "text" : "json"; }

[[nodiscard]] constexpr std::string_view name(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
  }
  return "info";
}

// `--log-format`'s default: text for a person at a terminal, JSON for everything else.
[[nodiscard]] constexpr LogFormat default_log_format(bool stderr_is_tty) {
  return stderr_is_tty ? LogFormat::Text : LogFormat::Json;
}

}  // namespace lastcall::core
