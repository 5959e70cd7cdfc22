// SPDX-License-Identifier: MIT
#include "config/plan.hpp"

#include <csignal>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "config/parse.hpp"

using lastcall::config::plan_json;
using lastcall::config::Settings;
using lastcall::core::HookSpec;
using lastcall::core::LogFormat;
using lastcall::core::Phase;
using lastcall::core::Signal;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

Settings example() {
  Settings settings;
  settings.command = {"nginx", "-g", "daemon off;"};
  settings.config_path = "/etc/lastcall.json";
  settings.grace = milliseconds(20'000);
  settings.drain = milliseconds(4'000);
  settings.pre_stop_timeout = milliseconds(30'000);
  settings.post_stop_timeout = milliseconds(3'000);
  settings.rewrite = {{Signal(SIGHUP), Signal(SIGUSR1)}};
  settings.success_exit_codes = {0, 143};
  settings.log_format = LogFormat::Text;
  HookSpec flush{.name = "flush",
                 .argv = {"/bin/sh", "-c", "redis-cli save"},
                 .via_shell = true,
                 .timeout = milliseconds(5'000),
                 .priority = 10,
                 .env = {{"A", "1"}},
                 .cwd = "/srv"};
  HookSpec wait;
  wait.name = "wait";
  wait.argv = {"sleep", "1"};
  HookSpec unlock;
  unlock.name = "unlock";
  unlock.argv = {"rm", "-f", "/run/app.lock"};
  unlock.timeout = milliseconds(9'000);
  settings.pre_stop = {flush, wait};
  settings.post_stop = {unlock};
  return settings;
}

}  // namespace

TEST_CASE("the pre_stop cap is min(pre_stop_timeout, grace - drain); post_stop's is post_stop_timeout") {
  Settings settings = example();
  CHECK(settings.phase_cap(Phase::PreStop) == milliseconds(16'000));
  CHECK(settings.phase_cap(Phase::PostStop) == milliseconds(3'000));
  settings.pre_stop_timeout = milliseconds(10'000);
  CHECK(settings.phase_cap(Phase::PreStop) == milliseconds(10'000));
  SUBCASE("a drain longer than grace leaves nothing for pre_stop") {
    settings.drain = milliseconds(25'000);
    CHECK(settings.phase_cap(Phase::PreStop) == milliseconds(0));
  }
  SUBCASE("without pre_stop_timeout, half the grace") {
    settings.pre_stop_timeout.reset();
    settings.drain = milliseconds(0);
    CHECK(settings.phase_cap(Phase::PreStop) == milliseconds(10'000));
  }
}

TEST_CASE("a hook's effective timeout is its timeout capped by its phase, or the cap") {
  const json plan = json::parse(plan_json(example()));
  CHECK(plan.at("hooks").at("pre_stop").at(0).at("effective_timeout_ms") == 5'000);
  CHECK(plan.at("hooks").at("pre_stop").at(1).at("effective_timeout_ms") == 16'000);
  CHECK(plan.at("hooks").at("post_stop").at(0).at("effective_timeout_ms") == 3'000);
}

TEST_CASE("--check prints the resolved plan as JSON") {
  const std::string text = plan_json(example());
  CHECK(text.ends_with("}\n"));
  CHECK(text.find("\n  \"grace_ms\": 20000,") != std::string::npos);  // indented by 2
  const json plan = json::parse(text);

  SUBCASE("durations are integers in milliseconds") {
    CHECK(plan.at("grace_ms") == 20'000);
    CHECK(plan.at("drain_ms") == 4'000);
    CHECK(plan.at("pre_stop_timeout_ms") == 30'000);
    CHECK(plan.at("post_stop_timeout_ms") == 3'000);
  }
  SUBCASE("the rest of the settings") {
    CHECK(plan.at("command") == json({"nginx", "-g", "daemon off;"}));
    CHECK(plan.at("config") == "/etc/lastcall.json");
    CHECK(plan.at("stop_signal") == "trigger");
    CHECK(plan.at("forward") == "group");
    CHECK(plan.at("rewrite") == json({{"SIGHUP", "SIGUSR1"}}));
    CHECK(plan.at("triggers") == json({"SIGTERM", "SIGINT", "SIGQUIT"}));
    CHECK(plan.at("success_exit_codes") == json({0, 143}));
    CHECK(plan.at("log_format") == "text");
    CHECK(plan.at("log_level") == "info");
  }
  SUBCASE("hooks in execution order, with command as written and argv") {
    const json& pre = plan.at("hooks").at("pre_stop");
    REQUIRE(pre.size() == 2);
    CHECK(pre[0].at("name") == "flush");
    CHECK(pre[0].at("command") == "redis-cli save");
    CHECK(pre[0].at("argv") == json({"/bin/sh", "-c", "redis-cli save"}));
    CHECK(pre[0].at("priority") == 10);
    CHECK(pre[0].at("timeout_ms") == 5'000);
    CHECK(pre[0].at("effective_timeout_ms") == 5'000);
    CHECK(pre[0].at("env") == json({{"A", "1"}}));
    CHECK(pre[0].at("cwd") == "/srv");
    CHECK(pre[1].at("name") == "wait");
    CHECK(pre[1].at("command") == json({"sleep", "1"}));
    CHECK(pre[1].at("timeout_ms").is_null());
    CHECK(pre[1].at("effective_timeout_ms") == 16'000);
    CHECK(pre[1].at("env") == json::object());
    CHECK(pre[1].at("cwd").is_null());
    const json& post = plan.at("hooks").at("post_stop");
    REQUIRE(post.size() == 1);
    CHECK(post[0].at("timeout_ms") == 9'000);
    CHECK(post[0].at("effective_timeout_ms") == 3'000);
  }
}

TEST_CASE("the plan names an explicit stop signal and a missing config as null") {
  Settings settings;
  settings.check = true;
  settings.stop_signal = Signal(SIGQUIT);
  const json plan = json::parse(plan_json(settings));
  CHECK(plan.at("stop_signal") == "SIGQUIT");
  CHECK(plan.at("config").is_null());
  CHECK(plan.at("command") == json::array());
  CHECK(plan.at("rewrite") == json::object());
  CHECK(plan.at("hooks").at("pre_stop") == json::array());
  CHECK(plan.at("ready").is_null());
}

TEST_CASE("the plan shows the admin endpoint's address, or null, and exit_by_signal") {
  Settings settings = example();
  CHECK(json::parse(plan_json(settings)).at("listen").is_null());
  CHECK(json::parse(plan_json(settings)).at("exit_by_signal") == false);
  settings.listen = lastcall::config::Endpoint{.host = "::1", .port = 9000, .ipv6 = true};
  settings.exit_by_signal = true;
  CHECK(json::parse(plan_json(settings)).at("listen") == "[::1]:9000");
  CHECK(json::parse(plan_json(settings)).at("exit_by_signal") == true);
}

TEST_CASE("the plan shows the readiness check as written, with its timings in milliseconds") {
  Settings settings = example();
  settings.ready = lastcall::config::ready_from_text("http://127.0.0.1:8080/healthz");
  REQUIRE(settings.ready);
  settings.ready->start_timeout = milliseconds(30'000);
  const json ready = json::parse(plan_json(settings)).at("ready");
  CHECK(ready.at("kind") == "http");
  CHECK(ready.at("check") == "http://127.0.0.1:8080/healthz");
  CHECK(ready.at("interval_ms") == 1'000);
  CHECK(ready.at("timeout_ms") == 1'000);
  CHECK(ready.at("start_timeout_ms") == 30'000);
  settings.ready = lastcall::config::ready_from_text("exec:true");
  CHECK(json::parse(plan_json(settings)).at("ready").at("kind") == "command");
  CHECK(json::parse(plan_json(settings)).at("ready").at("start_timeout_ms").is_null());
}
