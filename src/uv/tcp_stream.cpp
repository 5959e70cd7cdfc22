// SPDX-License-Identifier: MIT
#include "uv/tcp_stream.hpp"

#include <array>
#include <cstdlib>
#include <memory>

#include <netinet/in.h>

#include "uv/handle.hpp"

namespace lastcall::uv {
namespace {

// One buffer for every stream: libuv calls on_read right after the read(2) that filled it,
// on the loop's only thread, and on_data consumes the bytes before returning.
std::array<char, 16 * 1024> read_buffer;

// A write in flight: the bytes must outlive the request, which libuv completes even when the
// handle is closed first (UV_ECANCELED).
struct WriteRequest {
  uv_write_t request{};
  std::string bytes;
  std::function<void(int)> on_done;
};

}  // namespace

TcpStream::TcpStream(uv_loop_t* loop) : handle_(new_handle<uv_tcp_t>(this)) {
  init_status_ = uv_tcp_init(loop, handle_);
  if (init_status_ != 0) {
    // A handle that failed to init was never registered with the loop: free it directly.
    delete handle_;
    handle_ = nullptr;
  }
}

TcpStream::~TcpStream() { close_handle(handle_); }

uv_stream_t* TcpStream::stream() { return reinterpret_cast<uv_stream_t*>(handle_); }

int TcpStream::read_start(Handlers handlers) {
  if (handle_ == nullptr) return init_status_;
  handlers_ = std::move(handlers);
  return uv_read_start(stream(), on_alloc, on_read);
}

int TcpStream::write(std::string bytes, std::function<void(int)> on_done) {
  if (handle_ == nullptr) return init_status_;
  auto pending = std::make_unique<WriteRequest>();
  pending->bytes = std::move(bytes);
  pending->on_done = std::move(on_done);
  const uv_buf_t buf = uv_buf_init(pending->bytes.data(), static_cast<unsigned>(pending->bytes.size()));
  const int rc = uv_write(&pending->request, stream(), &buf, 1, on_write);
  if (rc == 0) (void)pending.release();  // on_write frees it
  return rc;
}

int TcpStream::shutdown() {
  if (handle_ == nullptr) return init_status_;
  auto request = std::make_unique<uv_shutdown_t>();
  const int rc = uv_shutdown(request.get(), stream(), on_shutdown);
  if (rc == 0) (void)request.release();  // on_shutdown frees it
  return rc;
}

int TcpStream::connect(const std::string& host, int port, bool ipv6, std::function<void(int)> on_connected) {
  if (handle_ == nullptr) return init_status_;
  sockaddr_storage address{};
  const int rc = ipv6 ? uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&address))
                      : uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&address));
  if (rc != 0) return rc;
  on_connected_ = std::move(on_connected);
  auto request = std::make_unique<uv_connect_t>();
  const int started = uv_tcp_connect(request.get(), handle_, reinterpret_cast<const sockaddr*>(&address), on_connect);
  if (started == 0) (void)request.release();  // on_connect frees it
  return started;
}

void TcpStream::on_connect(uv_connect_t* request, int status) noexcept {
  std::unique_ptr<uv_connect_t> owned(request);
  // A closed owner set data to null: its callback must not run (UV_ECANCELED).
  auto* self = static_cast<TcpStream*>(request->handle->data);
  if (self == nullptr || !self->on_connected_) return;
  guarded([&] { self->on_connected_(status); });
}

void TcpStream::on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept {
  *buf = uv_buf_init(read_buffer.data(), static_cast<unsigned>(read_buffer.size()));
}

void TcpStream::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
  auto* self = static_cast<TcpStream*>(stream->data);
  // nread 0 is EAGAIN: nothing to do. The callbacks may destroy the owner, so nothing of
  // `self` is touched after them.
  if (self == nullptr || nread == 0) return;
  if (nread < 0) {
    (void)uv_read_stop(stream);
    guarded([&] { if (self->handlers_.on_end) self->handlers_.on_end(static_cast<int>(nread)); });
    return;
  }
  guarded([&] {
    if (self->handlers_.on_data) self->handlers_.on_data(std::string_view(buf->base, static_cast<size_t>(nread)));
  });
}

void TcpStream::on_write(uv_write_t* request, int status) noexcept {
  std::unique_ptr<WriteRequest> pending(reinterpret_cast<WriteRequest*>(request));
  // A closed owner set data to null: its callback must not run.
  if (request->handle->data == nullptr || !pending->on_done) return;
  guarded([&] { pending->on_done(status); });
}

void TcpStream::on_shutdown(uv_shutdown_t* request, int) noexcept {
  // Nothing to report: the peer's EOF, or the owner's linger deadline, ends the stream.
  delete request;
}

}  // namespace lastcall::uv
