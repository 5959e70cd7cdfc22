// SPDX-License-Identifier: MIT
#include "config/trust.hpp"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <doctest/doctest.h>

#include "config/host.hpp"
#include "process_support.hpp"
#include "test_support.hpp"

using lastcall::config::check_config_trust;
using lastcall::test::TempDir;

namespace {

// The message of a refusal, or "" when the file is trusted.
std::string refusal(const std::string& path, uid_t euid = 0) {
  auto error = check_config_trust(path, euid);
  if (error) CHECK(error->exit_code == 2);
  return error ? error->message : "";
}

// What the trust check says of `path` once `dir` is bind-mounted read-only onto itself: in a
// forked process with a mount namespace of its own, so the mount vanishes with it and nothing
// outside ever sees it. "skip: ..." when this host does not let us make the mount.
std::string refusal_on_read_only_mount(const std::string& dir, const std::string& path) {
  lastcall::test::Pipe result;
  REQUIRE(fcntl(result.read_end, F_SETFL, 0) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::string out;
    if (unshare(CLONE_NEWNS) != 0) {
      out = std::string("skip: unshare(CLONE_NEWNS): ") + std::strerror(errno);
    } else if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
               mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND, nullptr) != 0 ||
               mount(nullptr, dir.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
      out = std::string("skip: a read-only bind mount: ") + std::strerror(errno);
    } else {
      auto error = check_config_trust(path, 0);
      out = error ? error->message : "";
    }
    (void)!write(result.write_end, out.data(), out.size());
    _exit(0);
  }
  result.close_write();
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(result.read_end, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  CHECK(lastcall::process::Reaper::wait_for(pid) == lastcall::core::ExitStatus{});
  return out;
}

}  // namespace

TEST_CASE("as root, a config that only root can change is trusted") {
  if (geteuid() != 0) {
    MESSAGE("skipped: the files below must be owned by root, and this test does not run as root");
    return;
  }
  TempDir dir;
  const auto path = dir.write("c.json", "{}");
  REQUIRE(chmod(path.c_str(), 0644) == 0);
  CHECK(refusal(path) == "");
}

TEST_CASE("as root, a config writable by others, or in a directory they can write, is refused") {
  if (geteuid() != 0) {
    MESSAGE("skipped: the files below must be owned by root, and this test does not run as root");
    return;
  }
  TempDir dir;
  const auto path = dir.write("c.json", "{}");
  SUBCASE("the file") {
    REQUIRE(chmod(path.c_str(), 0620) == 0);
    const auto message = refusal(path);
    CHECK(message.find(path + " is writable by its group (mode 0620; chmod go-w " + path + ")") != std::string::npos);
    CHECK(message.find("--insecure-config") != std::string::npos);
    CHECK(message.starts_with("config " + path + ": refusing a config file"));
  }
  SUBCASE("a directory above it") {
    REQUIRE(chmod(dir.path().c_str(), 0777) == 0);
    CHECK(refusal(path).find(dir.path() + " is writable by other users") != std::string::npos);
  }
  SUBCASE("a sticky directory is fine") {
    REQUIRE(chmod(dir.path().c_str(), 01777) == 0);
    CHECK(refusal(path) == "");
  }
  SUBCASE("owned by another user") {
    REQUIRE(chown(path.c_str(), 65534, static_cast<gid_t>(-1)) == 0);
    CHECK(refusal(path).find(path + " is owned by uid 65534, not root") != std::string::npos);
  }
  SUBCASE("a symlink owned by another user") {
    const std::string link = dir.path() + "/link.json";
    REQUIRE(symlink(path.c_str(), link.c_str()) == 0);
    REQUIRE(lchown(link.c_str(), 65534, static_cast<gid_t>(-1)) == 0);
    CHECK(refusal(link).find(link + " is owned by uid 65534") != std::string::npos);
  }
  SUBCASE("what a symlink leads to is checked too") {
    TempDir other;
    REQUIRE(chmod(other.path().c_str(), 0777) == 0);
    const auto target = other.write("t.json", "{}");
    const std::string link = dir.path() + "/link.json";
    REQUIRE(symlink(target.c_str(), link.c_str()) == 0);
    CHECK(refusal(link).find(other.path() + " is writable by other users") != std::string::npos);
  }
  SUBCASE("a relative path is checked from the current directory") {
    REQUIRE(chmod(path.c_str(), 0666) == 0);
    const std::string cwd = lastcall::config::current_directory();
    REQUIRE(chdir(dir.path().c_str()) == 0);
    const auto message = refusal("c.json");
    REQUIRE(chdir(cwd.c_str()) == 0);
    CHECK(message.find(path + " is writable by other users") != std::string::npos);
  }
}

TEST_CASE("as root, a config on a read-only mount is trusted whatever its owner and mode") {
  if (geteuid() != 0) {
    MESSAGE("skipped: a bind mount needs root, and the trust check only runs as root");
    return;
  }
  TempDir dir;
  const auto path = dir.write("c.json", "{}");
  REQUIRE(chmod(path.c_str(), 0666) == 0);
  REQUIRE(chown(path.c_str(), 65534, 65534) == 0);
  // The same file off the mount is refused: the mount is what makes it fine.
  CHECK(refusal(path).find(path + " is owned by uid 65534, not root") != std::string::npos);
  const std::string on_mount = refusal_on_read_only_mount(dir.path(), path);
  if (on_mount.starts_with("skip: ")) {
    MESSAGE("skipped: " << on_mount.substr(6));
    return;
  }
  CHECK(on_mount == "");
  SUBCASE("a symlink on the mount is trusted too, the file it leads to is checked on its own") {
    TempDir other;
    const auto target = other.write("t.json", "{}");
    REQUIRE(chmod(target.c_str(), 0666) == 0);
    const std::string link = dir.path() + "/link.json";
    REQUIRE(symlink(target.c_str(), link.c_str()) == 0);
    CHECK(refusal_on_read_only_mount(dir.path(), link).find(target + " is writable by other users") !=
          std::string::npos);
  }
}

TEST_CASE("for any user but root nothing is checked, and a missing file is the loader's to report") {
  TempDir dir;
  const auto path = dir.write("c.json", "{}");
  REQUIRE(chmod(path.c_str(), 0666) == 0);
  CHECK(refusal(path, 1000) == "");
  CHECK(refusal(dir.path() + "/missing.json") == "");
}
