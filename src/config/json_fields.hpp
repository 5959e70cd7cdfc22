// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "config/diagnostics.hpp"
#include "core/duration.hpp"
#include "core/signal.hpp"

// Readers for one JSON value of the config file. Each returns the value, or nullopt after
// adding a problem at `path` to the diagnostics; none of them throws.
namespace lastcall::config {

// What to write instead, shared with the command line's messages.
inline constexpr std::string_view kDurationHint = "use 250ms, 1.5s, 2m, 1m30s or seconds";
inline constexpr std::string_view kSignalHint =
    "use a name such as SIGTERM or term, or a number such as 15";

// "object", "array", "string", "number", "boolean" or "null", for "expected X, got Y".
[[nodiscard]] std::string_view json_type_name(const nlohmann::json& value);

// "expected EXPECTED, got TYPE" at `path`.
void add_type_error(const nlohmann::json& value, const std::string& path, std::string_view expected,
                    Diagnostics& diagnostics);

// What a string-valued field holds, for "invalid WHAT \"text\" (HINT)".
struct ParsedKind {
  std::string_view what;  // "duration"
  std::string_view hint;  // what to write instead
};

// A string that `parse` turns into a value (parse returns an optional): a non-string is a
// type error naming `expected`, text that does not parse is "invalid WHAT ...".
template <class Parse>
[[nodiscard]] auto read_parsed(const nlohmann::json& value, const std::string& path, Diagnostics& diagnostics,
                               std::string_view expected, ParsedKind kind, Parse parse)
    -> decltype(parse(std::string_view{})) {
  if (!value.is_string()) {
    add_type_error(value, path, expected, diagnostics);
    return std::nullopt;
  }
  const auto& text = value.get_ref<const std::string&>();
  auto parsed = parse(text);
  if (!parsed) {
    diagnostics.add(path, "invalid " + std::string(kind.what) + " \"" + text + "\" (" + std::string(kind.hint) + ")");
  }
  return parsed;
}

// Adds an unknown-key problem for every member of `object` not in `known`.
void check_keys(const nlohmann::json& object, const std::string& path,
                std::span<const std::string_view> known, Diagnostics& diagnostics);

[[nodiscard]] bool expect_object(const nlohmann::json& value, const std::string& path,
                                 Diagnostics& diagnostics);
[[nodiscard]] bool expect_array(const nlohmann::json& value, const std::string& path,
                                Diagnostics& diagnostics);

[[nodiscard]] std::optional<std::string> read_string(const nlohmann::json& value,
                                                     const std::string& path,
                                                     Diagnostics& diagnostics);
// A string that must not be empty.
[[nodiscard]] std::optional<std::string> read_nonempty_string(const nlohmann::json& value,
                                                              const std::string& path,
                                                              Diagnostics& diagnostics);
[[nodiscard]] std::optional<core::Duration> read_duration(const nlohmann::json& value,
                                                          const std::string& path,
                                                          Diagnostics& diagnostics);
[[nodiscard]] std::optional<core::Signal> read_signal(const nlohmann::json& value,
                                                      const std::string& path,
                                                      Diagnostics& diagnostics);
// An integer within [min, max]; 1.0 is a number but not an integer.
[[nodiscard]] std::optional<int> read_int(const nlohmann::json& value, const std::string& path,
                                          int min, int max, Diagnostics& diagnostics);

}  // namespace lastcall::config
