// SPDX-License-Identifier: MIT
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/signal.hpp"

namespace lastcall::config {

// What one JSON config file (CONTRACT §3) says, validated but not yet merged with the
// command line or the defaults: an empty optional means the key was absent. Hooks stay in
// file order; resolve() sorts them.
struct FileConfig {
  std::optional<core::Duration> grace;
  std::optional<core::Signal> stop_signal;
  std::optional<core::Duration> drain;
  std::optional<core::Duration> pre_stop_timeout;
  std::optional<core::Duration> post_stop_timeout;
  std::optional<ForwardMode> forward;
  std::optional<std::map<core::Signal, core::Signal>> rewrite;
  std::optional<std::vector<int>> success_exit_codes;
  std::optional<std::vector<HookSpec>> pre_stop;
  std::optional<std::vector<HookSpec>> post_stop;
  std::optional<ListenAddress> listen;
  std::optional<std::string> user;  // the child's
  std::optional<std::string> group;
};

// Reads and validates the file at `path`. An unreadable file is an error naming it and the
// system's reason; otherwise as parse_config_text.
[[nodiscard]] core::Result<FileConfig> load_config_file(const std::string& path);

// Validates config text, reporting every problem at once: one Error whose first line is a
// summary ("config /etc/x.json: 3 errors") and each further line one problem, named by its
// JSON pointer ("/hooks/pre_stop/0/timout: unknown key (did you mean "timeout"?)") or, for
// malformed JSON, its line and column.
[[nodiscard]] core::Result<FileConfig> parse_config_text(std::string_view text,
                                                         std::string_view source_name);

}  // namespace lastcall::config
