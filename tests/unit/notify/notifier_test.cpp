// SPDX-License-Identifier: MIT
#include "notify/notifier.hpp"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <string>

#include "test_support.hpp"

using namespace lastcall;

TEST_CASE("NOTIFY_SOCKET is an absolute path or an abstract name") {
  const auto path = notify::parse_socket_address("/run/systemd/notify");
  REQUIRE(path);
  CHECK(std::string(path->address.sun_path) == "/run/systemd/notify");
  CHECK(path->length == offsetof(sockaddr_un, sun_path) + 20);
  const auto abstract = notify::parse_socket_address("@lastcall");
  REQUIRE(abstract);
  CHECK(abstract->address.sun_path[0] == '\0');
  CHECK(std::string(abstract->address.sun_path + 1, 8) == "lastcall");
  CHECK(abstract->length == offsetof(sockaddr_un, sun_path) + 9);
  CHECK_FALSE(notify::parse_socket_address(""));
  CHECK_FALSE(notify::parse_socket_address("relative/notify"));
  CHECK_FALSE(notify::parse_socket_address("vsock:2:1234"));
  CHECK_FALSE(notify::parse_socket_address("/" + std::string(200, 'x')));
}

TEST_CASE("the notifier sends one datagram per message to NOTIFY_SOCKET, and unsets it for the child") {
  test::TempDir dir;
  const std::string path = dir.file("notify");
  const int server = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(server >= 0);
  const auto address = notify::parse_socket_address(path);
  REQUIRE(address);
  REQUIRE(::bind(server, reinterpret_cast<const sockaddr*>(&address->address), address->length) == 0);
  {
    test::ScopedEnv env("NOTIFY_SOCKET", path);
    auto notifier = notify::Notifier::from_environment();
    REQUIRE(notifier.ok());
    REQUIRE(*notifier != nullptr);
    CHECK(std::getenv("NOTIFY_SOCKET") == nullptr);
    CHECK((*notifier)->send("READY=1\nSTATUS=running: child pid 42") == 0);
    CHECK((*notifier)->send("STOPPING=1") == 0);
  }
  char buf[256];
  ssize_t n = ::recv(server, buf, sizeof buf, MSG_DONTWAIT);
  CHECK(std::string(buf, static_cast<std::size_t>(std::max<ssize_t>(n, 0))) == "READY=1\nSTATUS=running: child pid 42");
  n = ::recv(server, buf, sizeof buf, MSG_DONTWAIT);
  CHECK(std::string(buf, static_cast<std::size_t>(std::max<ssize_t>(n, 0))) == "STOPPING=1");
  ::close(server);
}

TEST_CASE("without NOTIFY_SOCKET there is no notifier; a bad one is an error naming it") {
  {
    test::ScopedEnv env("NOTIFY_SOCKET", std::nullopt);
    auto none = notify::Notifier::from_environment();
    REQUIRE(none.ok());
    CHECK(*none == nullptr);
  }
  test::ScopedEnv env("NOTIFY_SOCKET", "vsock:2:1234");
  auto bad = notify::Notifier::from_environment();
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message ==
        "NOTIFY_SOCKET: unsupported address \"vsock:2:1234\" (use an absolute path or @abstract-name)");
  CHECK(bad.error().exit_code == 2);
}

TEST_CASE("a socket nobody listens on is an errno, never a crash or a block") {
  test::TempDir dir;
  const auto address = notify::parse_socket_address(dir.file("nobody"));
  REQUIRE(address);
  notify::Notifier notifier(*address);
  CHECK(notifier.send("READY=1") == ENOENT);
}
