// SPDX-License-Identifier: MIT
#include "uv/tcp.hpp"

#include <netinet/in.h>

#include <array>
#include <memory>

namespace lastcall::uv {
namespace {

// One buffer for every stream: libuv calls on_read right after the read(2) that filled it,
// on the loop's only thread, and on_data consumes the bytes before returning.
std::array<char, 16 * 1024> read_buffer;

// A request in flight with what it must keep alive: libuv completes it even when the handle
// is closed first (UV_ECANCELED), and then the owner, found through the handle, is gone.
template <class Request>
struct Pending {
  Request request{};
  std::string bytes;
  std::function<void(int)> on_done;

  static void complete(Request* request, int status) noexcept {
    std::unique_ptr<Pending> self(reinterpret_cast<Pending*>(request));
    if (request->handle->data != nullptr && self->on_done) guarded([&] { self->on_done(status); });
  }
};

int to_address(const std::string& host, int port, bool ipv6, sockaddr_storage& address) {
  return ipv6 ? uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&address))
              : uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&address));
}

}  // namespace

TcpStream::TcpStream(uv_loop_t* loop) : Handle(this, [loop](uv_tcp_t* h) { return uv_tcp_init(loop, h); }) {}

int TcpStream::connect(const std::string& host, int port, bool ipv6, std::function<void(int)> on_connected) {
  sockaddr_storage address{};
  if (h_ == nullptr) return status_;
  if (const int rc = to_address(host, port, ipv6, address); rc != 0) return rc;
  auto pending = std::make_unique<Pending<uv_connect_t>>();
  pending->on_done = std::move(on_connected);
  const int rc = uv_tcp_connect(&pending->request, h_, reinterpret_cast<const sockaddr*>(&address),
                                Pending<uv_connect_t>::complete);
  if (rc == 0) (void)pending.release();  // complete() frees it
  return rc;
}

int TcpStream::read_start(Handlers handlers) {
  if (h_ == nullptr) return status_;
  handlers_ = std::move(handlers);
  return uv_read_start(stream(), on_alloc, on_read);
}

void TcpStream::on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept {
  *buf = uv_buf_init(read_buffer.data(), static_cast<unsigned>(read_buffer.size()));
}

void TcpStream::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
  auto* self = owner_of<TcpStream>(stream);
  // nread 0 is EAGAIN. The handlers may destroy the owner: nothing of it is touched after.
  if (self == nullptr || nread == 0) return;
  if (nread < 0) (void)uv_read_stop(stream);
  guarded([&] {
    if (nread < 0 && self->handlers_.on_end) self->handlers_.on_end(static_cast<int>(nread));
    if (nread > 0 && self->handlers_.on_data) self->handlers_.on_data(std::string_view(buf->base, static_cast<size_t>(nread)));
  });
}

int TcpStream::write(std::string bytes, std::function<void(int)> on_done) {
  if (h_ == nullptr) return status_;
  auto pending = std::make_unique<Pending<uv_write_t>>();
  pending->bytes = std::move(bytes);
  pending->on_done = std::move(on_done);
  const uv_buf_t buf = uv_buf_init(pending->bytes.data(), static_cast<unsigned>(pending->bytes.size()));
  const int rc = uv_write(&pending->request, stream(), &buf, 1, Pending<uv_write_t>::complete);
  if (rc == 0) (void)pending.release();  // complete() frees it
  return rc;
}

int TcpStream::shutdown() {
  if (h_ == nullptr) return status_;
  auto request = std::make_unique<uv_shutdown_t>();
  const int rc = uv_shutdown(request.get(), stream(), on_shutdown);
  if (rc == 0) (void)request.release();  // on_shutdown frees it
  return rc;
}

void TcpStream::on_shutdown(uv_shutdown_t* request, int) noexcept {
  // Nothing to report: the peer's EOF, or the owner's linger deadline, ends the stream.
  delete request;
}

TcpListener::TcpListener(uv_loop_t* loop, std::function<void(int)> on_connection)
    : Handle(this, [loop](uv_tcp_t* h) { return uv_tcp_init(loop, h); }), on_connection_(std::move(on_connection)) {}

int TcpListener::listen(const std::string& host, int port, bool ipv6, int backlog) {
  sockaddr_storage address{};
  if (h_ == nullptr) return status_;
  if (const int rc = to_address(host, port, ipv6, address); rc != 0) return rc;
  // IPV6ONLY: "[::]:9000" means IPv6 alone, as written, not IPv4 too.
  if (const int rc = uv_tcp_bind(h_, reinterpret_cast<const sockaddr*>(&address), ipv6 ? UV_TCP_IPV6ONLY : 0); rc != 0) {
    return rc;
  }
  return uv_listen(reinterpret_cast<uv_stream_t*>(h_), backlog, on_connection);
}

void TcpListener::on_connection(uv_stream_t* server, int status) noexcept {
  if (auto* self = owner_of<TcpListener>(server)) guarded([&] { self->on_connection_(status); });
}

int TcpListener::accept(TcpStream& into) {
  if (h_ == nullptr) return status_;
  if (into.init_status() != 0) return into.init_status();
  return uv_accept(reinterpret_cast<uv_stream_t*>(h_), into.stream());
}

int TcpListener::port() const {
  sockaddr_storage address{};
  int length = sizeof(address);
  if (h_ == nullptr || uv_tcp_getsockname(h_, reinterpret_cast<sockaddr*>(&address), &length) != 0) return -1;
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
}

}  // namespace lastcall::uv
