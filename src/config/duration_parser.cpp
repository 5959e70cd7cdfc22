// SPDX-License-Identifier: MIT
#include "config/duration_parser.hpp"

#include <array>
#include <cstdint>

namespace lastcall::config {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t ms;
};

// Largest first: a compound duration lists its parts in this order. "ms" precedes "m" so
// that the longer suffix wins when both match.
constexpr std::array kUnits{Unit{"h", 3'600'000}, Unit{"ms", 1}, Unit{"m", 60'000},
                            Unit{"s", 1'000}};

constexpr int rank(std::int64_t unit_ms) {
  return unit_ms == 3'600'000 ? 0 : unit_ms == 60'000 ? 1 : unit_ms == 1'000 ? 2 : 3;
}

// One "<digits>[.<digits>]" number, as an exact fraction: whole + frac / scale.
struct Number {
  std::int64_t whole = 0;
  std::int64_t frac = 0;
  std::int64_t scale = 1;
};

constexpr std::int64_t kLimitMs = kMaxDuration.count();

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads digits from the front of text; false when there are none or they overflow.
bool read_digits(std::string_view& text, std::int64_t& value, std::int64_t& scale) {
  std::size_t i = 0;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    // Beyond the limit in any unit is an overflow; stop before the int64 does.
    if (value > kLimitMs || scale > kLimitMs) return false;
    value = value * 10 + (text[i] - '0');
    scale *= 10;
  }
  text.remove_prefix(i);
  return i > 0;
}

std::optional<Number> read_number(std::string_view& text) {
  Number number;
  std::int64_t ignored = 1;
  if (!read_digits(text, number.whole, ignored)) return std::nullopt;
  if (text.empty() || text.front() != '.') return number;
  text.remove_prefix(1);
  number.scale = 1;
  if (!read_digits(text, number.frac, number.scale)) return std::nullopt;
  return number;
}

const Unit* read_unit(std::string_view& text) {
  for (const auto& unit : kUnits) {
    if (text.starts_with(unit.suffix)) {
      text.remove_prefix(unit.suffix.size());
      return &unit;
    }
  }
  return nullptr;
}

// The number in milliseconds, or nullopt when it is not whole milliseconds or too large.
std::optional<std::int64_t> to_ms(const Number& number, std::int64_t unit_ms) {
  if (number.whole > kLimitMs / unit_ms) return std::nullopt;
  // scale > unit_ms means more decimals than milliseconds can hold; unless they are zeros,
  // the remainder check below rejects them.
  const std::int64_t frac_scaled = number.frac * unit_ms;
  if (frac_scaled % number.scale != 0) return std::nullopt;
  return number.whole * unit_ms + frac_scaled / number.scale;
}

}  // namespace

std::optional<core::Duration> parse_duration(std::string_view text) {
  std::int64_t total = 0;
  int last_rank = -1;
  bool had_fraction = false;
  while (!text.empty()) {
    if (had_fraction) return std::nullopt;  // only the last part may have a fraction
    auto number = read_number(text);
    if (!number) return std::nullopt;
    const Unit* unit = read_unit(text);
    // A bare number is seconds, but only on its own: "1m30" is a typo, not 1m30s.
    if (unit == nullptr && (last_rank >= 0 || !text.empty())) return std::nullopt;
    const std::int64_t unit_ms = unit != nullptr ? unit->ms : 1'000;
    if (rank(unit_ms) <= last_rank) return std::nullopt;
    last_rank = rank(unit_ms);
    had_fraction = number->scale > 1;
    auto part = to_ms(*number, unit_ms);
    if (!part || *part > kLimitMs - total) return std::nullopt;
    total += *part;
  }
  if (last_rank < 0) return std::nullopt;
  return core::Duration(total);
}

std::string format_duration(core::Duration duration) {
  std::int64_t ms = duration.count();
  if (ms == 0) return "0s";
  if (ms < 1'000) return std::to_string(ms) + "ms";
  std::string out;
  if (ms >= 3'600'000) out += std::to_string(ms / 3'600'000) + "h";
  ms %= 3'600'000;
  if (ms >= 60'000) out += std::to_string(ms / 60'000) + "m";
  ms %= 60'000;
  if (ms == 0) return out;
  out += std::to_string(ms / 1'000);
  if (ms % 1'000 != 0) {
    std::string frac = std::to_string(1'000 + ms % 1'000).substr(1);
    while (frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  return out + "s";
}

}  // namespace lastcall::config
