// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>

#include "config/keys.hpp"
#include "core/error.hpp"

namespace lastcall::cli {

// The outcome of reading argv and the environment.
struct Parsed {
  std::optional<std::string> print;  // --help or --version: print this on stdout and exit 0
  config::Overrides overrides;
};

// Reads the CONTRACT §1 options (config::keys()) and COMMAND [ARG...] from argv, and each
// key's environment variable where argv does not give that key; an empty variable counts as
// unset. Options take their value as `--grace 5s`, `--grace=5s`, `-t 5s` or `-t5s`; a value
// option given twice keeps the last, a repeatable one keeps all. Nothing after `--` or after
// the first argument that is not an option is read as an option: it is the COMMAND and its
// arguments. Values stay text, for config/ to check. A malformed command line is an Error
// (exit 2) naming the option at fault.
//
// The parser is ours, driven by the same key table as the config file: a general command
// line library made most of lastcall's start-up time and a fifth of its size.
[[nodiscard]] core::Result<Parsed> parse(int argc, const char* const* argv);

// The --help text: usage, the sequence in brief, every option of the key table, the formats.
[[nodiscard]] std::string help_text();

}  // namespace lastcall::cli
