// SPDX-License-Identifier: MIT
#include "config/host_binding.hpp"

#include <doctest/doctest.h>

using lastcall::config::bind_to_host;
using lastcall::config::HookSpec;
using lastcall::config::Settings;

namespace {

Settings with_cwds(std::initializer_list<std::optional<std::string>> cwds) {
  Settings settings;
  int i = 0;
  for (const auto& cwd : cwds) {
    HookSpec hook;
    hook.name = "h" + std::to_string(i++);
    hook.argv = {"true"};
    hook.cwd = cwd;
    settings.pre_stop.push_back(hook);
  }
  return settings;
}

}  // namespace

TEST_CASE("every hook gets an absolute cwd: lastcall's starting directory by default") {
  auto settings = with_cwds({std::nullopt, std::string("sub/dir"), std::string("/abs")});
  CHECK(bind_to_host(settings, "/srv/app").empty());
  CHECK(settings.pre_stop[0].cwd == "/srv/app");
  CHECK(settings.pre_stop[1].cwd == "/srv/app/sub/dir");
  CHECK(settings.pre_stop[2].cwd == "/abs");
  auto from_root = with_cwds({std::string("sub")});
  CHECK(bind_to_host(from_root, "/").empty());
  CHECK(from_root.pre_stop[0].cwd == "/sub");
}

TEST_CASE("user and group are looked up for the child and each hook; unknown ones are problems") {
  auto settings = with_cwds({std::nullopt, std::nullopt});
  settings.user = "root";
  settings.pre_stop[0].group = "0";
  settings.pre_stop[1].user = "lastcall-no-such-user";
  const auto problems = bind_to_host(settings, "/");
  REQUIRE(settings.credentials.has_value());
  CHECK(settings.credentials->uid == 0u);
  REQUIRE(settings.pre_stop[0].credentials.has_value());
  CHECK_FALSE(settings.pre_stop[0].credentials->uid.has_value());
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].starts_with("/hooks/pre_stop: hook h1: user \"lastcall-no-such-user\""));
}
