// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>

#include "core/credentials.hpp"
#include "core/error.hpp"

namespace lastcall::config {

// Looks up a config's "user" and "group" (names or numbers) in the user and group databases
// (getpwnam_r(3), getgrnam_r(3), getgrouplist(3)), at startup, before anything is spawned.
// - user alone: the user's uid, primary group and supplementary groups, as login(1) would.
// - user and group: as above, with `group` as the primary group instead.
// - group alone: lastcall's uid with that group as the only group.
// A number that names no entry is taken as it is, but a user number without an entry then
// needs a group. An unknown name is an Error whose message is `what` followed by the reason.
[[nodiscard]] core::Result<core::Credentials> lookup_credentials(const std::optional<std::string>& user,
                                                                 const std::optional<std::string>& group,
                                                                 const std::string& what);

}  // namespace lastcall::config
