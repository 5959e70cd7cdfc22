// SPDX-License-Identifier: MIT
#pragma once

#include <uv.h>

#include <cstdlib>
#include <functional>
#include <string>

#include "core/duration.hpp"

// Small owners for the libuv handles lastcall uses: each allocates its handle, routes the
// callback to a function, and frees the handle only in libuv's close callback. The only
// casts between uv_* types live in this module.
namespace lastcall::uv {

// The libuv error code as a message: "operation not permitted (EPERM)".
[[nodiscard]] std::string error_message(int code);

// Runs a callback's body for a libuv trampoline: a callback that throws is a bug, and nothing
// may unwind through libuv's C frames, so it aborts.
template <class F>
void guarded(F&& body) noexcept {
  try {
    body();
  } catch (...) {
    std::abort();
  }
}

// One heap-allocated libuv handle of type H, its data pointing at its owner. It is freed in
// its close callback, never before: libuv may still touch a handle between uv_close() and
// that callback. A handle that failed to init was never registered with the loop and is
// freed at once; init_status() says why.
template <class H>
class Handle {
 public:
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  [[nodiscard]] int init_status() const { return status_; }

 protected:
  template <class Init>
  Handle(void* owner, Init init) : h_(new H{}) {
    h_->data = owner;
    status_ = init(h_);
    if (status_ != 0) {
      delete h_;
      h_ = nullptr;
    }
  }
  ~Handle() {
    if (h_ == nullptr) return;
    auto* base = reinterpret_cast<uv_handle_t*>(h_);
    base->data = nullptr;  // a callback already queued now finds no owner
    if (!uv_is_closing(base)) uv_close(base, on_close);
  }
  static void on_close(uv_handle_t* handle) noexcept { delete reinterpret_cast<H*>(handle); }
  // The owner of a handle in its callback, or nullptr once the owner is gone.
  template <class Owner>
  static Owner* owner_of(const void* handle) {
    return static_cast<Owner*>(static_cast<const uv_handle_t*>(handle)->data);
  }

  H* h_;  // nullptr when init failed
  int status_;
};

// Owns one uv_loop_t for the life of the run. Closing walks every handle still open, closes
// it, and runs the loop until their close callbacks have freed them.
class Loop {
 public:
  Loop();
  ~Loop() { (void)close(); }
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  [[nodiscard]] uv_loop_t* get() { return &loop_; }
  // Runs until stop() or until nothing is left to wait for.
  void run() { (void)uv_run(&loop_, UV_RUN_DEFAULT); }
  void stop() { uv_stop(&loop_); }
  // Closes every handle and the loop; true when uv_loop_close succeeded.
  [[nodiscard]] bool close();

 private:
  uv_loop_t loop_{};
  bool closed_ = false;
};

// A one-shot timer. Armed only while a deadline is pending, so an idle lastcall has no timer
// in the loop.
class Timer : public Handle<uv_timer_t> {
 public:
  Timer(uv_loop_t* loop, std::function<void()> on_fire);
  // Fires once after `after` (0 or less: on the next loop iteration). Re-arming replaces.
  void start(core::Duration after);
  void stop() { (void)uv_timer_stop(h_); }

 private:
  static void on_timer(uv_timer_t* handle) noexcept;
  std::function<void()> on_fire_;
};

// Watches a descriptor, owned by the caller, for readability or hang-up.
class Poll : public Handle<uv_poll_t> {
 public:
  // `on_ready` gets 0 or a libuv error code.
  Poll(uv_loop_t* loop, int fd, std::function<void(int status)> on_ready);
  [[nodiscard]] int start();
  void stop();

 private:
  static void on_poll(uv_poll_t* handle, int status, int events) noexcept;
  std::function<void(int)> on_ready_;
};

}  // namespace lastcall::uv
