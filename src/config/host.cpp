// SPDX-License-Identifier: MIT
#include "config/host.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <climits>
#include <vector>

namespace lastcall::config {
namespace {

struct UserEntry {
  std::optional<std::string> name;  // nullopt: a number without a passwd entry
  uid_t uid = 0;
  std::optional<gid_t> primary_gid;
};

// The account at fault in an error: `what: user "x"` for a hook, `/user: "x"` for the child
// (`what` empty), so that either names the key to fix.
std::string at(const std::string& what, std::string_view key, const std::string& value) {
  std::string out = what.empty() ? "/" : what + ": ";
  out.append(key).append(what.empty() ? ": \"" : " \"").append(value).append("\"");
  return out;
}

// Digits only, as an id; nullopt for anything else.
std::optional<unsigned> as_number(const std::string& text) {
  unsigned value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

// The buffer size the *_r lookups ask for, grown on ERANGE.
std::size_t initial_buffer(int name) {
  const long size = sysconf(name);
  return size > 0 ? static_cast<std::size_t>(size) : 16384;
}

core::Result<UserEntry> find_user(const std::string& user, const std::string& what) {
  std::vector<char> buffer(initial_buffer(_SC_GETPW_R_SIZE_MAX));
  passwd entry{};
  passwd* found = nullptr;
  const auto number = as_number(user);
  int rc = 0;
  while ((rc = number ? getpwuid_r(*number, &entry, buffer.data(), buffer.size(), &found)
                      : getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found)) == ERANGE) {
    buffer.resize(buffer.size() * 2);
  }
  if (found != nullptr) return UserEntry{std::string(entry.pw_name), entry.pw_uid, entry.pw_gid};
  if (number) return UserEntry{std::nullopt, static_cast<uid_t>(*number), std::nullopt};
  const std::string reason = rc != 0 ? std::strerror(rc) : "no such user in the user database";
  return core::Error{at(what, "user", user) + ": " + reason};
}

core::Result<gid_t> find_group(const std::string& group, const std::string& what) {
  const auto number = as_number(group);
  if (number) return static_cast<gid_t>(*number);
  std::vector<char> buffer(initial_buffer(_SC_GETGR_R_SIZE_MAX));
  struct group entry {};
  struct group* found = nullptr;
  int rc = 0;
  while ((rc = getgrnam_r(group.c_str(), &entry, buffer.data(), buffer.size(), &found)) == ERANGE) {
    buffer.resize(buffer.size() * 2);
  }
  if (found != nullptr) return entry.gr_gid;
  const std::string reason = rc != 0 ? std::strerror(rc) : "no such group in the group database";
  return core::Error{at(what, "group", group) + ": " + reason};
}

// The supplementary groups of `name` with `gid` among them (getgrouplist(3) adds it).
std::vector<gid_t> group_list(const std::string& name, gid_t gid) {
  int count = 32;
  std::vector<gid_t> groups(static_cast<std::size_t>(count));
  while (getgrouplist(name.c_str(), gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<std::size_t>(count) > groups.size() ? static_cast<std::size_t>(count)
                                                                  : groups.size() * 2);
    count = static_cast<int>(groups.size());
  }
  groups.resize(static_cast<std::size_t>(count));
  return groups;
}

}  // namespace

core::Result<core::Credentials> lookup_credentials(const std::optional<std::string>& user,
                                                   const std::optional<std::string>& group,
                                                   const std::string& what) {
  core::Credentials out;
  std::optional<gid_t> gid;
  if (group) {
    auto found = find_group(*group, what);
    if (!found) return found.error();
    gid = *found;
  }
  if (!user) {
    out.gid = gid.value_or(getegid());
    out.groups = {out.gid};
    return out;
  }
  auto entry = find_user(*user, what);
  if (!entry) return entry.error();
  if (!gid && !entry->primary_gid) {
    return core::Error{at(what, "user", *user) + " has no entry in the user database, so it has no primary group: "
                                                 "set \"group\" as well"};
  }
  out.user = *user;
  out.uid = entry->uid;
  out.gid = gid ? *gid : *entry->primary_gid;
  out.groups = entry->name ? group_list(*entry->name, out.gid) : std::vector<gid_t>{out.gid};
  return out;
}

namespace {

std::string anchored(const std::optional<std::string>& cwd, const std::string& start_dir) {
  if (!cwd) return start_dir;
  if (cwd->starts_with('/')) return *cwd;
  return (start_dir == "/" ? "" : start_dir) + "/" + *cwd;
}

}  // namespace

std::vector<std::string> bind_to_host(Settings& settings, const std::string& start_dir) {
  std::vector<std::string> problems;
  const auto bind = [&](const auto& user, const auto& group, auto& credentials, const std::string& what) {
    if (!user && !group) return;
    auto found = lookup_credentials(user, group, what);
    if (found) credentials = std::move(*found);
    if (!found) problems.push_back(found.error().message);
  };
  bind(settings.user, settings.group, settings.credentials, "");
  // A command check runs where the child started, as a hook does by default.
  if (settings.ready) settings.ready->cwd = start_dir;
  for (const auto phase : {core::Phase::PreStop, core::Phase::PostStop}) {
    auto& hooks = phase == core::Phase::PreStop ? settings.pre_stop : settings.post_stop;
    for (auto& hook : hooks) {
      hook.cwd = anchored(hook.cwd, start_dir);
      bind(hook.user, hook.group, hook.credentials, "/hooks/" + std::string(core::phase_name(phase)) + ": hook " + hook.name);
    }
  }
  return problems;
}

std::string current_directory() {
  char buf[PATH_MAX];
  if (getcwd(buf, sizeof buf) == nullptr) return "/";
  return buf;
}

}  // namespace lastcall::config
