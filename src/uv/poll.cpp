// SPDX-License-Identifier: MIT
#include "uv/poll.hpp"

#include <cstdlib>

#include "uv/handle.hpp"

namespace lastcall::uv {

Poll::Poll(uv_loop_t* loop, int fd, std::function<void(int)> on_ready)
    : handle_(new_handle<uv_poll_t>(this)), on_ready_(std::move(on_ready)) {
  init_status_ = uv_poll_init(loop, handle_, fd);
  if (init_status_ != 0) {
    // A handle that failed to init was never registered with the loop: free it directly.
    delete handle_;
    handle_ = nullptr;
  }
}

Poll::~Poll() { close_handle(handle_); }

int Poll::start() {
  if (handle_ == nullptr) return init_status_;
  return uv_poll_start(handle_, UV_READABLE | UV_DISCONNECT, on_poll);
}

void Poll::stop() {
  if (handle_ != nullptr) (void)uv_poll_stop(handle_);
}

void Poll::on_poll(uv_poll_t* handle, int status, int) noexcept {
  auto* self = static_cast<Poll*>(handle->data);
  if (self == nullptr) return;
  guarded([&] { self->on_ready_(status); });
}

}  // namespace lastcall::uv
