// SPDX-License-Identifier: MIT
#include "http/server.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "uv/loop.hpp"

using namespace lastcall;

namespace {

// A client socket on the test's side: non-blocking, so the test can turn the loop between
// its reads.
class Client {
 public:
  explicit Client(int port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));  // EINPROGRESS
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool send(const std::string& bytes) { return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == ssize_t(bytes.size()); }
  // Reads what has arrived; true once the server has closed.
  bool read_some() {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n > 0) {
        received_.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      return n == 0 || errno != EAGAIN;
    }
  }
  [[nodiscard]] const std::string& received() const { return received_; }

 private:
  int fd_;
  std::string received_;
};

// Turns the loop until the client sees the server close, for at most two seconds.
bool run_until_closed(uv::Loop& loop, Client& client) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline) {
    (void)uv_run(loop.get(), UV_RUN_NOWAIT);
    if (client.read_some()) return true;
    usleep(1000);
  }
  return false;
}

// Turns the loop until `done` holds, for at most two seconds.
template <class Pred>
bool turn_until(uv::Loop& loop, Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    (void)uv_run(loop.get(), UV_RUN_NOWAIT);
    usleep(1000);
  }
  return true;
}

int active_timers(uv::Loop& loop) {
  int count = 0;
  uv_walk(
      loop.get(),
      [](uv_handle_t* handle, void* arg) {
        if (handle->type == UV_TIMER && uv_is_active(handle)) ++*static_cast<int*>(arg);
      },
      &count);
  return count;
}


}  // namespace

TEST_CASE("the server answers one request per connection and then closes it") {
  uv::Loop loop;
  log::Logger logger(log::Format::Json, log::Level::Error);
  http::Snapshot snapshot;
  snapshot.child_running = true;
  snapshot.ready = true;
  {
    http::Server server(loop.get(), snapshot, logger);
    REQUIRE(server.listen("127.0.0.1", 0, false) == 0);
    CHECK(active_timers(loop) == 0);
    {
      Client client(server.port());
      REQUIRE(client.send("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"));
      REQUIRE(run_until_closed(loop, client));
      CHECK(client.received().rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
      CHECK(client.received().find("\r\n\r\nready\n") != std::string::npos);
      CHECK(active_timers(loop) == 1);  // the linger, until the client closes its end
    }
    CHECK(turn_until(loop, [&] { return server.connections() == 0; }));
    CHECK(active_timers(loop) == 0);  // idle again: nothing armed
  }
  CHECK(loop.close());
}

TEST_CASE("a request head that does not complete in time is answered 408") {
  uv::Loop loop;
  log::Logger logger(log::Format::Json, log::Level::Error);
  http::Snapshot snapshot;
  {
    http::Server server(loop.get(), snapshot, logger, http::Limits{.request_timeout = core::Duration{50}});
    REQUIRE(server.listen("127.0.0.1", 0, false) == 0);
    Client client(server.port());
    REQUIRE(client.send("GET /healthz HTTP/1.1\r\n"));
    REQUIRE(run_until_closed(loop, client));
    CHECK(client.received().rfind("HTTP/1.1 408 Request Timeout\r\n", 0) == 0);
  }
  CHECK(loop.close());
}

TEST_CASE("beyond the connection cap the oldest waiting connection makes room") {
  uv::Loop loop;
  log::Logger logger(log::Format::Json, log::Level::Error);
  http::Snapshot snapshot;
  {
    http::Server server(loop.get(), snapshot, logger, http::Limits{.max_connections = 2});
    REQUIRE(server.listen("127.0.0.1", 0, false) == 0);
    Client first(server.port());
    Client second(server.port());
    REQUIRE(turn_until(loop, [&] { return server.connections() == 2; }));
    Client third(server.port());
    REQUIRE(third.send("GET /healthz HTTP/1.1\r\n\r\n"));
    REQUIRE(run_until_closed(loop, third));
    CHECK(third.received().rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(first.read_some());  // closed without an answer
    CHECK(first.received().empty());
    CHECK(server.connections() <= 2);
  }
  CHECK(loop.close());
}
