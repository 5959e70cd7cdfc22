// SPDX-License-Identifier: MIT
#include "log/logger.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <ctime>

#include "core/events.hpp"
#include "log/terminal.hpp"

namespace lastcall::log {
namespace {

void append_int(std::string& out, std::int64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  (void)ec;  // 24 bytes always hold an int64
  out.append(buf, end);
}

void append_json_value(std::string& out, const Field::Value& value) {
  if (const auto* s = std::get_if<std::string_view>(&value)) {
    append_json_string(out, *s);
  } else if (const auto* i = std::get_if<std::int64_t>(&value)) {
    append_int(out, *i);
  } else {
    out += std::get<bool>(value) ? "true" : "false";
  }
}

void append_text_value(std::string& out, const Field::Value& value) {
  if (const auto* s = std::get_if<std::string_view>(&value)) {
    // Quoted, JSON-style, when it holds a separator or any control byte: an escape in a hook's
    // output line must reach a terminal as text, not act on it.
    const bool plain = !s->empty() && std::none_of(s->begin(), s->end(), [](char c) {
      return c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20 || c == '\x7f';
    });
    if (plain) {
      out += *s;
    } else {
      append_json_string(out, *s);
    }
  } else {
    append_json_value(out, value);
  }
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is invalid.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  const std::size_t len = lead < 0xC2 ? 0 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF5 ? 4 : 0;
  if (len == 0 || i + len > text.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 0;
  }
  // The second byte's range rules out overlong forms, UTF-16 surrogates and code points
  // above U+10FFFF (RFC 3629 section 4).
  const auto second = static_cast<unsigned char>(text[i + 1]);
  if (lead == 0xE0 && second < 0xA0) return 0;
  if (lead == 0xED && second > 0x9F) return 0;
  if (lead == 0xF0 && second < 0x90) return 0;
  if (lead == 0xF4 && second > 0x8F) return 0;
  return len;
}

}  // namespace

std::string rfc3339_now() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  // The calendar from <chrono>'s arithmetic rather than gmtime_r and strftime: those two bring
  // glibc's time zone file reader and strftime's locale tables, 32 KB of the static binary.
  using namespace std::chrono;
  const sys_seconds time{seconds{now.tv_sec}};
  const sys_days day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss clock{time - day};
  std::string out(sizeof "YYYY-MM-DDTHH:MM:SS.mmmZ" - 1, '0');
  const auto put = [&out](std::size_t at, std::size_t width, long long value) {
    for (std::size_t i = at + width; i-- > at; value /= 10) out[i] = static_cast<char>('0' + value % 10);
  };
  put(0, 4, static_cast<int>(date.year()));
  put(5, 2, static_cast<unsigned>(date.month()));
  put(8, 2, static_cast<unsigned>(date.day()));
  put(11, 2, clock.hours().count());
  put(14, 2, clock.minutes().count());
  put(17, 2, clock.seconds().count());
  put(20, 3, now.tv_nsec / 1'000'000);
  out[4] = out[7] = '-';
  out[10] = 'T';
  out[13] = out[16] = ':';
  out[19] = '.';
  out[23] = 'Z';
  return out;
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (const auto len = utf8_sequence_length(text, i); len != 0) {
      out.append(text.substr(i, len));
      i += len - 1;
    } else {
      out += "\\ufffd";  // a hook may print binary: keep every line valid JSON
    }
  }
  out += '"';
}

Logger::Logger(Format format, Level level, int fd, core::Duration stall_budget)
    : format_(format),
      level_(level),
      colour_(wants_colour(format, isatty(fd) == 1, std::getenv("NO_COLOR"))),
      writer_(fd, stall_budget) {}

std::string Logger::format_line(Level level, std::string_view event, std::string_view msg,
                                std::span<const Field> fields) const {
  std::string line;
  line.reserve(128 + msg.size());
  const std::string ts = rfc3339_now();
  if (format_ == Format::Json) {
    line += "{\"ts\":\"";
    line += ts;
    line += "\",\"level\":\"";
    line += core::name(level);
    line += "\",\"event\":\"";
    line += event;
    line += "\",\"msg\":";
    append_json_string(line, msg);
    for (const auto& field : fields) {
      line += ",\"";
      line += field.key;
      line += "\":";
      append_json_value(line, field.value);
    }
    line += "}\n";
    return line;
  }
  // Text: the time of day, the level, then the message; the fields follow for grepping.
  line += "lastcall ";
  line.append(ts, 11, 12);
  line += ' ';
  append_styled(line, colour_ ? level_style(level) : "", core::name(level));
  line.append(6 - core::name(level).size(), ' ');
  line += msg;
  if (!fields.empty()) {
    line += "  [";
    append_styled(line, colour_ ? kSgrBold : "", event);
    for (const auto& field : fields) {
      line += ' ';
      line += field.key;
      line += '=';
      append_text_value(line, field.value);
    }
    line += ']';
  }
  line += '\n';
  return line;
}

void Logger::event(Level level, std::string_view event, std::string_view msg, std::span<const Field> fields) {
  if (!enabled(level)) return;
  write_all(format_line(level, event, msg, fields));
}

void Logger::text_block(std::string_view block) {
  if (format_ == Format::Text) write_all(block);
}

void Logger::write_all(std::string_view bytes) {
  if (dropped_lines_ > 0 && !report_dropped()) {
    ++dropped_lines_;
    return;
  }
  if (!writer_.write(bytes)) ++dropped_lines_;
}

bool Logger::report_dropped() {
  const Field count[] = {{"lines", dropped_lines_}};
  const std::string line = format_line(Level::Warn, core::event::kLogDropped,
                                       "dropped " + std::to_string(dropped_lines_) + " log lines: stderr was closed or full",
                                       count);
  if (!writer_.write(line)) return false;
  dropped_lines_ = 0;
  return true;
}

}  // namespace lastcall::log
