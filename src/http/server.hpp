// SPDX-License-Identifier: MIT
#pragma once

#include <uv.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "http/connection.hpp"
#include "http/snapshot.hpp"
#include "log/logger.hpp"
#include "uv/tcp.hpp"

namespace lastcall::http {

// The admin endpoint (`--listen`): an HTTP/1.1 server on the loop that answers /healthz,
// /readyz and /metrics from the snapshot, one request per connection. It owns the listening
// socket and every open connection, at most Limits::max_connections of them: beyond that the
// oldest connection still waiting for its request is closed to make room (or, when all are
// answering, the new one is), so idle clients can exhaust neither lastcall's descriptors nor
// its loop, nor lock a probe out. Without connections it has no timer armed. It lives until the
// sequence ends; destroying it closes the socket and every connection.
class Server {
 public:
  Server(uv_loop_t* loop, const Snapshot& snapshot, log::Logger& logger, Limits limits = {});
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; 0 or a libuv error (UV_EADDRINUSE).
  [[nodiscard]] int listen(const std::string& host, int port, bool ipv6);
  [[nodiscard]] int port() const { return listener_.port(); }
  [[nodiscard]] std::size_t connections() const { return connections_.size(); }

 private:
  void on_connection(int status);
  [[nodiscard]] bool evict_oldest_waiting();
  void reject();
  void on_closed(Connection& connection);

  uv_loop_t* loop_;
  const Snapshot& snapshot_;
  log::Logger& logger_;
  Limits limits_;
  std::vector<std::shared_ptr<Connection>> connections_;  // in accept order
  bool accept_failed_ = false;  // a failed accept was logged
  uv::TcpListener listener_;  // last: closed first, so no connection arrives while the rest go
};

}  // namespace lastcall::http
