// SPDX-License-Identifier: MIT
#include "uv/loop.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <memory>

#include "test_support.hpp"

using namespace lastcall;
using namespace std::chrono_literals;

namespace {

int active_handles(uv::Loop& loop) {
  int count = 0;
  uv_walk(loop.get(), [](uv_handle_t* handle, void* arg) {
    if (uv_is_active(handle) != 0) ++*static_cast<int*>(arg);
  }, &count);
  return count;
}

}  // namespace

TEST_CASE("a libuv error reads as its message and its name") {
  CHECK(uv::error_message(UV_ECONNREFUSED) == "connection refused (ECONNREFUSED)");
  CHECK(uv::error_message(UV_EADDRINUSE) == "address already in use (EADDRINUSE)");
}

TEST_CASE("a timer fires once, not before its time; re-arming replaces the deadline") {
  uv::Loop loop;
  {
    int fired = 0;
    const auto started = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration at{};
    uv::Timer timer(loop.get(), [&] {
      ++fired;
      at = std::chrono::steady_clock::now() - started;
    });
    timer.start(core::Duration{10'000});
    timer.start(core::Duration{50});  // replaces the 10 s
    loop.run();  // returns once nothing is armed
    CHECK(fired == 1);
    // libuv's clock counts whole milliseconds, so it may fire up to 1 ms early.
    CHECK(at >= 49ms);
    CHECK(at < 5s);
    CHECK(active_handles(loop) == 0);
  }
  CHECK(loop.close());
}

TEST_CASE("a stopped timer, or one whose owner is gone, never fires") {
  uv::Loop loop;
  int fired = 0;
  {
    uv::Timer stopped(loop.get(), [&] { ++fired; });
    stopped.start(core::Duration{0});
    stopped.stop();
    auto gone = std::make_unique<uv::Timer>(loop.get(), [&] { ++fired; });
    gone->start(core::Duration{0});
    gone.reset();
    loop.run();
  }
  CHECK(fired == 0);
  CHECK(loop.close());
}

TEST_CASE("a timer may re-arm itself from its own callback") {
  uv::Loop loop;
  {
    int fired = 0;
    uv::Timer* self = nullptr;
    uv::Timer timer(loop.get(), [&] {
      if (++fired < 3) self->start(core::Duration{1});
    });
    self = &timer;
    timer.start(core::Duration{1});
    loop.run();
    CHECK(fired == 3);
  }
  CHECK(loop.close());
}

TEST_CASE("a poll reports a readable descriptor and its hang-up, and nothing once stopped") {
  uv::Loop loop;
  int fds[2];
  REQUIRE(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
  {
    int calls = 0;
    int last_status = 1;
    uv::Poll* self = nullptr;
    uv::Poll poll(loop.get(), fds[0], [&](int status) {
      ++calls;
      last_status = status;
      self->stop();
    });
    self = &poll;
    REQUIRE(poll.init_status() == 0);
    REQUIRE(poll.start() == 0);
    REQUIRE(write(fds[1], "x", 1) == 1);
    loop.run();  // until the callback stops the poll
    CHECK(calls == 1);
    CHECK(last_status == 0);
    close(fds[1]);
    REQUIRE(poll.start() == 0);
    loop.run();
    CHECK(calls == 2);  // the hang-up (UV_DISCONNECT), with the byte still unread
  }
  close(fds[0]);
  CHECK(loop.close());
}

TEST_CASE("a poll on a descriptor that is not open reports why, and does nothing") {
  uv::Loop loop;
  {
    uv::Poll poll(loop.get(), 1'000'000, [](int) {});
    CHECK(poll.init_status() != 0);
    CHECK(poll.start() == poll.init_status());
    poll.stop();
  }
  CHECK(loop.close());
}

TEST_CASE("closing the loop closes what its owners left behind, and a second close is fine") {
  uv::Loop loop;
  {
    uv::Timer timer(loop.get(), [] {});
    timer.start(core::Duration{60'000});
  }
  CHECK(loop.close());
  CHECK(loop.close());
}
