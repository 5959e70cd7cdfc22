// SPDX-License-Identifier: MIT
// libFuzzer target: parse_duration on any text. A DURATION that parses lies within
// 0..kMaxDuration, and format_duration writes it back as text that parses to the same value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/parse.hpp"
#include "fuzz_check.hpp"

using namespace lastcall;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto duration = config::parse_duration(text);
  if (!duration) return 0;
  FUZZ_CHECK(duration->count() >= 0 && *duration <= config::kMaxDuration);
  const auto again = config::parse_duration(core::format_duration(*duration));
  FUZZ_CHECK(again && *again == *duration);
  return 0;
}
