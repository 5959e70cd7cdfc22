// SPDX-License-Identifier: MIT
#include "config/resolve.hpp"

#include <unistd.h>

#include <algorithm>

#include "config/config_file.hpp"
#include "config/host.hpp"
#include "config/trust.hpp"

namespace lastcall::config {
namespace {

core::Error joined(const std::vector<std::string>& problems) {
  std::string message;
  for (const auto& problem : problems) message += (message.empty() ? "" : "\n") + problem;
  return core::Error{.message = std::move(message), .exit_code = core::kExitUsage};
}

// Applies the overrides whose key `pick` selects, collecting their problems.
template <class Pick>
void apply_overrides(const Overrides& overrides, Settings& settings, std::vector<std::string>& problems, Pick pick) {
  for (const auto& value : overrides.values) {
    if (!pick(*value.key)) continue;
    if (auto problem = value.key->apply(settings, value.value); !problem.empty()) {
      problems.push_back(value.origin + ": " + problem);
    }
  }
}

// What the layers leave for the end: the order of hooks and of success codes, and what a
// run needs at least.
void finish(Settings& settings, std::vector<std::string>& problems) {
  for (auto* hooks : {&settings.pre_stop, &settings.post_stop}) {
    std::stable_sort(hooks->begin(), hooks->end(), [](const auto& a, const auto& b) { return a.priority > b.priority; });
  }
  auto& codes = settings.success_exit_codes;
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  if (settings.command.empty() && !settings.check) {
    problems.push_back("no COMMAND given; usage: lastcall [OPTIONS] [--] COMMAND [ARG...]");
  }
}

// Keys that say where the config file is and whether to trust it: applied before the file.
bool is_file_key(const Key& key) { return key.env == "LASTCALL_CONFIG" || key.flags == "--insecure-config"; }

}  // namespace

core::Result<Settings> resolve_layers(const Overrides& overrides, const FileSource& source, bool stderr_is_tty) {
  Settings settings;
  settings.log_format = core::default_log_format(stderr_is_tty);
  settings.command = overrides.command;
  std::vector<std::string> problems;
  apply_overrides(overrides, settings, problems, is_file_key);
  if (settings.config_path && problems.empty()) {
    auto text = source(*settings.config_path, settings.insecure_config);
    Diagnostics diagnostics;
    if (text) apply_config_text(*text, settings, diagnostics);
    if (!text) problems.push_back(text.error().message);
    if (!diagnostics.empty()) problems.push_back(diagnostics.to_error(*settings.config_path).message);
  }
  apply_overrides(overrides, settings, problems, [](const Key& key) { return !is_file_key(key); });
  finish(settings, problems);
  if (!problems.empty()) return joined(problems);
  return settings;
}

core::Result<Settings> resolve(const Overrides& overrides, bool stderr_is_tty) {
  const auto read = [](const std::string& path, bool insecure) -> core::Result<std::string> {
    if (auto distrust = insecure ? std::nullopt : check_config_trust(path, geteuid())) return *distrust;
    return read_config_file(path);
  };
  auto settings = resolve_layers(overrides, read, stderr_is_tty);
  if (!settings) return settings;
  if (const auto problems = bind_to_host(*settings, current_directory()); !problems.empty()) return joined(problems);
  return settings;
}

}  // namespace lastcall::config
