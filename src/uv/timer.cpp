// SPDX-License-Identifier: MIT
#include "uv/timer.hpp"

#include <cstdlib>

#include "uv/handle.hpp"

namespace lastcall::uv {

Timer::Timer(uv_loop_t* loop, std::function<void()> on_fire)
    : handle_(new_handle<uv_timer_t>(this)), on_fire_(std::move(on_fire)) {
  if (uv_timer_init(loop, handle_) != 0) std::abort();  // uv_timer_init cannot fail on Linux
}

Timer::~Timer() { close_handle(handle_); }

void Timer::start(core::Duration after) {
  const auto ms = after.count() < 0 ? 0 : static_cast<uint64_t>(after.count());
  // The loop's cached "now" dates from the start of this iteration; a deadline counts from
  // the real now, so refresh it first.
  uv_update_time(handle_->loop);
  // uv_timer_start only fails for a closing handle, which an owner never holds.
  (void)uv_timer_start(handle_, on_timer, ms, 0);
}

void Timer::stop() { (void)uv_timer_stop(handle_); }

void Timer::on_timer(uv_timer_t* handle) noexcept {
  auto* self = static_cast<Timer*>(handle->data);
  if (self == nullptr) return;
  guarded([&] { self->on_fire_(); });
}

}  // namespace lastcall::uv
