// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "core/credentials.hpp"
#include "core/error.hpp"

// What the settings mean on this host, found once at startup so that nothing later looks up
// a name: the accounts that "user" and "group" name, and the directories hooks start in.
namespace lastcall::config {

// Looks up "user" and "group" (names or numbers): the uid, the gid (the user's primary
// group unless `group` is given) and the supplementary groups (getgrouplist(3)). With only a
// group, the uid stays lastcall's. `what` names the owner in errors ("/hooks/pre_stop: hook
// flush: user \"ap\": ..."); empty for the child, whose errors start with the JSON path of the
// key at fault ("/user: \"ap\": ...", "/group: ...").
[[nodiscard]] core::Result<core::Credentials> lookup_credentials(const std::optional<std::string>& user,
                                                                 const std::optional<std::string>& group,
                                                                 const std::string& what);

// Binds the settings to the host: every hook's cwd made absolute against `start_dir`
// (lastcall's starting directory, which it leaves), the readiness check's cwd set to it, and
// the credentials of the child and of every hook looked up. Returns one problem per account that cannot be found.
[[nodiscard]] std::vector<std::string> bind_to_host(Settings& settings, const std::string& start_dir);

// getcwd(3), or "/" when it cannot be had.
[[nodiscard]] std::string current_directory();

}  // namespace lastcall::config
