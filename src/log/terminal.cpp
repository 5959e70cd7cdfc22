// SPDX-License-Identifier: MIT
#include "log/terminal.hpp"

#include <sys/ioctl.h>

#include <string>


namespace lastcall::log {
namespace {

inline constexpr std::string_view kCut = "...";

// The length of the SGR sequence at text[i] ("\x1b[" digits and ';' then "m"), or 0.
std::size_t sgr_length(std::string_view text, std::size_t i) {
  if (text.compare(i, 2, "\x1b[") != 0) return 0;
  for (std::size_t k = i + 2; k < text.size(); ++k) {
    const char c = text[k];
    if (c == 'm') return k - i + 1;
    if ((c < '0' || c > '9') && c != ';') return 0;
  }
  return 0;
}

// The bytes of the character at text[i]: a UTF-8 lead byte and its continuation bytes.
std::size_t character_length(std::string_view text, std::size_t i) {
  std::size_t k = i + 1;
  if (static_cast<unsigned char>(text[i]) >= 0xC0) {
    while (k < text.size() && (static_cast<unsigned char>(text[k]) & 0xC0) == 0x80) ++k;
  }
  return k - i;
}

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\x7f'; }

}  // namespace

bool wants_colour(core::LogFormat format, bool is_tty, const char* no_color) {
  const bool no_color_set = no_color != nullptr && *no_color != '\0';
  return format == core::LogFormat::Text && is_tty && !no_color_set;
}

std::string_view level_style(core::LogLevel level) {
  switch (level) {
    case core::LogLevel::Debug: return kSgrDim;
    case core::LogLevel::Info: return "";
    case core::LogLevel::Warn: return kSgrYellow;
    case core::LogLevel::Error: return kSgrBoldRed;
  }
  return "";
}

void append_styled(std::string& out, std::string_view style, std::string_view text) {
  if (style.empty()) {
    out += text;
    return;
  }
  out += style;
  out += text;
  out += kSgrReset;
}

bool wants_live_status(core::LogFormat format, bool is_tty, const char* term) {
  const std::string_view name = term != nullptr ? term : "";
  return format == core::LogFormat::Text && is_tty && !name.empty() && name != "dumb";
}

std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (is_control(c)) c = '?';
  }
  return out;
}

std::optional<TerminalSize> terminal_size(int fd) {
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_row == 0 || size.ws_col == 0) return std::nullopt;
  return TerminalSize{.rows = size.ws_row, .columns = size.ws_col};
}

// DECSC and DECRC (ESC 7, ESC 8) save and restore the cursor; every VT100 descendant has them,
// where CSI s and CSI u are not universal.
std::string reserve_bottom_row(std::size_t rows) {
  return "\n\x1b" "7\x1b[1;" + std::to_string(rows - 1) + "r\x1b" "8\x1b[1A";
}

std::string draw_bottom_row(std::size_t rows, std::string_view text) {
  std::string out = "\x1b" "7\x1b[" + std::to_string(rows) + ";1H";
  out += text;
  out += "\x1b[K\x1b" "8";
  return out;
}

std::string release_bottom_row(std::size_t rows) {
  return "\x1b" "7\x1b[r\x1b[" + std::to_string(rows) + ";1H\x1b[2K\x1b" "8";
}

std::string fit_to_columns(std::string_view text, std::size_t columns) {
  std::string out;
  out.reserve(text.size());
  std::size_t shown = 0;
  bool styled = false;
  // Whether the rest from byte i, SGR sequences aside, fits in what is left of the row.
  const auto rest_fits = [&](std::size_t i) {
    std::size_t left = columns - shown;
    for (std::size_t k = i; k < text.size();) {
      if (const auto sgr = sgr_length(text, k)) {
        k += sgr;
        continue;
      }
      if (left == 0) return false;
      --left;
      k += character_length(text, k);
    }
    return true;
  };
  for (std::size_t i = 0; i < text.size();) {
    if (const auto sgr = sgr_length(text, i)) {
      out.append(text, i, sgr);
      styled = true;
      i += sgr;
      continue;
    }
    if (shown + kCut.size() >= columns && !rest_fits(i)) {
      out.append(kCut.substr(0, columns - shown));
      if (styled) out += kSgrReset;
      return out;
    }
    const auto len = character_length(text, i);
    if (is_control(text[i])) {
      out += '?';
    } else {
      out.append(text, i, len);
    }
    ++shown;
    i += len;
  }
  return out;
}

void StatusLine::show(std::string_view text) {
  if (!enabled_ || text.empty()) return;
  const auto size = terminal_size(fd_);
  // A single row left for the log would scroll every line out of sight at once.
  if (!size || size->rows < 3) return;
  std::string out;
  if (size_ != *size) {
    // A resize resets or misplaces the scrolling region (xterm resets it): keep the new
    // bottom row. What the old row showed may stay behind, once per resize.
    if (size_.rows != 0) out += "\x1b[r";
    out += reserve_bottom_row(size->rows);
    size_ = *size;
  }
  // One column short of the width: a character in the last column leaves some terminals
  // waiting to wrap, and the next character would scroll the screen.
  out += draw_bottom_row(size->rows, fit_to_columns(text, size->columns - 1));
  // Not a log line: one that cannot be drawn is not counted as dropped, the next replaces it.
  (void)writer_.write(out);
}

void StatusLine::clear() {
  if (size_.rows == 0) return;
  (void)writer_.write(release_bottom_row(size_.rows));
  size_ = {};
}

}  // namespace lastcall::log
