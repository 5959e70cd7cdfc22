// SPDX-License-Identifier: MIT
#include "core/unique_fd.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

using namespace lastcall;

TEST_CASE("UniqueFd closes its descriptor once, and a moved-from one owns nothing") {
  int fds[2];
  REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
  {
    core::UniqueFd read_end(fds[0]);
    core::UniqueFd moved(std::move(read_end));
    CHECK_FALSE(read_end.is_open());
    CHECK(moved.get() == fds[0]);
    core::UniqueFd write_end(fds[1]);
    write_end.reset();
    CHECK(fcntl(fds[1], F_GETFD) == -1);
    CHECK(fcntl(fds[0], F_GETFD) != -1);
    core::UniqueFd released(moved.release());
    CHECK_FALSE(moved.is_open());
    CHECK(released.get() == fds[0]);
  }
  CHECK(fcntl(fds[0], F_GETFD) == -1);
}
