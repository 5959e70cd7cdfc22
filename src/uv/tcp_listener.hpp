// SPDX-License-Identifier: MIT
#pragma once

#include <uv.h>

#include <functional>
#include <string>

#include "uv/tcp_stream.hpp"

namespace lastcall::uv {

// A listening TCP socket (close-on-exec, as libuv opens every descriptor). Each pending
// connection is announced through on_connection and must be accepted there. Lives as long as
// its owner; closing is deferred to libuv's close callback.
class TcpListener {
 public:
  // `on_connection` gets 0, or a libuv error such as UV_EMFILE.
  TcpListener(uv_loop_t* loop, std::function<void(int status)> on_connection);
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  // Binds a numeric IPv4 or IPv6 address (port 0: any free port) and listens.
  [[nodiscard]] int listen(const std::string& host, int port, bool ipv6, int backlog);
  [[nodiscard]] int accept(TcpStream& into);
  // The port actually bound, or -1.
  [[nodiscard]] int port() const;

 private:
  static void on_connection(uv_stream_t* server, int status) noexcept;

  uv_tcp_t* handle_;
  int init_status_;
  std::function<void(int)> on_connection_;
};

}  // namespace lastcall::uv
