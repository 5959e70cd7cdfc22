// SPDX-License-Identifier: MIT
// libFuzzer target: parse_signal on any text. A SIG that parses is a signal lastcall can
// name, and its name parses back to the same number.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/parse.hpp"
#include "fuzz_check.hpp"

using namespace lastcall;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto signal = config::parse_signal(text);
  if (!signal) return 0;
  FUZZ_CHECK(signal->number() >= 1 && signal->number() <= core::max_signal());
  const auto again = config::parse_signal(signal->name());
  FUZZ_CHECK(again && again->number() == signal->number());
  return 0;
}
