// SPDX-License-Identifier: MIT
#include "config/plan.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "config/listen_parser.hpp"

namespace lastcall::config {
namespace {

// Keys in the order a person reads the plan, not sorted.
using Json = nlohmann::ordered_json;

// The command as the config file wrote it: a string for /bin/sh -c, or the argv itself.
Json written_command(const HookSpec& hook) {
  if (hook.via_shell && hook.argv.size() == 3) return hook.argv[2];
  return hook.argv;
}

Json optional_json(const std::optional<std::string>& text) { return text ? Json(*text) : Json(nullptr); }

// The ids a process is switched to before exec: what "user" and "group" were looked up as.
Json credentials_json(const std::optional<core::Credentials>& credentials) {
  if (!credentials) return nullptr;
  Json out;
  out["uid"] = credentials->uid ? Json(*credentials->uid) : Json(nullptr);
  out["gid"] = credentials->gid;
  out["groups"] = credentials->groups;
  return out;
}

Json hook_json(const Settings& settings, Phase phase, const HookSpec& hook) {
  Json out;
  out["name"] = hook.name;
  out["command"] = written_command(hook);
  out["argv"] = hook.argv;
  out["priority"] = hook.priority;
  out["timeout_ms"] = hook.timeout ? Json(hook.timeout->count()) : Json(nullptr);
  out["effective_timeout_ms"] = effective_timeout(settings, phase, hook).count();
  out["env"] = hook.env;
  out["cwd"] = hook.cwd ? Json(*hook.cwd) : Json(nullptr);
  out["user"] = optional_json(hook.user);
  out["group"] = optional_json(hook.group);
  out["credentials"] = credentials_json(hook.credentials);
  return out;
}

Json phase_json(const Settings& settings, Phase phase) {
  Json out = Json::array();
  const auto& hooks = phase == Phase::PreStop ? settings.pre_stop : settings.post_stop;
  for (const auto& hook : hooks) out.push_back(hook_json(settings, phase, hook));
  return out;
}

Json rewrite_json(const Settings& settings) {
  Json out = Json::object();
  for (const auto& [from, to] : settings.rewrite) out[from.name()] = to.name();
  return out;
}

}  // namespace

core::Duration phase_cap(const Settings& settings, Phase phase) {
  if (phase == Phase::PostStop) return settings.post_stop_timeout;
  const core::Duration left = std::max(settings.grace - settings.drain, core::Duration{0});
  return std::min(settings.pre_stop_timeout, left);
}

core::Duration effective_timeout(const Settings& settings, Phase phase, const HookSpec& hook) {
  const core::Duration cap = phase_cap(settings, phase);
  return hook.timeout ? std::min(*hook.timeout, cap) : cap;
}

std::string plan_json(const Settings& settings) {
  Json plan;
  plan["command"] = settings.command;
  plan["config"] = settings.config_path ? Json(*settings.config_path) : Json(nullptr);
  plan["grace_ms"] = settings.grace.count();
  plan["stop_signal"] = settings.stop_signal ? settings.stop_signal->name() : "trigger";
  plan["drain_ms"] = settings.drain.count();
  plan["pre_stop_timeout_ms"] = settings.pre_stop_timeout.count();
  plan["post_stop_timeout_ms"] = settings.post_stop_timeout.count();
  plan["forward"] = name(settings.forward);
  plan["rewrite"] = rewrite_json(settings);
  plan["success_exit_codes"] = settings.success_exit_codes;
  plan["log_format"] = name(settings.log_format);
  plan["log_level"] = name(settings.log_level);
  plan["listen"] = settings.listen ? Json(format_listen(*settings.listen)) : Json(nullptr);
  plan["exit_by_signal"] = settings.exit_by_signal;
  plan["user"] = optional_json(settings.user);
  plan["group"] = optional_json(settings.group);
  plan["credentials"] = credentials_json(settings.credentials);
  plan["hooks"]["pre_stop"] = phase_json(settings, Phase::PreStop);
  plan["hooks"]["post_stop"] = phase_json(settings, Phase::PostStop);
  return plan.dump(2) + "\n";
}

}  // namespace lastcall::config
