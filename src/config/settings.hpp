// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <csignal>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/credentials.hpp"
#include "core/duration.hpp"
#include "core/hook.hpp"
#include "core/log_level.hpp"
#include "core/signal.hpp"
#include "core/state.hpp"

namespace lastcall::config {

enum class ForwardMode { Group, Child };

inline constexpr std::array kForwardModes{ForwardMode::Group, ForwardMode::Child};
[[nodiscard]] constexpr std::string_view name(ForwardMode mode) { return mode == ForwardMode::Group ? "group" : "child"; }

// A numeric IPv4 or IPv6 address and a port: where the admin endpoint listens (`--listen`),
// or what a readiness check connects to.
struct Endpoint {
  std::string host{};  // "127.0.0.1" or "::1", without brackets
  int port = 0;      // 1..65535
  bool ipv6 = false;

  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// The readiness check of the workload (CONTRACT §3 "Readiness of the workload").
struct ReadyCheck {
  enum class Kind { Tcp, Http, Command };
  Kind kind = Kind::Tcp;
  Endpoint endpoint{};            // tcp and http
  std::string path = "/";         // http: the request target
  std::vector<std::string> argv{};  // command: {"/bin/sh", "-c", text} for a string
  // command: where it runs, lastcall's starting directory once bound to the host (lastcall
  // itself leaves it for "/"); nullopt: wherever lastcall is at the time.
  std::optional<std::string> cwd{};
  core::Duration interval = std::chrono::seconds(1);
  core::Duration timeout = std::chrono::seconds(1);
  std::optional<core::Duration> start_timeout{};  // nullopt: wait for the first pass forever
  std::string text{};  // as written, for messages and --check
};

// The one record of every setting (CONTRACT §1 and §3). Its initialisers are the defaults;
// the config file, the environment and the command line are applied onto it in that order
// (config/keys.hpp), and everything downstream reads it as it is.
struct Settings {
  std::vector<std::string> command;  // empty only with --check
  std::optional<std::string> config_path;
  core::Duration grace = std::chrono::seconds(24);
  std::optional<core::Signal> stop_signal;  // nullopt: the trigger signal, after rewrite
  core::Duration drain = std::chrono::seconds(0);
  std::optional<core::Duration> pre_stop_timeout;  // nullopt: half the grace, see pre_stop_cap()
  core::Duration post_stop_timeout = std::chrono::seconds(5);
  ForwardMode forward = ForwardMode::Group;
  std::map<core::Signal, core::Signal> rewrite;
  std::vector<core::Signal> triggers{core::Signal(SIGTERM), core::Signal(SIGINT), core::Signal(SIGQUIT)};
  std::vector<int> success_exit_codes;  // sorted, without repeats
  core::LogFormat log_format = core::LogFormat::Json;
  core::LogLevel log_level = core::LogLevel::Info;
  // In execution order once resolved: descending priority, config order within a priority.
  std::vector<core::HookSpec> pre_stop;
  std::vector<core::HookSpec> post_stop;
  std::optional<Endpoint> listen;  // nullopt: no admin endpoint
  std::optional<ReadyCheck> ready;  // nullopt: ready once the child is spawned
  bool exit_by_signal = false;  // die of the child's fatal signal instead of exiting 128+N
  bool insecure_config = false;  // as root, load a config others can change
  std::optional<std::string> user;  // the child's, as written; nullopt: lastcall's own
  std::optional<std::string> group;
  std::optional<core::Credentials> credentials;  // the child's, looked up
  bool check = false;

  [[nodiscard]] core::Duration pre_stop_cap() const { return pre_stop_timeout.value_or(grace / 2); }
  // The cap of a phase as it is known before a trigger: pre_stop's is its timeout, within what
  // the grace leaves after the drain; post_stop's is its own timeout.
  [[nodiscard]] core::Duration phase_cap(core::Phase phase) const {
    if (phase == core::Phase::PostStop) return post_stop_timeout;
    return std::min(pre_stop_cap(), std::max(grace - drain, core::Duration{0}));
  }
  [[nodiscard]] const std::vector<core::HookSpec>& hooks(core::Phase phase) const {
    return phase == core::Phase::PreStop ? pre_stop : post_stop;
  }
};

}  // namespace lastcall::config
