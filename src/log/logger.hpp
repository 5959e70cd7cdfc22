// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

#include <span>

#include "core/log_level.hpp"
#include "log/log_writer.hpp"

namespace lastcall::log {

using Level = core::LogLevel;
using Format = core::LogFormat;

// One field of an event: a key and a string, integer or boolean value.
struct Field {
  using Value = std::variant<std::string_view, std::int64_t, bool>;
  std::string_view key;
  Value value;

  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  template <class Int>
    requires(std::is_integral_v<Int> && !std::is_same_v<Int, bool>)
  Field(std::string_view k, Int v) : key(k), value(static_cast<std::int64_t>(v)) {}
};

using Fields = std::initializer_list<Field>;

// Writes lastcall's own log, one line per contract event, to a file descriptor (stderr).
// It owns the formatting of time and of both formats; it never throws and never exits.
// A line that cannot be written (stderr closed, EPIPE, a full pipe nobody reads; see
// LogWriter) is dropped and counted: the log must not stop the sequence. The next line that
// can be written is preceded by one log_dropped event with the count. It lives for the whole
// run and is shared by reference.
class Logger {
 public:
  Logger(Format format, Level level, int fd = 2, core::Duration stall_budget = kStallBudget);

  void event(Level level, std::string_view event, std::string_view msg, std::span<const Field> fields);
  void event(Level level, std::string_view ev, std::string_view msg, Fields f = {}) {
    event(level, ev, msg, std::span(f.begin(), f.size()));
  }
  void debug(std::string_view ev, std::string_view msg, Fields f = {}) { event(Level::Debug, ev, msg, f); }
  void info(std::string_view ev, std::string_view msg, Fields f = {}) { event(Level::Info, ev, msg, f); }
  void warn(std::string_view ev, std::string_view msg, Fields f = {}) { event(Level::Warn, ev, msg, f); }
  void error(std::string_view ev, std::string_view msg, Fields f = {}) { event(Level::Error, ev, msg, f); }

  // A free-form block for people (the text summary); written only in text format.
  void text_block(std::string_view block);

  // True when the text log is coloured, for other text drawn on the same terminal.
  [[nodiscard]] bool is_coloured() const { return colour_; }
  [[nodiscard]] Format format() const { return format_; }
  // Where the log goes, for a view that draws on the same terminal (log::StatusLine).
  [[nodiscard]] LogWriter& writer() { return writer_; }

  [[nodiscard]] bool enabled(Level level) const { return level >= level_; }

  // Builds one line without writing it: exposed so the formats can be tested.
  [[nodiscard]] std::string format_line(Level level, std::string_view event, std::string_view msg,
                                        std::span<const Field> fields) const;

 private:
  void write_all(std::string_view bytes);
  [[nodiscard]] bool report_dropped();

  Format format_;
  Level level_;
  bool colour_;  // text on a terminal without NO_COLOR: the level and event name are coloured
  LogWriter writer_;
  std::int64_t dropped_lines_ = 0;  // since the last log_dropped event
};

// RFC 3339 UTC with milliseconds, e.g. "2026-12-01T06:58:29.123Z".
[[nodiscard]] std::string rfc3339_now();
// Appends `text` as a JSON string literal (quoted, escaped; invalid UTF-8 bytes become U+FFFD).
void append_json_string(std::string& out, std::string_view text);

}  // namespace lastcall::log
