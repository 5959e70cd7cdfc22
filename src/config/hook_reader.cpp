// SPDX-License-Identifier: MIT
#include "config/hook_reader.hpp"

#include <algorithm>
#include <array>
#include <climits>

#include "config/json_fields.hpp"

namespace lastcall::config {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 8> kHookKeys{"name", "command", "timeout", "priority",
                                                    "env",  "cwd",     "user",    "group"};

}  // namespace

std::vector<HookSpec> HookReader::read_phase(const json& list, const std::string& path) {
  std::vector<HookSpec> hooks;
  if (!expect_array(list, path, diagnostics_)) return hooks;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string hook_path = pointer_child(path, i);
    if (!expect_object(list[i], hook_path, diagnostics_)) continue;
    hooks.push_back(read_hook(list[i], hook_path));
  }
  return hooks;
}

HookSpec HookReader::read_hook(const json& hook, const std::string& path) {
  HookSpec spec;
  check_keys(hook, path, kHookKeys, diagnostics_);
  read_name(hook, path, spec);
  read_command(hook, path, spec);
  read_options(hook, path, spec);
  return spec;
}

void HookReader::read_name(const json& hook, const std::string& path, HookSpec& spec) {
  if (!hook.contains("name")) {
    diagnostics_.add(path, "missing required key \"name\"");
    return;
  }
  const std::string name_path = pointer_child(path, "name");
  auto name = read_nonempty_string(hook["name"], name_path, diagnostics_);
  if (!name) return;
  // The name is printed in the text log and the live status line: a control character
  // (an escape above all) in it would act on the reader's terminal instead of being seen.
  const auto control = std::find_if(name->begin(), name->end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == '\x7f';
  });
  if (control != name->end()) {
    diagnostics_.add(name_path, "a hook name must not contain control characters");
    return;
  }
  const auto [earlier, inserted] = name_paths_.emplace(*name, name_path);
  if (!inserted) {
    diagnostics_.add(name_path,
                     "duplicate hook name \"" + *name + "\" (first used at " + earlier->second + ")");
  }
  spec.name = std::move(*name);
}

void HookReader::read_command(const json& hook, const std::string& path, HookSpec& spec) {
  if (!hook.contains("command")) {
    diagnostics_.add(path, "missing required key \"command\"");
    return;
  }
  const json& command = hook["command"];
  const std::string command_path = pointer_child(path, "command");
  if (command.is_string()) {
    auto text = read_nonempty_string(command, command_path, diagnostics_);
    if (text) spec.argv = {"/bin/sh", "-c", std::move(*text)};
    spec.via_shell = true;
    return;
  }
  if (!command.is_array()) {
    diagnostics_.add(command_path, "expected a string or an array of strings, got " +
                                       std::string(json_type_name(command)));
    return;
  }
  if (command.empty()) diagnostics_.add(command_path, "must not be an empty array");
  for (std::size_t i = 0; i < command.size(); ++i) {
    // Only the program must be non-empty; an empty argument is a legitimate argument.
    auto arg = i == 0 ? read_nonempty_string(command[i], pointer_child(command_path, i), diagnostics_)
                      : read_string(command[i], pointer_child(command_path, i), diagnostics_);
    if (arg) spec.argv.push_back(std::move(*arg));
  }
}

void HookReader::read_options(const json& hook, const std::string& path, HookSpec& spec) {
  if (hook.contains("timeout")) {
    const std::string timeout_path = pointer_child(path, "timeout");
    spec.timeout = read_duration(hook["timeout"], timeout_path, diagnostics_);
    // A hook killed the moment it starts is always a mistake; leaving timeout out already
    // means "what remains of the phase".
    if (spec.timeout && spec.timeout->count() == 0) {
      diagnostics_.add(timeout_path, "must be more than 0s (leave it out to give the hook what "
                                     "remains of its phase)");
    }
  }
  if (hook.contains("priority")) {
    auto priority = read_int(hook["priority"], pointer_child(path, "priority"), INT_MIN, INT_MAX,
                             diagnostics_);
    spec.priority = priority.value_or(0);
  }
  if (hook.contains("env")) read_env(hook["env"], pointer_child(path, "env"), spec);
  if (hook.contains("cwd")) {
    spec.cwd = read_nonempty_string(hook["cwd"], pointer_child(path, "cwd"), diagnostics_);
  }
  if (hook.contains("user")) {
    spec.user = read_nonempty_string(hook["user"], pointer_child(path, "user"), diagnostics_);
  }
  if (hook.contains("group")) {
    spec.group = read_nonempty_string(hook["group"], pointer_child(path, "group"), diagnostics_);
  }
}

void HookReader::read_env(const json& env, const std::string& path, HookSpec& spec) {
  if (!expect_object(env, path, diagnostics_)) return;
  for (const auto& [key, value] : env.items()) {
    const std::string var_path = pointer_child(path, key);
    // setenv(3) fails with EINVAL for such names.
    if (key.empty() || key.find('=') != std::string::npos) {
      diagnostics_.add(var_path, "an environment variable name must be non-empty, without '='");
      continue;
    }
    auto text = read_string(value, var_path, diagnostics_);
    if (text) spec.env.emplace(key, std::move(*text));
  }
}

}  // namespace lastcall::config
