// SPDX-License-Identifier: MIT
#include "log/colour.hpp"

namespace lastcall::log {

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

}  // namespace lastcall::log
