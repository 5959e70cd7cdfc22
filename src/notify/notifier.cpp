// SPDX-License-Identifier: MIT
#include "notify/notifier.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace lastcall::notify {

std::optional<SocketAddress> parse_socket_address(std::string_view text) {
  SocketAddress out;
  out.address.sun_family = AF_UNIX;
  if (text.size() < 2 || (text.front() != '/' && text.front() != '@')) return std::nullopt;
  // A path needs its terminating NUL inside sun_path; an abstract name does not.
  const bool abstract = text.front() == '@';
  if (text.size() + (abstract ? 0 : 1) > sizeof(out.address.sun_path)) return std::nullopt;
  std::memcpy(out.address.sun_path, text.data(), text.size());
  if (abstract) out.address.sun_path[0] = '\0';
  out.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + text.size() + (abstract ? 0 : 1));
  return out;
}

core::Result<std::unique_ptr<Notifier>> Notifier::from_environment() {
  const char* value = std::getenv("NOTIFY_SOCKET");
  if (value == nullptr) return std::unique_ptr<Notifier>();
  const std::string text(value);
  // lastcall is single-threaded here, before the loop and the spawn: unsetenv is safe.
  (void)unsetenv("NOTIFY_SOCKET");
  const auto address = parse_socket_address(text);
  if (!address) {
    return core::Error{.message = "NOTIFY_SOCKET: unsupported address \"" + text +
                                  "\" (use an absolute path or @abstract-name)",
                       .exit_code = core::kExitUsage};
  }
  return std::make_unique<Notifier>(*address);
}

Notifier::Notifier(const SocketAddress& address) : address_(address) {}

Notifier::~Notifier() {
  if (fd_ >= 0) (void)::close(fd_);
}

int Notifier::send(std::string_view message) {
  if (fd_ < 0) fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) return errno;
  for (;;) {
    const ssize_t n = ::sendto(fd_, message.data(), message.size(), MSG_NOSIGNAL,
                               reinterpret_cast<const sockaddr*>(&address_.address), address_.length);
    if (n >= 0) return 0;
    if (errno != EINTR) return errno;
  }
}

}  // namespace lastcall::notify
