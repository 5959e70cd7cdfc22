// SPDX-License-Identifier: MIT
#include "log/colour.hpp"

namespace lastcall::log {

bool wants_colour(config::LogFormat format, bool is_tty, const char* no_color) {
  const bool no_color_set = no_color != nullptr && *no_color != '\0';
  return format == config::LogFormat::Text && is_tty && !no_color_set;
}

std::string_view level_style(config::LogLevel level) {
  switch (level) {
    case config::LogLevel::Debug: return kSgrDim;
    case config::LogLevel::Info: return "";
    case config::LogLevel::Warn: return kSgrYellow;
    case config::LogLevel::Error: return kSgrBoldRed;
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

}  // namespace lastcall::log
