// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

#include "core/log_level.hpp"

namespace lastcall::log {

// The colours of the text log on a terminal, as ECMA-48 SGR sequences: the level word
// (debug dim, info plain, warn yellow, error bold red) and the event name (bold). Pure
// functions; the Logger decides once, at construction, whether to use them.

inline constexpr std::string_view kSgrReset = "\x1b[0m";
inline constexpr std::string_view kSgrBold = "\x1b[1m";
inline constexpr std::string_view kSgrDim = "\x1b[2m";
inline constexpr std::string_view kSgrYellow = "\x1b[33m";
inline constexpr std::string_view kSgrBoldRed = "\x1b[1;31m";

// True when the log should be coloured: text format, stderr a terminal, and NO_COLOR unset
// or empty (https://no-color.org: "when present and not an empty string"). `no_color` is
// getenv("NO_COLOR"), nullptr when unset. JSON is never coloured.
[[nodiscard]] bool wants_colour(core::LogFormat format, bool is_tty, const char* no_color);

// The SGR sequence for a level, or "" for one shown plain (info).
[[nodiscard]] std::string_view level_style(core::LogLevel level);

// Appends `text` wrapped in `style` and a reset, or `text` alone when style is "".
void append_styled(std::string& out, std::string_view style, std::string_view text);

}  // namespace lastcall::log
