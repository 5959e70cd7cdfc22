// SPDX-License-Identifier: MIT
#pragma once

#include <map>
#include <optional>
#include <string>
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
  core::Duration grace{24'000};
  std::optional<core::Signal> stop_signal;  // nullopt: the trigger signal
  core::Duration drain{0};
  core::Duration pre_stop_timeout{12'000};  // default: half the grace
  core::Duration post_stop_timeout{5'000};
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
