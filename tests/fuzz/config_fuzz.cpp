// SPDX-License-Identifier: MIT
// libFuzzer target: parse_config_text on any bytes, as if they were a config file. It never
// throws or crashes; an error is a usage error (exit 2) that names the file; a valid config
// resolves into Settings and prints as a --check plan.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config_file.hpp"
#include "config/plan.hpp"
#include "config/resolve.hpp"
#include "fuzz_check.hpp"

using namespace lastcall;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = config::parse_config_text(text, "fuzz.json");
  if (!file) {
    FUZZ_CHECK(file.error().exit_code == core::kExitUsage);
    FUZZ_CHECK(file.error().message.starts_with("config fuzz.json: "));
    return 0;
  }
  cli::Overrides overrides;
  overrides.command = {"true"};
  auto settings = config::resolve(overrides, *file, false);
  FUZZ_CHECK(settings.ok());
  FUZZ_CHECK(!config::plan_json(*settings).empty());
  return 0;
}
