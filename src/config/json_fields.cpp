// SPDX-License-Identifier: MIT
#include "config/json_fields.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>

#include "config/duration_parser.hpp"
#include "config/signal_parser.hpp"

namespace lastcall::config {

using nlohmann::json;

std::string_view json_type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::null:
      return "null";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "number";
    default:
      return "value";
  }
}

void add_type_error(const json& value, const std::string& path, std::string_view expected,
                    Diagnostics& diagnostics) {
  diagnostics.add(path, "expected " + std::string(expected) + ", got " +
                            std::string(json_type_name(value)));
}

void check_keys(const json& object, const std::string& path,
                std::span<const std::string_view> known, Diagnostics& diagnostics) {
  for (const auto& [key, member] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      diagnostics.add_unknown_key(path, key, known);
    }
  }
}

bool expect_object(const json& value, const std::string& path, Diagnostics& diagnostics) {
  if (value.is_object()) return true;
  add_type_error(value, path, "an object", diagnostics);
  return false;
}

bool expect_array(const json& value, const std::string& path, Diagnostics& diagnostics) {
  if (value.is_array()) return true;
  add_type_error(value, path, "an array", diagnostics);
  return false;
}

std::optional<std::string> read_string(const json& value, const std::string& path,
                                       Diagnostics& diagnostics) {
  if (value.is_string()) return value.get<std::string>();
  add_type_error(value, path, "a string", diagnostics);
  return std::nullopt;
}

std::optional<std::string> read_nonempty_string(const json& value, const std::string& path,
                                                Diagnostics& diagnostics) {
  auto text = read_string(value, path, diagnostics);
  if (text && text->empty()) {
    diagnostics.add(path, "must not be empty");
    return std::nullopt;
  }
  return text;
}

std::optional<core::Duration> read_duration(const json& value, const std::string& path,
                                            Diagnostics& diagnostics) {
  return read_parsed(value, path, diagnostics, "a duration string such as \"24s\"",
                     {.what = "duration", .hint = kDurationHint}, parse_duration);
}

std::optional<core::Signal> read_signal(const json& value, const std::string& path,
                                        Diagnostics& diagnostics) {
  return read_parsed(value, path, diagnostics, "a signal name such as \"SIGTERM\"",
                     {.what = "signal", .hint = kSignalHint}, parse_signal);
}

std::optional<int> read_int(const json& value, const std::string& path, int min, int max,
                            Diagnostics& diagnostics) {
  // A range as wide as int says nothing a person needs to read.
  const bool any_int = min == INT_MIN && max == INT_MAX;
  const std::string expected =
      any_int ? "an integer" : "an integer " + std::to_string(min) + ".." + std::to_string(max);
  if (!value.is_number_integer()) {
    add_type_error(value, path, expected, diagnostics);
    return std::nullopt;
  }
  // number_unsigned holds values past INT64_MAX, which are out of any int range anyway.
  const bool too_big = value.is_number_unsigned() &&
                       value.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX);
  const auto number = too_big ? std::int64_t{0} : value.get<std::int64_t>();
  const bool in_range = !too_big && number >= min && number <= max;
  if (!in_range) {
    diagnostics.add(path, "expected " + expected + ", got " + value.dump());
    return std::nullopt;
  }
  return static_cast<int>(number);
}

}  // namespace lastcall::config
