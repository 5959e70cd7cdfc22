// SPDX-License-Identifier: MIT
#pragma once

#include <uv.h>

#include <cstdlib>

namespace lastcall::uv {

// Heap-allocates a libuv handle whose memory is freed in its close callback, never before:
// libuv may still touch a handle between uv_close() and that callback.
template <class H>
H* new_handle(void* owner) {
  auto* handle = new H{};
  handle->data = owner;
  return handle;
}

template <class H>
void close_handle(H*& handle) {
  if (handle == nullptr) return;
  auto* base = reinterpret_cast<uv_handle_t*>(handle);
  base->data = nullptr;  // a callback already queued now finds no owner
  if (!uv_is_closing(base)) {
    uv_close(base, [](uv_handle_t* h) { delete reinterpret_cast<H*>(h); });
  }
  handle = nullptr;
}

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

}  // namespace lastcall::uv
