// SPDX-License-Identifier: MIT
// libFuzzer target: the command line. The input is split at NUL bytes into argv; parsing it
// never throws or crashes, and whatever it yields resolves into Settings or a usage error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "config/resolve.hpp"
#include "fuzz_check.hpp"

using namespace lastcall;

namespace {

std::vector<std::string> split_args(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args{"lastcall"};
  std::string current;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == '\0') {
      args.push_back(std::move(current));
      current.clear();
    } else {
      current += static_cast<char>(data[i]);
    }
  }
  args.push_back(std::move(current));
  return args;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto args = split_args(data, size);
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  argv.push_back(nullptr);
  auto parsed = cli::parse(static_cast<int>(args.size()), argv.data());
  if (!parsed) {
    FUZZ_CHECK(parsed.error().exit_code == core::kExitUsage);
    return 0;
  }
  if (parsed->print) return 0;  // --help or --version
  // The layers alone: a --config FILE from fuzzed bytes is never opened.
  const auto no_file = [](const std::string&, bool) -> core::Result<std::string> { return std::string("{}"); };
  auto settings = config::resolve_layers(parsed->overrides, no_file, false);
  if (!settings) FUZZ_CHECK(settings.error().exit_code == core::kExitUsage);
  return 0;
}
