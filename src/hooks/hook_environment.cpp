// SPDX-License-Identifier: MIT
#include "hooks/hook_environment.hpp"

#include <string_view>

#include "process/spawner.hpp"

namespace lastcall::hooks {
namespace {

// Sets NAME=value, replacing an entry of that name: with two, getenv(3) would see the first.
void set_variable(std::vector<std::string>& environment, std::string_view name, std::string_view value) {
  std::string entry;
  entry.reserve(name.size() + 1 + value.size());
  entry.append(name).append("=").append(value);
  for (auto& existing : environment) {
    if (existing.size() > name.size() && existing.compare(0, name.size(), name) == 0 &&
        existing[name.size()] == '=') {
      existing = std::move(entry);
      return;
    }
  }
  environment.push_back(std::move(entry));
}

}  // namespace

std::vector<std::string> hook_environment(const config::HookSpec& spec, core::Phase phase, const HookEnv& env,
                                          core::Duration deadline) {
  auto environment = process::current_environment();
  for (const auto& [name, value] : spec.env) set_variable(environment, name, value);
  set_variable(environment, "LASTCALL_PHASE", core::phase_name(phase));
  set_variable(environment, "LASTCALL_HOOK", spec.name);
  set_variable(environment, "LASTCALL_SIGNAL", env.trigger.name());
  set_variable(environment, "LASTCALL_CHILD_PID", env.child_pid > 0 ? std::to_string(env.child_pid) : "");
  set_variable(environment, "LASTCALL_DEADLINE_MS", std::to_string(deadline.count()));
  if (phase == core::Phase::PostStop) {
    const auto code = env.child_status ? std::to_string(env.child_status->shell_code()) : std::string();
    set_variable(environment, "LASTCALL_CHILD_EXIT_CODE", code);
  }
  return environment;
}

}  // namespace lastcall::hooks
