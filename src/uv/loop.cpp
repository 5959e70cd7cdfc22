// SPDX-License-Identifier: MIT
#include "uv/loop.hpp"

#include <cstdlib>

namespace lastcall::uv {

std::string error_message(int code) {
  return std::string(uv_strerror(code)) + " (" + uv_err_name(code) + ")";
}

Loop::Loop() {
  if (uv_loop_init(&loop_) != 0) std::abort();  // only fails on fd or memory exhaustion
}

Loop::~Loop() { (void)close(); }

void Loop::run() { (void)uv_run(&loop_, UV_RUN_DEFAULT); }

bool Loop::close() {
  if (closed_) return true;
  uv_walk(
      &loop_,
      [](uv_handle_t* handle, void*) {
        // Each owner's close callback frees the handle; an owner that is gone already left
        // a handle whose close callback frees it alone.
        if (!uv_is_closing(handle)) uv_close(handle, nullptr);
      },
      nullptr);
  (void)uv_run(&loop_, UV_RUN_DEFAULT);
  closed_ = uv_loop_close(&loop_) == 0;
  return closed_;
}

}  // namespace lastcall::uv
