// SPDX-License-Identifier: MIT
#include "uv/tcp.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "test_support.hpp"

using namespace lastcall;

namespace {

// A listener on 127.0.0.1 that accepts into one stream and records what that stream reads.
struct Server {
  uv_loop_t* loop;
  std::unique_ptr<uv::TcpStream> accepted;
  std::string received;
  int end_status = 0;
  uv::TcpListener listener;

  explicit Server(uv_loop_t* l)
      : loop(l), listener(l, [this](int status) {
          CHECK(status == 0);
          accepted = std::make_unique<uv::TcpStream>(loop);
          CHECK(listener.accept(*accepted) == 0);
          CHECK(accepted->read_start({.on_data = [this](std::string_view bytes) { received.append(bytes); },
                                      .on_end = [this](int end) { end_status = end; }}) == 0);
        }) {
    REQUIRE(listener.listen("127.0.0.1", 0, false, 8) == 0);
  }
};

}  // namespace

TEST_CASE("a connection carries bytes both ways, and a half-close reaches the peer as end of file") {
  uv::Loop loop;
  {
    Server server(loop.get());
    REQUIRE(server.listener.port() > 0);
    uv::TcpStream client(loop.get());
    int connected = 1;
    int written = 1;
    std::string reply;
    int client_end = 0;
    REQUIRE(client.connect("127.0.0.1", server.listener.port(), false, [&](int status) { connected = status; }) == 0);
    REQUIRE(test::run_until(loop, [&] { return connected == 0 && server.accepted != nullptr; }));
    REQUIRE(client.read_start({.on_data = [&](std::string_view bytes) { reply.append(bytes); },
                               .on_end = [&](int end) { client_end = end; }}) == 0);
    REQUIRE(client.write("ping", [&](int status) { written = status; }) == 0);
    REQUIRE(client.shutdown() == 0);
    REQUIRE(test::run_until(loop, [&] { return server.end_status != 0; }));
    CHECK(written == 0);
    CHECK(server.received == "ping");
    CHECK(server.end_status == UV_EOF);
    REQUIRE(server.accepted->write("pong", [](int) {}) == 0);
    REQUIRE(server.accepted->shutdown() == 0);
    REQUIRE(test::run_until(loop, [&] { return client_end != 0; }));
    CHECK(reply == "pong");
    CHECK(client_end == UV_EOF);
  }
  CHECK(loop.close());
}

TEST_CASE("a refused connection, an address in use and a bad address are libuv errors") {
  uv::Loop loop;
  {
    Server server(loop.get());
    const int port = server.listener.port();
    uv::TcpListener second(loop.get(), [](int) {});
    CHECK(second.listen("127.0.0.1", port, false, 8) == UV_EADDRINUSE);
    uv::TcpStream bad(loop.get());
    CHECK(bad.connect("localhost", 80, false, [](int) {}) == UV_EINVAL);
    CHECK(bad.connect("::1", 80, false, [](int) {}) == UV_EINVAL);  // not IPv4
  }
  int port = 0;
  {
    Server gone(loop.get());
    port = gone.listener.port();
  }
  (void)uv_run(loop.get(), UV_RUN_NOWAIT);  // the listener's close: nothing listens there now
  {
    uv::TcpStream client(loop.get());
    int connected = 1;
    REQUIRE(client.connect("127.0.0.1", port, false, [&](int status) { connected = status; }) == 0);
    CHECK(test::run_until(loop, [&] { return connected != 1; }));
    CHECK(connected == UV_ECONNREFUSED);
  }
  CHECK(loop.close());
}

TEST_CASE("once a stream's owner is gone, a write still queued completes unseen") {
  uv::Loop loop;
  int calls = 0;
  {
    Server server(loop.get());
    auto client = std::make_unique<uv::TcpStream>(loop.get());
    bool connected = false;
    REQUIRE(client->connect("127.0.0.1", server.listener.port(), false, [&](int) { connected = true; }) == 0);
    REQUIRE(test::run_until(loop, [&] { return connected && server.accepted != nullptr; }));
    REQUIRE(client->write(std::string(1 << 20, 'x'), [&](int) { ++calls; }) == 0);
    client.reset();
    CHECK(test::run_until(loop, [&] { return server.end_status != 0; }));
  }
  CHECK(calls == 0);
  CHECK(loop.close());
}
