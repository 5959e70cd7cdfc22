// SPDX-License-Identifier: MIT
#include "uv/tcp_listener.hpp"

#include <netinet/in.h>

#include <cstdlib>

#include "uv/handle.hpp"

namespace lastcall::uv {

TcpListener::TcpListener(uv_loop_t* loop, std::function<void(int)> on_connection)
    : handle_(new_handle<uv_tcp_t>(this)), on_connection_(std::move(on_connection)) {
  init_status_ = uv_tcp_init(loop, handle_);
  if (init_status_ != 0) {
    // A handle that failed to init was never registered with the loop: free it directly.
    delete handle_;
    handle_ = nullptr;
  }
}

TcpListener::~TcpListener() { close_handle(handle_); }

int TcpListener::listen(const std::string& host, int port, bool ipv6, int backlog) {
  if (handle_ == nullptr) return init_status_;
  sockaddr_storage address{};
  int rc = ipv6 ? uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&address))
                : uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&address));
  if (rc != 0) return rc;
  // IPV6ONLY: "[::]:9000" means IPv6 alone, as written, not IPv4 too.
  rc = uv_tcp_bind(handle_, reinterpret_cast<const sockaddr*>(&address), ipv6 ? UV_TCP_IPV6ONLY : 0);
  if (rc != 0) return rc;
  return uv_listen(reinterpret_cast<uv_stream_t*>(handle_), backlog, on_connection);
}

int TcpListener::accept(TcpStream& into) {
  if (handle_ == nullptr) return init_status_;
  if (into.init_status() != 0) return into.init_status();
  return uv_accept(reinterpret_cast<uv_stream_t*>(handle_), into.stream());
}

int TcpListener::port() const {
  if (handle_ == nullptr) return -1;
  sockaddr_storage address{};
  int length = sizeof(address);
  if (uv_tcp_getsockname(handle_, reinterpret_cast<sockaddr*>(&address), &length) != 0) return -1;
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
}

void TcpListener::on_connection(uv_stream_t* server, int status) noexcept {
  auto* self = static_cast<TcpListener*>(server->data);
  if (self == nullptr) return;
  guarded([&] { self->on_connection_(status); });
}

}  // namespace lastcall::uv
