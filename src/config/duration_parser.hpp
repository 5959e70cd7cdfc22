// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/duration.hpp"

namespace lastcall::config {

// The longest DURATION we accept: anything beyond a year is a typo, not a grace budget.
inline constexpr core::Duration kMaxDuration = std::chrono::hours(24 * 365);

// Parses a CONTRACT §1 DURATION: `250ms`, `1.5s`, `2m`, `1m30s`, `1h`, or a bare number of
// seconds (`24`, `0.5`). Units appear at most once each, largest first, and only the last
// part may have a fraction. The value must be whole milliseconds and at most kMaxDuration.
// Returns nullopt for anything else: empty, negative, trailing junk, overflow.
[[nodiscard]] std::optional<core::Duration> parse_duration(std::string_view text);

// The shortest text parse_duration reads back as the same value: "1.5s", "250ms", "2m",
// "1m30s", "1h", "0s".
[[nodiscard]] std::string format_duration(core::Duration duration);

}  // namespace lastcall::config
