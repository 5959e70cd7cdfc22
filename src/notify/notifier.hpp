// SPDX-License-Identifier: MIT
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <memory>
#include <optional>
#include <string_view>

#include "core/error.hpp"

namespace lastcall::notify {

// An AF_UNIX datagram address as NOTIFY_SOCKET gives it.
struct SocketAddress {
  sockaddr_un address{};
  socklen_t length = 0;
};

// "/run/systemd/notify" is a path; "@name" is the abstract name "\0name" (unix(7)).
// nullopt for an empty value, a relative path, or one too long for sun_path. The vsock:
// form of systemd 254 is not supported.
[[nodiscard]] std::optional<SocketAddress> parse_socket_address(std::string_view text);

// The service manager's notification socket (sd_notify(3) without libsystemd): one
// AF_UNIX SOCK_DGRAM socket, close-on-exec and non-blocking, so a stalled manager can never
// stall the loop. It owns the socket; what to send and when is app's. Lives for the run.
class Notifier {
 public:
  // The socket NOTIFY_SOCKET names; null when the variable is unset. It unsets NOTIFY_SOCKET,
  // as sd_notify's unset_environment does, so that neither the child nor a hook inherits it
  // and sends READY=1 in lastcall's name. An error names the variable and what is wrong.
  [[nodiscard]] static core::Result<std::unique_ptr<Notifier>> from_environment();

  explicit Notifier(const SocketAddress& address);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // 0, or the errno of socket(2) or sendto(2): ECONNREFUSED when nothing listens, EAGAIN
  // when the manager's queue is full.
  [[nodiscard]] int send(std::string_view message);

 private:
  SocketAddress address_;
  int fd_ = -1;  // -1 until the first send, and when socket(2) failed
};

}  // namespace lastcall::notify
