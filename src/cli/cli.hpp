// SPDX-License-Identifier: MIT
#pragma once

#include <optional>

#include "config/keys.hpp"
#include "core/error.hpp"

namespace lastcall::cli {

// The outcome of reading argv and the environment.
struct Parsed {
  std::optional<int> exit_now;  // set for --help and --version: the text is already on stdout
  config::Overrides overrides;
};

// Reads the CONTRACT §1 options (config::keys()) and COMMAND [ARG...] from argv, and each
// key's environment variable where argv does not give that key; an empty variable counts as
// unset. Nothing after `--` or after the first non-option argument is read as an option: it
// is the COMMAND and its arguments. Values stay text, for config/ to check. A malformed
// command line is an Error (exit 2) naming the option at fault.
[[nodiscard]] core::Result<Parsed> parse(int argc, const char* const* argv);

}  // namespace lastcall::cli
