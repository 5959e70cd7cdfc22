// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/log_level.hpp"
#include "log/log_writer.hpp"

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

// What the live status line needs from a terminal: whether to draw one, the terminal's size,
// and the ECMA-48 / VT100 controls that keep the bottom row for it. The row is kept out of
// the scrolling region (DECSTBM), so the log, and whatever the child prints on the same
// terminal, scroll above it and never run into it. Pure functions, apart from the size.

struct TerminalSize {
  std::size_t rows = 0;
  std::size_t columns = 0;
  bool operator==(const TerminalSize&) const = default;
};

// True when the log can hold a live status line: text format, stderr a terminal, and a TERM
// that moves the cursor. `term` is getenv("TERM"): unset, empty or "dumb" (Emacs' shell
// buffers, some CI consoles) means a terminal that prints control sequences as they are.
[[nodiscard]] bool wants_live_status(core::LogFormat format, bool is_tty, const char* term);

// The size of the terminal on `fd` (TIOCGWINSZ, see ioctl_tty(2)), or nullopt when it does
// not say (a serial console, a pty nobody has sized): then no row can be kept.
[[nodiscard]] std::optional<TerminalSize> terminal_size(int fd);

// Keeps the bottom row of a terminal `rows` high: a new line first, so that the row the cursor
// is on is not the one taken away, then the scrolling region set to the rows above it
// (which moves the cursor home, hence the save and restore around it), then back up to
// where the cursor was.
[[nodiscard]] std::string reserve_bottom_row(std::size_t rows);
// Draws `text` (already fitted) in the kept bottom row, leaving the cursor where it was.
[[nodiscard]] std::string draw_bottom_row(std::size_t rows, std::string_view text);
// Gives the bottom row back: the whole screen scrolls again, and the row is erased.
[[nodiscard]] std::string release_bottom_row(std::size_t rows);

// `text` with every control byte (below 0x20, and 0x7f) shown as "?": for a piece of text
// that did not come from lastcall, before it is styled and fitted.
[[nodiscard]] std::string printable(std::string_view text);

// `text` cut to at most `columns` characters on screen, so that it never wraps out of the
// kept row. SGR sequences ("\x1b[...m") are
// kept and take no room; every other byte below 0x20 is shown as "?"; a UTF-8 sequence is
// one character (a double-width character is counted as one, an accepted overdraw). A cut
// text ends in "..." and, when it was styled, a reset.
[[nodiscard]] std::string fit_to_columns(std::string_view text, std::size_t columns);

// The live status line of a terminal: one line of text in the terminal's bottom row, which
// it keeps out of the scrolling region from the first show() on, so that the log, and
// whatever the child prints on the same terminal, scroll above it and never run into it. It
// writes through the log's writer, so its bytes and the log's never interleave. Where the
// terminal cannot hold a line (see wants_live_status) it draws nothing. It gives the row
// back at clear() and when destroyed.
class StatusLine {
 public:
  StatusLine(LogWriter& writer, int fd, bool enabled) : writer_(writer), fd_(fd), enabled_(enabled) {}
  ~StatusLine() { clear(); }
  StatusLine(const StatusLine&) = delete;
  StatusLine& operator=(const StatusLine&) = delete;

  [[nodiscard]] bool enabled() const { return enabled_; }
  // Draws `text`, cut to the terminal's width; an empty text changes nothing.
  void show(std::string_view text);
  // Gives the bottom row back to the log and erases it.
  void clear();

 private:
  LogWriter& writer_;
  int fd_;
  bool enabled_;
  TerminalSize size_;  // the size the bottom row was kept for; rows 0 when none is
};

}  // namespace lastcall::log
