// SPDX-License-Identifier: MIT
#pragma once

#include <uv.h>

#include <string>

namespace lastcall::uv {

// The libuv error code as a message: "operation not permitted (EPERM)".
[[nodiscard]] std::string error_message(int code);

// Owns one uv_loop_t for the life of the run. Closing walks every handle still open, closes
// it, and runs the loop until their close callbacks have freed them.
class Loop {
 public:
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  [[nodiscard]] uv_loop_t* get() { return &loop_; }
  // Runs until stop() or until nothing is left to wait for.
  void run();
  void stop() { uv_stop(&loop_); }
  // Closes every handle and the loop; true when uv_loop_close succeeded.
  [[nodiscard]] bool close();

 private:
  uv_loop_t loop_{};
  bool closed_ = false;
};

}  // namespace lastcall::uv
