// SPDX-License-Identifier: MIT
#pragma once

#include <uv.h>

#include <functional>

#include "core/duration.hpp"

namespace lastcall::uv {

// A one-shot libuv timer that calls a function. Armed only while a deadline is pending, so
// an idle lastcall has no timer in the loop. Lives as long as its owner; closing is deferred
// to libuv's close callback.
class Timer {
 public:
  Timer(uv_loop_t* loop, std::function<void()> on_fire);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Fires once after `after` (0 fires on the next loop iteration). Re-arming replaces.
  void start(core::Duration after);
  void stop();

 private:
  static void on_timer(uv_timer_t* handle) noexcept;

  uv_timer_t* handle_;
  std::function<void()> on_fire_;
};

}  // namespace lastcall::uv
