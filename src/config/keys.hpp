// SPDX-License-Identifier: MIT
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"

namespace lastcall::config {

// One setting that the command line, the environment or the config file gives as text: its
// names in each (empty where it has none), its help, and the one function that applies a
// value of it onto the Settings. The table of them (keys()) is the only place a setting is
// named; the command line, the environment and the config file all go through it.
struct Key {
  // One value; a list, "A,B" on the command line and an array in the file, replaced whole; a
  // value given again to add to the others; a flag without a value.
  enum class Arity { One, List, Repeat, Flag };
  std::string_view flags;    // "-t,--grace" for CLI11, or "" when only the file sets it
  std::string_view env;      // "LASTCALL_GRACE", or ""
  std::string_view pointer;  // "/grace" in the config file, or ""
  std::string_view type;     // "DURATION", as the help shows the value
  std::string_view help;
  Arity arity = Arity::One;
  // Applies `text` (one value; "" for a flag) onto `settings`. Returns the problem in words,
  // without naming where the value came from, or "" when it is fine.
  std::string (*apply)(Settings& settings, std::string_view text) = nullptr;

  // "--grace" (the long flag), else the env name, else the pointer: for messages.
  [[nodiscard]] std::string_view origin() const;
};

// Every key, in the order the help lists them.
[[nodiscard]] std::span<const Key> keys();
// The key with this long flag ("--grace"), env name or pointer; nullptr when none has it.
[[nodiscard]] const Key* find_key(std::string_view name);

// A value given on the command line or in the environment, still text.
struct Override {
  const Key* key = nullptr;
  std::string value;
  std::string origin;  // "--grace" or "LASTCALL_GRACE": the name an error gives
};

// What the command line and the environment say: one override per value (the command line's
// when both give one), and the COMMAND.
struct Overrides {
  std::vector<Override> values;
  std::vector<std::string> command;
};

}  // namespace lastcall::config
