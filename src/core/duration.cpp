// SPDX-License-Identifier: MIT
#include "core/duration.hpp"

namespace lastcall::core {

std::string format_duration(Duration duration) {
  std::int64_t ms = duration.count();
  if (ms == 0) return "0s";
  if (ms < 1'000) return std::to_string(ms) + "ms";
  std::string out;
  if (ms >= 3'600'000) out += std::to_string(ms / 3'600'000) + "h";
  ms %= 3'600'000;
  if (ms >= 60'000) out += std::to_string(ms / 60'000) + "m";
  ms %= 60'000;
  if (ms == 0) return out;
  out += std::to_string(ms / 1'000);
  if (ms % 1'000 != 0) {
    std::string frac = std::to_string(1'000 + ms % 1'000).substr(1);
    while (frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  return out + "s";
}

}  // namespace lastcall::core
