// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/credentials.hpp"
#include "core/duration.hpp"
#include "core/phase.hpp"
#include "core/signal.hpp"

namespace lastcall::config {

enum class ForwardMode { Group, Child };
enum class LogFormat { Text, Json };
enum class LogLevel { Debug, Info, Warn, Error };
using Phase = core::Phase;

// Every value of each, in the order help texts list them; named once, below.
inline constexpr std::array kForwardModes{ForwardMode::Group, ForwardMode::Child};
inline constexpr std::array kLogFormats{LogFormat::Text, LogFormat::Json};
inline constexpr std::array kLogLevels{LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error};

// The contract's word for each value, as the CLI, the config file, --check and the log use it.
[[nodiscard]] constexpr std::string_view name(ForwardMode mode) {
  return mode == ForwardMode::Group ? "group" : "child";
}
[[nodiscard]] constexpr std::string_view name(LogFormat format) {
  return format == LogFormat::Text ? "text" : "json";
}
[[nodiscard]] constexpr std::string_view name(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
  }
  return "info";
}

// The value of `all` whose name is `text`, or nullopt.
template <class Enum, std::size_t N>
[[nodiscard]] constexpr std::optional<Enum> by_name(const std::array<Enum, N>& all, std::string_view text) {
  for (const Enum value : all) {
    if (name(value) == text) return value;
  }
  return std::nullopt;
}

// `--log-format`'s default: text for a person at a terminal, JSON for everything else.
[[nodiscard]] constexpr LogFormat default_log_format(bool stderr_is_tty) {
  return stderr_is_tty ? LogFormat::Text : LogFormat::Json;
}

// Defaults of CONTRACT §1 and §3 for what neither the command line, the environment nor the
// config file sets. pre_stop_timeout has none of its own: it is half the resolved grace.
inline constexpr core::Duration kDefaultGrace{24'000};
inline constexpr core::Duration kDefaultDrain{0};
inline constexpr core::Duration kDefaultPostStopTimeout{5'000};

// One hook of CONTRACT §4, resolved: the command as an argv ready for exec.
struct HookSpec {
  std::string name;
  std::vector<std::string> argv;  // {"/bin/sh", "-c", text} for a string command
  bool via_shell = false;         // true when the config gave a string
  std::optional<core::Duration> timeout;  // nullopt: what remains of its phase
  int priority = 0;
  std::map<std::string, std::string> env;
  std::optional<std::string> cwd;  // absolute once resolved: lastcall's starting directory by default
  std::optional<std::string> user{};  // as written; nullopt: lastcall's own
  std::optional<std::string> group{};
  std::optional<core::Credentials> credentials{};  // user and group looked up; nullopt: lastcall's own
};

// Where the admin endpoint listens (`--listen`): a numeric IPv4 or IPv6 address and a port.
struct ListenAddress {
  std::string host;  // "127.0.0.1" or "::1", without brackets
  int port = 0;      // 1..65535
  bool ipv6 = false;

  friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

// The fully resolved configuration: command line > environment > config file > defaults.
// Every field is final; nothing downstream applies a default of its own.
struct Settings {
  std::vector<std::string> command;  // empty only with --check
  std::optional<std::string> config_path;
  core::Duration grace{kDefaultGrace};
  std::optional<core::Signal> stop_signal;  // nullopt: the trigger signal
  core::Duration drain{kDefaultDrain};
  core::Duration pre_stop_timeout{kDefaultGrace / 2};  // default: half the grace
  core::Duration post_stop_timeout{kDefaultPostStopTimeout};
  ForwardMode forward = ForwardMode::Group;
  std::map<core::Signal, core::Signal> rewrite;
  std::vector<int> success_exit_codes;
  LogFormat log_format = LogFormat::Json;
  LogLevel log_level = LogLevel::Info;
  // In execution order: descending priority, config order within a priority.
  std::vector<HookSpec> pre_stop;
  std::vector<HookSpec> post_stop;
  std::optional<ListenAddress> listen;  // nullopt: no admin endpoint
  bool exit_by_signal = false;  // re-raise the child's fatal signal instead of exiting 128+N
  std::optional<std::string> user;  // the child's, as written; nullopt: lastcall's own
  std::optional<std::string> group;
  std::optional<core::Credentials> credentials;  // the child's, looked up
  bool check = false;
};

}  // namespace lastcall::config
