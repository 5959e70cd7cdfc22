// SPDX-License-Identifier: MIT
#include "config/config_trust.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "config/test_support.hpp"

using lastcall::config::check_config_trust;
using lastcall::test::TempDir;

namespace {

// The message of a refusal, or "" when the file is trusted.
std::string refusal(const std::string& path, uid_t euid = 0) {
  auto error = check_config_trust(path, euid);
  if (error) CHECK(error->exit_code == 2);
  return error ? error->message : "";
}

}  // namespace

TEST_CASE("as root, a config that only root can change is trusted") {
  if (geteuid() != 0) return;  // the files below must be owned by root
  TempDir dir;
  const auto path = dir.write("c.json", "{}");
  REQUIRE(chmod(path.c_str(), 0644) == 0);
  CHECK(refusal(path) == "");
}

TEST_CASE("as root, a config writable by others, or in a directory they can write, is refused") {
  if (geteuid() != 0) return;
  TempDir dir;
  const auto path = dir.write("c.json", "{}");
  SUBCASE("the file") {
    REQUIRE(chmod(path.c_str(), 0620) == 0);
    const auto message = refusal(path);
    CHECK(message.find(path + " is writable by its group (mode 0620; chmod go-w " + path + ")") !=
          std::string::npos);
    CHECK(message.find("--insecure-config") != std::string::npos);
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
}

TEST_CASE("for any user but root nothing is checked, and a missing file is the loader's to report") {
  TempDir dir;
  const auto path = dir.write("c.json", "{}");
  REQUIRE(chmod(path.c_str(), 0666) == 0);
  CHECK(refusal(path, 1000) == "");
  CHECK(refusal(dir.path() + "/missing.json") == "");
}
