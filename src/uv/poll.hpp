// SPDX-License-Identifier: MIT
#pragma once

#include <uv.h>

#include <functional>

namespace lastcall::uv {

// Watches one file descriptor for readability and calls a function each time it is
// readable (or hung up). The descriptor stays owned by the caller.
class Poll {
 public:
  // `on_ready` gets 0 or a libuv error code.
  Poll(uv_loop_t* loop, int fd, std::function<void(int status)> on_ready);
  ~Poll();
  Poll(const Poll&) = delete;
  Poll& operator=(const Poll&) = delete;

  [[nodiscard]] int init_status() const { return init_status_; }
  [[nodiscard]] int start();
  void stop();

 private:
  static void on_poll(uv_poll_t* handle, int status, int events) noexcept;

  uv_poll_t* handle_;
  int init_status_;
  std::function<void(int)> on_ready_;
};

}  // namespace lastcall::uv
