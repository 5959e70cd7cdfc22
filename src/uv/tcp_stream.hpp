// SPDX-License-Identifier: MIT
#pragma once

#include <uv.h>

#include <functional>
#include <string>
#include <string_view>

namespace lastcall::uv {

// One TCP connection: reads, writes and a half-close. It owns the uv_tcp_t; closing is
// deferred to libuv's close callback, and once the owner is gone no callback reaches it
// (a write still queued then completes with UV_ECANCELED, unseen). Lives as long as its owner.
class TcpStream {
 public:
  struct Handlers {
    std::function<void(std::string_view bytes)> on_data;
    std::function<void(int status)> on_end;  // UV_EOF or an error; no more data follows
  };

  explicit TcpStream(uv_loop_t* loop);
  ~TcpStream();
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;

  [[nodiscard]] int init_status() const { return init_status_; }
  // Connects to a numeric address; `on_connected` gets 0 or a libuv error (UV_ECONNREFUSED).
  [[nodiscard]] int connect(const std::string& host, int port, bool ipv6, std::function<void(int status)> on_connected);
  [[nodiscard]] int read_start(Handlers handlers);
  // Queues `bytes`; `on_done` gets 0 or a libuv error once they are written.
  [[nodiscard]] int write(std::string bytes, std::function<void(int status)> on_done);
  // Sends FIN once the queued writes are done; reading goes on.
  [[nodiscard]] int shutdown();
  [[nodiscard]] uv_stream_t* stream();

 private:
  static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) noexcept;
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
  static void on_write(uv_write_t* request, int status) noexcept;
  static void on_shutdown(uv_shutdown_t* request, int status) noexcept;
  static void on_connect(uv_connect_t* request, int status) noexcept;

  uv_tcp_t* handle_;
  int init_status_;
  Handlers handlers_;
  std::function<void(int)> on_connected_;
};

}  // namespace lastcall::uv
