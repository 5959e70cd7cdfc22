// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "config/diagnostics.hpp"

namespace lastcall::config {

// Parses JSON text strictly. A syntax error is added to `diagnostics` with its line and
// column (1-based) and yields nullopt; a key repeated within one object, which JSON parsers
// silently resolve to the last one, is added at its JSON pointer and the last value is kept.
[[nodiscard]] std::optional<nlohmann::json> parse_json_text(std::string_view text,
                                                            Diagnostics& diagnostics);

}  // namespace lastcall::config
