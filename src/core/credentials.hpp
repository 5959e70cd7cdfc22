// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace lastcall::core {

// Who a spawned process runs as: a config's "user" and "group", looked up by config/ once at
// startup so that process/ has only numbers to apply between fork and exec, where name
// lookups (NSS, malloc) are not safe.
struct Credentials {
  std::string user;          // as configured ("nobody" or "65534"), for messages; empty: none given
  std::optional<uid_t> uid;  // nullopt: only a group was given, lastcall's uid stays
  gid_t gid = 0;             // the user's primary group unless "group" says otherwise
  std::vector<gid_t> groups;  // supplementary groups for setgroups(2): the user's, from getgrouplist(3)

  friend bool operator==(const Credentials&, const Credentials&) = default;
};

}  // namespace lastcall::core
