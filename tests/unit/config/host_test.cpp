// SPDX-License-Identifier: MIT
#include "config/host.hpp"

#include <unistd.h>

#include <algorithm>

#include <doctest/doctest.h>

using lastcall::config::bind_to_host;
using lastcall::config::lookup_credentials;
using lastcall::config::Settings;
using lastcall::core::HookSpec;

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

TEST_CASE("a user is looked up by name or number, with its primary and supplementary groups") {
  for (const char* user : {"root", "0"}) {
    auto found = lookup_credentials(std::string(user), std::nullopt, "test");
    REQUIRE(found.ok());
    CHECK(found->user == user);
    CHECK(found->uid == 0u);
    CHECK(found->gid == 0u);
    CHECK(std::find(found->groups.begin(), found->groups.end(), 0u) != found->groups.end());
  }
}

TEST_CASE("a group replaces the user's primary group; a group alone keeps lastcall's uid") {
  auto both = lookup_credentials(std::string("root"), std::string("65534"), "test");
  REQUIRE(both.ok());
  CHECK(both->gid == 65534u);
  auto alone = lookup_credentials(std::nullopt, std::string("65534"), "test");
  REQUIRE(alone.ok());
  CHECK_FALSE(alone->uid.has_value());
  CHECK(alone->groups == std::vector<gid_t>{65534});
}

TEST_CASE("an unknown name is an error naming what asked for it") {
  auto user = lookup_credentials(std::string("lastcall-no-such-user"), std::nullopt, "hook h");
  REQUIRE_FALSE(user.ok());
  CHECK(user.error().message == "hook h: user \"lastcall-no-such-user\": no such user in the user database");
  auto group = lookup_credentials(std::nullopt, std::string("lastcall-no-such-group"), "hook h");
  REQUIRE_FALSE(group.ok());
  CHECK(group.error().message.starts_with("hook h: group \"lastcall-no-such-group\""));
}

TEST_CASE("a uid without a user entry needs a group") {
  auto bare = lookup_credentials(std::string("54321"), std::nullopt, "the child");
  REQUIRE_FALSE(bare.ok());
  CHECK(bare.error().message.find("set \"group\" as well") != std::string::npos);
  auto with_group = lookup_credentials(std::string("54321"), std::string("54321"), "the child");
  REQUIRE(with_group.ok());
  CHECK(with_group->uid == 54321u);
  CHECK(with_group->groups == std::vector<gid_t>{54321});
}

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
  CHECK_FALSE(settings.pre_stop[1].credentials.has_value());
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].starts_with("/hooks/pre_stop: hook h1: user \"lastcall-no-such-user\""));
}

TEST_CASE("a readiness check gets lastcall's starting directory as its cwd") {
  Settings settings;
  settings.ready = lastcall::config::ReadyCheck{};
  CHECK(bind_to_host(settings, "/srv/app").empty());
  REQUIRE(settings.ready.has_value());
  CHECK(settings.ready->cwd == "/srv/app");
  Settings without;
  CHECK(bind_to_host(without, "/srv/app").empty());
  CHECK_FALSE(without.ready.has_value());
}

TEST_CASE("the child's account errors start with the JSON path of the key at fault") {
  Settings user;
  user.user = "lastcall-no-such-user";
  CHECK(bind_to_host(user, "/") ==
        std::vector<std::string>{"/user: \"lastcall-no-such-user\": no such user in the user database"});
  Settings group;
  group.user = "root";
  group.group = "lastcall-no-such-group";
  const auto problems = bind_to_host(group, "/");
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].starts_with("/group: \"lastcall-no-such-group\": "));
  Settings bare;
  bare.user = "54321";
  const auto no_group = bind_to_host(bare, "/");
  REQUIRE(no_group.size() == 1);
  CHECK(no_group[0] ==
        "/user: \"54321\" has no entry in the user database, so it has no primary group: set \"group\" as well");
}
