// SPDX-License-Identifier: MIT
// libFuzzer target: the config file layer on any bytes, as if they were a config file. It never
// throws or crashes; an error is a usage error (exit 2) that names the file; a valid config
// resolves into Settings and prints as a --check plan.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/plan.hpp"
#include "config/resolve.hpp"
#include "fuzz_check.hpp"

using namespace lastcall;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  config::Overrides overrides;
  overrides.command = {"true"};
  overrides.values.push_back({config::find_key("--config"), "fuzz.json", "--config"});
  const auto source = [&text](const std::string&, bool) -> core::Result<std::string> { return text; };
  auto settings = config::resolve_layers(overrides, source, false);
  if (!settings) {
    FUZZ_CHECK(settings.error().exit_code == core::kExitUsage);
    FUZZ_CHECK(settings.error().message.starts_with("config fuzz.json: "));
    return 0;
  }
  FUZZ_CHECK(!config::plan_json(*settings).empty());
  return 0;
}
