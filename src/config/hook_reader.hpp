// SPDX-License-Identifier: MIT
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/diagnostics.hpp"
#include "config/settings.hpp"

namespace lastcall::config {

// Reads the hook lists of one config file (CONTRACT §4), in file order. It remembers every
// name it has read, across both phases: hook_output events carry only the hook's name, so a
// name must identify one hook. It lives for one config file.
class HookReader {
 public:
  explicit HookReader(Diagnostics& diagnostics) : diagnostics_(diagnostics) {}

  // `list` is the value of /hooks/pre_stop or /hooks/post_stop, at `path`.
  [[nodiscard]] std::vector<HookSpec> read_phase(const nlohmann::json& list,
                                                 const std::string& path);

 private:
  [[nodiscard]] HookSpec read_hook(const nlohmann::json& hook, const std::string& path);
  void read_name(const nlohmann::json& hook, const std::string& path, HookSpec& spec);
  void read_command(const nlohmann::json& hook, const std::string& path, HookSpec& spec);
  void read_options(const nlohmann::json& hook, const std::string& path, HookSpec& spec);
  void read_env(const nlohmann::json& env, const std::string& path, HookSpec& spec);

  Diagnostics& diagnostics_;
  std::map<std::string, std::string> name_paths_;  // hook name -> JSON pointer of its name
};

}  // namespace lastcall::config
