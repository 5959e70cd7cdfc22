// SPDX-License-Identifier: MIT
#include "config/plan.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "config/parse.hpp"

namespace lastcall::config {
namespace {

// Keys in the order a person reads the plan, not sorted.
using Json = nlohmann::ordered_json;

Json optional_json(const std::optional<std::string>& text) { return text ? Json(*text) : Json(nullptr); }

// The ids a process is switched to before exec: what "user" and "group" were looked up as.
Json credentials_json(const std::optional<core::Credentials>& credentials) {
  if (!credentials) return nullptr;
  return Json{{"uid", credentials->uid ? Json(*credentials->uid) : Json(nullptr)},
              {"gid", credentials->gid},
              {"groups", credentials->groups}};
}

Json hook_json(const Settings& settings, core::Phase phase, const core::HookSpec& hook) {
  const auto cap = settings.phase_cap(phase);
  // The command as the config file wrote it: a string for /bin/sh -c, or the argv itself.
  const Json command = hook.via_shell && hook.argv.size() == 3 ? Json(hook.argv[2]) : Json(hook.argv);
  return Json{{"name", hook.name},
              {"command", command},
              {"argv", hook.argv},
              {"priority", hook.priority},
              {"timeout_ms", hook.timeout ? Json(hook.timeout->count()) : Json(nullptr)},
              {"effective_timeout_ms", (hook.timeout ? std::min(*hook.timeout, cap) : cap).count()},
              {"env", hook.env},
              {"cwd", optional_json(hook.cwd)},
              {"user", optional_json(hook.user)},
              {"group", optional_json(hook.group)},
              {"credentials", credentials_json(hook.credentials)}};
}

Json phase_json(const Settings& settings, core::Phase phase) {
  Json out = Json::array();
  for (const auto& hook : settings.hooks(phase)) out.push_back(hook_json(settings, phase, hook));
  return out;
}

Json ready_json(const std::optional<ReadyCheck>& ready) {
  if (!ready) return nullptr;
  static constexpr const char* kKinds[] = {"tcp", "http", "command"};
  return Json{{"kind", kKinds[static_cast<int>(ready->kind)]},
              {"check", ready->text},
              {"interval_ms", ready->interval.count()},
              {"timeout_ms", ready->timeout.count()},
              {"start_timeout_ms", ready->start_timeout ? Json(ready->start_timeout->count()) : Json(nullptr)}};
}

}  // namespace

std::string plan_json(const Settings& settings) {
  Json plan;
  plan["command"] = settings.command;
  plan["config"] = optional_json(settings.config_path);
  plan["grace_ms"] = settings.grace.count();
  plan["stop_signal"] = settings.stop_signal ? settings.stop_signal->name() : "trigger";
  plan["drain_ms"] = settings.drain.count();
  plan["pre_stop_timeout_ms"] = settings.pre_stop_cap().count();
  plan["post_stop_timeout_ms"] = settings.post_stop_timeout.count();
  plan["forward"] = name(settings.forward);
  Json rewrite = Json::object();
  for (const auto& [from, to] : settings.rewrite) rewrite[from.name()] = to.name();
  plan["rewrite"] = rewrite;
  Json triggers = Json::array();
  for (const auto signal : settings.triggers) triggers.push_back(signal.name());
  plan["triggers"] = triggers;
  plan["success_exit_codes"] = settings.success_exit_codes;
  plan["log_format"] = name(settings.log_format);
  plan["log_level"] = name(settings.log_level);
  plan["listen"] = settings.listen ? Json(format_endpoint(*settings.listen)) : Json(nullptr);
  plan["ready"] = ready_json(settings.ready);
  plan["exit_by_signal"] = settings.exit_by_signal;
  plan["user"] = optional_json(settings.user);
  plan["group"] = optional_json(settings.group);
  plan["credentials"] = credentials_json(settings.credentials);
  plan["hooks"]["pre_stop"] = phase_json(settings, core::Phase::PreStop);
  plan["hooks"]["post_stop"] = phase_json(settings, core::Phase::PostStop);
  return plan.dump(2) + "\n";
}

}  // namespace lastcall::config
