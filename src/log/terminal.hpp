// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "config/settings.hpp"

namespace lastcall::log {

// What the live status line needs from a terminal: whether to draw one, how wide it may be,
// and the ECMA-48 controls that draw and erase it. Pure functions, apart from the width.

// Back to the start of the row, then erase it to its end: what removes the status line
// before a log line takes its row.
inline constexpr std::string_view kEraseRow = "\r\x1b[K";
// Erase from the cursor to the end of the row: what follows a redrawn status line, so that a
// shorter one leaves nothing of a longer one behind.
inline constexpr std::string_view kEraseToEnd = "\x1b[K";

// True when the log can hold a live status line: text format, stderr a terminal, and a TERM
// that moves the cursor. `term` is getenv("TERM"): unset, empty or "dumb" (Emacs' shell
// buffers, some CI consoles) means a terminal that prints "\r" and "\x1b[K" as they are.
[[nodiscard]] bool wants_live_status(config::LogFormat format, bool is_tty, const char* term);

// The width of the terminal on `fd` (TIOCGWINSZ, see ioctl_tty(2)), or 80 when it does not
// say, as under a serial console or a pty nobody has sized.
[[nodiscard]] std::size_t terminal_columns(int fd);

// `text` cut to at most `columns` characters on screen, so that it never wraps: a wrapped
// line would leave its first row behind when it is erased. SGR sequences ("\x1b[...m") are
// kept and take no room; every other byte below 0x20 is shown as "?"; a UTF-8 sequence is
// one character (a double-width character is counted as one, an accepted overdraw). A cut
// text ends in "..." and, when it was styled, a reset.
[[nodiscard]] std::string fit_to_columns(std::string_view text, std::size_t columns);

}  // namespace lastcall::log
