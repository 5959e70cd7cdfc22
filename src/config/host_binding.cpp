// SPDX-License-Identifier: MIT
#include "config/host_binding.hpp"

#include <unistd.h>

#include <climits>

#include "config/credentials_lookup.hpp"

namespace lastcall::config {
namespace {

std::string anchored(const std::optional<std::string>& cwd, const std::string& start_dir) {
  if (!cwd) return start_dir;
  if (cwd->starts_with('/')) return *cwd;
  return (start_dir == "/" ? "" : start_dir) + "/" + *cwd;
}

void bind_hooks(std::vector<HookSpec>& hooks, Phase phase, const std::string& start_dir,
                std::vector<std::string>& problems) {
  for (auto& hook : hooks) {
    hook.cwd = anchored(hook.cwd, start_dir);
    if (!hook.user && !hook.group) continue;
    const std::string what = "/hooks/" + std::string(core::phase_name(phase)) + ": hook " + hook.name;
    auto found = lookup_credentials(hook.user, hook.group, what);
    if (found) {
      hook.credentials = std::move(*found);
    } else {
      problems.push_back(found.error().message);
    }
  }
}

}  // namespace

std::vector<std::string> bind_to_host(Settings& settings, const std::string& start_dir) {
  std::vector<std::string> problems;
  if (settings.user || settings.group) {
    auto found = lookup_credentials(settings.user, settings.group, "the child");
    if (found) {
      settings.credentials = std::move(*found);
    } else {
      problems.push_back(found.error().message);
    }
  }
  bind_hooks(settings.pre_stop, Phase::PreStop, start_dir, problems);
  bind_hooks(settings.post_stop, Phase::PostStop, start_dir, problems);
  return problems;
}

std::string current_directory() {
  char buf[PATH_MAX];
  if (getcwd(buf, sizeof buf) == nullptr) return "/";
  return buf;
}

}  // namespace lastcall::config
