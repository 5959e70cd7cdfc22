// SPDX-License-Identifier: MIT
#include "notify/messages.hpp"

#include <doctest/doctest.h>

#include "notify/notifier.hpp"

using namespace lastcall;

TEST_CASE("READY=1 goes with the child's pid in STATUS") {
  CHECK(notify::ready_message(42) == "READY=1\nSTATUS=running: child pid 42");
}

TEST_CASE("the first state past running says STOPPING=1, each one STATUS and EXTEND_TIMEOUT_USEC") {
  const auto budget = notify::stop_budget(core::Duration{3'000}, core::Duration{2'000});
  CHECK(budget == core::Duration{10'000});
  CHECK(notify::state_message(core::State::Draining, true, budget) ==
        "STOPPING=1\nSTATUS=draining: draining before the pre-stop hooks\nEXTEND_TIMEOUT_USEC=10000000");
  CHECK(notify::state_message(core::State::PostStop, false, core::Duration{7'000}) ==
        "STATUS=post_stop: running the post-stop hooks\nEXTEND_TIMEOUT_USEC=7000000");
  CHECK(notify::state_message(core::State::Exited, false, budget) == "STATUS=exited: the sequence is over");
}

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
