// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "uv/loop.hpp"

namespace lastcall::uv {

// One TCP connection: connect, reads, writes and a half-close. Once the owner is gone no
// callback reaches it (a write still queued then completes with UV_ECANCELED, unseen).
class TcpStream : public Handle<uv_tcp_t> {
 public:
  struct Handlers {
    std::function<void(std::string_view bytes)> on_data;
    std::function<void(int status)> on_end;  // UV_EOF or an error; no more data follows
  };

  explicit TcpStream(uv_loop_t* loop);
  // Connects to a numeric address; `on_connected` gets 0 or a libuv error (UV_ECONNREFUSED).
  [[nodiscard]] int connect(const std::string& host, int port, bool ipv6, std::function<void(int status)> on_connected);
  [[nodiscard]] int read_start(Handlers handlers);
  // Queues `bytes`; `on_done` gets 0 or a libuv error once they are written.
  [[nodiscard]] int write(std::string bytes, std::function<void(int status)> on_done);
  // Sends FIN once the queued writes are done; reading goes on.
  [[nodiscard]] int shutdown();
  [[nodiscard]] uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(h_); }

 private:
  static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) noexcept;
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
  static void on_shutdown(uv_shutdown_t* request, int status) noexcept;

  Handlers handlers_;
};

// A listening TCP socket (close-on-exec, as libuv opens every descriptor). Each pending
// connection is announced through on_connection and must be accepted there.
class TcpListener : public Handle<uv_tcp_t> {
 public:
  // `on_connection` gets 0, or a libuv error such as UV_EMFILE.
  TcpListener(uv_loop_t* loop, std::function<void(int status)> on_connection);
  // Binds a numeric IPv4 or IPv6 address (port 0: any free port) and listens.
  [[nodiscard]] int listen(const std::string& host, int port, bool ipv6, int backlog);
  [[nodiscard]] int accept(TcpStream& into);
  // The port actually bound, or -1.
  [[nodiscard]] int port() const;

 private:
  static void on_connection(uv_stream_t* server, int status) noexcept;

  std::function<void(int)> on_connection_;
};

}  // namespace lastcall::uv
