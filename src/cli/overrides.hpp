// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lastcall::cli {

// Where a raw value came from, so an error can name it ("--grace" or "LASTCALL_GRACE").
struct Raw {
  std::string value;
  std::string origin;  // "--grace", "LASTCALL_GRACE", ...
};

// What the command line and the environment say, still unparsed. An empty optional means
// "not given": the config file or the default decides.
struct Overrides {
  std::optional<Raw> config;
  std::optional<Raw> grace;
  std::optional<Raw> stop_signal;
  std::optional<Raw> drain;
  std::optional<Raw> forward;
  std::vector<Raw> rewrite;       // each "FROM:TO"
  std::vector<Raw> success_exit;  // each a code
  std::optional<Raw> log_format;
  std::optional<Raw> log_level;
  std::optional<Raw> listen;  // "ADDR:PORT"
  // Set by --exit-by-signal, or by INVOCATION_ID (systemd runs us as a service); the value
  // is unused, the origin says which.
  std::optional<Raw> exit_by_signal;
  bool insecure_config = false;  // --insecure-config: load a config file that others can change
  bool check = false;
  std::vector<std::string> command;
};

}  // namespace lastcall::cli
