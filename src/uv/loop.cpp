// SPDX-License-Identifier: MIT
#include "uv/loop.hpp"

namespace lastcall::uv {

std::string error_message(int code) { return std::string(uv_strerror(code)) + " (" + uv_err_name(code) + ")"; }

Loop::Loop() {
  if (uv_loop_init(&loop_) != 0) std::abort();  // only fails on fd or memory exhaustion
}

bool Loop::close() {
  if (closed_) return true;
  // A handle whose owner is gone is closing already, and the run below lets its close
  // callback free it. One whose owner still lives is closed here without a callback, only
  // so that uv_loop_close can succeed: nothing frees it (its owner then finds it closing),
  // so owners should end before the loop closes.
  uv_walk(&loop_, [](uv_handle_t* handle, void*) { if (!uv_is_closing(handle)) uv_close(handle, nullptr); }, nullptr);
  (void)uv_run(&loop_, UV_RUN_DEFAULT);
  closed_ = uv_loop_close(&loop_) == 0;
  return closed_;
}

Timer::Timer(uv_loop_t* loop, std::function<void()> on_fire)
    : Handle(this, [loop](uv_timer_t* h) { return uv_timer_init(loop, h); }), on_fire_(std::move(on_fire)) {
  if (h_ == nullptr) std::abort();  // uv_timer_init cannot fail on Linux
}

void Timer::start(core::Duration after) {
  // The loop's cached "now" dates from the start of this iteration; a deadline counts from
  // the real now, so refresh it first.
  uv_update_time(h_->loop);
  // uv_timer_start only fails for a closing handle, which an owner never holds.
  (void)uv_timer_start(h_, on_timer, after.count() < 0 ? 0 : static_cast<uint64_t>(after.count()), 0);
}

void Timer::on_timer(uv_timer_t* handle) noexcept {
  if (auto* self = owner_of<Timer>(handle)) guarded([&] { self->on_fire_(); });
}

Poll::Poll(uv_loop_t* loop, int fd, std::function<void(int)> on_ready)
    : Handle(this, [loop, fd](uv_poll_t* h) { return uv_poll_init(loop, h, fd); }), on_ready_(std::move(on_ready)) {}

int Poll::start() { return h_ == nullptr ? status_ : uv_poll_start(h_, UV_READABLE | UV_DISCONNECT, on_poll); }

void Poll::stop() {
  if (h_ != nullptr) (void)uv_poll_stop(h_);
}

void Poll::on_poll(uv_poll_t* handle, int status, int) noexcept {
  if (auto* self = owner_of<Poll>(handle)) guarded([&] { self->on_ready_(status); });
}

}  // namespace lastcall::uv
